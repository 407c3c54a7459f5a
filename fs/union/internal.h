/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Union mounts: what the files of fs/union/ share among themselves only.
 * The interface to the rest of the VFS is fs/union.h.
 */
#ifndef _FS_UNION_INTERNAL_H
#define _FS_UNION_INTERNAL_H

struct dentry;
struct file;
struct inode;
struct mutex;
struct path;
struct qstr;
struct super_block;
struct union_dir;
struct union_mount;
struct vfsmount;

/* debug.c: the list of unions that /sys/kernel/debug/union/mounts shows */
void union_debug_add(struct union_mount *um);
void union_debug_del(struct union_mount *um);

/* readdir.c: the listing that a stack caches */
void union_merged_drop(struct union_dir *ud);

/*
 * One copy-up: @len bytes of the lower object @lower become @name in
 * @parent, a directory of the top layer.  @staged is the unnamed copy
 * that a staged change made already (union_copyup_stage()), or NULL.
 * Set up by the caller; @len, -1 for all of the data, is made the
 * object's size or less before the steps, which only read the context.
 */
struct union_copyup_ctx {
	const struct path *parent;
	const struct qstr *name;
	const struct path *lower;
	loff_t len;
	struct file *staged;
};

/* copyup.c: the steps of a copy-up that the index reuses */
struct mutex *union_copyup_lock(const struct inode *inode);
struct file *union_copy_tmpfile(const struct union_copyup_ctx *cu);
struct dentry *union_copy_link(const struct union_copyup_ctx *cu,
			       struct dentry *src, bool *made);

/* index.c: the copy-up of a lower file with several names */
struct dentry *union_copyup_linked(const struct union_copyup_ctx *cu);

/* ino.c: inode numbers that a copy-up keeps */
u64 union_lower_ino(struct super_block *sb, struct vfsmount *mnt, u64 ino);
u64 union_top_ino(struct dentry *dentry);
int union_ino_record(const struct path *lower, struct dentry *copy);
u64 union_dino(struct dentry *dir, const struct qstr *name, u64 ino);

/* mount.c: the number a view's object shows */
u64 union_view_ino(struct vfsmount *view, u64 ino);

#endif /* _FS_UNION_INTERNAL_H */
