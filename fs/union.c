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

#include <linux/cred.h>
#include <linux/dcache.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mount.h>
#include <linux/namei.h>
#include <linux/slab.h>
#include <linux/union.h>
#include <linux/xattr.h>

#include "internal.h"
#include "pnode.h"
#include "union.h"

struct union_dir union_dir_none;

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
	/* RCU-walk may still be looking at the pointer it read. */
	kfree_rcu(ud, rcu);
}

/*
 * Make @ud the stack of @dentry unless another lookup got there first;
 * returns false (and frees @ud) in that case.
 */
bool union_dir_publish(struct dentry *dentry, struct union_dir *ud)
{
	if (cmpxchg(&dentry->d_union_dir, NULL, ud)) {
		union_dir_free(ud);
		return false;
	}
	return true;
}

/* Called by __dentry_kill(): nobody else can see @dentry any more. */
void d_union_release(struct dentry *dentry)
{
	struct union_dir *ud = dentry->d_union_dir;

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

const struct cred *union_override_creds(struct super_block *sb)
{
	return override_creds(sb->s_union->creator_cred);
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
	pr_warn_ratelimited("union: bad %s on directory %lu of %s\n",
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
	if (ud && ud->count) {
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
	err = vfs_setxattr(&nop_mnt_idmap, dentry, UNION_XATTR_REDIRECT, path,
			   strlen(path), XATTR_CREATE);
	revert_creds(old_cred);
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
 * The caller holds namespace_sem, which keeps the mount tree still.
 */
static int union_collect_lowers(const struct path *mountpoint,
				struct super_block *top_sb,
				struct path *lowers)
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

static int union_check_top(struct vfsmount *top, int mnt_flags)
{
	struct super_block *sb = top->mnt_sb;
	const struct inode_operations *iop = d_inode(sb->s_root)->i_op;
	bool alone;

	if ((mnt_flags & MNT_READONLY) || sb_rdonly(sb))
		return -EINVAL;
	if (!(sb->s_iflags & SB_I_UNION_UPPER) || top->mnt_root != sb->s_root)
		return -EOPNOTSUPP;
	if (WARN_ON_ONCE(!iop->whiteout || !iop->fallthru || !iop->set_complete))
		return -EOPNOTSUPP;
	/* The top layer belongs to this union alone. */
	read_seqlock_excl(&mount_lock);
	alone = list_is_singular(&sb->s_mounts);
	read_sequnlock_excl(&mount_lock);
	if (sb->s_union || !alone)
		return -EBUSY;
	return 0;
}

/**
 * union_attach - make @top the top layer of a union at @mountpoint
 * @mountpoint: where @top is about to be mounted (locked by lock_mount())
 * @top: the new mount, not yet in the tree
 * @mnt_flags: the MNT_* flags it will be mounted with
 *
 * The read-only mounts stacked at @mountpoint become the lower layers.
 */
int union_attach(const struct path *mountpoint, struct vfsmount *top,
		 int mnt_flags)
{
	struct super_block *sb = top->mnt_sb;
	struct path lowers[UNION_MAX_LOWERS];
	struct union_mount *um;
	struct union_dir *ud;
	int i, n, err;

	err = union_check_top(top, mnt_flags);
	if (err)
		return err;
	if (IS_MNT_SHARED(real_mount(mountpoint->mnt)))
		return -EINVAL;
	n = union_collect_lowers(mountpoint, sb, lowers);
	if (n < 0)
		return n;

	um = kzalloc(sizeof(*um), GFP_KERNEL);
	ud = union_dir_alloc(n);
	if (!um || !ud) {
		kfree(um);
		kfree(ud);
		return -ENOMEM;
	}
	um->creator_cred = prepare_creds();
	if (!um->creator_cred) {
		kfree(um);
		kfree(ud);
		return -ENOMEM;
	}
	um->nr_lowers = n;
	for (i = 0; i < n; i++) {
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
	return 0;

out_free:
	union_dir_free(ud);
	put_cred(um->creator_cred);
	kfree(um);
	return err;
}

/* The top layer's superblock is going away. */
void union_sb_release(struct super_block *sb)
{
	struct union_mount *um = sb->s_union;

	if (um) {
		sb->s_union = NULL;
		put_cred(um->creator_cred);
		kfree(um);
	}
}

/*
 * Names read from a lower directory, packed into page-sized chunks so that
 * directories of any size cost no large allocation.
 */
struct union_name_chunk {
	struct list_head list;
	unsigned int used;
	char buf[PAGE_SIZE - sizeof(struct list_head) - sizeof(unsigned int)];
};

struct union_names {
	struct dir_context ctx;
	struct list_head chunks;
	unsigned int count;
	int err;
};

/* Each name is stored as a length byte, the name, and a NUL. */
static bool union_collect_name(struct dir_context *ctx, const char *name,
			       int len, loff_t pos, u64 ino,
			       unsigned int d_type)
{
	struct union_names *names = container_of(ctx, struct union_names, ctx);
	struct union_name_chunk *chunk;

	if (name[0] == '.' && (len == 1 || (len == 2 && name[1] == '.')))
		return true;
	if (WARN_ON_ONCE(len > NAME_MAX)) {
		names->err = -EUCLEAN;
		return false;
	}
	chunk = NULL;
	if (!list_empty(&names->chunks))
		chunk = list_last_entry(&names->chunks, struct union_name_chunk,
					list);
	if (!chunk || chunk->used + len + 2 > sizeof(chunk->buf)) {
		chunk = kmalloc(sizeof(*chunk), GFP_KERNEL);
		if (!chunk) {
			names->err = -ENOMEM;
			return false;
		}
		chunk->used = 0;
		list_add_tail(&chunk->list, &names->chunks);
	}
	chunk->buf[chunk->used] = len;
	memcpy(chunk->buf + chunk->used + 1, name, len);
	chunk->buf[chunk->used + 1 + len] = '\0';
	chunk->used += len + 2;
	names->count++;
	return true;
}

static void union_names_free(struct union_names *names)
{
	struct union_name_chunk *chunk, *tmp;

	list_for_each_entry_safe(chunk, tmp, &names->chunks, list)
		kfree(chunk);
}

static int union_read_names(const struct path *dir, struct union_names *names)
{
	struct file *file;
	unsigned int before;
	int err;

	file = dentry_open(dir, O_RDONLY | O_DIRECTORY, current_cred());
	if (IS_ERR(file))
		return PTR_ERR(file);
	do {
		before = names->count;
		err = iterate_dir(file, &names->ctx);
	} while (!err && !names->err && names->count != before);
	fput(file);
	return err ?: names->err;
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

	dentry = lookup_one_len(name, dir, len);
	if (IS_ERR(dentry))
		return PTR_ERR(dentry);
	if (d_is_negative(dentry) && !d_is_union_whiteout(dentry)) {
		err = union_find_lower(dir, ud, &qname,
				       d_is_fallthru(dentry), &found, NULL);
		if (!err && found.dentry) {
			if (d_is_dir(found.dentry))
				err = union_create_dir(inode, dentry, &found);
			else if (!d_is_fallthru(dentry))
				err = inode->i_op->fallthru(inode, dentry);
			path_put(&found);
		}
	}
	dput(dentry);
	return err;
}

/* Keep the names of (possible) directories only. */
static bool union_collect_dir_name(struct dir_context *ctx, const char *name,
				   int len, loff_t pos, u64 ino,
				   unsigned int d_type)
{
	if (d_type != DT_DIR && d_type != DT_UNKNOWN)
		return true;
	return union_collect_name(ctx, name, len, pos, ino, d_type);
}

/* Of the names in @names (from layer @layer), the lower-only directories. */
static unsigned int union_count_lower_dirs(const struct path *dir,
					   struct union_dir *ud,
					   unsigned int layer,
					   struct union_names *names)
{
	struct union_name_chunk *chunk;
	unsigned int count = 0;

	list_for_each_entry(chunk, &names->chunks, list) {
		unsigned int off;

		for (off = 0; off < chunk->used;
		     off += (unsigned char)chunk->buf[off] + 2) {
			unsigned int len = (unsigned char)chunk->buf[off];
			const char *name = chunk->buf + off + 1;
			struct qstr qname = QSTR_INIT(name, len);
			struct dentry *top;
			struct path found;
			unsigned int at;

			if (union_find_lower(dir->dentry, ud, &qname, false,
					     &found, &at) || !found.dentry)
				continue;
			if (at == layer && d_is_dir(found.dentry)) {
				top = lookup_one_unlocked(&nop_mnt_idmap, name,
							  dir->dentry, len);
				if (!IS_ERR(top)) {
					if (d_is_negative(top) &&
					    !d_is_union_whiteout(top))
						count++;
					dput(top);
				}
			}
			path_put(&found);
		}
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
			.ctx.actor = union_collect_dir_name,
			.chunks = LIST_HEAD_INIT(names.chunks),
		};

		err = union_read_names(&ud->layers[i], &names);
		if (!err)
			extra += union_count_lower_dirs(dir, ud, i, &names);
		union_names_free(&names);
	}
	revert_creds(old_cred);
	if (!err)
		stat->nlink += extra;
	return err;
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
 * The caller has write access to the mount (mnt_want_write()).
 */
int union_copyup_dir(const struct path *dir)
{
	struct inode *inode = d_inode(dir->dentry);
	struct union_dir *ud = union_stack(dir);
	struct union_names names = {
		.ctx.actor = union_collect_name,
		.chunks = LIST_HEAD_INIT(names.chunks),
	};
	struct union_name_chunk *chunk;
	const struct cred *old_cred;
	struct union_times times;
	unsigned int i;
	int err;

	if (!ud || IS_UNION_COMPLETE(inode))
		return 0;
	old_cred = union_override_creds(dir->mnt->mnt_sb);
	/* The lower layers never change: read them before locking the top. */
	for (i = 0; i < ud->count; i++) {
		names.ctx.pos = 0;
		err = union_read_names(&ud->layers[i], &names);
		if (err)
			goto out_free;
	}
	inode_lock_nested(inode, I_MUTEX_CHILD);
	if (IS_UNION_COMPLETE(inode) || IS_DEADDIR(inode))
		goto out_unlock;
	union_save_times(inode, &times);
	list_for_each_entry(chunk, &names.chunks, list) {
		unsigned int off = 0;

		while (off < chunk->used && !err) {
			unsigned int len = (unsigned char)chunk->buf[off];

			err = union_add_fallthru(dir->dentry, ud,
						 chunk->buf + off + 1, len);
			off += len + 2;
		}
		if (err)
			goto out_unlock;
	}
	err = inode->i_op->set_complete(inode);
	union_restore_times(dir->dentry, &times);
out_unlock:
	inode_unlock(inode);
out_free:
	union_names_free(&names);
	revert_creds(old_cred);
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

bool union_filldir(struct dir_context *ctx, const char *name, int len,
		   loff_t offset, u64 ino, unsigned int d_type)
{
	struct union_readdir *ur = container_of(ctx, struct union_readdir, ctx);
	struct qstr qname = QSTR_INIT(name, len);

	if (union_index_hides(ur->dir, &qname))
		return true;
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
	ur->caller->pos = ctx->pos;
	return ur->caller->actor(ur->caller, name, len, offset, ino, d_type);
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

	err = file->f_op->iterate_shared(file, &ur.ctx);
	ctx->pos = ur.ctx.pos;
	return err ?: ur.err;
}
