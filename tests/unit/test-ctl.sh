#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# vfio-guardctl against fixture sysfs trees (tests/fixtures/sysfs/ctl-*.ini built by make-sysfs-tree):
# list (table and JSON), explain, check exit codes under several configurations, bad input, and that
# nothing in the tree changes. TAP output.
# Usage: test-ctl.sh PATH-TO-vfio-guardctl   (FIXTURES= the tests/fixtures directory)
set -u

# The system interpreter: a version-manager shim in PATH can take seconds to start, and this runs it often.
PYTHON=${PYTHON:-$(command -v /usr/bin/python3 || command -v python3)}

CTL=${1:?usage: test-ctl.sh VFIO_GUARDCTL}
FIXTURES=${FIXTURES:-$(cd "$(dirname "$0")/../fixtures" && pwd)}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
chmod 0755 "$T" # the unprivileged run below must reach the trees

# CTL_VALGRIND=1: every run under valgrind's memcheck; a memory error or leak exits 99 and fails that check.
if [ "${CTL_VALGRIND:-0}" = 1 ]; then
        printf '#!/bin/sh\nexec valgrind -q --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=99 %s "$@"\n' \
                "$CTL" >"$T/ctl-valgrind"
        chmod 0755 "$T/ctl-valgrind"
        CTL=$T/ctl-valgrind
fi

. "$(dirname "$0")/tap.sh"

# The last output as one line with runs of blanks squeezed, so wrapped sentences match.
flat() {
        tr -s ' \n' '  ' <"$1"
}

# expect_out TEXT DESCRIPTION [FILE]: the output (wrapping ignored) contains TEXT.
expect_out() {
        if flat "${3:-$T/out}" | grep -qF -- "$1"; then ok "$2"; else not_ok "$2: no '$1'"; fi
}
expect_err() {
        expect_out "$1" "$2" "$T/err"
}
expect_no_out() {
        if flat "${3:-$T/out}" | grep -qF -- "$1"; then not_ok "$2: unexpected '$1'"; else ok "$2"; fi
}

# expect_row ADDRESS REGEX DESCRIPTION: the table row of ADDRESS matches the extended regex.
expect_row() {
        if grep -E "^$1 " "$T/out" | grep -qE -- "$2"; then ok "$3"; else not_ok "$3: row $1 does not match '$2'"; fi
}

# expect_json PYTHON-EXPRESSION DESCRIPTION: the last output is strict UTF-8 JSON and the expression (over
# the document d, and f(ADDRESS) for a function object) is true.
expect_json() {
        if "$PYTHON" - "$1" "$T/out" <<'EOF'; then ok "$2"; else not_ok "$2: $1"; fi
import json, sys
expr, path = sys.argv[1], sys.argv[2]
d = json.loads(open(path, "rb").read().decode("utf-8"))
def f(address):
    fs = d.get("functions") or ([d["function"]] + d["group_members"])
    return next(x for x in fs if x["address"] == address)
sys.exit(0 if eval("(" + expr + "\n)") else 1)
EOF
}

tree() { # SCENARIO [DIRECTORY-NAME]
        "$PYTHON" "$FIXTURES/make-sysfs-tree" "$FIXTURES/sysfs/$1.ini" "$T/${2:-$1}" >"$T/err" 2>&1 || {
                echo "Bail out! make-sysfs-tree $1 failed: $(cat "$T/err")"
                exit 1
        }
}
tree ctl-q35-iommu
tree ctl-shared-group
tree ctl-firecracker-noiommu
Q35=$T/ctl-q35-iommu
SHARED=$T/ctl-shared-group
FC=$T/ctl-firecracker-noiommu

# Fingerprint of a tree: every path, type, mode, size, mtime and content. "It writes nothing" is checked
# against it at the end.
fingerprint() {
        (cd "$1" && find . -printf '%p %y %m %s %T@ %l\n' | sort && find . -type f -print0 | sort -z |
                xargs -0 cat | md5sum)
}
fingerprint "$Q35" >"$T/q35.before"
fingerprint "$FC" >"$T/fc.before"

mkdir "$T/conf"
conf() {
        printf '%b' "$2" >"$T/conf/$1.conf"
        echo "$T/conf/$1.conf"
}
UNKNOWN_ALLOW=$(conf unknown-allow '[Guard]\nUnknown=allow\n')
NOIOMMU_REFUSE=$(conf noiommu-refuse '[Guard]\nNoIOMMU=refuse\n')
AUDIT=$(conf audit '[Guard]\nMode=audit\n')
ALLOW_ADDR=$(conf allow-addr '[Guard]\nAllow=0000:00:03.0\n')
ALLOW_IDS=$(conf allow-ids '[Guard]\nAllow=1af4:1000\n')
DENY_IDS=$(conf deny-ids '[Guard]\nDeny=1af4:1041\n')
DENY_GLOB=$(conf deny-glob '[Guard]\nDeny=pci:v00001AF4d00001041*\n')
ALLOW_DENY=$(conf allow-deny '[Guard]\nAllow=00:04.0\nDeny=00:04.0\n')
BAD_LINES=$(conf bad-lines '[Guard]\nthis is not a key value line\nFrobnicate=yes\nNoIOMMU=refuse\n')
BAD_UTF8=$(conf bad-utf8 '[Guard]\nNo\377IOMMU=allow\n')
mkdir "$T/conf/a-directory.conf"

echo "# usage"
expect_rc 2 "no command" "$CTL"
expect_err "missing command" "no command is explained"
expect_rc 2 "unknown command" "$CTL" frobnicate
expect_rc 2 "check without an address" "$CTL" --root "$Q35" check
expect_rc 2 "explain with two addresses" "$CTL" --root "$Q35" explain 00:03.0 00:04.0
expect_rc 2 "list takes no --quiet" "$CTL" --root "$Q35" list --quiet
expect_rc 2 "check takes no --json" "$CTL" --root "$Q35" check 00:03.0 --json
expect_rc 2 "unknown option" "$CTL" --frobnicate list
expect_rc 0 "--help" "$CTL" --help
expect_out "Usage: vfio-guardctl" "--help prints the usage"
expect_rc 0 "--version" "$CTL" --version
expect_out "vfio-guardctl " "--version prints the name"

echo "# list: table"
expect_rc 0 "list on the q35 tree" "$CTL" --root "$Q35" list
if head -n1 "$T/out" | grep -qE '^ADDRESS +TYPE +TRANSPORT +BIT33 +EVIDENCE +IOMMU-GROUP +CONTEXT +DRIVER +OVERRIDE +VERDICT +DECISION$'; then
        ok "list header names every column"
else
        not_ok "list header"
fi
if [ "$(grep -c '^0000:' "$T/out")" = 8 ]; then ok "list shows the 8 virtio functions"; else not_ok "list row count"; fi
expect_no_out "0000:00:00.0" "list leaves out the host bridge"
expect_row 0000:00:03.0 'net +transitional +clear +negotiated +3 \(DMA\) +iommu +virtio-pci +- +bypass +refuse$' \
        "transitional net: bypass from the negotiated word, refused behind the IOMMU"
expect_row 0000:00:04.0 'net +modern +set +negotiated +4 \(DMA\) +iommu +virtio-pci +- +translated +allow$' \
        "iommu_platform=on net: translated, allowed"
expect_row 0000:00:05.0 'net +legacy-only +clear +transport +5 \(DMA\) +iommu .* bypass +refuse$' \
        "legacy-only net: bypass from the transport"
expect_row 0000:00:06.0 'rng +transitional +\? +none +6 \(DMA\) +iommu .* unknown +refuse$' \
        "rng without its driver, nothing recorded: unknown, refused (Unknown=refuse)"
expect_row 0000:00:07.0 'rng +modern +set +offered-bar \(recorded\) +7 \(DMA\) .* translated +allow$' \
        "not negotiated, recorded offered word with bit 33: translated"
expect_row 0000:00:08.0 'rng +transitional +clear +offered-bar \(recorded\) .* bypass +refuse$' \
        "not negotiated, recorded offered word without bit 33: bypass"
expect_row 0000:00:09.0 'offered-pci-cfg \(recorded\) +9 \(DMA\) +iommu +vfio-pci +vfio-pci +bypass +refuse$' \
        "bound to vfio-pci: driver and driver_override shown, record through PCI_CFG"
expect_row 0000:00:0a.0 'net +modern +\? +none .* unknown +refuse$' "record about another device: unknown"
expect_out "8 virtio functions: 2 translated, 4 bypass, 2 unknown; 2 allowed, 6 refused" "list summary line"
expect_rc 0 "list --all" "$CTL" --root "$Q35" list --all
expect_row 0000:00:00.0 ' +0 \(DMA\) +iommu +- +- +- +not-guarded$' "--all shows the host bridge as not guarded"

expect_rc 0 "--root with a trailing slash" "$CTL" --root "$Q35/" list
expect_out "8 virtio functions" "--root DIR/ is DIR"
expect_rc 1 "list under a root without sysfs" "$CTL" --root "$T/conf" list
expect_err "cannot list PCI functions under $T/conf/sys/bus/pci/devices" "list without sysfs: message"

echo "# list: JSON"
expect_rc 0 "list --json" "$CTL" list --json --root "$Q35"
if "$PYTHON" -m json.tool "$T/out" >/dev/null 2>&1; then ok "list --json parses (python3 -m json.tool)"; else not_ok "json.tool"; fi
if command -v jq >/dev/null; then
        if jq -e '.functions | length == 8' "$T/out" >/dev/null 2>&1; then ok "list --json parses (jq)"; else not_ok "jq"; fi
fi
expect_json 'd["format_version"] == 1 and len(d["functions"]) == 8' "JSON: format_version 1, 8 functions"
expect_json 'd["policy"] == {"mode": "enforce", "unknown": "refuse", "noiommu": "allow", "config_file": None}' \
        "JSON: default policy"
expect_json 'd["config_problems"] == []' "JSON: no configuration problems"
expect_json '[x["address"] for x in d["functions"]] == sorted(x["address"] for x in d["functions"])' \
        "JSON: functions sorted by address"
expect_json 'all(set(x) == {"address", "pci_id", "subsystem_id", "revision", "class", "modalias", "virtio",
        "type", "type_id", "transport", "transport_problem", "bit33", "feature_source", "feature_recorded",
        "features", "feature_problem", "basis", "evidence", "iommu_group", "iommu_group_type",
        "iommu_group_kind", "context", "driver", "driver_override", "driver_override_read", "driver_guarded",
        "devicetree", "verdict", "decision", "reason", "reason_text", "fix", "allow_overrides_bypass",
        "balloon_caveat"} for x in d["functions"])' "JSON: every function has exactly the documented fields"
expect_json 'f("0000:00:03.0")["verdict"] == "bypass" and f("0000:00:03.0")["decision"] == "refuse" and
        f("0000:00:03.0")["context"] == "iommu" and f("0000:00:03.0")["reason"] == "bypass-iommu"' \
        "JSON 03.0: bypass, refuse, iommu, bypass-iommu"
expect_json 'f("0000:00:03.0")["bit33"] == "clear" and f("0000:00:03.0")["feature_source"] == "negotiated" and
        (int(f("0000:00:03.0")["features"], 16) >> 32) & 3 == 1 and len(f("0000:00:03.0")["features"]) == 18' \
        "JSON 03.0: negotiated word with VERSION_1 and without bit 33"
expect_json 'f("0000:00:03.0")["evidence"] == "negotiated features, bit 33 clear"' "JSON 03.0: evidence sentence"
expect_json 'f("0000:00:03.0")["iommu_group"] == 3 and f("0000:00:03.0")["iommu_group_type"] == "DMA" and
        f("0000:00:03.0")["iommu_group_kind"] == "iommu"' "JSON 03.0: IOMMU group 3 of type DMA"
expect_json '"iommu_platform=on,disable-legacy=on" in f("0000:00:03.0")["fix"]' "JSON 03.0: the fix"
expect_json 'f("0000:00:03.0")["type"] == "net" and f("0000:00:03.0")["type_id"] == 1 and
        f("0000:00:03.0")["transport"] == "transitional" and f("0000:00:03.0")["pci_id"] == "1af4:1000"' \
        "JSON 03.0: identification"
expect_json 'f("0000:00:04.0")["verdict"] == "translated" and f("0000:00:04.0")["fix"] is None and
        f("0000:00:04.0")["bit33"] == "set"' "JSON 04.0: translated, no fix"
expect_json 'f("0000:00:05.0")["basis"] == "legacy-only" and f("0000:00:05.0")["transport"] == "legacy-only"' \
        "JSON 05.0: legacy-only basis"
expect_json 'f("0000:00:06.0")["bit33"] == "unknown" and f("0000:00:06.0")["basis"] == "not-negotiated" and
        f("0000:00:06.0")["reason"] == "unknown-iommu"' "JSON 06.0: not negotiated, unknown, refused"
expect_json 'f("0000:00:07.0")["feature_recorded"] is True and f("0000:00:07.0")["feature_source"] == "offered-bar"
        and f("0000:00:07.0")["features"] == "0x0000010330000000" and f("0000:00:07.0")["verdict"] == "translated"' \
        "JSON 07.0: recorded offered word"
expect_json 'f("0000:00:09.0")["driver"] == "vfio-pci" and f("0000:00:09.0")["driver_override"] == "vfio-pci" and
        f("0000:00:09.0")["driver_guarded"] is True' "JSON 09.0: bound to a guarded driver"
expect_json 'f("0000:00:04.0")["driver_override"] is None and f("0000:00:04.0")["driver_override_read"] is True' \
        "JSON: an unset driver_override ((null) in sysfs) is null"
expect_json 'f("0000:00:0a.0")["verdict"] == "unknown" and "another device" in f("0000:00:0a.0")["feature_problem"]' \
        "JSON 0a.0: a record about another device is not evidence"
expect_json 'f("0000:00:03.0")["devicetree"]["present"] is False' "JSON: no device tree on q35"
expect_rc 0 "list --json --all" "$CTL" --root "$Q35" list --all --json
expect_json 'f("0000:00:00.0")["virtio"] is False and f("0000:00:00.0")["decision"] == "not-guarded" and
        f("0000:00:00.0")["bit33"] is None and f("0000:00:00.0")["type"] is None and
        f("0000:00:00.0")["verdict"] == "not-virtio"' "JSON --all: the host bridge, not guarded"
expect_rc 0 "list --json with a configuration holding invalid UTF-8" "$CTL" --root "$Q35" --config "$BAD_UTF8" list --json
expect_json 'len(d["config_problems"]) >= 1 and d["config_problems"][0]["line"] == 2 and
        "\ufffd" in d["config_problems"][0]["message"]' "JSON: invalid UTF-8 in a problem becomes U+FFFD"
if "$PYTHON" -m json.tool "$T/out" >/dev/null 2>&1; then ok "that JSON parses too"; else not_ok "json.tool (utf-8)"; fi
expect_err "$BAD_UTF8:2:" "configuration problem on stderr as file:line:"

echo "# list: which enforcement the daemon recorded (/run/vfio-guard/daemon)"
expect_rc 0 "list --json without a daemon record" "$CTL" --root "$Q35" list --json
expect_json 'd["enforcement"] == {"mode": None, "reason": None, "pid": None}' "JSON: enforcement unknown without a record"
expect_rc 0 "list without a daemon record" "$CTL" --root "$Q35" list
expect_out "Enforcement: unknown: vfio-guardd has not recorded it" "list: enforcement unknown without a record"
cp -a "$SHARED" "$T/enf"
mkdir -p "$T/enf/run/vfio-guard"
printf 'ENFORCEMENT=bpf-lsm\nREASON=re-using the pinned BPF LSM program\nPID=4321\nUPDATED_USEC=1\nFUTURE=x\n' \
        >"$T/enf/run/vfio-guard/daemon"
expect_rc 0 "list with a bpf-lsm record" "$CTL" --root "$T/enf" list
expect_out "Enforcement: kernel-enforced (BPF LSM): re-using the pinned BPF LSM program (vfio-guardd 4321)" \
        "list: kernel-enforced footer"
expect_rc 0 "list --json with a bpf-lsm record" "$CTL" --root "$T/enf" list --json
expect_json 'd["enforcement"] == {"mode": "bpf-lsm", "reason": "re-using the pinned BPF LSM program", "pid": 4321}' \
        "JSON: enforcement bpf-lsm, reason, pid"
printf 'ENFORCEMENT=reactive\nREASON=KernelEnforcement=no\nPID=7\n' >"$T/enf/run/vfio-guard/daemon"
expect_rc 0 "list with a reactive record" "$CTL" --root "$T/enf" list
expect_out "Enforcement: reactive (pin, unbind): KernelEnforcement=no (vfio-guardd 7)" "list: reactive footer"
printf 'ENFORCEMENT=sometimes\n' >"$T/enf/run/vfio-guard/daemon"
expect_rc 0 "list with a damaged record" "$CTL" --root "$T/enf" list
expect_out "Enforcement: unknown: /run/vfio-guard/daemon unreadable: Bad message" "list: damaged record named"
expect_rc 0 "list --json with a damaged record" "$CTL" --root "$T/enf" list --json
expect_json 'd["enforcement"]["mode"] is None' "JSON: damaged record gives a null mode"

echo "# explain"
expect_rc 0 "explain 03.0" "$CTL" --root "$Q35" explain 0000:00:03.0
expect_out "0000:00:03.0: virtio net, bypass, refuse" "explain: headline"
expect_out "PCI ID 1af4:1000, subsystem 1af4:0001" "explain: identification"
expect_out "It is transitional" "explain: transport"
expect_out "negotiated features, bit 33 clear." "explain: evidence"
expect_out "bypass: it does DMA with physical addresses and ignores any IOMMU." "explain: verdict"
expect_out "It is in IOMMU group 3 (type DMA)" "explain: group"
expect_out "Context: iommu." "explain: context"
expect_out "refused: it bypasses the IOMMU that vfio would program" "explain: reason"
expect_out "iommu_platform=on,disable-legacy=on" "explain: the fix"
expect_out "<driver iommu='on'/> with a virtio-non-transitional model" "explain: the libvirt fix"
expect_out "vfio-guardd has no record of this function" "explain: no record"
expect_no_out "Group:" "explain: no group paragraph for an unshared group"
expect_rc 0 "explain legacy-only" "$CTL" --root "$Q35" explain 00:05.0
expect_out "It has only the legacy virtio interface" "explain legacy-only: transport"
expect_out "cannot offer ACCESS_PLATFORM (feature bit 33)" "explain legacy-only: why"
expect_rc 0 "explain recorded" "$CTL" --root "$Q35" explain 00:07.0
expect_out "(recorded by vfio-guardd), bit 33 set" "explain recorded: evidence"
expect_out "recorded it in /run/vfio-guard/functions/0000:00:07.0" "explain recorded: where"
expect_out "vfio-guardd recorded verdict translated and decision allow at 2024-11-27" "explain recorded: the record"
expect_rc 0 "explain pinned" "$CTL" --root "$Q35" explain 00:08.0
expect_out "It pinned driver_override to virtio-pci." "explain: the daemon's pin"
expect_rc 0 "explain unknown" "$CTL" --root "$Q35" explain 00:06.0
expect_out "VERSION_1 clear, no virtio device driver has probed" "explain unknown: why"
expect_out "unknown: the evidence could not be read" "explain unknown: verdict"
expect_out "Unknown=refuse" "explain unknown: the policy"
expect_out "let vfio-guardd read the offered features" "explain unknown: the fix"
expect_rc 0 "explain vfio-bound" "$CTL" --root "$Q35" explain 00:09.0
expect_out "GuardedDrivers= names vfio-pci" "explain: guarded driver"
expect_out "vfio-guardd unbinds it from that driver" "explain: what the daemon does"
expect_out "Its driver_override is vfio-pci" "explain: driver_override"
expect_rc 0 "explain stale record" "$CTL" --root "$Q35" explain 00:0a.0
expect_out "record at this address is about another device (1af4:1044) and is ignored" "explain: stale record"
expect_rc 0 "explain host bridge" "$CTL" --root "$Q35" explain 00:00.0
expect_out "not a virtio function (8086:29c0" "explain host bridge: not virtio"
expect_out "not guarded" "explain host bridge: not guarded"
expect_rc 2 "explain malformed" "$CTL" --root "$Q35" explain 00:3.0.0
expect_err "malformed PCI address" "explain malformed: message"
expect_rc 2 "explain absent" "$CTL" --root "$Q35" explain 00:1f.0
expect_err "no PCI function 0000:00:1f.0" "explain absent: message"
expect_rc 0 "explain --json" "$CTL" --root "$Q35" explain 00:03.0 --json
expect_json 'd["function"]["address"] == "0000:00:03.0" and d["group_members"] == [] and
        d["function"]["verdict"] == "bypass"' "explain --json: function, no group members"

echo "# explain: shared group"
expect_rc 0 "explain the bypassing member" "$CTL" --root "$SHARED" explain 00:01.0
expect_out "It shares IOMMU group 0 with 1 other function: 0000:00:02.0 (virtio net, translated, allow)." \
        "shared group: the other member"
expect_out "A translated function can be assigned only with its whole group; while the guard keeps a bypassing sibling on virtio-pci, that group is not viable." \
        "shared group: what it means"
expect_out "As long as this function is refused, vfio cannot have this group" "shared group: refused member"
expect_out 'The type reads "unknown" (as on pseries); it is an IOMMU all the same.' "pseries group type unknown"
expect_out "Context: iommu." "group of type unknown is context iommu"
expect_rc 0 "explain the translated member" "$CTL" --root "$SHARED" explain 00:02.0
expect_out "0000:00:01.0 (virtio net, bypass, refuse)" "shared group: the bypassing sibling"
expect_out "Here 0000:00:01.0 is refused, so this function cannot be assigned through vfio either" \
        "shared group: the translated member is stuck"
expect_rc 0 "explain --json of a shared group" "$CTL" --root "$SHARED" --json explain 00:02.0
expect_json 'len(d["group_members"]) == 1 and f("0000:00:01.0")["verdict"] == "bypass"' \
        "explain --json: the group member with its verdict"
expect_rc 1 "check the bypassing member of the shared group" "$CTL" --root "$SHARED" check 00:01.0
expect_rc 0 "check the translated member of the shared group" "$CTL" --root "$SHARED" check 00:02.0

echo "# check"
expect_rc 1 "check bypass behind an IOMMU" "$CTL" --root "$Q35" check 0000:00:03.0
expect_out "0000:00:03.0: refuse: refused: it bypasses" "check: the answer on stdout"
expect_rc 0 "check translated" "$CTL" --root "$Q35" check 0000:00:04.0
expect_out "0000:00:04.0: allow:" "check translated: allow"
expect_rc 1 "check legacy-only" "$CTL" --root "$Q35" check 00:05.0
expect_rc 1 "check unknown (Unknown=refuse)" "$CTL" --root "$Q35" check 00:06.0
expect_rc 0 "check recorded translated" "$CTL" --root "$Q35" check 00:07.0
expect_rc 1 "check recorded bypass" "$CTL" --root "$Q35" check 00:08.0
expect_rc 1 "check bypass bound to vfio-pci" "$CTL" --root "$Q35" check 00:09.0
expect_rc 1 "check with a stale record (unknown)" "$CTL" --root "$Q35" check 00:0a.0
expect_rc 0 "check the host bridge (not virtio)" "$CTL" --root "$Q35" check 0000:00:00.0
expect_out "not guarded" "check host bridge: not guarded"
expect_rc 1 "check with a bus-relative address" "$CTL" --root "$Q35" check 00:03.0
expect_rc 1 "check with upper-case hex" "$CTL" --root "$Q35" check 0000:00:0A.0
expect_rc 1 "check --quiet refuse" "$CTL" --root "$Q35" check --quiet 00:03.0
if [ -s "$T/out" ]; then not_ok "check --quiet prints nothing"; else ok "check --quiet prints nothing"; fi
for bad in "" zz 0000:00:03 00:20.0 00:03.8 0000:00:03.0x 123456789:00:03.0 0000:100:03.0 "0000:00:03.0 " \
        -1:00:03.0 0000:00:03.-1; do
        expect_rc 2 "check malformed address '$bad'" "$CTL" --root "$Q35" check -- "$bad"
        expect_err "malformed PCI address" "check '$bad': says malformed"
done
expect_rc 2 "check an absent function" "$CTL" --root "$Q35" check 0000:00:1f.7
expect_err "no PCI function 0000:00:1f.7" "check absent: message"
expect_rc 2 "check an absent domain" "$CTL" --root "$Q35" check 0001:00:03.0

echo "# check: configuration"
expect_rc 0 "Unknown=allow, --config before the command" "$CTL" --root "$Q35" --config "$UNKNOWN_ALLOW" check 00:06.0
expect_rc 0 "Unknown=allow, --config after the address" "$CTL" --root "$Q35" check 00:06.0 --config "$UNKNOWN_ALLOW"
expect_rc 0 "Unknown=allow, --config between command and address" "$CTL" check --config "$UNKNOWN_ALLOW" 00:06.0 --root "$Q35"
expect_rc 0 "Unknown=allow, -c short option" "$CTL" --root "$Q35" check -c "$UNKNOWN_ALLOW" 00:06.0
expect_rc 1 "Unknown=allow leaves bypass refused" "$CTL" --root "$Q35" --config "$UNKNOWN_ALLOW" check 00:03.0
expect_rc 0 "Mode=audit: a refused function gets 0" "$CTL" --root "$Q35" --config "$AUDIT" check 00:03.0
expect_err "Mode=audit, the guard would refuse it" "Mode=audit: the would-be decision on stderr"
expect_out "0000:00:03.0: allow: Mode=audit" "Mode=audit: allow on stdout"
expect_rc 0 "Mode=audit: list" "$CTL" --root "$Q35" list --config "$AUDIT"
expect_out "(Mode=audit: refusals are logged, not enforced)" "Mode=audit: list says so"
expect_rc 0 "Mode=audit: explain" "$CTL" --root "$Q35" --config "$AUDIT" explain 00:09.0
expect_out "Mode=audit: the guard only logs this refusal and changes nothing." "Mode=audit: explain says so"
expect_out "in Mode=audit it only logs that" "Mode=audit: explain does not promise an unbind"
expect_rc 0 "Allow= by address" "$CTL" --root "$Q35" --config "$ALLOW_ADDR" check 00:03.0
expect_err "warning: 0000:00:03.0: allowed by Allow=" "Allow= of a bypass function warns"
expect_rc 1 "Allow= by address matches only that address" "$CTL" --root "$Q35" --config "$ALLOW_ADDR" check 00:09.0
expect_rc 0 "Allow= by vendor:device" "$CTL" --root "$Q35" --config "$ALLOW_IDS" check 00:09.0
expect_rc 1 "Deny= by vendor:device refuses a translated function" "$CTL" --root "$Q35" --config "$DENY_IDS" check 00:04.0
expect_out "Deny=" "Deny=: the reason names it"
expect_rc 1 "Deny= by modalias glob" "$CTL" --root "$Q35" --config "$DENY_GLOB" check 00:04.0
expect_rc 0 "Deny= glob leaves other functions alone" "$CTL" --root "$Q35" --config "$DENY_GLOB" check 00:07.0
expect_rc 1 "Deny= beats Allow=" "$CTL" --root "$Q35" --config "$ALLOW_DENY" check 00:04.0
expect_rc 2 "--config naming a missing file" "$CTL" --root "$Q35" --config "$T/conf/missing.conf" check 00:04.0
expect_err "cannot be used" "--config missing: message"
expect_rc 2 "--config naming a directory" "$CTL" --root "$Q35" --config "$T/conf/a-directory.conf" check 00:04.0
expect_rc 2 "--config with an empty name" "$CTL" --root "$Q35" --config "" check 00:04.0
expect_rc 1 "bad lines are skipped, the rest applies" "$CTL" --root "$FC" --config "$BAD_LINES" check 00:03.0
expect_err "$BAD_LINES:2:" "bad line reported as file:line"
expect_err "$BAD_LINES:3:" "unknown key reported as file:line"
# --root covers /etc: the tree's own configuration applies, and --config replaces it.
mkdir -p "$Q35/etc"
printf '[Guard]\nMode=audit\n' >"$Q35/etc/vfio-guard.conf"
expect_rc 0 "ROOT/etc/vfio-guard.conf is read below --root" "$CTL" --root "$Q35" check 00:03.0
expect_err "Mode=audit" "ROOT/etc configuration: audit"
expect_rc 1 "--config replaces ROOT/etc/vfio-guard.conf" "$CTL" --root "$Q35" --config "$NOIOMMU_REFUSE" check 00:03.0
rm -r "$Q35/etc"

echo "# no IOMMU (Firecracker-like)"
expect_rc 0 "list" "$CTL" --root "$FC" list
for a in 0000:00:01.0 0000:00:02.0 0000:00:03.0; do
        expect_row $a ' +modern +clear +negotiated +- +noiommu +virtio-pci +- +bypass +allow$' "$a: bypass, noiommu, allowed"
done
expect_rc 0 "list --json" "$CTL" --root "$FC" list --json
expect_json 'all(f(a)["evidence"].startswith("negotiated features, bit 33 clear") and f(a)["context"] == "noiommu"
        for a in ("0000:00:01.0", "0000:00:02.0", "0000:00:03.0"))' "JSON: negotiated, bit 33 clear, noiommu"
expect_json 'f("0000:00:01.0")["balloon_caveat"] is True and f("0000:00:03.0")["balloon_caveat"] is False' \
        "JSON: the balloon caveat"
expect_json 'f("0000:00:03.0")["features"] == "0x%016x" % sum(1 << i for i, c in enumerate("1100010110111011000000000000010010") if c == "1")' \
        "JSON: a 128-character string parsed"
expect_json 'f("0000:00:04.0")["iommu_group_kind"] == "vfio-noiommu" and f("0000:00:04.0")["context"] == "noiommu"' \
        "JSON: a vfio no-IOMMU group is context noiommu"
expect_json 'f("0000:00:05.0")["transport"] == "unknown" and f("0000:00:05.0")["transport_problem"] and
        f("0000:00:05.0")["verdict"] == "unknown"' "JSON: 64 bytes of config space: transport unknown"
for a in 00:01.0 00:02.0 00:03.0 00:04.0; do
        expect_rc 0 "check $a under the default policy" "$CTL" --root "$FC" check $a
        expect_rc 1 "check $a with NoIOMMU=refuse" "$CTL" --root "$FC" --config "$NOIOMMU_REFUSE" check $a
done
expect_out "refused: no IOMMU covers it and NoIOMMU=refuse" "NoIOMMU=refuse: reason"
expect_rc 0 "check the host bridge with NoIOMMU=refuse" "$CTL" --root "$FC" --config "$NOIOMMU_REFUSE" check 00:00.0
expect_rc 0 "explain the no-IOMMU group" "$CTL" --root "$FC" explain 00:04.0
expect_out "It is in vfio no-IOMMU group 4" "explain: vfio no-IOMMU group"
expect_rc 0 "explain no IOMMU" "$CTL" --root "$FC" explain 00:03.0
expect_out "It is in no IOMMU group: no IOMMU covers it." "explain: no IOMMU"
expect_out "Context: noiommu." "explain: context noiommu"
expect_out "allowed: no IOMMU covers it" "explain: allowed with no IOMMU"
expect_rc 0 "explain the cut config space" "$CTL" --root "$FC" explain 00:05.0
expect_out "Its interface could not be told" "explain: transport unknown"

echo "# device tree"
# make-sysfs-tree knows no device tree: add an arm64 virt blob and the host bridge's of_node, as Linux shows them
# there (of_node only on the host bridge).
dt_tree() { # NAME SCENARIO BLOB
        tree "$2" "$1"
        mkdir -p "$T/$1/sys/firmware/devicetree/base/pcie@10000000"
        cp "$FIXTURES/dt/$3" "$T/$1/sys/firmware/fdt"
        ln -s ../../firmware/devicetree/base/pcie@10000000 "$T/$1/sys/devices/pci0000:00/of_node"
}
dt_tree smmu ctl-shared-group qemu-virt-smmuv3.dtb
expect_rc 0 "explain behind an SMMUv3 named by the tree" "$CTL" --root "$T/smmu" explain 00:01.0
expect_out "Device tree: The device tree places it behind an IOMMU: arm,smmu-v3 at /smmuv3@9050000 (node /pcie@10000000)." \
        "explain: the IOMMU named from the tree"
expect_out "the IOMMU group decides it, and bit 33 decides the verdict" "explain: the tree does not decide"
expect_rc 0 "list --json with a device tree" "$CTL" --root "$T/smmu" list --json
expect_json 'f("0000:00:01.0")["devicetree"] == {"present": True, "covered": True, "iommu": "arm,smmu-v3 at /smmuv3@9050000",
        "node": "/pcie@10000000", "bypass_property": False, "problem": None}' "JSON: devicetree object"
expect_rc 1 "check: the tree's IOMMU does not make a bypass function translated" "$CTL" --root "$T/smmu" check 00:01.0
dt_tree dtnone ctl-firecracker-noiommu qemu-virt-noiommu.dtb
expect_rc 0 "explain with a tree without an IOMMU" "$CTL" --root "$T/dtnone" explain 00:03.0
expect_out "The device tree shows no IOMMU in front of it (node /pcie@10000000)." "explain: no IOMMU in the tree"
dt_tree dtbad ctl-firecracker-noiommu qemu-virt-noiommu.dtb
printf 'not a device tree blob' >"$T/dtbad/sys/firmware/fdt"
expect_rc 0 "explain with a corrupt blob" "$CTL" --root "$T/dtbad" explain 00:03.0
expect_out "The device tree could not tell which IOMMU, if any, is in front of it:" "explain: corrupt blob is a problem, not 'no IOMMU'"
expect_rc 0 "list --json with a corrupt blob" "$CTL" --root "$T/dtbad" list --json
expect_json 'f("0000:00:03.0")["devicetree"]["present"] is False and f("0000:00:03.0")["devicetree"]["problem"]' \
        "JSON: corrupt blob gives present false and the problem"
expect_rc 0 "explain on a platform without a device tree says nothing about one" "$CTL" --root "$FC" explain 00:03.0
expect_no_out "Device tree:" "no device-tree paragraph without a device tree"

echo "# without root"
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
        # Config space readable by root only, as in /sys: the transitional rng cannot be told apart from a
        # legacy-only one, nothing is negotiated, nothing recorded: unknown, and Unknown= decides.
        chmod -R a+rX "$Q35" "$T/conf"
        chmod 0400 "$Q35"/sys/devices/pci0000:00/*/config
        nobody() {
                setpriv --reuid=65534 --regid=65534 --clear-groups "$@"
        }
        expect_rc 1 "unprivileged check of an unreadable function (Unknown=refuse)" nobody "$CTL" --root "$Q35" check 00:06.0
        expect_rc 0 "unprivileged check with Unknown=allow" nobody "$CTL" --root "$Q35" --config "$UNKNOWN_ALLOW" check 00:06.0
        expect_rc 0 "unprivileged list --json" nobody "$CTL" --root "$Q35" list --json
        expect_json 'f("0000:00:06.0")["transport"] == "unknown" and f("0000:00:06.0")["verdict"] == "unknown"' \
                "unprivileged: transport and verdict unknown"
        expect_json 'f("0000:00:03.0")["verdict"] == "bypass"' "unprivileged: the negotiated word still tells"
        chmod 0644 "$Q35"/sys/devices/pci0000:00/*/config
        # chmod changed the modes and ctimes, not the contents: take a new fingerprint for the check below.
        fingerprint "$Q35" >"$T/q35.before"
        expect_rc 0 "list again" "$CTL" --root "$Q35" list --all --json
        expect_rc 0 "explain again" "$CTL" --root "$Q35" explain 00:09.0
        expect_rc 1 "check again" "$CTL" --root "$Q35" check 00:09.0
else
        echo "ok $((n + 1)) # SKIP not root or no setpriv: cannot drop privileges"
        n=$((n + 1))
fi

echo "# JSON strings with every byte value: list --json writes its text by hand, explain --json through json-c"
cp -a "$Q35" "$T/bytes"
for chunk in 0 1 2 3 4 5; do
        # 50 bytes at a time (a driver_override is shorter than 64), every value from 1 to 255 but the newline.
        "$PYTHON" -c 'import sys; c = int(sys.argv[1])
open(sys.argv[2], "wb").write(bytes(x for x in range(1 + 50 * c, min(256, 51 + 50 * c)) if x != 10) + b"\n")' \
                "$chunk" "$T/bytes/sys/bus/pci/devices/0000:00:03.0/driver_override"
        "$CTL" --root "$T/bytes" list --json >"$T/list.json" 2>"$T/err"
        expect_rc 0 "explain --json, bytes $((1 + 50 * chunk)) and up" "$CTL" --root "$T/bytes" explain 00:03.0 --json
        expect_json 'len(f("0000:00:03.0")["driver_override"]) >= 5 and f("0000:00:03.0")["driver_override"] ==
        [x for x in json.loads(open("'"$T"'/list.json", "rb").read().decode("utf-8"))["functions"]
         if x["address"] == "0000:00:03.0"][0]["driver_override"]' \
                "list --json: the same string, bytes $((1 + 50 * chunk)) and up"
done

echo "# read-only"
fingerprint "$Q35" >"$T/q35.after"
fingerprint "$FC" >"$T/fc.after"
if cmp -s "$T/q35.before" "$T/q35.after" && cmp -s "$T/fc.before" "$T/fc.after"; then
        ok "no command changed anything in the fixture trees"
else
        not_ok "fixture trees changed: $(diff "$T/q35.before" "$T/q35.after" | head -5)"
fi

echo "1..$n"
[ "$failed" = 0 ]
