# SPDX-License-Identifier: GPL-2.0-or-later
# Without the guard (masked), every bind path gives a bypass function to vfio-pci: the danger is real on
# this kernel, and the checks the other scenarios use do see a vfio binding when there is one.
# vm-devices: standard
# vm-cmdline: systemd.mask=vfio-guard.service

modprobe vfio-pci
check "vfio-guard.service is masked here" sh -c '[ "$(systemctl is-active vfio-guard.service)" != active ]'
n=0
for how in libvirt driverctl new_id explicit; do
        f=$TRANS_NET
        case $how in new_id) f=$MODERN_RNG;; explicit) f=$LEGACY_NET;; esac
        "bind_$how" "$f"
        if wait_for 5 is_drv "$f" vfio-pci && has_vfio_dev "$f"; then
                ok "unguarded: $how bound bypass $f to vfio-pci (/dev/vfio/$(group_of "$f"))"
        else
                fail "unguarded: $how did not bind $f (driver $(drv "$f"))"
        fi
        release "$f" virtio-pci || fail "$f did not go back to virtio-pci"
        n=$((n + 1))
done
