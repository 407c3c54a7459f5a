// SPDX-License-Identifier: GPL-2.0
/*
 * Union mounts: the directory operations that change what is below.
 *
 * Removing or renaming away a name that a lower layer also has leaves a
 * whiteout on the top layer, so that the lower object stays hidden;
 * creating over a whiteout makes an opaque directory or replaces the
 * whiteout; renaming a merged directory copies it up first and records a
 * redirect.  fs/namei.c calls these with its locks held, from its own
 * unlink, rmdir, rename and create paths; the lookups below go through
 * __lookup_union().
 */

#include <linux/dcache.h>
#include <linux/fs.h>
#include <linux/mount.h>
#include <linux/namei.h>
#include <linux/security.h>
#include <linux/union.h>

#include "internal.h"
#include "../internal.h"
#include "../union.h"

#include <trace/events/union.h>

/* Creating @name (@dentry, negative) in @parent, which is locked. */
int union_may_create(const struct path *parent, const struct qstr *name,
		     struct dentry *dentry)
{
	struct union_dir *ud = union_stack(parent);
	struct path found;
	int err;

	if (!ud)
		return 0;
	if (!union_resolved(dentry) && !d_is_union_whiteout(dentry)) {
		err = union_find_lower(parent->dentry, ud, name,
				       d_is_fallthru(dentry), &found, NULL);
		if (err)
			return err;
		if (found.dentry) {
			path_put(&found);
			return -EEXIST;
		}
		d_union_set_resolved(dentry);
	}
	return union_dir_flags_check(parent->dentry, false);
}

/**
 * union_dir_flags_check - the flags of a union directory's lower directory
 * @dir: a union directory on the top layer
 * @removal: whether a name goes from it (unlink, rmdir, rename away or
 *	     over a name), or only comes into it
 *
 * A copy does not carry inode flags, and a union directory on the top
 * layer has those of the topmost lower directory it merges, as it has its
 * owner and mode: no name goes from an append-only or immutable one, and
 * none comes into an immutable one.  A directory that goes itself (rmdir,
 * rename) is asked as one a name goes from: may_delete() refuses an
 * append-only or immutable victim.
 *
 * Return: 0, or -EPERM.
 */
int union_dir_flags_check(const struct dentry *dir, bool removal)
{
	struct inode *lower;
	int err = 0;

	rcu_read_lock();
	lower = union_dir_lower_inode(dir, 0);
	if (lower && (IS_IMMUTABLE(lower) || (removal && IS_APPEND(lower))))
		err = -EPERM;
	rcu_read_unlock();
	return err;
}

/* Is @name of @parent (locked) visible below the top layer? */
static int union_lower_visible(const struct path *parent,
			       const struct qstr *name, struct dentry *dentry,
			       struct path *found)
{
	struct union_dir *ud = union_stack(parent);

	found->mnt = NULL;
	found->dentry = NULL;
	if (!ud || d_is_union_whiteout(dentry) ||
	    (d_is_negative(dentry) && union_resolved(dentry)))
		return 0;
	/*
	 * Below an object on top there may be something even in a complete
	 * directory: removing it must leave a whiteout, so that a directory
	 * made there later knows to be opaque.
	 */
	return union_find_lower(parent->dentry, ud, name,
				d_is_fallthru(dentry) || d_is_positive(dentry),
				found, NULL);
}

/* A whiteout at @dentry (negative) in @dir (locked). */
static int union_make_whiteout(struct inode *dir, struct dentry *dentry)
{
	int err;

	err = union_fault(UNION_STEP_WHITEOUT) ?:
	      dir->i_op->whiteout(dir, dentry);
	trace_union_whiteout(dir, dentry, err);
	if (!err)
		union_count(dir->i_sb, UNION_STAT_WHITEOUT);
	return err;
}

/* Hide @name of @parent (locked) from the lower layers. */
int union_whiteout(const struct path *parent, const struct qstr *name)
{
	struct inode *dir = d_inode(parent->dentry);
	struct dentry *dentry;
	int err;

	/* The removed dentry may have been unhashed: look it up afresh. */
	dentry = lookup_one_qstr_excl(name, parent->dentry, LOOKUP_CREATE);
	if (IS_ERR(dentry))
		return PTR_ERR(dentry);
	err = -EEXIST;
	if (!WARN_ON_ONCE(d_is_positive(dentry))) {
		err = union_make_whiteout(dir, dentry);
		if (!err)
			d_union_set_resolved(dentry);
	}
	dput(dentry);
	return err;
}

/*
 * The whiteout that a rename of a name with something below leaves at the
 * old name could not be made: move the object back, so that the rename
 * fails as a whole.  @rd is the rename that was done, to a free name.
 */
static void union_rename_undo(const struct renamedata *rd,
			      const struct path *old_parent,
			      const struct qstr *old_name)
{
	struct renamedata back = {
		.mnt_idmap = rd->mnt_idmap,
		.old_parent = rd->new_parent,
		.old_dentry = rd->old_dentry,
		.new_parent = rd->old_parent,
	};
	int err;

	back.new_dentry = lookup_one_qstr_excl(old_name, old_parent->dentry,
					       LOOKUP_CREATE);
	if (IS_ERR(back.new_dentry)) {
		err = PTR_ERR(back.new_dentry);
	} else {
		err = union_do_rename(&back);
		dput(back.new_dentry);
	}
	if (err)
		pr_warn_ratelimited("union: a failed rename could not be undone (%d)\n",
				    err);
}

/*
 * A rename whose old name hides a lower object: the old name must become
 * a whiteout.  A top layer that can do both in one ->rename() does
 * (SB_I_UNION_RENAME); elsewhere the whiteout follows the move, which is
 * undone if the whiteout cannot be made.
 */
int union_rename_whiteout(struct renamedata *rd,
			  const struct path *old_parent,
			  const struct qstr *old_name)
{
	struct inode *dir = d_inode(rd->old_parent);
	bool undo;
	int err;

	if (dir->i_sb->s_iflags & SB_I_UNION_RENAME) {
		rd->flags |= RENAME_UNION_WHITEOUT;
		err = union_fault(UNION_STEP_WHITEOUT) ?: vfs_rename(rd);
		if (!err)
			union_count(dir->i_sb, UNION_STAT_WHITEOUT);
		return err;
	}
	/* Only a rename to a free name can be undone. */
	undo = d_is_negative(rd->new_dentry);
	err = vfs_rename(rd);
	if (err)
		return err;
	err = union_whiteout(old_parent, old_name);
	if (err && undo)
		union_rename_undo(rd, old_parent, old_name);
	return err;
}

/* may_delete() for a victim that lives on a lower layer. */
static int union_may_delete(struct mnt_idmap *idmap, struct inode *dir,
			    struct inode *victim)
{
	int err;

	err = inode_permission(idmap, dir, MAY_WRITE | MAY_EXEC);
	if (err)
		return err;
	if (IS_APPEND(dir) || check_sticky(idmap, dir, victim) ||
	    IS_APPEND(victim) || IS_IMMUTABLE(victim) ||
	    HAS_UNMAPPED_ID(idmap, victim))
		return -EPERM;
	return 0;
}

/*
 * The security modules' say on removing @victim, @dentry of @parent or
 * found below it: vfs_unlink() and vfs_rmdir() would ask them, but a
 * lower file is whited out without either, and a directory is copied up
 * or completed before.  The path hooks get the union's name, the inode
 * hooks the object itself (a lower one's label is the one the union
 * shows).
 */
static int union_may_remove(const struct path *parent, struct dentry *dentry,
			    struct dentry *victim)
{
	struct inode *dir = d_inode(parent->dentry);

	if (d_is_dir(victim))
		return security_path_rmdir(parent, dentry) ?:
		       security_inode_rmdir(dir, victim);
	return security_path_unlink(parent, dentry) ?:
	       security_inode_unlink(dir, victim);
}

/*
 * May rename() replace (or, with @exchange, move) @victim, found below
 * @target (negative) of @parent?  vfs_rename() sees only the negative
 * dentry, and would check nothing of what it replaces: the sticky bit,
 * the victim's flags, the security modules' say on removing it.
 */
static int union_may_replace(const struct path *parent, struct dentry *target,
			     struct dentry *victim, bool exchange)
{
	return union_dir_flags_check(parent->dentry, true) ?:
	       union_may_delete(mnt_idmap(parent->mnt), d_inode(parent->dentry),
				d_inode(victim)) ?:
	       (exchange ? 0 : union_may_remove(parent, target, victim));
}

/*
 * unlink() in a union directory.  Returns 0 or a negative errno, and in
 * *@next what the caller does next: UNION_UNLINK_DONE, nothing (the
 * victim lived below and has been whited out); UNION_UNLINK_COPYUP, copy
 * it up (unlocked) and try again; UNION_UNLINK_VFS, vfs_unlink(), and
 * white the name out afterwards when *@whiteout is set.
 */
int union_unlink(const struct path *parent, const struct qstr *name,
		 struct dentry *dentry, bool *whiteout,
		 enum union_unlink_next *next)
{
	struct inode *dir = d_inode(parent->dentry);
	struct path found;
	int err;

	err = union_lower_visible(parent, name, dentry, &found);
	if (err)
		return err;
	if (d_is_positive(dentry) || found.dentry)
		err = union_dir_flags_check(parent->dentry, true);
	if (err || !found.dentry)
		goto out;
	*whiteout = true;
	if (d_is_positive(dentry))
		goto out;
	if (d_is_dir(found.dentry))
		err = -EISDIR;
	else if (name->name[name->len])
		err = -ENOTDIR;
	else
		err = union_may_delete(mnt_idmap(parent->mnt), dir,
				       d_inode(found.dentry)) ?:
		      union_may_remove(parent, dentry, found.dentry);
	/*
	 * A file with other names below: those stay, one link fewer.  Only
	 * its copy can count that: copy it up, then unlink the copy.
	 */
	if (err)
		goto out;
	if (union_linked(&found)) {
		*next = UNION_UNLINK_COPYUP;
		goto out;
	}
	err = union_make_whiteout(dir, dentry);
	if (err)
		goto out;
	union_notify_unlink(parent, &found, dentry);
	union_files_unlinked(parent, name, d_inode(found.dentry));
	d_union_set_resolved(dentry);
	*next = UNION_UNLINK_DONE;
out:
	path_put(&found);
	return err;
}

/*
 * unlink() and rmdir() in a union directory look below a negative dentry
 * of the top layer: they want it, not -ENOENT, from start_dirop().
 */
unsigned int union_dirop_flags(const struct path *parent,
			       unsigned int flags)
{
	return union_stack(parent) ? flags | LOOKUP_CREATE : flags;
}

/*
 * rmdir() in a union directory: the victim must be empty in the merged
 * view.  It is made to exist on the top layer with its lower entries as
 * pass-through entries, so that the filesystem's own emptiness check, which counts
 * pass-through entries and not whiteouts, decides.
 */
int union_rmdir(const struct path *parent, const struct qstr *name,
		struct dentry **dentryp, bool *whiteout)
{
	struct dentry *dentry = *dentryp, *target;
	struct path found, lower, victim;
	int err;

	err = union_lower_visible(parent, name, dentry, &found);
	if (err)
		return err;
	/*
	 * Copying the victim up and completing it write to the top layer:
	 * only for a caller who may remove it.
	 */
	target = d_is_positive(dentry) ? dentry : found.dentry;
	if (target)
		err = union_dir_flags_check(parent->dentry, true) ?:
		      union_dir_flags_check(dentry, true) ?:
		      union_may_delete(mnt_idmap(parent->mnt),
				       d_inode(parent->dentry), d_inode(target));
	if (found.dentry && !err && d_is_dir(target))
		err = union_may_remove(parent, dentry, target);
	if (found.dentry) {
		*whiteout = true;
		path_put(&found);
	}
	if (err)
		return err;
	/* Even with nothing below its name, a renamed directory has a stack. */
	err = __lookup_union(parent, name, dentryp, &lower, UNION_LOCKED);
	if (err)
		return err;
	if (lower.dentry) {
		path_put(&lower);
		return -ENOTDIR;
	}
	if (!d_is_dir(*dentryp))
		return d_is_negative(*dentryp) ? -ENOENT : -ENOTDIR;
	victim.mnt = parent->mnt;
	victim.dentry = *dentryp;
	return union_copyup_dir(&victim);
}

/*
 * rename() from a union directory (locked).  A lower directory is made to
 * exist on the top layer first; rename() then moves that, and
 * union_rename_redirect() makes its lower directories follow.  Sets
 * *@copyup when the source is a lower non-directory, to be copied up
 * before trying again.  Returns 0 or a negative errno.
 */
int union_rename_source(const struct path *parent,
			const struct qstr *name, struct dentry **dentryp,
			bool *whiteout, bool *copyup)
{
	struct dentry *dentry = *dentryp;
	struct path found, lower;
	int err;

	*copyup = false;
	err = union_lower_visible(parent, name, dentry, &found);
	if (err)
		return err;
	if (d_is_positive(dentry) || found.dentry)
		err = union_dir_flags_check(parent->dentry, true) ?:
		      union_dir_flags_check(dentry, true);
	if (err) {
		path_put(&found);
		return err;
	}
	if (found.dentry) {
		*whiteout = true;
		/* Its copy-up writes: only for a caller who may move it. */
		if (d_is_negative(dentry)) {
			err = union_may_delete(mnt_idmap(parent->mnt),
					       d_inode(parent->dentry),
					       d_inode(found.dentry));
			*copyup = !err && !d_is_dir(found.dentry);
		}
		path_put(&found);
		if (err || *copyup)
			return err;
	}
	if (d_is_negative(dentry) && !found.dentry)
		return 0;
	err = __lookup_union(parent, name, dentryp, &lower, UNION_LOCKED);
	/* A directory below: never a non-directory for the caller. */
	if (WARN_ON_ONCE(lower.dentry)) {
		path_put(&lower);
		err = -EIO;
	}
	return err;
}

/*
 * rename() into a union directory (locked): what the target name hides
 * matters.  A lower directory there is made to exist on the top layer, so
 * that the rename replaces (or swaps with) that; when it is to be
 * replaced, it gets the lower entries that make it non-empty first.
 * Sets *@copyup when the target is a lower non-directory to be copied up
 * before trying again: RENAME_EXCHANGE swaps with it, or it has other
 * names below.  Returns 0 or a negative errno.
 */
int union_rename_target(const struct path *parent,
			const struct qstr *name, struct dentry *source,
			struct dentry **targetp, unsigned int flags,
			bool *copyup)
{
	bool exchange = flags & RENAME_EXCHANGE;
	struct dentry *target = *targetp;
	struct inode *dir = d_inode(parent->dentry);
	struct path found, lower, victim;
	bool below_dir = false;
	int err;

	*copyup = false;
	err = union_dir_flags_check(parent->dentry, d_is_positive(target)) ?:
	      union_dir_flags_check(target, true);
	if (err)
		return err;
	if (d_is_negative(target)) {
		err = union_lower_visible(parent, name, target, &found);
		if (err || !found.dentry)
			return err;
		if (flags & RENAME_NOREPLACE) {
			err = -EEXIST;
		} else if (d_is_dir(source) && is_subdir(parent->dentry, source)) {
			err = -EINVAL;	/* into its own subtree */
		} else if (!d_is_dir(found.dentry)) {
			/* A file with other names below: its copy counts them. */
			if (d_is_dir(source) && !exchange)
				err = -ENOTDIR;
			else
				err = union_may_replace(parent, target,
							found.dentry, exchange);
			*copyup = !err && (exchange || union_linked(&found));
		} else if (!d_is_dir(source) && !exchange) {
			err = -EISDIR;
		} else {
			/* Its copy-up writes: only for a caller who may replace it. */
			below_dir = true;
			err = union_may_replace(parent, target, found.dentry,
						exchange);
		}
		path_put(&found);
		if (!below_dir || err)
			return err;
	} else if (!d_is_dir(target)) {
		return 0;
	}
	err = __lookup_union(parent, name, targetp, &lower, UNION_LOCKED);
	/* A directory below: never a non-directory for the caller. */
	if (WARN_ON_ONCE(lower.dentry)) {
		path_put(&lower);
		err = -EIO;
	}
	if (err || exchange || !d_is_dir(source) ||
	    is_subdir(source, *targetp))
		return err;
	victim.mnt = parent->mnt;
	victim.dentry = *targetp;
	/* So does its completion. */
	if (union_stack(&victim) && !IS_UNION_COMPLETE(d_inode(*targetp))) {
		err = union_may_delete(mnt_idmap(parent->mnt), dir,
				       d_inode(*targetp));
		if (err)
			return err;
	}
	return union_copyup_dir(&victim);
}

/*
 * rename() moves directory @dentry of a union into @new_parent: unless it
 * is new on the top layer and lands where nothing is below, its lower
 * directories must follow it (or none appear under its new name).
 */
int union_rename_redirect(const struct path *new_parent,
			  struct dentry *dentry)
{
	struct union_dir *ud = READ_ONCE(dentry->d_union_dir);

	if (!d_is_dir(dentry) ||
	    (!(ud && ud->count && !ud->shows_lower) && !union_stack(new_parent)))
		return 0;
	return union_set_redirect(new_parent->mnt, dentry);
}
