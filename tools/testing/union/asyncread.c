// SPDX-License-Identifier: GPL-2.0
/*
 * union-asyncread: read a file through a descriptor opened before a change,
 * by the interfaces that hand their own request to the file system.
 *
 *   union-asyncread HOW FILE COMMAND
 *
 * Opens FILE read-only, runs COMMAND with /bin/sh -c (and waits for it),
 * then reads FILE from offset 0 through the descriptor, with HOW:
 *
 *   aio          io_submit() of IOCB_CMD_PREAD
 *   uring        io_uring IORING_OP_READ
 *   uring-fixed  the same, the descriptor registered as a fixed file
 *
 * and each of them with "-direct" appended: FILE opened with O_DIRECT.
 *
 * and prints what it read.  A failure prints the errno's name and exits
 * 1; bad usage exits 2.  Raw system calls: no libaio or liburing needed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/aio_abi.h>
#include <linux/io_uring.h>

#define MAX_READ (1 << 20)

/* Aligned for O_DIRECT. */
static char buf[MAX_READ] __attribute__((aligned(4096)));

static int fail(int err)
{
	const char *name = strerrorname_np(err);

	printf("%s\n", name ? name : "EUNKNOWN");
	return 1;
}

static ssize_t read_aio(int fd)
{
	aio_context_t ctx = 0;
	struct iocb cb = {
		.aio_fildes = fd,
		.aio_lio_opcode = IOCB_CMD_PREAD,
		.aio_buf = (unsigned long)buf,
		.aio_nbytes = sizeof(buf),
	};
	struct iocb *cbs[1] = { &cb };
	struct io_event ev;
	ssize_t ret;

	if (syscall(SYS_io_setup, 1, &ctx))
		return -errno;
	if (syscall(SYS_io_submit, ctx, 1, cbs) != 1)
		ret = -errno;
	else if (syscall(SYS_io_getevents, ctx, 1, 1, &ev, NULL) != 1)
		ret = -errno;
	else
		ret = ev.res;
	syscall(SYS_io_destroy, ctx);
	return ret;
}

static ssize_t read_uring(int fd, int fixed)
{
	struct io_uring_params p;
	struct io_uring_sqe *sqes;
	struct io_uring_cqe *cqes;
	unsigned int *sq_tail, *sq_array, *cq_head, *cq_tail;
	void *sq, *cq;
	size_t sq_len, cq_len;
	ssize_t ret;
	int ring;

	memset(&p, 0, sizeof(p));
	ring = syscall(SYS_io_uring_setup, 1, &p);
	if (ring < 0)
		return -errno;
	sq_len = p.sq_off.array + p.sq_entries * sizeof(unsigned int);
	cq_len = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
	sq = mmap(NULL, sq_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
		  ring, IORING_OFF_SQ_RING);
	cq = mmap(NULL, cq_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
		  ring, IORING_OFF_CQ_RING);
	sqes = mmap(NULL, p.sq_entries * sizeof(*sqes), PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_POPULATE, ring, IORING_OFF_SQES);
	if (sq == MAP_FAILED || cq == MAP_FAILED || sqes == MAP_FAILED) {
		ret = -errno;
		goto out;
	}
	if (fixed) {
		if (syscall(SYS_io_uring_register, ring, IORING_REGISTER_FILES,
			    &fd, 1)) {
			ret = -errno;
			goto out;
		}
	}
	sq_tail = sq + p.sq_off.tail;
	sq_array = sq + p.sq_off.array;
	cq_head = cq + p.cq_off.head;
	cq_tail = cq + p.cq_off.tail;
	cqes = cq + p.cq_off.cqes;

	memset(&sqes[0], 0, sizeof(sqes[0]));
	sqes[0].opcode = IORING_OP_READ;
	sqes[0].fd = fixed ? 0 : fd;
	sqes[0].flags = fixed ? IOSQE_FIXED_FILE : 0;
	sqes[0].addr = (unsigned long)buf;
	sqes[0].len = sizeof(buf);
	sqes[0].off = 0;
	sq_array[*sq_tail & *(unsigned int *)(sq + p.sq_off.ring_mask)] = 0;
	__atomic_store_n(sq_tail, *sq_tail + 1, __ATOMIC_RELEASE);
	if (syscall(SYS_io_uring_enter, ring, 1, 1, IORING_ENTER_GETEVENTS,
		    NULL, 0) < 0) {
		ret = -errno;
		goto out;
	}
	if (__atomic_load_n(cq_tail, __ATOMIC_ACQUIRE) == *cq_head) {
		ret = -EAGAIN;
		goto out;
	}
	ret = cqes[*cq_head & *(unsigned int *)(cq + p.cq_off.ring_mask)].res;
	__atomic_store_n(cq_head, *cq_head + 1, __ATOMIC_RELEASE);
out:
	close(ring);
	return ret;
}

int main(int argc, char **argv)
{
	int fd, status, flags = O_RDONLY;
	const char *how;
	size_t len;
	ssize_t n;
	pid_t pid;

	if (argc != 4) {
		fprintf(stderr, "usage: union-asyncread aio|uring|uring-fixed[-direct] FILE COMMAND\n");
		return 2;
	}
	how = argv[1];
	len = strlen(how);
	if (len > 7 && !strcmp(how + len - 7, "-direct")) {
		flags |= O_DIRECT;
		how = strndup(how, len - 7);
	}
	fd = open(argv[2], flags);
	if (fd < 0)
		return fail(errno);
	pid = fork();
	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", argv[3], (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return fail(errno);
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "union-asyncread: the command failed\n");
		return 2;
	}
	if (!strcmp(how, "aio"))
		n = read_aio(fd);
	else if (!strcmp(how, "uring"))
		n = read_uring(fd, 0);
	else if (!strcmp(how, "uring-fixed"))
		n = read_uring(fd, 1);
	else
		return 2;
	if (n < 0)
		return fail(-n);
	fwrite(buf, 1, n, stdout);
	return 0;
}
