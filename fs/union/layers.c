// SPDX-License-Identifier: GPL-2.0
/*
 * Union mounts: what a top layer was made over.
 *
 * A persistent top layer keeps state that holds only for the lower layers
 * it was used with.  A complete directory hides every lower name it has no
 * entry for, and an index entry names a lower file by layer and inode
 * number.  Over an upgraded image, the first would hide the image's new
 * names and the second would join unrelated files.  So the top's root
 * records an identity of each lower layer (UNION_XATTR_LAYERS), and a
 * mount over layers that do not match it adopts them before the union is
 * attached:
 *
 *  - the record goes first, synchronously: a crash during the adoption
 *    leaves none, and the next mount adopts again;
 *  - every complete directory becomes incomplete, so that its next listing
 *    merges the new layers (a pass-through entry whose name is gone below
 *    shows nothing);
 *  - the index entries of the changed layers go, with their copies'
 *    records: a name below that was never copied up shows the new layer's
 *    file, and the names that were keep their copy;
 *  - a changed layer gets a new stamp: the copies of its old objects
 *    show inode numbers of their own (fs/union/ino.c);
 *  - after a sync, the new record.
 *
 * Whiteouts, opaque directories and redirects name paths, not lower
 * objects, and keep their meaning: a file the user deleted stays deleted
 * and a directory the user renamed takes the new image's contents along.
 *
 * A layer's identity is a digest of what its filesystem says about it
 * without reading it: type, UUID, the file handle, inode number, times of
 * the layer's root directory, and the filesystem's size and number of
 * inodes (what it holds on squashfs, what it can hold on ext2).  An image
 * rebuilt with all of these unchanged is taken for the same, and so is a
 * filesystem changed below the layer's root in place.
 */

#include <crypto/sha2.h>
#include <linux/exportfs.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mount.h>
#include <linux/namei.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/statfs.h>
#include <linux/xattr.h>

#include "internal.h"
#include "../pnode.h"
#include "../union.h"

/* Version 1 had no stamps: 2 + 16 * count bytes. */
#define UNION_LAYERS_VERSION	2
#define UNION_LAYER_ID_SIZE	16

/*
 * One layer in the value of UNION_XATTR_LAYERS: its identity, and a stamp
 * that changes whenever the layer is adopted, never to come back, which
 * the records of lower objects on the top layer carry (fs/union/ino.c).
 */
struct union_layer_rec {
	u8 id[UNION_LAYER_ID_SIZE];
	__le32 stamp;
} __packed;

/* The value of UNION_XATTR_LAYERS: 2 + 20 * count bytes. */
struct union_layers {
	u8 version;
	u8 count;
	struct union_layer_rec layer[UNION_MAX_LOWERS];
} __packed;

static inline size_t union_layers_size(const struct union_layers *l)
{
	return offsetof(struct union_layers, layer[l->count]);
}

static void union_hash_u64(struct sha256_ctx *s, u64 v)
{
	__le64 x = cpu_to_le64(v);

	sha256_update(s, (const u8 *)&x, sizeof(x));
}

static void union_hash_time(struct sha256_ctx *s, struct timespec64 t)
{
	union_hash_u64(s, t.tv_sec);
	union_hash_u64(s, t.tv_nsec);
}

static void union_layer_id(const struct path *layer, u8 *id)
{
	struct super_block *sb = layer->mnt->mnt_sb;
	struct inode *inode = d_inode(layer->dentry);
	u8 digest[SHA256_DIGEST_SIZE];
	u32 fh[MAX_HANDLE_SZ / 4];
	int len = ARRAY_SIZE(fh), type;
	struct sha256_ctx s;
	struct kstatfs st;

	/* A filesystem that cannot say (some FUSE servers) says nothing. */
	if (vfs_statfs(layer, &st))
		memset(&st, 0, sizeof(st));
	type = exportfs_encode_fh(layer->dentry, (struct fid *)fh, &len,
				  EXPORT_FH_FID);
	if (type < 0 || type == FILEID_INVALID) {
		type = 0;
		len = 0;
	}

	sha256_init(&s);
	sha256_update(&s, sb->s_type->name, strlen(sb->s_type->name) + 1);
	sha256_update(&s, sb->s_uuid.b, sizeof(sb->s_uuid.b));
	union_hash_u64(&s, type);
	sha256_update(&s, (const u8 *)fh, len * sizeof(fh[0]));
	union_hash_u64(&s, inode->i_ino);
	union_hash_u64(&s, inode->i_generation);
	union_hash_time(&s, inode_get_mtime(inode));
	union_hash_time(&s, inode_get_ctime(inode));
	union_hash_u64(&s, st.f_type);
	union_hash_u64(&s, st.f_bsize);
	union_hash_u64(&s, st.f_blocks);
	union_hash_u64(&s, st.f_files);
	sha256_final(&s, digest);
	memcpy(id, digest, UNION_LAYER_ID_SIZE);
}

static void union_layers_of(const struct path *lowers, unsigned int n,
			    struct union_layers *l)
{
	unsigned int i;

	l->version = UNION_LAYERS_VERSION;
	l->count = n;
	for (i = 0; i < n; i++)
		union_layer_id(&lowers[i], l->layer[i].id);
}

/*
 * The record on the top layer @root, in *@l; l->count is 0 when there is
 * none (or one this kernel cannot read, which is adopted over).
 * -EOPNOTSUPP when the top layer has no trusted xattrs.
 */
static int union_layers_get(struct dentry *root, struct union_layers *l)
{
	ssize_t len;

	len = __vfs_getxattr(root, d_inode(root), UNION_XATTR_LAYERS, l,
			     sizeof(*l));
	if (len == -ENODATA)
		len = 0;
	if (len < 0 && len != -ERANGE)
		return len;
	if (len >= 2 && l->version == 1 && l->count <= UNION_MAX_LOWERS &&
	    len == 2 + l->count * UNION_LAYER_ID_SIZE) {
		u8 *ids = (u8 *)l + 2;
		int i;

		/* Last first: each moves up, over none still to move. */
		for (i = l->count - 1; i >= 0; i--) {
			memmove(l->layer[i].id, ids + i * UNION_LAYER_ID_SIZE,
				UNION_LAYER_ID_SIZE);
			l->layer[i].stamp = 0;
		}
		return 0;
	}
	if (len < 2 || l->version != UNION_LAYERS_VERSION ||
	    l->count > UNION_MAX_LOWERS ||
	    (size_t)len != union_layers_size(l)) {
		if (len)
			pr_warn("union: %s: unknown %s, adopting the lower layers\n",
				root->d_sb->s_id, UNION_XATTR_LAYERS);
		l->count = 0;
	}
	return 0;
}

static bool union_layer_same(const struct union_layers *old,
			     const struct union_layers *now, unsigned int i)
{
	return i < old->count && i < now->count &&
	       !memcmp(old->layer[i].id, now->layer[i].id,
		       UNION_LAYER_ID_SIZE);
}

static bool union_layers_same(const struct union_layers *old,
			      const struct union_layers *now)
{
	unsigned int i;

	if (old->count != now->count)
		return false;
	for (i = 0; i < now->count; i++) {
		if (!union_layer_same(old, now, i))
			return false;
	}
	return true;
}

/*
 * The stamps of @now: a layer that @old has keeps its stamp, and one that
 * changed takes a new random one, never the one it replaces.  Rolling
 * back to an older image must not make the records made over the newer
 * one valid again: a stamp of two adoptions before comes back once in
 * 2^32 adoptions.
 */
static void union_layers_stamp(const struct union_layers *old,
			       struct union_layers *now)
{
	unsigned int i;

	for (i = 0; i < now->count; i++) {
		u32 stamp = get_random_u32();

		if (union_layer_same(old, now, i) &&
		    old->version == UNION_LAYERS_VERSION)
			stamp = le32_to_cpu(old->layer[i].stamp);
		else if (i < old->count &&
			 stamp == le32_to_cpu(old->layer[i].stamp))
			stamp++;
		now->layer[i].stamp = cpu_to_le32(stamp);
	}
}

/* The names in a directory that @keep() wants, read in one go. */
struct union_adopt_names {
	struct dir_context ctx;
	bool (*keep)(const char *name, int len, unsigned int d_type);
	char *buf;
	size_t used, size;
	int err;
};

static bool union_adopt_actor(struct dir_context *ctx, const char *name,
			      int len, loff_t pos, u64 ino,
			      unsigned int d_type)
{
	struct union_adopt_names *n =
		container_of(ctx, struct union_adopt_names, ctx);

	if ((len == 1 && name[0] == '.') ||
	    (len == 2 && name[0] == '.' && name[1] == '.') ||
	    !n->keep(name, len, d_type))
		return true;
	if (n->used + len + 1 > n->size) {
		size_t size = max(n->size * 2, PAGE_SIZE);
		char *buf = kvrealloc(n->buf, size, GFP_KERNEL);

		if (!buf) {
			n->err = -ENOMEM;
			return false;
		}
		n->buf = buf;
		n->size = size;
	}
	memcpy(n->buf + n->used, name, len);
	n->buf[n->used + len] = '\0';
	n->used += len + 1;
	return true;
}

static int union_adopt_read(const struct path *dir,
			    struct union_adopt_names *n)
{
	struct file *file;
	int err;

	n->ctx.actor = union_adopt_actor;
	n->ctx.pos = 0;
	file = dentry_open(dir, O_RDONLY | O_DIRECTORY, current_cred());
	if (IS_ERR(file))
		return PTR_ERR(file);
	err = iterate_dir(file, &n->ctx);
	/*
	 * The file is ours alone; the walk opens one per directory of the
	 * top layer, which fput() would keep until the mount returns.
	 */
	__fput_sync(file);
	return err ?: n->err;
}

static bool union_adopt_want_dir(const char *name, int len,
				 unsigned int d_type)
{
	return d_type == DT_DIR || d_type == DT_UNKNOWN;
}

static bool union_adopt_want_any(const char *name, int len,
				 unsigned int d_type)
{
	return true;
}

/* A directory to visit, on the stack of union_adopt_dirs(). */
struct union_adopt_dir {
	struct list_head list;
	struct dentry *dentry;
};

static int union_adopt_push(struct list_head *todo, struct dentry *dentry)
{
	struct union_adopt_dir *d = kmalloc_obj(*d, GFP_KERNEL);

	if (!d)
		return -ENOMEM;
	d->dentry = dentry;
	list_add(&d->list, todo);
	return 0;
}

/* Make @dir incomplete, and push its subdirectories on @todo. */
static int union_adopt_dir(struct vfsmount *top, struct dentry *dir,
			   struct list_head *todo)
{
	struct inode *inode = d_inode(dir);
	struct path path = { .mnt = top, .dentry = dir };
	struct union_adopt_names n = { .keep = union_adopt_want_dir };
	char *name;
	int err;

	err = union_adopt_read(&path, &n);
	for (name = n.buf; !err && name < n.buf + n.used;
	     name += strlen(name) + 1) {
		struct qstr q = QSTR_INIT(name, strlen(name));
		struct dentry *sub;

		if (union_index_hides(dir, &q))
			continue;
		sub = lookup_noperm_unlocked(&QSTR_LEN(name, q.len), dir);
		if (IS_ERR(sub)) {
			err = PTR_ERR(sub);
			break;
		}
		if (d_is_dir(sub))
			err = union_adopt_push(todo, sub);
		if (!d_is_dir(sub) || err)
			dput(sub);
	}
	kvfree(n.buf);
	if (err)
		return err;
	inode_lock(inode);
	if (IS_UNION_COMPLETE(inode))
		err = inode->i_op->set_complete(inode, false);
	inode_unlock(inode);
	return err;
}

/* Every directory of the top layer @top becomes incomplete. */
static int union_adopt_dirs(struct vfsmount *top)
{
	struct union_adopt_dir *d;
	LIST_HEAD(todo);
	int err;

	err = union_adopt_push(&todo, top->mnt_root);
	if (err)
		return err;
	dget(top->mnt_root);
	while (!list_empty(&todo)) {
		d = list_first_entry(&todo, struct union_adopt_dir, list);
		list_del(&d->list);
		if (!err && fatal_signal_pending(current))
			err = -EINTR;
		if (!err)
			err = union_adopt_dir(top, d->dentry, &todo);
		dput(d->dentry);
		kfree(d);
		cond_resched();
	}
	return err;
}

/* Drop the index entry @name, and its copy's record. */
static int union_adopt_unindex(struct dentry *index, const char *name)
{
	struct dentry *entry;
	int err;

	inode_lock_nested(d_inode(index), I_MUTEX_PARENT);
	entry = lookup_noperm(&QSTR(name), index);
	err = PTR_ERR(entry);
	if (IS_ERR(entry))
		goto out;
	err = 0;
	if (d_is_positive(entry)) {
		err = union_do_removexattr(entry, UNION_XATTR_INDEX);
		if (err == -ENODATA)
			err = 0;
		if (!err)
			err = union_do_unlink(d_inode(index), entry);
	}
	dput(entry);
out:
	inode_unlock(d_inode(index));
	return err;
}

/* The index entries ("<layer>-<ino>") of the layers that changed go. */
static int union_adopt_index(struct vfsmount *top,
			     const struct union_layers *old,
			     const struct union_layers *now)
{
	struct union_adopt_names n = { .keep = union_adopt_want_any };
	struct path path = { .mnt = top };
	char *name;
	int err;

	path.dentry = lookup_noperm_unlocked(&QSTR(UNION_INDEX_NAME),
					     top->mnt_root);
	if (IS_ERR(path.dentry))
		return PTR_ERR(path.dentry);
	err = 0;
	if (!d_is_dir(path.dentry))
		goto out;
	err = union_adopt_read(&path, &n);
	for (name = n.buf; !err && name < n.buf + n.used;
	     name += strlen(name) + 1) {
		unsigned int layer;
		u64 ino;
		char end;

		if (sscanf(name, "%u-%llx%c", &layer, &ino, &end) != 2 ||
		    union_layer_same(old, now, layer))
			continue;
		err = union_adopt_unindex(path.dentry, name);
	}
	kvfree(n.buf);
out:
	dput(path.dentry);
	return err;
}

/*
 * Set (@l) or remove (NULL) the record on @root, synchronously (jffs2
 * writes every node at once anyway).  A top layer without trusted xattrs
 * has nowhere to keep it, and adopts its lowers at every mount.
 */
static int union_layers_set(struct dentry *root, const struct union_layers *l)
{
	int err;

	err = union_setxattr_sync(root, UNION_XATTR_LAYERS, l,
				  l ? union_layers_size(l) : 0, 0);
	return err == -ENODATA || err == -EOPNOTSUPP ? 0 : err;
}

/*
 * The same layers under a record from before the stamps: the record again,
 * with the new stamps, which nothing on the top layer has yet.
 */
static int union_layers_upgrade(struct vfsmount *top,
				const struct union_layers *now)
{
	int err = mnt_want_write(top);

	if (err)
		return err;
	err = union_layers_set(top->mnt_root, now);
	mnt_drop_write(top);
	return err;
}

static int union_adopt(struct vfsmount *top, const struct union_layers *old,
		       const struct union_layers *now)
{
	struct super_block *sb = top->mnt_sb;
	int err;

	/* Not worth a word for a new top layer, or one without xattrs. */
	if (old->count)
		pr_info("union: %s: new lower layers, adopting them\n", sb->s_id);
	err = union_layers_set(top->mnt_root, NULL);
	if (!err)
		err = union_adopt_dirs(top);
	if (!err)
		err = union_adopt_index(top, old, now);
	if (!err) {
		down_read(&sb->s_umount);
		err = sync_filesystem(sb);
		up_read(&sb->s_umount);
	}
	if (err) {
		pr_warn("union: %s: adopting the lower layers failed (%d)\n",
			sb->s_id, err);
		return err;
	}
	/* Without it, the next mount only adopts them again. */
	if (union_layers_set(top->mnt_root, now))
		pr_warn("union: %s: cannot record the lower layers\n", sb->s_id);
	return 0;
}

/*
 * What union_adopt_lowers() looked at, for union_attach(): the mount it
 * is about, and the lower layers it made it fit.  Held from one to the
 * other, union_adopt_mutex keeps another adoption from changing a top
 * layer meanwhile (the same mount moved to two places at once).
 */
struct union_adoption {
	struct vfsmount *top;
	unsigned int count;
	struct path lowers[UNION_MAX_LOWERS];
	u32 stamps[UNION_MAX_LOWERS];
};

static DEFINE_MUTEX(union_adopt_mutex);

/**
 * union_adopt_lowers - make the top layer's state hold for its lowers
 * @mountpoint: where @top is to become the top layer of a union
 * @top: the new mount
 * @mnt_flags: the MNT_* flags it will be mounted with
 *
 * Called before the mount locks are taken: adopting new lowers walks the
 * whole top layer.  Looks at the topmost mount at @mountpoint, where
 * lock_mount() will attach @top, and adopts only if @top passes
 * union_attach()'s own checks; union_attach() refuses the rest, and checks
 * that the lowers it finds are those seen here.  The mount may still fail
 * after an adoption (a mountpoint in another namespace): @top has then
 * taken these lowers, as the next mount over them would make it.
 *
 * Return: what union_attach() is to check, to be passed to
 * union_adoption_end() after it; an ERR_PTR() if the adoption failed,
 * ERR_PTR(-EROFS) if a read-only mount has lowers to adopt, or
 * ERR_PTR(-EINTR) if killed while another adoption ran.
 */
struct union_adoption *union_adopt_lowers(const struct path *mountpoint,
					  struct vfsmount *top, int mnt_flags)
{
	struct union_layers *old = NULL, *now = NULL;
	struct path at = *mountpoint;
	struct union_adoption *ua;
	int i, n, err;

	ua = kzalloc_obj(*ua, GFP_KERNEL);
	if (!ua)
		return ERR_PTR(-ENOMEM);
	if (mutex_lock_killable(&union_adopt_mutex)) {
		kfree(ua);
		return ERR_PTR(-EINTR);
	}
	/* A path taken before the lowers were mounted is under them. */
	path_get(&at);
	err = follow_down(&at, 0);
	if (err)
		goto out;
	if ((top->mnt_flags & MNT_UNION) || mnt_has_parent(real_mount(top)) ||
	    IS_MNT_SHARED(real_mount(at.mnt)) || union_check_attach(top))
		goto out;
	read_seqlock_excl(&mount_lock);
	n = union_collect_lowers(&at, top->mnt_sb, ua->lowers);
	for (i = 0; i < n; i++)
		path_get(&ua->lowers[i]);
	read_sequnlock_excl(&mount_lock);
	if (n < 0)
		goto out;
	ua->top = top;
	ua->count = n;

	err = -ENOMEM;
	old = kzalloc_obj(*old, GFP_KERNEL);
	now = kzalloc_obj(*now, GFP_KERNEL);
	if (!old || !now)
		goto out;
	err = union_layers_get(top->mnt_root, old);
	/* Nowhere to record them: adopt them at every mount. */
	if (err == -EOPNOTSUPP) {
		old->count = 0;
		err = 0;
	}
	if (err)
		goto out;
	union_layers_of(ua->lowers, n, now);
	union_layers_stamp(old, now);
	for (i = 0; i < n; i++)
		ua->stamps[i] = le32_to_cpu(now->layer[i].stamp);
	if (union_layers_same(old, now)) {
		if (old->version != UNION_LAYERS_VERSION &&
		    !(mnt_flags & MNT_READONLY))
			err = union_layers_upgrade(top, now);
		goto out;
	}
	/* A read-only union needs a top that has taken these lowers. */
	err = -EROFS;
	if (mnt_flags & MNT_READONLY)
		goto out;
	err = mnt_want_write(top);
	if (err)
		goto out;
	union_quiet_begin();
	err = union_adopt(top, old, now);
	union_quiet_end();
	mnt_drop_write(top);
out:
	path_put(&at);
	kfree(old);
	kfree(now);
	if (err) {
		union_adoption_end(ua);
		return ERR_PTR(err);
	}
	return ua;
}

/**
 * union_adoption_stamps - the stamps of the lowers union_adopted() checked
 * @ua: what union_adopt_lowers() saw
 * @stamps: the union's, one per lower layer
 *
 * A stamp stands for the layer as the top layer took it
 * (union_layers_stamp()): copies record it with the inode number of
 * their lower object (fs/union/ino.c), which it tells apart from the
 * object of another image that has the number now.
 */
void union_adoption_stamps(const struct union_adoption *ua, u32 *stamps)
{
	memcpy(stamps, ua->stamps, ua->count * sizeof(*stamps));
}

/* After union_attach(), or instead of it. */
void union_adoption_end(struct union_adoption *ua)
{
	unsigned int i;

	if (!ua)
		return;
	for (i = 0; i < ua->count; i++)
		path_put(&ua->lowers[i]);
	kfree(ua);
	mutex_unlock(&union_adopt_mutex);
}

/**
 * union_adopted - are these the lowers union_adopt_lowers() saw?
 * @ua: what it saw
 * @top: the mount to become the top layer
 * @lowers: the lower layers found now, topmost first
 * @n: how many
 *
 * Return: false if anything changed meanwhile (a mount at the mountpoint).
 */
bool union_adopted(const struct union_adoption *ua,
		   const struct vfsmount *top, const struct path *lowers,
		   unsigned int n)
{
	unsigned int i;

	if (!ua || ua->top != top || ua->count != n)
		return false;
	for (i = 0; i < n; i++) {
		if (!path_equal(&ua->lowers[i], &lowers[i]))
			return false;
	}
	return true;
}
