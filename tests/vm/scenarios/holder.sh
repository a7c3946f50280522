# SPDX-License-Identifier: GPL-2.0-or-later
# A process holds a bypass function through vfio (allowed at first) when the guard must take it back: the
# unbind blocks in the kernel. The daemon does not hang, still refuses another function meanwhile, names the
# holder in the journal, and finishes when the holder exits.
# vm-devices: standard
# vm-timeout: 400
# vm-write: /etc/vfio-guard.conf [Guard]\nAllow=0000:00:03.0

wait_guard 90 || exit 1
modprobe vfio-pci
bind_libvirt "$TRANS_NET"
wait_for 15 is_drv "$TRANS_NET" vfio-pci || { fail "allowed $TRANS_NET did not bind to vfio-pci"; exit 1; }
/usr/lib/vmtest/vfio-hold "$TRANS_NET" > /run/hold.out 2>&1 &
holder=$!
wait_for 15 grep -q holding /run/hold.out || { fail "holder: $(cat /run/hold.out)"; exit 1; }
ok "vfio-hold (pid $holder) holds $TRANS_NET"

# Take the Allow away: the guard must unbind a held device.
sed -i '/^Allow=/d' "$CONF"
timeout 20 systemctl reload vfio-guard.service
check "reload returns while the unbind is stuck" [ $? = 0 ]
check "unbind-stuck entry for $TRANS_NET (within 30 s)" wait_for 30 journal_has "$MID_UNBIND_STUCK" "$TRANS_NET"
holders=$(journalctl -b -o json --no-pager MESSAGE_ID=$MID_UNBIND_STUCK VFIO_GUARD_DEVICE=$TRANS_NET | head -n 1)
case $holders in
*"\"VFIO_GUARD_HOLDERS\":\"$holder "*vfio-hold*) ok "the journal names the holder ($holder vfio-hold)";;
*) fail "holder not named: $holders";;
esac
# The daemon's loop must still run: a reload is answered with its journal entry, and another bypass
# function bound to vfio-pci is taken back (a new journal entry about it, before the holder lets go).
reloads=$(journalctl -b -q -o cat MESSAGE_ID=160320c33232446082ffd6043bd7f196 | grep -c .)
systemctl reload vfio-guard.service
check "the daemon answers a reload while the unbind is stuck" wait_for 20 sh -c \
        "[ \$(journalctl -b -q -o cat MESSAGE_ID=160320c33232446082ffd6043bd7f196 | grep -c .) -gt $reloads ]"
rng_entries=$(journalctl -b -q -o cat VFIO_GUARD_DEVICE=$MODERN_RNG | grep -c .)
bind_libvirt "$MODERN_RNG"
check "meanwhile another bypass function is refused (journal entry, back on virtio-pci, pinned)" wait_for 20 sh -c \
        ". /usr/lib/vmtest/lib.sh; [ \$(journalctl -b -q -o cat VFIO_GUARD_DEVICE=$MODERN_RNG | grep -c .) -gt $rng_entries ] &&
         is_drv $MODERN_RNG virtio-pci && is_pinned $MODERN_RNG"
# The kernel drops the driver link when the unbind starts; the function cannot be back on virtio-pci yet.
check "$TRANS_NET not handed back while held" sh -c ". /usr/lib/vmtest/lib.sh; ! is_drv $TRANS_NET virtio-pci"
check "the holder is still alive" kill -0 "$holder"
# Where the daemon's main thread is while the unbind is held (for the failure log).
main=$(systemctl show -p MainPID --value vfio-guard.service)
note "daemon $main: wchan $(cat /proc/$main/wchan 2>/dev/null); syscall $(cut -d' ' -f1 /proc/$main/syscall 2>/dev/null)"
cat /proc/$main/stack 2>/dev/null | head -n 12 | while read -r l; do note "  $l"; done

kill "$holder"
check "after the holder exits: $TRANS_NET unbound from vfio-pci" wait_for 60 not_vfio "$TRANS_NET"
check "after the holder exits: $TRANS_NET pinned" wait_for 30 is_pinned "$TRANS_NET"
check "after the holder exits: $TRANS_NET back on virtio-pci" wait_for 30 is_drv "$TRANS_NET" virtio-pci
check "unbound entry for $TRANS_NET" wait_for 20 journal_has "$MID_UNBOUND" "$TRANS_NET"
