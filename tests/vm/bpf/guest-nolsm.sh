# SPDX-License-Identifier: GPL-2.0-or-later
# Guest side: the kernel booted with an lsm= list lacking bpf. The loader must say "not supported" (the
# daemon then falls back to the reactive path), pin nothing, and change nothing.
. /opt/t/guest-lib.sh
A=0000:00:03.0

check "securityfs lsm list lacks bpf" sh -c "! grep -q bpf /sys/kernel/security/lsm"
check "vfio-guard-bpf --lsm says inactive" expect_output "bpf lsm: inactive" vfio-guard-bpf --lsm
vfio-guard-bpf --refuse $A > /tmp/open.log 2>&1
rc=$?
sed 's/^/#   /' /tmp/open.log
check "bpf_guard_open returns -EOPNOTSUPP (exit 4)" test $rc -eq 4
check "… and says so" grep -q EOPNOTSUPP /tmp/open.log
check "nothing pinned" test ! -e /sys/fs/bpf/vfio-guard
check "A's driver_override writable (no enforcement)" expect_write_ok /sys/bus/pci/devices/$A/driver_override virtio-pci
finish
