// SPDX-License-Identifier: GPL-2.0
/*
 * Union mounts: merged readdir and pass-through entries.
 *
 * A listing of a merged directory reads every layer once and merges the
 * names in memory, writing nothing; the result serves the listings after
 * it until the directory changes.  A directory that must be known empty
 * (rmdir(), a rename over it) is completed: a pass-through entry on the
 * top layer for each name shown from below, then the complete flag, after
 * which lookups stop at the top layer and listings show only the names
 * it has entries for.  The link counts of the merged view (of merged
 * directories, and of lower files with several names) are counted from
 * the layers' names too.
 */

#include <linux/compat.h>
#include <linux/cred.h>
#include <linux/dcache.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/fsnotify.h>
#include <linux/iversion.h>
#include <linux/list_lru.h>
#include <linux/mount.h>
#include <linux/namei.h>
#include <linux/once.h>
#include <linux/random.h>
#include <linux/security.h>
#include <linux/siphash.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/union.h>
#include <linux/xarray.h>

#include "internal.h"
#include "../internal.h"
#include "../mount.h"
#include "../union.h"

#include <trace/events/union.h>

/*
 * Names read from the directories of a union, as union_seen records packed
 * into page-sized chunks, so that directories of any size cost no large
 * allocation.
 */
struct union_seen {
	struct hlist_node node;		/* in union_names.table */
	struct union_seen *below;	/* a top record's first lower one */
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
 * The actor of the union's own directory reading, which asks for
 * FILLDIR_FLAG_UNION: file systems that can be a top layer report their
 * whiteouts and pass-through entries to it (dir_emit_union_entry()),
 * unless those stay in the dcache.
 */
static bool union_collect_name(struct dir_context *ctx, const char *name,
			       int len, loff_t pos, u64 ino,
			       unsigned int d_type)
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
		chunk = kmalloc(PAGE_SIZE, GFP_KERNEL_ACCOUNT);
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
	seen->below = NULL;
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
 * layer's: a listing reads the lower directories under the lock readdir
 * holds on the top one (union_merged_build()).
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
	names->ctx.dt_flags_mask = FILLDIR_FLAG_UNION;
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
 * A directory's link count counts its subdirectories.  Until the
 * directory is complete on the top layer, those that only lower layers
 * hold are counted here, from the lower directories (which never change)
 * and the top layer's entries (which say what is hidden or already
 * there), and the count is kept while the top layer's directory does not
 * change.  Those entries are looked up, which takes @dir's i_rwsem: the
 * caller must not hold it (nfsd would; it refuses to export a union).
 *
 * Return: 0, or the negative errno of reading a lower directory, which
 * stat() then fails with: a count without them would be wrong.
 */
int union_getattr_dir(const struct path *dir, struct kstat *stat)
{
	struct union_dir *ud = union_stack(dir);
	struct dentry *dentry = dir->dentry;
	const struct cred *old_cred;
	unsigned int i, extra = 0;
	u64 version;
	bool known;
	int err = 0;

	/* The index is not a subdirectory of the merged root. */
	if (dentry == dentry->d_sb->s_root &&
	    union_index_present(dentry->d_sb))
		stat->nlink--;
	if (!ud || IS_UNION_COMPLETE(d_inode(dentry)))
		return 0;
	version = inode_query_iversion(d_inode(dentry));
	spin_lock(&dentry->d_lock);
	known = ud->subdirs_known && ud->subdirs_version == version;
	extra = ud->subdirs;
	spin_unlock(&dentry->d_lock);
	if (known) {
		stat->nlink += extra;
		return 0;
	}
	extra = 0;
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
	if (err)
		return err;
	stat->nlink += extra;
	spin_lock(&dentry->d_lock);
	ud->subdirs_version = version;
	ud->subdirs = extra;
	ud->subdirs_known = true;
	spin_unlock(&dentry->d_lock);
	return 0;
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
			seen->below = other;
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
 * Does the lower record @seen say what its name is in the merged view,
 * with no lookup: is its type known, and can nothing above it hide it?
 */
static bool union_seen_known(struct dentry *dir, struct union_dir *ud,
			     const struct union_seen *seen)
{
	if (seen->d_type == DT_UNKNOWN || seen->d_type == DT_WHT ||
	    seen->d_type == DT_FALLTHRU)
		return false;
	return union_seen_uncovered(dir, ud, seen);
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
	return seen->d_type != DT_DIR && union_seen_known(dir, ud, seen);
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
 * Listing a merged directory
 *
 * A listing must change nothing a reader can see: tar compares a
 * directory's ctime before and after reading it, and a reader must not be
 * able to grow, or fail on, a top layer that is read-only, frozen or full.
 * So a merged directory is listed from memory, complete or not: the
 * layers are read and merged, each name resolved as a lookup would
 * resolve it, and the result kept for the listings after it while the
 * top layer's directory stays unchanged (its i_version, which
 * every top layer counts its changes in; the lower layers never change).
 *
 * A listing's offsets must survive a change made between two getdents
 * calls, which rebuilds the list: a program that unlinks the names it has
 * read as it goes must find the rest.  So each name's offset is a hash of
 * the name (the list is sorted by it), not its index: a name keeps its
 * offset whatever is added or removed around it.  The hash takes 62 bits,
 * or 30 for a 32-bit program (whose telldir() returns a long); a name
 * whose offset another has taken gets the next free one, which moves if
 * the other goes.  With 62 bits that takes two names whose hashes differ
 * by at most their number, which a directory of n names has with odds of
 * about n^2 / 2^62.
 */
struct union_listed {
	u64 hash;
	loff_t pos[2];			/* for 64-bit, and 32-bit programs */
	struct union_seen *seen;
};

struct union_merged {
	refcount_t ref;
	u64 version;			/* of the top layer's directory */
	struct list_head dispose;	/* taken back by the shrinker */
	unsigned int count;
	struct union_names names;		/* the records */
	struct union_listed shown[] __counted_by(count);	/* in order */
};

static siphash_key_t union_pos_key __read_mostly;

/* Offsets of @bits bits after "." and "..", in the order of @m's hashes. */
static void union_merged_pos(struct union_merged *m, unsigned int bits,
			     bool compat)
{
	loff_t last = 1;
	unsigned int i;

	for (i = 0; i < m->count; i++) {
		last = max_t(loff_t, (m->shown[i].hash >> (64 - bits)) + 2,
			     last + 1);
		m->shown[i].pos[compat] = last;
	}
}

static void union_merged_put(struct union_merged *m)
{
	if (m && refcount_dec_and_test(&m->ref)) {
		union_names_free(&m->names);
		kvfree(m);
	}
}

/*
 * The stacks that keep a listing, oldest first.  A listing of a large
 * directory holds about a hundred bytes per name, for as long as the
 * directory's dentry lives: under memory pressure the shrinker takes
 * back the listings not used since its last look, and the next readdir
 * merges again.  Lock order: the dentry's d_lock, then the list's lock.
 */
static struct list_lru union_merged_lru;
static bool union_merged_keep __ro_after_init;

static struct union_merged *union_merged_get(struct dentry *dir,
					     struct union_dir *ud)
{
	struct union_merged *m;

	spin_lock(&dir->d_lock);
	m = ud->merged;
	if (m) {
		refcount_inc(&m->ref);
		ud->merged_used = true;
	}
	spin_unlock(&dir->d_lock);
	return m;
}

static void union_merged_set(struct dentry *dir, struct union_dir *ud,
			     struct union_merged *m)
{
	struct union_merged *old;

	if (!union_merged_keep)
		m = NULL;
	if (m)
		refcount_inc(&m->ref);
	spin_lock(&dir->d_lock);
	old = ud->merged;
	ud->merged = m;
	ud->merged_dir = dir;
	ud->merged_used = false;
	if (m && !old)
		list_lru_add_obj(&union_merged_lru, &ud->merged_lru);
	else if (!m && old)
		list_lru_del_obj(&union_merged_lru, &ud->merged_lru);
	spin_unlock(&dir->d_lock);
	union_merged_put(old);
}

/* The stack @ud goes with its dentry: its listing too. */
void union_merged_drop(struct union_dir *ud)
{
	/* After this, the shrinker has either taken it or cannot see it. */
	if (union_merged_keep)
		list_lru_del_obj(&union_merged_lru, &ud->merged_lru);
	union_merged_put(ud->merged);
}

static enum lru_status union_merged_isolate(struct list_head *item,
					    struct list_lru_one *lru,
					    void *arg)
{
	struct union_dir *ud = container_of(item, struct union_dir,
					    merged_lru);
	struct dentry *dir = ud->merged_dir;
	struct list_head *dispose = arg;

	/* The list's lock is held: a stack on it still has its dentry. */
	if (!spin_trylock(&dir->d_lock))
		return LRU_SKIP;
	if (ud->merged_used) {
		ud->merged_used = false;
		spin_unlock(&dir->d_lock);
		return LRU_ROTATE;
	}
	list_lru_isolate(lru, item);
	if (ud->merged)
		list_add(&ud->merged->dispose, dispose);
	ud->merged = NULL;
	spin_unlock(&dir->d_lock);
	return LRU_REMOVED;
}

static unsigned long union_merged_count(struct shrinker *shrinker,
					struct shrink_control *sc)
{
	return list_lru_shrink_count(&union_merged_lru, sc);
}

static unsigned long union_merged_scan(struct shrinker *shrinker,
				       struct shrink_control *sc)
{
	struct union_merged *m, *next;
	unsigned long freed;
	LIST_HEAD(dispose);

	freed = list_lru_shrink_walk(&union_merged_lru, sc,
				     union_merged_isolate, &dispose);
	/* Freed out of the locks: a listing's array may be vmalloc()ed. */
	list_for_each_entry_safe(m, next, &dispose, dispose)
		union_merged_put(m);
	return freed;
}

static int __init union_merged_init(void)
{
	struct shrinker *shrinker;
	int err;

	err = list_lru_init(&union_merged_lru);
	if (err)
		return err;
	shrinker = shrinker_alloc(SHRINKER_NUMA_AWARE, "union-listings");
	if (!shrinker) {
		list_lru_destroy(&union_merged_lru);
		return -ENOMEM;
	}
	shrinker->count_objects = union_merged_count;
	shrinker->scan_objects = union_merged_scan;
	shrinker_register(shrinker);
	/* Without the shrinker, no listing is kept. */
	union_merged_keep = true;
	return 0;
}
fs_initcall(union_merged_init);

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
	seen->ino = union_lower_ino(dir->d_sb, found.mnt,
				    d_inode(found.dentry)->i_ino);
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
 * union_seen_known() for the lower record @seen (or NULL), which then
 * gets the number the union gives it.
 */
static bool union_merged_known(struct dentry *dir, struct union_dir *ud,
			       struct union_seen *seen)
{
	if (!seen || !union_seen_known(dir, ud, seen))
		return false;
	seen->ino = union_lower_ino(dir->d_sb, ud->layers[seen->layer].mnt,
				    seen->ino);
	return true;
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
	if (seen->layer == UNION_SEEN_TOP && seen->d_type != DT_FALLTHRU) {
		seen->ino = union_dino(dir, &qname, seen->ino);
		*shown = true;
		return 0;
	}
	if (seen->layer == UNION_SEEN_TOP) {
		/* What the lower layers list under its name, if they can say. */
		if (union_merged_known(dir, ud, seen->below)) {
			seen->ino = seen->below->ino;
			seen->d_type = seen->below->d_type;
			*shown = true;
			return 0;
		}
		return union_merged_find(dir, ud, seen, true, shown);
	}
	/* A complete directory has an entry for every name it shows. */
	if ((d_really_is_positive(dir) && IS_UNION_COMPLETE(d_inode(dir))) ||
	    union_merged_whited_out(dir, seen))
		return 0;
	if (union_merged_known(dir, ud, seen)) {
		*shown = true;
		return 0;
	}
	return union_merged_find(dir, ud, seen, false, shown);
}

static int union_merged_cmp(const void *a, const void *b)
{
	const struct union_listed *x = a, *y = b;
	int cmp;

	if (x->hash != y->hash)
		return x->hash < y->hash ? -1 : 1;
	cmp = memcmp(x->seen->name, y->seen->name,
		     min(x->seen->len, y->seen->len));
	return cmp ?: (int)x->seen->len - (int)y->seen->len;
}

/* The names shown of @names, deduplicated, in @m, with their offsets. */
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
			if (shown) {
				m->shown[n].seen = seen;
				m->shown[n++].hash = siphash(seen->name, seen->len,
							     &union_pos_key);
			}
			if (fatal_signal_pending(current))
				return -EINTR;
			cond_resched();
		}
	}
	m->count = n;
	sort(m->shown, n, sizeof(m->shown[0]), union_merged_cmp, NULL);
	union_merged_pos(m, 62, false);
	union_merged_pos(m, 30, true);
	return 0;
}

/*
 * The listing of @dir, with the stack @ud: the top layer's directory that
 * @file reads, or the negative dentry of directories that lower layers
 * merge (union_dir.merges_below; @file is not used).
 */
static struct union_merged *union_merged_build(struct file *file,
					       struct dentry *dir,
					       struct union_dir *ud)
{
	struct union_names names = {
		.ctx.actor = union_collect_name,
		.chunks = LIST_HEAD_INIT(names.chunks),
	};
	struct union_merged *m = NULL;
	const struct cred *old_cred;
	struct file *top;
	unsigned int i;
	int err = 0;

	get_random_once(&union_pos_key, sizeof(union_pos_key));
	old_cred = union_override_creds(dir->d_sb);
	for (i = 0; i < ud->count && !err; i++) {
		names.layer = i;
		err = union_read_names(&ud->layers[i], &names);
	}
	if (err || d_really_is_negative(dir))
		goto dedup;
	top = dentry_open_nonotify(&file->f_path, O_RDONLY | O_DIRECTORY,
				   current_cred());
	err = PTR_ERR(top);
	if (IS_ERR(top))
		goto out;
	names.layer = UNION_SEEN_TOP;
	err = union_iterate_names(top, &names, true);
	fput(top);
dedup:
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

/*
 * The number the union shows for @dentry of its top layer: a directory
 * there, or the negative dentry of directories that lower layers merge,
 * served from below, which shows the topmost.
 */
static u64 union_dir_ino(struct dentry *dentry)
{
	struct union_dir *ud;
	u64 ino = 0;

	if (d_really_is_positive(dentry))
		return union_top_ino(dentry);
	rcu_read_lock();
	ud = READ_ONCE(dentry->d_union_dir);
	if (ud && ud->merges_below)
		ino = union_lower_ino(dentry->d_sb, ud->layers[0].mnt,
				      d_inode(ud->layers[0].dentry)->i_ino);
	rcu_read_unlock();
	return ino;
}

/* What a listing of the union's directory @dir gives "." and "..". */
static void union_dots(struct dentry *dir, u64 *dot, u64 *dotdot)
{
	struct dentry *parent = dget_parent(dir);

	*dot = union_dir_ino(dir);
	*dotdot = union_dir_ino(parent);
	dput(parent);
}

/*
 * The listing of @ud's merged directory @dir as it is now, referenced:
 * the last one made, unless the top layer's directory changed since (a
 * negative @dir has none: union_dir.merges_below).
 */
static struct union_merged *union_merged_current(struct file *file,
						 struct dentry *dir,
						 struct union_dir *ud)
{
	u64 version = d_really_is_positive(dir) ?
		      inode_query_iversion(d_inode(dir)) : 0;
	struct union_merged *m = union_merged_get(dir, ud);

	if (m && m->version == version)
		return m;
	union_merged_put(m);
	m = union_merged_build(file, dir, ud);
	if (IS_ERR(m))
		return m;
	union_count(dir->d_sb, UNION_STAT_LISTING);
	m->version = version;
	union_merged_set(dir, ud, m);
	return m;
}

/**
 * union_getattr_merged - st_nlink of a merged directory served from below
 * @path: the directory, at its anchor's root (union_below_merges())
 * @stat: what its layer said of it
 *
 * Two, and one per subdirectory that its listing shows, as for a
 * directory of a plain filesystem; counted from the listing, which is
 * kept (union_merged_current()).
 *
 * Return: 0, or the negative errno of reading a lower directory.
 */
int union_getattr_merged(const struct path *path, struct kstat *stat)
{
	struct union_merged *m;
	struct union_dir *ud;
	unsigned int i, dirs = 0;
	struct path point;

	ud = union_below_stack(path, &point);
	if (!ud)
		return 0;
	m = union_merged_current(NULL, point.dentry, ud);
	union_dir_free(ud);
	path_put(&point);
	if (IS_ERR(m))
		return PTR_ERR(m);
	for (i = 0; i < m->count; i++)
		dirs += m->shown[i].seen->d_type == DT_DIR;
	union_merged_put(m);
	stat->nlink = 2 + dirs;
	return 0;
}

/* Does @file want offsets that a 32-bit program can keep?  As for ext4. */
static bool union_compat_pos(const struct file *file)
{
	if (file->f_mode & FMODE_64BITHASH)
		return false;
	if (file->f_mode & FMODE_32BITHASH)
		return true;
	if (IS_ENABLED(CONFIG_COMPAT))
		return in_compat_syscall();
	return BITS_PER_LONG == 32;
}

/* The first entry of @m at offset @pos or after it. */
static unsigned int union_merged_seek(struct union_merged *m, loff_t pos,
				      bool compat)
{
	unsigned int lo = 0, hi = m->count;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (m->shown[mid].pos[compat] < pos)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Readdir of @file, the merged directory @dir, complete or not. */
static int union_iterate_merged(struct file *file, struct dentry *dir,
				struct union_dir *ud, struct dir_context *ctx)
{
	bool compat = union_compat_pos(file);
	struct union_merged *m;
	u64 dot, dotdot;
	unsigned int i;

	union_dots(dir, &dot, &dotdot);
	if (ctx->pos == 0) {
		if (!dir_emit(ctx, ".", 1, dot, DT_DIR))
			return 0;
		ctx->pos = 1;
	}
	if (ctx->pos == 1) {
		if (!dir_emit(ctx, "..", 2, dotdot, DT_DIR))
			return 0;
		ctx->pos = 2;
	}
	m = union_merged_current(file, dir, ud);
	if (IS_ERR(m))
		return PTR_ERR(m);
	for (i = union_merged_seek(m, ctx->pos, compat); i < m->count; i++) {
		struct union_seen *seen = m->shown[i].seen;

		ctx->pos = m->shown[i].pos[compat];
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
 * An rmdir() of a merged directory, or a rename over it, records every
 * name visible below it as a pass-through entry on the top layer and
 * marks the directory complete: the top layer's own emptiness test then
 * counts the names below, and from then on lookups of names it does not
 * hold stop there.  Runs with the union creator's credentials: reading
 * the lower directories is part of the union's own work, not something
 * the caller asked for.  Interrupted half-way, it
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
	/* Another rmdir() or rename got here first. */
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
		/* Listings merge it as a complete directory now. */
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

/**
 * union_dir_llseek - llseek() of a merged directory
 * @file: the directory, which has a stack
 * @offset: the offset
 * @whence: SEEK_SET or SEEK_CUR
 *
 * The offsets of a merged directory's listing are the union's, hashes of
 * the names (union_iterate_merged()), which the top layer's llseek may
 * refuse: ext2 and jffs2 hold a directory's offsets to their file size
 * limits.
 *
 * Return: the new offset, or -EINVAL.
 */
loff_t union_dir_llseek(struct file *file, loff_t offset, int whence)
{
	switch (whence) {
	case SEEK_CUR:
		offset += file->f_pos;
		fallthrough;
	case SEEK_SET:
		if (offset >= 0)
			break;
		fallthrough;
	default:
		return -EINVAL;
	}
	return vfs_setpos(file, offset, LLONG_MAX);
}

/*
 * Called by iterate_dir() with the directory's i_rwsem held shared, for a
 * directory that has a stack.
 */
int union_iterate_dir(struct file *file, struct dir_context *ctx)
{
	struct union_dir *ud = union_stack(&file->f_path);

	if (!ud)
		return file->f_op->iterate_shared(file, ctx);
	return union_iterate_merged(file, file->f_path.dentry, ud, ctx);
}

/* Readdir of a directory that a union serves from below. */
struct union_below_readdir {
	struct dir_context ctx;
	struct dir_context *caller;
	u64 layer;		/* what the layer adds to a number */
};

static bool union_below_filldir(struct dir_context *ctx, const char *name,
				int len, loff_t offset, u64 ino,
				unsigned int d_type)
{
	struct union_below_readdir *ub =
		container_of(ctx, struct union_below_readdir, ctx);

	if (ino < UNION_BELOW_INO_LAYER)
		ino += ub->layer;
	ub->caller->pos = ctx->pos;
	return ub->caller->actor(ub->caller, name, len, offset, ino, d_type);
}

/**
 * union_iterate_below - readdir of a directory served from below
 * @file: the directory, on a union's view of its layer
 * @ctx: the caller's context
 *
 * One that lower layers merge is listed as its copy would be, from the
 * stack kept for it (union_dir.merges_below).
 * The entries' numbers are what stat() gives for them, with the layer in
 * their top bits (fs/union/ino.c); ".." too, which is right when the
 * parent is served from below as well or is a copy of the lower parent.
 *
 * Return: what the layer's readdir returns.
 */
int union_iterate_below(struct file *file, struct dir_context *ctx)
{
	struct union_below_readdir ub = {
		.ctx.actor = union_below_filldir,
		.ctx.pos = ctx->pos,
		.caller = ctx,
	};
	struct union_dir *ud;
	struct path point;
	int err;

	ud = union_below_stack(&file->f_path, &point);
	if (ud) {
		err = union_iterate_merged(file, point.dentry, ud, ctx);
		union_dir_free(ud);
		path_put(&point);
		return err;
	}
	ub.layer = union_view_ino(file->f_path.mnt, 0);
	err = file->f_op->iterate_shared(file, &ub.ctx);
	ctx->pos = ub.ctx.pos;
	return err;
}
