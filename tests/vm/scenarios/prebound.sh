# SPDX-License-Identifier: GPL-2.0-or-later
# vfio-pci takes the bypass net functions at boot, before the guard starts (vfio-pci.ids= plus a softdep
# that loads vfio-pci ahead of virtio-pci, as people configure passthrough): the guard unbinds them at start.
# vm-devices: standard
# vm-cmdline: vfio-pci.ids=1af4:1000
# vm-write: /etc/modprobe.d/vmtest-vfio.conf softdep virtio_pci pre: vfio_pci

# 03.0 (transitional) and 05.0 (legacy-only) are both 1af4:1000.
wait_guard 90 || exit 1
for f in "$TRANS_NET" "$LEGACY_NET"; do
        check "$f was on vfio-pci when the guard started: bind-refused entry names vfio-pci" wait_for 60 sh -c \
                "journalctl -b -q -o cat MESSAGE_ID=$MID_BIND_REFUSED VFIO_GUARD_DEVICE=$f VFIO_GUARD_DRIVER=vfio-pci | grep -q ."
        check "$f: unbound entry" wait_for 30 journal_has "$MID_UNBOUND" "$f"
        check "$f no longer on vfio-pci" wait_for 30 not_vfio "$f"
        check "$f pinned" wait_for 30 is_pinned "$f"
        check "$f back on virtio-pci" wait_for 30 is_drv "$f" virtio-pci
done
check "$MODERN_NET (1af4:1041) untouched, on virtio-pci" is_drv "$MODERN_NET" virtio-pci
journalctl -b -o short-monotonic --no-pager -t vfio-guardd | head -n 30
