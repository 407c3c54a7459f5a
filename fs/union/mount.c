// SPDX-License-Identifier: GPL-2.0
/*
 * Union mounts: making a union and the views of its lower layers.
 *
 * mount -o union attaches a writable filesystem (the top layer) over the
 * read-only mounts stacked at the mountpoint.  This file checks and
 * attaches the top layer, holds the lower mounts for as long as the union
 * lives, and keeps the private views of the lower layers (and the anchor
 * mounts of directories served from below) through which the union
 * reaches them.  The design and the locking rules are in
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
#include <linux/slab.h>
#include <linux/statfs.h>
#include <linux/union.h>
#include <linux/user_namespace.h>

#include "internal.h"
#include "../internal.h"
#include "../pnode.h"
#include "../union.h"

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
 * stat() of an object a union serves from below: the union's st_dev, as
 * every object of a union has, so that the tools that stay on one
 * filesystem (find -xdev, du -x) go through it; the inode number that
 * its copy will keep (fs/union/ino.c); and the link count of a directory
 * that lower layers merge.
 */
int union_getattr_below(const struct path *path, struct kstat *stat)
{
	struct mount *m = real_mount(path->mnt), *parent;

	rcu_read_lock();
	parent = READ_ONCE(m->mnt_parent);
	if (parent != m) {
		stat->dev = parent->mnt.mnt_sb->s_dev;
		stat->ino = union_lower_ino(parent->mnt.mnt_sb, path->mnt,
					    stat->ino);
	}
	rcu_read_unlock();
	if (S_ISDIR(stat->mode) && union_below_merges(path))
		return union_getattr_merged(path, stat);
	return 0;
}

/*
 * The stack at @m's mountpoint @point, if @m is an anchor and @point has
 * one of directories that lower layers merge; under RCU, not referenced.
 * The mountpoint of an anchor whose union mount is gone is its own root.
 */
static struct union_dir *union_below_merged(struct mount *m,
					    struct dentry *point)
{
	struct union_dir *ud;

	if (point == m->mnt.mnt_root ||
	    !(point->d_sb->s_iflags & SB_I_UNION_UPPER) ||
	    READ_ONCE(m->mnt_parent) == m)
		return NULL;
	ud = READ_ONCE(point->d_union_dir);
	return ud && ud->merges_below ? ud : NULL;
}

/**
 * union_below_merges - is @path a directory that lower layers merge, served
 * from below
 * @path: a path
 *
 * Return: true if @path is the root of an anchor (union_anchor()) whose
 * directory is merged with others below it: lookups and listings there
 * are the union's (union_below_stack()).
 */
bool union_below_merges(const struct path *path)
{
	struct mount *m = real_mount(path->mnt);
	bool merges;

	if (!union_below(path) || path->dentry != path->mnt->mnt_root)
		return false;
	rcu_read_lock();
	merges = union_below_merged(m, READ_ONCE(m->mnt_mountpoint));
	rcu_read_unlock();
	return merges;
}

/**
 * union_below_stack - the stack of a merged directory served from below
 * @path: the directory, at its anchor's root
 * @point: out: the union mount and the top layer's negative dentry that
 *	   shows the directory, referenced
 *
 * The stack is the one at @point now: a directory made there since
 * replaces it, and the anchor is then stale (union_below_stale()).
 *
 * Return: the stack, referenced (union_dir_free() puts it), or NULL when
 * @path is no such directory (or its union mount is gone).
 */
struct union_dir *union_below_stack(const struct path *path,
				    struct path *point)
{
	struct mount *m = real_mount(path->mnt);
	struct union_dir *ud = NULL;

	/* Most anchors are of directories that no other layer merges. */
	if (!union_below_merges(path))
		return NULL;
	read_seqlock_excl(&mount_lock);
	rcu_read_lock();
	ud = union_below_merged(m, m->mnt_mountpoint);
	if (ud && refcount_inc_not_zero(&ud->ref)) {
		point->mnt = mntget(&m->mnt_parent->mnt);
		point->dentry = dget(m->mnt_mountpoint);
	} else {
		ud = NULL;
	}
	rcu_read_unlock();
	read_sequnlock_excl(&mount_lock);
	return ud;
}

/* The number a union shows for @ino of the layer that @view is a view of. */
u64 union_view_ino(struct vfsmount *view, u64 ino)
{
	struct mount *m = real_mount(view), *parent;

	rcu_read_lock();
	parent = READ_ONCE(m->mnt_parent);
	if (parent != m)
		ino = union_lower_ino(parent->mnt.mnt_sb, view, ino);
	rcu_read_unlock();
	return ino;
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
	union_adoption_stamps(ua, um->stamps);
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
	union_debug_add(um);
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
		union_debug_del(um);
		sb->s_union = NULL;
		union_shown_free(um);
		union_release_lowers(um);
		put_cred(um->creator_cred);
		/* Readers under RCU may still look at it. */
		kfree_rcu(um, rcu);
	}
}
