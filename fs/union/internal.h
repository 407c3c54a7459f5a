/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Union mounts: what the files of fs/union/ share among themselves only.
 * The interface to the rest of the VFS is fs/union.h.
 */
#ifndef _FS_UNION_INTERNAL_H
#define _FS_UNION_INTERNAL_H

#include <linux/fs.h>
#include <linux/posix_acl.h>
#include <linux/xattr.h>

struct union_dir;
struct union_mount;

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
 * *@lost (if @lost is set) is set when @staged lost its race: another
 * task made a copy at @name meanwhile (union_copyup_lost()).
 */
struct union_copyup_ctx {
	const struct path *parent;
	const struct qstr *name;
	const struct path *lower;
	loff_t len;
	struct file *staged;
	bool *lost;
};

/*
 * A staged copy that another task's copy-up beat to its name: -ESTALE,
 * and the caller, told by *@cu->lost, acts on the copy that is there.
 */
static inline int union_copyup_lost(const struct union_copyup_ctx *cu)
{
	if (cu->lost)
		*cu->lost = true;
	return -ESTALE;
}

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

/*
 * The union's own calls into its top layer: one place to log them from
 * (dynamic debug) and to read what they assume.  The top layer's mount
 * is never idmapped (union_check_top()), and the union waits for no
 * delegation: a top-layer object that has one fails the call with
 * -EWOULDBLOCK, as overlayfs's calls into its upper layer do.  They take
 * no lock: callers hold what the vfs_*() call asks for (the parent's
 * i_rwsem, the inode's for setattr, lock_rename() for the rename).
 * union_do_mkdir() is fs/namei.c's: it needs __vfs_mkdir().
 */
static inline int union_do_setattr(struct dentry *dentry, struct iattr *attr)
{
	/* notify_change() may add to ia_valid: log what was asked. */
	unsigned int valid = attr->ia_valid;
	int err = notify_change(&nop_mnt_idmap, dentry, attr, NULL);

	pr_debug("union: setattr(%pd2, 0x%x) = %i\n", dentry, valid, err);
	return err;
}

static inline int union_do_setxattr(struct dentry *dentry, const char *name,
				    const void *value, size_t size, int flags)
{
	int err = vfs_setxattr(&nop_mnt_idmap, dentry, name, value, size,
			       flags);

	pr_debug("union: setxattr(%pd2, \"%s\", %zu, 0x%x) = %i\n", dentry,
		 name, size, flags, err);
	return err;
}

static inline int union_do_removexattr(struct dentry *dentry, const char *name)
{
	int err = vfs_removexattr(&nop_mnt_idmap, dentry, name);

	pr_debug("union: removexattr(%pd2, \"%s\") = %i\n", dentry, name, err);
	return err;
}

static inline struct posix_acl *union_do_get_acl(struct dentry *dentry,
						 const char *name)
{
	struct posix_acl *acl = vfs_get_acl(&nop_mnt_idmap, dentry, name);

	pr_debug("union: get_acl(%pd2, \"%s\") = %i\n", dentry, name,
		 PTR_ERR_OR_ZERO(acl));
	return acl;
}

static inline int union_do_set_acl(struct dentry *dentry, const char *name,
				   struct posix_acl *acl)
{
	int err = vfs_set_acl(&nop_mnt_idmap, dentry, name, acl);

	pr_debug("union: set_acl(%pd2, \"%s\") = %i\n", dentry, name, err);
	return err;
}

static inline int union_do_remove_acl(struct dentry *dentry, const char *name)
{
	int err = vfs_remove_acl(&nop_mnt_idmap, dentry, name);

	pr_debug("union: remove_acl(%pd2, \"%s\") = %i\n", dentry, name, err);
	return err;
}

static inline int union_do_symlink(struct inode *dir, struct dentry *dentry,
				   const char *target)
{
	int err = vfs_symlink(&nop_mnt_idmap, dir, dentry, target, NULL);

	pr_debug("union: symlink(\"%s\", %pd2) = %i\n", target, dentry, err);
	return err;
}

static inline int union_do_mknod(struct inode *dir, struct dentry *dentry,
				 umode_t mode, dev_t dev)
{
	int err = vfs_mknod(&nop_mnt_idmap, dir, dentry, mode, dev, NULL);

	pr_debug("union: mknod(%pd2, 0%o, %u:%u) = %i\n", dentry, mode,
		 MAJOR(dev), MINOR(dev), err);
	return err;
}

static inline int union_do_link(struct dentry *old, struct inode *dir,
				struct dentry *new)
{
	int err = vfs_link(old, &nop_mnt_idmap, dir, new, NULL);

	pr_debug("union: link(%pd2, %pd2) = %i\n", old, new, err);
	return err;
}

static inline int union_do_unlink(struct inode *dir, struct dentry *dentry)
{
	int err = vfs_unlink(&nop_mnt_idmap, dir, dentry, NULL);

	pr_debug("union: unlink(%pd2) = %i\n", dentry, err);
	return err;
}

static inline int union_do_rmdir(struct inode *dir, struct dentry *dentry)
{
	int err = vfs_rmdir(&nop_mnt_idmap, dir, dentry, NULL);

	pr_debug("union: rmdir(%pd2) = %i\n", dentry, err);
	return err;
}

/* The union's own rename: taking back one it could not complete. */
static inline int union_do_rename(struct renamedata *rd)
{
	int err = vfs_rename(rd);

	pr_debug("union: rename(%pd2, %pd2) = %i\n", rd->old_dentry,
		 rd->new_dentry, err);
	return err;
}

#endif /* _FS_UNION_INTERNAL_H */
