/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Union mounts: what a filesystem needs to be the top layer of a union.
 * Documentation/filesystems/union-mounts.rst has the whole story.
 *
 * A top layer sets SB_I_UNION_UPPER and implements three inode operations
 * on its directories:
 *
 *  whiteout      record that a name is deleted, hiding whatever the lower
 *                layers hold under it;
 *  pass-through  (the operation after "whiteout" in inode_operations)
 *                record that a name is to be looked up in the lower
 *                layers although its directory is complete;
 *  set_complete  mark a directory complete (S_UNION_COMPLETE): every name
 *                visible below it has an entry in it, so names it does not
 *                hold are not looked up below.
 *
 * They get a hashed negative dentry (which may already be one of those
 * entries) in a locked directory.  In the dcache both kinds of entries are
 * negative dentries, marked with d_mark_union_entry(); the filesystem's
 * ->lookup() marks them before the dentry is hashed, its readdir skips
 * whiteouts and reports pass-through entries with the helper below,
 * and creating an object over either replaces the entry.  A directory
 * created over a whiteout is opaque (S_OPAQUE): it hides every directory
 * below it.
 *
 * A top layer that sets SB_I_UNION_RENAME also takes RENAME_UNION_WHITEOUT
 * in ->rename(): the old name becomes a whiteout in the same call as the
 * move, so that no failure between two calls can leave the lower object
 * showing again under the old name.  The union never passes it with
 * RENAME_EXCHANGE.
 */
#ifndef _LINUX_UNION_H
#define _LINUX_UNION_H

#include <linux/dcache.h>
#include <linux/fs.h>
#include <linux/spinlock.h>

/* Never from user space: do_renameat2() refuses unknown flags. */
#define RENAME_UNION_WHITEOUT	BIT(31)

#ifdef CONFIG_UNION_MOUNT
/* Kernel-internal d_type of a pass-through entry, for union readdir. */
#define DT_FALLTHRU	15

/*
 * Report a whiteout (@type DT_WHT) or a pass-through entry from
 * ->iterate_shared().  Only the union's own directory reading wants them;
 * everyone else reading the top layer skips them.  A file system whose
 * whiteouts do not always stay in the dcache must report them here.
 */
static inline bool dir_emit_union_entry(struct dir_context *ctx,
					const char *name, int len,
					unsigned int type)
{
	if (!(ctx->dt_flags_mask & FILLDIR_FLAG_UNION))
		return true;
	return ctx->actor(ctx, name, len, ctx->pos, 0, type);
}

static inline bool dir_emit_fallthru(struct dir_context *ctx,
				     const char *name, int len)
{
	return dir_emit_union_entry(ctx, name, len, DT_FALLTHRU);
}

static inline bool dir_emit_whiteout(struct dir_context *ctx,
				     const char *name, int len)
{
	return dir_emit_union_entry(ctx, name, len, DT_WHT);
}

/* @flag says which kind of entry: the whiteout or the pass-through flag. */
static inline void d_mark_union_entry(struct dentry *dentry, unsigned int flag)
{
	spin_lock(&dentry->d_lock);
	dentry->d_flags &= ~(DCACHE_UNION_ENTRY | DCACHE_UNION_LOWER);
	dentry->d_flags |= flag;
	spin_unlock(&dentry->d_lock);
}
#else
static inline bool dir_emit_fallthru(struct dir_context *ctx,
				     const char *name, int len)
{
	return true;
}

static inline bool dir_emit_whiteout(struct dir_context *ctx,
				     const char *name, int len)
{
	return true;
}
#endif

/*
 * For a security module that keeps its rules by inode (Landlock): the
 * lower objects whose rules are those of a union's object.
 */
#ifdef CONFIG_UNION_MOUNT
struct inode *__union_dir_lower_inode(const struct dentry *dentry,
				      unsigned int i);

static inline struct inode *union_dir_lower_inode(const struct dentry *dentry,
						  unsigned int i)
{
	/* Most directories of a filesystem that can be a top have no stack. */
	if (likely(!(dentry->d_sb->s_iflags & SB_I_UNION_UPPER)) ||
	    !READ_ONCE(dentry->d_union_dir))
		return NULL;
	return __union_dir_lower_inode(dentry, i);
}
#else
static inline struct inode *union_dir_lower_inode(const struct dentry *dentry,
						  unsigned int i)
{
	return NULL;
}
#endif

#ifdef CONFIG_UNION_MOUNT
bool union_fsid_is(struct super_block *top, const __kernel_fsid_t *fsid);
struct super_block *union_view_top(const struct vfsmount *mnt);
int union_encode_fid(struct super_block *top, struct inode *inode, u32 *fh,
		     int *max_len);
struct file *union_file_copy(struct file *file);
struct file *union_file_reader(struct file *file);
bool union_path_shown(struct path *path);
#else
static inline bool union_fsid_is(struct super_block *top,
				 const __kernel_fsid_t *fsid)
{
	return false;
}

static inline struct super_block *union_view_top(const struct vfsmount *mnt)
{
	return NULL;
}

static inline int union_encode_fid(struct super_block *top,
				   struct inode *inode, u32 *fh, int *max_len)
{
	return -EOPNOTSUPP;
}

static inline struct file *union_file_copy(struct file *file)
{
	return NULL;
}

static inline struct file *union_file_reader(struct file *file)
{
	return file;
}

static inline bool union_path_shown(struct path *path)
{
	return false;
}
#endif

/*
 * The file that reads (and new mappings) of @file go to: NULL for nearly
 * every file; for a union's lower file that has been copied up since it
 * was opened, the copy (referenced).
 */
static inline struct file *union_read_file(struct file *file)
{
	if (likely(!(file->f_mode & FMODE_UNION_LOWER)))
		return NULL;
	return union_file_copy(file);
}

/*
 * The same for a caller that reads through its own kiocb with no reference
 * of its own to a second file: @file, or the copy it reads now, which lives
 * as long as @file does.
 */
static inline struct file *union_read_iter_file(struct file *file)
{
	if (likely(!(file->f_mode & FMODE_UNION_LOWER)))
		return file;
	return union_file_reader(file);
}

#endif /* _LINUX_UNION_H */
