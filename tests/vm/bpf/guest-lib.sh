# SPDX-License-Identifier: GPL-2.0-or-later
# Shared by the guest scripts (busybox sh): TAP-style checks and sysfs helpers.
n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }
check() {
        desc=$1
        shift
        if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}
finish() {
        echo "# $n checks, $failed failed"
        [ "$failed" -eq 0 ]
}
dev() { echo "/sys/bus/pci/devices/$1"; }
# The driver a function is bound to, or "none".
drv() {
        l=$(readlink "$(dev "$1")/driver" 2>/dev/null) || { echo none; return; }
        echo "${l##*/}"
}
group() {
        l=$(readlink "$(dev "$1")/iommu_group")
        echo "${l##*/}"
}
# Write VALUE to FILE in a subshell; print the shell's error (empty on success).
try_write() { (printf '%s\n' "$2" > "$1") 2>&1; }
expect_eperm() {
        out=$(try_write "$1" "$2")
        case $out in *"not permitted"*) return 0 ;; esac
        echo "#   expected EPERM writing '$2' to $1, got: ${out:-success}"
        return 1
}
expect_write_ok() {
        out=$(try_write "$1" "$2") && [ -z "$out" ] && return 0
        echo "#   writing '$2' to $1: $out"
        return 1
}
expect_driver() {
        d=$(drv "$1")
        [ "$d" = "$2" ] && return 0
        echo "#   $1 is bound to $d, expected $2"
        return 1
}
expect_output() { # PATTERN COMMAND... : the command's output contains PATTERN
        pat=$1
        shift
        out=$("$@" 2>&1)
        case $out in *"$pat"*) return 0 ;; esac
        echo "#   '$*' printed: $out"
        echo "#   expected: $pat"
        return 1
}
# Bind a function to vfio-pci the way libvirt does (override, unbind, reprobe).
to_vfio() {
        echo vfio-pci > "$(dev "$1")/driver_override"
        [ -e "$(dev "$1")/driver" ] && echo "$1" > "$(dev "$1")/driver/unbind"
        echo "$1" > /sys/bus/pci/drivers_probe
}
wait_for() { # FILE PATTERN: up to 30 s
        i=0
        while ! grep -q "$2" "$1" 2>/dev/null; do
                i=$((i + 1))
                [ $i -gt 300 ] && return 1
                sleep 0.1
        done
}
