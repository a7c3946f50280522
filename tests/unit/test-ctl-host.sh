#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# vfio-guardctl on this machine's own PCI functions (read-only; run through tests/ro-sys). What the CLI says
# is compared with what sysfs says, read here independently: the negotiated string's characters 32 and 33,
# the IOMMU group link. On a Firecracker VM without an IOMMU that is the acceptance check of issue 2: every
# virtio function bypass, "negotiated features, bit 33 clear", context noiommu; check 0 under the default
# policy and 1 with NoIOMMU=refuse; 0 for the functions that are not virtio; 2 for absent or malformed ones.
# Skipped on a host without virtio PCI functions. TAP output.
# Usage: test-ctl-host.sh PATH-TO-vfio-guardctl
set -u

# The system interpreter: a version-manager shim in PATH can take seconds to start, and this runs it often.
PYTHON=${PYTHON:-$(command -v /usr/bin/python3 || command -v python3)}

CTL=${1:?usage: test-ctl-host.sh VFIO_GUARDCTL}
SYS=/sys/bus/pci/devices
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

. "$(dirname "$0")/tap.sh"

is_virtio() {
        _vendor=$(cat "$1/vendor") _device=$(cat "$1/device")
        [ "$_vendor" = 0x1af4 ] && [ $((_device)) -ge $((0x1000)) ] && [ $((_device)) -le $((0x107f)) ]
}

virtio=""
other=""
for p in "$SYS"/*; do
        [ -e "$p/vendor" ] || continue
        if is_virtio "$p"; then virtio="$virtio ${p##*/}"; else other="$other ${p##*/}"; fi
done
if [ -z "$virtio" ]; then
        echo "1..0 # SKIP this host has no virtio PCI functions"
        exit 0
fi
echo "# virtio functions:$virtio"
echo "# other functions:${other:- none}"

# "The default policy": the host's own configuration, unless it has one; then an explicit empty [Guard].
DEFAULT=""
if [ -e /etc/vfio-guard.conf ] || ls /etc/vfio-guard.conf.d /run/vfio-guard.conf.d /usr/local/lib/vfio-guard.conf.d \
        /usr/lib/vfio-guard.conf.d 2>/dev/null | grep -q '\.conf$'; then
        printf '[Guard]\n' >"$T/default.conf"
        DEFAULT="--config $T/default.conf"
        echo "# this host has a vfio-guard configuration: judging against the built-in defaults instead"
fi
printf '[Guard]\nNoIOMMU=refuse\n' >"$T/noiommu-refuse.conf"

# shellcheck disable=SC2086 # $DEFAULT is empty or two words
expect_rc 0 "list" "$CTL" $DEFAULT list
cp "$T/out" "$T/list"
# shellcheck disable=SC2086
expect_rc 0 "list --json" "$CTL" $DEFAULT list --json
cp "$T/out" "$T/json"
if "$PYTHON" -m json.tool "$T/json" >/dev/null 2>&1; then ok "list --json parses"; else not_ok "list --json parses"; fi
n_virtio=$(echo $virtio | wc -w)
if [ "$(grep -c '^[0-9a-f]*:' "$T/list")" = "$n_virtio" ]; then
        ok "list has one row per virtio function ($n_virtio)"
else
        not_ok "list rows: $(grep -c '^[0-9a-f]*:' "$T/list"), virtio functions: $n_virtio"
fi

field() { # ADDRESS FIELD: from the JSON list
        "$PYTHON" -c 'import json, sys
d = json.loads(open(sys.argv[1], "rb").read().decode("utf-8"))
print(next(x for x in d["functions"] if x["address"] == sys.argv[2])[sys.argv[3]])' "$T/json" "$1" "$2" 2>/dev/null
}

for a in $virtio; do
        dev=$SYS/$a
        feat=$(cat "$dev"/virtio*/features 2>/dev/null | head -n1)
        c32=$(printf '%s' "$feat" | cut -c33)
        c33=$(printf '%s' "$feat" | cut -c34)
        context=noiommu
        if [ -e "$dev/iommu_group" ] && [ "$(cat "$dev/iommu_group/name" 2>/dev/null)" != vfio-noiommu ]; then
                context=iommu
        fi

        if [ "$(field "$a" context)" = "$context" ]; then ok "$a: context $context"; else not_ok "$a: context $(field "$a" context), sysfs says $context"; fi

        if [ "$c32" != 1 ]; then
                # No usable negotiated string: the verdict rests on the transport or vfio-guardd's record,
                # which this script cannot read independently. It must at least not be "translated" unseen.
                echo "# $a: no negotiated string with VERSION_1 (verdict $(field "$a" verdict), basis $(field "$a" basis))"
                continue
        fi
        if [ "$c33" = 1 ]; then verdict=translated bit=set; else verdict=bypass bit=clear; fi
        if [ "$(field "$a" verdict)" = $verdict ]; then ok "$a: verdict $verdict"; else not_ok "$a: verdict $(field "$a" verdict), sysfs says $verdict"; fi
        case "$(field "$a" evidence)" in
        "negotiated features, bit 33 $bit"*) ok "$a: evidence \"negotiated features, bit 33 $bit\"" ;;
        *) not_ok "$a: evidence '$(field "$a" evidence)'" ;;
        esac
        if grep -E "^$a " "$T/list" | grep -qE " $bit +negotiated .* $context .* $verdict +(allow|refuse)\$"; then
                ok "$a: table row"
        else
                not_ok "$a: table row: $(grep -E "^$a " "$T/list")"
        fi

        if [ $verdict = translated ] || [ $context = noiommu ]; then want=0; else want=1; fi
        # shellcheck disable=SC2086
        expect_rc $want "$a: check under the default policy" "$CTL" $DEFAULT check "$a"
        if [ $verdict = translated ]; then want=0; else want=1; fi
        expect_rc $want "$a: check with NoIOMMU=refuse (--config after the address)" "$CTL" check "$a" --config "$T/noiommu-refuse.conf"
done

for a in $other; do
        expect_rc 0 "$a: check a function that is not virtio" "$CTL" check "$a"
        expect_rc 0 "$a: not virtio, also with NoIOMMU=refuse" "$CTL" --config "$T/noiommu-refuse.conf" check "$a"
done

absent=ffff:ff:1f.7
[ -e "$SYS/$absent" ] && absent=fffe:ff:1f.7
expect_rc 2 "check an absent address ($absent)" "$CTL" check $absent
for bad in 0000:00:03 00:03.8 not-an-address; do
        expect_rc 2 "check a malformed address ($bad)" "$CTL" check "$bad"
done

echo "1..$n"
[ "$failed" = 0 ]
