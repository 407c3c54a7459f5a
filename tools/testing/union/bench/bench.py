#!/usr/bin/python3
"""make bench: union mounts against the bare file system and overlayfs.

Makes the disk images (once; build/bench/img-SCALE), boots UML with them and
tools/testing/union/bench/guest.sh, and measures every workload there by the
CPU time the UML kernel process spends in host user mode: that is the guest
kernel's own work.  Guest wall time is reported too, but under UML every
guest system call is a ptrace round trip on the host, which hides the file
system's share of it.

The guest brackets each workload with marks on its /dev/tty2, which is a
pair of pipes to this script: "B name" and "E name".  At each mark this
script reads /proc/PID/stat of the UML kernel, then answers, and only then
does the guest go on; nothing else runs in the guest meanwhile.  The UML
kernel's CPU while idle (timers), measured at the start of each boot, is
subtracted in proportion to the workload's wall time.

Then the CONFIG_UNION_MOUNT=y kernel and one built with =n boot in turn,
several times each, for warm lookup walks on a plain (non-union) mount.

Results: build/bench/results.md (also printed), results.csv, samples.csv,
ratios.png.  Options: see --help.  DIRS_BELOW=0 or 1 in the environment
sets union.dirs_below in the guests.
"""
import argparse
import csv
import hashlib
import os
import random
import shutil
import statistics
import subprocess
import sys
import time

TOP = os.path.realpath(os.path.join(os.path.dirname(__file__), "../../../.."))
BUILD = os.environ.get("BUILD", os.path.join(TOP, "build"))
OUT = os.path.abspath(os.environ.get("BENCH_OUT", os.path.join(BUILD, "bench")))
# Bump when the trees change, so that old images are made again.
IMAGE_VERSION = "2"
TICK = os.sysconf("SC_CLK_TCK")


def log(*a):
    print("bench:", *a, file=sys.stderr, flush=True)


def run(*cmd, **kw):
    subprocess.run(cmd, check=True, **kw)


class Sizes:
    def __init__(self, scale, big_mb):
        s = scale
        self.walk_dirs = max(1, round(100 * s))     # x 10 subdirs x 100 files
        self.flat = max(100, round(100000 * s))
        self.small = max(100, round(10000 * s))
        self.copy = max(100, round(10000 * s))
        self.rm_dirs = max(1, round(100 * s))       # x 10 subdirs x 19 + 1 dirs
        self.create = max(100, round(20000 * s))
        self.big_mb = big_mb
        self.src_files = 6

    def key(self):
        return "-".join(str(v) for v in vars(self).values())


def write(path, data=b""):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    if data:
        os.write(fd, data)
    os.close(fd)


class Tree:
    """A tree split over layers: entry i goes to layer i % n, directories
    to every layer.  "all" is the whole tree."""

    def __init__(self, roots):
        self.roots = roots

    def mkdir(self, rel):
        for r in self.roots:
            os.makedirs(os.path.join(r, rel), exist_ok=True)

    def file(self, i, rel, data=b""):
        write(os.path.join(self.roots[i % len(self.roots)], rel), data)


def small_data(i):
    return bytes([97 + i % 26]) * (1024 + (i * 37) % 3072)


def make_trees(sz, trees, lists):
    """Write the trees: trees['all'] (the union's whole content, one
    lower), trees['l3'] (three roots, topmost first), trees['bare-w']
    (what the writing workloads need on the bare file system)."""
    one = Tree([trees["all"]])
    three = Tree(trees["l3"])
    barew = Tree([trees["bare-w"]])
    out = {k: [] for k in ("walk-lo", "walk-mix", "mix-up", "small", "copy", "flat")}
    both = (one, three)
    for t in ("walk-lo", "walk-mix"):
        i = 0
        for a in range(sz.walk_dirs):
            for b in range(10):
                d = f"{t}/d{a}/e{b}"
                for x in both:
                    x.mkdir(d)
                for c in range(100):
                    rel = f"{d}/f{c}"
                    for x in both:
                        x.file(i, rel)
                    out[t].append(rel)
                    if t == "walk-mix" and i % 3 == 1:
                        out["mix-up"].append(rel)
                    i += 1
    # The entries of flat are made by fill_flat(): mke2fs -d would take
    # an hour over a directory of 100k names (it searches it per name).
    for x in both + (barew,):
        x.mkdir("flat")
    for i in range(sz.flat):
        rel = f"flat/entry-{i:07d}"
        out["flat"].append(rel)
        if i % 3 == 1:
            out["mix-up"].append(rel)
    for t, n in (("small", sz.small), ("copy", sz.copy)):
        dirs = max(1, min(100, n // 100))
        targets = both + (barew,) if t == "small" else both
        for d in range(dirs):
            for x in targets:
                x.mkdir(f"{t}/d{d}")
        for i in range(n):
            rel = f"{t}/d{i % dirs}/{t[0]}{i}"
            for x in targets:
                x.file(i, rel, small_data(i))
            out[t].append(rel)
    i = 0
    for a in range(sz.rm_dirs):
        for b in range(10):
            d = f"rm/d{a}/e{b}"
            for x in both + (barew,):
                x.mkdir(d)
            for c in range(19):
                for x in both + (barew,):
                    x.file(i, f"{d}/r{c}", b"x" * 100)
                i += 1
    make_src(sz, one, three, barew)
    for k, v in out.items():
        with open(os.path.join(lists, k + ".list"), "w") as f:
            f.write("".join(p + "\n" for p in v))
    with open(os.path.join(lists, "big.list"), "w") as f:
        f.write("big\n")
    with open(os.path.join(lists, "params"), "w") as f:
        f.write(f"BIG_MB={sz.big_mb}\nCREATE_N={sz.create}\n")


def make_src(sz, *trees):
    """A small C project: a few files with some arithmetic, one program."""
    files = {}
    for k in range(sz.src_files):
        body = "".join(
            f"int f{k}_{j}(int x)\n{{\n\tint i, s = {j};\n\n"
            f"\tfor (i = 0; i < x; i++)\n\t\ts += (i * {k + 3}) ^ (s >> {j % 7 + 1});\n"
            f"\treturn s;\n}}\n\n" for j in range(40))
        files[f"m{k}.c"] = "#include \"p.h\"\n\n" + body
    files["p.h"] = "".join(f"int f{k}_{j}(int x);\n"
                           for k in range(sz.src_files) for j in range(40))
    files["main.c"] = ("#include <stdio.h>\n#include \"p.h\"\n\nint main(void)\n{\n"
                       f"\tprintf(\"%d\\n\", f0_1(10) + f{sz.src_files - 1}_2(20));\n"
                       "\treturn 0;\n}\n")
    objs = " ".join(f"m{k}.o" for k in range(sz.src_files)) + " main.o"
    files["Makefile"] = (f"CFLAGS = -O1 -Wall\nprog: {objs}\n\t$(CC) -o $@ $^\n"
                         f"$(patsubst %.o,%.c,{objs}): p.h\n")
    for t in trees:
        t.mkdir("src")
        for name, text in files.items():
            # The project is whole in every layer: a build reads all of it.
            for r in t.roots:
                write(os.path.join(r, "src", name), text.encode())


def mke2fs(src, img, size_mb, inodes):
    tmp = img + ".tmp"
    if os.path.exists(tmp):
        os.unlink(tmp)
    run("mke2fs", "-q", "-F", "-t", "ext2", "-b", "4096", "-N", str(inodes),
        "-d", src, tmp, f"{size_mb}m", stdout=subprocess.DEVNULL)
    os.rename(tmp, img)


def make_images(sz):
    d = os.path.join(OUT, "img-" + hashlib.sha1(
        (IMAGE_VERSION + sz.key()).encode()).hexdigest()[:10])
    stamp = os.path.join(d, "done")
    if os.path.exists(stamp):
        return d
    log("making the disk images in", d, "(once)")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    trees = {"all": os.path.join(d, "t-all"), "bare-w": os.path.join(d, "t-bare-w"),
             "l3": [os.path.join(d, f"t-l3-{i}") for i in range(3)]}
    lists = os.path.join(d, "lists")
    os.makedirs(lists)
    for t in [trees["all"], trees["bare-w"]] + trees["l3"]:
        os.makedirs(t)
    make_trees(sz, trees, lists)
    big = os.path.join(d, "big")
    with open(big, "wb") as f:
        rnd = random.Random(1)
        for _ in range(sz.big_mb):
            f.write(rnd.randbytes(1 << 20))
    for t in (trees["all"], trees["l3"][2]):
        os.link(big, os.path.join(t, "big"))
    os.unlink(big)
    files = (2 * sz.walk_dirs * 1100 + sz.flat + sz.small + sz.copy
             + sz.rm_dirs * 201 + 1000)
    inodes = files + files // 4 + 10000
    extra = 128 + files * 2 // 1000 + (sz.small + sz.copy) * 5 // 1000
    mke2fs(trees["all"], os.path.join(d, "lower-1.ext2"), sz.big_mb + extra + 64, inodes)
    for i, t in enumerate(trees["l3"]):
        mb = (sz.big_mb if i == 2 else 0) + extra + 64
        mke2fs(t, os.path.join(d, f"lower-3-{i}.ext2"), mb, inodes)
    mke2fs(trees["bare-w"], os.path.join(d, "bare-w.ext2"), extra + 64, inodes)
    for t in [trees["all"], trees["bare-w"]] + trees["l3"]:
        shutil.rmtree(t)
    fill_flat(d, sz)
    write(stamp)
    return d


def fill_flat(d, sz):
    """Make the entries of flat/ in each image with the UML kernel's ext2:
    all of them in lower-1 and bare-w, entry i in lower-3-(i % 3)."""
    imgs = ["lower-1", "bare-w", "lower-3-0", "lower-3-1", "lower-3-2"]
    script = ["set -e", "mkdir -p /tmp/f"]
    for n, name in enumerate(imgs):
        first, step = (0, 1) if n < 2 else (n - 2, 3)
        script += [f"mount -t ext2 /dev/ubd{'abcde'[n]} /tmp/f",
                   f"build/bin/union-bench entries /tmp/f/flat {first} {sz.flat} {step}",
                   "umount /tmp/f"]
    args = [os.path.join(TOP, "scripts/uml-run"), "--mem", "1G", "--timeout", "3600"]
    for name in imgs:
        args += ["--ubd", os.path.join(d, name + ".ext2")]
    log("filling flat/ in the images (UML)")
    run(*args, "--", "; ".join(script), stdout=subprocess.DEVNULL)


def build_nounion():
    """The UML kernel with CONFIG_UNION_MOUNT=n: build/uml-nounion/linux."""
    run(os.path.join(TOP, "scripts/build-kernel.sh"), os.path.join(BUILD, "uml-nounion"),
        os.path.join(TOP, "configs/uml.config"), os.path.join(TOP, "configs/no-union.config"),
        "--", "linux")
    return os.path.join(BUILD, "uml-nounion", "linux")


def proc_cpu(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) / TICK, int(fields[12]) / TICK


def boot(kernel, disks, mode, rounds, lists, mem, samples, boot_id, timeout):
    """One UML boot of guest.sh MODE; appends its marks to samples."""
    run_dir = os.path.join(BUILD, "run", f"bench-{os.getpid()}-{boot_id}")
    shutil.rmtree(run_dir, ignore_errors=True)
    h2g_r, h2g_w = os.pipe()
    g2h_r, g2h_w = os.pipe()
    os.dup2(h2g_r, 7)
    os.dup2(g2h_w, 8)
    args = [os.path.join(TOP, "scripts/uml-run"), "--kernel", kernel, "--mem", mem,
            "--timeout", str(timeout), "--results", run_dir, "--cmdline", "con2=fd:7,fd:8"]
    for path, rw in disks:
        args += ["--ubd" if rw else "--ubd-ro", path]
    below = os.environ.get("DIRS_BELOW", "")
    args += ["--", f"DIRS_BELOW={below} bash tools/testing/union/bench/guest.sh "
             f"{mode} {rounds} {lists}"]
    proc = subprocess.Popen(args, cwd=TOP, pass_fds=(7, 8))
    for fd in (7, 8, h2g_r, g2h_w):
        os.close(fd)
    pid = None
    begun = {}
    line = b""
    with os.fdopen(g2h_r, "rb", buffering=0) as g2h:
        while True:
            c = g2h.read(1)
            if not c:
                break
            if c not in b"\r\n":
                line += c
                continue
            text, line = line.decode(errors="replace").strip(), b""
            if not text:
                continue
            if pid is None:
                with open(os.path.join(run_dir, "uml", "pid")) as f:
                    pid = int(f.read())
            now = time.monotonic()
            user, system = proc_cpu(pid)
            what, _, name = text.partition(" ")
            if what == "B":
                begun[name] = (now, user, system)
            elif what == "E" and name in begun:
                t0, u0, s0 = begun.pop(name)
                # PHASE/WORKLOAD/CONFIG/ROUND[/PASSES]: values per pass.
                phase, workload, config, rnd, *passes = name.split("/")
                n = int(passes[0]) if passes else 1
                samples.append(dict(boot=boot_id, kernel=os.path.basename(os.path.dirname(kernel)),
                                    phase=phase, workload=workload, config=config,
                                    round=int(rnd), wall=(now - t0) / n, user=(user - u0) / n,
                                    system=(system - s0) / n, failed=0))
            elif what == "X":
                for s in samples:
                    if s["boot"] == boot_id and s["phase"] + "/" + s["workload"] + "/" + \
                            s["config"] + "/" + str(s["round"]) == name:
                        s["failed"] = 1
            os.write(h2g_w, b"ok\n")
    os.close(h2g_w)
    save_samples(samples)
    rc = proc.wait()
    if rc != 0:
        sys.exit(f"bench: the guest failed (exit {rc}); see {run_dir}/console.log")
    shutil.rmtree(run_dir, ignore_errors=True)


def save_samples(samples):
    """samples.csv, after every boot: a run cut short keeps what it has."""
    with open(os.path.join(OUT, "samples.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(samples[0].keys()) if samples else ["none"])
        w.writeheader()
        w.writerows(samples)


def scratch(name, mb):
    path = os.path.join(OUT, "disks", name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.truncate(0)
        f.truncate(mb << 20)
    return path


# Which configuration a union or overlayfs row is compared with, per phase.
def bare_for(phase, config):
    if phase == "read":
        return "bare"
    return {"t": "bare-tmpfs", "e": "bare-ext2"}[config[1]]


WORKLOADS = [
    # (phase, workload, description, target union/bare)
    ("read", "walk-lo-cold", "lstat walk, cold, files on the lower only", 1.03),
    ("read", "walk-lo-warm", "lstat walk, warm, files on the lower only", 1.03),
    ("read", "walk-mix-cold", "lstat walk, cold, a third copied up", 1.03),
    ("read", "walk-mix-warm", "lstat walk, warm, a third copied up", 1.03),
    ("write", "readdir-first", "first listing of a merged directory", None),
    ("read", "readdir-later", "later listing of a merged directory", 1.05),
    ("read", "read-small", "open+read+close of small lower files, warm", None),
    ("read", "seqread", "sequential read of the big lower file, warm", None),
    ("write", "copyup-small", "copy-up of small files (open for append)", None),
    ("write", "copyup-1g", "copy-up of the big file", None),
    ("write", "create", "untar-like create storm in lower directories", 1.05),
    ("write", "rm-rf", "rm -rf of a lower tree", 1.05),
    ("write", "build", "small C project build (make)", None),
]
STACKS = [("t", 1), ("t", 3), ("e", 1), ("e", 3)]


def median(xs):
    return statistics.median(xs) if xs else None


def analyse(samples, sz, rounds, note):
    idle, idle_all = {}, {}
    for s in samples:
        if s["workload"] == "idle":
            idle.setdefault(s["boot"], []).append(s["user"] / s["wall"])
            idle_all.setdefault(s["boot"], []).append((s["user"] + s["system"]) / s["wall"])
    for s in samples:
        rate = median(idle.get(s["boot"], [0.0]))
        s["kcpu"] = max(0.0, s["user"] - rate * s["wall"])
        # The host splits a process's time into user and system by its
        # own sampling; user + system cross-checks the split.
        rate = median(idle_all.get(s["boot"], [0.0]))
        s["kcpu_all"] = max(0.0, s["user"] + s["system"] - rate * s["wall"])
    by = {}
    failed = set()
    for s in samples:
        if s["round"] == 0 or s["workload"] == "idle":
            continue
        if s["failed"]:
            failed.add((s["phase"], s["workload"], s["config"]))
            continue
        by.setdefault((s["phase"], s["workload"], s["config"], s["kernel"]), []).append(s)

    def med(phase, workload, config, field, kernel="union"):
        v = by.get((phase, workload, config, kernel))
        return median([s[field] for s in v]) if v else None

    rows = []
    for phase, w, desc, target in WORKLOADS:
        for top, n in STACKS:
            u, o = f"u{top}{n}", f"o{top}{n}"
            b = bare_for(phase, u)
            if w.startswith("copyup"):
                b = None
            row = dict(workload=w, desc=desc, top={"t": "tmpfs", "e": "ext2"}[top], lowers=n,
                       target=target,
                       bare=med(phase, w, b, "kcpu") if b else None,
                       union=med(phase, w, u, "kcpu"), overlay=med(phase, w, o, "kcpu"),
                       all_bare=med(phase, w, b, "kcpu_all") if b else None,
                       all_union=med(phase, w, u, "kcpu_all"),
                       all_overlay=med(phase, w, o, "kcpu_all"),
                       wall_bare=med(phase, w, b, "wall") if b else None,
                       wall_union=med(phase, w, u, "wall"), wall_overlay=med(phase, w, o, "wall"))
            row["overlay_failed"] = (phase, w, o) in failed
            rows.append(row)
    walk_y = [s["kcpu"] for s in samples if s["phase"] == "walk" and s["round"] and s["kernel"] == "union"]
    walk_n = [s["kcpu"] for s in samples if s["phase"] == "walk" and s["round"] and s["kernel"] == "nounion"]
    return rows, (median(walk_y), median(walk_n), len(walk_y), len(walk_n))


def ratio(a, b):
    return a / b if a is not None and b else None


def fmt(x, unit=""):
    if x is None:
        return "–"
    return f"{x:.3f}{unit}" if unit == "" else f"{x * 1000:.0f}{unit}"


def report(rows, nonunion, sz, rounds, boots, elapsed):
    lines = ["# Union mounts benchmark", "",
             f"Guest kernel CPU (host user time of the UML kernel process, idle subtracted), "
             f"median of {rounds} interleaved rounds; ms.  Wall: guest wall time, ms.  "
             f"Sizes: {sz.walk_dirs * 1000} files per walk tree, {sz.flat} entries in the merged "
             f"directory, {sz.small} small files read, {sz.copy} copied up, "
             f"{sz.rm_dirs * 201} entries removed, {sz.create} created, big file {sz.big_mb} MiB.  "
             f"Bare: the lower ext2 itself for reads; for writes a read-write copy of the same "
             f"tree on the top layer's file system type.  u+s: the same ratios from host user + "
             f"system time (a cross-check: the host's split between the two is by sampling).  "
             f"The host counts CPU time in 10 ms ticks: the short workloads (later listings, "
             f"small-file reads, the sequential read, the y/n walks) run several passes between "
             f"marks (guest.sh says how many); the figures are per pass.", "",
             "| workload | top | lowers | bare | union | overlayfs | union/bare | union/overlayfs "
             "| target | wall bare | wall union | wall overlayfs "
             "| u+s union/bare | u+s union/overlayfs |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        ub, uo = ratio(r["union"], r["bare"]), ratio(r["union"], r["overlay"])
        verdict = []
        if r["target"] is not None and ub is not None:
            verdict.append(f"≤{r['target']:.2f} vs bare: " + ("met" if ub <= r["target"] else "NOT met"))
        if uo is not None:
            verdict.append("≤ overlayfs: " + ("met" if uo <= 1.0 else "NOT met"))
        ov = "fails" if r["overlay_failed"] else fmt(r["overlay"], " ")
        lines.append(f"| {r['desc']} | {r['top']} | {r['lowers']} | {fmt(r['bare'], ' ')} | "
                     f"{fmt(r['union'], ' ')} | {ov} | {fmt(ub)} | {fmt(uo)} | "
                     f"{'; '.join(verdict) or '–'} | {fmt(r['wall_bare'], ' ')} | "
                     f"{fmt(r['wall_union'], ' ')} | {fmt(r['wall_overlay'], ' ')} | "
                     f"{fmt(ratio(r['all_union'], r['all_bare']))} | "
                     f"{fmt(ratio(r['all_union'], r['all_overlay']))} |")
    y, n, ny, nn = nonunion
    lines += ["", "## Non-union mount: CONFIG_UNION_MOUNT=y against =n", "",
              f"Warm lstat walk of the bare lower ({sz.walk_dirs * 1000} files), {boots} boots of "
              f"each kernel in turn; medians of {ny} and {nn} walks.", "",
              "| kernel | guest kernel CPU (ms) |", "|---|---|",
              f"| CONFIG_UNION_MOUNT=y | {fmt(y, ' ')} |", f"| CONFIG_UNION_MOUNT=n | {fmt(n, ' ')} |",
              f"| y / n | {fmt(ratio(y, n))} (target ≤ 1.005) |", "",
              f"Whole run: {elapsed / 60:.1f} min."]
    return "\n".join(lines) + "\n"


def chart(rows, path):
    data = os.path.join(OUT, "ratios.dat")
    with open(data, "w") as f:
        for r in rows:
            ub, uo = ratio(r["union"], r["bare"]), ratio(r["union"], r["overlay"])
            label = f"{r['workload']} {r['top'][0]}{r['lowers']}"
            f.write(f"\"{label}\" {ub if ub is not None else '-'} {uo if uo is not None else '-'}\n")
    script = f"""set terminal pngcairo size 1600,700
set output '{path}'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set datafile missing '-'
set xtics rotate by -60 font ',8'
set ylabel 'guest kernel CPU ratio'
set yrange [0:*]
set grid ytics
set key top left
set arrow from graph 0, first 1 to graph 1, first 1 nohead lw 2 dt 2
plot '{data}' using 2:xtic(1) title 'union / bare', '' using 3 title 'union / overlayfs'
"""
    try:
        subprocess.run(["gnuplot"], input=script.encode(), check=True)
    except (OSError, subprocess.CalledProcessError) as e:
        log("no chart:", e)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--rounds", type=int, default=int(os.environ.get("BENCH_ROUNDS", 3)))
    p.add_argument("--scale", type=float, default=float(os.environ.get("BENCH_SCALE", 1)))
    p.add_argument("--big-mb", type=int, default=int(os.environ.get("BENCH_BIG_MB", 1024)))
    p.add_argument("--boots", type=int, default=int(os.environ.get("BENCH_BOOTS", 3)),
                   help="boots of each kernel for the CONFIG_UNION_MOUNT=y/n walks")
    p.add_argument("--skip", default=os.environ.get("BENCH_SKIP", ""),
                   help="'main' or 'walk': leave that part out")
    p.add_argument("--report-only", action="store_true",
                   help="only make the report again from samples.csv")
    a = p.parse_args()
    if a.report_only:
        with open(os.path.join(OUT, "samples.csv")) as f:
            samples = [{k: v if k in ("boot", "kernel", "phase", "workload", "config")
                        else float(v) for k, v in r.items()} for r in csv.DictReader(f)]
        for s in samples:
            s["round"] = int(s["round"])
        sz = Sizes(a.scale, a.big_mb)
        rows, nonunion = analyse(samples, sz, a.rounds, "")
        text = report(rows, nonunion, sz, a.rounds, a.boots, 0)
        with open(os.path.join(OUT, "results.md"), "w") as f:
            f.write(text)
        chart(rows, os.path.join(OUT, "ratios.png"))
        print(text)
        return
    start = time.monotonic()
    os.makedirs(OUT, exist_ok=True)
    sz = Sizes(a.scale, a.big_mb)
    img = make_images(sz)
    lists = os.path.join(img, "lists")
    # Copies: a rebuild during the run must not change what is measured.
    kernels = os.path.join(OUT, "kernels")
    os.makedirs(kernels, exist_ok=True)
    kernel_y = os.path.join(kernels, "union", "linux")
    os.makedirs(os.path.dirname(kernel_y), exist_ok=True)
    shutil.copy2(os.path.join(BUILD, "uml", "linux"), kernel_y)
    samples = []
    if "main" not in a.skip:
        disks = [(os.path.join(img, "lower-1.ext2"), False)]
        disks += [(os.path.join(img, f"lower-3-{i}.ext2"), False) for i in range(3)]
        disks += [(os.path.join(img, "bare-w.ext2"), False)]
        disks += [(scratch(f"read-{i}.img", 2048), True) for i in range(4)]
        disks += [(scratch("write.img", a.big_mb + 2048), True)]
        disks += [(scratch("bare-w.img", os.path.getsize(disks[4][0]) >> 20), True)]
        log(f"main boot: {a.rounds} rounds")
        boot(kernel_y, disks, "main", a.rounds, lists, "6G", samples, "main", 6 * 3600)
        shutil.rmtree(os.path.join(OUT, "disks"), ignore_errors=True)
    if "walk" not in a.skip:
        kernel_n = os.path.join(kernels, "nounion", "linux")
        os.makedirs(os.path.dirname(kernel_n), exist_ok=True)
        shutil.copy2(build_nounion(), kernel_n)
        for b in range(a.boots):
            for k in (kernel_y, kernel_n) if b % 2 == 0 else (kernel_n, kernel_y):
                log(f"walk boot {b + 1}/{a.boots}: {k}")
                boot(k, [(os.path.join(img, "lower-1.ext2"), False)], "walk", a.rounds, lists,
                     "2G", samples, f"walk{b}-{os.path.basename(os.path.dirname(k))}", 3600)
    save_samples(samples)
    rows, nonunion = analyse(samples, sz, a.rounds, "")
    with open(os.path.join(OUT, "results.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
        w.writeheader()
        w.writerows(rows)
    text = report(rows, nonunion, sz, a.rounds, a.boots, time.monotonic() - start)
    with open(os.path.join(OUT, "results.md"), "w") as f:
        f.write(text)
    chart(rows, os.path.join(OUT, "ratios.png"))
    print(text)


if __name__ == "__main__":
    main()
