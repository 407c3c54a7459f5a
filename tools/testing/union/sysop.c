// SPDX-License-Identifier: GPL-2.0
/*
 * union-sysop: make one system call and report its errno by name.
 *
 *   union-sysop OP ARG...
 *
 * On success prints nothing (or what the call returns, for the calls that
 * read something) and exits 0.  On failure prints the errno's name (for
 * example "EXDEV") on stdout and exits 1.  Bad usage exits 2.
 *
 * It lets shell tests say "this rename must fail with EXDEV" without
 * guessing from a tool's error message.  See lib.sh: assert_errno.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/xattr.h>
#include <dirent.h>
#include <unistd.h>
#include <linux/mount.h>

#ifndef AT_HANDLE_FID
#define AT_HANDLE_FID 0x200
#endif
#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#endif
#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif
#ifndef RENAME_WHITEOUT
#define RENAME_WHITEOUT (1 << 2)
#endif

struct flag {
	const char *name;
	unsigned long value;
};

static const struct flag open_flags[] = {
	{ "rdonly", O_RDONLY }, { "wronly", O_WRONLY }, { "rdwr", O_RDWR },
	{ "creat", O_CREAT }, { "excl", O_EXCL }, { "trunc", O_TRUNC },
	{ "append", O_APPEND }, { "directory", O_DIRECTORY },
	{ "nofollow", O_NOFOLLOW }, { "tmpfile", O_TMPFILE },
	{ "path", O_PATH }, { "noatime", O_NOATIME }, { NULL, 0 }
};

static const struct flag mount_flags[] = {
	{ "rdonly", MS_RDONLY }, { "nosuid", MS_NOSUID }, { "nodev", MS_NODEV },
	{ "noexec", MS_NOEXEC }, { "remount", MS_REMOUNT }, { "bind", MS_BIND },
	{ "rec", MS_REC }, { "move", MS_MOVE }, { "union", 0x200 },
	{ "private", MS_PRIVATE }, { "shared", MS_SHARED }, { "slave", MS_SLAVE },
	{ "noatime", MS_NOATIME }, { "relatime", MS_RELATIME },
	{ "strictatime", MS_STRICTATIME },
	{ NULL, 0 }
};

static const struct flag umount_flags[] = {
	{ "force", MNT_FORCE }, { "detach", MNT_DETACH },
	{ "expire", MNT_EXPIRE }, { "nofollow", UMOUNT_NOFOLLOW }, { NULL, 0 }
};

static const struct flag rename_flags[] = {
	{ "noreplace", RENAME_NOREPLACE }, { "exchange", RENAME_EXCHANGE },
	{ "whiteout", RENAME_WHITEOUT }, { NULL, 0 }
};

static void usage(void)
{
	fputs("usage: union-sysop OP ARG...\n"
	      "  open PATH FLAGS [MODE]      FLAGS: creat,excl,wronly,... or 0\n"
	      "  mkdir PATH [MODE]           rmdir PATH\n"
	      "  unlink PATH                 link OLD NEW\n"
	      "  symlink TARGET PATH         readlink PATH (prints it)\n"
	      "  rename OLD NEW [FLAGS]      FLAGS: noreplace,exchange,whiteout\n"
	      "  mknod PATH TYPE MODE [MAJ MIN]  TYPE: f c b p s\n"
	      "  truncate PATH LENGTH        chmod PATH MODE\n"
	      "  chown PATH UID GID          lchown PATH UID GID\n"
	      "  utimes PATH ATIME MTIME     lutimes PATH ATIME MTIME (seconds)\n"
	      "  stat PATH / lstat PATH      (prints type, mode, size, nlink, ino, dev)\n"
	      "  fidtype PATH                (prints the type of its AT_HANDLE_FID handle)\n"
	      "  dino DIR                    (prints \"d_ino name\" of each entry, dots too)\n"
	      "  access PATH MODE            MODE: f or a mix of r w x\n"
	      "  write PATH DATA             (O_WRONLY|O_TRUNC, no O_CREAT)\n"
	      "  append PATH DATA            read PATH (prints the content)\n"
	      "  readdir PATH                (prints the names, . and .. left out)\n"
	      "  setxattr PATH NAME VALUE    getxattr PATH NAME (prints the value)\n"
	      "  removexattr PATH NAME       listxattr PATH (prints the names)\n"
	      "  mount SRC TARGET TYPE FLAGS [DATA]  FLAGS: rdonly,union,bind,... or 0\n"
	      "  umount TARGET [FLAGS]       FLAGS: detach,force,expire,nofollow\n"
	      "  setattr TARGET ro|rw        mount_setattr(2) of the mount's MOUNT_ATTR_RDONLY\n"
	      "  chdir PATH                  (then nothing: tests a lookup)\n",
	      stderr);
	exit(2);
}

static unsigned long parse_flags(const struct flag *table, const char *s)
{
	unsigned long v = 0;
	char *copy, *tok, *save;

	if (!strcmp(s, "0") || !*s)
		return 0;
	copy = strdup(s);
	for (tok = strtok_r(copy, ",|", &save); tok;
	     tok = strtok_r(NULL, ",|", &save)) {
		const struct flag *f;

		for (f = table; f->name; f++)
			if (!strcasecmp(f->name, tok))
				break;
		if (!f->name) {
			char *end;

			v |= strtoul(tok, &end, 0);
			if (*end) {
				fprintf(stderr, "union-sysop: unknown flag %s\n", tok);
				exit(2);
			}
			continue;
		}
		v |= f->value;
	}
	free(copy);
	return v;
}

static unsigned int parse_mode(const char *s)
{
	return (unsigned int)strtoul(s, NULL, 8);
}

static const char *type_name(mode_t m)
{
	switch (m & S_IFMT) {
	case S_IFREG: return "file";
	case S_IFDIR: return "dir";
	case S_IFLNK: return "symlink";
	case S_IFCHR: return "chr";
	case S_IFBLK: return "blk";
	case S_IFIFO: return "fifo";
	case S_IFSOCK: return "sock";
	}
	return "unknown";
}

static int print_stat(const struct stat *st)
{
	printf("%s %04o %lld %lu %lu %u:%u", type_name(st->st_mode),
	       st->st_mode & 07777, (long long)st->st_size,
	       (unsigned long)st->st_nlink, (unsigned long)st->st_ino,
	       major(st->st_dev), minor(st->st_dev));
	if (S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode))
		printf(" %u:%u", major(st->st_rdev), minor(st->st_rdev));
	putchar('\n');
	return 0;
}

static int write_data(const char *path, const char *data, int flags)
{
	size_t len = strlen(data);
	int fd = open(path, O_WRONLY | flags);

	if (fd < 0)
		return -1;
	if (write(fd, data, len) != (ssize_t)len) {
		int e = errno;

		close(fd);
		errno = e ? e : EIO;
		return -1;
	}
	return close(fd);
}

static int read_data(const char *path)
{
	char buf[65536];
	ssize_t n;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return -1;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		fwrite(buf, 1, n, stdout);
	if (n < 0) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return close(fd);
}

static int read_dir(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;

	if (!d)
		return -1;
	errno = 0;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		printf("%s\n", de->d_name);
	}
	if (errno) {
		int e = errno;

		closedir(d);
		errno = e;
		return -1;
	}
	return closedir(d);
}

static int list_xattr(const char *path)
{
	char buf[65536];
	ssize_t n = llistxattr(path, buf, sizeof(buf));
	char *p;

	if (n < 0)
		return -1;
	for (p = buf; p < buf + n; p += strlen(p) + 1)
		printf("%s\n", p);
	return 0;
}

static int do_access(const char *path, const char *how)
{
	int mode = 0;

	if (strchr(how, 'r'))
		mode |= R_OK;
	if (strchr(how, 'w'))
		mode |= W_OK;
	if (strchr(how, 'x'))
		mode |= X_OK;
	return access(path, mode ? mode : F_OK);
}

static int do_mknod(int argc, char **argv)
{
	mode_t mode;
	dev_t dev = 0;

	if (argc < 5)
		usage();
	mode = parse_mode(argv[4]);
	switch (argv[3][0]) {
	case 'f': mode |= S_IFREG; break;
	case 'c': mode |= S_IFCHR; break;
	case 'b': mode |= S_IFBLK; break;
	case 'p': mode |= S_IFIFO; break;
	case 's': mode |= S_IFSOCK; break;
	default: usage();
	}
	if (argc >= 7)
		dev = makedev(strtoul(argv[5], NULL, 0), strtoul(argv[6], NULL, 0));
	return mknod(argv[2], mode, dev);
}

static int run(int argc, char **argv)
{
	const char *op = argv[1];
	struct stat st;
	char buf[4096];
	ssize_t n;

#define NEED(k) do { if (argc < (k) + 2) usage(); } while (0)
	if (!strcmp(op, "open")) {
		int fd;

		NEED(2);
		fd = open(argv[2], parse_flags(open_flags, argv[3]),
			  argc > 4 ? parse_mode(argv[4]) : 0644);
		return fd < 0 ? -1 : close(fd);
	}
	if (!strcmp(op, "mkdir")) {
		NEED(1);
		return mkdir(argv[2], argc > 3 ? parse_mode(argv[3]) : 0755);
	}
	if (!strcmp(op, "rmdir")) {
		NEED(1);
		return rmdir(argv[2]);
	}
	if (!strcmp(op, "unlink")) {
		NEED(1);
		return unlink(argv[2]);
	}
	if (!strcmp(op, "link")) {
		NEED(2);
		return link(argv[2], argv[3]);
	}
	if (!strcmp(op, "symlink")) {
		NEED(2);
		return symlink(argv[2], argv[3]);
	}
	if (!strcmp(op, "readlink")) {
		NEED(1);
		n = readlink(argv[2], buf, sizeof(buf) - 1);
		if (n < 0)
			return -1;
		buf[n] = 0;
		printf("%s\n", buf);
		return 0;
	}
	if (!strcmp(op, "rename")) {
		NEED(2);
		if (argc > 4)
			return renameat2(AT_FDCWD, argv[2], AT_FDCWD, argv[3],
					 parse_flags(rename_flags, argv[4]));
		return rename(argv[2], argv[3]);
	}
	if (!strcmp(op, "mknod"))
		return do_mknod(argc, argv);
	if (!strcmp(op, "truncate")) {
		NEED(2);
		return truncate(argv[2], strtoll(argv[3], NULL, 0));
	}
	if (!strcmp(op, "chmod")) {
		NEED(2);
		return chmod(argv[2], parse_mode(argv[3]));
	}
	if (!strcmp(op, "chown") || !strcmp(op, "lchown")) {
		NEED(3);
		return (op[0] == 'l' ? lchown : chown)(argv[2],
			strtoul(argv[3], NULL, 0), strtoul(argv[4], NULL, 0));
	}
	if (!strcmp(op, "utimes") || !strcmp(op, "lutimes")) {
		struct timespec ts[2] = { { 0 }, { 0 } };

		NEED(3);
		ts[0].tv_sec = strtol(argv[3], NULL, 0);
		ts[1].tv_sec = strtol(argv[4], NULL, 0);
		return utimensat(AT_FDCWD, argv[2], ts,
				 op[0] == 'l' ? AT_SYMLINK_NOFOLLOW : 0);
	}
	if (!strcmp(op, "stat") || !strcmp(op, "lstat")) {
		NEED(1);
		if ((op[0] == 'l' ? lstat : stat)(argv[2], &st))
			return -1;
		return print_stat(&st);
	}
	if (!strcmp(op, "fidtype")) {
		struct {
			struct file_handle h;
			unsigned char room[MAX_HANDLE_SZ];
		} fh;
		int mnt;

		NEED(1);
		fh.h.handle_bytes = MAX_HANDLE_SZ;
		if (name_to_handle_at(AT_FDCWD, argv[2], &fh.h, &mnt,
				      AT_HANDLE_FID))
			return -1;
		printf("%d\n", fh.h.handle_type);
		return 0;
	}
	if (!strcmp(op, "access")) {
		NEED(2);
		return do_access(argv[2], argv[3]);
	}
	if (!strcmp(op, "write")) {
		NEED(2);
		return write_data(argv[2], argv[3], O_TRUNC);
	}
	if (!strcmp(op, "append")) {
		NEED(2);
		return write_data(argv[2], argv[3], O_APPEND);
	}
	if (!strcmp(op, "read")) {
		NEED(1);
		return read_data(argv[2]);
	}
	if (!strcmp(op, "readdir")) {
		NEED(1);
		return read_dir(argv[2]);
	}
	if (!strcmp(op, "dino")) {
		DIR *d;
		struct dirent *de;

		NEED(1);
		d = opendir(argv[2]);
		if (!d)
			return -1;
		while ((de = readdir(d)))
			printf("%llu %s\n", (unsigned long long)de->d_ino,
			       de->d_name);
		return closedir(d);
	}
	if (!strcmp(op, "setxattr")) {
		NEED(3);
		return lsetxattr(argv[2], argv[3], argv[4], strlen(argv[4]), 0);
	}
	if (!strcmp(op, "getxattr")) {
		NEED(2);
		n = lgetxattr(argv[2], argv[3], buf, sizeof(buf) - 1);
		if (n < 0)
			return -1;
		buf[n] = 0;
		printf("%s\n", buf);
		return 0;
	}
	if (!strcmp(op, "removexattr")) {
		NEED(2);
		return lremovexattr(argv[2], argv[3]);
	}
	if (!strcmp(op, "listxattr")) {
		NEED(1);
		return list_xattr(argv[2]);
	}
	if (!strcmp(op, "mount")) {
		NEED(4);
		return mount(argv[2], argv[3], argv[4],
			     parse_flags(mount_flags, argv[5]),
			     argc > 6 ? argv[6] : NULL);
	}
	if (!strcmp(op, "umount")) {
		NEED(1);
		return umount2(argv[2],
			       argc > 3 ? parse_flags(umount_flags, argv[3]) : 0);
	}
	if (!strcmp(op, "setattr")) {
		struct mount_attr attr = { 0 };

		NEED(2);
		if (!strcmp(argv[3], "ro"))
			attr.attr_set = MOUNT_ATTR_RDONLY;
		else if (!strcmp(argv[3], "rw"))
			attr.attr_clr = MOUNT_ATTR_RDONLY;
		else
			usage();
		return syscall(SYS_mount_setattr, AT_FDCWD, argv[2], 0,
			       &attr, sizeof(attr));
	}
	if (!strcmp(op, "chdir")) {
		NEED(1);
		return chdir(argv[2]);
	}
#undef NEED
	fprintf(stderr, "union-sysop: unknown operation %s\n", op);
	usage();
	return 0;
}

int main(int argc, char **argv)
{
	const char *name;

	if (argc < 2)
		usage();
	/*
	 * UNION_SYSOP_FAIL=1: let the fault injection that is set up for
	 * tasks that ask (failslab, fail_page_alloc with task-filter) fail
	 * this call's allocations; only the call's, not the program's start.
	 */
	if (getenv("UNION_SYSOP_FAIL")) {
		int fd = open("/proc/self/make-it-fail", O_WRONLY);

		if (fd < 0 || write(fd, "1", 1) != 1) {
			perror("union-sysop: /proc/self/make-it-fail");
			exit(2);
		}
		close(fd);
	}
	if (run(argc, argv) == 0) {
		fflush(stdout);
		return 0;
	}
	name = strerrorname_np(errno);
	printf("%s\n", name ? name : "EUNKNOWN");
	return 1;
}
