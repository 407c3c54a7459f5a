// SPDX-License-Identifier: GPL-2.0
/*
 * union-stress: several processes change one union tree at random, then
 * check that nothing was lost.
 *
 *   union-stress run DIR WORKERS SECONDS SEED
 *   union-stress check DIR WORKERS SEED
 *
 * DIR holds, from the lower layer: shared directories s0..s3, each with
 * files a0..a3 of one line "s<d>/a<k>" each; per worker W a directory
 * lw<W> holding files f0..f9 ("lw<W>/f<k>").  (The test makes them.)
 *
 * Each worker picks operations by its own seed (SEED + W): create, rename
 * (between shared directories), link, unlink and fsync of its own files
 * w<W>-<n> in the shared directories; appends of a line "w<W> <seq>" to
 * the shared lower files (each a copy-up race); chmod of them; readdir
 * and stat of the shared directories; reads of lower files; renames of
 * its own lower directory back and forth (lw<W> <-> lw<W>-moved, a
 * directory copy-up and redirect), and mkdir/rmdir of its own
 * directories.  It keeps a ledger of what it made and appended, written
 * to DIR/../ledger.<W> (outside the union: the test's scratch space).
 *
 * "check" (also run at the end of "run") compares the tree with the
 * ledgers: every file a worker made is there once, with its content;
 * nothing else of its is; each shared file holds its first line and
 * exactly the lines appended to it, each worker's in order; each lower
 * directory has its ten files.  Exit 0 when all is well, 1 on a mismatch
 * (each reported on stderr), 2 on bad usage or a failed system call that
 * no concurrent operation explains.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SHARED		4
#define SHARED_FILES	4
#define MAX_WORKERS	16
#define MAX_OWN		64	/* own files alive at once, per worker */
#define LOWER_FILES	10

static const char *top;
static int nworkers;
static int failures;

struct own {
	int n;		/* w<W>-<n> */
	int dir;	/* in s<dir> */
	int links;	/* a second name w<W>-<n>.l in the same dir */
};

struct ledger {
	int nown;
	struct own own[MAX_OWN];
	unsigned long appends[SHARED][SHARED_FILES];
	int lower_moved;	/* lw<W> is at lw<W>-moved */
	int ndirs;		/* own directories w<W>-d<k>, k < ndirs, in s0 */
	unsigned long ops;
};

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "union-stress: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, ": %s\n", strerror(errno));
	va_end(ap);
	exit(2);
}

static void mismatch(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "union-stress: MISMATCH: ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	failures++;
}

static unsigned int rnd(unsigned long long *state)
{
	*state = *state * 6364136223846793005ULL + 1442695040888963407ULL;
	return *state >> 33;
}

static void own_path(char *buf, size_t len, int w, const struct own *o,
		     int link)
{
	snprintf(buf, len, "%s/s%d/w%d-%d%s", top, o->dir, w, o->n,
		 link ? ".l" : "");
}

static void write_file(const char *path, const char *data, int sync)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);

	if (fd < 0)
		die("create %s", path);
	if (write(fd, data, strlen(data)) != (ssize_t)strlen(data))
		die("write %s", path);
	if (sync && fsync(fd))
		die("fsync %s", path);
	if (close(fd))
		die("close %s", path);
}

static void op_create(struct ledger *l, int w, unsigned long long *st,
		      int *next)
{
	struct own *o;
	char path[4096], data[64];

	if (l->nown == MAX_OWN)
		return;
	o = &l->own[l->nown];
	o->n = (*next)++;
	o->dir = rnd(st) % SHARED;
	o->links = 0;
	own_path(path, sizeof(path), w, o, 0);
	snprintf(data, sizeof(data), "w%d-%d\n", w, o->n);
	write_file(path, data, rnd(st) % 8 == 0);
	l->nown++;
}

static void op_rename(struct ledger *l, int w, unsigned long long *st)
{
	struct own *o;
	char from[4096], to[4096];
	int dir;

	if (!l->nown)
		return;
	o = &l->own[rnd(st) % l->nown];
	if (o->links)
		return;
	dir = rnd(st) % SHARED;
	own_path(from, sizeof(from), w, o, 0);
	snprintf(to, sizeof(to), "%s/s%d/w%d-%d", top, dir, w, o->n);
	if (rename(from, to))
		die("rename %s %s", from, to);
	o->dir = dir;
}

static void op_link(struct ledger *l, int w, unsigned long long *st)
{
	struct own *o;
	char path[4096], lpath[4096];

	if (!l->nown)
		return;
	o = &l->own[rnd(st) % l->nown];
	own_path(path, sizeof(path), w, o, 0);
	own_path(lpath, sizeof(lpath), w, o, 1);
	if (o->links) {
		if (unlink(lpath))
			die("unlink %s", lpath);
	} else if (link(path, lpath)) {
		die("link %s %s", path, lpath);
	}
	o->links = !o->links;
}

static void op_unlink(struct ledger *l, int w, unsigned long long *st)
{
	int i;
	struct own *o;
	char path[4096];

	if (!l->nown)
		return;
	i = rnd(st) % l->nown;
	o = &l->own[i];
	own_path(path, sizeof(path), w, o, 0);
	if (unlink(path))
		die("unlink %s", path);
	if (o->links) {
		own_path(path, sizeof(path), w, o, 1);
		if (unlink(path))
			die("unlink %s", path);
	}
	l->own[i] = l->own[--l->nown];
}

static void op_append(struct ledger *l, int w, unsigned long long *st)
{
	int d = rnd(st) % SHARED, k = rnd(st) % SHARED_FILES, fd;
	char path[4096], line[64];

	snprintf(path, sizeof(path), "%s/s%d/a%d", top, d, k);
	snprintf(line, sizeof(line), "w%d %lu\n", w, l->appends[d][k]);
	fd = open(path, O_WRONLY | O_APPEND);
	if (fd < 0)
		die("open %s for append", path);
	if (write(fd, line, strlen(line)) != (ssize_t)strlen(line))
		die("append to %s", path);
	if (close(fd))
		die("close %s", path);
	l->appends[d][k]++;
}

static void op_chmod(unsigned long long *st)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/s%d/a%d", top, rnd(st) % SHARED,
		 rnd(st) % SHARED_FILES);
	if (chmod(path, rnd(st) % 2 ? 0644 : 0664))
		die("chmod %s", path);
}

static void op_readdir(unsigned long long *st)
{
	char path[4096];
	struct dirent *de;
	struct stat sb;
	DIR *d;

	snprintf(path, sizeof(path), "%s/s%d", top, rnd(st) % SHARED);
	d = opendir(path);
	if (!d)
		die("opendir %s", path);
	while ((de = readdir(d))) {
		/* Another worker may rename or remove it meanwhile. */
		if (fstatat(dirfd(d), de->d_name, &sb, AT_SYMLINK_NOFOLLOW) &&
		    errno != ENOENT)
			die("stat %s/%s", path, de->d_name);
	}
	closedir(d);
}

static const char *lower_dir(const struct ledger *l, int w, char *buf,
			     size_t len)
{
	snprintf(buf, len, "%s/lw%d%s", top, w, l->lower_moved ? "-moved" : "");
	return buf;
}

static int read_line(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = 0;
	return 0;
}

static void op_read_lower(struct ledger *l, int w, unsigned long long *st)
{
	char dir[4096], path[4200], want[64], got[256];
	int k = rnd(st) % LOWER_FILES;

	snprintf(path, sizeof(path), "%s/f%d", lower_dir(l, w, dir, sizeof(dir)), k);
	snprintf(want, sizeof(want), "lw%d/f%d\n", w, k);
	if (read_line(path, got, sizeof(got)))
		die("read %s", path);
	if (strcmp(got, want))
		mismatch("%s holds \"%s\", not \"%s\"", path, got, want);
}

static void op_move_lower(struct ledger *l, int w)
{
	char from[4096], to[4096];

	lower_dir(l, w, from, sizeof(from));
	l->lower_moved = !l->lower_moved;
	lower_dir(l, w, to, sizeof(to));
	if (rename(from, to))
		die("rename %s %s", from, to);
}

static void op_dir(struct ledger *l, int w, unsigned long long *st)
{
	char path[4096];

	if (l->ndirs && rnd(st) % 2) {
		snprintf(path, sizeof(path), "%s/s0/w%d-d%d", top, w, --l->ndirs);
		if (rmdir(path))
			die("rmdir %s", path);
		return;
	}
	snprintf(path, sizeof(path), "%s/s0/w%d-d%d", top, w, l->ndirs);
	if (mkdir(path, 0755))
		die("mkdir %s", path);
	l->ndirs++;
}

static void ledger_path(char *buf, size_t len, int w)
{
	snprintf(buf, len, "%s/../ledger.%d", top, w);
}

static void worker(int w, double seconds, unsigned long long seed)
{
	unsigned long long st = seed * 1000003 + w;
	struct ledger l = { 0 };
	struct timespec now, end;
	char path[4096];
	int next = 0;
	FILE *f;

	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += (time_t)seconds;
	do {
		switch (rnd(&st) % 12) {
		case 0: case 1: op_create(&l, w, &st, &next); break;
		case 2: op_rename(&l, w, &st); break;
		case 3: op_link(&l, w, &st); break;
		case 4: op_unlink(&l, w, &st); break;
		case 5: case 6: op_append(&l, w, &st); break;
		case 7: op_chmod(&st); break;
		case 8: op_readdir(&st); break;
		case 9: op_read_lower(&l, w, &st); break;
		case 10: op_move_lower(&l, w); break;
		case 11: op_dir(&l, w, &st); break;
		}
		l.ops++;
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while (now.tv_sec < end.tv_sec ||
		 (now.tv_sec == end.tv_sec && now.tv_nsec < end.tv_nsec));

	ledger_path(path, sizeof(path), w);
	f = fopen(path, "w");
	if (!f || fwrite(&l, sizeof(l), 1, f) != 1 || fclose(f))
		die("write %s", path);
	exit(failures ? 1 : 0);
}

/* Each shared file: its first line, then each worker's lines in order. */
static void check_shared(struct ledger *ls)
{
	unsigned long seen[MAX_WORKERS];
	char path[4096], line[256];
	int d, k, w;

	for (d = 0; d < SHARED; d++) {
		for (k = 0; k < SHARED_FILES; k++) {
			char first[64];
			unsigned long seq;
			FILE *f;
			int n = 0;

			snprintf(path, sizeof(path), "%s/s%d/a%d", top, d, k);
			snprintf(first, sizeof(first), "s%d/a%d\n", d, k);
			memset(seen, 0, sizeof(seen));
			f = fopen(path, "r");
			if (!f)
				die("open %s", path);
			while (fgets(line, sizeof(line), f)) {
				if (n++ == 0) {
					if (strcmp(line, first))
						mismatch("%s: first line \"%s\"", path, line);
					continue;
				}
				if (sscanf(line, "w%d %lu", &w, &seq) != 2 ||
				    w < 0 || w >= nworkers) {
					mismatch("%s: line \"%s\"", path, line);
					continue;
				}
				if (seq != seen[w])
					mismatch("%s: w%d's line %lu where %lu was due",
						 path, w, seq, seen[w]);
				seen[w] = seq + 1;
			}
			fclose(f);
			for (w = 0; w < nworkers; w++)
				if (seen[w] != ls[w].appends[d][k])
					mismatch("%s: %lu lines of w%d, %lu appended",
						 path, seen[w], w, ls[w].appends[d][k]);
		}
	}
}

static const struct own *find_own(const struct ledger *l, int n)
{
	int i;

	for (i = 0; i < l->nown; i++)
		if (l->own[i].n == n)
			return &l->own[i];
	return NULL;
}

/* Every own file once, in its directory, and nothing else of the worker's. */
static void check_own(struct ledger *ls)
{
	static char found[MAX_WORKERS][MAX_OWN];
	char path[4096], want[64], got[256];
	struct dirent *de;
	int d, w, n, i;

	memset(found, 0, sizeof(found));
	for (d = 0; d < SHARED; d++) {
		DIR *dir;

		snprintf(path, sizeof(path), "%s/s%d", top, d);
		dir = opendir(path);
		if (!dir)
			die("opendir %s", path);
		while ((de = readdir(dir))) {
			const struct own *o;
			char rest[8] = "";

			/* Own directories (w<W>-d<k>) do not parse. */
			if (sscanf(de->d_name, "w%d-%d%7s", &w, &n, rest) < 2)
				continue;
			if (w < 0 || w >= nworkers) {
				mismatch("s%d/%s: not a worker's name", d, de->d_name);
				continue;
			}
			o = find_own(&ls[w], n);
			if (!o || o->dir != d || (rest[0] && !o->links) ||
			    (rest[0] && strcmp(rest, ".l"))) {
				mismatch("s%d/%s: not in w%d's ledger", d, de->d_name, w);
				continue;
			}
			i = o - ls[w].own;
			if (found[w][i] & (rest[0] ? 2 : 1))
				mismatch("s%d/%s: listed twice", d, de->d_name);
			found[w][i] |= rest[0] ? 2 : 1;
			snprintf(path, sizeof(path), "%s/s%d/%s", top, d, de->d_name);
			snprintf(want, sizeof(want), "w%d-%d\n", w, n);
			if (read_line(path, got, sizeof(got)) || strcmp(got, want))
				mismatch("%s: content \"%s\"", path, got);
		}
		closedir(dir);
	}
	for (w = 0; w < nworkers; w++) {
		for (i = 0; i < ls[w].nown; i++) {
			const struct own *o = &ls[w].own[i];
			int want_mask = o->links ? 3 : 1;

			if (found[w][i] != want_mask)
				mismatch("s%d/w%d-%d: missing (found mask %d of %d)",
					 o->dir, w, o->n, found[w][i], want_mask);
		}
	}
}

static void check_lower_dirs(struct ledger *ls)
{
	char dir[4096], other[4096], path[4200], want[64], got[256];
	struct stat sb;
	int w, k;

	for (w = 0; w < nworkers; w++) {
		lower_dir(&ls[w], w, dir, sizeof(dir));
		ls[w].lower_moved = !ls[w].lower_moved;
		lower_dir(&ls[w], w, other, sizeof(other));
		ls[w].lower_moved = !ls[w].lower_moved;
		if (!lstat(other, &sb))
			mismatch("%s exists as well as %s", other, dir);
		for (k = 0; k < LOWER_FILES; k++) {
			snprintf(path, sizeof(path), "%s/f%d", dir, k);
			snprintf(want, sizeof(want), "lw%d/f%d\n", w, k);
			if (read_line(path, got, sizeof(got)) || strcmp(got, want))
				mismatch("%s: missing or \"%s\"", path, got);
		}
		for (k = 0; k < ls[w].ndirs; k++) {
			snprintf(path, sizeof(path), "%s/s0/w%d-d%d", top, w, k);
			if (lstat(path, &sb) || !S_ISDIR(sb.st_mode))
				mismatch("%s: missing", path);
		}
		snprintf(path, sizeof(path), "%s/s0/w%d-d%d", top, w, ls[w].ndirs);
		if (!lstat(path, &sb))
			mismatch("%s: removed, but there", path);
	}
}

static int check(void)
{
	struct ledger *ls = calloc(nworkers, sizeof(*ls));
	unsigned long ops = 0;
	char path[4096];
	int w;

	if (!ls)
		die("calloc");
	for (w = 0; w < nworkers; w++) {
		FILE *f;

		ledger_path(path, sizeof(path), w);
		f = fopen(path, "r");
		if (!f || fread(&ls[w], sizeof(ls[w]), 1, f) != 1)
			die("read %s", path);
		fclose(f);
		ops += ls[w].ops;
	}
	check_shared(ls);
	check_own(ls);
	check_lower_dirs(ls);
	printf("union-stress: %d workers, %lu operations, %d mismatches\n",
	       nworkers, ops, failures);
	free(ls);
	return failures ? 1 : 0;
}

int main(int argc, char **argv)
{
	unsigned long long seed;
	int w, status, bad = 0;

	if (argc < 5 || (strcmp(argv[1], "run") && strcmp(argv[1], "check")) ||
	    (!strcmp(argv[1], "run") && argc < 6)) {
		fprintf(stderr, "usage: union-stress run DIR WORKERS SECONDS SEED\n"
				"       union-stress check DIR WORKERS SEED\n");
		return 2;
	}
	top = argv[2];
	nworkers = atoi(argv[3]);
	if (nworkers < 1 || nworkers > MAX_WORKERS) {
		fprintf(stderr, "union-stress: 1 to %d workers\n", MAX_WORKERS);
		return 2;
	}
	if (!strcmp(argv[1], "check"))
		return check();
	seed = strtoull(argv[5], NULL, 0);
	for (w = 0; w < nworkers; w++) {
		pid_t pid = fork();

		if (pid < 0)
			die("fork");
		if (!pid)
			worker(w, atof(argv[4]), seed);
	}
	for (w = 0; w < nworkers; w++) {
		if (wait(&status) < 0)
			die("wait");
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			bad = 1;
	}
	if (bad) {
		fprintf(stderr, "union-stress: a worker failed\n");
		return 2;
	}
	return check();
}
