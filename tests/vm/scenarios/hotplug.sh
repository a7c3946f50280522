# SPDX-License-Identifier: GPL-2.0-or-later
# Hotplug: functions added over QMP behind pcie-root-ports are classified, the bypass one pinned and
# refused, the translated one left alone.
# vm-devices: standard
# vm-hotplug: yes

wait_guard 90 || exit 1
modprobe vfio-pci
qmp '{"execute":"device_add","arguments":{"driver":"virtio-rng-pci","id":"hp1","bus":"rp1","disable-legacy":"on"}}'
qmp '{"execute":"device_add","arguments":{"driver":"virtio-rng-pci","id":"hp2","bus":"rp2","disable-legacy":"on","iommu_platform":"on"}}'
HP_BYPASS=0000:01:00.0
HP_TRANS=0000:02:00.0
check "hot-added bypass function $HP_BYPASS appeared" wait_for 60 test -e "$PCI/devices/$HP_BYPASS"
check "hot-added translated function $HP_TRANS appeared" wait_for 60 test -e "$PCI/devices/$HP_TRANS"
check "$HP_BYPASS pinned" wait_for 30 is_pinned "$HP_BYPASS"
check "$HP_BYPASS journal: pinned" wait_for 10 journal_has "$MID_PINNED" "$HP_BYPASS"
check "$HP_TRANS journal: classified" wait_for 30 journal_has "$MID_CLASSIFIED" "$HP_TRANS"
check "$HP_TRANS not pinned" not_pinned "$HP_TRANS"
check "$HP_TRANS classified translated" sh -c \
        "journalctl -b -o json MESSAGE_ID=$MID_CLASSIFIED VFIO_GUARD_DEVICE=$HP_TRANS | grep -q '\"VFIO_GUARD_VERDICT\":\"translated\"'"
bind_libvirt "$HP_BYPASS"
check "libvirt-style bind of hot-added $HP_BYPASS refused" wait_for 15 sh -c \
        ". /usr/lib/vmtest/lib.sh; not_vfio $HP_BYPASS && is_pinned $HP_BYPASS"
check "$HP_BYPASS back on virtio-pci" wait_for 10 is_drv "$HP_BYPASS" virtio-pci
bind_libvirt "$HP_TRANS"
check "hot-added translated $HP_TRANS binds to vfio-pci" wait_for 15 is_drv "$HP_TRANS" vfio-pci
status=$(systemctl show -p StatusText --value vfio-guard.service)
note "STATUS=$status"
check "STATUS= counts the hot-added functions (6 virtio functions)" sh -c "echo '$status' | grep -q '^6 virtio'"

# Hot removal: the guard forgets the function.
qmp '{"execute":"device_del","arguments":{"id":"hp1"}}'
check "$HP_BYPASS removed" wait_for 60 sh -c "! test -e $PCI/devices/$HP_BYPASS"
check "the guard forgot $HP_BYPASS (STATUS= back to 5)" wait_for 20 sh -c \
        "systemctl show -p StatusText --value vfio-guard.service | grep -q '^5 virtio'"
