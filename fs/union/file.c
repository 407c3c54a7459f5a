// SPDX-License-Identifier: GPL-2.0
/*
 * Union mounts: files opened on a lower layer through a union.
 *
 * Opening a lower non-directory through a union opens the lower object
 * itself: nothing is copied until something changes it.  The open file
 * remembers where in the union it was found (the top-layer directory and
 * the name), so that
 *
 *  - a change made later through it (fchmod() and the like, or a name in
 *    /proc/PID/fd) can copy that object up although its directory may
 *    have been renamed since,
 *  - /proc/PID/fd and fsnotify name it where the union shows it, and
 *  - once the object is copied up, by anyone, reads through it read the
 *    copy: an open file goes on seeing the file it opened, and that file
 *    is the copy now.
 *
 * Only such files carry FMODE_UNION_LOWER; every other file costs one
 * test of f_mode on these paths.
 */

#include <linux/dcache.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/hashtable.h>
#include <linux/mount.h>
#include <linux/namei.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "../internal.h"
#include "../mount.h"
#include "../union.h"

/*
 * An open file of a lower object, hashed by that object's inode.
 * union_files_lock serializes the changes of the table, of @moved and of
 * the copy fields; lookups walk the table under RCU.  The other fields are
 * set before the entry is hashed and never change, but for @unlinked.
 * @moved and @copy are published with smp_store_release() of their
 * dentry, @copy_file with cmpxchg(); they are dropped only when the file
 * itself goes (union_file_release()), so a reader holding the file may
 * take a reference to them without a lock.
 */
struct union_file {
	struct hlist_node hash;
	struct rcu_head rcu;
	struct file *file;
	struct path parent;		/* where the union showed it */
	struct path moved;		/* @parent's copy, made since */
	struct vfsmount *mnt;		/* the union mount */
	struct path copy;		/* its copy on the top layer */
	struct file *copy_file;		/* the copy, opened for reading */
	bool unlinked;			/* whited out, never copied */
	unsigned int len;
	char name[];
};

#define UNION_FILES_BITS	8
static DEFINE_HASHTABLE(union_files, UNION_FILES_BITS);
/* Walks that found a lower object, until their open attached its file. */
static DEFINE_HASHTABLE(union_origins, UNION_FILES_BITS);
static DEFINE_SPINLOCK(union_files_lock);
/* Records whose @parent is a directory served from below. */
static unsigned int union_files_below;

/*
 * No more events for @copy, a record's copy about to be put: its close is
 * not one.  Nothing else holds it, so nothing reads f_mode meanwhile.
 */
static void union_file_silence(struct file *copy)
{
	copy->f_mode &= ~FMODE_FSNOTIFY_MASK;
	copy->f_mode |= FMODE_NONOTIFY;
}

/* Under rcu_read_lock() or union_files_lock. */
static struct union_file *union_file_find(struct file *file)
{
	struct union_file *uf;

	hash_for_each_possible_rcu(union_files, uf, hash,
				   (unsigned long)file_inode(file),
				   lockdep_is_held(&union_files_lock)) {
		if (uf->file == file)
			return uf;
	}
	return NULL;
}

/**
 * union_origin_set - remember where a walk found a lower non-directory
 * @origin: the walk's record (freed and replaced)
 * @parent: the union directory
 * @name: the name in it
 * @lower: the lower dentry found
 *
 * Called for the trailing component of a walk that may end in an open.
 */
void union_origin_set(struct union_origin **origin, const struct path *parent,
		      const struct qstr *name, struct dentry *lower)
{
	struct union_origin *o;

	union_origin_free(origin);
	o = kmalloc(struct_size(o, name, name->len + 1), GFP_KERNEL);
	if (!o)
		return;
	/* A directory served from below stands in its union mount. */
	if (union_below(parent))
		o->mnt = union_view_union(parent->mnt);
	else
		o->mnt = mntget(parent->mnt);
	if (!o->mnt) {
		kfree(o);
		return;
	}
	o->parent = *parent;
	path_get(&o->parent);
	o->lower = lower;
	o->copy = NULL;
	o->stage = false;
	o->len = name->len;
	memcpy(o->name, name->name, name->len);
	o->name[name->len] = '\0';
	spin_lock(&union_files_lock);
	hash_add(union_origins, &o->hash, (unsigned long)d_inode(lower));
	spin_unlock(&union_files_lock);
	*origin = o;
}

void union_origin_free(struct union_origin **origin)
{
	struct union_origin *o = *origin;

	if (o) {
		spin_lock(&union_files_lock);
		hash_del(&o->hash);
		spin_unlock(&union_files_lock);
		dput(o->copy);
		path_put(&o->parent);
		mntput(o->mnt);
		kfree(o);
		*origin = NULL;
	}
}

/*
 * A walk that ended at @origin's lower object opened @file on it: record
 * the file, with the copy made since the walk, if any.  Without memory,
 * the file stays a plain lower file.
 */
void union_file_attach(struct file *file, struct union_origin **origin)
{
	struct union_origin *o = *origin;
	struct union_file *uf;

	if (!o || file->f_path.dentry != o->lower)
		return;
	uf = kzalloc(struct_size(uf, name, o->len + 1), GFP_KERNEL);
	if (!uf)
		return;
	uf->file = file;
	uf->parent = o->parent;
	path_get(&uf->parent);
	uf->mnt = mntget(o->mnt);
	uf->len = o->len;
	memcpy(uf->name, o->name, o->len + 1);
	spin_lock(&union_files_lock);
	if (o->copy) {
		uf->copy.mnt = mntget(o->mnt);
		uf->copy.dentry = dget(o->copy);
	}
	hash_add_rcu(union_files, &uf->hash, (unsigned long)file_inode(file));
	if (union_below(&uf->parent))
		WRITE_ONCE(union_files_below, union_files_below + 1);
	spin_unlock(&union_files_lock);
	file->f_mode |= FMODE_UNION_LOWER;
}

/* __fput() of a file with FMODE_UNION_LOWER. */
void union_file_release(struct file *file)
{
	struct union_file *uf;

	spin_lock(&union_files_lock);
	uf = union_file_find(file);
	if (uf) {
		hash_del_rcu(&uf->hash);
		if (union_below(&uf->parent))
			WRITE_ONCE(union_files_below, union_files_below - 1);
	}
	spin_unlock(&union_files_lock);
	if (WARN_ON_ONCE(!uf))
		return;
	if (uf->copy_file) {
		/*
		 * @file's close was reported, as the copy's (fsnotify).  A
		 * mapping of the copy keeps its events (its page faults ask
		 * fanotify's pre-content watchers), and its close is
		 * reported when the mapping goes.
		 */
		if (file_count(uf->copy_file) == 1)
			union_file_silence(uf->copy_file);
		fput(uf->copy_file);
	}
	path_put(&uf->copy);
	path_put(&uf->moved);
	path_put(&uf->parent);
	mntput(uf->mnt);
	kfree_rcu(uf, rcu);
}

/**
 * union_files_copied - a lower object has been copied up
 * @linode: the lower object's inode
 * @top: the union's top-layer superblock
 * @copy: the copy (dentry on the top layer), made by the caller
 *
 * Files that opened the object through this union read the copy from now
 * on, and so do those that walks found it for and that are still being
 * opened.
 */
void union_files_copied(struct inode *linode, struct super_block *top,
			struct dentry *copy)
{
	struct union_origin *o;
	struct union_file *uf;

	spin_lock(&union_files_lock);
	hash_for_each_possible(union_files, uf, hash, (unsigned long)linode) {
		if (file_inode(uf->file) != linode ||
		    uf->mnt->mnt_sb != top || uf->copy.dentry)
			continue;
		uf->copy.mnt = mntget(uf->mnt);
		/* The mount first: union_file_copy() tests the dentry. */
		smp_store_release(&uf->copy.dentry, dget(copy));
	}
	hash_for_each_possible(union_origins, o, hash, (unsigned long)linode) {
		if (d_inode(o->lower) == linode &&
		    o->mnt->mnt_sb == top && !o->copy)
			WRITE_ONCE(o->copy, dget(copy));
	}
	spin_unlock(&union_files_lock);
}

/**
 * union_files_dir_copied - a directory served from below has been copied up
 * @ldir: the lower directory
 * @top: the union's top-layer superblock
 * @copy: its copy (dentry on the top layer), made by the caller
 *
 * Files opened in it are in the copy from now on: /proc names them there,
 * also once the copy is renamed.
 */
void union_files_dir_copied(struct dentry *ldir, struct super_block *top,
			    struct dentry *copy)
{
	struct union_file *uf;
	unsigned int bkt;

	if (likely(!READ_ONCE(union_files_below)))
		return;
	spin_lock(&union_files_lock);
	hash_for_each(union_files, bkt, uf, hash) {
		if (uf->parent.dentry != ldir || uf->mnt->mnt_sb != top ||
		    uf->moved.dentry || !union_below(&uf->parent))
			continue;
		uf->moved.mnt = mntget(uf->mnt);
		/* The mount first: union_file_named() tests the dentry. */
		smp_store_release(&uf->moved.dentry, dget(copy));
	}
	spin_unlock(&union_files_lock);
}

/**
 * union_file_copy - the copy that a union's lower file reads now
 * @file: a file with FMODE_UNION_LOWER
 *
 * Takes no lock but the first time after a copy-up.
 *
 * Return: the copy opened for reading, referenced (the caller fput()s it),
 * or NULL while the lower object has no copy (or the copy cannot be
 * opened: the file then goes on reading the lower object).
 */
struct file *union_file_copy(struct file *file)
{
	struct file *copy = NULL, *held;
	struct path path = {};
	struct union_file *uf;

	/* Others (a fifo, say) are not read through their inode's data. */
	if (!S_ISREG(file_inode(file)->i_mode))
		return NULL;
	rcu_read_lock();
	uf = union_file_find(file);
	if (uf)
		copy = READ_ONCE(uf->copy_file);
	if (copy)
		get_file(copy);
	/* Pairs with union_files_copied(): the copy's mount is set. */
	else if (!uf || !smp_load_acquire(&uf->copy.dentry))
		uf = NULL;
	rcu_read_unlock();
	if (copy || !uf)
		return copy;

	/* uf stays: it goes only with @file, which our caller holds. */
	spin_lock(&union_files_lock);
	path = uf->copy;
	path_get(&path);
	spin_unlock(&union_files_lock);
	/*
	 * Open as the file was: no permission check, its creds.  Reads
	 * through @file are made on it, with their checks and events:
	 * fsnotify reports them for the copy, under its name.  Its open and
	 * close are not reported, @file's stand for them (permission events
	 * are still asked).
	 */
	union_quiet_begin();
	copy = dentry_open(&path, O_RDONLY |
			   (file->f_flags & (O_LARGEFILE | O_NOATIME)),
			   file->f_cred);
	union_quiet_end();
	path_put(&path);
	if (IS_ERR(copy))
		return NULL;
	held = cmpxchg(&uf->copy_file, NULL, copy);
	if (!held)
		return get_file(copy);
	/* Another task's is kept: ours goes unseen. */
	union_file_silence(copy);
	fput(copy);
	return get_file(held);
}

/**
 * union_file_reader - where reads of a union's lower file go, unreferenced
 * @file: a file with FMODE_UNION_LOWER
 *
 * For callers that hand their own kiocb to ->read_iter() and may hold no
 * reference of their own to a second file (io_uring's fixed files, the
 * loop driver).
 *
 * Return: @file itself, or its copy, which @file's record holds for as
 * long as @file lives.
 */
struct file *union_file_reader(struct file *file)
{
	struct file *copy = union_file_copy(file);
	struct file *held = NULL;
	struct union_file *uf;

	if (!copy)
		return file;
	/* Another task may have opened the one the record keeps. */
	rcu_read_lock();
	uf = union_file_find(file);
	if (uf)
		held = READ_ONCE(uf->copy_file);
	rcu_read_unlock();
	fput(copy);
	return held ?: file;
}
EXPORT_SYMBOL_GPL(union_file_reader);

/**
 * union_file_named - how the union names a lower file opened through it
 * @path: a lower non-directory on a union's view of its layer
 * @un: out: its copy, once it has one (the file is the copy then), or
 *	else the union directory it was found in and its name there; and
 *	whether that name is gone
 *
 * For d_path() and the like, under rcu_read_lock(), which keeps what it
 * gives valid, without references, or under union_files_lock.
 *
 * Return: true with @un set; false when no file opened (or being opened)
 * through the union is at @path.
 */
bool union_file_named(const struct path *path, struct union_name *un)
{
	const struct union_origin *o;
	struct union_file *uf;
	struct dentry *copy;

	hash_for_each_possible_rcu(union_files, uf, hash,
				   (unsigned long)d_inode(path->dentry),
				   lockdep_is_held(&union_files_lock)) {
		const struct path *opened = &uf->file->f_path;

		if (opened->dentry != path->dentry || opened->mnt != path->mnt)
			continue;
		/* Pairs with union_files_copied(): the mount first. */
		copy = smp_load_acquire(&uf->copy.dentry);
		if (copy) {
			un->where.mnt = uf->copy.mnt;
			un->where.dentry = copy;
			un->name = (struct qstr)QSTR_INIT("", 0);
			un->gone = d_unlinked(copy);
		} else {
			/* Pairs with union_files_dir_copied(). */
			copy = smp_load_acquire(&uf->moved.dentry);
			un->where = uf->parent;
			if (copy) {
				un->where.mnt = uf->moved.mnt;
				un->where.dentry = copy;
			}
			un->name = (struct qstr)QSTR_INIT(uf->name, uf->len);
			un->gone = READ_ONCE(uf->unlinked);
		}
		return true;
	}
	/* The file that an open in progress opens: no record of its own yet. */
	o = union_walk_origin(path->dentry);
	if (!o || o->mnt != &real_mount(path->mnt)->mnt_parent->mnt)
		return false;
	un->where = o->parent;
	un->name = (struct qstr)QSTR_INIT(o->name, o->len);
	copy = READ_ONCE(o->copy);
	if (copy) {
		/* o->parent may be an anchor: the copy is on the union. */
		un->where.mnt = o->mnt;
		un->where.dentry = copy;
		un->name = (struct qstr)QSTR_INIT("", 0);
	}
	un->gone = false;
	return true;
}

/**
 * union_path_shown - step from a lower file to where the union shows it
 * @path: a path, referenced; replaced by the union directory of a lower
 *	  file opened through the union, or by its copy, referenced, and
 *	  the old one put
 *
 * For a security module that walks a file's parents to find its rules
 * (Landlock): a lower file's own parents are its layer's.
 *
 * Return: true when @path was replaced; false, and @path left alone, for
 * every other path.
 */
bool union_path_shown(struct path *path)
{
	struct union_name un;
	bool found;

	if (likely(!(path->mnt->mnt_flags & MNT_UNION_LOWER)) ||
	    d_is_dir(path->dentry))
		return false;
	/* The record's references stay while it is hashed. */
	spin_lock(&union_files_lock);
	found = union_file_named(path, &un);
	if (found)
		path_get(&un.where);
	spin_unlock(&union_files_lock);
	if (found) {
		path_put(path);
		*path = un.where;
	}
	return found;
}

/**
 * union_files_unlinked - a lower file's name was whited out
 * @parent: the union directory
 * @name: the name
 * @linode: the lower file, which was not copied up
 *
 * The files opened under that name have no name now, as any unlinked file.
 */
void union_files_unlinked(const struct path *parent, const struct qstr *name,
			  struct inode *linode)
{
	struct union_file *uf;

	spin_lock(&union_files_lock);
	hash_for_each_possible(union_files, uf, hash, (unsigned long)linode) {
		/*
		 * One found in a directory served from below: the name went
		 * after that directory was copied up, and a file with no
		 * copy has only that name.
		 */
		if (file_inode(uf->file) == linode && !uf->copy.dentry &&
		    uf->mnt->mnt_sb == parent->mnt->mnt_sb &&
		    (uf->parent.dentry == parent->dentry ||
		     uf->moved.dentry == parent->dentry ||
		     union_below(&uf->parent)) &&
		    uf->len == name->len &&
		    !memcmp(uf->name, name->name, name->len))
			WRITE_ONCE(uf->unlinked, true);
	}
	spin_unlock(&union_files_lock);
}

/**
 * union_file_where - where the union showed a lower file opened through it
 * @file: a file on a union's view of a lower layer
 * @parent: out: the union directory the file was found in
 * @name: out: its name there
 *
 * Both stay valid for as long as @file, or, while the open that found the
 * file runs, as long as that walk.
 *
 * Return: true with @parent and @name set; false when @file has no record:
 * it was opened on the view some other way, or there was no memory for one.
 */
bool union_file_where(struct file *file, const struct path **parent,
		      struct qstr *name)
{
	const struct union_origin *o;
	struct union_file *uf = NULL;

	if (file->f_mode & FMODE_UNION_LOWER) {
		/* Freed only when @file goes. */
		rcu_read_lock();
		uf = union_file_find(file);
		rcu_read_unlock();
	}
	if (uf) {
		/* Pairs with union_files_dir_copied(). */
		*parent = smp_load_acquire(&uf->moved.dentry) ?
			  &uf->moved : &uf->parent;
		*name = (struct qstr)QSTR_INIT(uf->name, uf->len);
		return true;
	}
	o = union_walk_origin(file->f_path.dentry);
	if (!o)
		return false;
	*parent = &o->parent;
	*name = (struct qstr)QSTR_INIT(o->name, o->len);
	return true;
}

/* The copy of @file's lower object, referenced; -ENOENT while none. */
int union_file_copy_path(struct file *file, struct path *copy)
{
	struct union_file *uf;
	int err = -ENOENT;

	spin_lock(&union_files_lock);
	uf = union_file_find(file);
	if (uf && uf->copy.dentry) {
		*copy = uf->copy;
		path_get(copy);
		err = 0;
	}
	spin_unlock(&union_files_lock);
	return err;
}

/**
 * union_file_stat_path - where an open lower file's attributes come from
 * @file: a file with FMODE_UNION_LOWER
 * @path: out: the copy once there is one (the copy is the file now), else
 *	  the file's own path; referenced
 *
 * Return: true, or false when the union shows the lower object under no
 * name any more (unlinked, not copied up): it has no link left in the
 * union.  @path is set either way, and the caller puts it.
 */
bool union_file_stat_path(struct file *file, struct path *path)
{
	struct path parent = {}, found;
	struct super_block *top = NULL;
	const struct cred *old_cred;
	struct union_file *uf;
	char *name = NULL;
	bool named = true;
	int err;

	if (!union_file_copy_path(file, path))
		return true;
	*path = file->f_path;
	path_get(path);
	spin_lock(&union_files_lock);
	uf = union_file_find(file);
	if (uf) {
		name = kmemdup(uf->name, uf->len + 1, GFP_ATOMIC);
		parent = uf->parent;
		path_get(&parent);
		top = uf->mnt->mnt_sb;
	}
	spin_unlock(&union_files_lock);
	if (!name)
		goto out;
	/*
	 * Without a copy, it has one name, where it was opened: a file with
	 * more is copied up before one goes.  Asked as the union, for the
	 * caller may have lost the right to search since.
	 */
	old_cred = union_override_creds(top);
	err = vfs_path_lookup(parent.dentry, parent.mnt, name, 0, &found);
	union_revert_creds(old_cred);
	if (!err) {
		/*
		 * Something mounted on the name hides it, it does not remove
		 * it.  The union may show it on another mount now: its
		 * directory's copy's view, not the anchor it was opened on.
		 */
		named = found.dentry == file->f_path.dentry ||
			path_mounted(&found);
		path_put(&found);
	} else {
		named = err != -ENOENT;
	}
	/* Copied up since we looked: the copy has the name now. */
	if (!named && !union_file_copy_path(file, &found)) {
		path_put(path);
		*path = found;
		named = true;
	}
out:
	kfree(name);
	path_put(&parent);
	return named;
}

/**
 * union_file_copyup - copy up the lower object of an open file
 * @path: the object, as a file opened through a union has it
 * @copy: out: the copy, referenced
 *
 * Return: 0, or a negative errno: -ENOENT when no file opened through a
 * union has @path or its name there is gone, -EROFS when that name shows
 * another object now, or the lookup's or the copy-up's.
 */
int union_file_copyup(const struct path *path, struct path *copy)
{
	struct inode *inode = d_inode(path->dentry);
	struct path parent = {}, found;
	struct super_block *top = NULL;
	struct union_file *uf;
	char *name = NULL;
	int err = -ENOENT;

	spin_lock(&union_files_lock);
	hash_for_each_possible(union_files, uf, hash, (unsigned long)inode) {
		if (!path_equal(&uf->file->f_path, path))
			continue;
		if (uf->copy.dentry) {
			*copy = uf->copy;
			path_get(copy);
			spin_unlock(&union_files_lock);
			return 0;
		}
		name = kmemdup(uf->name, uf->len + 1, GFP_ATOMIC);
		if (name) {
			parent = uf->parent;
			path_get(&parent);
			top = uf->mnt->mnt_sb;
		}
		break;
	}
	spin_unlock(&union_files_lock);
	if (!name)
		return uf ? -ENOMEM : -ENOENT;

	/* Where the union showed it, it must still show that very object. */
	err = vfs_path_lookup(parent.dentry, parent.mnt, name, 0, &found);
	if (!err) {
		/* On the view of its directory's copy, perhaps. */
		if (found.dentry != path->dentry)
			err = -EROFS;
		path_put(&found);
	}
	if (!err)
		err = vfs_path_lookup(parent.dentry, parent.mnt, name,
				      LOOKUP_COPYUP, copy);
	if (!err && copy->mnt->mnt_sb != top) {
		path_put(copy);
		err = -EROFS;
	}
	kfree(name);
	path_put(&parent);
	return err;
}
