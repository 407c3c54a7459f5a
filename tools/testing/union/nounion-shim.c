// SPDX-License-Identifier: GPL-2.0
/*
 * LD_PRELOAD shim for test 060: mount(2) as a kernel without union mounts
 * takes it, with MS_UNION (bit 9) ignored, so that mount(8) can be shown
 * to notice and undo a mount that covers the layers instead of merging.
 */
#define _GNU_SOURCE
#include <sys/syscall.h>
#include <unistd.h>

#define MS_UNION	(1UL << 9)

int mount(const char *src, const char *target, const char *type,
	  unsigned long flags, const void *data)
{
	return syscall(SYS_mount, src, target, type, flags & ~MS_UNION, data);
}
