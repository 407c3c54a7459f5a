// SPDX-License-Identifier: GPL-2.0
/*
 * Union mounts: the index of copied-up files with several names.
 */

#include <linux/cred.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mount.h>
#include <linux/namei.h>
#include <linux/slab.h>
#include <linux/xattr.h>

#include "internal.h"
#include "../union.h"

/*
 * Hard links.  A lower regular file with several names is copied up once.
 * Its copy is also linked into the index, a directory in the top layer's
 * root that the merged view does not show, as "<layer>-<inode number>" of
 * the lower file; a lookup that finds another name of that lower file
 * finds the index entry too and links the copy there ("link-up"), so all
 * the names stay one file.  The copy's UNION_XATTR_INDEX holds
 * "<index name>:<names below not linked up yet>", from which the merged
 * view's link count is
 *
 *	links on the top layer - 1 (the index's) + names below not linked up.
 *
 * The count and the links of one lower inode change under its copy-up
 * mutex.  The index is only ever locked alone or inside a directory of
 * the union (never the other way round).
 */
bool union_index_hides(const struct dentry *dir, const struct qstr *name)
{
	return dir == dir->d_sb->s_root &&
	       name->len == sizeof(UNION_INDEX_NAME) - 1 &&
	       !memcmp(name->name, UNION_INDEX_NAME, name->len);
}

/* The index entry's name for @lower, a lower file of the union @sb. */
static int union_index_name(struct super_block *sb, const struct path *lower,
			    char *buf)
{
	int i = union_layer_index(sb, lower->mnt);

	if (i < 0)
		return -EXDEV;
	snprintf(buf, UNION_INDEX_NAME_MAX, "%d-%llx", i,
		 d_inode(lower->dentry)->i_ino);
	return 0;
}

/* The index directory of @sb, referenced; made when @create. */
static struct dentry *union_index_dir(struct super_block *sb, bool create)
{
	struct dentry *root = sb->s_root, *dir;
	struct union_times times;

	dir = lookup_noperm_unlocked(&QSTR(UNION_INDEX_NAME), root);
	if (IS_ERR(dir) || d_is_positive(dir) || !create)
		goto out;
	dput(dir);
	inode_lock_nested(d_inode(root), I_MUTEX_PARENT);
	dir = lookup_noperm(&QSTR(UNION_INDEX_NAME), root);
	if (!IS_ERR(dir) && d_is_negative(dir)) {
		int err;

		union_save_times(d_inode(root), &times);
		err = union_do_mkdir(d_inode(root), dir, 0700);
		union_restore_times(root, &times);
		if (!err && d_is_negative(dir))
			err = -EIO;
		if (err) {
			dput(dir);
			dir = ERR_PTR(err);
		}
	}
	inode_unlock(d_inode(root));
out:
	if (!IS_ERR(dir) && d_is_positive(dir) && !d_is_dir(dir)) {
		dput(dir);
		dir = ERR_PTR(-EIO);
	}
	return dir;
}

/* Has the union @sb made its index? */
bool union_index_present(struct super_block *sb)
{
	const struct cred *old_cred = union_override_creds(sb);
	struct dentry *dir = union_index_dir(sb, false);
	bool present = !IS_ERR(dir) && d_is_positive(dir);

	if (!IS_ERR(dir))
		dput(dir);
	union_revert_creds(old_cred);
	return present;
}

/* @lower's index entry, referenced: positive if it has one. */
static struct dentry *union_index_entry(struct super_block *sb,
					const struct path *lower, bool create)
{
	char name[UNION_INDEX_NAME_MAX];
	struct dentry *dir, *entry;
	int err;

	err = union_index_name(sb, lower, name);
	if (err)
		return ERR_PTR(err);
	dir = union_index_dir(sb, create);
	if (IS_ERR(dir) || d_is_negative(dir))
		return dir;
	entry = lookup_noperm_unlocked(&QSTR(name), dir);
	dput(dir);
	return entry;
}

/* The copy's record: index entry name, and names below not linked up. */
static int union_index_get(struct dentry *copy, char *name, int *pending)
{
	char buf[UNION_INDEX_NAME_MAX + 16];
	ssize_t len;
	char *colon;

	len = __vfs_getxattr(copy, d_inode(copy), UNION_XATTR_INDEX, buf,
			     sizeof(buf) - 1);
	if (len < 0)
		return len == -EOPNOTSUPP ? -ENODATA : len;
	buf[len] = '\0';
	colon = strrchr(buf, ':');
	if (!colon || colon - buf >= UNION_INDEX_NAME_MAX ||
	    kstrtoint(colon + 1, 10, pending) || *pending < 0)
		return -EIO;
	*colon = '\0';
	if (name)
		strscpy(name, buf, UNION_INDEX_NAME_MAX);
	return 0;
}

static int union_index_set(struct dentry *copy, const char *name, int pending,
			   int flags)
{
	char buf[UNION_INDEX_NAME_MAX + 16];
	int len = snprintf(buf, sizeof(buf), "%s:%d", name, pending);

	return union_fault(UNION_STEP_INDEX) ?:
	       union_do_setxattr(copy, UNION_XATTR_INDEX, buf, len, flags);
}

/*
 * One name below fewer not linked up (it was, or it went away).  Taken
 * last, inside directory locks.
 */
static DEFINE_MUTEX(union_index_mutex);

static int union_index_account(struct dentry *copy)
{
	char name[UNION_INDEX_NAME_MAX];
	int pending, err;

	mutex_lock(&union_index_mutex);
	err = union_index_get(copy, name, &pending);
	if (!err && pending > 0)
		err = union_index_set(copy, name, pending - 1, XATTR_REPLACE);
	mutex_unlock(&union_index_mutex);
	return err;
}

/*
 * Link @entry, the index entry of @cu->lower, at @cu->name in
 * @cu->parent, and count that name as linked up.  Returns the new
 * dentry, or the one another task put there (*@made false).  The caller
 * holds the lower file's copy-up mutex.
 */
static struct dentry *union_link_up(const struct union_copyup_ctx *cu,
				    struct dentry *entry, bool *made)
{
	struct dentry *dentry;
	int err;

	*made = false;
	dentry = union_copy_link(cu, entry, made);
	if (IS_ERR(dentry) || !*made)
		return dentry;
	err = union_index_account(dentry);
	if (err) {
		dput(dentry);
		dentry = ERR_PTR(err);
	}
	return dentry;
}

/**
 * union_index_holds - has a lower file with several names a copy?
 * @sb: the union's top layer
 * @lower: the lower file, on a view or an anchor of the union
 *
 * For a walk in a directory served from below, which does not link the
 * copy to the name it finds (union_lookup_linked()) unless it asks.
 *
 * Return: true if the union's index holds a copy of @lower; false if not,
 * also when @lower is not a regular file with several names or the index
 * cannot be read.
 */
bool union_index_holds(struct super_block *sb, const struct path *lower)
{
	const struct cred *old_cred;
	struct dentry *entry;
	bool held;

	if (!union_linked(lower))
		return false;
	old_cred = union_override_creds(sb);
	entry = union_index_entry(sb, lower, false);
	held = !IS_ERR(entry) && d_is_positive(entry);
	if (!IS_ERR(entry))
		dput(entry);
	union_revert_creds(old_cred);
	return held;
}

/*
 * A lookup found @lower, a lower file with several names, at @name: if
 * another of its names has been copied up, link that copy here and return
 * it (else NULL).  The caller holds no lock.
 */
struct dentry *union_lookup_linked(const struct path *parent,
				   const struct qstr *name,
				   const struct path *lower)
{
	struct union_copyup_ctx cu = {
		.parent = parent, .name = name, .lower = lower, .len = -1,
	};
	struct inode *linode = d_inode(lower->dentry);
	struct mutex *lock = union_copyup_lock(linode);
	struct super_block *sb = parent->dentry->d_sb;
	const struct cred *old_cred;
	struct dentry *entry, *dentry = NULL;
	bool made;
	int err;

	if (!union_linked(lower))
		return NULL;
	old_cred = union_override_creds(sb);
	entry = union_index_entry(sb, lower, false);
	if (IS_ERR(entry) || d_is_negative(entry))
		goto out;
	err = mutex_lock_killable(lock);
	if (err) {
		dentry = ERR_PTR(err);
		goto out;
	}
	dentry = union_link_up(&cu, entry, &made);
	mutex_unlock(lock);
out:
	if (IS_ERR(entry))
		dentry = ERR_CAST(entry);
	else
		dput(entry);
	union_revert_creds(old_cred);
	return dentry;
}

/*
 * Before @dentry, a file on a union's top layer, loses a name: will its
 * index entry be all that is left of it?  Then *@name is that entry.
 */
bool union_last_link(struct dentry *dentry, char *name)
{
	struct inode *inode = d_inode(dentry);
	int pending;

	return S_ISREG(inode->i_mode) && inode->i_nlink == 2 &&
	       !union_index_get(dentry, name, &pending) && !pending;
}

/* ... and once it has: remove @inode's index entry @name of union @sb. */
void union_drop_index(struct super_block *sb, struct inode *inode,
		      const char *name)
{
	const struct cred *old_cred;
	struct dentry *dir, *entry;

	old_cred = union_override_creds(sb);
	dir = union_index_dir(sb, false);
	if (IS_ERR(dir))
		goto out;
	if (d_is_negative(dir))
		goto out_dput;
	inode_lock_nested(d_inode(dir), I_MUTEX_PARENT);
	entry = lookup_noperm(&QSTR(name), dir);
	if (!IS_ERR(entry)) {
		/* Still this file's entry, and still its last link. */
		if (d_inode(entry) == inode && inode->i_nlink == 1)
			union_do_unlink(d_inode(dir), entry);
		dput(entry);
	}
	inode_unlock(d_inode(dir));
out_dput:
	dput(dir);
out:
	union_revert_creds(old_cred);
}

/*
 * Copy up @cu->lower, a lower file with several names, to @cu->name in
 * @cu->parent: through the index, where its copy is made first unless
 * another name made it already.
 */
struct dentry *union_copyup_linked(const struct union_copyup_ctx *cu)
{
	const struct path *parent = cu->parent, *lower = cu->lower;
	struct super_block *sb = parent->dentry->d_sb;
	struct file *staged = cu->staged;
	char iname[UNION_INDEX_NAME_MAX];
	struct dentry *dir, *entry;
	struct file *tmp = NULL;
	int nlink, err;

	err = union_index_name(sb, lower, iname);
	if (err)
		return ERR_PTR(err);
	/* Names that a layer above hides will never be linked up. */
	nlink = union_lower_nlink(sb, lower);
	if (nlink < 0)
		return ERR_PTR(nlink);
	err = mnt_want_write(parent->mnt);
	if (err)
		return ERR_PTR(err);
	dir = union_index_dir(sb, true);
	mnt_drop_write(parent->mnt);
	if (IS_ERR(dir))
		return dir;
	entry = lookup_noperm_unlocked(&QSTR(iname), dir);
	if (IS_ERR(entry))
		goto out_dir;
	/* Another name's copy, which may have changed since @staged was made. */
	if (d_is_positive(entry) && staged) {
		dput(entry);
		entry = ERR_PTR(union_copyup_lost(cu));
		goto out_dir;
	}
	if (d_is_positive(entry))
		goto link_up;
	dput(entry);
	tmp = staged ?: union_copy_tmpfile(cu);
	if (IS_ERR(tmp)) {
		entry = ERR_CAST(tmp);
		goto out_dir;
	}
	err = mnt_want_write(parent->mnt);
	if (err) {
		entry = ERR_PTR(err);
		goto out_tmp;
	}
	/* Every name below counts until it is linked up, this one too. */
	err = union_index_set(tmp->f_path.dentry, iname, nlink, XATTR_CREATE);
	inode_lock_nested(d_inode(dir), I_MUTEX_PARENT);
	entry = lookup_noperm(&QSTR(iname), dir);
	if (!err && !IS_ERR(entry) && d_is_negative(entry))
		err = union_do_link(tmp->f_path.dentry, d_inode(dir), entry);
	inode_unlock(d_inode(dir));
	mnt_drop_write(parent->mnt);
	if (err && !IS_ERR(entry)) {
		dput(entry);
		entry = ERR_PTR(err);
	}
link_up:
	if (!IS_ERR(entry)) {
		struct dentry *dentry;
		bool made;

		dentry = union_link_up(cu, entry, &made);
		/*
		 * A staged copy that did not get its name must not stay for
		 * the other names: its call has failed.
		 */
		if (staged && !made) {
			union_drop_index(sb, d_inode(staged->f_path.dentry),
					 iname);
			if (!IS_ERR(dentry)) {
				dput(dentry);
				dentry = ERR_PTR(union_copyup_lost(cu));
			}
		}
		dput(entry);
		entry = dentry;
	}
out_tmp:
	if (tmp && tmp != staged)
		fput(tmp);
out_dir:
	dput(dir);
	return entry;
}

/* st_nlink of a file with several links on a union's top layer. */
int union_getattr_file(const struct path *path, struct kstat *stat)
{
	int pending;

	if (union_index_get(path->dentry, NULL, &pending))
		return 0;
	stat->nlink = stat->nlink - 1 + pending;
	return 0;
}
