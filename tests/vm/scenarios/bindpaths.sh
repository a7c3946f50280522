# SPDX-License-Identifier: GPL-2.0-or-later
# Every way people give a function to vfio-pci — libvirt's (driver_override + unbind + drivers_probe),
# `driverctl set-override`, new_id, an explicit bind, DPDK's dpdk-devbind.py — is refused for the three bypass functions and works
# for the translated one and the e1000e.
# vm-devices: standard
# vm-timeout: 900

wait_guard 90 || exit 1
modprobe vfio-pci
for f in $BYPASS; do wait_for 30 is_pinned "$f" || fail "$f not pinned at start"; done

# The spare unbind child waits, at the unit's LimitNICE= priority (src/act/unbind.h: -10), ahead of ordinary work.
spare_nice() { _c=$(unbind_children | head -n 1); [ -n "$_c" ] && stat_field "$_c" 19; }
spare_waits() { [ -n "$(spare_nice)" ]; }
if wait_for 30 spare_waits; then
        check "spare unbind child at nice -10 (it is at $(spare_nice))" [ "$(spare_nice)" = -10 ]
else
        fail "no spare unbind child (vfio-guard-unb) waiting"
fi

# settle F: wait until no vfio driver holds F and its pin is back; 0 when both hold within 15 s.
settled() { not_vfio "$1" && is_pinned "$1"; }

paths="libvirt driverctl new_id explicit"
have_dpdk && paths="$paths dpdk" || note "dpdk-devbind.py not in the image: that path is not tested"
for how in $paths; do
        for f in $BYPASS; do
                before=$(journal_count "$MID_BIND_REFUSED" "$f")
                "bind_$how" "$f"
                if wait_for 15 settled "$f"; then
                        ok "$how: bypass $f refused (driver $(drv "$f"), pinned)"
                else
                        fail "$how: bypass $f on $(drv "$f"), override '$(override "$f")'"
                fi
                # Handed back to virtio-pci by the guard when vfio had bound it; when the pin stopped the bind
                # outright the function stays where the administrator's unbind left it.
                if wait_for 5 is_drv "$f" virtio-pci; then
                        ok "$how: $f back on virtio-pci"
                elif [ "$(drv "$f")" = none ] && is_pinned "$f"; then
                        echo "$f" > $PCI/drivers_probe 2>/dev/null
                        check "$how: $f unbound by the administrator, pinned: drivers_probe gives it to virtio-pci" \
                                wait_for 10 is_drv "$f" virtio-pci
                else
                        fail "$how: $f ended on $(drv "$f")"
                fi
                after=$(journal_count "$MID_BIND_REFUSED" "$f")
                note "$how $f: bind-refused entries $before -> $after"
                [ "$how" = driverctl ] && driverctl --nosave unset-override "$f" >/dev/null 2>&1
                wait_for 10 is_pinned "$f" || fail "$how: $f pin not restored after the attempt"
                restore "$f" >/dev/null 2>&1
        done
        for pair in "$MODERN_NET virtio-pci" "$E1000E e1000e"; do
                set -- $pair
                "bind_$how" "$1"
                [ "$how" != dpdk ] || while read -r l; do note "dpdk-devbind.py: $l"; done < /run/dpdk-devbind.out
                if wait_for 15 is_drv "$1" vfio-pci && has_vfio_dev "$1"; then
                        ok "$how: $1 bound to vfio-pci (/dev/vfio/$(group_of "$1"))"
                else
                        fail "$how: $1 not on vfio-pci (driver $(drv "$1"), override '$(override "$1")')"
                fi
                sleep 1
                check "$how: $1 still on vfio-pci a second later" is_drv "$1" vfio-pci
                [ "$how" = driverctl ] && driverctl --nosave unset-override "$1" >/dev/null 2>&1
                release "$1" "$2" || fail "$how: $1 did not go back to $2"
                check "$how: $1 not pinned by the guard" not_pinned "$1"
        done
done
refused=0
for f in $BYPASS; do refused=$((refused + $(journal_count "$MID_BIND_REFUSED" "$f"))); done
note "bind-refused journal entries in total: $refused"
check "no bind-refused entry for the translated function" [ "$(journal_count "$MID_BIND_REFUSED" "$MODERN_NET")" = 0 ]

# Reactive mode (bindpaths-reactive): driver_override rewritten and nothing else — no unbind, so no uevent at
# all. The guard's inotify watch on the attribute sees the write and the pin is back within 2 s, journalled
# with what had been written over it. (With the BPF LSM the write itself fails: nothing to watch for.)
if grep -q '^KernelEnforcement=no' "$CONF" 2>/dev/null; then
        repinned() {
                journalctl -b -q --no-pager -o cat MESSAGE_ID="$MID_PINNED" VFIO_GUARD_DEVICE="$1" \
                        VFIO_GUARD_ACTION=re-pin 2>/dev/null |
                        grep -c 'had been set to "vfio-pci".*(driver_override written)'
        }
        repinned_since() { [ "$(repinned "$1")" -gt "$2" ]; }
        for f in $BYPASS; do
                wait_for 10 is_pinned "$f" || fail "watch: $f not pinned before the write"
                before=$(repinned "$f")
                echo vfio-pci > "$PCI/devices/$f/driver_override"
                if wait_for 2 is_pinned "$f"; then
                        ok "watch: driver_override of $f rewritten alone: pinned back within 2 s"
                else
                        fail "watch: driver_override of $f still '$(override "$f")' 2 s after the write"
                fi
                check "watch: $f re-pin journalled, naming vfio-pci" wait_for 10 repinned_since "$f" "$before"
                check "watch: $f still on virtio-pci" is_drv "$f" virtio-pci
        done
fi
