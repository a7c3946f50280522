# SPDX-License-Identifier: GPL-2.0-or-later
# Kernel enforcement on the real kernel, through the unit: at boot the daemon loads the BPF LSM program
# (STATUS=, journal, `vfio-guardctl list` say kernel-enforced); libvirt's way of binding a bypass function
# fails at its first step, the driver_override write, with EPERM, so vfio-pci never gets it, and the journal
# names the attempt; the translated function still goes to vfio-pci and its group opens; SIGKILL leaves the
# refusal in place; KernelEnforcement=no + reload removes it.
# vm-devices: standard
# vm-timeout: 600
# TCG on a loaded host: the IO-APIC timer check can fail and panic the boot ("timer doesn't work through
# Interrupt-remapped IO-APIC"); skip it.
# vm-cmdline: no_timer_check

MID_ENFORCEMENT=379e4aec706443169fc15cc5598c64be
MID_KERNEL_DENIED=abfb1da9b5b04a679e105eb36f6fb04e

status_text() { systemctl show -p StatusText --value vfio-guard.service; }
status_has() { status_text | grep -qF -- "$1"; }
# try_override F VALUE: write VALUE to F's driver_override as libvirt does; prints the shell's error.
try_override() { sh -c "echo $2 > $PCI/devices/$1/driver_override" 2>&1; }

wait_guard 90 || exit 1
modprobe vfio-pci
for f in $BYPASS; do wait_for 30 is_pinned "$f" || fail "$f not pinned at start"; done

if ! grep -q bpf /sys/kernel/security/lsm 2>/dev/null; then
        note "lsm: $(cat /sys/kernel/security/lsm 2>&1)"
        check "without the BPF LSM the daemon says it is reactive" wait_for 10 status_has "; reactive"
        skip "the BPF LSM is not active in this kernel"
fi

# ---- loaded at boot ----
if wait_for 20 status_has "kernel-enforced (BPF LSM)"; then
        ok "STATUS says kernel-enforced: $(status_text)"
else
        fail "STATUS does not say kernel-enforced: $(status_text)"
        journalctl -b -q --no-pager -o cat MESSAGE_ID=$MID_ENFORCEMENT | sed 's/^/    /'
fi
check "program pinned in /sys/fs/bpf/vfio-guard" [ -e /sys/fs/bpf/vfio-guard/link ]
check "journal: enforcement bpf-lsm at start" sh -c \
        "journalctl -b -q --no-pager -o verbose MESSAGE_ID=$MID_ENFORCEMENT | grep -q 'VFIO_GUARD_ENFORCEMENT=bpf-lsm'"
check "vfio-guardctl list says kernel-enforced" sh -c \
        "vfio-guardctl list | grep -q 'Enforcement: kernel-enforced (BPF LSM)'"
check "vfio-guardctl list --json: enforcement.mode bpf-lsm" sh -c \
        "vfio-guardctl list --json | tr -d ' \n' | grep -q '\"enforcement\":{\"mode\":\"bpf-lsm\"'"
check "/run/vfio-guard/daemon: ENFORCEMENT=bpf-lsm" grep -qx ENFORCEMENT=bpf-lsm /run/vfio-guard/daemon

# ---- libvirt's first step on a bypass function: EPERM ----
before=$(journal_count "$MID_BIND_REFUSED" "$TRANS_NET")
err=$(try_override "$TRANS_NET" vfio-pci)
case $err in
*"Operation not permitted"*) ok "$TRANS_NET: driver_override write refused with EPERM ($err)";;
*) fail "$TRANS_NET: driver_override write not refused with EPERM: '$err'";;
esac
check "$TRANS_NET: pin unchanged" is_pinned "$TRANS_NET"
check "$TRANS_NET: driver_override still readable" sh -c "cat $PCI/devices/$TRANS_NET/driver_override >/dev/null"
check "$TRANS_NET: other functions' driver_override still writable ($MODERN_NET)" sh -c \
        "echo > $PCI/devices/$MODERN_NET/driver_override"

# The whole libvirt sequence (override, unbind, drivers_probe): vfio-pci never binds.
bind_libvirt "$TRANS_NET"
check "$TRANS_NET: libvirt's sequence left it off vfio-pci" not_vfio "$TRANS_NET"
check "$TRANS_NET: back on virtio-pci (the pin held through drivers_probe)" wait_for 10 is_drv "$TRANS_NET" virtio-pci
sleep 1
check "$TRANS_NET: no vfio bind reached it (no bind-refused entry)" \
        [ "$(journal_count "$MID_BIND_REFUSED" "$TRANS_NET")" = "$before" ]
bind_driverctl "$LEGACY_NET"
check "$LEGACY_NET: driverctl refused too, never on vfio-pci" not_vfio "$LEGACY_NET"
restore "$LEGACY_NET" >/dev/null 2>&1

# The journal names the attempt.
if wait_for 15 journal_has "$MID_KERNEL_DENIED" "$TRANS_NET"; then
        entry=$(journalctl -b -q --no-pager -o verbose MESSAGE_ID=$MID_KERNEL_DENIED VFIO_GUARD_DEVICE=$TRANS_NET)
        for want in VFIO_GUARD_ATTEMPT=write-open-driver-override VFIO_GUARD_COMM=sh VFIO_GUARD_UID=0 \
                    VFIO_GUARD_PID= "Allow=$TRANS_NET" "systemctl reload vfio-guard"; do
                case $entry in
                *"$want"*) ok "denial entry has $want";;
                *) fail "denial entry lacks $want: $entry";;
                esac
        done
        note "$(journalctl -b -q --no-pager -o cat MESSAGE_ID=$MID_KERNEL_DENIED VFIO_GUARD_DEVICE=$TRANS_NET | head -n 1)"
else
        fail "no kernel-denied journal entry for $TRANS_NET"
fi
check "STATUS counts the denials" wait_for 10 sh -c \
        "systemctl show -p StatusText --value vfio-guard.service | grep -qE 'kernel-enforced \(BPF LSM\), [1-9][0-9]* opens? denied'"

# ---- the translated function is untouched ----
bind_libvirt "$MODERN_NET"
if wait_for 15 is_drv "$MODERN_NET" vfio-pci && has_vfio_dev "$MODERN_NET"; then
        g=$(group_of "$MODERN_NET")
        check "$MODERN_NET on vfio-pci, /dev/vfio/$g opens" sh -c "exec 3<>/dev/vfio/$g"
else
        fail "$MODERN_NET not on vfio-pci (driver $(drv "$MODERN_NET"), override '$(override "$MODERN_NET")')"
fi
release "$MODERN_NET" virtio-pci || fail "$MODERN_NET did not go back to virtio-pci"

# ---- SIGKILL: the refusal stays while the daemon is dead, and after its restart ----
pid=$(systemctl show -p MainPID --value vfio-guard.service)
kill -KILL "$pid"
err=$(try_override "$MODERN_RNG" vfio-pci)
case $err in
*"Operation not permitted"*) ok "daemon killed: $MODERN_RNG driver_override still refused";;
*) fail "daemon killed: $MODERN_RNG driver_override write: '$err'";;
esac
check "daemon killed: program still pinned" [ -e /sys/fs/bpf/vfio-guard/link ]
check "restarted" wait_for 60 sh -c \
        "[ \"\$(systemctl show -p MainPID --value vfio-guard.service)\" != $pid ] && systemctl is-active -q vfio-guard.service"
check "restarted: kernel-enforced, pinned program re-used" wait_for 30 sh -c \
        "journalctl -b -q --no-pager -o cat MESSAGE_ID=$MID_ENFORCEMENT | grep -q 're-using the pinned BPF LSM program'"
check "restarted: STATUS kernel-enforced" wait_for 20 status_has "kernel-enforced (BPF LSM)"
check "restarted: the denial while it was dead was reported" wait_for 15 journal_has "$MID_KERNEL_DENIED" "$MODERN_RNG"

# ---- the way out: KernelEnforcement=no + reload ----
printf '[Guard]\nKernelEnforcement=no\n' >> "$CONF"
systemctl reload vfio-guard.service
check "KernelEnforcement=no: program removed" wait_for 20 sh -c "[ ! -e /sys/fs/bpf/vfio-guard ]"
check "KernelEnforcement=no: STATUS reactive" wait_for 20 status_has "; reactive"
check "KernelEnforcement=no: vfio-guardctl list says reactive" sh -c \
        "vfio-guardctl list | grep -q 'Enforcement: reactive (pin, unbind): KernelEnforcement=no'"
err=$(try_override "$TRANS_NET" virtio-pci)
check "KernelEnforcement=no: driver_override writable again ('$err')" [ -z "$err" ]
check "pins stay" sh -c ". /usr/lib/vmtest/lib.sh; for f in $BYPASS; do is_pinned \$f || exit 1; done"

# ---- the other way out: vfio-guardd --unpin-bpf ----
printf '[Guard]\n' > "$CONF"
systemctl reload vfio-guard.service
check "KernelEnforcement back to auto: loaded again" wait_for 30 sh -c \
        "[ -e /sys/fs/bpf/vfio-guard/link ] && systemctl show -p StatusText --value vfio-guard.service | grep -q 'kernel-enforced'"
check "auto again: $TRANS_NET refused again" sh -c "! echo vfio-pci > $PCI/devices/$TRANS_NET/driver_override"
out=$("$LIBEXECDIR/vfio-guardd" --unpin-bpf 2>&1)
check "vfio-guardd --unpin-bpf exits 0 ($out)" [ $? = 0 ]
check "--unpin-bpf: program removed" [ ! -e /sys/fs/bpf/vfio-guard ]
err=$(try_override "$TRANS_NET" virtio-pci)
check "--unpin-bpf: driver_override writable again ('$err')" [ -z "$err" ]
check "--unpin-bpf: the daemon keeps running" guard_active
