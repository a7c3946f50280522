#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# vfio-guardctl list over N synthetic virtio functions (tests/fixtures/make-sysfs-tree --synthetic N): median
# wall time and CPU time (user + system, from the child's rusage) of several runs, the instruction count under
# valgrind --tool=callgrind, the system calls (strace -c), and the cost per function. The split of CPU time into
# user and system comes from the kernel's tick sampling: only the sum is exact. A tree with no virtio function (the host bridge alone)
# gives the fixed cost of starting the program, shown apart. Target (issue 2): under 50 µs of CPU per function,
# measured on the whole run, start-up included. Exit status 1 when the target is missed.
# Usage: tests/bench/bench-list.sh [BUILD_DIR] [N] [RUNS]
# Runs through tests/ro-sys; the CLI reads only, with --root pointing at the fixture tree.
set -eu
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$src/build}
n=${2:-256}
runs=${3:-15}
ctl=$build/src/ctl/vfio-guardctl
[ -x "$ctl" ] || { echo "no $ctl: build first" >&2; exit 1; }
# The system interpreter: a version-manager shim can take seconds to start.
python=$(command -v /usr/bin/python3 || command -v python3)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$python" "$src/tests/fixtures/make-sysfs-tree" --synthetic "$n" "$tmp/tree"
"$python" "$src/tests/fixtures/make-sysfs-tree" --synthetic 0 "$tmp/empty"

exec "$src/tests/ro-sys" "$python" - "$ctl" "$tmp" "$n" "$runs" <<'PY'
import os, re, shutil, statistics, subprocess, sys, time

ctl, tmp, n, runs = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
TARGET_US = 50.0

def measure(tree, extra):
    """Median wall, CPU, user and system seconds of `ctl --root tree list extra` over `runs` runs (after
    one warm-up)."""
    walls, cpus, users, syss = [], [], [], []
    devnull = os.open(os.devnull, os.O_WRONLY)
    for i in range(runs + 1):
        # posix_spawn (vfork in glibc), not fork: a forked copy of this interpreter would charge its
        # copy-on-write page faults to the child's rusage.
        t0 = time.perf_counter()
        pid = os.posix_spawn(ctl, [ctl, "--root", tree, "list"] + extra, os.environ,
                             file_actions=[(os.POSIX_SPAWN_DUP2, devnull, 1)])
        _, status, ru = os.wait4(pid, 0)
        wall = time.perf_counter() - t0
        if os.waitstatus_to_exitcode(status) != 0:
            sys.exit("vfio-guardctl list failed (status %d)" % os.waitstatus_to_exitcode(status))
        if i > 0:  # the first run fills the page cache
            walls.append(wall)
            cpus.append(ru.ru_utime + ru.ru_stime)
            users.append(ru.ru_utime)
            syss.append(ru.ru_stime)
    os.close(devnull)
    return tuple(statistics.median(x) for x in (walls, cpus, users, syss))

def syscalls(tree, extra):
    """System calls of one run, as strace -c counts them (None without strace)."""
    if not shutil.which("strace"):
        return None
    out = os.path.join(tmp, "strace.out")
    p = subprocess.run(["strace", "-f", "-c", "-o", out, ctl, "--root", tree, "list"] + extra,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    m = re.search(r"^\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:\d+\s+)?total$", open(out).read(), re.M) if p.returncode == 0 else None
    if not m:
        sys.exit("strace run failed:\n" + p.stderr)
    return int(m.group(1))

def instructions(tree, extra):
    if not shutil.which("valgrind"):
        return None
    out = os.path.join(tmp, "callgrind.out")
    p = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out, ctl, "--root", tree,
                        "list"] + extra, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    m = re.search(r"Collected : (\d+)", p.stderr)
    if p.returncode != 0 or not m:
        sys.exit("callgrind run failed:\n" + p.stderr)
    return int(m.group(1))

tree, empty = os.path.join(tmp, "tree"), os.path.join(tmp, "empty")
# A benchmark of a list that silently lost functions would flatter: check that every one is there.
listed = subprocess.run([ctl, "--root", tree, "list"], capture_output=True, text=True).stdout
rows = len(re.findall(r"^[0-9a-f]{4}:", listed, re.M))
if rows != n:
    sys.exit("vfio-guardctl list shows %d functions, expected %d" % (rows, n))
print("vfio-guardctl list: %d synthetic virtio functions, %d runs each, medians" % (n, runs))
worst = 0.0
for label, extra in (("table", []), ("--json", ["--json"])):
    wall, cpu, user, system = measure(tree, extra)
    wall0, cpu0, _, _ = measure(empty, extra)
    ir, ir0 = instructions(tree, extra), instructions(empty, extra)
    sc, sc0 = syscalls(tree, extra), syscalls(empty, extra)
    per_fn = cpu / n * 1e6 if n else 0.0
    marginal = (cpu - cpu0) / n * 1e6 if n else 0.0
    worst = max(worst, per_fn)
    print("  %-7s wall %.2f ms, CPU %.2f ms (user %.2f, system %.2f) -> %.1f us CPU per function" %
          (label, wall * 1e3, cpu * 1e3, user * 1e3, system * 1e3, per_fn))
    print("  %-7s start-up alone (no virtio function): wall %.2f ms, CPU %.2f ms; marginal %.1f us CPU per function"
          % (label, wall0 * 1e3, cpu0 * 1e3, marginal))
    if ir is not None:
        print("  %-7s %d instructions (callgrind) -> %d per function (start-up alone: %d; marginal %d per function)"
              % (label, ir, ir // max(n, 1), ir0, (ir - ir0) // max(n, 1)))
    if sc is not None:
        print("  %-7s %d system calls (strace) -> %.1f per function (start-up alone: %d; marginal %.1f per function)"
              % (label, sc, sc / max(n, 1), sc0, (sc - sc0) / max(n, 1)))
ok = worst < TARGET_US
print("target: < %.0f us CPU per function, whole run: %s (worst %.1f us)" % (TARGET_US, "met" if ok else "MISSED", worst))
sys.exit(0 if ok else 1)
PY
