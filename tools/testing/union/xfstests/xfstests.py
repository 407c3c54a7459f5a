#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Run fstests (xfstests) on union mounts and on the bare top layer.

    tools/testing/union/xfstests/xfstests.py [options] [TEST...]

Builds fstests from ../shared/third_party/xfstests-*.tar.gz (or
$XFSTESTS_TARBALL) into build/xfstests/, then runs TEST... (default: the
whole generic group) in UML guests, once per top layer (ext2, tmpfs) and
mode: "bare" mounts the top file system alone, "union" mounts it as the
top layer of a union over an empty squashfs lower, the way overlayfs's
-overlay runs put an empty lower under its upper.  Each (top, mode) is a
configuration with its own directory build/xfstests/results/TOP-MODE/:
done.tsv (one line per finished test: name, status, reason) and fstests'
own result files from each boot (boot-N/run/results/generic/NNN.*).

A guest runs the tests in chunks of fstests' ./check.  A test that runs
longer than --test-timeout, or that kills the guest's kernel, is recorded
as "hung" or "crashed" and the next boot goes on after it.  A run stopped
half-way (SIGINT, SIGTERM) records nothing of its unfinished chunks; with
--resume it goes on where it stopped.

At the end, build/xfstests/report.md compares every union configuration
with the bare one on the same top layer: counts, and the tests whose
results differ.  Exit status 0 when every test that passes bare passes on
the union too, 1 otherwise, 2 when fstests cannot be built or a
configuration stops making progress.
"""

import argparse
import glob
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.abspath(os.path.join(HERE, '../../../..'))
BUILD = os.environ.get('BUILD', os.path.join(TOP, 'build'))
WORK = os.path.join(BUILD, 'xfstests')
CHUNK = 5
STOP = []


def die(msg, code=2):
    print('xfstests: ' + msg, file=sys.stderr)
    sys.exit(code)


def tarball():
    t = os.environ.get('XFSTESTS_TARBALL')
    if t:
        if not os.path.isfile(t):
            die('XFSTESTS_TARBALL=%s: no such file' % t)
        return t
    found = sorted(glob.glob(os.path.join(TOP, '../shared/third_party/'
                                          'xfstests-*.tar.gz')))
    if not found:
        die('no fstests source: make xfstests needs '
            '../shared/third_party/xfstests-*.tar.gz next to the '
            'repository, or XFSTESTS_TARBALL=FILE (a tarball of fstests '
            'with its tree under xfstests/)')
    return found[-1]


def build_fstests():
    """Build fstests once per tarball; returns the tree."""
    tar = tarball()
    src = os.path.join(WORK, 'src')
    tree = os.path.join(src, 'xfstests')
    stamp = os.path.join(src, '.built')
    # The build changes with the libraries install-deps.sh installs.
    deps = open(os.path.join(TOP, 'scripts/install-deps.sh'), 'rb').read()
    key = '%s %d %08x\n' % (os.path.basename(tar), os.path.getsize(tar),
                            zlib.crc32(deps))
    if os.path.exists(stamp) and open(stamp).read() == key:
        return tree
    if subprocess.call([os.path.join(TOP, 'scripts/install-deps.sh'),
                        'xfstests']):
        die('cannot install what fstests needs')
    shutil.rmtree(src, ignore_errors=True)
    os.makedirs(src)
    print('  FSTESTS %s' % os.path.relpath(tar, TOP))
    subprocess.check_call(['tar', '-C', src, '-xzf', tar])
    if not os.path.isdir(tree):
        die('%s holds no xfstests/ directory' % tar)
    log = os.path.join(WORK, 'build.log')
    with open(log, 'w') as f:
        if subprocess.call(['make', '-j%d' % (os.cpu_count() or 2)],
                           cwd=tree, stdout=f, stderr=subprocess.STDOUT):
            die('building fstests failed: see %s' % log)
    with open(stamp, 'w') as f:
        f.write(key)
    return tree


def group_tests(tree, group, first):
    """The tests of GROUP: "generic" (all of them) or "generic/quick";
    those tagged with a word of FIRST first, each part in number order."""
    d, _, tag = group.partition('/')
    names = sorted(n for n in os.listdir(os.path.join(tree, 'tests', d))
                   if re.fullmatch(r'\d+', n))
    head, tail = [], []
    for n in names:
        with open(os.path.join(tree, 'tests', d, n)) as f:
            m = re.search(r'^_begin_fstest (.*)$', f.read(), re.M)
        tags = m.group(1).split() if m else []
        if tag and tag not in tags:
            continue
        (head if set(tags) & set(first) else tail).append('%s/%s' % (d, n))
    return head + tail


def read_done(cfg):
    done = {}
    path = os.path.join(cfg, 'done.tsv')
    if os.path.exists(path):
        for line in open(path):
            name, status, reason = (line.rstrip('\n').split('\t') + [''])[:3]
            done[name] = (status, reason)
    return done


def record(cfg, name, status, reason=''):
    with open(os.path.join(cfg, 'done.tsv'), 'a') as f:
        f.write('%s\t%s\t%s\n' % (name, status, reason.replace('\n', ' ')))


def chunk_results(boot):
    """What the guest's finished chunks say: {test: status}.  A test of a
    finished chunk that ./check did not report ran into an error of
    fstests itself (its configuration, a mount of the test device)."""
    res = {}
    for log in sorted(glob.glob(os.path.join(boot, 'run/chunk-*.log'))):
        text = open(log, errors='replace').read()
        m = re.search(r'^xfstests-guest: chunk (.*) done$', text, re.M)
        if not m:
            continue
        lists = {}
        for key in ('Ran', 'Not run', 'Failures'):
            found = re.findall(r'^%s: (.*)$' % key, text, re.M)
            lists[key] = ' '.join(found).split()
        for t in lists['Ran']:
            res[t] = 'pass'
        for t in lists['Not run']:
            res[t] = 'notrun'
        for t in lists['Failures']:
            res[t] = 'fail'
        for t in m.group(1).split():
            res.setdefault(t, 'error')
    return res


def reason_of(boot, name, status):
    d = os.path.join(boot, 'run/results')
    if status == 'notrun':
        p = os.path.join(d, name + '.notrun')
        return open(p, errors='replace').read().strip() if os.path.exists(p) else ''
    if status == 'error':
        return './check did not report it (see the chunk\'s log)'
    if status == 'fail':
        for suffix, what in (('.dmesg', 'kernel messages'),
                             ('.out.bad', 'output mismatch')):
            if os.path.exists(os.path.join(d, name + suffix)):
                return what
        p = os.path.join(d, name + '.full')
        if os.path.exists(p) and 'is inconsistent' in open(
                p, errors='replace').read():
            return 'file system check failed'
    return ''


def started_tests(boot):
    """Tests the guest's kernel saw start, in order."""
    p = os.path.join(boot, 'run/console.log')
    if not os.path.exists(p):
        return []
    return re.findall(r'run fstests (\S+) at', open(p, errors='replace').read())


def boot_once(args, tree, cfg, top, mode, todo, n):
    """One guest over TODO; records what finished.  Returns the number of
    tests recorded."""
    boot = os.path.join(cfg, 'boot-%d' % n)
    shutil.rmtree(boot, ignore_errors=True)
    os.makedirs(os.path.join(boot, 'run'))
    lst = os.path.join(boot, 'list')
    with open(lst, 'w') as f:
        f.write('\n'.join(todo) + '\n')
    disks = []
    if top == 'ext2':
        for d in ('test', 'scratch'):
            img = os.path.join(boot, d + '.img')
            with open(img, 'wb') as f:
                f.truncate(args.disk_gb << 30)
            disks += ['--ubd', img]
    cmd = [os.path.join(TOP, 'scripts/uml-run'), '--mem', args.mem,
           '--kernel', os.path.join(WORK, 'linux'),
           '--timeout', str(args.test_timeout * len(todo) + 600),
           '--results', os.path.join(boot, 'run'),
           '--ubd-ro', os.path.join(WORK, 'lower.sqfs')] + disks + [
           '--', 'bash %s %s %s %s %s %d' % (
               os.path.relpath(os.path.join(HERE, 'guest.sh'), TOP),
               mode, top, tree, lst, CHUNK)]
    out = open(os.path.join(boot, 'output.log'), 'w')
    proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT,
                            cwd=TOP, start_new_session=True)
    recorded = set()

    def record_finished():
        for t, st in chunk_results(boot).items():
            if t in todo and t not in recorded:
                record(cfg, t, st, reason_of(boot, t, st))
                recorded.add(t)

    last, since, killed = None, time.time(), 0
    while proc.poll() is None:
        if not killed and (STOP or time.time() - since > args.test_timeout):
            killed = time.time()
            os.killpg(proc.pid, signal.SIGTERM)
        elif killed and time.time() - killed > 60:
            os.killpg(proc.pid, signal.SIGKILL)
        time.sleep(5)
        record_finished()
        s = started_tests(boot)
        cur = s[-1] if s else None
        if cur != last:
            last, since = cur, time.time()
    out.close()
    rc = proc.returncode
    record_finished()
    for img in disks[1::2]:
        os.unlink(img)
    # A test that never finished: the last one the kernel saw start.
    s = started_tests(boot)
    if not STOP and s and s[-1] not in recorded and s[-1] in todo:
        why = ('ran over %ds' % args.test_timeout if killed else
               'the guest died (uml-run exit %d)' % rc)
        record(cfg, s[-1], 'hung' if killed else 'crashed', why)
        recorded.add(s[-1])
    return len(recorded)


def run_config(args, tree, tests, top, mode):
    cfg = os.path.join(WORK, 'results', '%s-%s' % (top, mode))
    if not args.resume:
        shutil.rmtree(cfg, ignore_errors=True)
    os.makedirs(cfg, exist_ok=True)
    n = len(glob.glob(os.path.join(cfg, 'boot-*')))
    while not STOP:
        done = read_done(cfg)
        todo = [t for t in tests if t not in done]
        if not todo:
            return
        print('  XFSTESTS %s-%s: %d of %d to run (boot %d)' %
              (top, mode, len(todo), len(tests), n), flush=True)
        if not boot_once(args, tree, cfg, top, mode, todo, n) and not STOP:
            die('%s-%s: boot %d finished no test; see %s' %
                (top, mode, n, os.path.join(cfg, 'boot-%d' % n)))
        n += 1


def counts(done, tests):
    c = {'ran': 0, 'pass': 0, 'fail': 0, 'notrun': 0, 'hung': 0,
         'crashed': 0, 'error': 0, 'missing': 0}
    for t in tests:
        st = done.get(t, ('missing', ''))[0]
        c[st] = c.get(st, 0) + 1
        if st in ('pass', 'fail', 'hung', 'crashed', 'error'):
            c['ran'] += 1
    return c


def report(args, tests):
    lines = ['# fstests on union mounts', '',
             '%d tests asked for (%s).  "ran" counts passed, failed, hung '
             'and crashed tests; "not run" are those fstests itself skips '
             '(the reason is in boot-N/run/results/generic/NNN.notrun); '
             '"error": fstests did not report the test.' %
             (len(tests), ' '.join(args.tests) if args.tests else args.group),
             '',
             '| top | mode | ran | passed | failed | not run | hung | '
             'crashed | error | not yet run |',
             '|---|---|---|---|---|---|---|---|---|---|']
    regress = 0
    detail = []
    for top in args.tops:
        done = {}
        for mode in args.modes:
            cfg = os.path.join(WORK, 'results', '%s-%s' % (top, mode))
            done[mode] = read_done(cfg)
            c = counts(done[mode], tests)
            lines.append('| %s | %s | %d | %d | %d | %d | %d | %d | %d | %d |'
                         % (top, mode, c['ran'], c['pass'], c['fail'],
                            c['notrun'], c['hung'], c['crashed'], c['error'],
                            c['missing']))
        if 'bare' not in done or 'union' not in done:
            continue
        diff = []
        for t in tests:
            b = done['bare'].get(t, ('missing', ''))
            u = done['union'].get(t, ('missing', ''))
            if b[0] != u[0] and 'missing' not in (b[0], u[0]):
                diff.append('| %s | %s | %s | %s |' % (
                    t, b[0], u[0], u[1] or b[1]))
                if b[0] == 'pass':
                    regress += 1
        detail += ['', '## %s: results that differ, bare and union' % top,
                   '']
        detail += (['| test | bare | union | reason |', '|---|---|---|---|']
                   + diff) if diff else ['None.']
    lines += detail
    lines += ['', 'Tests that pass bare and not on a union (of those run in '
              'both): %d.' % regress]
    path = os.path.join(WORK, 'report.md')
    with open(path, 'w') as f:
        f.write('\n'.join(lines) + '\n')
    print('\n'.join(lines))
    print('\n(%s)' % os.path.relpath(path, TOP))
    return regress


def stop(signum, frame):
    STOP.append(signum)


def main():
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    ap = argparse.ArgumentParser(
        description=__doc__.split('\n')[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog='\n'.join(__doc__.split('\n')[3:]))
    ap.add_argument('tests', nargs='*', help='tests (generic/001 ...)')
    ap.add_argument('--group', default=os.environ.get('XFSTESTS_GROUP',
                                                      'generic'),
                    help='when no TEST: "generic", or a tag of it as '
                    '"generic/quick" (default generic)')
    ap.add_argument('--first', default='rename acl attr perms dir idmapped',
                    help='run the tests of these fstests groups '
                    'first (what a union changes most; default "%(default)s")')
    ap.add_argument('--tops', default=os.environ.get('XFSTESTS_TOPS',
                                                     'ext2 tmpfs'),
                    help='top layers (default "ext2 tmpfs")')
    ap.add_argument('--modes', default='bare union')
    ap.add_argument('--jobs', type=int, default=int(os.environ.get(
        'JOBS', '2')), help='configurations at once (default 2)')
    ap.add_argument('--test-timeout', type=int, default=int(
        os.environ.get('XFSTESTS_TEST_TIMEOUT', '1200')),
        help='seconds before a test counts as hung (default 1200)')
    ap.add_argument('--disk-gb', type=int, default=4)
    ap.add_argument('--mem', default='1G')
    ap.add_argument('--resume', action='store_true',
                    help='keep finished results; run the rest (with the '
                    'kernel they ran on)')
    ap.add_argument('--report', action='store_true',
                    help='only write the report of the results there are')
    ap.add_argument('--config', help=argparse.SUPPRESS)
    args = ap.parse_args()
    args.tops = args.tops.split()
    args.modes = args.modes.split()

    tree = build_fstests()
    tests = args.tests or group_tests(tree, args.group, args.first.split())
    if args.report:
        sys.exit(1 if report(args, tests) else 0)
    if args.config:
        top, mode = args.config.split('-')
        run_config(args, tree, tests, top, mode)
        return
    if not os.access(os.path.join(BUILD, 'linux'), os.X_OK):
        die('no UML kernel: run make first')
    # A copy, so that the kernel can be rebuilt while the tests run.
    kernel = os.path.join(WORK, 'linux')
    if not (args.resume and os.path.exists(kernel)):
        shutil.copy(os.path.join(BUILD, 'linux'), kernel + '.new')
        os.rename(kernel + '.new', kernel)
    lower = os.path.join(WORK, 'lower.sqfs')
    empty = os.path.join(WORK, 'lower-empty')
    os.makedirs(empty, exist_ok=True)
    subprocess.check_call(['mksquashfs', empty, lower, '-noappend',
                           '-quiet', '-no-progress'])
    # Each configuration in a process of its own, --jobs at once.
    pending = [(t, m) for t in args.tops for m in args.modes]
    running = []
    failed = False
    extra = ['--resume'] if args.resume else []
    while (pending or running) and not STOP:
        while pending and len(running) < args.jobs:
            t, m = pending.pop(0)
            running.append(subprocess.Popen(
                [sys.executable, os.path.abspath(__file__),
                 '--config', '%s-%s' % (t, m), '--test-timeout',
                 str(args.test_timeout), '--disk-gb', str(args.disk_gb),
                 '--mem', args.mem, '--group', args.group,
                 '--first', args.first] + extra + args.tests))
        time.sleep(1)
        for p in running[:]:
            if p.poll() is not None:
                running.remove(p)
                failed |= p.returncode != 0
    if STOP:
        for p in running:
            p.send_signal(signal.SIGTERM)
        for p in running:
            p.wait()
        sys.exit(130)
    regress = report(args, tests)
    sys.exit(2 if failed else 1 if regress else 0)


if __name__ == '__main__':
    main()
