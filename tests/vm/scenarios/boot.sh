# SPDX-License-Identifier: GPL-2.0-or-later
# Boot with the standard set: udev starts the guard (nobody enabled it); the bypass functions are pinned,
# the translated one and the e1000e are not; status, structured journal, catalog and `check` agree.
# vm-devices: standard

wait_guard 90 || exit 1
wait_for 30 is_pinned "$MODERN_RNG"

case $(systemctl is-enabled vfio-guard.service 2>&1) in
enabled) fail "vfio-guard.service is enabled: it must be started by its udev rule only";;
*) ok "vfio-guard.service is not enabled ($(systemctl is-enabled vfio-guard.service 2>&1))";;
esac
check "started because a device unit wants it (udev SYSTEMD_WANTS)" \
        sh -c 'systemctl show -p WantedBy --value vfio-guard.service | grep -q "\.device"'

for f in $BYPASS; do
        check "$f (bypass) pinned to virtio-pci" is_pinned "$f"
        check "$f (bypass) still on virtio-pci" is_drv "$f" virtio-pci
        check "$f journal: classified" journal_has "$MID_CLASSIFIED" "$f"
        check "$f journal: pinned" journal_has "$MID_PINNED" "$f"
        check "vfio-guardctl check $f exits 1" sh -c "vfio-guardctl check $f >/dev/null 2>&1; [ \$? = 1 ]"
done
for f in "$MODERN_NET" "$E1000E"; do
        check "$f not pinned" not_pinned "$f"
        check "vfio-guardctl check $f exits 0" sh -c "vfio-guardctl check $f >/dev/null 2>&1"
done
check "vfio-guardctl check of an absent address exits 2" \
        sh -c 'vfio-guardctl check 0000:00:1f.7 >/dev/null 2>&1; [ $? = 2 ]'
check "vfio-guardctl check of a malformed address exits 2" \
        sh -c 'vfio-guardctl check 00:zz >/dev/null 2>&1; [ $? = 2 ]'
check "$MODERN_NET journal: classified translated" sh -c \
        "journalctl -b -o json MESSAGE_ID=$MID_CLASSIFIED VFIO_GUARD_DEVICE=$MODERN_NET | grep -q '\"VFIO_GUARD_VERDICT\":\"translated\"'"
check "$E1000E (not virtio) has no pin entry" sh -c "! journal_has $MID_PINNED $E1000E"

# Structured fields of a pin entry.
json=$(journalctl -b -o json --no-pager MESSAGE_ID="$MID_PINNED" VFIO_GUARD_DEVICE="$TRANS_NET" | head -n 1)
for field in VFIO_GUARD_DEVICE VFIO_GUARD_VERDICT VFIO_GUARD_CONTEXT VFIO_GUARD_DECISION VFIO_GUARD_EVIDENCE \
             VFIO_GUARD_ACTION VFIO_GUARD_PCI_ID MESSAGE_ID; do
        case $json in
        *"\"$field\":"*) ok "journal -o json has $field";;
        *) fail "journal -o json lacks $field: $json";;
        esac
done
case $json in
*'"VFIO_GUARD_VERDICT":"bypass"'*'"VFIO_GUARD_CONTEXT":"iommu"'*|*'"VFIO_GUARD_CONTEXT":"iommu"'*'"VFIO_GUARD_VERDICT":"bypass"'*)
        ok "pin entry says bypass in context iommu";;
*) fail "pin entry verdict/context: $json";;
esac

# The catalog: journalctl -x adds the explanation (lines starting with "░░" on systemd 252).
x=$(journalctl -b -x --no-pager MESSAGE_ID="$MID_PINNED" VFIO_GUARD_DEVICE="$TRANS_NET" | grep -c '^░░')
check "journalctl -x shows catalog text for the pin ($x lines)" [ "$x" -ge 2 ]

# systemctl status carries the counts.
status=$(systemctl show -p StatusText --value vfio-guard.service)
note "STATUS=$status"
check "STATUS= names the bypass count" sh -c "echo '$status' | grep -q '3 bypass'"
check "STATUS= names the translated count" sh -c "echo '$status' | grep -q '1 translated'"
check "systemctl status shows the status line" sh -c "systemctl status --no-pager vfio-guard | grep -q 'Status:'"

list=$(vfio-guardctl list 2>&1)
echo "$list"
for f in $BYPASS $MODERN_NET; do
        check "vfio-guardctl list shows $f" sh -c "echo '$list' | grep -q '${f#0000:}'"
done
