# SPDX-License-Identifier: GPL-2.0-or-later
# A process holds a bypass function through vfio (allowed at first) when the guard must take it back: the
# unbind blocks in the kernel. The daemon does not hang, still refuses another function meanwhile, names the
# holder in the journal, and finishes when the holder exits.
#
# Why the journal is read only after the hold: while the unbind is held, the kernel holds the device lock of
# the held function, and systemd-journald, enriching the kernel's own messages about that device (dev_printk
# metadata), reads its `uevent` attribute, which takes the same lock. journald itself stalls until the holder
# exits; every entry of the hold (the daemon's included) reaches the journal only then. So during the hold the
# daemon is watched without the journal and without touching a lock-taking attribute of the held function
# (uevent, driver_override, unbind, bind): systemd's StatusText (sd_notify), the daemon's records under
# /run/vfio-guard, /proc/PID/status, and the other function's driver link, driver_override and
# `vfio-guardctl check` (its own lock is free). `vfio-guardctl list` must return too: the daemon marks the
# function under /run/vfio-guard/unbinding, and the CLI then leaves its driver_override alone.
# vm-devices: standard
# vm-timeout: 400
# vm-write: /etc/vfio-guard.conf [Guard]\nAllow=0000:00:03.0

MID_RELOADED=160320c33232446082ffd6043bd7f196
MID_KERNEL_DENIED=abfb1da9b5b04a679e105eb36f6fb04e
# systemd answers from PID 1, which the journal's stall must not reach (bounded, so a stall fails a check).
status_text() { timeout 10 systemctl show -p StatusText --value vfio-guard.service; }
status_has() { status_text | grep -q -- "$1"; }
# refused bindings + kernel denials counted in StatusText: grows when the daemon refuses anything.
refusals() {
        status_text | sed -n 's/.* \([0-9][0-9]*\) vfio bindings\{0,1\} refused\(; kernel-enforced (BPF LSM), \([0-9][0-9]*\) opens\{0,1\} denied\)\{0,1\}.*/\1 \3/p' |
                { read -r _a _b && echo $(( _a + ${_b:-0} )); }
}
record_has() { grep -qx "$2" "/run/vfio-guard/functions/$1" 2>/dev/null; }
daemon_updated() { sed -n 's/^UPDATED_USEC=//p' /run/vfio-guard/daemon 2>/dev/null; }
daemon_sleeps() { grep -q '^State:[[:space:]]*S' "/proc/$main/status"; }
gt() { [ "${1:-0}" -gt "${2:-0}" ]; }
updated_since() { gt "$(daemon_updated)" "$1"; }
refusals_grew() { gt "$(refusals)" "$1"; }
# The refusal of MODERN_RNG is journalled as bind-refused (reactive: it reached vfio-pci and was unbound) or
# kernel-denied (BPF LSM: the override write was refused).
# Reactive, the guard may also win the race outright: it re-pins on the unbind uevent before drivers_probe, so
# vfio-pci never binds and the journal has a pinned entry instead.
rng_refusal_entries() {
        echo $(( $(journal_count "$MID_BIND_REFUSED" "$MODERN_RNG") + $(journal_count "$MID_KERNEL_DENIED" "$MODERN_RNG") +
                 $(journal_count "$MID_PINNED" "$MODERN_RNG") ))
}
# Refused (the count in StatusText grows) or prevented (re-pinned before vfio-pci could bind: back on
# virtio-pci, pinned, and never counted).
refused_or_prevented() {
        refusals_grew "$1" || { is_drv "$MODERN_RNG" virtio-pci && is_pinned "$MODERN_RNG"; }
}
rng_refusal_grew() { gt "$(rng_refusal_entries)" "$1"; }
lister_gone() { ! grep -q "^State:[[:space:]]*[^Z]" "/proc/$lister/status" 2>/dev/null; }

wait_guard 90 || exit 1
modprobe vfio-pci
bind_libvirt "$TRANS_NET"
wait_for 15 is_drv "$TRANS_NET" vfio-pci || { fail "allowed $TRANS_NET did not bind to vfio-pci"; exit 1; }
/usr/lib/vmtest/vfio-hold "$TRANS_NET" > /run/hold.out 2>&1 &
holder=$!
wait_for 15 grep -q holding /run/hold.out || { fail "holder: $(cat /run/hold.out)"; exit 1; }
ok "vfio-hold (pid $holder) holds $TRANS_NET"
main=$(systemctl show -p MainPID --value vfio-guard.service)
check "the record of $TRANS_NET says allow before the reload" record_has "$TRANS_NET" DECISION=allow
# Counted before the hold, while journald still answers.
reloads0=$(journalctl -b -q --no-pager -o cat MESSAGE_ID=$MID_RELOADED | grep -c .)
rng_refused0=$(rng_refusal_entries)
stuck0=$(journal_count "$MID_UNBIND_STUCK" "$TRANS_NET")
updated0=$(daemon_updated)

# Take the Allow away: the guard must unbind a held device.
sed -i '/^Allow=/d' "$CONF"
timeout 20 systemctl reload vfio-guard.service
check "reload returns while the unbind is stuck" [ $? = 0 ]
check "the reload rewrote /run/vfio-guard/daemon (UPDATED_USEC grows)" wait_for 20 updated_since "$updated0"
check "the record of $TRANS_NET says refuse" wait_for 20 record_has "$TRANS_NET" DECISION=refuse
check "StatusText reports the stuck unbind (within 30 s)" wait_for 30 status_has "1 unbind stuck"
note "StatusText: $(status_text)"
check "the daemon (pid $main) sleeps in its loop (State: S)" wait_for 5 daemon_sleeps

# The daemon's loop must still run: a second reload is answered (READY=1 with STATUS=, the daemon record
# rewritten), and another bypass function bound to vfio-pci is taken back before the holder lets go.
updated1=$(daemon_updated)
check "a second reload returns" timeout 20 systemctl reload vfio-guard.service
check "the daemon answers the reload (UPDATED_USEC grows)" wait_for 20 updated_since "$updated1"
check "StatusText after the reload still reports the stuck unbind" wait_for 10 status_has "1 unbind stuck"
refused1=$(refusals)
check "StatusText counts refusals ($refused1)" [ -n "$refused1" ]
bind_libvirt "$MODERN_RNG"
check "meanwhile another bypass function is refused (StatusText count grows) or its bind prevented" \
        wait_for 20 refused_or_prevented "$refused1"
check "$MODERN_RNG back on virtio-pci and pinned" wait_for 20 sh -c \
        ". /usr/lib/vmtest/lib.sh; is_drv $MODERN_RNG virtio-pci && is_pinned $MODERN_RNG"
check "the record of $MODERN_RNG says refuse, pinned by the guard" sh -c \
        "grep -qx DECISION=refuse /run/vfio-guard/functions/$MODERN_RNG && grep -qx PINNED_BY_GUARD=1 /run/vfio-guard/functions/$MODERN_RNG"
timeout 20 vfio-guardctl check "$MODERN_RNG" > /run/check.out 2>&1
check "vfio-guardctl check $MODERN_RNG answers refuse (exit 1) during the hold" [ $? = 1 ]
note "check: $(cat /run/check.out)"
# The kernel drops the driver link when the unbind starts; the function cannot be back on virtio-pci yet.
check "$TRANS_NET not handed back while held" sh -c ". /usr/lib/vmtest/lib.sh; ! is_drv $TRANS_NET virtio-pci"
check "the holder is still alive" kill -0 "$holder"
check "the daemon still sleeps in its loop (State: S)" wait_for 5 daemon_sleeps
# Where the daemon's main thread is while the unbind is held (for the failure log).
note "daemon $main: wchan $(cat /proc/$main/wchan 2>/dev/null); syscall $(cut -d' ' -f1 /proc/$main/syscall 2>/dev/null)"
cat /proc/$main/stack 2>/dev/null | head -n 12 | while read -r l; do note "  $l"; done
# vfio-guardctl list must not block on the held function (it skips the marked one's driver_override).
vfio-guardctl list > /run/list.out 2>&1 &
lister=$!
if wait_for 20 lister_gone; then
        ok "vfio-guardctl list returns during the hold"
        check "vfio-guardctl list shows $TRANS_NET during the hold" grep -q "$TRANS_NET" /run/list.out
else
        fail "vfio-guardctl list blocks during the hold: wchan $(cat /proc/$lister/wchan 2>/dev/null)"
fi
jd=$(systemctl show -p MainPID --value systemd-journald.service)
note "journald $jd: wchan $(cat /proc/$jd/wchan 2>/dev/null); new unbind-stuck entries so far: $(( $(journal_count "$MID_UNBIND_STUCK" "$TRANS_NET") - stuck0 ))"

kill "$holder"
check "after the holder exits: $TRANS_NET unbound from vfio-pci" wait_for 60 not_vfio "$TRANS_NET"
check "after the holder exits: $TRANS_NET pinned" wait_for 30 is_pinned "$TRANS_NET"
check "after the holder exits: $TRANS_NET back on virtio-pci" wait_for 30 is_drv "$TRANS_NET" virtio-pci
check "StatusText: no unbind stuck any more" wait_for 30 sh -c "! timeout 10 systemctl show -p StatusText --value vfio-guard.service | grep -q 'unbind.* stuck'"

# Now journald has what was held back.
check "unbind-stuck entry for $TRANS_NET" wait_for 30 journal_has "$MID_UNBIND_STUCK" "$TRANS_NET"
holders=$(journalctl -b -o json --no-pager MESSAGE_ID=$MID_UNBIND_STUCK VFIO_GUARD_DEVICE=$TRANS_NET | tail -n 1)
case $holders in
*"\"VFIO_GUARD_HOLDERS\":\"$holder "*vfio-hold*) ok "the journal names the holder ($holder vfio-hold)";;
*) fail "holder not named: $holders";;
esac
check "refusal entry for $MODERN_RNG (bind-refused, or kernel-denied under the BPF LSM)" wait_for 20 rng_refusal_grew "$rng_refused0"
check "two reload entries" wait_for 20 sh -c \
        "[ \$(journalctl -b -q --no-pager -o cat MESSAGE_ID=$MID_RELOADED | grep -c .) -ge $(( reloads0 + 2 )) ]"
check "unbound entry for $TRANS_NET" wait_for 20 journal_has "$MID_UNBOUND" "$TRANS_NET"
