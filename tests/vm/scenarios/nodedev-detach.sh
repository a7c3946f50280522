# SPDX-License-Identifier: GPL-2.0-or-later
# libvirt's own tool, `virsh nodedev-detach`, against the guard (libvirtd with its QEMU driver, from the
# "libvirt" variant of the image). Kernel-enforced: detaching a bypass function fails at libvirt's first
# step, the driver_override write (EPERM), so vfio-pci never binds; the function stays on virtio-pci,
# pinned, and the journal names the attempt. The translated function detaches and reattaches. Then
# KernelEnforcement=no + reload: the same detach of a bypass function is refused or undone by the
# reactive path (pin, unbind), and never left on vfio-pci.
# vm-image: libvirt
# vm-devices: standard
# vm-timeout: 900
# vm-cmdline: no_timer_check

MID_KERNEL_DENIED=abfb1da9b5b04a679e105eb36f6fb04e

status_has() { systemctl show -p StatusText --value vfio-guard.service | grep -qF -- "$1"; }
virsh_q() { virsh -c qemu:///system "$@"; }
nodedev() { echo "pci_$1" | tr ':.' '__'; }
settled() { not_vfio "$1" && is_pinned "$1"; }
# journalled F BIND_REFUSED PINNED: a new bind-refused or pin entry about F since the counts given.
journalled() { [ "$(journal_count "$MID_BIND_REFUSED" "$1")" -gt "$2" ] || [ "$(journal_count "$MID_PINNED" "$1")" -gt "$3" ]; }

wait_guard 90 || exit 1
modprobe vfio-pci
for f in $BYPASS; do wait_for 30 is_pinned "$f" || fail "$f not pinned at start"; done

# libvirtd as the image has it: libvirt-daemon, -driver-qemu and libvirt-clients only. No QEMU binary
# (the driver logs "Cannot find suitable emulator" and serves node devices all the same), and no
# libvirt-daemon-system, whose postinst creates the libvirt-qemu user that the QEMU driver resolves before
# it reads any configuration; without polkit, root's socket is told to need no authentication.
command -v libvirtd >/dev/null || { fail "libvirtd not in the image (mkimage VARIANT=libvirt)"; exit 1; }
grep -q '^libvirt-qemu:' /etc/group || echo 'libvirt-qemu:x:64055:' >> /etc/group
grep -q '^kvm:' /etc/group || echo 'kvm:x:64056:' >> /etc/group
grep -q '^libvirt-qemu:' /etc/passwd ||
        echo 'libvirt-qemu:x:64055:64055:libvirt qemu:/var/lib/libvirt:/usr/sbin/nologin' >> /etc/passwd
printf 'auth_unix_rw = "none"\nauth_unix_ro = "none"\n' >> /etc/libvirt/libvirtd.conf
libvirtd --daemon
# Not `virsh version`: without a QEMU binary there is no hypervisor version to report (nor needed).
if ! wait_for 60 sh -c "virsh -c qemu:///system uri >/dev/null 2>&1"; then
        fail "libvirtd did not answer: $(virsh -c qemu:///system uri 2>&1 | head -n 3)"
        exit 1
fi
ok "$(libvirtd --version) answers on qemu:///system"
check "virsh sees $TRANS_NET as $(nodedev "$TRANS_NET")" sh -c "virsh -c qemu:///system nodedev-dumpxml $(nodedev "$TRANS_NET") >/dev/null"

# detach F: prints virsh's output; returns its status.
detach() { virsh_q nodedev-detach "$(nodedev "$1")" 2>&1; }

if grep -q bpf /sys/kernel/security/lsm 2>/dev/null && wait_for 20 status_has "kernel-enforced (BPF LSM)"; then
        # ---- kernel-enforced: the first write fails, nothing binds ----
        for f in $BYPASS; do
                before=$(journal_count "$MID_BIND_REFUSED" "$f")
                denied=$(journal_count "$MID_KERNEL_DENIED" "$f")
                if out=$(detach "$f"); then
                        fail "kernel-enforced: nodedev-detach $f succeeded: $out"
                else
                        ok "kernel-enforced: nodedev-detach $f failed: $(echo "$out" | grep . | tail -n 1)"
                fi
                check "kernel-enforced: $f never on vfio-pci, still on virtio-pci" is_drv "$f" virtio-pci
                check "kernel-enforced: $f still pinned" is_pinned "$f"
                check "kernel-enforced: $f journal names the attempt" wait_for 15 sh -c \
                        ". /usr/lib/vmtest/lib.sh; [ \$(journal_count $MID_KERNEL_DENIED $f) -gt $denied ]"
                check "kernel-enforced: $f no bind reached vfio-pci (no new bind-refused entry)" \
                        [ "$(journal_count "$MID_BIND_REFUSED" "$f")" = "$before" ]
        done
        entry=$(journalctl -b -q --no-pager -o verbose MESSAGE_ID=$MID_KERNEL_DENIED VFIO_GUARD_DEVICE=$TRANS_NET)
        check "kernel-enforced: the entry says a write-open of driver_override" \
                sh -c "echo '$entry' | grep -q VFIO_GUARD_ATTEMPT=write-open-driver-override"
        note "$(journalctl -b -q --no-pager -o cat MESSAGE_ID=$MID_KERNEL_DENIED VFIO_GUARD_DEVICE=$TRANS_NET | tail -n 1)"
else
        fail "the daemon is not kernel-enforced: $(systemctl show -p StatusText --value vfio-guard.service)"
fi

# translated F: nodedev-detach gives it to vfio-pci (its group opens), nodedev-reattach gives it back.
translated() {
        if out=$(detach "$MODERN_NET") && wait_for 15 is_drv "$MODERN_NET" vfio-pci && has_vfio_dev "$MODERN_NET"; then
                g=$(group_of "$MODERN_NET")
                ok "$1: nodedev-detach $MODERN_NET: on vfio-pci, /dev/vfio/$g"
                check "$1: /dev/vfio/$g opens" sh -c "exec 3<>/dev/vfio/$g"
                sleep 1
                check "$1: $MODERN_NET still on vfio-pci a second later" is_drv "$MODERN_NET" vfio-pci
        else
                fail "$1: nodedev-detach $MODERN_NET: driver $(drv "$MODERN_NET"): $out"
        fi
        if out=$(virsh_q nodedev-reattach "$(nodedev "$MODERN_NET")" 2>&1) && wait_for 15 is_drv "$MODERN_NET" virtio-pci; then
                ok "$1: nodedev-reattach $MODERN_NET: back on virtio-pci"
        else
                fail "$1: nodedev-reattach $MODERN_NET: driver $(drv "$MODERN_NET"): $out"
        fi
        check "$1: $MODERN_NET not pinned by the guard" not_pinned "$MODERN_NET"
}
translated kernel-enforced

# ---- reactive (KernelEnforcement=no): libvirt's writes pass, the guard refuses or undoes the bind ----
printf '[Guard]\nKernelEnforcement=no\n' >> "$CONF"
systemctl reload vfio-guard.service
check "KernelEnforcement=no: STATUS reactive" wait_for 30 status_has "; reactive"
for f in $BYPASS; do
        before=$(journal_count "$MID_BIND_REFUSED" "$f") pins=$(journal_count "$MID_PINNED" "$f")
        # libvirt 9.0 does not check which driver drivers_probe gave the function: "detached" may mean
        # that vfio-pci bound it and the guard unbound it, or that the guard's pin made virtio-pci take it.
        if out=$(detach "$f"); then
                note "reactive: nodedev-detach $f returned success"
        else
                note "reactive: nodedev-detach $f failed: $(echo "$out" | grep . | tail -n 1)"
        fi
        if wait_for 15 settled "$f"; then
                ok "reactive: $f refused (driver $(drv "$f"), pinned)"
        else
                fail "reactive: $f on $(drv "$f"), override '$(override "$f")'"
        fi
        # Journalled either way: vfio-pci's bind refused (undone), or the pin put back before drivers_probe.
        check "reactive: the attempt on $f journalled (bind refused or re-pinned)" \
                wait_for 15 journalled "$f" "$before" "$pins"
        note "reactive $f: bind-refused entries $before -> $(journal_count "$MID_BIND_REFUSED" "$f"), pin entries $pins -> $(journal_count "$MID_PINNED" "$f")"
        restore "$f" >/dev/null 2>&1 || fail "reactive: $f did not go back to virtio-pci"
        check "reactive: $f pinned after the attempt" wait_for 10 is_pinned "$f"
done
translated reactive
