#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# vfio-guardd over N synthetic virtio functions (tests/fixtures/make-sysfs-tree --synthetic): wall and CPU time to
# READY=1, peak RSS, then wake-ups during an idle period with only the watchdog running.
# Usage: tests/bench/bench-daemon.sh [BUILD_DIR] [N] [IDLE_SECONDS]
# Runs through tests/ro-sys; the daemon gets --root, so every write lands in the fixture tree.
set -eu
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$src/build}
n=${2:-256}
idle=${3:-60}
daemon=$build/src/daemon/vfio-guardd
[ -x "$daemon" ] || { echo "no $daemon: build first" >&2; exit 1; }
# tmpfs, like /run and (in memory) sysfs: on ext4 every rename over an old record waits for a data flush.
tree=$(mktemp -d -p /dev/shm 2>/dev/null || mktemp -d)
trap 'rm -rf "$tree"' EXIT
python3 "$src/tests/fixtures/make-sysfs-tree" --synthetic "$n" "$tree"

exec "$src/tests/ro-sys" python3 - "$daemon" "$tree" "$n" "$idle" <<'PY'
import os, signal, socket, subprocess, sys, time

daemon, tree, n, idle = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
hz = os.sysconf("SC_CLK_TCK")
sock_path = os.path.join(tree, "notify.sock")
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sock_path)
env = dict(os.environ, NOTIFY_SOCKET=sock_path, WATCHDOG_USEC="30000000")
for k in ("JOURNAL_STREAM", "INVOCATION_ID", "LD_PRELOAD"):
    env.pop(k, None)

def cpu_split(pid):
    f = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
    return int(f[11]) * 1000.0 / hz, int(f[12]) * 1000.0 / hz

def cpu_ms(pid):
    # schedstat: nanoseconds on the CPU, exact (stat's user/system are in clock ticks)
    return int(open("/proc/%d/schedstat" % pid).read().split()[0]) / 1e6

def status(pid, key):
    for line in open("/proc/%d/status" % pid):
        if line.startswith(key + ":"):
            return line.split()[1]

def wakeups(pid):
    # Each wake-up ends with the task going back to sleep: a voluntary context switch.
    return int(status(pid, "voluntary_ctxt_switches"))

t0 = time.monotonic()
p = subprocess.Popen([daemon, "--enforce", "--root", tree], env=env,
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
s.settimeout(120)
ready = None
while ready is None:
    msg = s.recv(4096).decode()
    if "READY=1" in msg:
        ready = time.monotonic() - t0
        status_line = [l for l in msg.split("\n") if l.startswith("STATUS=")]
cpu = cpu_ms(p.pid)
user, system = cpu_split(p.pid)
hwm = status(p.pid, "VmHWM")
pinned = sum(1 for a in os.listdir(os.path.join(tree, "sys/bus/pci/devices"))
             if open(os.path.join(tree, "sys/bus/pci/devices", a, "driver_override")).read().strip() == "virtio-pci")
print("functions:            %d virtio (+ host bridge)" % n)
print("time to READY=1:      %.1f ms wall, %.1f ms CPU (%.0f user + %.0f system in ticks) (%.0f us CPU per function)"
      % (ready * 1000, cpu, user, system, cpu * 1000 / n))
print("peak RSS (VmHWM):     %s kB" % hwm)
print("pinned in the tree:   %d" % pinned)
print("status:               %s" % (status_line[0][7:] if status_line else "?"))

if idle > 0:
    w0, c0, pings = wakeups(p.pid), cpu_ms(p.pid), 0
    s.settimeout(0.5)
    end = time.monotonic() + idle
    while time.monotonic() < end:
        try:
            if "WATCHDOG=1" in s.recv(4096).decode():
                pings += 1
        except socket.timeout:
            pass
    w1, c1 = wakeups(p.pid), cpu_ms(p.pid)
    print("idle %3.0f s:           %d wake-ups (%.1f per minute), %d watchdog pings, %.1f ms CPU"
          % (idle, w1 - w0, (w1 - w0) * 60.0 / idle, pings, c1 - c0))
p.send_signal(signal.SIGTERM)
t1 = time.monotonic()
rc = p.wait(timeout=10)
print("SIGTERM to exit:      %.1f ms, exit status %d" % ((time.monotonic() - t1) * 1000, rc))
PY
