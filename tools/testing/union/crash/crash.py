#!/usr/bin/python3
"""make crash: kill the UML guest at random moments while it changes a union,
then check that the ext2 top layer recovers and shows no half-done copy-up.

Each round: a fresh ext2 top layer (a copy of an empty image) over a squashfs
lower layer (build/crash/); the guest (guest.sh work) copies files up by
chmod, appends with fsync, renames lower directories, lists and completes
directories (fallthrus, then the complete flag, as an rmdir() that finds
them not empty does) and copies up files in them by utime; after a random
delay once it has started, the whole UML process group gets SIGKILL.  Then
on the host: e2fsck -fp on the top layer (our e2fsprogs, which knows the
union's entries) must end with status 0 or 1 (fixed), e2fsck -fn must find
it clean, and a second boot
(guest.sh verify) must see every file as the lower layer has it (copy-up
never changes data, and never leaves a part-copied file), every fsynced
line, each renamed directory under one name, and every listing complete.

Options: --rounds N (CRASH_ROUNDS, default 50), --seed S (CRASH_SEED,
default 1), --max-delay SECONDS (default 3).  Exit status 0 when every
round passed.  The lower image, the top layer of the round that failed
and its logs stay in build/crash/.
"""
import argparse
import hashlib
import os
import random
import select
import shutil
import signal
import subprocess
import sys
import time

TOP = os.path.realpath(os.path.join(os.path.dirname(__file__), "../../../.."))
BUILD = os.environ.get("BUILD", os.path.join(TOP, "build"))
OUT = os.path.join(BUILD, "crash")
GUEST = "tools/testing/union/crash/guest.sh"
IMAGE_VERSION = "1"


def log(*a):
    print("crash:", *a, file=sys.stderr, flush=True)


def make_tree(src):
    """The lower tree guest.sh expects; file data from a fixed generator."""
    rng = random.Random(4242)
    os.makedirs(os.path.join(src, "c"))
    for k in range(20):
        size = rng.choice([0, 1, 4095, 4096, 70000, 1 << 20, 4 << 20])
        block = hashlib.sha256(b"f%d" % k).digest() * 128
        with open(os.path.join(src, "c", "f%d" % k), "wb") as f:
            left = size
            while left > 0:
                f.write(block[:left])
                left -= len(block[:left])
    os.makedirs(os.path.join(src, "a"))
    for k in range(4):
        with open(os.path.join(src, "a", "l%d" % k), "w") as f:
            f.write("lower a/l%d\n" % k)
    for k in range(4):
        d = os.path.join(src, "r%d" % k)
        os.makedirs(os.path.join(d, "sub"))
        for j in range(5):
            with open(os.path.join(d, "g%d" % j), "w") as f:
                f.write("r%d/g%d\n" % (k, j))
        with open(os.path.join(d, "sub", "s"), "w") as f:
            f.write("r%d/sub/s\n" % k)
    for k in range(4):
        d = os.path.join(src, "flat%d" % k)
        os.makedirs(d)
        for j in range(500):
            open(os.path.join(d, "n%03d" % j), "w").close()


def images():
    img = os.path.join(OUT, "img-" + IMAGE_VERSION)
    lower = os.path.join(img, "lower.sqfs")
    empty = os.path.join(img, "empty.ext2")
    if os.path.exists(empty):
        return lower, empty
    shutil.rmtree(img, ignore_errors=True)
    src = os.path.join(img, "src")
    make_tree(src)
    subprocess.run(["mksquashfs", src, lower, "-noappend", "-quiet",
                    "-no-progress"], check=True)
    os.makedirs(os.path.join(img, "e"))
    subprocess.run([os.path.join(BUILD, "bin", "mke2fs"), "-q", "-F", "-t", "ext2",
                    "-b", "1024", "-I", "128", tmp_name(empty), "64M"], check=True)
    os.rename(tmp_name(empty), empty)
    shutil.rmtree(src)
    return lower, empty


def tmp_name(path):
    return path + ".tmp"


def uml(cmd, disks, rundir, timeout):
    args = [os.path.join(TOP, "scripts/uml-run"), "--mem", "256M",
            "--timeout", str(timeout), "--results", rundir, "--keep"]
    for path, rw in disks:
        args += ["--ubd" if rw else "--ubd-ro", path]
    return args + ["--", cmd]


def kill_group(rundir):
    try:
        with open(os.path.join(rundir, "uml", "pid")) as f:
            pid = int(f.read())
        os.killpg(pid, signal.SIGKILL)
        return True
    except (OSError, ValueError):
        return False


def work_round(lower, upper, rundir, seed, delay):
    """Boot guest.sh work; SIGKILL it DELAY seconds after GO.  Returns the
    SYNCED lines seen before the kill."""
    synced = []
    proc = subprocess.Popen(uml(f"bash {GUEST} work {seed}",
                                [(lower, False), (upper, True)], rundir, 120),
                            cwd=TOP, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    deadline = None
    os.set_blocking(proc.stdout.fileno(), False)
    buf = b""
    killed = False
    while True:
        chunk = proc.stdout.read()
        if chunk:
            buf += chunk
            *lines, buf = buf.split(b"\n")
            for line in lines:
                text = line.decode(errors="replace").strip()
                if text == "GO" and deadline is None:
                    deadline = time.monotonic() + delay
                elif text.startswith("SYNCED "):
                    synced.append(text[len("SYNCED "):])
                elif text.startswith("MISMATCH"):
                    log(text)
        if deadline is not None and time.monotonic() >= deadline and not killed:
            killed = kill_group(rundir)
        if proc.poll() is not None:
            break
        # Wake up when the guest writes, or in time for the kill.
        select.select([proc.stdout], [], [], 0.01)
    rest = proc.stdout.read() or b""
    for line in (buf + rest).split(b"\n"):
        text = line.decode(errors="replace").strip()
        if text.startswith("SYNCED "):
            synced.append(text[len("SYNCED "):])
    return killed, synced


def fsck(upper):
    e2fsck = os.path.join(BUILD, "bin", "e2fsck")
    p = subprocess.run([e2fsck, "-fp", upper], capture_output=True, text=True)
    q = subprocess.run([e2fsck, "-fn", upper], capture_output=True, text=True)
    return p.returncode, p.stdout + p.stderr, q.returncode, q.stdout + q.stderr


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=int(os.environ.get("CRASH_ROUNDS", 50)))
    ap.add_argument("--seed", type=int, default=int(os.environ.get("CRASH_SEED", 1)))
    ap.add_argument("--max-delay", type=float, default=3.0)
    a = ap.parse_args()

    os.makedirs(OUT, exist_ok=True)
    lower, empty = images()
    rng = random.Random(a.seed)
    upper = os.path.join(OUT, "upper.ext2")
    rundir = os.path.join(OUT, "run")
    stats = dict(killed=0, finished=0, fixed=0, synced=0)
    for r in range(a.rounds):
        seed = rng.randrange(1, 1 << 15)
        delay = rng.uniform(0.05, a.max_delay)
        shutil.copyfile(empty, upper)
        shutil.rmtree(rundir, ignore_errors=True)
        killed, synced = work_round(lower, upper, rundir, seed, delay)
        if not killed:
            log(f"round {r}: the guest ended before the kill; see {rundir}")
            return 1
        stats["killed"] += 1
        stats["synced"] += len(synced)
        prc, pout, nrc, nout = fsck(upper)
        if prc not in (0, 1) or nrc != 0:
            log(f"round {r} (seed {seed}, {delay:.2f}s): e2fsck -fp exit {prc}, -fn exit {nrc}")
            log(pout + nout)
            return 1
        if prc == 1:
            stats["fixed"] += 1
        shutil.rmtree(rundir, ignore_errors=True)
        os.makedirs(rundir)
        with open(os.path.join(rundir, "synced"), "w") as f:
            f.write("".join(s + "\n" for s in synced))
        v = subprocess.run(uml(f"bash {GUEST} verify", [(lower, False), (upper, True)],
                               rundir, 120), cwd=TOP, capture_output=True, text=True)
        if v.returncode != 0 or "VERIFY OK" not in v.stdout:
            log(f"round {r} (seed {seed}, killed {delay:.2f}s after GO): verify failed "
                f"(exit {v.returncode})")
            log(v.stdout + v.stderr)
            log(f"the top layer is in {upper}")
            return 1
        log(f"round {r}: seed {seed}, killed {delay:.2f}s after GO, "
            f"{len(synced)} fsynced appends, e2fsck -fp exit {prc}: ok")
    shutil.rmtree(rundir, ignore_errors=True)
    print(f"crash: {stats['killed']} kills survived; e2fsck -fp fixed the top layer "
          f"after {stats['fixed']}; {stats['synced']} fsynced appends all found")
    return 0


if __name__ == "__main__":
    sys.exit(main())
