// SPDX-License-Identifier: GPL-2.0
/*
 * The benchmark's workloads, run inside the UML guest by bench/guest.sh.
 *
 *   union-bench [-m NAME] [-r N] WORKLOAD ARGS...
 *
 * -m NAME brackets the workload with marks on fd 9 (the guest's /dev/tty2,
 * a pipe to the host harness): "B NAME" before and "E NAME" after, each
 * answered by one line from the harness once it has sampled the UML
 * kernel's CPU time.  Nothing but the workload runs between the marks.
 * -r N runs it N times between the marks, which then name NAME/N: the
 * host counts CPU time in 10 ms ticks, too coarse for a workload of a
 * few ticks, and the harness divides by N.
 *
 * Workloads (each prints how many objects it handled, which guest.sh
 * checks, so that a broken union cannot pass for a fast one):
 *   lstat LIST          lstat() every path listed in LIST (one per line)
 *   read LIST           open, read to the end and close every file
 *   readdir DIR         list DIR with getdents64
 *   seqread FILE        read FILE in 1 MiB pieces
 *   append LIST         open(O_WRONLY | O_APPEND) and close every file
 *   create DIR N SIZE   what an untar does: N files of SIZE bytes in the
 *                       existing directories DIR/d0, DIR/d1, ... (as many
 *                       as there are), each opened O_CREAT|O_EXCL, written,
 *                       fchmod()ed and futimens()ed
 *   entries DIR FIRST END STEP
 *                       make empty files DIR/entry-NNNNNNN for NNNNNNN from
 *                       FIRST to END (excluded) by STEP: the benchmark's
 *                       images (mke2fs -d searches a directory per name)
 *   mark NAME           the two marks and nothing between them
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MARK_FD 9

static char buf[1 << 20];

static void mark(char what, const char *name)
{
	char line[512], c;
	int n;

	n = snprintf(line, sizeof(line), "%c %s\n", what, name);
	if (n < 0 || n >= (int)sizeof(line))
		errx(1, "mark name too long");
	if (write(MARK_FD, line, n) != n)
		err(1, "mark: write");
	do {
		if (read(MARK_FD, &c, 1) != 1)
			err(1, "mark: no answer from the harness");
	} while (c != '\n' && c != '\r');
}

/* The lines of @path, NUL-terminated in place; *n set to their count. */
static char **read_list(const char *path, size_t *n)
{
	size_t size = 0, cap = 1 << 16, count = 0, i;
	char *text = NULL, **lines;
	ssize_t r;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		err(1, "%s", path);
	for (;;) {
		if (!text || size == cap) {
			cap *= 2;
			text = realloc(text, cap + 1);
			if (!text)
				err(1, "realloc");
		}
		r = read(fd, text + size, cap - size);
		if (r < 0)
			err(1, "%s", path);
		if (r == 0)
			break;
		size += r;
	}
	close(fd);
	text[size] = '\0';
	for (i = 0; i < size; i++)
		count += text[i] == '\n';
	lines = calloc(count + 1, sizeof(*lines));
	if (!lines)
		err(1, "calloc");
	count = 0;
	for (char *p = text; *p; ) {
		char *nl = strchr(p, '\n');

		if (!nl)
			nl = p + strlen(p);
		if (nl != p)
			lines[count++] = p;
		if (!*nl)
			break;
		*nl = '\0';
		p = nl + 1;
	}
	*n = count;
	return lines;
}

static long do_lstat(char **list, size_t n)
{
	struct stat st;

	for (size_t i = 0; i < n; i++)
		if (lstat(list[i], &st))
			err(1, "lstat %s", list[i]);
	return n;
}

static long do_read(char **list, size_t n)
{
	long bytes = 0;
	ssize_t r;

	for (size_t i = 0; i < n; i++) {
		int fd = open(list[i], O_RDONLY);

		if (fd < 0)
			err(1, "open %s", list[i]);
		while ((r = read(fd, buf, sizeof(buf))) > 0)
			bytes += r;
		if (r < 0)
			err(1, "read %s", list[i]);
		close(fd);
	}
	return bytes ? (long)n : 0;
}

static long do_append(char **list, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int fd = open(list[i], O_WRONLY | O_APPEND);

		if (fd < 0)
			err(1, "open %s for writing", list[i]);
		close(fd);
	}
	return n;
}

static long do_readdir(const char *dir)
{
	long count = 0;
	int fd = open(dir, O_RDONLY | O_DIRECTORY);
	long r;

	if (fd < 0)
		err(1, "%s", dir);
	while ((r = syscall(SYS_getdents64, fd, buf, sizeof(buf))) > 0) {
		for (long off = 0; off < r; ) {
			struct dirent64 *d = (struct dirent64 *)(buf + off);

			if (strcmp(d->d_name, ".") && strcmp(d->d_name, ".."))
				count++;
			off += d->d_reclen;
		}
	}
	if (r < 0)
		err(1, "getdents64 %s", dir);
	close(fd);
	return count;
}

static long do_seqread(const char *path)
{
	long long bytes = 0;
	int fd = open(path, O_RDONLY);
	ssize_t r;

	if (fd < 0)
		err(1, "%s", path);
	while ((r = read(fd, buf, sizeof(buf))) > 0)
		bytes += r;
	if (r < 0)
		err(1, "read %s", path);
	close(fd);
	return bytes >> 20;
}

static long do_create(const char *dir, long n, long size)
{
	const struct timespec times[2] = { { 1000000000, 0 }, { 1000000000, 0 } };
	char path[4096];
	long dirs = 0;

	for (;; dirs++) {
		struct stat st;

		snprintf(path, sizeof(path), "%s/d%ld", dir, dirs);
		if (stat(path, &st))
			break;
	}
	if (!dirs)
		errx(1, "create: no %s/d0", dir);
	memset(buf, 'x', size);
	for (long i = 0; i < n; i++) {
		int fd;

		snprintf(path, sizeof(path), "%s/d%ld/new-%ld", dir, i % dirs, i);
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
		if (fd < 0)
			err(1, "create %s", path);
		if (write(fd, buf, size) != size)
			err(1, "write %s", path);
		if (fchmod(fd, 0644) || futimens(fd, times))
			err(1, "fchmod/futimens %s", path);
		close(fd);
	}
	return n;
}

static long do_entries(const char *dir, long first, long end, long step)
{
	char path[4096];
	long n = 0;

	for (long i = first; step > 0 && i < end; i += step, n++) {
		int fd;

		snprintf(path, sizeof(path), "%s/entry-%07ld", dir, i);
		fd = open(path, O_WRONLY | O_CREAT, 0644);
		if (fd < 0)
			err(1, "create %s", path);
		close(fd);
	}
	return n;
}

static long run_workload(int argc, char **argv, char **list, size_t n)
{
	if (list && !strcmp(argv[1], "lstat"))
		return do_lstat(list, n);
	if (list && !strcmp(argv[1], "read"))
		return do_read(list, n);
	if (list)
		return do_append(list, n);
	if (argc == 3 && !strcmp(argv[1], "readdir"))
		return do_readdir(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "seqread"))
		return do_seqread(argv[2]);
	if (argc == 5 && !strcmp(argv[1], "create"))
		return do_create(argv[2], atol(argv[3]),
				 atol(argv[4]) < (long)sizeof(buf) ? atol(argv[4]) : 0);
	if (argc == 6 && !strcmp(argv[1], "entries"))
		return do_entries(argv[2], atol(argv[3]), atol(argv[4]),
				  atol(argv[5]));
	if (argc == 2 && !strcmp(argv[1], "mark"))
		return 0;
	errx(2, "unknown workload or wrong arguments: %s", argv[1]);
}

int main(int argc, char **argv)
{
	const char *name = NULL;
	char **list = NULL, *marked = NULL;
	long done = 0, once, repeat = 1, i;
	size_t n = 0;

	while (argc > 2 && argv[1][0] == '-') {
		if (!strcmp(argv[1], "-m"))
			name = argv[2];
		else if (!strcmp(argv[1], "-r"))
			repeat = atol(argv[2]);
		else
			break;
		argc -= 2;
		argv += 2;
	}
	if (argc < 2 || repeat < 1)
		errx(2, "usage: union-bench [-m NAME] [-r N] WORKLOAD ARGS...");
	/* Lists are read before the first mark: not part of the workload. */
	if (argc == 3 && (!strcmp(argv[1], "lstat") || !strcmp(argv[1], "read") ||
			  !strcmp(argv[1], "append")))
		list = read_list(argv[2], &n);
	if (name && repeat > 1) {
		if (asprintf(&marked, "%s/%ld", name, repeat) < 0)
			err(1, "asprintf");
		name = marked;
	}
	if (name)
		mark('B', name);
	for (i = 0; i < repeat; i++) {
		once = run_workload(argc, argv, list, n);
		if (i && once != done)
			errx(1, "pass %ld handled %ld objects, the first %ld",
			     i + 1, once, done);
		done = once;
	}
	if (name)
		mark('E', name);
	printf("%ld\n", done);
	free(marked);
	return 0;
}
