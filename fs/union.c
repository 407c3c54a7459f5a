// SPDX-License-Identifier: GPL-2.0
/*
 * Union mounts: layer stacks, mount setup and merged readdir.
 *
 * Lookup down the stacks lives in fs/namei.c (__lookup_union()); this file
 * builds and frees the stacks, attaches a new top layer at mount time and
 * turns the first readdir of a merged directory into pass-through entries on
 * the top layer.  The design and the locking rules are in
 * Documentation/filesystems/union-mounts.rst.
 */

#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/dcache.h>
#include <linux/exportfs.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/fsnotify.h>
#include <linux/moduleparam.h>
#include <linux/mount.h>
#include <linux/namei.h>
#include <linux/security.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/statfs.h>
#include <linux/union.h>
#include <linux/user_namespace.h>
#include <linux/xattr.h>
#include <linux/debugfs.h>
#include <linux/fault-inject.h>

#include "internal.h"
#include "pnode.h"
#include "union.h"

#define CREATE_TRACE_POINTS
#include <trace/events/union.h>

struct union_dir union_dir_none;

/* Every union that is up, for the debugfs view. */
static LIST_HEAD(union_list);
static DEFINE_MUTEX(union_list_lock);

static void union_names_put(struct union_names *names);
static void union_merged_put(struct union_merged *m);

#ifdef CONFIG_UNION_FAULT_INJECTION
static DECLARE_FAULT_ATTR(fail_union);
static u32 fail_union_steps;	/* bit N: fail enum union_step N */

/* -EIO if step @step is to fail now (Documentation/fault-injection). */
int union_fault(enum union_step step)
{
	if (!(READ_ONCE(fail_union_steps) & BIT(step)))
		return 0;
	return should_fail(&fail_union, 1) ? -EIO : 0;
}

static int __init union_fault_init(void)
{
	struct dentry *dir;

	dir = fault_create_debugfs_attr("fail_union", NULL, &fail_union);
	if (IS_ERR(dir))
		return PTR_ERR(dir);
	debugfs_create_x32("steps", 0600, dir, &fail_union_steps);
	return 0;
}
late_initcall(union_fault_init);
#endif

struct union_dir *union_dir_alloc(unsigned int count)
{
	struct union_dir *ud;

	ud = kzalloc(struct_size(ud, layers, count), GFP_KERNEL);
	if (ud)
		ud->count = count;
	return ud;
}

void union_dir_free(struct union_dir *ud)
{
	unsigned int i;

	if (!ud || ud == &union_dir_none)
		return;
	for (i = 0; i < ud->count; i++)
		path_put(&ud->layers[i]);
	union_names_put(ud->names);
	union_merged_put(ud->merged);
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
	ud->shows_lower = true;
	ud->layers[0] = *lower;
	path_get(lower);
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
	notify_change(&nop_mnt_idmap, dentry, &attr, NULL);
}

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
int union_get_redirect(struct dentry *dentry, char **redirect)
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
 * rename() is about to move @dentry, a directory of union mount @mnt, from
 * where its name finds its lower directories: record where they are,
 * unless it already says.  Set before the rename, so that a crash between
 * the two leaves a redirect that points where the name does.  The
 * parents are locked; runs with the creator's credentials, which may set
 * trusted xattrs.
 */
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
		struct path root = {
			.mnt = ud->layers[0].mnt,
			.dentry = ud->layers[0].mnt->mnt_root,
		};

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

/*
 * Collect the read-only mounts stacked at @mountpoint, topmost first.
 * The caller holds namespace_sem or mount_lock, which keep the mount
 * tree still.
 */
int union_collect_lowers(const struct path *mountpoint,
			 struct super_block *top_sb, struct path *lowers)
{
	struct path p = *mountpoint;
	unsigned int n = 0;

	for (;;) {
		struct mount *m = real_mount(p.mnt);

		if (!__mnt_is_readonly(p.mnt))
			break;
		if (union_mnt(p.mnt) || p.mnt->mnt_sb == top_sb)
			return -ELOOP;
		if (n == UNION_MAX_LOWERS)
			return -EINVAL;
		lowers[n++] = p;
		/* Only a whole mount can have another one stacked under it. */
		if (p.dentry != p.mnt->mnt_root || !mnt_has_parent(m) ||
		    m->mnt_mountpoint != m->mnt_parent->mnt.mnt_root)
			break;
		p.mnt = &m->mnt_parent->mnt;
		p.dentry = m->mnt_mountpoint;
	}
	return n ? n : -EINVAL;
}

/*
 * Copies on the top layer carry the lower owners (directories are copied
 * up by every lookup through them).  A top layer mounted in a user
 * namespace cannot carry the ids that namespace does not map, and any
 * other owner would be a privilege its creator gained.  So only the
 * initial namespace makes unions; tasks in other namespaces use them.
 */
static int union_check_userns(struct super_block *sb)
{
	if (sb->s_user_ns != &init_user_ns || !capable(CAP_SYS_ADMIN))
		return -EPERM;
	return 0;
}

static int union_check_top(struct vfsmount *top)
{
	struct super_block *sb = top->mnt_sb;
	const struct inode_operations *iop = d_inode(sb->s_root)->i_op;
	bool alone;

	if (!(sb->s_iflags & SB_I_UNION_UPPER) || top->mnt_root != sb->s_root)
		return -EOPNOTSUPP;
	/* Copies are made unmapped: an idmapped top would skew every owner. */
	if (is_idmapped_mnt(top))
		return -EINVAL;
	/*
	 * Names are merged as bytes: a top layer that folds case could hide
	 * a lower name under another spelling, and a casefolded directory
	 * keeps no negative dentries for whiteouts to live in.
	 */
	if (sb_has_encoding(sb))
		return -EINVAL;
	if (WARN_ON_ONCE(!iop->whiteout || !iop->fallthru || !iop->set_complete))
		return -EOPNOTSUPP;
	/* The top layer belongs to this union alone. */
	read_seqlock_excl(&mount_lock);
	alone = sb->s_mounts == real_mount(top) &&
		!real_mount(top)->mnt_next_for_sb;
	read_sequnlock_excl(&mount_lock);
	if (sb->s_union || !alone)
		return -EBUSY;
	return 0;
}

/* May the caller make @top a union's top? */
int union_check_attach(struct vfsmount *top)
{
	return union_check_userns(top->mnt_sb) ?:
	       union_check_top(top);
}

/*
 * A union's lower layers stay read-only while it is up.  Each lower mount
 * counts the unions it is under (under mount_lock, which changes of mount
 * flags hold), and so does its superblock (under s_umount, which remounts
 * hold for writing).  Holding both here orders us against any remount or
 * mount_setattr() that is making the lower writable: either it went first,
 * and the check below sees it, or it comes after and sees the counts.
 */
static int union_hold_lower(struct union_mount *um, const struct path *lower)
{
	struct vfsmount *mnt = lower->mnt;
	struct super_block *sb = mnt->mnt_sb;
	int err = -EINVAL;

	down_read(&sb->s_umount);
	if (mnt_hold_union_lower(mnt)) {
		atomic_inc(&sb->s_union_lowers);
		um->lowers[um->nr_lowers++] = mntget(mnt);
		err = 0;
	}
	up_read(&sb->s_umount);
	return err;
}

/*
 * Views
 *
 * A lower non-directory that a lookup finds is returned on a view of its
 * layer, not on the lower mount itself, which would answer for itself
 * and not for the union: a set-uid lower file would run set-uid from a
 * nosuid union.  A view is a private mount of the lower layer (never in
 * a namespace), one per union mount and layer, made on first use: a bind
 * mount of a union, or its copy in a new mount namespace, has views of
 * its own.  It carries that mount's nosuid, nodev, noexec and nosymfollow
 * on top of the lower mount's own (it gives nothing the lower mount does
 * not), and its parent is that mount, at that mount's root: paths in
 * /proc, mount IDs and statfs() answer for the union.
 */

/* Where a union mount keeps the anchor at @point: its address. */
static unsigned long union_anchor_key(const struct dentry *point)
{
	return (unsigned long)point / sizeof(void *);
}

/* The anchor of the union mount @m at @point, if any; under RCU. */
static struct union_anchor *union_anchor_entry(struct mount *m,
					       const struct dentry *point)
{
	struct xarray *anchors = READ_ONCE(m->mnt_union_anchors);

	return anchors ? xa_load(anchors, union_anchor_key(point)) : NULL;
}

/*
 * Which of its union mount's views is @view, a view of a layer of @sb's
 * union?  -1 once that mount is gone.
 */
static int union_view_index(struct super_block *sb, struct vfsmount *view,
			    unsigned int nr_lowers)
{
	struct mount *m = real_mount(view), *parent;
	struct vfsmount **views = NULL;
	unsigned int i;
	int found = -1;

	rcu_read_lock();
	parent = READ_ONCE(m->mnt_parent);
	if (parent != m && parent->mnt.mnt_sb == sb)
		views = READ_ONCE(parent->mnt_union_views);
	for (i = 0; views && i < nr_lowers; i++) {
		if (READ_ONCE(views[i]) == view)
			found = i;
	}
	if (found < 0 && parent != m && parent->mnt.mnt_sb == sb &&
	    d_is_dir(view->mnt_root)) {
		struct union_anchor *ua;

		ua = union_anchor_entry(parent, READ_ONCE(m->mnt_mountpoint));
		if (!ua) {
			smp_rmb();	/* mnt_union_anchors_retire() */
			ua = READ_ONCE(m->mnt_union_retired);
		}
		if (ua && ua->mnt == view)
			found = ua->layer;
	}
	rcu_read_unlock();
	return found;
}

/**
 * union_layer_index - which layer of a union a lower mount is
 * @sb: the union's top layer
 * @lower: a layer's mount, as the stacks have it, or a view of one
 *
 * Return: the layer's index in the stacks, topmost first, or -1 when
 * @lower is none of @sb's layers (or @sb is no union's top).
 */
int union_layer_index(struct super_block *sb, struct vfsmount *lower)
{
	struct union_mount *um = READ_ONCE(sb->s_union);
	unsigned int i;

	if (!um)
		return -1;
	if (lower->mnt_flags & MNT_UNION_LOWER)
		return union_view_index(sb, lower, um->nr_lowers);
	for (i = 0; i < um->nr_lowers; i++) {
		if (um->lowers[i] == lower)
			return i;
	}
	return -1;
}

/**
 * union_fsid_is - does a union report an fsid as its own
 * @top: the union's top layer, which the caller holds
 * @fsid: the fsid
 *
 * Return: true when @fsid is the one the union reports for itself (its top
 * layer's, when that is not zero); false otherwise, and when @top is no
 * union's top.
 */
bool union_fsid_is(struct super_block *top, const __kernel_fsid_t *fsid)
{
	struct union_mount *um = READ_ONCE(top->s_union);

	return um && (um->fsid.val[0] || um->fsid.val[1]) &&
	       um->fsid.val[0] == fsid->val[0] &&
	       um->fsid.val[1] == fsid->val[1];
}

/**
 * union_view_top - the top layer of the union a view shows
 * @mnt: a mount, maybe a union's view of a lower layer
 *
 * The caller holds the union (as fsnotify_union_file() does) for as long
 * as it uses the superblock.
 *
 * Return: that union's top-layer superblock, not referenced, or NULL for
 * any other mount or once the union is gone.
 */
struct super_block *union_view_top(const struct vfsmount *mnt)
{
	struct mount *m = real_mount((struct vfsmount *)mnt);
	struct super_block *top = NULL;
	struct mount *parent;

	if (likely(!(mnt->mnt_flags & MNT_UNION_LOWER)))
		return NULL;
	rcu_read_lock();
	parent = mnt_reported(m);
	if (parent != m)
		top = parent->mnt.mnt_sb;
	rcu_read_unlock();
	return top;
}

/**
 * union_encode_fid - identify an object that a union shows
 * @top: the union's top layer, which the caller holds
 * @inode: the object, on the top layer or on a lower one
 * @fh: where the identifier goes, or NULL to size it
 * @max_len: in: room at @fh, in 32-bit words; out: what the identifier takes
 *
 * A union reports the top layer's fsid for everything it shows (statfs()),
 * and a lower object may have the identifier of an object of the top
 * layer, or of another lower layer.  So a lower object's identifier is its
 * layer's number, then the object's own.  Like any EXPORT_FH_FID
 * identifier it tells objects apart and is never decoded.
 *
 * Return: the identifier's type, or FILEID_INVALID as exportfs_encode_fid()
 * gives it (with the room needed in *@max_len); -EOPNOTSUPP when the
 * object's own identifier leaves no room for the layer's number in
 * MAX_HANDLE_SZ.
 */
int union_encode_fid(struct super_block *top, struct inode *inode, u32 *fh,
		     int *max_len)
{
	struct union_mount *um = READ_ONCE(top->s_union);
	int room = fh ? max(*max_len - 1, 0) : 0;
	unsigned int layer;
	int type;

	if (inode->i_sb == top || !um)
		return exportfs_encode_fid(inode, (struct fid *)fh, max_len);
	/* A layer's objects are the same objects on any layer sharing its sb. */
	for (layer = 0; layer < um->nr_lowers; layer++) {
		if (um->lowers[layer]->mnt_sb == inode->i_sb)
			break;
	}
	if (WARN_ON_ONCE(layer == um->nr_lowers))
		return exportfs_encode_fid(inode, (struct fid *)fh, max_len);
	type = exportfs_encode_fid(inode,
				   room > 0 ? (struct fid *)(fh + 1) : NULL,
				   &room);
	/* One word more than the largest handle there is: none. */
	if (room + 1 > MAX_HANDLE_SZ / sizeof(u32)) {
		*max_len = 0;
		return -EOPNOTSUPP;
	}
	*max_len = room + 1;
	if (type <= 0 || type >= FILEID_INVALID)
		return FILEID_INVALID;
	fh[0] = (layer + 1) << 8 | type;
	return FILEID_UNION_LOWER;
}

/**
 * union_view_rcu - a union mount's view of a lower layer, if made yet
 * @mnt: the union mount
 * @lower: the layer's mount, as the stacks have it
 *
 * Return: the view, not referenced (it lives as long as @mnt), or NULL
 * when there is none yet: the caller takes the way that makes it.
 */
struct vfsmount *union_view_rcu(struct vfsmount *mnt, struct vfsmount *lower)
{
	struct vfsmount **views;
	int i = union_layer_index(mnt->mnt_sb, lower);

	views = READ_ONCE(real_mount(mnt)->mnt_union_views);
	if (WARN_ON_ONCE(i < 0) || !views)
		return NULL;
	/* Pairs with mnt_union_view()'s publication: flags set. */
	return smp_load_acquire(&views[i]);
}

/* The directory of @layer that @mnt's root shows, for the view's root. */
static struct dentry *union_view_root_dentry(struct vfsmount *mnt,
					     struct vfsmount *layer)
{
	struct path top = { .mnt = mnt, .dentry = mnt->mnt_root };
	struct union_dir *ud = union_stack(&top);
	struct union_dir *root = mnt->mnt_sb->s_root->d_union_dir;
	unsigned int i;

	for (i = 0; ud && i < ud->count; i++) {
		if (ud->layers[i].mnt == layer)
			return ud->layers[i].dentry;
	}
	/*
	 * The bind mount of a directory that has nothing in this layer, or
	 * whose stack is a renamed directory's: paths of what it shows from
	 * the layer start at the layer's root.
	 */
	for (i = 0; i < root->count; i++) {
		if (root->layers[i].mnt == layer)
			return root->layers[i].dentry;
	}
	return ERR_PTR(-EINVAL);
}

/**
 * union_view - a union mount's view of a lower layer, made if need be
 * @mnt: the union mount
 * @lower: the layer's mount, as the stacks have it
 *
 * Return: the view, which lives as long as @mnt (not referenced), or an
 * ERR_PTR(): -ENOMEM, or -EINVAL when @lower is not one of @mnt's layers.
 */
struct vfsmount *union_view(struct vfsmount *mnt, struct vfsmount *lower)
{
	struct mount *m = real_mount(mnt);
	struct vfsmount **views, *view;
	struct dentry *root;
	int i = union_layer_index(mnt->mnt_sb, lower);

	if (WARN_ON_ONCE(i < 0))
		return ERR_PTR(-EINVAL);
	views = READ_ONCE(m->mnt_union_views);
	if (!views) {
		struct vfsmount **new;

		new = kcalloc(mnt->mnt_sb->s_union->nr_lowers, sizeof(*new),
			      GFP_KERNEL);
		if (!new)
			return ERR_PTR(-ENOMEM);
		views = cmpxchg(&m->mnt_union_views, NULL, new);
		if (views)
			kfree(new);
		else
			views = new;
	}
	/* Pairs with mnt_union_view()'s publication: flags set. */
	view = smp_load_acquire(&views[i]);
	if (view)
		return view;
	root = union_view_root_dentry(mnt, lower);
	if (IS_ERR(root))
		return ERR_CAST(root);
	return mnt_union_view(&(struct path){ .mnt = lower, .dentry = root },
			      mnt, &views[i]);
}

/*
 * Serve lower directories from below instead of copying them up on
 * lookup (see union_anchor()), so that reading a union never writes to
 * its top layer.  union.dirs_below=0 on the kernel command line (or in
 * /sys/module/union/parameters/dirs_below) brings back the copies.
 */
bool union_dirs_below = true;
module_param_named(dirs_below, union_dirs_below, bool, 0644);

/**
 * union_anchor_rcu - the mount a union serves a lower directory on
 * @mnt: the union mount
 * @point: the top layer's negative dentry that shows the directory
 *
 * Return: the anchor's mount, not referenced (valid under rcu_read_lock()),
 * or NULL when there is none yet: the caller takes the way that makes it.
 */
struct vfsmount *union_anchor_rcu(struct vfsmount *mnt, struct dentry *point)
{
	struct union_anchor *ua = union_anchor_entry(real_mount(mnt), point);

	return ua ? ua->mnt : NULL;
}

/*
 * The anchor of the union mount @m at @point, its mount referenced.  A
 * retired one keeps its table's reference for a grace period after it
 * left: under RCU, a reference can still be taken.
 */
static struct union_anchor *union_anchor_get(struct mount *m,
					     struct dentry *point)
{
	struct union_anchor *ua;

	rcu_read_lock();
	ua = union_anchor_entry(m, point);
	if (ua)
		mntget(ua->mnt);
	rcu_read_unlock();
	return ua;
}

/**
 * union_anchor - the mount a union serves a lower directory on, made if
 * need be
 * @mnt: the union mount
 * @point: the top layer's negative dentry that shows the directory
 * @lower: the directory, with its layer's mount as the stacks have it
 *
 * A lower directory whose name is not on the top layer is not copied up
 * when a lookup passes through it: reading the union never writes to its
 * top layer.  Below that directory every name is its layer's alone (the
 * caller makes sure that no other layer merges with it), so walks go on
 * in the layer as on any mount, on this one: a view of the directory
 * (read-only, with the union mount's flags) whose parent is @mnt and
 * whose mountpoint is @point.  A change below it copies the chain of
 * directories up first (union_unview()).  The anchor, and @point, stay
 * until @mnt is freed or the directory is copied up
 * (union_anchor_retire()).
 *
 * Return: the anchor's mount, referenced (the caller puts it), or an
 * ERR_PTR(): -ESTALE when the name has its copy now, -ENOMEM, -EINVAL.
 */
struct vfsmount *union_anchor(struct vfsmount *mnt, struct dentry *point,
			      const struct path *lower)
{
	struct mount *m = real_mount(mnt);
	unsigned long key = union_anchor_key(point);
	struct union_anchor *ua;
	struct xarray *anchors;
	int layer, err;

	ua = union_anchor_get(m, point);
	if (ua)
		return ua->mnt;
	layer = union_layer_index(mnt->mnt_sb, lower->mnt);
	if (WARN_ON_ONCE(layer < 0))
		return ERR_PTR(-EINVAL);
	anchors = READ_ONCE(m->mnt_union_anchors);
	if (!anchors) {
		struct xarray *new = kmalloc_obj(*new, GFP_KERNEL);

		if (!new)
			return ERR_PTR(-ENOMEM);
		xa_init(new);
		anchors = cmpxchg(&m->mnt_union_anchors, NULL, new);
		if (anchors)
			kfree(new);
		else
			anchors = new;
	}
	err = xa_reserve(anchors, key, GFP_KERNEL);
	if (err)
		return ERR_PTR(err);
	ua = kzalloc_obj(*ua, GFP_KERNEL);
	if (!ua)
		return ERR_PTR(-ENOMEM);
	ua->point = dget(point);
	ua->layer = layer;
	err = mnt_union_anchor(lower, mnt, anchors, key, ua);
	if (!err)
		return ua->mnt;
	dput(ua->point);
	kfree(ua);
	if (err != -EEXIST)
		return ERR_PTR(err);
	/* Another walk's, or none: the name has its copy now. */
	ua = union_anchor_get(m, point);
	return ua ? ua->mnt : ERR_PTR(-ESTALE);
}

/* Puts the references of retired anchors: union_anchors_settle() waits. */
static struct workqueue_struct *union_anchor_wq;

static int __init union_anchor_init(void)
{
	union_anchor_wq = alloc_workqueue("union_anchor", WQ_UNBOUND, 0);
	return union_anchor_wq ? 0 : -ENOMEM;
}
fs_initcall(union_anchor_init);

/* The table's reference, a grace period after union_anchor_retire(). */
static void union_anchor_put_table_ref(struct work_struct *work)
{
	struct union_anchor *ua = container_of(to_rcu_work(work),
					       struct union_anchor, put);

	mntput(ua->mnt);
}

/**
 * union_anchor_retire - a directory served from below has its copy now
 * @sb: the top layer
 * @point: the dentry where the caller made the copy
 *
 * The anchors that served the directory at @point, in every union mount
 * over @sb, are reached by no walk anew, and walks from them go to the
 * copy (union_below_stale()).  Each leaves its union mount's table and
 * lives as long as its users: a working directory inside keeps it, and
 * the dentries above it, as it would keep any directory; and it keeps
 * its union mount, as a mount keeps the mount it is on.  Else the dentry
 * would stay until the union mount goes: a directory removed would keep
 * its inode.
 *
 * Return: true if any anchor served the directory at @point.
 */
bool union_anchor_retire(struct super_block *sb, struct dentry *point)
{
	struct union_anchor *ua, *next;

	ua = mnt_union_anchors_retire(sb, union_anchor_key(point));
	if (!ua)
		return false;
	for (; ua; ua = next) {
		next = ua->next;
		INIT_RCU_WORK(&ua->put, union_anchor_put_table_ref);
		queue_rcu_work(union_anchor_wq ?: system_wq, &ua->put);
	}
	return true;
}

/**
 * union_anchors_settle - let the retired anchors that nobody uses go
 *
 * For umount() and a remount read-only of a union: such an anchor holds
 * its union mount, and the top layer's dentries above it (a directory
 * removed since among them), until a grace period after it was retired.
 */
void union_anchors_settle(void)
{
	if (!union_anchor_wq)
		return;
	rcu_barrier();
	flush_workqueue(union_anchor_wq);
	mnt_flush_delayed_mntput();
}

/* The last reference to a retired anchor is gone (cleanup_mnt()). */
void union_anchor_free(struct union_anchor *ua)
{
	struct mount *m = real_mount(ua->mnt);

	dput(ua->point);
	mntput(&m->mnt_parent->mnt);
	kfree(ua);
}

/**
 * union_anchor_parent - where a directory served from below shows
 * @path: the directory, at its anchor's root
 * @parent: out: the union's directory the anchor is mounted in, referenced
 * @name: out: the directory's name there
 *
 * Return: true with @parent and @name set (the caller puts both); false
 * for any other path, and once the union mount is gone.
 */
bool union_anchor_parent(const struct path *path, struct path *parent,
			 struct name_snapshot *name)
{
	struct mount *m = real_mount(path->mnt);
	bool found = false;

	read_seqlock_excl(&mount_lock);
	/* A view's mountpoint is its union's root: no directory of its own. */
	if (mnt_has_parent(m) && path->dentry == path->mnt->mnt_root &&
	    m->mnt_mountpoint != m->mnt_parent->mnt.mnt_root) {
		parent->mnt = mntget(&m->mnt_parent->mnt);
		parent->dentry = dget_parent(m->mnt_mountpoint);
		take_dentry_name_snapshot(name, m->mnt_mountpoint);
		found = true;
	}
	read_sequnlock_excl(&mount_lock);
	return found;
}

/**
 * union_view_union - the union mount of a view or an anchor
 * @view: a union's view of a lower layer, or an anchor
 *
 * Return: the union mount, referenced (the caller puts it), or NULL once
 * it is gone.
 */
struct vfsmount *union_view_union(struct vfsmount *view)
{
	struct mount *m = real_mount(view);
	struct vfsmount *top = NULL;

	/* It is detached under mount_lock, before its count can be 0. */
	read_seqlock_excl(&mount_lock);
	if (mnt_has_parent(m))
		top = mntget(&m->mnt_parent->mnt);
	read_sequnlock_excl(&mount_lock);
	return top;
}

/*
 * Has the name that @anchor's directory was served at become something
 * else on the top layer since (a copy of the directory, or a whiteout),
 * or left the dcache, so that a lookup now finds what it is?  Walks from
 * it then go by the union's directory (union_unview()).  Not once its
 * union mount is gone.
 */
bool union_below_stale(struct vfsmount *anchor)
{
	struct mount *m = real_mount(anchor);
	struct dentry *point;
	bool stale;

	/* The point is put only a grace period after it is detached. */
	rcu_read_lock();
	point = READ_ONCE(m->mnt_mountpoint);
	stale = point != anchor->mnt_root &&
		(!d_is_negative(point) || d_is_union_whiteout(point) ||
		 d_unhashed(point));
	rcu_read_unlock();
	return stale;
}

/*
 * stat() of a directory served from below: the union's st_dev, as every
 * directory of a union has, so that the tools that stay on one
 * filesystem (find -xdev, du -x) go through it; an inode number of its
 * own layer's, with the layer in its top bits, which no top layer's
 * directory has.  A copy of the directory is the top layer's, with its
 * own number.
 */
int union_getattr_below(const struct path *path, struct kstat *stat)
{
	struct mount *m = real_mount(path->mnt), *parent;
	int layer = -1;

	rcu_read_lock();
	parent = READ_ONCE(m->mnt_parent);
	if (parent != m) {
		stat->dev = parent->mnt.mnt_sb->s_dev;
		layer = union_layer_index(parent->mnt.mnt_sb, path->mnt);
	}
	rcu_read_unlock();
	if (layer >= 0 && stat->ino < UNION_BELOW_INO_LAYER)
		stat->ino += (u64)(layer + 1) * UNION_BELOW_INO_LAYER;
	return 0;
}

/* The flags of @view, a view for @top of the layer @lower. */
unsigned int union_view_flags(struct vfsmount *view, struct vfsmount *lower,
			      struct vfsmount *top)
{
	return (view->mnt_flags & ~UNION_VIEW_FLAGS) | MNT_READONLY |
	       MNT_UNION_LOWER |
	       ((lower->mnt_flags | top->mnt_flags) & UNION_VIEW_FLAGS);
}

/**
 * union_views_set_flags - a union mount's flags changed
 * @top: the union mount
 *
 * Its views take the new flags.  The caller holds mount_lock for writing,
 * as for any change of mount flags.
 */
void union_views_set_flags(struct vfsmount *top)
{
	struct vfsmount **views = READ_ONCE(real_mount(top)->mnt_union_views);
	struct union_mount *um = top->mnt_sb->s_union;
	unsigned int i;

	struct xarray *anchors = READ_ONCE(real_mount(top)->mnt_union_anchors);
	struct union_anchor *ua;
	unsigned long key;

	/* Views are published under mount_lock: none is missed. */
	for (i = 0; views && i < um->nr_lowers; i++) {
		if (views[i])
			WRITE_ONCE(views[i]->mnt_flags,
				   union_view_flags(views[i],
						    um->lowers[i], top));
	}
	if (!anchors)
		return;
	xa_for_each(anchors, key, ua)
		WRITE_ONCE(ua->mnt->mnt_flags,
			   union_view_flags(ua->mnt, um->lowers[ua->layer], top));
}

static void union_view_detach(struct vfsmount *view)
{
	struct mount *m = real_mount(view);

	WRITE_ONCE(m->mnt_parent, m);
	WRITE_ONCE(m->mnt_mountpoint, view->mnt_root);
}

/**
 * union_views_detach - a union mount is being freed
 * @top: the union mount
 *
 * Its views, which open files may keep longer, stop pointing to it.  The
 * caller holds mount_lock for writing, and frees @top only after an RCU
 * grace period: a reader of a view's parent under rcu_read_lock() or
 * mount_lock never sees it freed.  union_views_put() follows, unlocked.
 */
void union_views_detach(struct vfsmount *top)
{
	struct vfsmount **views = real_mount(top)->mnt_union_views;
	unsigned int i;

	struct xarray *anchors = real_mount(top)->mnt_union_anchors;
	struct union_anchor *ua;
	unsigned long key;

	for (i = 0; views && i < top->mnt_sb->s_union->nr_lowers; i++) {
		if (views[i])
			union_view_detach(views[i]);
	}
	if (!anchors)
		return;
	xa_for_each(anchors, key, ua)
		union_view_detach(ua->mnt);
}

/* The union mount @top is being freed, after union_views_detach(). */
void union_views_put(struct vfsmount *top)
{
	struct vfsmount **views = real_mount(top)->mnt_union_views;
	struct xarray *anchors = real_mount(top)->mnt_union_anchors;
	struct union_anchor *ua;
	unsigned long key;

	if (views) {
		kern_unmount_array(views, top->mnt_sb->s_union->nr_lowers);
		kfree(views);
	}
	if (!anchors)
		return;
	/* Detached: walks no longer reach their mountpoints. */
	xa_for_each(anchors, key, ua)
		mnt_make_shortterm(ua->mnt);
	synchronize_rcu_expedited();
	xa_for_each(anchors, key, ua) {
		mntput(ua->mnt);
		dput(ua->point);
		kfree_rcu(ua, rcu);
	}
	xa_destroy(anchors);
	kfree(anchors);
}

/**
 * union_notify_unlink - report that a lower file's last name went
 * @parent: the union directory it was in
 * @lower: the lower file, as the directory's stack has it
 * @dentry: its name in @parent, a whiteout now
 *
 * As vfs_unlink() reports the last name of a file going.  The lower
 * inode's marks are the union's (they move to a copy): they see the file
 * deleted, and go.  The events are reported on the union's view of the
 * lower layer, which identifies the file within the union (fanotify).
 */
void union_notify_unlink(const struct path *parent, const struct path *lower,
			 struct dentry *dentry)
{
	struct inode *inode = d_inode(lower->dentry);
	struct vfsmount *view = union_view(parent->mnt, lower->mnt);
	struct path shown = {
		.mnt = IS_ERR(view) ? lower->mnt : view,
		.dentry = lower->dentry,
	};

	fsnotify(FS_ATTRIB, &shown, FSNOTIFY_EVENT_PATH, NULL, NULL, inode, 0);
	fsnotify(FS_DELETE_SELF, &shown, FSNOTIFY_EVENT_PATH, NULL, NULL,
		 inode, 0);
	__fsnotify_inode_delete(inode);
	fsnotify_name(FS_DELETE, &shown, FSNOTIFY_EVENT_PATH,
		      d_inode(parent->dentry), &dentry->d_name, 0);
}

/**
 * union_view_root - the root of the union mount a path's view stands for
 * @path: a lower object, as a union returned it (on a view or an anchor)
 * @root: out: that mount's root, referenced
 *
 * Return: true with @root set (the caller puts it); false for any other
 * path, and once that mount is gone.
 */
bool union_view_root(const struct path *path, struct path *root)
{
	struct mount *m = real_mount(path->mnt);
	bool found = false;

	if (likely(!(path->mnt->mnt_flags & MNT_UNION_LOWER)))
		return false;
	read_seqlock_excl(&mount_lock);
	if (mnt_has_parent(m)) {
		root->mnt = mntget(&m->mnt_parent->mnt);
		/* An anchor's mountpoint is a negative dentry. */
		root->dentry = dget(root->mnt->mnt_root);
		found = true;
	}
	read_sequnlock_excl(&mount_lock);
	return found;
}

/*
 * Would a change to the lower file at @path (on a view) fail with EROFS?
 * Its copy would be made on the union's mount, which may be read-only, as
 * its view always is.
 */
bool union_lower_readonly(const struct path *path)
{
	bool ro;

	rcu_read_lock();
	ro = __mnt_is_readonly(&mnt_reported(real_mount(path->mnt))->mnt);
	rcu_read_unlock();
	return ro;
}

static void union_release_lowers(struct union_mount *um)
{
	while (um->nr_lowers) {
		struct vfsmount *mnt = um->lowers[--um->nr_lowers];

		mnt_put_union_lower(mnt);
		atomic_dec(&mnt->mnt_sb->s_union_lowers);
		mntput(mnt);
	}
}

/**
 * union_attach - make @top the top layer of a union at @mountpoint
 * @mountpoint: where @top is about to be mounted (locked by lock_mount())
 * @top: the new mount, not yet in the tree
 * @ua: what union_adopt_lowers() made @top fit
 *
 * The read-only mounts stacked at @mountpoint become the lower layers.
 * The union may be read-only: union_adopt_lowers() refused a read-only
 * top that had lowers to adopt.
 *
 * Return: 0, or a negative errno: -ESTALE when the lower layers changed
 * since union_adopt_lowers(), -EBUSY when @top's superblock is mounted
 * elsewhere or is a union's top, or -EPERM, -EINVAL, -ELOOP, -ENOMEM, ...
 */
int union_attach(const struct path *mountpoint, struct vfsmount *top,
		 const struct union_adoption *ua)
{
	struct super_block *sb = top->mnt_sb;
	struct path lowers[UNION_MAX_LOWERS];
	struct union_mount *um;
	struct union_dir *ud;
	int i, n, err;

	err = union_check_attach(top);
	if (err)
		return err;
	if (IS_MNT_SHARED(real_mount(mountpoint->mnt)))
		return -EINVAL;
	n = union_collect_lowers(mountpoint, sb, lowers);
	if (n < 0)
		return n;
	if (!union_adopted(ua, top, lowers, n)) {
		pr_warn("union: %s: the lower layers changed during the mount\n",
			sb->s_id);
		return -ESTALE;
	}

	um = kzalloc(struct_size(um, lowers, n), GFP_KERNEL);
	ud = union_dir_alloc(n);
	if (!um || !ud) {
		kfree(um);
		kfree(ud);
		return -ENOMEM;
	}
	mutex_init(&um->shown_lock);
	if (vfs_get_fsid(sb->s_root, &um->fsid))
		memset(&um->fsid, 0, sizeof(um->fsid));
	if (n > 1)
		um->shown = kcalloc(n, sizeof(*um->shown), GFP_KERNEL);
	um->creator_cred = prepare_creds();
	if (!um->creator_cred || (n > 1 && !um->shown)) {
		if (um->creator_cred)
			put_cred(um->creator_cred);
		kfree(um->shown);
		kfree(um);
		kfree(ud);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		err = union_hold_lower(um, &lowers[i]);
		if (err)
			goto out_free;
		ud->layers[i] = lowers[i];
		path_get(&ud->layers[i]);
	}
	if (cmpxchg(&sb->s_union, NULL, um)) {
		err = -EBUSY;
		goto out_free;
	}
	if (!union_dir_publish(sb->s_root, ud)) {
		/* A stale stack on the root: the sb was a union top before. */
		sb->s_union = NULL;
		ud = NULL;
		err = -EBUSY;
		goto out_free;
	}
	d_union_set_resolved(sb->s_root);
	um->sb = sb;
	mutex_lock(&union_list_lock);
	list_add_tail(&um->list, &union_list);
	mutex_unlock(&union_list_lock);
	return 0;

out_free:
	union_dir_free(ud);
	union_release_lowers(um);
	put_cred(um->creator_cred);
	kfree(um->shown);
	kfree(um);
	return err;
}

/* The counts of union_lower_nlink(). */
static void union_shown_free(struct union_mount *um)
{
	unsigned int i;

	for (i = 0; um->shown && i < um->nr_lowers; i++) {
		if (um->shown[i]) {
			xa_destroy(um->shown[i]);
			kfree(um->shown[i]);
		}
	}
	kfree(um->shown);
}

/* The top layer's superblock is going away. */
void union_sb_release(struct super_block *sb)
{
	struct union_mount *um = sb->s_union;

	if (um) {
		mutex_lock(&union_list_lock);
		list_del(&um->list);
		mutex_unlock(&union_list_lock);
		sb->s_union = NULL;
		union_shown_free(um);
		union_release_lowers(um);
		put_cred(um->creator_cred);
		/* union_getattr_lower() may still look at it. */
		kfree_rcu(um, rcu);
	}
}

/*
 * Names read from the directories of a union, as union_seen records packed
 * into page-sized chunks, so that directories of any size cost no large
 * allocation.
 */
struct union_seen {
	struct hlist_node node;		/* in union_names.table */
	u64 ino;			/* as readdir reported it */
	unsigned char len;
	unsigned char d_type;		/* as readdir reported it */
	unsigned char layer;		/* index in the stack, or UNION_SEEN_TOP */
	bool first;			/* the topmost record of its name */
	char name[];
};

#define UNION_SEEN_TOP	0xff

struct union_name_chunk {
	struct list_head list;
	unsigned int used;
	char buf[] __aligned(sizeof(long));
};

#define UNION_CHUNK_BYTES \
	(PAGE_SIZE - offsetof(struct union_name_chunk, buf))

struct union_names {
	struct dir_context ctx;
	struct list_head chunks;
	struct hlist_head *table;	/* the first records, by name */
	unsigned int bits;		/* of the table's size */
	unsigned int count;
	unsigned char layer;		/* of the records being read */
	bool dirs_only;			/* keep (possible) directories only */
	int err;
};

static inline unsigned int union_seen_size(unsigned int len)
{
	return ALIGN(sizeof(struct union_seen) + len + 1, sizeof(long));
}

/* The record after @seen (NULL: the first) in @chunk, or NULL. */
static struct union_seen *union_seen_next(struct union_name_chunk *chunk,
					  struct union_seen *seen)
{
	if (seen)
		seen = (void *)seen + union_seen_size(seen->len);
	else
		seen = (void *)chunk->buf;
	return (char *)seen < chunk->buf + chunk->used ? seen : NULL;
}

/*
 * The actor of the union's own directory reading.  File systems that can
 * be a top layer report their whiteouts and pass-through entries to it
 * (dir_emit_union_entry()), unless those stay in the dcache.
 */
bool union_collect_name(struct dir_context *ctx, const char *name, int len,
			loff_t pos, u64 ino, unsigned int d_type)
{
	struct union_names *names = container_of(ctx, struct union_names, ctx);
	unsigned int size = union_seen_size(len);
	struct union_name_chunk *chunk = NULL;
	struct union_seen *seen;

	if (name[0] == '.' && (len == 1 || (len == 2 && name[1] == '.')))
		return true;
	if (names->dirs_only && d_type != DT_DIR && d_type != DT_UNKNOWN)
		return true;
	if (WARN_ON_ONCE(len > NAME_MAX)) {
		names->err = -EUCLEAN;
		return false;
	}
	if (!list_empty(&names->chunks))
		chunk = list_last_entry(&names->chunks, struct union_name_chunk,
					list);
	if (!chunk || chunk->used + size > UNION_CHUNK_BYTES) {
		chunk = kmalloc(PAGE_SIZE, GFP_KERNEL);
		if (!chunk) {
			names->err = -ENOMEM;
			return false;
		}
		chunk->used = 0;
		list_add_tail(&chunk->list, &names->chunks);
	}
	seen = (void *)chunk->buf + chunk->used;
	seen->ino = ino;
	seen->len = len;
	seen->d_type = d_type;
	seen->layer = names->layer;
	seen->first = false;
	memcpy(seen->name, name, len);
	seen->name[len] = '\0';
	chunk->used += size;
	names->count++;
	return true;
}

static void union_names_free(struct union_names *names)
{
	struct union_name_chunk *chunk, *tmp;

	list_for_each_entry_safe(chunk, tmp, &names->chunks, list)
		kfree(chunk);
	kvfree(names->table);
}

/*
 * iterate_dir() of a lower directory, whose lock nests inside the top
 * layer's: the first listing after a stack was made reads the lower
 * directories under the lock readdir holds on the top one
 * (union_names_build()).
 */
static int union_iterate_lower(struct file *file, struct dir_context *ctx)
{
	struct inode *inode = file_inode(file);
	int err;

	if (!file->f_op->iterate_shared)
		return -ENOTDIR;
	err = security_file_permission(file, MAY_READ);
	if (err)
		return err;
	err = down_read_killable_nested(&inode->i_rwsem, I_MUTEX_LOWER);
	if (err)
		return err;
	err = -ENOENT;
	if (!IS_DEADDIR(inode)) {
		ctx->pos = file->f_pos;
		err = file->f_op->iterate_shared(file, ctx);
		file->f_pos = ctx->pos;
		fsnotify_access(file);
	}
	inode_unlock_shared(inode);
	return err;
}

/*
 * Read the names of @file, a lower directory, or (@locked) the top one,
 * which the caller holds locked, into @names.
 */
static int union_iterate_names(struct file *file, struct union_names *names,
			       bool locked)
{
	unsigned int before;
	int err;

	names->ctx.pos = 0;
	do {
		before = names->count;
		if (locked) {
			names->ctx.pos = file->f_pos;
			err = file->f_op->iterate_shared(file, &names->ctx);
			file->f_pos = names->ctx.pos;
		} else {
			err = union_iterate_lower(file, &names->ctx);
		}
	} while (!err && !names->err && names->count != before);
	return err ?: names->err;
}

/* The union's own reads of a directory are no one's events. */
static int union_read_names(const struct path *dir, struct union_names *names)
{
	struct file *file;
	int err;

	file = dentry_open_nonotify(dir, O_RDONLY | O_DIRECTORY,
				    current_cred());
	if (IS_ERR(file))
		return PTR_ERR(file);
	err = union_iterate_names(file, names, false);
	fput(file);
	return err;
}

/*
 * The names of lower files that the merged view shows
 *
 * A regular file's st_nlink counts all its names in its own file system,
 * also those that a lower layer above it hides (with an entry of the same
 * name, a whiteout, or an opaque directory above one of its directories).
 * In the merged view, st_nlink must count the names the view shows.  What
 * a layer hides of the one below it is fixed while the union is up, since
 * lower layers do not change, but only known by reading the directories:
 * the first time a count is asked for a layer (union_lower_nlink()), the
 * part of that layer which the merged view of the lower layers shows is
 * read once, and its regular names counted per inode number (as readdir
 * gives it).  The topmost lower layer needs no such walk: only the top
 * layer is above it, and the union copies a file up, and counts its names
 * below in the copy, before it hides one of its names.
 */

/* A directory of the layer being counted, with its stack down to it. */
struct union_walk {
	struct list_head list;
	unsigned int count;
	struct path layers[] __counted_by(count);	/* the counted one last */
};

static struct union_walk *union_walk_alloc(unsigned int count)
{
	struct union_walk *w = kzalloc(struct_size(w, layers, count),
				       GFP_KERNEL);

	if (w)
		w->count = count;
	return w;
}

static void union_walk_free(struct union_walk *w)
{
	unsigned int i;

	for (i = 0; i < w->count; i++)
		path_put(&w->layers[i]);
	kfree(w);
}

/*
 * Is @seen, a name of the counted layer in directory @w, shown by the
 * layers above it?  Then, for a directory, queue it on @work with its
 * stack.
 */
static int union_shown_name(struct union_walk *w, struct union_seen *seen,
			    struct xarray *shown, struct list_head *work)
{
	struct path *below = &w->layers[w->count - 1];
	struct union_walk *child = NULL;
	struct dentry *d;
	unsigned int i, n = 0;
	void *old;
	int err;

	/* A directory's own stack, if it is one. */
	if (seen->d_type != DT_REG) {
		child = union_walk_alloc(w->count);
		if (!child)
			return -ENOMEM;
	}
	for (i = 0; i + 1 < w->count; i++) {
		struct path *above = &w->layers[i];
		bool hides;

		d = union_lookup_one(above->dentry, seen->name, seen->len);
		if (IS_ERR(d)) {
			err = PTR_ERR(d);
			goto out;
		}
		/* A directory merges with one below, unless it is opaque. */
		if (d_is_dir(d) && child && !IS_OPAQUE(d_inode(d))) {
			child->layers[n].mnt = mntget(above->mnt);
			child->layers[n++].dentry = d;
			continue;
		}
		hides = d_is_positive(d) || !union_see_through(above->dentry, d);
		dput(d);
		if (hides) {
			err = 0;
			goto out;
		}
	}
	if (seen->d_type == DT_REG) {
		err = 0;
		if (seen->ino != (unsigned long)seen->ino)
			goto out;
		old = xa_load(shown, seen->ino);
		err = xa_err(xa_store(shown, seen->ino,
				      xa_mk_value(old ? xa_to_value(old) + 1 : 1),
				      GFP_KERNEL));
		goto out;
	}
	/* A directory, or a name readdir gave no type: see what it is. */
	d = union_lookup_one(below->dentry, seen->name, seen->len);
	err = PTR_ERR_OR_ZERO(d);
	if (err)
		goto out;
	if (d_is_reg(d) && n == 0) {
		seen->d_type = DT_REG;
		seen->ino = d_inode(d)->i_ino;
		dput(d);
		union_walk_free(child);
		return union_shown_name(w, seen, shown, work);
	}
	if (!d_is_dir(d)) {
		dput(d);
		goto out;
	}
	child->layers[n].mnt = mntget(below->mnt);
	child->layers[n++].dentry = d;
	child->count = n;
	list_add(&child->list, work);
	return 0;
out:
	if (child) {
		child->count = n;
		union_walk_free(child);
	}
	return err;
}

static int union_shown_dir(struct union_walk *w, struct xarray *shown,
			   struct list_head *work)
{
	struct union_names names = {
		.ctx.actor = union_collect_name,
		.chunks = LIST_HEAD_INIT(names.chunks),
	};
	struct union_name_chunk *chunk;
	struct union_seen *seen;
	int err;

	err = union_read_names(&w->layers[w->count - 1], &names);
	list_for_each_entry(chunk, &names.chunks, list) {
		for (seen = union_seen_next(chunk, NULL); seen && !err;
		     seen = union_seen_next(chunk, seen)) {
			if (seen->d_type == DT_REG || seen->d_type == DT_DIR ||
			    seen->d_type == DT_UNKNOWN)
				err = union_shown_name(w, seen, shown, work);
		}
	}
	union_names_free(&names);
	return err;
}

/* Count the names layer @k of @um shows: the walk described above. */
static struct xarray *union_count_shown(struct union_mount *um,
					unsigned int k)
{
	struct union_dir *root = um->sb->s_root->d_union_dir;
	struct union_walk *w;
	struct xarray *shown;
	LIST_HEAD(work);
	unsigned int i;
	int err = 0;

	if (WARN_ON_ONCE(!root || k >= root->count))
		return ERR_PTR(-EIO);
	shown = kmalloc_obj(*shown, GFP_KERNEL);
	w = union_walk_alloc(k + 1);
	if (!shown || !w) {
		kfree(shown);
		kfree(w);
		return ERR_PTR(-ENOMEM);
	}
	xa_init(shown);
	for (i = 0; i <= k; i++) {
		w->layers[i] = root->layers[i];
		path_get(&w->layers[i]);
	}
	list_add(&w->list, &work);
	while (!list_empty(&work)) {
		w = list_first_entry(&work, struct union_walk, list);
		list_del(&w->list);
		if (!err && fatal_signal_pending(current))
			err = -EINTR;
		if (!err)
			err = union_shown_dir(w, shown, &work);
		union_walk_free(w);
	}
	if (err) {
		xa_destroy(shown);
		kfree(shown);
		return ERR_PTR(err);
	}
	return shown;
}

/* The counts of layer @k of @um (k > 0), made now if not yet. */
static struct xarray *union_shown(struct union_mount *um, unsigned int k)
{
	const struct cred *old_cred;
	struct xarray *shown;
	int err;

	/* Pairs with the release below: the counts are complete. */
	shown = smp_load_acquire(&um->shown[k]);
	if (shown)
		return shown;
	err = mutex_lock_killable(&um->shown_lock);
	if (err)
		return ERR_PTR(err);
	shown = um->shown[k];
	if (shown)
		goto out;
	old_cred = union_override_creds(um->sb);
	shown = union_count_shown(um, k);
	union_revert_creds(old_cred);
	if (IS_ERR(shown))
		goto out;
	/* Pairs with the acquire above: readers see complete counts. */
	smp_store_release(&um->shown[k], shown);
out:
	mutex_unlock(&um->shown_lock);
	return shown;
}

/**
 * union_lower_nlink - how many names of a lower file the merged view shows
 * @sb: the union's top layer
 * @lower: the lower regular file, on a layer's mount or on a view of one
 *
 * Return: the count, which is the file's i_nlink in the topmost lower
 * layer (and where the walk did not see the file); or a negative errno
 * when the layer's names could not be counted (-EINTR, -ENOMEM, ...).
 */
int union_lower_nlink(struct super_block *sb, const struct path *lower)
{
	struct union_mount *um = READ_ONCE(sb->s_union);
	struct inode *inode = d_inode(lower->dentry);
	unsigned int nlink = inode->i_nlink;
	struct xarray *shown;
	void *v;
	int k;

	k = union_layer_index(sb, lower->mnt);
	if (!um || k <= 0 || nlink < 2)
		return nlink;
	shown = union_shown(um, k);
	if (IS_ERR(shown))
		return PTR_ERR(shown);
	v = xa_load(shown, inode->i_ino);
	return v ? min_t(unsigned long, xa_to_value(v), nlink) : nlink;
}

/* st_nlink of a lower regular file with several names, on a view. */
int union_getattr_lower(const struct path *path, struct kstat *stat)
{
	struct mount *m = real_mount(path->mnt), *parent;
	struct union_mount *um;
	struct path root;
	bool counted;
	int nlink;

	/* Most unions have one lower layer: nothing is counted there. */
	rcu_read_lock();
	parent = READ_ONCE(m->mnt_parent);
	um = parent != m ? READ_ONCE(parent->mnt.mnt_sb->s_union) : NULL;
	counted = um && um->nr_lowers > 1;
	rcu_read_unlock();
	if (!counted || !union_view_root(path, &root))
		return 0;
	nlink = union_lower_nlink(root.mnt->mnt_sb, path);
	path_put(&root);
	if (nlink < 0)
		return nlink;
	stat->nlink = nlink;
	return 0;
}

/* A pass-through entry at @dentry (negative) in @dir (locked). */
static int union_make_fallthru(struct inode *dir, struct dentry *dentry)
{
	int err;

	err = union_fault(UNION_STEP_FALLTHRU) ?:
	      dir->i_op->fallthru(dir, dentry);
	trace_union_fallthru(dir, dentry, err);
	if (!err)
		union_count(dir->i_sb, UNION_STAT_FALLTHRU);
	return err;
}

/*
 * Give @name in top-layer directory @dir (locked) an entry of its own if
 * it is visible below and has none yet on the top layer: a directory is
 * made there (as a lookup would), so that readdir reports the inode number
 * that stat will, and the parent's link count counts it; anything else
 * gets a pass-through entry.
 */
static int union_add_fallthru(struct dentry *dir, struct union_dir *ud,
			      const char *name, unsigned int len)
{
	struct inode *inode = d_inode(dir);
	struct qstr qname = QSTR_INIT(name, len);
	struct dentry *dentry;
	struct path found;
	int err = 0;

	dentry = lookup_noperm(&qname, dir);
	if (IS_ERR(dentry))
		return PTR_ERR(dentry);
	if (d_is_negative(dentry) && !d_is_union_whiteout(dentry)) {
		err = union_find_lower(dir, ud, &qname,
				       d_is_fallthru(dentry), &found, NULL);
		if (!err && found.dentry) {
			if (d_is_dir(found.dentry))
				err = union_create_dir(inode, dentry, &found);
			else if (!d_is_fallthru(dentry))
				err = union_make_fallthru(inode, dentry);
			path_put(&found);
		}
	}
	dput(dentry);
	return err;
}

/* Is @seen, read from layer @layer, a directory that only lower layers hold? */
static bool union_lower_only_dir(const struct path *dir, struct union_dir *ud,
				 unsigned int layer,
				 const struct union_seen *seen)
{
	struct qstr qname = QSTR_INIT(seen->name, seen->len);
	struct dentry *top;
	struct path found;
	unsigned int at;
	bool ret = false;

	if (union_find_lower(dir->dentry, ud, &qname, false, &found, &at) ||
	    !found.dentry)
		return false;
	if (at == layer && d_is_dir(found.dentry)) {
		top = lookup_one_unlocked(&nop_mnt_idmap,
					  &QSTR_LEN(seen->name, seen->len),
					  dir->dentry);
		if (!IS_ERR(top)) {
			ret = d_is_negative(top) && !d_is_union_whiteout(top);
			dput(top);
		}
	}
	path_put(&found);
	return ret;
}

/* Of the names in @names (from layer @layer), the lower-only directories. */
static unsigned int union_count_lower_dirs(const struct path *dir,
					   struct union_dir *ud,
					   unsigned int layer,
					   struct union_names *names)
{
	struct union_name_chunk *chunk;
	struct union_seen *seen;
	unsigned int count = 0;

	list_for_each_entry(chunk, &names->chunks, list) {
		for (seen = union_seen_next(chunk, NULL); seen;
		     seen = union_seen_next(chunk, seen))
			count += union_lower_only_dir(dir, ud, layer, seen);
	}
	return count;
}

/**
 * union_getattr_dir - st_nlink of a merged directory
 * @dir: a directory on a union mount
 * @stat: what the top layer said of it
 *
 * A directory's link count counts its subdirectories.  Until the first
 * readdir makes them on the top layer, those that only lower layers hold
 * are counted here, from the lower directories (which never change) and
 * the top layer's entries (which say what is hidden or already there).
 *
 * Return: 0, or the negative errno of reading a lower directory; @stat's
 * count then does not have the lower-only subdirectories added.
 */
int union_getattr_dir(const struct path *dir, struct kstat *stat)
{
	struct union_dir *ud = union_stack(dir);
	const struct cred *old_cred;
	unsigned int i, extra = 0;
	int err = 0;

	/* The index is not a subdirectory of the merged root. */
	if (dir->dentry == dir->dentry->d_sb->s_root &&
	    union_index_present(dir->dentry->d_sb))
		stat->nlink--;
	if (!ud || IS_UNION_COMPLETE(d_inode(dir->dentry)))
		return 0;
	old_cred = union_override_creds(dir->mnt->mnt_sb);
	for (i = 0; i < ud->count && !err; i++) {
		struct union_names names = {
			.ctx.actor = union_collect_name,
			.chunks = LIST_HEAD_INIT(names.chunks),
			.dirs_only = true,
		};

		err = union_read_names(&ud->layers[i], &names);
		if (!err)
			extra += union_count_lower_dirs(dir, ud, i, &names);
		union_names_free(&names);
	}
	union_revert_creds(old_cred);
	if (!err)
		stat->nlink += extra;
	return err;
}

/*
 * Mark the topmost record of each name in @names as first.  Records come
 * in the order they were read: the lower layers topmost first, then the
 * top layer.
 */
static void union_seen_dedup(struct hlist_head *head, struct union_seen *seen)
{
	struct union_seen *other;

	seen->first = true;
	hlist_for_each_entry(other, head, node) {
		if (other->len != seen->len ||
		    memcmp(other->name, seen->name, seen->len))
			continue;
		/* The top layer is read last, the lowers topmost first. */
		seen->first = seen->layer == UNION_SEEN_TOP;
		if (seen->first) {
			other->first = false;
			hlist_del(&other->node);
		}
		break;
	}
	if (seen->first)
		hlist_add_head(&seen->node, head);
}

static int union_names_dedup(struct dentry *dir, struct union_names *names)
{
	unsigned int bits = ilog2(roundup_pow_of_two(max(names->count, 2U)));
	struct union_name_chunk *chunk;
	struct hlist_head *table;
	struct union_seen *seen;

	table = kvcalloc(1U << bits, sizeof(*table), GFP_KERNEL);
	if (!table)
		return -ENOMEM;
	list_for_each_entry(chunk, &names->chunks, list) {
		for (seen = union_seen_next(chunk, NULL); seen;
		     seen = union_seen_next(chunk, seen)) {
			unsigned int hash;

			hash = full_name_hash(dir, seen->name, seen->len);
			union_seen_dedup(&table[hash_32(hash, bits)], seen);
		}
	}
	kvfree(names->table);
	names->table = table;
	names->bits = bits;
	return 0;
}

/* The topmost record of @name, after union_names_dedup(). */
static struct union_seen *union_names_find(struct union_names *names,
					   struct dentry *dir,
					   const struct qstr *name)
{
	unsigned int hash = full_name_hash(dir, name->name, name->len);
	struct union_seen *seen;

	hlist_for_each_entry(seen, &names->table[hash_32(hash, names->bits)],
			     node) {
		if (seen->len == name->len &&
		    !memcmp(seen->name, name->name, name->len))
			return seen;
	}
	return NULL;
}

static void union_names_put(struct union_names *names)
{
	if (names) {
		union_names_free(names);
		kfree(names);
	}
}

/*
 * Keep @names (deduplicated, its records moved out) as @ud's readdir
 * cache, unless another task got there first.  Readdir of a copied-up
 * directory reports each pass-through entry with the inode number and
 * type of what it names below; this saves a lookup in the lower layers
 * per name, which on ext2 searches the whole lower directory.  The lower
 * layers never change, so the cache never goes stale.
 */
static void union_names_keep(struct union_dir *ud, struct union_names *names)
{
	struct union_names *keep;

	if (ud == &union_dir_none || ud->shows_lower || READ_ONCE(ud->names))
		return;
	keep = kmalloc_obj(*keep, GFP_KERNEL);
	if (!keep)
		return;
	*keep = *names;
	INIT_LIST_HEAD(&keep->chunks);
	list_splice_init(&names->chunks, &keep->chunks);
	names->table = NULL;
	if (cmpxchg(&ud->names, NULL, keep))
		union_names_put(keep);
}

/* The dentry of @seen's name in @dir, if cached.  Only for dirs without ->d_hash. */
static struct dentry *union_seen_dentry(struct dentry *dir,
					const struct union_seen *seen)
{
	struct qstr qname = QSTR_INIT(seen->name, seen->len);

	qname.hash = full_name_hash(dir, seen->name, seen->len);
	return d_lookup(dir, &qname);
}

static bool union_in_dcache(struct dentry *dir, const struct union_seen *seen)
{
	struct dentry *dentry = union_seen_dentry(dir, seen);

	dput(dentry);
	return dentry;
}

/*
 * May lower layer @layer hide @seen, from a layer below it, although its
 * directory did not list the name?  Only by a whiteout in the dcache (or a
 * positive dentry, which its readdir would have listed).
 */
static bool union_seen_hidden(struct dentry *layer,
			      const struct union_seen *seen)
{
	struct dentry *dentry = union_seen_dentry(layer, seen);
	bool hidden;

	if (!dentry)
		return false;
	hidden = d_is_positive(dentry) || d_is_union_whiteout(dentry);
	dput(dentry);
	return hidden;
}

/*
 * Can nothing in the layers above @seen's hide it, except an entry their
 * listings had (which would have been the topmost record of the name)?
 * Not if one of them is opaque or complete, or has a whiteout of the name
 * in the dcache.
 */
static bool union_seen_uncovered(struct dentry *dir, struct union_dir *ud,
				 const struct union_seen *seen)
{
	unsigned int i;

	if (dir->d_flags & DCACHE_OP_HASH)
		return false;
	for (i = 0; i < seen->layer; i++) {
		struct dentry *layer = ud->layers[i].dentry;
		struct inode *inode = d_inode(layer);

		if (IS_OPAQUE(inode) || IS_UNION_COMPLETE(inode) ||
		    (layer->d_flags & DCACHE_OP_HASH))
			return false;
		if ((layer->d_sb->s_iflags & SB_I_UNION_UPPER) &&
		    union_seen_hidden(layer, seen))
			return false;
	}
	return true;
}

/*
 * Can @seen, the topmost record of its name and found in none of the top
 * layer's entries, get its pass-through entry without a lookup?  Only if
 * it is no directory (which would be made on the top layer), its type is
 * known, and nothing above it can hide it (whiteouts on disk were read
 * with the names).
 */
static bool union_fallthru_fast(struct dentry *dir, struct union_dir *ud,
				const struct union_seen *seen)
{
	if (seen->d_type == DT_DIR || seen->d_type == DT_UNKNOWN ||
	    seen->d_type == DT_WHT || seen->d_type == DT_FALLTHRU)
		return false;
	return union_seen_uncovered(dir, ud, seen);
}

/* A pass-through entry for @seen, which no dentry of @dir has yet. */
static int union_new_fallthru(struct dentry *dir, const struct union_seen *seen)
{
	struct qstr qname = QSTR_INIT(seen->name, seen->len);
	struct inode *inode = d_inode(dir);
	struct dentry *dentry;
	int err;

	qname.hash = full_name_hash(dir, seen->name, seen->len);
	dentry = d_alloc(dir, &qname);
	if (!dentry)
		return -ENOMEM;
	/* What a lookup would have made: @dir is locked, its names read. */
	d_add(dentry, NULL);
	err = union_make_fallthru(inode, dentry);
	dput(dentry);
	return err;
}

/* An entry on the top layer for @seen, if it needs one. */
static int union_add_seen(struct dentry *dir, struct union_dir *ud,
			  const struct union_seen *seen)
{
	if (union_fallthru_fast(dir, ud, seen) && !union_in_dcache(dir, seen))
		return union_new_fallthru(dir, seen);
	return union_add_fallthru(dir, ud, seen->name, seen->len);
}

/* Entries on the top layer for the names in @names that need one. */
static int union_add_fallthrus(struct dentry *dir, struct union_dir *ud,
			       struct union_names *names)
{
	struct union_name_chunk *chunk;
	struct union_seen *seen;
	int err;

	list_for_each_entry(chunk, &names->chunks, list) {
		for (seen = union_seen_next(chunk, NULL); seen;
		     seen = union_seen_next(chunk, seen)) {
			if (!seen->first || seen->layer == UNION_SEEN_TOP)
				continue;
			err = union_add_seen(dir, ud, seen);
			if (err)
				return err;
			cond_resched();
		}
	}
	return 0;
}

/*
 * Listing a merged directory without writing
 *
 * The first readdir of a merged directory copies it up (union_copyup_dir()).
 * When the top layer cannot take that (the union or its top file system is
 * read-only, or the top layer is full), readdir must still show the merged
 * directory: the layers are read and merged in memory instead, each name
 * resolved as a lookup would resolve it, and the result is listed sorted by
 * name, so that which layer holds a name does not change where it comes.
 * The offsets are indexes into that listing, which a readdir from offset 0
 * (opendir(), rewinddir()) builds afresh and the calls that go on from an
 * offset reuse.
 */
struct union_merged {
	refcount_t ref;
	unsigned int count;
	struct union_names names;		/* the records */
	struct union_seen *shown[] __counted_by(count);	/* listed, in order */
};

static void union_merged_put(struct union_merged *m)
{
	if (m && refcount_dec_and_test(&m->ref)) {
		union_names_free(&m->names);
		kvfree(m);
	}
}

static struct union_merged *union_merged_get(struct dentry *dir,
					     struct union_dir *ud)
{
	struct union_merged *m;

	spin_lock(&dir->d_lock);
	m = ud->merged;
	if (m)
		refcount_inc(&m->ref);
	spin_unlock(&dir->d_lock);
	return m;
}

static void union_merged_set(struct dentry *dir, struct union_dir *ud,
			     struct union_merged *m)
{
	struct union_merged *old;

	if (m)
		refcount_inc(&m->ref);
	spin_lock(&dir->d_lock);
	old = ud->merged;
	ud->merged = m;
	spin_unlock(&dir->d_lock);
	union_merged_put(old);
}

/* Show @seen as what the lower layers have at its name, if anything. */
static int union_merged_find(struct dentry *dir, struct union_dir *ud,
			     struct union_seen *seen, bool fallthru,
			     bool *shown)
{
	struct qstr qname = QSTR_INIT(seen->name, seen->len);
	struct path found;
	int err;

	err = union_find_lower(dir, ud, &qname, fallthru, &found, NULL);
	if (err || !found.dentry)
		return err;
	seen->ino = d_inode(found.dentry)->i_ino;
	seen->d_type = fs_umode_to_dtype(d_inode(found.dentry)->i_mode);
	path_put(&found);
	*shown = true;
	return 0;
}

/*
 * Is @seen, a lower record and the topmost of its name, hidden by a dentry
 * of the top-layer directory @dir: a whiteout that lives in the dcache
 * only (tmpfs)?
 */
static bool union_merged_whited_out(struct dentry *dir,
				    const struct union_seen *seen)
{
	struct dentry *top;
	bool hidden;

	if (!(dir->d_flags & DCACHE_OP_HASH))
		return union_seen_hidden(dir, seen);
	top = try_lookup_noperm(&QSTR_LEN(seen->name, seen->len), dir);
	if (IS_ERR_OR_NULL(top))
		return false;
	hidden = d_is_positive(top) || d_is_union_whiteout(top);
	dput(top);
	return hidden;
}

/*
 * Resolve @seen, the topmost record of its name, as a lookup would: is
 * the name visible (*@shown), and as what?  @dir is the top-layer
 * directory, locked shared.
 */
static int union_merged_resolve(struct dentry *dir, struct union_dir *ud,
				struct union_seen *seen, bool *shown)
{
	struct qstr qname = QSTR_INIT(seen->name, seen->len);

	*shown = false;
	if (seen->d_type == DT_WHT || union_index_hides(dir, &qname))
		return 0;
	if (seen->layer == UNION_SEEN_TOP) {
		if (seen->d_type == DT_FALLTHRU)
			return union_merged_find(dir, ud, seen, true, shown);
		*shown = true;
		return 0;
	}
	if (union_merged_whited_out(dir, seen))
		return 0;
	if (seen->d_type != DT_UNKNOWN && seen->d_type != DT_FALLTHRU &&
	    union_seen_uncovered(dir, ud, seen)) {
		*shown = true;
		return 0;
	}
	return union_merged_find(dir, ud, seen, false, shown);
}

static int union_merged_cmp(const void *a, const void *b)
{
	const struct union_seen *x = *(const struct union_seen **)a;
	const struct union_seen *y = *(const struct union_seen **)b;
	int cmp = memcmp(x->name, y->name, min(x->len, y->len));

	return cmp ?: (int)x->len - (int)y->len;
}

/* The names shown of @names, deduplicated, in @m. */
static int union_merged_fill(struct dentry *dir, struct union_dir *ud,
			     struct union_names *names, struct union_merged *m)
{
	struct union_name_chunk *chunk;
	struct union_seen *seen;
	unsigned int n = 0;
	bool shown;
	int err;

	list_for_each_entry(chunk, &names->chunks, list) {
		for (seen = union_seen_next(chunk, NULL); seen;
		     seen = union_seen_next(chunk, seen)) {
			if (!seen->first)
				continue;
			err = union_merged_resolve(dir, ud, seen, &shown);
			if (err)
				return err;
			if (shown)
				m->shown[n++] = seen;
			if (fatal_signal_pending(current))
				return -EINTR;
			cond_resched();
		}
	}
	m->count = n;
	sort(m->shown, n, sizeof(m->shown[0]), union_merged_cmp, NULL);
	return 0;
}

static struct union_merged *union_merged_build(struct file *file,
					       struct union_dir *ud)
{
	struct dentry *dir = file->f_path.dentry;
	struct union_names names = {
		.ctx.actor = union_collect_name,
		.chunks = LIST_HEAD_INIT(names.chunks),
	};
	struct union_merged *m = NULL;
	const struct cred *old_cred;
	struct file *top;
	unsigned int i;
	int err = 0;

	old_cred = union_override_creds(dir->d_sb);
	for (i = 0; i < ud->count && !err; i++) {
		names.layer = i;
		err = union_read_names(&ud->layers[i], &names);
	}
	if (err)
		goto out;
	top = dentry_open_nonotify(&file->f_path, O_RDONLY | O_DIRECTORY,
				   current_cred());
	err = PTR_ERR(top);
	if (IS_ERR(top))
		goto out;
	names.layer = UNION_SEEN_TOP;
	err = union_iterate_names(top, &names, true);
	fput(top);
	if (!err)
		err = union_names_dedup(dir, &names);
	if (err)
		goto out;
	m = kvmalloc(struct_size(m, shown, names.count), GFP_KERNEL_ACCOUNT);
	if (!m) {
		err = -ENOMEM;
		goto out;
	}
	m->count = names.count;
	err = union_merged_fill(dir, ud, &names, m);
	if (err) {
		kvfree(m);
		goto out;
	}
	refcount_set(&m->ref, 1);
	m->names = names;
	m->names.table = NULL;
	INIT_LIST_HEAD(&m->names.chunks);
	list_splice_init(&names.chunks, &m->names.chunks);
out:
	union_revert_creds(old_cred);
	union_names_free(&names);
	return err ? ERR_PTR(err) : m;
}

/* Readdir of a merged directory that is not complete on the top layer. */
static int union_iterate_merged(struct file *file, struct union_dir *ud,
				struct dir_context *ctx)
{
	struct dentry *dir = file->f_path.dentry;
	struct union_merged *m = NULL;
	bool fresh = ctx->pos == 0;
	loff_t i;

	if (!dir_emit_dots(file, ctx))
		return 0;
	if (!fresh)
		m = union_merged_get(dir, ud);
	if (!m) {
		m = union_merged_build(file, ud);
		if (IS_ERR(m))
			return PTR_ERR(m);
		union_merged_set(dir, ud, m);
	}
	for (i = ctx->pos - 2; i < m->count; i++) {
		struct union_seen *seen = m->shown[i];

		if (!dir_emit(ctx, seen->name, seen->len, seen->ino,
			      seen->d_type))
			break;
		ctx->pos++;
	}
	union_merged_put(m);
	return 0;
}

/**
 * union_copyup_dir - copy a merged directory's lower entries up as pass-through entries
 * @dir: a directory on a union mount
 *
 * The first readdir (and rmdir) of a merged directory records every name
 * visible below it as a pass-through entry on the top layer and marks the
 * directory complete; from then on the top layer alone answers readdir
 * and lookups of names it does not hold.  Runs with the union creator's
 * credentials: reading the lower directories is part of the union's own
 * work, not something the caller asked for.  Interrupted half-way, it
 * leaves only pass-through entries, which the next attempt skips.
 *
 * Every directory involved is read once and the names compared in memory:
 * a lookup per name on the top layer, and a search of the whole directory
 * per new entry, would make it quadratic in the size of the directory on
 * file systems that keep names in lists (ext2, jffs2).
 *
 * The caller has write access to the mount (mnt_want_write()).
 *
 * Return: 0, also when the directory is complete already, or a negative
 * errno from reading a directory or adding an entry; the directory then
 * stays incomplete.
 */
int union_copyup_dir(const struct path *dir)
{
	struct inode *inode = d_inode(dir->dentry);
	struct union_dir *ud = union_stack(dir);
	struct union_names names = {
		.ctx.actor = union_collect_name,
		.chunks = LIST_HEAD_INIT(names.chunks),
	};
	const struct cred *old_cred;
	struct union_times times;
	struct file *top;
	unsigned int i;
	int err;

	if (!ud || IS_UNION_COMPLETE(inode))
		return 0;
	old_cred = union_override_creds(dir->mnt->mnt_sb);
	/* The lower layers never change: read them before locking the top. */
	for (i = 0; i < ud->count; i++) {
		names.layer = i;
		err = union_read_names(&ud->layers[i], &names);
		if (err)
			goto out_free;
	}
	top = dentry_open_nonotify(dir, O_RDONLY | O_DIRECTORY,
				   current_cred());
	if (IS_ERR(top)) {
		err = PTR_ERR(top);
		goto out_free;
	}
	inode_lock_nested(inode, I_MUTEX_CHILD);
	/* Another first listing got here first, or an rmdir did. */
	err = 0;
	if (IS_UNION_COMPLETE(inode) || IS_DEADDIR(inode))
		goto out_unlock;
	names.layer = UNION_SEEN_TOP;
	err = union_iterate_names(top, &names, true);
	if (!err)
		err = union_names_dedup(dir->dentry, &names);
	if (err)
		goto out_unlock;
	union_save_times(inode, &times);
	err = union_add_fallthrus(dir->dentry, ud, &names);
	if (!err)
		err = union_fault(UNION_STEP_DIR_COMPLETE) ?:
		      inode->i_op->set_complete(inode, true);
	union_restore_times(dir->dentry, &times);
	trace_union_dir_copyup(inode, ud->count, names.count, err);
	if (!err) {
		union_names_keep(ud, &names);
		/* The top layer lists it now. */
		union_merged_set(dir->dentry, ud, NULL);
		union_count(inode->i_sb, UNION_STAT_DIR_COPYUP);
	}
out_unlock:
	inode_unlock(inode);
	fput(top);
out_free:
	union_names_free(&names);
	union_revert_creds(old_cred);
	return err;
}

/* The first readdir of a merged directory copies it up. */
int union_readdir_copyup(struct file *file)
{
	int err;

	err = mnt_want_write_file(file);
	if (err)
		return err;
	err = union_copyup_dir(&file->f_path);
	mnt_drop_write_file(file);
	return err;
}

/*
 * Readdir of a copied-up directory: the top layer's pass-through entries are
 * reported with the type and inode number of the lower object they name.
 */
struct union_readdir {
	struct dir_context ctx;
	struct dir_context *caller;
	struct dentry *dir;
	struct union_dir *ud;
	int err;
};

/*
 * The inode number and type of what the pass-through entry @name names,
 * from the readdir cache; false if it cannot say (then a lookup does).
 */
static bool union_cached_type(struct union_readdir *ur,
			      const struct qstr *name, u64 *ino,
			      unsigned int *d_type)
{
	struct union_names *names = READ_ONCE(ur->ud->names);
	struct union_seen *seen;

	if (!names)
		return false;
	seen = union_names_find(names, ur->dir, name);
	if (!seen || seen->layer == UNION_SEEN_TOP ||
	    seen->d_type == DT_UNKNOWN || seen->d_type == DT_DIR ||
	    seen->d_type == DT_WHT || seen->d_type == DT_FALLTHRU)
		return false;
	*ino = seen->ino;
	*d_type = seen->d_type;
	return true;
}

bool union_filldir(struct dir_context *ctx, const char *name, int len,
		   loff_t offset, u64 ino, unsigned int d_type)
{
	struct union_readdir *ur = container_of(ctx, struct union_readdir, ctx);
	struct qstr qname = QSTR_INIT(name, len);

	if (union_index_hides(ur->dir, &qname))
		return true;
	if (d_type == DT_WHT)
		return true;
	if (d_type == DT_FALLTHRU && union_cached_type(ur, &qname, &ino, &d_type))
		goto emit;
	if (d_type == DT_FALLTHRU) {
		struct path found;
		struct inode *inode;
		int err;

		err = union_find_lower(ur->dir, ur->ud, &qname, true, &found,
				       NULL);
		if (err) {
			ur->err = err;
			return false;
		}
		/* Nothing below any more: nothing to show. */
		if (!found.dentry)
			return true;
		inode = d_inode(found.dentry);
		ino = inode->i_ino;
		d_type = fs_umode_to_dtype(inode->i_mode);
		path_put(&found);
	}
emit:
	ur->caller->pos = ctx->pos;
	return ur->caller->actor(ur->caller, name, len, offset, ino, d_type);
}

/*
 * The readdir cache of a directory copied up before its stack was made (in
 * an earlier mount, or before the dentry was evicted): the lower
 * directories read once, instead of a lookup below per pass-through entry.
 * A failure only means lookups.
 */
static void union_names_build(const struct path *dir, struct union_dir *ud)
{
	struct union_names names = {
		.ctx.actor = union_collect_name,
		.chunks = LIST_HEAD_INIT(names.chunks),
	};
	const struct cred *old_cred;
	unsigned int i;
	int err = 0;

	old_cred = union_override_creds(dir->mnt->mnt_sb);
	for (i = 0; i < ud->count && !err; i++) {
		names.layer = i;
		err = union_read_names(&ud->layers[i], &names);
	}
	union_revert_creds(old_cred);
	if (!err && !union_names_dedup(dir->dentry, &names))
		union_names_keep(ud, &names);
	union_names_free(&names);
}

/* Called by iterate_dir() with the directory's i_rwsem held shared. */
int union_iterate_dir(struct file *file, struct dir_context *ctx)
{
	struct union_readdir ur = {
		.ctx.actor = union_filldir,
		.ctx.pos = ctx->pos,
		.caller = ctx,
		.dir = file->f_path.dentry,
		.ud = union_stack(&file->f_path),
	};
	int err;

	if (ur.ud && ur.ud != &union_dir_none && ur.ud->count &&
	    !IS_UNION_COMPLETE(file_inode(file)))
		return union_iterate_merged(file, ur.ud, ctx);
	if (ur.ud && ur.ud != &union_dir_none && !ur.ud->shows_lower &&
	    !READ_ONCE(ur.ud->names) && ctx->pos == 0)
		union_names_build(&file->f_path, ur.ud);
	err = file->f_op->iterate_shared(file, &ur.ctx);
	ctx->pos = ur.ctx.pos;
	return err ?: ur.err;
}

#ifdef CONFIG_DEBUG_FS
static const char *const union_stat_names[UNION_STAT_NR] = {
	[UNION_STAT_COPYUP]		= "copyups",
	[UNION_STAT_COPYUP_FAILED]	= "copyups_failed",
	[UNION_STAT_WHITEOUT]		= "whiteouts",
	[UNION_STAT_FALLTHRU]		= "fallthrus",
	[UNION_STAT_DIR_CREATE]		= "dirs_created",
	[UNION_STAT_DIR_COPYUP]		= "dirs_listed",
};

static void union_show_sb(struct seq_file *m, struct super_block *sb)
{
	seq_printf(m, " %s %s dev %u:%u\n", sb->s_type->name, sb->s_id,
		   MAJOR(sb->s_dev), MINOR(sb->s_dev));
}

/*
 * One paragraph per union: its top layer, its lower layers topmost first
 * (with the mount IDs of /proc/PID/mountinfo), the stack of its root
 * directory and what it has done since it was made.
 */
static int union_mounts_show(struct seq_file *m, void *v)
{
	struct union_mount *um;
	struct union_dir *ud;
	unsigned int i;

	mutex_lock(&union_list_lock);
	list_for_each_entry(um, &union_list, list) {
		seq_puts(m, "union\n  top");
		union_show_sb(m, um->sb);
		seq_printf(m, "  creator uid %u\n",
			   from_kuid_munged(&init_user_ns,
					    um->creator_cred->fsuid));
		for (i = 0; i < um->nr_lowers; i++) {
			struct vfsmount *mnt = um->lowers[i];

			seq_printf(m, "  lower %u mount %d", i,
				   real_mount(mnt)->mnt_id);
			union_show_sb(m, mnt->mnt_sb);
		}
		/* The root's stack lives as long as the union: no RCU. */
		ud = READ_ONCE(um->sb->s_root->d_union_dir);
		seq_puts(m, "  root stack:");
		for (i = 0; ud && i < ud->count; i++)
			seq_printf(m, " %s:%llu", ud->layers[i].mnt->mnt_sb->s_id,
				   d_inode(ud->layers[i].dentry)->i_ino);
		seq_putc(m, '\n');
		for (i = 0; i < UNION_STAT_NR; i++)
			seq_printf(m, "  %s %ld\n", union_stat_names[i],
				   atomic_long_read(&um->stats[i]));
	}
	mutex_unlock(&union_list_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(union_mounts);

static int __init union_debugfs_init(void)
{
	struct dentry *dir = debugfs_create_dir("union", NULL);

	debugfs_create_file("mounts", 0400, dir, NULL, &union_mounts_fops);
	return 0;
}
late_initcall(union_debugfs_init);
#endif
