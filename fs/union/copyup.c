// SPDX-License-Identifier: GPL-2.0
/*
 * Union mounts: copies of lower objects on the top layer.
 *
 * The first change to a file that lives on a read-only lower layer (open
 * for write, truncate, a change of mode, owner, times or xattrs, link,
 * rename) gives it a copy on the top layer, in the same directory under
 * the same name, and the change is then made to the copy.  fs/namei.c
 * decides when (the LOOKUP_COPYUP lookups and rename()); this file makes
 * the copy.  A directory gets its copy on the way to a change in it
 * (union_unview()), or from a lookup that needs it on the top layer.
 *
 * A regular file is built as an O_TMPFILE on the top layer and linked
 * into place only once its data, xattrs and attributes are complete, so a
 * failure or a crash half way leaves the lower file showing, and no
 * temporary name.  Other types carry no data: they are created in place
 * and given their attributes at once.
 *
 * Copies are made with the credentials of the union's creator: the caller
 * has been allowed to change the file, and the copy must be exactly the
 * lower object, whoever owns it.  The lookups that find what to copy run
 * as the caller.
 */

#include <linux/cred.h>
#include <linux/file.h>
#include <linux/filelock.h>
#include <linux/fs.h>
#include <linux/fsnotify.h>
#include <linux/hash.h>
#include <linux/mount.h>
#include <linux/namei.h>
#include <linux/posix_acl.h>
#include <linux/posix_acl_xattr.h>
#include <linux/sched/signal.h>
#include <linux/security.h>
#include <linux/slab.h>
#include <linux/splice.h>
#include <linux/xattr.h>

#include "internal.h"
#include "../internal.h"
#include "../mount.h"
#include "../union.h"

#include <trace/events/union.h>

/* Data is copied in pieces this big, checking for fatal signals between. */
#define UNION_COPY_CHUNK	SZ_8M

/*
 * Copy-ups of one lower inode are serialised by one of these, chosen by
 * hashing the inode: the second task waits, then finds the copy there.
 * Taken before the top layer's freeze protection and directory locks,
 * and never while holding either.
 */
#define UNION_COPYUP_LOCK_BITS	6
static struct mutex union_copyup_locks[1 << UNION_COPYUP_LOCK_BITS];

static int __init union_copyup_init(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(union_copyup_locks); i++)
		mutex_init(&union_copyup_locks[i]);
	return 0;
}
fs_initcall(union_copyup_init);

struct mutex *union_copyup_lock(const struct inode *inode)
{
	return &union_copyup_locks[hash_ptr(inode, UNION_COPYUP_LOCK_BITS)];
}

/* Copy [0, @len) of @in to @out, leaving holes where @in has them. */
static int union_copy_data(struct file *in, struct file *out, loff_t len)
{
	loff_t pos = 0, end;
	bool seek_data = in->f_mode & FMODE_LSEEK;
	int err;

	err = rw_verify_area(READ, in, &pos, len);
	if (!err)
		err = rw_verify_area(WRITE, out, &pos, len);
	if (err)
		return err;
	while (pos < len) {
		loff_t data = pos;

		if (seek_data) {
			data = vfs_llseek(in, pos, SEEK_DATA);
			if (data == -ENXIO)
				break;
			if (data < 0) {
				seek_data = false;
				data = pos;
			}
		}
		end = seek_data ? vfs_llseek(in, data, SEEK_HOLE) : len;
		if (end < 0 || end > len)
			end = len;
		while (data < end) {
			loff_t opos = data;
			ssize_t n;

			if (fatal_signal_pending(current))
				return -EINTR;
			n = do_splice_direct(in, &data, out, &opos,
					     min_t(loff_t, end - data,
						   UNION_COPY_CHUNK), 0);
			if (n < 0)
				return n;
			if (!n)		/* the lower file is shorter than it said */
				return -EIO;
		}
		pos = end;
		cond_resched();
	}
	return 0;
}

/* The credentials a security module gives a copy. */
struct union_cu_creds {
	const struct cred *old;
	struct cred *new;
};

/*
 * A security module may want a copy made with other credentials (a label
 * of its own for the new inode): security_inode_copy_up() gives them, and
 * they stay in force until union_cu_creds_revert().
 */
static int union_cu_creds_override(struct dentry *lower,
				   struct union_cu_creds *cc)
{
	int err;

	cc->new = NULL;
	cc->old = NULL;
	err = security_inode_copy_up(lower, &cc->new);
	if (err < 0)
		return err;
	if (cc->new)
		cc->old = override_creds(cc->new);
	return 0;
}

static void union_cu_creds_revert(struct union_cu_creds *cc)
{
	if (!cc->new)
		return;
	revert_creds(cc->old);
	put_cred(cc->new);
}

static int union_copy_acl(const struct path *lower, struct dentry *new,
			  const char *name)
{
	struct posix_acl *acl;
	int err;

	acl = vfs_get_acl(mnt_idmap(lower->mnt), lower->dentry, name);
	if (IS_ERR_OR_NULL(acl))
		return PTR_ERR_OR_ZERO(acl);
	err = union_do_set_acl(new, name, acl);
	posix_acl_release(acl);
	return err;
}

static int union_copy_xattr(const struct path *lower, struct dentry *new,
			    const char *name)
{
	struct mnt_idmap *idmap = mnt_idmap(lower->mnt);
	ssize_t size;
	void *value;
	int err;

	size = vfs_getxattr(idmap, lower->dentry, name, NULL, 0);
	if (size < 0)
		return size;
	value = kvmalloc(size ?: 1, GFP_KERNEL);
	if (!value)
		return -ENOMEM;
	size = vfs_getxattr(idmap, lower->dentry, name, value, size);
	err = size;
	if (size >= 0)
		err = union_do_setxattr(new, name, value, size, 0);
	kvfree(value);
	/* It changed size between the calls: lower layers do not. */
	return err == -ERANGE ? -EIO : err;
}

/*
 * A copy is made in a top-layer directory and inherits its default ACL,
 * as an access ACL and, for a directory, as its own default ACL.  An ACL
 * the lower object does not have would grant what it does not, so it goes.
 */
static int union_drop_acl(struct dentry *new, const char *name)
{
	struct posix_acl *acl;

	acl = union_do_get_acl(new, name);
	if (PTR_ERR(acl) == -ENODATA || PTR_ERR(acl) == -EOPNOTSUPP)
		return 0;
	if (IS_ERR(acl))
		return PTR_ERR(acl);
	posix_acl_release(acl);
	return union_do_remove_acl(new, name);
}

static int union_drop_acls(struct dentry *new, bool access, bool dflt)
{
	int err = 0;

	if (!IS_POSIXACL(d_inode(new)))
		return 0;
	if (!access)
		err = union_drop_acl(new, XATTR_NAME_POSIX_ACL_ACCESS);
	if (!err && !dflt && d_is_dir(new))
		err = union_drop_acl(new, XATTR_NAME_POSIX_ACL_DEFAULT);
	return err;
}

/*
 * Every xattr of every namespace, POSIX ACLs included, for files and for
 * the directories that lookups copy up, and no other: the copy carries
 * what the lower object has and nothing it inherited on the top layer.
 * A top layer that cannot hold one fails the copy-up: silently dropping a
 * capability or an ACL would change what the object is.  The exception is
 * an NFSv4 ACL (below).
 */
static int union_copy_xattrs(const struct path *lower, struct dentry *new)
{
	bool access = false, dflt = false;
	ssize_t size;
	char *names, *name;
	int err;

	/* And the union's own: what the copy is a copy of. */
	err = union_ino_record(lower, new);
	if (err)
		return err;
	size = vfs_listxattr(lower->dentry, NULL, 0);
	if (size <= 0) {
		if (size && size != -EOPNOTSUPP)
			return size;
		return union_drop_acls(new, false, false);
	}
	names = kvmalloc(size, GFP_KERNEL);
	if (!names)
		return -ENOMEM;
	size = vfs_listxattr(lower->dentry, names, size);
	if (size < 0) {
		err = size;
		goto out;
	}
	for (name = names; name < names + size; name += strlen(name) + 1) {
		/* A lower layer that was a union's top says nothing to us. */
		if (union_xattr_name(name))
			continue;
		/* A security module's own xattrs are its to copy or not. */
		err = security_inode_copy_up_xattr(lower->dentry, name);
		if (err == -ECANCELED) {
			err = 0;
			continue;
		}
		if (err < 0 && err != -EOPNOTSUPP)
			break;
		access |= !strcmp(name, XATTR_NAME_POSIX_ACL_ACCESS);
		dflt |= !strcmp(name, XATTR_NAME_POSIX_ACL_DEFAULT);
		if (is_posix_acl_xattr(name))
			err = union_copy_acl(lower, new, name);
		else
			err = union_copy_xattr(lower, new, name);
		/*
		 * An NFSv4 lower shows its ACL, often no more than the mode
		 * in ACL form, as system.nfs4_acl, which only NFS can hold;
		 * the copy keeps the mode, and loses grants beyond it.
		 */
		if (err == -EOPNOTSUPP && !strcmp(name, "system.nfs4_acl"))
			err = 0;
		if (err)
			break;
	}
	if (!err)
		err = union_drop_acls(new, access, dflt);
out:
	kvfree(names);
	return err;
}

/*
 * Owner, mode and times of @lower onto its copy @new, after the xattrs:
 * nothing here drops set-id bits or capabilities (no ATTR_KILL_*).
 */
static int union_copy_attrs(const struct path *lower, struct dentry *new)
{
	struct inode *linode = d_inode(lower->dentry);
	struct mnt_idmap *idmap = mnt_idmap(lower->mnt);
	struct iattr attr = {
		.ia_valid = ATTR_UID | ATTR_GID | ATTR_ATIME | ATTR_MTIME |
			    ATTR_ATIME_SET | ATTR_MTIME_SET,
		.ia_vfsuid = i_uid_into_vfsuid(idmap, linode),
		.ia_vfsgid = i_gid_into_vfsgid(idmap, linode),
		.ia_atime = inode_get_atime(linode),
		.ia_mtime = inode_get_mtime(linode),
	};
	int err;

	if (!S_ISLNK(linode->i_mode)) {
		attr.ia_valid |= ATTR_MODE;
		attr.ia_mode = linode->i_mode;
	}
	err = union_copy_xattrs(lower, new);
	if (err)
		return err;
	inode_lock(d_inode(new));
	err = union_do_setattr(new, &attr);
	inode_unlock(d_inode(new));
	return err;
}

/* kernel_tmpfile_open() that reports no events: the copy is no one's. */
static struct file *union_tmpfile_open(const struct path *parent)
{
	struct file *file;
	int err;

	file = alloc_empty_file_noaccount(O_RDWR | O_LARGEFILE,
					  current_cred());
	if (IS_ERR(file))
		return file;
	file_set_fsnotify_mode(file, FMODE_NONOTIFY);
	err = vfs_tmpfile(&nop_mnt_idmap, parent, file, S_IFREG | 0600);
	pr_debug("union: tmpfile(%pd2) = %i\n", parent->dentry, err);
	if (err) {
		fput(file);
		return ERR_PTR(err);
	}
	return file;
}

/*
 * The regular file @cu->lower as an unnamed file on the top layer, data
 * and attributes complete and on stable storage, @cu->len bytes long.
 */
struct file *union_copy_tmpfile(const struct union_copyup_ctx *cu)
{
	const struct path *parent = cu->parent, *lower = cu->lower;
	loff_t len = cu->len;
	struct union_cu_creds cc;
	struct file *in, *out;
	int err;

	/* The copy-up's own reads and writes are no one's events. */
	in = dentry_open_nonotify(lower, O_RDONLY | O_LARGEFILE,
				  current_cred());
	if (IS_ERR(in))
		return in;
	err = union_cu_creds_override(lower->dentry, &cc);
	if (err) {
		out = ERR_PTR(err);
		goto out_in;
	}
	err = mnt_want_write(parent->mnt);
	if (err) {
		out = ERR_PTR(err);
		goto out_creds;
	}
	err = union_fault(UNION_STEP_COPY_OPEN);
	out = err ? ERR_PTR(err) : union_tmpfile_open(parent);
	/* do_splice_direct() takes the top's freeze protection itself. */
	mnt_drop_write(parent->mnt);
	if (IS_ERR(out))
		goto out_creds;
	err = union_fault(UNION_STEP_COPY_DATA) ?: union_copy_data(in, out, len);
	if (!err && i_size_read(file_inode(out)) != len)
		err = vfs_truncate(&out->f_path, len);
	if (!err) {
		err = mnt_want_write(parent->mnt);
		if (!err) {
			err = union_fault(UNION_STEP_COPY_ATTRS) ?:
			      union_copy_attrs(lower, out->f_path.dentry);
			mnt_drop_write(parent->mnt);
		}
	}
	/*
	 * After the attributes: a crash must not leave a linked copy with
	 * what it inherited on the top layer (an ACL, the caller's owner).
	 */
	if (!err)
		err = union_fault(UNION_STEP_COPY_SYNC) ?: vfs_fsync(out, 0);
	if (err) {
		fput(out);
		out = ERR_PTR(err);
	}
out_creds:
	union_cu_creds_revert(&cc);
out_in:
	fput(in);
	return out;
}

/* Make the non-regular @lower at @dentry, negative, in @dir (locked). */
static int union_copy_special(struct inode *dir, struct dentry *dentry,
			      const struct path *lower)
{
	struct inode *linode = d_inode(lower->dentry);
	DEFINE_DELAYED_CALL(done);
	struct union_cu_creds cc;
	const char *target;
	int err;

	err = union_cu_creds_override(lower->dentry, &cc);
	if (err)
		return err;
	if (S_ISLNK(linode->i_mode)) {
		target = vfs_get_link(lower->dentry, &done);
		err = PTR_ERR_OR_ZERO(target);
		if (!err)
			err = union_do_symlink(dir, dentry, target);
		do_delayed_call(&done);
	} else {
		err = union_do_mknod(dir, dentry, linode->i_mode & ~S_IALLUGO,
				     linode->i_rdev);
	}
	if (!err) {
		err = union_copy_attrs(lower, dentry);
		if (err)
			union_do_unlink(dir, dentry);
	}
	union_cu_creds_revert(&cc);
	return err;
}

/*
 * Put the copy of @cu->lower in place as @cu->name of @cu->parent: link
 * @src (a complete regular file: the O_TMPFILE, or the copy's index
 * entry) or make the special file.  Another task may have put something
 * there first; whatever it is, it is the answer, and *@made (if given)
 * says false.
 */
struct dentry *union_copy_link(const struct union_copyup_ctx *cu,
			       struct dentry *src, bool *made)
{
	const struct path *parent = cu->parent;
	const struct qstr *name = cu->name;
	struct inode *dir = d_inode(parent->dentry);
	struct union_times times;
	struct dentry *dentry;
	int err;

	err = mnt_want_write(parent->mnt);
	if (err)
		return ERR_PTR(err);
	inode_lock_nested(dir, I_MUTEX_PARENT);
	dentry = lookup_noperm(&QSTR_LEN(name->name, name->len),
			       parent->dentry);
	if (IS_ERR(dentry) || d_is_positive(dentry))
		goto out;
	/* Unlinked or renamed away while we copied. */
	err = -ENOENT;
	if (d_is_union_whiteout(dentry) || IS_DEADDIR(dir))
		goto out_dput;
	/* The copy is not a change to the directory in the merged view. */
	union_save_times(dir, &times);
	err = union_fault(UNION_STEP_COPY_LINK);
	if (!err && src)
		err = union_do_link(src, dir, dentry);
	else if (!err)
		err = union_copy_special(dir, dentry, cu->lower);
	union_restore_times(parent->dentry, &times);
	if (!err && WARN_ON_ONCE(d_is_negative(dentry)))
		err = -EIO;
	if (!err && made)
		*made = true;
out_dput:
	if (err) {
		dput(dentry);
		dentry = ERR_PTR(err);
	}
out:
	inode_unlock(dir);
	mnt_drop_write(parent->mnt);
	return dentry;
}

/*
 * union_copyup() with, for a regular file, the unnamed copy @cu->staged
 * made already (or NULL).  A staged copy is linked only where no copy has
 * been made meanwhile, which may have been changed since: -ESTALE, and
 * the caller starts again from the copy that is there.
 */
static int __union_copyup(struct union_copyup_ctx *cu,
			  struct dentry **dentryp)
{
	const struct path *parent = cu->parent, *lower = cu->lower;
	const struct qstr *name = cu->name;
	struct file *staged = cu->staged;
	struct inode *linode = d_inode(lower->dentry);
	struct mutex *lock = union_copyup_lock(linode);
	const struct cred *old_cred;
	struct file *tmp = staged;
	struct dentry *dentry;
	bool made = false;
	int err;

	if (WARN_ON_ONCE(d_is_dir(lower->dentry)))
		return -EISDIR;
	err = mutex_lock_killable(lock);
	if (err)
		return err;
	/* Copied up by the task we waited for. */
	if (d_is_positive(*dentryp) && !d_unhashed(*dentryp)) {
		err = staged ? union_copyup_lost(cu) : 0;
		if (staged)
			trace_union_copyup_end(parent->dentry, name, NULL, err);
		goto out_unlock;
	}
	old_cred = union_override_creds(parent->mnt->mnt_sb);
	if (cu->len < 0 || cu->len > i_size_read(linode))
		cu->len = i_size_read(linode);
	/* A staged copy's start was traced when it was made. */
	if (!staged)
		trace_union_copyup_start(parent->dentry, name, linode, cu->len);
	if (union_linked(lower)) {
		dentry = union_copyup_linked(cu);
		/* Linked from the index: the copy of @lower, whoever made it. */
		made = true;
		/* A top without trusted xattrs: one copy per name, then. */
		if (dentry != ERR_PTR(-EOPNOTSUPP))
			goto copied;
		made = false;
	}
	if (S_ISREG(linode->i_mode) && !tmp) {
		tmp = union_copy_tmpfile(cu);
		if (IS_ERR(tmp)) {
			err = PTR_ERR(tmp);
			goto out_creds;
		}
	}
	dentry = union_copy_link(cu, tmp ? tmp->f_path.dentry : NULL, &made);
	if (tmp != staged)
		fput(tmp);
	if (staged && !IS_ERR(dentry) && !made) {
		dput(dentry);
		dentry = ERR_PTR(union_copyup_lost(cu));
	}
copied:
	if (IS_ERR(dentry)) {
		err = PTR_ERR(dentry);
	} else {
		dput(*dentryp);
		*dentryp = dentry;
		/*
		 * Not what another task put there meanwhile: that need not be
		 * a copy of @lower at all, and descriptors of @lower must not
		 * take it for one.
		 */
		if (made) {
			union_files_copied(linode, parent->mnt->mnt_sb, dentry);
			/* The copy is the file now, and its marks are there. */
			fsnotify_move_inode_marks(linode, d_inode(dentry));
		}
	}
out_creds:
	trace_union_copyup_end(parent->dentry, name,
			       err ? NULL : *dentryp, err);
	union_count(parent->dentry->d_sb, err ? UNION_STAT_COPYUP_FAILED :
						UNION_STAT_COPYUP);
	union_revert_creds(old_cred);
out_unlock:
	mutex_unlock(lock);
	return err;
}

/**
 * union_copyup - give a lower non-directory its copy on the top layer
 * @parent: the union directory (on the top layer) holding it
 * @name: its name there, hashed
 * @dentryp: in: the top layer's dentry for @name, referenced; out: the
 *	     copy's, referenced
 * @lower: the lower object
 * @len: how much data to copy (a truncation follows), or -1 for all of it
 *
 * The caller holds no lock and no write access; it has checked that the
 * change it is about to make is allowed.
 *
 * Return: 0 with *@dentryp positive: the copy, or what another task put at
 * @name meanwhile; or a negative errno, with *@dentryp left as it was.
 */
int union_copyup(const struct path *parent, const struct qstr *name,
		 struct dentry **dentryp, const struct path *lower, loff_t len)
{
	struct union_copyup_ctx cu = {
		.parent = parent, .name = name, .lower = lower, .len = len,
	};

	return __union_copyup(&cu, dentryp);
}

/*
 * Copy up @name of @parent if it is a lower non-directory, for rename(),
 * which finds out under locks that it wants that.
 */
int union_copyup_name(const struct path *parent, const struct qstr *name)
{
	struct dentry *dentry;
	struct path lower;
	int err;

	dentry = lookup_one_unlocked(mnt_idmap(parent->mnt),
				     &QSTR_LEN(name->name, name->len),
				     parent->dentry);
	if (IS_ERR(dentry))
		return PTR_ERR(dentry);
	err = __lookup_union(parent, name, &dentry, &lower, 0);
	if (!err && lower.dentry) {
		err = union_copyup(parent, name, &dentry, &lower, -1);
		path_put(&lower);
	}
	dput(dentry);
	return err;
}

/* The name @o records, hashed as its directory hashes names. */
static int union_origin_name(const struct union_origin *o, struct qstr *name)
{
	struct dentry *parent = o->parent.dentry;
	int err;

	*name = (struct qstr)QSTR_INIT(o->name, o->len);
	name->hash = full_name_hash(parent, o->name, o->len);
	if (parent->d_flags & DCACHE_OP_HASH) {
		err = parent->d_op->d_hash(parent, name);
		if (err < 0)
			return err;
	}
	return 0;
}

/*
 * Staged copy-up, for the calls whose last checks need the file they
 * change: open() for writing (security_file_open(), fanotify permission
 * events, leases, security_file_truncate()) and truncate()
 * (security_path_truncate()).  Copying first and checking afterwards
 * would leave a refused call's copy behind, truncated for O_TRUNC.  So
 * the copy is made unnamed (union_copyup_stage()), the call is made on it
 * with every check it has, and only then is the copy linked in
 * (union_copyup_commit()); a refused call drops it, and the top layer and
 * the merged view are as they were.
 */
struct file *union_copyup_stage(const struct union_origin *o,
				const struct path *lower, loff_t len)
{
	struct inode *linode = d_inode(lower->dentry);
	struct qstr name = QSTR_INIT(o->name, o->len);
	struct union_copyup_ctx cu = {
		.parent = &o->parent, .name = &name, .lower = lower, .len = len,
	};
	const struct cred *old_cred;
	struct file *tmp;

	if (WARN_ON_ONCE(!S_ISREG(linode->i_mode) || o->lower != lower->dentry))
		return ERR_PTR(-EIO);
	old_cred = union_override_creds(o->parent.mnt->mnt_sb);
	if (cu.len < 0 || cu.len > i_size_read(linode))
		cu.len = i_size_read(linode);
	trace_union_copyup_start(o->parent.dentry, &name, linode, cu.len);
	tmp = union_copy_tmpfile(&cu);
	union_revert_creds(old_cred);
	if (IS_ERR(tmp)) {
		trace_union_copyup_end(o->parent.dentry, &name, NULL,
				       PTR_ERR(tmp));
		union_count(o->parent.dentry->d_sb, UNION_STAT_COPYUP_FAILED);
	}
	return tmp;
}

/* The call of a staged copy-up failed before the copy was linked. */
void union_copyup_refused(const struct union_origin *o, int err)
{
	struct qstr name = QSTR_INIT(o->name, o->len);

	trace_union_copyup_end(o->parent.dentry, &name, NULL, err);
}

/*
 * Link @staged, the copy of @lower, at the name @o records; *@copy is
 * then its path there.  -ESTALE with *@lost set when a copy was made
 * meanwhile, or the name went away: what is there now is the answer.
 */
int union_copyup_commit(const struct union_origin *o, const struct path *lower,
			struct file *staged, struct path *copy, bool *lost)
{
	struct dentry *parent = o->parent.dentry;
	struct qstr name;
	struct union_copyup_ctx cu = {
		.parent = &o->parent, .name = &name, .lower = lower, .len = -1,
		.staged = staged, .lost = lost,
	};
	struct dentry *dentry;
	int err;

	*lost = false;
	err = union_origin_name(o, &name);
	if (err)
		return err;
	dentry = lookup_one_unlocked(mnt_idmap(o->parent.mnt),
				     &QSTR_LEN(o->name, o->len),
				     parent);
	if (IS_ERR(dentry))
		return PTR_ERR(dentry);
	err = __union_copyup(&cu, &dentry);
	if (err) {
		dput(dentry);
		/* Unlinked or renamed away meanwhile (union_copy_link()). */
		return err == -ENOENT ? union_copyup_lost(&cu) : err;
	}
	copy->mnt = mntget(o->parent.mnt);
	copy->dentry = dentry;
	return 0;
}

/*
 * union_change() lost its race: another task copied the file up, or
 * renamed or removed its name, after the walk.  Make the change to what
 * the union shows at the name now, as the caller's new walk would: the
 * copy gets it with all its checks, a name that is gone is -ENOENT.
 * Losing again would need yet another task to change the name, so the
 * caller's single retry of -ESTALE (meant for NFS) is not relied upon;
 * what a walk should see afresh (a symlink or mount there now, a lower
 * file again) still goes back to it as -ESTALE.
 */
static int union_change_again(const struct union_origin *o,
			      int (*change)(const struct path *, void *),
			      void *arg)
{
	struct path lower, path = { .mnt = o->parent.mnt };
	struct qstr name;
	int err;

	err = union_origin_name(o, &name);
	if (err)
		return err;
	path.dentry = lookup_one_unlocked(mnt_idmap(o->parent.mnt),
					  &QSTR_LEN(o->name, o->len),
					  o->parent.dentry);
	if (IS_ERR(path.dentry))
		return PTR_ERR(path.dentry);
	err = __lookup_union(&o->parent, &name, &path.dentry, &lower, 0);
	if (!err && lower.dentry) {
		path_put(&lower);
		err = -ESTALE;
	} else if (!err && d_is_negative(path.dentry)) {
		err = -ENOENT;
	} else if (!err && (!d_is_reg(path.dentry) ||
			    d_mountpoint(path.dentry))) {
		err = -ESTALE;
	} else if (!err) {
		err = change(&path, arg);
	}
	dput(path.dentry);
	return err;
}

/**
 * union_change - make a path-based change to a lower regular file
 * @o: where the walk found it (filename_lookup_change(), filename_lookup_truncate())
 * @lower: the lower file
 * @len: how much data the copy needs (truncate()), or -1 for all of it
 * @change: the change, made on the unnamed copy with all its checks
 * @arg: for @change
 * @events: the fsnotify events that @change makes on a plain file, for
 *	    the copy once it has its name (FS_ATTRIB and the like)
 *
 * The copy is linked only if @change worked: a refused change (a
 * security module, a capability, the owner's rights that only the change
 * itself knows) leaves the lower file showing and the top layer as it was.
 *
 * Return: 0 once the change is made (on the copy another task made
 * meanwhile, if one did), or a negative errno: @change's, -ETXTBSY for a
 * truncate (@len >= 0) of a file a program runs from, -ENOENT when the
 * name went away meanwhile, -ESTALE when the name now needs a new walk
 * (union_change_again()), or the copy-up's.
 */
int union_change(const struct union_origin *o, const struct path *lower,
		 loff_t len, int (*change)(const struct path *, void *),
		 void *arg, __u32 events)
{
	struct path copy;
	struct file *tmp;
	bool lost = false;
	int err;

	/* truncate() */
	if (len >= 0) {
		err = union_lower_writable(lower);
		if (err)
			return err;
	}
	tmp = union_copyup_stage(o, lower, len);
	if (IS_ERR(tmp))
		return PTR_ERR(tmp);
	/* Its events are reported once the copy has its name. */
	union_quiet_begin();
	err = change(&tmp->f_path, arg);
	union_quiet_end();
	/* truncate() breaks the lower file's leases, after its checks. */
	if (!err && len >= 0)
		err = break_lease(d_inode(lower->dentry), O_WRONLY);
	if (err)
		union_copyup_refused(o, err);
	else
		err = union_copyup_commit(o, lower, tmp, &copy, &lost);
	if (!err) {
		if (events)
			fsnotify_dentry(copy.dentry, events);
		path_put(&copy);
	}
	fput(tmp);
	if (lost)
		err = union_change_again(o, change, arg);
	return err;
}

/*
 * May the caller change @path, a directory served from below, through a
 * descriptor (its mode, owner, times, xattrs)?  Its copy would have its
 * owner and mode, not its inode flags: a caller who may not make such a
 * change makes no copy.
 */
static int union_dir_may_change(const struct path *path)
{
	struct mnt_idmap *idmap = mnt_idmap(path->mnt);
	struct inode *inode = d_inode(path->dentry);

	if (IS_IMMUTABLE(inode) || IS_APPEND(inode))
		return -EPERM;
	if (HAS_UNMAPPED_ID(idmap, inode))
		return -EPERM;
	if (inode_owner_or_capable(idmap, inode))
		return 0;
	if (generic_permission(idmap, inode, MAY_WRITE) ||
	    security_inode_permission(inode, MAY_WRITE))
		return -EPERM;
	return 0;
}

/*
 * Give the lower directory @lower a copy on the top layer, with the same
 * mode, owner, times and xattrs (default ACLs too) and nothing inherited
 * from @dir, as @dentry (negative, in @dir, which is locked).
 */
int union_create_dir(struct inode *dir, struct dentry *dentry,
		     const struct path *lower)
{
	struct union_times times;
	struct union_cu_creds cc;
	struct inode *linode = d_inode(lower->dentry);
	struct iattr attr = {
		.ia_valid = ATTR_MODE | ATTR_UID | ATTR_GID | ATTR_ATIME |
			    ATTR_MTIME | ATTR_ATIME_SET | ATTR_MTIME_SET,
		.ia_mode = linode->i_mode,
		.ia_uid = linode->i_uid,
		.ia_gid = linode->i_gid,
		.ia_atime = inode_get_atime(linode),
		.ia_mtime = inode_get_mtime(linode),
	};
	int err;

	union_save_times(dir, &times);
	err = union_fault(UNION_STEP_DIR_COPY) ?:
	      union_cu_creds_override(lower->dentry, &cc);
	if (err)
		goto out;
	err = union_do_mkdir(dir, dentry, linode->i_mode & S_IALLUGO);
	union_cu_creds_revert(&cc);
	if (err)
		goto out;
	/* Looking a name up changes nothing in the merged view. */
	union_restore_times(dentry->d_parent, &times);
	if (WARN_ON_ONCE(d_is_negative(dentry))) {
		err = -EIO;
		goto out;
	}
	err = union_copy_xattrs(lower, dentry);
	if (!err) {
		inode_lock(d_inode(dentry));
		err = union_do_setattr(dentry, &attr);
		inode_unlock(d_inode(dentry));
	}
	if (err)
		union_do_rmdir(dir, dentry);
out:
	trace_union_dir_create(dir, dentry, err);
	if (!err)
		union_count(dir->i_sb, UNION_STAT_DIR_CREATE);
	return err;
}

/*
 * Make @name in union directory @parent exist on the top layer as a copy
 * of the lower directory @lower, for a lookup that cannot serve it from
 * below (union_anchor()): there it can carry its stack and receive new
 * entries.  This is the union's own doing, so it runs with the creator's
 * credentials.  Returns the top layer's dentry, which another task may have
 * created (or whited out) first.  With @locked, the caller holds @parent's
 * i_rwsem and write access to its mount.
 */
struct dentry *union_copyup_lookup_dir(const struct path *parent,
				       const struct qstr *name,
				       const struct path *lower, bool locked)
{
	struct inode *dir = d_inode(parent->dentry);
	const struct cred *old_cred;
	struct dentry *dentry;
	int err;

	if (!locked) {
		err = mnt_want_write(parent->mnt);
		if (err)
			return ERR_PTR(err);
		inode_lock_nested(dir, I_MUTEX_PARENT);
	}
	old_cred = union_override_creds(parent->mnt->mnt_sb);
	dentry = lookup_one_qstr_excl(name, parent->dentry, LOOKUP_CREATE);
	if (!IS_ERR(dentry) && d_is_negative(dentry) &&
	    !d_is_union_whiteout(dentry)) {
		err = union_create_dir(dir, dentry, lower);
		/*
		 * Anchors that served it hold the dentry: they live on only
		 * as long as their users, or the copy would stay until their
		 * union mounts go, also after its removal.  Marks set through
		 * them watch the copy from now on, and files opened in it are
		 * in the copy.
		 */
		if (!err && union_anchor_retire(dir->i_sb, dentry))
			fsnotify_move_inode_marks(d_inode(lower->dentry),
						  d_inode(dentry));
		if (!err)
			union_files_dir_copied(lower->dentry, dir->i_sb, dentry);
		if (err) {
			dput(dentry);
			dentry = ERR_PTR(err);
		}
	}
	union_revert_creds(old_cred);
	if (!locked) {
		inode_unlock(dir);
		mnt_drop_write(parent->mnt);
	}
	return dentry;
}

/*
 * One step of union_unview(): from the directory *@dir down to the name
 * of @d, making it on the top layer with @make.
 */
static int union_unview_step(struct path *dir, struct dentry *d, bool make)
{
	struct vfsmount *anchor, *mnt = dir->mnt;
	struct path lower, point = {};
	struct name_snapshot name;
	struct dentry *child;
	struct union_dir *ud;
	int err;

	take_dentry_name_snapshot(&name, d);
	lower.dentry = NULL;
	ud = union_below_stack(dir, &point);
	if (ud) {
		/* Lower layers merge it: made first, with @make. */
		err = union_merged_lookup(&point, ud, &name.name, &child, &lower);
		union_dir_free(ud);
		mnt = point.mnt;
	} else {
		child = lookup_one_unlocked(mnt_idmap(dir->mnt),
					    &QSTR_LEN(name.name.name,
						      name.name.len),
					    dir->dentry);
		err = PTR_ERR_OR_ZERO(child);
		if (err)
			child = NULL;
		else if (union_mnt(dir->mnt))
			err = union_hash(dir->dentry, &name.name) ?:
			      __lookup_union(dir, &name.name, &child, &lower,
					     make ? 0 : UNION_BELOW);
	}
	release_dentry_name_snapshot(&name);
	if (err)
		goto out;
	if (lower.dentry) {
		/* Still below: its anchor, from here down. */
		anchor = ERR_PTR(-ENOTDIR);
		if (d_is_dir(lower.dentry))
			anchor = union_anchor(mnt, child, &lower);
		path_put(&lower);
		err = PTR_ERR_OR_ZERO(anchor);
		if (err)
			goto out;
		path_put(dir);
		dir->mnt = anchor;
		dir->dentry = dget(anchor->mnt_root);
		goto out;
	}
	if (d_is_negative(child))
		err = -ENOENT;
	else if (!d_is_dir(child))
		err = -ENOTDIR;
	if (err)
		goto out;
	swap(dir->dentry, child);
out:
	dput(child);
	path_put(&point);
	return err;
}

/* Put the @depth dentries of @chain, and the array. */
static void union_chain_put(struct dentry **chain, unsigned int depth)
{
	while (depth)
		dput(chain[--depth]);
	kfree(chain);
}

/*
 * The directories from @path's mount root down to @path, referenced, in
 * *@chain; -ESTALE when @path is no longer under that root (an NFS layer
 * whose directories moved on the server).
 */
static int union_chain_get(const struct path *path, struct dentry ***chain,
			   unsigned int *depth)
{
	struct dentry *d = dget(path->dentry), *parent, **c = NULL, **more;
	unsigned int n = 0, size = 0;
	int err = 0;

	/* Collected upwards, each step holding the next: then reversed. */
	while (d != path->mnt->mnt_root) {
		err = -ESTALE;
		if (IS_ROOT(d))
			break;
		if (n == size) {
			size = size ? 2 * size : 8;
			more = krealloc_array(c, size, sizeof(*c), GFP_KERNEL);
			err = -ENOMEM;
			if (!more)
				break;
			c = more;
		}
		parent = dget_parent(d);
		c[n++] = d;
		d = parent;
		err = 0;
	}
	dput(d);
	if (err) {
		union_chain_put(c, n);
		return err;
	}
	for (size = 0; size < n / 2; size++)
		swap(c[size], c[n - 1 - size]);
	*chain = c;
	*depth = n;
	return 0;
}

/*
 * From the directory on the top layer nearest above @point (the negative
 * dentry an anchor is at: under it, the negative dentries of directories
 * that lower layers merge, served from below) down to @point, as
 * union_unview_step() goes: *@dir, whose mount the caller set, is then
 * what the union shows at @point.
 */
static int union_unview_point(struct path *dir, struct dentry *point,
			      bool make)
{
	struct dentry **chain = NULL, **more, *d = dget(point), *parent;
	unsigned int i, n = 0, size = 0;
	int err = 0;

	dir->dentry = NULL;
	for (;;) {
		if (n == size) {
			size = size ? 2 * size : 4;
			more = krealloc_array(chain, size, sizeof(*chain),
					      GFP_KERNEL);
			if (!more) {
				dput(d);
				union_chain_put(chain, n);
				return -ENOMEM;
			}
			chain = more;
		}
		chain[n++] = d;
		parent = dget_parent(d);
		if (parent == d || d_really_is_positive(parent))
			break;
		d = parent;
	}
	dir->dentry = parent;
	for (i = n; !err && i; i--)
		err = union_unview_step(dir, chain[i - 1], make);
	union_chain_put(chain, n);
	return err;
}

/*
 * @path is a directory served from below (union_anchor()): make it the
 * union's directory it stands for now, looking the names from its
 * anchor's point down to it up again in the union.  With @make, for a
 * change in it, the directories on the way are made on the top layer,
 * as a lookup made them before; without, this only catches up with
 * changes since @path was found (the directory copied up, or removed).
 * Leaves @path as it is once the union mount is gone.
 */
int union_unview(struct path *path, bool make)
{
	struct mount *m = real_mount(path->mnt);
	struct dentry **chain, *point;
	unsigned int depth, i;
	struct path dir;
	int err;

	read_seqlock_excl(&mount_lock);
	if (!mnt_has_parent(m)) {
		read_sequnlock_excl(&mount_lock);
		return 0;
	}
	dir.mnt = mntget(&m->mnt_parent->mnt);
	point = dget(m->mnt_mountpoint);
	read_sequnlock_excl(&mount_lock);

	err = union_chain_get(path, &chain, &depth);
	if (err) {
		mntput(dir.mnt);
		goto out;
	}
	err = union_unview_point(&dir, point, make);
	for (i = 0; !err && i < depth; i++)
		err = union_unview_step(&dir, chain[i], make);
	union_chain_put(chain, depth);
	if (err) {
		path_put(&dir);
	} else {
		path_put(path);
		*path = dir;
	}
out:
	dput(point);
	return err;
}

/**
 * union_dir_copyup - copy up a directory served from below
 * @path: the directory, on its anchor (union_anchor())
 * @copy: out: its copy on the top layer, referenced
 *
 * For a change made through a descriptor of the directory.
 *
 * Return: 0, or a negative errno: -EROFS once its union mount is gone,
 * -ENOENT or -ENOTDIR when the union shows no directory there any more.
 */
static int union_dir_copyup(const struct path *path, struct path *copy)
{
	int err;

	*copy = *path;
	path_get(copy);
	err = union_unview(copy, true);
	if (!err && union_below(copy))
		err = -EROFS;
	if (err)
		path_put(copy);
	return err;
}

/**
 * union_root_copyup - copy up a directory served from below for chroot()
 * @path: the directory, on its anchor
 * @copy: out: its copy on the top layer, referenced
 *
 * A root must be the union's directory, or ".." would leave it once the
 * directory has a copy.  chroot() in a user namespace needs no right over
 * the directory: the copy is made for a caller who holds CAP_SYS_CHROOT
 * over the union's top layer, or who may change the directory.
 *
 * Return: 0, or a negative errno: -ENOENT when the union mount is gone,
 * -EPERM when the caller may not have the copy made, or union_dir_copyup()'s.
 */
int union_root_copyup(const struct path *path, struct path *copy)
{
	struct vfsmount *top = union_view_union(path->mnt);
	bool capable;

	if (!top)
		return -ENOENT;
	capable = ns_capable(top->mnt_sb->s_user_ns, CAP_SYS_CHROOT);
	mntput(top);
	return (capable ? 0 : union_dir_may_change(path)) ?:
	       union_dir_copyup(path, copy);
}

/**
 * union_copyup_path - copy up what a path on a union's lower layer names
 * @path: an object on a read-only mount, reached without the union's
 *	  lookup (through a file descriptor or a /proc/PID/fd link)
 * @copy: out: its copy on the top layer, referenced
 *
 * For the changes made through a descriptor of a lower object, which
 * otherwise fail with EROFS.  Only a descriptor opened through a union is
 * on a union's view of a layer, and knows where the union shows the file
 * (union_file_copyup()); a directory served from below knows it from its
 * anchor (union_dir_copyup()).  Any other descriptor of a read-only mount
 * gets EROFS, also one of a mount that is now a union's lower layer.
 *
 * Return: 0, or a negative errno: -EROFS when no union shows @path where
 * it was found, -EPERM when the caller may not change a directory, or the
 * copy-up's.
 */
int union_copyup_path(const struct path *path, struct path *copy)
{
	int err;

	if (!(path->mnt->mnt_flags & MNT_UNION_LOWER))
		return -EROFS;
	if (d_is_dir(path->dentry))
		return union_dir_may_change(path) ?:
		       union_dir_copyup(path, copy);
	err = union_file_copyup(path, copy);
	return err == -ENOENT ? -EROFS : err;
}
