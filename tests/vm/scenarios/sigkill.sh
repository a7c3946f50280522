# SPDX-License-Identifier: GPL-2.0-or-later
# The daemon dies by SIGKILL right after a bypass function was bound to vfio-pci: the pins hold while it is
# dead, systemd restarts it, and afterwards no bypass function is on vfio-pci and every pin is in place.
# vm-devices: standard

wait_guard 90 || exit 1
modprobe vfio-pci
for f in $BYPASS; do wait_for 30 is_pinned "$f" || fail "$f not pinned at start"; done
pid=$(systemctl show -p MainPID --value vfio-guard.service)
restarts=$(systemctl show -p NRestarts --value vfio-guard.service)

bind_libvirt "$TRANS_NET"
kill -KILL "$pid"
# While the daemon is down: an explicit bind of a pinned function fails in the kernel.
echo "$LEGACY_NET" > $PCI/drivers/vfio-pci/bind 2>/dev/null
check "explicit bind of pinned $LEGACY_NET fails while the daemon is dead" not_vfio "$LEGACY_NET"
check "pins survive the daemon's death" sh -c ". /usr/lib/vmtest/lib.sh; is_pinned $LEGACY_NET && is_pinned $MODERN_RNG"

check "systemd restarted the daemon" wait_for 60 sh -c \
        "[ \$(systemctl show -p NRestarts --value vfio-guard.service) -gt $restarts ] && systemctl is-active -q vfio-guard.service"
new=$(systemctl show -p MainPID --value vfio-guard.service)
check "a new main process ($pid -> $new)" [ "$new" != "$pid" ]
for f in $BYPASS; do
        check "after restart: $f not on vfio-pci" wait_for 30 not_vfio "$f"
        check "after restart: $f pinned" wait_for 30 is_pinned "$f"
done
check "after restart: $TRANS_NET back on virtio-pci" wait_for 30 is_drv "$TRANS_NET" virtio-pci
bind_libvirt "$MODERN_RNG"
check "the restarted daemon refuses a new bind" wait_for 15 sh -c \
        ". /usr/lib/vmtest/lib.sh; not_vfio $MODERN_RNG && is_pinned $MODERN_RNG && is_drv $MODERN_RNG virtio-pci"
