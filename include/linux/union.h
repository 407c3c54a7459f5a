/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Union mounts: what a filesystem needs to be the top layer of a union.
 *
 * A top layer sets SB_I_UNION_UPPER and implements three inode operations
 * on its directories:
 *
 *  ->whiteout(dir, dentry)   record that @dentry's name is deleted, hiding
 *                            whatever the lower layers hold under it;
 *  ->fallthru(dir, dentry)   record that @dentry's name is to be looked up
 *                            in the lower layers although @dir is opaque;
 *  ->set_opaque(dir)         mark @dir opaque: names it does not hold are
 *                            not looked up below.
 *
 * @dentry is a hashed negative dentry (it may already be a whiteout or a
 * fallthru) and @dir is locked.  Whiteouts and fallthrus are negative
 * dentries with DCACHE_UNION_WHITEOUT or DCACHE_UNION_FALLTHRU set; the
 * filesystem's ->lookup() marks them with d_mark_union_entry() before the
 * dentry is hashed, its readdir never reports whiteouts and reports
 * fallthrus with dir_emit_fallthru(), and creating an object over either
 * replaces the entry.  A directory created over a whiteout is opaque.
 */
#ifndef _LINUX_UNION_H
#define _LINUX_UNION_H

#include <linux/dcache.h>
#include <linux/fs.h>
#include <linux/spinlock.h>

#ifdef CONFIG_UNION_MOUNT
/* Kernel-internal d_type of a fallthru entry, seen only by union readdir. */
#define DT_FALLTHRU	15

bool union_filldir(struct dir_context *ctx, const char *name, int len,
		   loff_t offset, u64 ino, unsigned int d_type);

/*
 * Report a fallthru entry from ->iterate_shared().  Only the union's own
 * readdir wants them; everyone else reading the top layer skips them.
 */
static inline bool dir_emit_fallthru(struct dir_context *ctx,
				     const char *name, int len)
{
	if (ctx->actor != union_filldir)
		return true;
	return ctx->actor(ctx, name, len, ctx->pos, 0, DT_FALLTHRU);
}

/* @flag is DCACHE_UNION_WHITEOUT or DCACHE_UNION_FALLTHRU. */
static inline void d_mark_union_entry(struct dentry *dentry, unsigned int flag)
{
	spin_lock(&dentry->d_lock);
	dentry->d_flags &= ~(DCACHE_UNION_WHITEOUT | DCACHE_UNION_FALLTHRU);
	dentry->d_flags |= flag;
	spin_unlock(&dentry->d_lock);
}
#else
static inline bool dir_emit_fallthru(struct dir_context *ctx,
				     const char *name, int len)
{
	return true;
}
#endif

#endif /* _LINUX_UNION_H */
