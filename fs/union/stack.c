// SPDX-License-Identifier: GPL-2.0
/*
 * Union mounts: the stacks of lower directories and helpers every part uses.
 *
 * A directory of a union that has directories of its name below it carries
 * a union_dir stack of them, kept for the life of the dentry.  This file
 * builds them for __lookup_union() in fs/namei.c, publishes and frees
 * them, and holds the helpers that run a step on the top layer as the
 * union's creator.
 */

#include <linux/cred.h>
#include <linux/dcache.h>
#include <linux/fs.h>
#include <linux/mount.h>
#include <linux/slab.h>
#include <linux/union.h>

#include "internal.h"
#include "../union.h"

struct union_dir union_dir_none;

struct union_dir *union_dir_alloc(unsigned int count)
{
	struct union_dir *ud;

	ud = kzalloc(struct_size(ud, layers, count), GFP_KERNEL);
	if (ud) {
		refcount_set(&ud->ref, 1);
		ud->count = count;
		INIT_LIST_HEAD(&ud->merged_lru);
	}
	return ud;
}

/* Put a reference to @ud; the last one frees it. */
void union_dir_free(struct union_dir *ud)
{
	unsigned int i;

	if (!ud || ud == &union_dir_none || !refcount_dec_and_test(&ud->ref))
		return;
	for (i = 0; i < ud->count; i++)
		path_put(&ud->layers[i]);
	union_merged_drop(ud);
	/* RCU-walk may still be looking at the pointer it read. */
	kfree_rcu(ud, rcu);
}

/*
 * Make @ud the stack of @dentry unless another lookup got there first;
 * returns false (and frees @ud) in that case.
 */
bool union_dir_publish(struct dentry *dentry, struct union_dir *ud)
{
	struct union_dir *old = NULL;

	while (!try_cmpxchg(&dentry->d_union_dir, &old, ud)) {
		/* A lower file's, from when the name was negative, gives way. */
		if (!old->shows_lower) {
			union_dir_free(ud);
			return false;
		}
	}
	union_dir_free(old);
	return true;
}

/* Keep @ud at @dentry, which shows what it holds.  Consumes @ud. */
static void union_cache_shown(struct dentry *dentry, struct union_dir *ud)
{
	ud->shows_lower = true;
	spin_lock(&dentry->d_lock);
	if (d_is_negative(dentry) && !d_is_union_whiteout(dentry) &&
	    !cmpxchg(&dentry->d_union_dir, NULL, ud)) {
		dentry->d_flags |= DCACHE_UNION_LOWER;
		ud = NULL;
	}
	spin_unlock(&dentry->d_lock);
	union_dir_free(ud);
}

/*
 * @dentry, negative on the top layer, shows the lower non-directory
 * @lower: keep it there, so that the next walks through the name step
 * into it in RCU-walk mode instead of looking it up in every layer
 * (step_into_union()).  The lower layers never change; whatever makes
 * the name anything else on the top layer clears DCACHE_UNION_LOWER.
 * Not for a file with several names: another of them may be copied up,
 * and this one must then show the copy.
 */
void union_cache_lower(struct dentry *dentry, const struct path *lower)
{
	struct union_dir *ud;

	if (union_linked(lower) || READ_ONCE(dentry->d_union_dir))
		return;
	ud = union_dir_alloc(1);
	if (!ud)
		return;
	ud->layers[0] = *lower;
	path_get(lower);
	union_cache_shown(dentry, ud);
}

/*
 * @dentry, negative on the top layer, shows the directories of @ud, which
 * lower layers merge there (union_dir.merges_below): keep them there,
 * unless another lookup was first.  Consumes @ud.
 */
static void union_cache_merged(struct dentry *dentry, struct union_dir *ud)
{
	ud->merges_below = true;
	union_cache_shown(dentry, ud);
}

/*
 * Called by __dentry_kill(): nobody else can see @dentry any more.  On
 * other filesystems the word is their ->d_time.
 */
void d_union_release(struct dentry *dentry)
{
	struct union_dir *ud;

	if (!(dentry->d_sb->s_iflags & SB_I_UNION_UPPER))
		return;
	ud = dentry->d_union_dir;
	if (ud) {
		dentry->d_union_dir = NULL;
		union_dir_free(ud);
	}
}

/*
 * The lower layers have been consulted for @dentry and the result is
 * recorded: its stack (or the absence of one) for a directory, nothing to
 * find below for a negative dentry.  The lower layers never change, so
 * this stays true until the dentry dies.
 */
void d_union_set_resolved(struct dentry *dentry)
{
	spin_lock(&dentry->d_lock);
	dentry->d_flags |= DCACHE_UNION_RESOLVED;
	spin_unlock(&dentry->d_lock);
}

/*
 * The stack of the directories at @name below: @found, a directory at
 * index @first of the parent's stack @pud, and those of the same name
 * visible below it.  Consumes @found.
 */
static struct union_dir *union_stack_below(struct union_dir *pud,
					   unsigned int first,
					   const struct qstr *name,
					   struct path *found)
{
	struct union_dir *ud;
	unsigned int i, n = 0;

	ud = union_dir_alloc(pud->count - first);
	if (!ud) {
		path_put(found);
		return ERR_PTR(-ENOMEM);
	}
	ud->layers[n++] = *found;
	for (i = first + 1; i < pud->count; i++) {
		struct path *lower = &pud->layers[i];
		struct dentry *d;

		d = union_lookup_one(lower->dentry, name->name, name->len);
		if (IS_ERR(d)) {
			ud->count = n;
			union_dir_free(ud);
			return ERR_CAST(d);
		}
		if (d_is_dir(d)) {
			ud->layers[n].mnt = mntget(lower->mnt);
			ud->layers[n++].dentry = d;
			/* An opaque directory hides the ones below it. */
			if (IS_OPAQUE(d_inode(d)))
				break;
			continue;
		}
		if (d_is_positive(d) || !union_see_through(lower->dentry, d)) {
			dput(d);
			break;
		}
		dput(d);
	}
	ud->count = n;
	return ud;
}

/* Build the stack of the top-layer directory @dentry: union_stack_below(). */
int union_build_stack(struct dentry *dentry, struct union_dir *pud,
		      unsigned int first, const struct qstr *name,
		      struct path *found)
{
	struct union_dir *ud = union_stack_below(pud, first, name, found);

	if (IS_ERR(ud))
		return PTR_ERR(ud);
	if (union_dir_publish(dentry, ud))
		d_union_set_resolved(dentry);
	return 0;
}

/*
 * @found, a directory at index @layer of @ud, merges with directories below
 * it at @name, which the top layer does not hold (@dentry is negative):
 * it is served from below, its stack kept at @dentry for the lookups and
 * listings in it (union_dir.merges_below), and *@lower is @found.
 */
int union_merge_below(struct dentry *dentry, struct union_dir *ud,
		      unsigned int layer, const struct qstr *name,
		      struct path *found, struct path *lower)
{
	struct union_dir *merged = READ_ONCE(dentry->d_union_dir);

	*lower = *found;
	if (merged && merged->merges_below)
		return 0;
	path_get(found);
	merged = union_stack_below(ud, layer, name, found);
	if (IS_ERR(merged)) {
		path_put(lower);
		lower->mnt = NULL;
		lower->dentry = NULL;
		return PTR_ERR(merged);
	}
	union_cache_merged(dentry, merged);
	return 0;
}

/**
 * __union_dir_lower_inode - a lower directory that a union's directory merges
 * @dentry: a directory, held by the caller
 * @i: which one, from 0, topmost first
 *
 * For a security module that keeps its rules by inode (Landlock): a rule
 * given on a directory that lower layers served is on a lower layer's
 * inode, and stays the directory's once it is copied up; the lower
 * directories of a renamed directory follow it.  Under rcu_read_lock(): a
 * stack replaced meanwhile (union_dir_publish()) is freed after a grace
 * period.
 *
 * Return: the inode, or NULL when @dentry merges fewer than @i + 1
 * directories, is no directory or is its filesystem's root.
 */
struct inode *__union_dir_lower_inode(const struct dentry *dentry,
				      unsigned int i)
{
	const struct union_dir *ud = READ_ONCE(dentry->d_union_dir);
	const struct dentry *lower;

	/* The root's lower roots were never served: their rules are not its. */
	if (!ud || i >= ud->count || !d_is_dir(dentry) || IS_ROOT(dentry))
		return NULL;
	lower = ud->layers[i].dentry;
	/* A file the name showed before a directory was made there. */
	return d_is_dir(lower) ? d_inode_rcu(lower) : NULL;
}

/* The union's own work: with its creator's credentials, and quiet. */
const struct cred *union_override_creds(struct super_block *sb)
{
	union_quiet_begin();
	return override_creds(sb->s_union->creator_cred);
}

void union_revert_creds(const struct cred *old)
{
	revert_creds(old);
	union_quiet_end();
}

void union_save_times(struct inode *inode, struct union_times *times)
{
	times->atime = inode_get_atime(inode);
	times->mtime = inode_get_mtime(inode);
}

/* @dentry's inode is locked; the caller runs with the creator's creds. */
void union_restore_times(struct dentry *dentry,
			 const struct union_times *times)
{
	struct iattr attr = {
		.ia_valid = ATTR_ATIME | ATTR_MTIME | ATTR_ATIME_SET |
			    ATTR_MTIME_SET,
		.ia_atime = times->atime,
		.ia_mtime = times->mtime,
	};

	/* Only the times are at stake: a failure is not worth failing for. */
	union_do_setattr(dentry, &attr);
}
