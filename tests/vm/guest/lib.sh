# SPDX-License-Identifier: GPL-2.0-or-later
# Helpers for the scenarios (sourced, POSIX sh). Markers on stdout (the serial console) are read by
# tests/vm/vmrun: VMTEST-OK / VMTEST-FAIL one check, VMTEST-QMP a command for the host.

PCI=/sys/bus/pci
VMTEST_FAILED=/run/vmtest.failed
. /usr/lib/vmtest/env
# The daemon and the CLI read /etc/vfio-guard.conf whatever the prefix (src/core/config.c).
CONF=/etc/vfio-guard.conf
export PATH=$BINDIR:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

# The fixed functions of the "standard" device set (tests/vm/vmrun).
TRANS_NET=0000:00:03.0     # transitional virtio-net: bypass
MODERN_NET=0000:00:04.0    # modern virtio-net, iommu_platform=on: translated
LEGACY_NET=0000:00:05.0    # legacy-only virtio-net: bypass
MODERN_RNG=0000:00:06.0    # modern virtio-rng without the bit: bypass
E1000E=0000:00:07.0        # not virtio
BYPASS="$TRANS_NET $LEGACY_NET $MODERN_RNG"

# MESSAGE_IDs (src/daemon/events.c).
MID_STARTED=759753f7adf64f5dbdc9603e17237e5d
MID_CLASSIFIED=aacdb9e4436b4797bc19b1525ce5f01d
MID_PINNED=6b76a8d59861455e8908e95927df5362
MID_PIN_LIFTED=df3fee81eb444b4c815f2b665dd99221
MID_BIND_REFUSED=7b12bf3d0c3f4e5eac00c1bbe822082f
MID_UNBOUND=07a4796cc69647868df06a27b1c937cd
MID_UNBIND_STUCK=45e60068bfc34c398c2064879d714bf4
MID_ALLOWED=f0ba5b0c3fb044cca6d422787a2821d8

ok() { echo "VMTEST-OK: $*"; }
fail() { echo "VMTEST-FAIL: $*"; : > "$VMTEST_FAILED"; }
note() { echo "VMTEST-SHOW: $*"; }
vm_time() { echo "VMTEST-TIME: $1 $2"; }
skip() { echo "VMTEST-SHOW: skipped: $*"; exit 77; }

# check DESCRIPTION COMMAND...: one check from a command's exit status.
check() {
        _d=$1; shift
        if "$@"; then ok "$_d"; else fail "$_d"; fi
}

# Centiseconds since boot, without a fork.
now_cs() { read -r _up _ < /proc/uptime; echo "${_up%.*}${_up#*.}"; }

# wait_for SECONDS COMMAND...: poll until the command succeeds or SECONDS of wall time have passed (a
# deadline, not a number of tries: under TCG a try can take long).
wait_for() {
        _end=$(( $(now_cs) + $1 * 100 )); shift
        while :; do
                "$@" && return 0
                [ "$(now_cs)" -lt "$_end" ] || return 1
                sleep 0.1
        done
}

qmp() { echo "VMTEST-QMP: $*"; }

drv() { _l=$(readlink "$PCI/devices/$1/driver" 2>/dev/null) && echo "${_l##*/}" || echo none; }
override() { _o=$(cat "$PCI/devices/$1/driver_override"); [ "$_o" = "(null)" ] && _o=; echo "$_o"; }
is_drv() { [ "$(drv "$1")" = "$2" ]; }
not_vfio() { case $(drv "$1") in *vfio*) return 1;; esac; return 0; }
is_pinned() { [ "$(override "$1")" = virtio-pci ]; }
not_pinned() { [ "$(override "$1")" != virtio-pci ]; }
group_of() { _g=$(readlink "$PCI/devices/$1/iommu_group"); echo "${_g##*/}"; }
has_vfio_dev() { [ -e "/dev/vfio/$(group_of "$1")" ]; }

# The pids of the daemon's unbind children (src/act/unbind.c names them vfio-guard-unb), one a line.
unbind_children() {
        for _p in /proc/[0-9]*; do
                [ "$(cat "$_p/comm" 2>/dev/null)" = vfio-guard-unb ] && echo "${_p#/proc/}"
        done
        return 0
}
# Field N of /proc/PID/stat (after the command, which has no space for our processes): 4 ppid, 19 nice.
stat_field() { awk -v n="$2" '{ print $n }' "/proc/$1/stat" 2>/dev/null; }

guard_active() { [ "$(systemctl is-active vfio-guard.service)" = active ]; }
# The daemon is READY once every present function has been decided and acted on.
wait_guard() {
        wait_for "${1:-60}" guard_active || { fail "vfio-guard.service did not become active"; return 1; }
}

# journal_has MESSAGE_ID DEVICE: an entry of that kind about that function since boot.
journal_has() {
        journalctl -b -q --no-pager -o cat MESSAGE_ID="$1" VFIO_GUARD_DEVICE="$2" 2>/dev/null | grep -q .
}
# journal_count MESSAGE_ID DEVICE
journal_count() {
        journalctl -b -q --no-pager -o cat MESSAGE_ID="$1" VFIO_GUARD_DEVICE="$2" 2>/dev/null | grep -c .
}

# Give a function back to virtio-pci (test cleanup), whatever state an attempt left it in.
restore() {
        _f=$1
        case $(drv "$_f") in
        virtio-pci) return 0;;
        none) ;;
        *) echo "$_f" > "$PCI/devices/$_f/driver/unbind" 2>/dev/null;;
        esac
        echo virtio-pci > "$PCI/devices/$_f/driver_override" 2>/dev/null
        echo "$_f" > "$PCI/drivers_probe" 2>/dev/null
        wait_for 10 is_drv "$_f" virtio-pci
}

# The four ways people give a function to vfio-pci. Each returns after the last write; errors of the
# writes are expected when the guard's pin holds.
bind_libvirt() {        # libvirt (virPCIDeviceBindToStub): override, unbind, drivers_probe
        echo vfio-pci > "$PCI/devices/$1/driver_override"
        [ -e "$PCI/devices/$1/driver" ] && echo "$1" > "$PCI/devices/$1/driver/unbind"
        echo "$1" > "$PCI/drivers_probe"
} 2>/dev/null
bind_driverctl() {      # the Debian driverctl package (not persistent: --nosave)
        driverctl --nosave set-override "$1" vfio-pci >/dev/null 2>&1
}
bind_new_id() {         # dynamic ID: unbind, then new_id (binds every unbound match), then remove_id
        _ids="$(sed 's/^0x//' "$PCI/devices/$1/vendor") $(sed 's/^0x//' "$PCI/devices/$1/device")"
        [ -e "$PCI/devices/$1/driver" ] && echo "$1" > "$PCI/devices/$1/driver/unbind"
        echo "$_ids" > "$PCI/drivers/vfio-pci/new_id"
        echo "$_ids" > "$PCI/drivers/vfio-pci/remove_id"
} 2>/dev/null
bind_explicit() {       # explicit bind after the override: unbind, then drivers/vfio-pci/bind
        echo vfio-pci > "$PCI/devices/$1/driver_override"
        [ -e "$PCI/devices/$1/driver" ] && echo "$1" > "$PCI/devices/$1/driver/unbind"
        echo "$1" > "$PCI/drivers/vfio-pci/bind"
} 2>/dev/null

bind_dpdk() {           # DPDK's dpdk-devbind.py (override, unbind, bind/drivers_probe)
        dpdk-devbind.py --force -b vfio-pci "$1" > /run/dpdk-devbind.out 2>&1
}
have_dpdk() { command -v dpdk-devbind.py >/dev/null 2>&1; }

# Clear a vfio attempt on an allowed function: back to its own driver, no override.
release() {
        _f=$1; _native=$2
        [ -e "$PCI/devices/$_f/driver" ] && echo "$_f" > "$PCI/devices/$_f/driver/unbind"
        echo > "$PCI/devices/$_f/driver_override"
        echo "$_f" > "$PCI/drivers_probe"
        wait_for 10 is_drv "$_f" "$_native"
} 2>/dev/null
