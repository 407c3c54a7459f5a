// SPDX-License-Identifier: GPL-2.0
/*
 * Union mounts: the union's own xattrs on the top layer, and the redirects
 * of renamed directories.
 */

#include <linux/dcache.h>
#include <linux/fs.h>
#include <linux/mount.h>
#include <linux/namei.h>
#include <linux/slab.h>
#include <linux/xattr.h>

#include "internal.h"
#include "../union.h"

/*
 * A directory renamed on a union takes its lower directories along: it
 * carries UNION_XATTR_REDIRECT, the path of those directories from the
 * root of the lower layers ("/a/b"), or an empty value when nothing is
 * below it.  Lookup then follows that path instead of the directory's name.
 * The path is the same in every lower layer: a stack is always built from
 * one name (or one redirect) in each layer of its parent's stack.
 */

/*
 * Read @dentry's redirect into *@redirect (NUL-terminated, for kfree());
 * returns its length, or -ENODATA when it has none.
 */
static int union_get_redirect(struct dentry *dentry, char **redirect)
{
	struct inode *inode = d_inode(dentry);
	ssize_t len, got;
	char *buf;

	*redirect = NULL;
	len = __vfs_getxattr(dentry, inode, UNION_XATTR_REDIRECT, NULL, 0);
	if (len == -EOPNOTSUPP)
		return -ENODATA;
	if (len < 0)
		return len;
	if (len >= PATH_MAX)
		goto bad;
	buf = kmalloc(len + 1, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	got = __vfs_getxattr(dentry, inode, UNION_XATTR_REDIRECT, buf, len);
	if (got != len) {
		kfree(buf);
		if (got < 0 && got != -ERANGE)
			return got;
		goto bad;
	}
	buf[len] = '\0';
	if (len && (buf[0] != '/' || strlen(buf) != len)) {
		kfree(buf);
		goto bad;
	}
	*redirect = buf;
	return len;
bad:
	pr_warn_ratelimited("union: bad %s on directory %llu of %s\n",
			    UNION_XATTR_REDIRECT, inode->i_ino,
			    inode->i_sb->s_id);
	return -EIO;
}

/*
 * Walk @redirect down from @dir, the root of one lower layer.  Returns the
 * directory found there, or NULL when the layer has none; clears *@more
 * when this layer hides the ones below it there.
 */
static struct dentry *union_walk_redirect(struct dentry *dir,
					  const char *redirect, bool *more)
{
	const char *p = redirect;

	dget(dir);
	while (*p) {
		const char *name = p + 1;
		unsigned int len = strchrnul(name, '/') - name;
		struct dentry *d;

		if (!len || (name[0] == '.' &&
			     (len == 1 || (len == 2 && name[1] == '.')))) {
			dput(dir);
			return ERR_PTR(-EIO);
		}
		d = union_lookup_one(dir, name, len);
		if (IS_ERR(d) || !d_is_dir(d)) {
			if (!IS_ERR(d)) {
				*more = d_is_negative(d) &&
					union_see_through(dir, d);
				dput(d);
				d = NULL;
			}
			dput(dir);
			return d;
		}
		dput(dir);
		dir = d;
		p = name + len;
		if (*p && IS_OPAQUE(d_inode(dir)))
			*more = false;
	}
	return dir;
}

/*
 * The stack of a renamed directory: the directories at @redirect in the
 * layers of the union's root, as a lookup of that path would find them.
 * That is the root of the union's top layer, not of @mnt, which may be a
 * bind mount of a directory in it.
 */
static struct union_dir *union_redirect_stack(struct vfsmount *mnt,
					      const char *redirect)
{
	struct union_dir *root = READ_ONCE(mnt->mnt_sb->s_root->d_union_dir);
	struct union_dir *ud;
	unsigned int i, n = 0;
	bool more = true;

	if (!*redirect || WARN_ON_ONCE(!root))
		return &union_dir_none;
	ud = union_dir_alloc(root->count);
	if (!ud)
		return ERR_PTR(-ENOMEM);
	for (i = 0; i < root->count && more; i++) {
		struct dentry *d;

		d = union_walk_redirect(root->layers[i].dentry, redirect, &more);
		if (IS_ERR(d)) {
			ud->count = n;
			union_dir_free(ud);
			return ERR_CAST(d);
		}
		if (!d)
			continue;
		ud->layers[n].mnt = mntget(root->layers[i].mnt);
		ud->layers[n++].dentry = d;
		if (IS_OPAQUE(d_inode(d)))
			break;
	}
	ud->count = n;
	if (!n) {
		union_dir_free(ud);
		ud = &union_dir_none;
	}
	return ud;
}

/*
 * Is the stack of the top-layer directory @dentry settled without looking
 * below its name (*@settled)?  A renamed directory's redirect says where
 * its lower directories are; an opaque one has none.  Returns 0 or a
 * negative errno.
 */
int union_lookup_redirect(const struct path *parent, struct dentry *dentry,
			  bool *settled)
{
	struct union_dir *ud = &union_dir_none;
	char *redirect;
	int len;

	*settled = false;
	len = union_get_redirect(dentry, &redirect);
	if (len == -ENODATA && !IS_OPAQUE(d_inode(dentry)))
		return 0;
	if (len >= 0) {
		ud = union_redirect_stack(parent->mnt, redirect);
		kfree(redirect);
		if (IS_ERR(ud))
			return PTR_ERR(ud);
	} else if (len != -ENODATA) {
		return len;
	}
	if (union_dir_publish(dentry, ud))
		d_union_set_resolved(dentry);
	*settled = true;
	return 0;
}

/**
 * union_setxattr_sync - set or remove one of the union's xattrs, on disk
 * @dentry: where, on the top layer
 * @name: which
 * @value: the value, or NULL to remove it
 * @size: its size
 * @flags: XATTR_CREATE, XATTR_REPLACE or 0
 *
 * For the xattrs whose writes nothing else orders against the changes
 * they stand for: on a filesystem without a journal, S_SYNC is what
 * writes them out (ext2 then writes the xattr block and the inode before
 * returning).  The inode lock keeps FS_IOC_SETFLAGS from changing the
 * flags meanwhile.  The caller may set trusted xattrs.
 *
 * Return: 0, or the negative errno of setting or removing the xattr.
 */
int union_setxattr_sync(struct dentry *dentry, const char *name,
			const void *value, size_t size, int flags)
{
	struct inode *inode = d_inode(dentry);
	bool sync;
	int err;

	inode_lock(inode);
	sync = !IS_SYNC(inode);
	if (sync)
		inode_set_flags(inode, S_SYNC, S_SYNC);
	if (value)
		err = __vfs_setxattr_locked(&nop_mnt_idmap, dentry, name,
					    value, size, flags, NULL);
	else
		err = __vfs_removexattr_locked(&nop_mnt_idmap, dentry, name,
					       NULL);
	if (sync)
		inode_set_flags(inode, 0, S_SYNC);
	inode_unlock(inode);
	pr_debug("union: %sxattr(%pd2, \"%s\") = %i\n",
		 value ? "set" : "remove", dentry, name, err);
	return err;
}

/*
 * The redirect must reach the disk before the rename does: after a crash
 * that kept the rename but not the redirect, the directory would look
 * empty.
 */
static int union_set_redirect_sync(struct dentry *dentry, const char *path)
{
	return union_setxattr_sync(dentry, UNION_XATTR_REDIRECT, path,
				   strlen(path), XATTR_CREATE);
}

/*
 * Where a redirect's path starts in the layer of @lower: that layer's
 * directory in the stack of the union's root, which is not the root of
 * its mount when the union was made over a subdirectory of a read-only
 * mount.  The root's stack lives as long as the union.
 */
static struct dentry *union_layer_root(struct super_block *sb,
				       const struct path *lower)
{
	struct union_dir *root = READ_ONCE(sb->s_root->d_union_dir);
	unsigned int i;

	for (i = 0; root && i < root->count; i++) {
		if (root->layers[i].mnt == lower->mnt)
			return root->layers[i].dentry;
	}
	return NULL;
}

/*
 * rename() is about to move @dentry, a directory of union mount @mnt, from
 * where its name finds its lower directories: record where they are,
 * unless it already says.  Set before the rename, so that a crash between
 * the two leaves a redirect that points where the name does.  The
 * parents are locked; it switches to the creator's credentials, which
 * may set trusted xattrs.
 */
int union_set_redirect(struct vfsmount *mnt, struct dentry *dentry)
{
	struct union_dir *ud = READ_ONCE(dentry->d_union_dir);
	const struct cred *old_cred;
	char *buf = NULL, *path = "";
	int err;

	err = __vfs_getxattr(dentry, d_inode(dentry), UNION_XATTR_REDIRECT,
			     NULL, 0);
	if (err >= 0)
		return 0;
	if (err != -ENODATA && err != -EOPNOTSUPP)
		return err;
	if (ud && ud->count && !ud->shows_lower) {
		struct path root = { .mnt = ud->layers[0].mnt };

		root.dentry = union_layer_root(mnt->mnt_sb, &ud->layers[0]);
		if (!root.dentry)
			return -EXDEV;
		buf = kmalloc(PATH_MAX, GFP_KERNEL);
		if (!buf)
			return -ENOMEM;
		path = __d_path(&ud->layers[0], &root, buf, PATH_MAX);
		err = -EXDEV;
		if (IS_ERR_OR_NULL(path))
			goto out;
	}
	old_cred = union_override_creds(mnt->mnt_sb);
	err = union_fault(UNION_STEP_REDIRECT) ?:
	      union_set_redirect_sync(dentry, path);
	union_revert_creds(old_cred);
	/* A top layer without trusted xattrs cannot move such directories. */
	if (err == -EOPNOTSUPP)
		err = -EXDEV;
out:
	kfree(buf);
	return err;
}

/*
 * listxattr() of a directory or file of a union: the union's own xattrs
 * left out.  With @size 0, the exact size needed.
 */
ssize_t union_listxattr(struct dentry *dentry, char *list, size_t size)
{
	char *buf = list, *name, *end, *out;
	ssize_t len, n;

	if (!size) {
		len = vfs_listxattr(dentry, NULL, 0);
		if (len <= 0)
			return len;
		buf = kvmalloc(len, GFP_KERNEL);
		if (!buf)
			return -ENOMEM;
		size = len;
	}
	len = vfs_listxattr(dentry, buf, size);
	if (len <= 0)
		goto out;
	end = buf + len;
	for (name = out = buf; name < end; name += n) {
		n = strnlen(name, end - name) + 1;
		if (union_xattr_name(name))
			continue;
		memmove(out, name, n);
		out += n;
	}
	len = out - buf;
out:
	if (buf != list)
		kvfree(buf);
	return len;
}
