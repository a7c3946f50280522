# SPDX-License-Identifier: GPL-2.0-or-later
# Guest side of the BPF LSM enforcement test (run by vmrun-busybox). Functions:
#   A 0000:00:03.0 transitional virtio-net, bypass: refused, pinned to virtio-pci
#   T 0000:00:04.0 modern virtio-net, iommu_platform=on, translated: bound to vfio-pci, untouched
#   L 0000:00:05.0 legacy virtio-net, bypass: bound to vfio-pci before the guard loads; its group denied
. /opt/t/guest-lib.sh
A=0000:00:03.0 T=0000:00:04.0 L=0000:00:05.0
PIN=/sys/fs/bpf/vfio-guard

check "BPF LSM active in the guest kernel" expect_output "bpf lsm: active" vfio-guard-bpf --lsm

# Before the guard: T and L go to vfio-pci the way libvirt does it; both groups open like a VMM's.
to_vfio $T
to_vfio $L
check "T bound to vfio-pci before the guard" expect_driver $T vfio-pci
check "L bound to vfio-pci before the guard" expect_driver $L vfio-pci
GT=/dev/vfio/$(group $T) GL=/dev/vfio/$(group $L)
check "L's group $GL opens before the guard" expect_output "device fd ok" vfio-open $GL $L

# The guard, as the daemon would run it: refuse A and L, deny L's group, pin A (exempt: it is the loader).
vfio-guard-bpf --refuse $A --refuse $L --deny-node $GL --pin $A=virtio-pci --list --wait > /tmp/guard1.log 2>&1 &
guard=$!
check "guard loaded and waiting" wait_for /tmp/guard1.log waiting
check "guard reports a fresh load" grep -q "guard: loaded" /tmp/guard1.log
check "the exempt loader pinned A" expect_output virtio-pci cat $(dev $A)/driver_override

# Bad input is refused by the loader's API and changes nothing. (Each of these opens the guard again and so
# takes the exemption over from the first loader, which writes nothing from here on.)
check "malformed address refused" expect_output "Invalid argument" vfio-guard-bpf --refuse 0000:00:03
check "device number > 0x1f refused" expect_output "Invalid argument" vfio-guard-bpf --refuse 0000:00:20.0
check "upper-case hex folded, not a new entry" expect_output "guard: reused" vfio-guard-bpf --refuse 0000:00:0A.0 --allow 0000:00:0a.0
check "regular file as vfio node refused" expect_output "Inappropriate ioctl" vfio-guard-bpf --deny-node /opt/t/guest.sh
check "maps hold exactly A, L and L's group" sh -c "[ \"\$(vfio-guard-bpf --list | grep -c '^refused\|^denied node')\" = 3 ]"

# (a) driver_override is a wall for A, a plain file for T; reads still work.
check "write-open of A's driver_override: EPERM" expect_eperm $(dev $A)/driver_override vfio-pci
check "clearing A's driver_override: EPERM" expect_eperm $(dev $A)/driver_override ""
check "T's driver_override stays writable" expect_write_ok $(dev $T)/driver_override vfio-pci
check "A's driver_override still readable" expect_output virtio-pci cat $(dev $A)/driver_override

# Every other binding path, with A unbound (the worst case): the pin makes the kernel refuse them.
check "unbinding A from virtio-pci is not blocked" expect_write_ok $(dev $A)/driver/unbind $A
check "new_id 1af4:1000 accepted by vfio-pci" expect_write_ok /sys/bus/pci/drivers/vfio-pci/new_id "1af4 1000"
check "… but A did not bind to vfio-pci" expect_driver $A none
check "explicit bind of A to vfio-pci: fails" sh -c "! (echo $A > /sys/bus/pci/drivers/vfio-pci/bind) 2>/dev/null"
check "… A still unbound" expect_driver $A none
echo "1af4 1000" > /sys/bus/pci/drivers/vfio-pci/remove_id
check "drivers_probe binds A to its pin, virtio-pci" expect_write_ok /sys/bus/pci/drivers_probe $A
check "… A is on virtio-pci" expect_driver $A virtio-pci
check "dpdk-devbind/driverctl's first step (override) on A: EPERM" expect_eperm $(dev $A)/driver_override vfio-pci

# (b) L's group: no process opens it, by any path; T's group is untouched.
check "VMM-style open of L's group: EPERM" expect_output "open $GL: EPERM" vfio-open $GL $L
check "read-only open of L's group: EPERM" expect_output "not permitted" cat $GL
set -- $(stat -c '%t %T' $GL)
mknod /tmp/alias c $((0x$1)) $((0x$2))
check "a new node with L's device number: EPERM" expect_output "not permitted" cat /tmp/alias
check "VMM-style open of T's group works" expect_output "device fd ok" vfio-open $GT $T

# Every denial reached the loader, naming the process and the function or node.
sleep 0.5
check "override denial reported with address and comm" grep -q "denied: driver_override write of $A by pid .* comm sh" /tmp/guard1.log
check "node denial reported with comm vfio-open" grep -q "denied: open of vfio node .* comm vfio-open" /tmp/guard1.log

# Loader killed -9: protection stays (pinned).
kill -9 $guard
wait $guard 2>/dev/null
check "after SIGKILL: A's driver_override still EPERM" expect_eperm $(dev $A)/driver_override vfio-pci
check "after SIGKILL: L's group still EPERM" expect_output "open $GL: EPERM" vfio-open $GL $L
check "link and maps pinned" test -e $PIN/link -a -e $PIN/refused_addresses -a -e $PIN/denied_nodes

# A restarted loader reuses program and maps (contents kept), takes over the exemption, and gets the
# denials that happened while none ran.
vfio-guard-bpf --pin $A=pinned-by-restart --list --events --stats > /tmp/guard2.log 2>&1
cat /tmp/guard2.log | sed 's/^/#   /'
check "restart: program reused" grep -q "guard: reused" /tmp/guard2.log
check "restart: refused addresses kept" grep -q "refused: $A" /tmp/guard2.log
check "restart: denied node kept" grep -q "denied node:" /tmp/guard2.log
check "restart: the new loader is exempt (pin written)" expect_output pinned-by-restart cat $(dev $A)/driver_override
check "restart: denials while no loader ran are delivered" grep -q "denied: driver_override write of $A" /tmp/guard2.log
check "restart: counters kept" grep -q "denied_override=[1-9]" /tmp/guard2.log

# Upgrade path (make-before-break): replace the program three times while a writer hammers A.
rm -f /tmp/leak /tmp/stop
(while [ ! -e /tmp/stop ]; do (echo vfio-pci > $(dev $A)/driver_override) 2>/dev/null && echo x >> /tmp/leak; done) &
hammer=$!
for i in 1 2 3; do vfio-guard-bpf --replace > /tmp/guard3.log 2>&1; done
touch /tmp/stop
wait $hammer
check "replace: a fresh program was attached" grep -q "guard: loaded" /tmp/guard3.log
check "replace: no write got through during the swaps" test ! -e /tmp/leak
check "replace: exactly one vfio-guard link attached" sh -c "[ \$(bpftool prog show | grep -c 'name vfio_guard_file') -eq 1 ]"

# A map pin removed by hand and recreated on the next open: the program must follow the pinned maps, or
# the daemon would write into maps that no attached program reads.
rm $PIN/denied_nodes
vfio-guard-bpf --list > /tmp/guard4.log 2>&1
check "recreated map: a program attached on it" grep -q "guard: loaded" /tmp/guard4.log
check "recreated map: lists no denied node" sh -c "! grep -q 'denied node' /tmp/guard4.log"
check "… and denies none (program and maps agree)" expect_output "device fd ok" vfio-open $GL $L
vfio-guard-bpf --deny-node $GL > /dev/null
check "… denied again once listed" expect_output "open $GL: EPERM" vfio-open $GL $L
check "… one vfio-guard program attached" sh -c "[ \$(bpftool prog show | grep -c 'name vfio_guard_file') -eq 1 ]"

# Pinned maps of another layout (an upgrade that changed vfio-guard-abi.h): refused, the old program stays.
rm $PIN/stats
bpftool map create $PIN/stats type array key 4 value 4 entries 1 name stats
check "incompatible pinned map: open fails with EINVAL" expect_output "Invalid argument" vfio-guard-bpf --list
check "… and the old program still refuses" expect_eperm $(dev $A)/driver_override vfio-pci
rm $PIN/stats
check "map removed: the next open loads and attaches" expect_output "guard: loaded" vfio-guard-bpf --list

# A configuration change that allows A: removed from the map, then writable.
vfio-guard-bpf --allow $A > /dev/null
check "allowed A: driver_override writable" expect_write_ok $(dev $A)/driver_override virtio-pci
check "L's group still denied" expect_output "open $GL: EPERM" vfio-open $GL $L

# The way out: unpin.
check "unpin" expect_output unpinned vfio-guard-bpf --unpin
check "unpinned: directory gone" test ! -e $PIN
check "unpinned: no vfio-guard program attached" sh -c "! bpftool prog show | grep -q 'name vfio_guard_file'"
check "unpinned: L's group opens" expect_output "device fd ok" vfio-open $GL $L
check "unpinned: A's driver_override writable" expect_write_ok $(dev $A)/driver_override ""

# Privileges (what the unit's CapabilityBoundingSet= must keep): CAP_BPF alone is not enough (-EPERM,
# the daemon then stays reactive); CAP_BPF with CAP_PERFMON is, without CAP_SYS_ADMIN.
check "CAP_BPF alone: bpf_guard_open fails with EPERM" expect_output "(EPERM)" \
        /opt/t/setpriv --bounding-set=-all,+bpf vfio-guard-bpf --refuse $A
vfio-guard-bpf --unpin > /dev/null # maps may have been created before the program was refused
check "CAP_BPF + CAP_PERFMON: loads and attaches" expect_output "guard: loaded" \
        /opt/t/setpriv --bounding-set=-all,+bpf,+perfmon vfio-guard-bpf --refuse $A
check "… and refuses" expect_eperm $(dev $A)/driver_override vfio-pci
vfio-guard-bpf --unpin > /dev/null
finish
