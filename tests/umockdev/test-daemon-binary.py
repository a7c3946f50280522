#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""vfio-guardd as systemd runs it: options and exit codes, READY=1/STATUS=/WATCHDOG=1 on $NOTIFY_SOCKET, SIGHUP
reload (RELOADING=1, then READY=1 again), SIGTERM exit. Against a fixture tree (--root), so every write lands in
the tree; run through tests/ro-sys. Usage: test-daemon-binary.py VFIO_GUARDD MAKE_SYSFS_TREE"""
import os, shutil, signal, socket, subprocess, sys, tempfile, time

daemon, make_tree = sys.argv[1], sys.argv[2]
passed = failed = 0


def check(cond, what):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL: " + what)


def run(args):
    return subprocess.run([daemon] + args, capture_output=True, text=True, timeout=10)


# Options.
r = run(["--help"])
check(r.returncode == 0 and "--enforce" in r.stdout, "--help exits 0 and names --enforce")
r = run(["--version"])
check(r.returncode == 0 and r.stdout.startswith("vfio-guardd "), "--version")
for bad in (["--frobnicate"], ["extra-argument"], ["--unbind-timeout", "0"], ["--unbind-timeout", "x"]):
    r = run(bad)
    check(r.returncode == 2, "%s exits 2 (got %d)" % (bad, r.returncode))

tree = tempfile.mkdtemp(prefix="vfio-guardd-binary.")
try:
    subprocess.run([sys.executable, make_tree, "--synthetic", "6", tree], check=True)
    sock_path = os.path.join(tree, "notify")
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(sock_path)
    s.settimeout(10)

    def start(args):
        env = dict(os.environ, NOTIFY_SOCKET=sock_path, WATCHDOG_USEC="400000")
        for k in ("JOURNAL_STREAM", "INVOCATION_ID", "LD_PRELOAD"):
            env.pop(k, None)
        return subprocess.Popen([daemon, "--root", tree] + args, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)

    def wait_for(word, timeout=10):
        end = time.monotonic() + timeout
        seen = []
        while time.monotonic() < end:
            try:
                msg = s.recv(4096).decode()
            except socket.timeout:
                break
            seen.append(msg)
            if word in msg:
                return msg, seen
        return None, seen

    def overrides():
        d = os.path.join(tree, "sys/bus/pci/devices")
        return {a: open(os.path.join(d, a, "driver_override")).read().strip() for a in sorted(os.listdir(d))}

    # Without --enforce: audit only, nothing written, a notice on stderr.
    before = overrides()
    p = start([])
    msg, _ = wait_for("READY=1")
    check(msg is not None and "STATUS=audit only: 6 virtio functions" in msg, "READY=1 with an audit STATUS: %r" % msg)
    p.send_signal(signal.SIGTERM)
    out, err = p.communicate(timeout=10)
    check(p.returncode == 0, "SIGTERM exits 0")
    check("without --enforce" in err, "notice about --enforce on stderr")
    check("would pin" in err, "would-be pins on stderr")
    check(overrides() == before, "nothing written without --enforce")

    # With --enforce: pins, watchdog, reload, stop.
    p = start(["--enforce"])
    msg, _ = wait_for("READY=1")
    check(msg is not None and "STATUS=6 virtio functions" in msg, "READY=1 with STATUS: %r" % msg)
    pinned = [a for a, v in overrides().items() if v == "virtio-pci"]
    check(len(pinned) > 0, "some synthetic functions pinned (%d)" % len(pinned))
    msg, _ = wait_for("WATCHDOG=1", timeout=3)
    check(msg is not None, "WATCHDOG=1 within 3 s with WATCHDOG_USEC=0.4 s")

    # Reload with Allow= for everything that was pinned: the daemon lifts its own pins.
    os.makedirs(os.path.join(tree, "etc"), exist_ok=True)
    with open(os.path.join(tree, "etc/vfio-guard.conf"), "w") as f:
        f.write("[Guard]\nAllow=%s\n" % " ".join(pinned))
    os.chmod(os.path.join(tree, "etc/vfio-guard.conf"), 0o644)
    p.send_signal(signal.SIGHUP)
    msg, seen = wait_for("READY=1")
    check(any("RELOADING=1" in m for m in seen), "RELOADING=1 before the reload")
    check(msg is not None and "0 pinned" in msg, "READY=1 after the reload, nothing pinned: %r" % msg)
    check(all(v != "virtio-pci" for v in overrides().values()), "own pins lifted after the reload")

    t0 = time.monotonic()
    p.send_signal(signal.SIGTERM)
    out, err = p.communicate(timeout=10)
    check(p.returncode == 0 and time.monotonic() - t0 < 2, "SIGTERM exits 0 at once")
    check("Allow= lets vfio have" in err, "Allow= on a bypassing function warned about")
    check("stopping" in err, "stop logged")
finally:
    shutil.rmtree(tree)

print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
