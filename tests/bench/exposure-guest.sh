# SPDX-License-Identifier: GPL-2.0-or-later
# Guest side of tests/bench/exposure (read the method there).
# vm-devices: standard
# vm-storm: 32
# vm-timeout: 2400

N=${BENCH_N:-60}
ROUNDS=${BENCH_STORM_ROUNDS:-3}
BLOCKS=${BENCH_BLOCKS:-5}
CASES=" ${BENCH_CASES:-all} "
F=$MODERN_RNG
STORM=""
for slot in 08 09 0a 0b; do for fn in 0 1 2 3 4 5 6 7; do STORM="$STORM 0000:00:$slot.$fn"; done; done
B=/usr/lib/vmtest/bench-bind
# want CASE: BENCH_CASES names it (or is unset/"all").
want() { case "$CASES" in *" all "*|*" $1 "*) return 0;; esac; return 1; }
bench() { "$B" "$@" | while read -r line; do note "BENCH $line"; done; }

# Kernel timestamps of the window's two ends (see tests/bench/exposure): a kretprobe on drivers_probe_store
# (the return of the write, in the kernel) and a kprobe on sysfs_remove_link() of the function's "driver" link
# (where the unbind takes the driver away, as the poll sees it). Both in the trace buffer, so neither waits for
# bench-bind to be scheduled. The fetch arguments name x86-64 registers: elsewhere only the poll's figures.
T=/sys/kernel/tracing
KT=
ktrace_setup() {
        [ "$(uname -m)" = x86_64 ] || return 0
        [ -d $T/events ] || mount -t tracefs tracefs $T 2>/dev/null || return 0
        echo 'p:vfioguardbench/unlinked sysfs_remove_link kobj=+0(+0(%di)):string link=+0(%si):string' \
                > $T/kprobe_events 2>/dev/null || return 0
        echo 'r:vfioguardbench/probed drivers_probe_store ret=$retval' >> $T/kprobe_events 2>/dev/null || return 0
        echo "kobj == \"$F\" && link == \"driver\"" > $T/events/vfioguardbench/unlinked/filter || return 0
        echo 4096 > $T/buffer_size_kb
        echo 1 > $T/events/vfioguardbench/enable
        echo 0 > $T/tracing_on
        KT=1
}
# kbench window ADDR N KEEP NAME: bench window, plus the row "NAME/kernel" from the trace: per bind that vfio-pci
# got (bench-bind's "bound" mark), from the return of bench-bind's drivers_probe write to the removal of the link.
kbench() {
        if [ -z "$KT" ]; then bench "$@"; return; fi
        echo > $T/trace
        echo 1 > $T/tracing_on
        BENCH_TRACE_MARKER=$T/trace_marker "$B" "$@" > /run/kbench.out
        echo 0 > $T/tracing_on
        while read -r line; do note "BENCH $line"; done < /run/kbench.out
        ktrace_windows > /run/kbench.windows
        if [ -n "${KRAW:-}" ]; then cat /run/kbench.windows >> "$KRAW"; return; fi
        pooled "$5/kernel" /run/kbench.windows "$(cat /run/kbench.out)"
}
# The kernel-clock windows (µs) of the last kbench, one a line.
ktrace_windows() {
        awk '
        function ts(   i) { for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+\.[0-9]+:$/) return substr($i, 1, length($i) - 1) + 0; return -1 }
        / probed: / && $1 ~ /^bench-bind-/ { tp = ts(); next }
        / unlinked: / { tu = ts(); if (open) { print int((tu - tp) * 1e6); open = 0 }; next }
        /bench: bound/ { if (tu > tp) print int((tu - tp) * 1e6); else open = 1 }
        ' $T/trace
}
# pooled NAME FILE [COUNTS]: a row from the windows (µs) in FILE; COUNTS: bench-bind's summary lines, whose n,
# prevented and missed add up (else "-"). With COUNTS the row also has the quantiles over every bind, a prevented
# one with its window of 0 (the issue's definition: all_median_us, all_p90_us, all_p99_us); median_us and the
# rest are over the binds vfio-pci got.
pooled() {
        sort -n "$2" | awk -v name="$1" -v counts="${3:-}" '
        { w[k++] = $1 }
        function pct(p) { return k ? w[int((k - 1) * p / 100 + 0.5)] : 0 }
        # Over the prevented binds (zeros, first in order) and the windows together.
        function pct_all(p,   i) { i = int((prevented + k - 1) * p / 100 + 0.5); return i < prevented ? 0 : w[i - prevented] }
        END {
                n = k; prevented = "-"; missed = "-"
                if (counts != "") {
                        n = prevented = missed = 0
                        m = split(counts, line, "\n")
                        for (i = 1; i <= m; i++) {
                                f = split(line[i], kv, " ")
                                for (j = 1; j <= f; j++) {
                                        split(kv[j], p, "=")
                                        if (p[1] == "n") n += p[2]
                                        if (p[1] == "prevented") prevented += p[2]
                                        if (p[1] == "missed") missed += p[2]
                                }
                        }
                }
                all = ""
                if (counts != "" && prevented + k > 0)
                        all = sprintf(" all_median_us=%d all_p90_us=%d all_p99_us=%d", pct_all(50), pct_all(90), pct_all(99))
                printf "%s n=%d bound=%d prevented=%s missed=%s median_us=%d p90_us=%d p99_us=%d max_us=%d%s\n", name, n, k,
                       prevented, missed, pct(50), pct(90), pct(99), k ? w[k - 1] : 0, all
        }' | while read -r line; do note "BENCH $line"; done
}

wait_guard 120 || exit 1
modprobe vfio-pci
wait_for 120 is_pinned 0000:00:0b.7 || fail "storm functions not pinned at start"
# (a)-(c) need the guard out of the way: keep udev from starting it, stop it (pins stay), clear the pins. In
# that order: a uevent between a stop and a mask has the udev rule start it again.
guard_off() {
        systemctl mask --runtime vfio-guard.service >/dev/null 2>&1
        systemctl stop vfio-guard.service
        wait_for 10 sh -c '! systemctl is-active -q vfio-guard.service' || fail "vfio-guard.service still running"
}
guard_off
# Kernel enforcement (BPF LSM) outlives the daemon: remove it too.
"$LIBEXECDIR/vfio-guardd" --unpin-bpf >/dev/null 2>&1 || true
for f in $BYPASS $STORM; do echo > "$PCI/devices/$f/driver_override"; done

note "BENCH-INFO function $F (virtio-rng, modern, bypass), $N binds per case, $ROUNDS storm rounds of 32"
ktrace_setup
want floor && bench floor "$F" "$N"

# At the priority of vfio-guardd's unbind children (src/act/unbind.h), so that (b) stays the limit for (d).
REFNICE=-10
nice -n $REFNICE /usr/lib/vmtest/refguard "$F" $STORM > /run/refguard.out &
rg=$!
wait_for 10 grep -q listening /run/refguard.out
want reference && kbench window "$F" "$N" 0 reference
want reference-storm && bench storm reference-storm "$ROUNDS" $STORM
kill "$rg"
for f in $STORM; do restore "$f" >/dev/null 2>&1; echo > "$PCI/devices/$f/driver_override"; done

if want udev-rule; then
        mkdir -p /run/udev/rules.d
        cat > /run/udev/rules.d/99-bench-unbind.rules <<RULE
ACTION=="bind", SUBSYSTEM=="pci", KERNEL=="$F", ENV{DRIVER}=="vfio-pci", RUN+="/bin/sh -c 'echo $F > /sys/bus/pci/drivers/vfio-pci/unbind'"
RULE
        udevadm control --reload
        kbench window "$F" "$N" 0 udev-rule
        rm /run/udev/rules.d/99-bench-unbind.rules
        udevadm control --reload
fi

# (d) first as a reactive guard only (KernelEnforcement=no: pin + unbind), then as installed (the BPF LSM
# refuses the driver_override write itself when the kernel has it).
systemctl unmask --runtime vfio-guard.service >/dev/null 2>&1
printf '[Guard]\nKernelEnforcement=no\n' > "$CONF"
systemctl start vfio-guard.service
wait_for 120 is_pinned 0000:00:0b.7 || fail "guard did not pin again"
want vfio-guardd && kbench window "$F" "$N" 1 vfio-guardd
# The same binds with the reference guard running beside the daemon: only binds that got past the pin count, as
# for vfio-guardd (they happen when the machine is busy with the steps before them), so this row is the limit
# for a reactive guard under the same conditions, where (b) measures every bind.
if want reference+vfio-guardd; then
        nice -n $REFNICE /usr/lib/vmtest/refguard "$F" > /run/refguard-beside.out &
        rg=$!
        wait_for 10 grep -q listening /run/refguard-beside.out
        kbench window "$F" "$N" 1 reference+vfio-guardd
        kill "$rg"
fi
want vfio-guardd-storm && bench storm vfio-guardd-storm "$ROUNDS" $STORM

# (d) with Pin=no (and Reprobe=no: bench-bind hands the function back, as for (b)): the reactive path alone, on
# every bind. No pin wins the race first, so no selection of the busy moments: like for like with (b).
unpinned() { ! is_pinned "$F"; }
nopin_on() {
        printf '[Guard]\nKernelEnforcement=no\nPin=no\nReprobe=no\n' > "$CONF"
        systemctl reload vfio-guard.service
        wait_for 30 unpinned || fail "Pin=no: $F still pinned"
        sleep 5
}
nopin_off() {
        printf '[Guard]\nKernelEnforcement=no\n' > "$CONF"
        systemctl reload vfio-guard.service
        wait_for 120 is_pinned 0000:00:0b.7 || fail "guard did not pin again"
}
if want vfio-guardd-nopin; then
        nopin_on
        kbench window "$F" "$N" 0 vfio-guardd-nopin
        nopin_off
fi

# (b) and (d) again, in BLOCKS alternating blocks of N/BLOCKS binds each, pooled: the two see the same host, where
# separate runs minutes apart may not (under TCG the host's load moves every figure).
if want alternating; then
        per=$(( (N + BLOCKS - 1) / BLOCKS ))
        rm -f /run/alt.*
        # A stopped daemon's unbind children end when they see it gone (KillMode=process leaves them be): wait,
        # or the first reference binds would meet a spare still armed.
        no_children() { [ -z "$(unbind_children)" ]; }
        for i in $(seq "$BLOCKS"); do
                guard_off
                if ! wait_for 10 no_children; then
                        for c in $(unbind_children); do
                                note "BENCH-INFO alternating: unbind child $c outlived the daemon by 10 s (parent $(stat_field "$c" 4), state $(stat_field "$c" 3))"
                        done
                fi
                for f in $BYPASS $STORM; do echo > "$PCI/devices/$f/driver_override"; done
                nice -n $REFNICE /usr/lib/vmtest/refguard "$F" > /run/refguard-alt.out &
                rg=$!
                wait_for 10 grep -q listening /run/refguard-alt.out
                BENCH_RAW=/run/alt.ref.poll KRAW=/run/alt.ref.kernel kbench window "$F" "$per" 0 reference >> /run/alt.ref.counts
                kill "$rg"
                systemctl unmask --runtime vfio-guard.service >/dev/null 2>&1
                systemctl start vfio-guard.service
                wait_for 120 is_pinned 0000:00:0b.7 || fail "guard did not pin again"
                # Past the start's burst (journal, records, offered-feature reads), as (d) above is.
                sleep 5
                BENCH_RAW=/run/alt.guard.poll KRAW=/run/alt.guard.kernel kbench window "$F" "$per" 1 vfio-guardd >> /run/alt.guard.counts
                nopin_on
                BENCH_RAW=/run/alt.nopin.poll KRAW=/run/alt.nopin.kernel kbench window "$F" "$per" 0 vfio-guardd-nopin >> /run/alt.nopin.counts
                printf '[Guard]\nKernelEnforcement=no\n' > "$CONF"
        done
        pooled reference/alternating /run/alt.ref.poll "$(sed -n 's/^VMTEST-SHOW: BENCH //p' /run/alt.ref.counts)"
        [ -n "$KT" ] && pooled reference/alternating/kernel /run/alt.ref.kernel "$(sed -n 's/^VMTEST-SHOW: BENCH //p' /run/alt.ref.counts)"
        pooled vfio-guardd/alternating /run/alt.guard.poll "$(sed -n 's/^VMTEST-SHOW: BENCH //p' /run/alt.guard.counts)"
        [ -n "$KT" ] && pooled vfio-guardd/alternating/kernel /run/alt.guard.kernel "$(sed -n 's/^VMTEST-SHOW: BENCH //p' /run/alt.guard.counts)"
        pooled vfio-guardd-nopin/alternating /run/alt.nopin.poll "$(sed -n 's/^VMTEST-SHOW: BENCH //p' /run/alt.nopin.counts)"
        [ -n "$KT" ] && pooled vfio-guardd-nopin/alternating/kernel /run/alt.nopin.kernel "$(sed -n 's/^VMTEST-SHOW: BENCH //p' /run/alt.nopin.counts)"
fi
# Which of those unbinds the armed spare made on the bind uevent itself, before the daemon's job came.
own=$(journalctl -b -q --no-pager -o cat MESSAGE_ID="$MID_UNBOUND" 2>/dev/null | grep -c "acted on the bind uevent itself")
all=$(journalctl -b -q --no-pager -o cat MESSAGE_ID="$MID_UNBOUND" 2>/dev/null | grep -c .)
note "BENCH-INFO reactive unbinds so far: $all, of which the armed spare made $own on the bind uevent itself"
rm -f "$CONF"
systemctl reload vfio-guard.service
sleep 5
note "BENCH-INFO $(systemctl show -p StatusText --value vfio-guard.service)"
want vfio-guardd+bpf && kbench window "$F" "$N" 1 vfio-guardd+bpf
want vfio-guardd+bpf-storm && bench storm vfio-guardd+bpf-storm "$ROUNDS" $STORM
refused=0
for f in $STORM; do
        not_vfio "$f" || fail "storm: $f left on vfio-pci"
        refused=$((refused + $(journal_count "$MID_BIND_REFUSED" "$f")))
done
note "BENCH-INFO storm: bind-refused journal entries for the 32 functions: $refused"
note "BENCH-INFO $(systemctl show -p StatusText --value vfio-guard.service)"
