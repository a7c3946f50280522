# SPDX-License-Identifier: GPL-2.0-or-later
# Mode=audit changes nothing and logs what it would have done; then (reload) enforce with Allow= for one
# bypass function: that one binds with a warning in the journal, the others are refused again.
# vm-devices: standard
# vm-write: /etc/vfio-guard.conf [Guard]\nMode=audit

wait_guard 90 || exit 1
modprobe vfio-pci
sleep 2
for f in $BYPASS; do
        check "audit: $f not pinned" not_pinned "$f"
        check "audit: $f classified in the journal" journal_has "$MID_CLASSIFIED" "$f"
done
check "audit: a would-pin entry is logged" sh -c \
        "journalctl -b -o json --no-pager VFIO_GUARD_DEVICE=$TRANS_NET | grep -q '\"VFIO_GUARD_ACTION\":\"would'"
check "vfio-guardctl check exits 0 in audit mode" sh -c "vfio-guardctl check $TRANS_NET >/dev/null 2>&1"
bind_libvirt "$TRANS_NET"
check "audit: libvirt-style bind of bypass $TRANS_NET succeeds" wait_for 15 is_drv "$TRANS_NET" vfio-pci
sleep 3
check "audit: $TRANS_NET stays on vfio-pci" is_drv "$TRANS_NET" vfio-pci
check "audit: the refusal it would have made is logged" sh -c \
        "journalctl -b -o json --no-pager VFIO_GUARD_DEVICE=$TRANS_NET VFIO_GUARD_DRIVER=vfio-pci | grep -q 'would'"

printf '[Guard]\nMode=enforce\nAllow=%s\n' "$LEGACY_NET" > "$CONF"
systemctl reload vfio-guard.service
check "enforce after reload: $TRANS_NET taken back from vfio-pci" wait_for 30 sh -c \
        ". /usr/lib/vmtest/lib.sh; is_drv $TRANS_NET virtio-pci && is_pinned $TRANS_NET"
check "enforce after reload: $MODERN_RNG pinned" wait_for 30 is_pinned "$MODERN_RNG"
check "Allow=: $LEGACY_NET not pinned" not_pinned "$LEGACY_NET"
check "Allow=: warning entry for $LEGACY_NET" wait_for 10 sh -c \
        "journalctl -b -q -o cat -p warning MESSAGE_ID=$MID_ALLOWED VFIO_GUARD_DEVICE=$LEGACY_NET | grep -q ."
bind_libvirt "$LEGACY_NET"
check "Allow=: $LEGACY_NET binds to vfio-pci" wait_for 15 is_drv "$LEGACY_NET" vfio-pci
sleep 3
check "Allow=: $LEGACY_NET stays on vfio-pci" is_drv "$LEGACY_NET" vfio-pci
bind_libvirt "$MODERN_RNG"
check "$MODERN_RNG (not allowed) refused" wait_for 15 sh -c \
        ". /usr/lib/vmtest/lib.sh; not_vfio $MODERN_RNG && is_pinned $MODERN_RNG"
