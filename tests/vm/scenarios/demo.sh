# SPDX-License-Identifier: GPL-2.0-or-later
# The README's demo (tests/vm/demo): one bypassing and one translated NIC; what the guard sees, a libvirt-style
# attempt to give each to vfio-pci, the refusal and the success, the service status, the journal with its
# catalog explanation. Every step is also checked.
# vm-devices: demo
# vm-cmdline: quiet loglevel=1

BYP=$TRANS_NET
TRN=$MODERN_NET
step() { note ""; note "=== $*"; }
say() { note "$*"; }
show() {        # show "COMMAND LINE": print it, run it, print its output
        note "# $1"
        sh -c "$1" 2>&1 | while IFS= read -r l; do note "  $l"; done
}
libvirt_way() {
        show "echo vfio-pci > /sys/bus/pci/devices/$1/driver_override"
        show "echo $1 > /sys/bus/pci/devices/$1/driver/unbind"
        show "echo $1 > /sys/bus/pci/drivers_probe"
}

wait_guard 90 || exit 1
modprobe vfio-pci
wait_for 30 is_pinned "$BYP"
step "1. The guard was started by udev (no systemctl enable) and classified both NICs"
show "vfio-guardctl list"

step "2. Give the BYPASSING NIC $BYP (transitional virtio-net, no iommu_platform) to vfio-pci, as libvirt does"
libvirt_way "$BYP"
wait_for 15 sh -c ". /usr/lib/vmtest/lib.sh; is_drv $BYP virtio-pci && is_pinned $BYP"
show "readlink /sys/bus/pci/devices/$BYP/driver; cat /sys/bus/pci/devices/$BYP/driver_override"
if is_drv "$BYP" virtio-pci; then
        say "-> REFUSED: the function is back on virtio-pci and pinned; vfio never keeps it. (Where the kernel has"
        say "   the BPF LSM, the driver_override write itself is refused: Operation not permitted.)"
        ok "bypassing NIC refused"
else
        fail "bypassing NIC is on $(drv "$BYP")"
fi

step "3. Give the TRANSLATED NIC $TRN (iommu_platform=on,disable-legacy=on) to vfio-pci the same way"
libvirt_way "$TRN"
if wait_for 15 is_drv "$TRN" vfio-pci; then
        show "readlink /sys/bus/pci/devices/$TRN/driver; ls /dev/vfio/"
        say "-> ALLOWED: its DMA goes through the IOMMU, so assigning it is safe."
        ok "translated NIC bound to vfio-pci"
else
        fail "translated NIC is on $(drv "$TRN")"
fi

step "4. systemctl status vfio-guard"
show "systemctl status --no-pager --lines=0 vfio-guard.service"

step "5. The journal: what the guard did about $BYP, each entry with its catalog explanation (journalctl -x)"
show "journalctl -b -x --no-pager -u vfio-guard.service VFIO_GUARD_DEVICE=$BYP | tail -n 45"

step "6. Why, in one command"
show "vfio-guardctl explain $BYP"
