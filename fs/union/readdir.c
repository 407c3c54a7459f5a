// SPDX-License-Identifier: GPL-2.0
/*
 * Union mounts: merged readdir and pass-through entries.
 *
 * The first listing of a merged directory reads every layer once, merges
 * the names in memory and, on a top layer that can hold them, writes a
 * pass-through entry for each name shown from below before marking the
 * directory complete; later listings read the top layer alone.
 * Where the top cannot be written (read-only, full, frozen) the merged
 * listing is served from memory.  The names read are kept per directory
 * for later listings: the type and inode number of each pass-through
 * entry.  The link counts of the merged view (of merged directories, and
 * of lower files with several names) are counted from the layers' names
 * too.
 */

#include <linux/bsearch.h>
#include <linux/cred.h>
#include <linux/dcache.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/fsnotify.h>
#include <linux/iversion.h>
#include <linux/mount.h>
#include <linux/namei.h>
#include <linux/security.h>
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
 * Those entries are looked up, which takes @dir's i_rwsem: the caller
 * must not hold it (nfsd would; it refuses to export a union).
 *
 * Return: 0, or the negative errno of reading a lower directory, which
 * stat() then fails with: a count without them would be wrong.
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

void union_names_put(struct union_names *names)
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

void union_merged_put(struct union_merged *m)
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
		seen->ino = union_dino(dir, &qname, seen->ino);
		*shown = true;
		return 0;
	}
	if (union_merged_whited_out(dir, seen))
		return 0;
	if (seen->d_type != DT_UNKNOWN && seen->d_type != DT_FALLTHRU &&
	    union_seen_uncovered(dir, ud, seen)) {
		seen->ino = union_lower_ino(dir->d_sb,
					    ud->layers[seen->layer].mnt,
					    seen->ino);
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

/* What a listing of the union's directory @dir gives "." and "..". */
static void union_dots(struct dentry *dir, u64 *dot, u64 *dotdot)
{
	struct dentry *parent = dget_parent(dir);

	*dot = union_top_ino(dir);
	*dotdot = union_top_ino(parent);
	dput(parent);
}

/* Readdir of a merged directory that is not complete on the top layer. */
static int union_iterate_merged(struct file *file, struct union_dir *ud,
				struct dir_context *ctx)
{
	struct dentry *dir = file->f_path.dentry;
	struct union_merged *m = NULL;
	bool fresh = ctx->pos == 0;
	u64 dot, dotdot;
	loff_t i;

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
 * The numbers that copies keep (fs/union/ino.c), for the readdir of a
 * merged directory that the top layer lists: it lists a copy with its
 * own number.  What a copy keeps takes a lookup of its name, which cannot
 * be made while the top layer lists the directory (jffs2 holds the
 * directory's lock meanwhile, and its lookup takes it).  So a listing
 * reads the top layer's directory once first, looks its entries up and
 * keeps the numbers, sorted by the top layer's, for the listings after
 * it while the directory's i_version, which every top layer counts its
 * changes in, stays the same.  Replaced, and read with a reference taken,
 * under the directory dentry's d_lock.
 */
struct union_kept_ino {
	u64 top;
	u64 kept;
};

struct union_kept {
	refcount_t ref;
	u64 version;
	unsigned int count, size;
	struct union_kept_ino *map;
};

void union_kept_put(struct union_kept *k)
{
	if (k && refcount_dec_and_test(&k->ref)) {
		kvfree(k->map);
		kfree(k);
	}
}

static int union_kept_cmp(const void *a, const void *b)
{
	const struct union_kept_ino *x = a, *y = b;

	return x->top < y->top ? -1 : x->top > y->top;
}

static u64 union_kept_ino(struct union_kept *k, u64 ino)
{
	struct union_kept_ino key = { .top = ino }, *found;

	if (!k->count)
		return ino;
	found = bsearch(&key, k->map, k->count, sizeof(key), union_kept_cmp);
	return found ? found->kept : ino;
}

static struct union_kept *union_kept_get(struct dentry *dir,
					 struct union_dir *ud)
{
	struct union_kept *k;

	spin_lock(&dir->d_lock);
	k = ud->kept;
	if (k)
		refcount_inc(&k->ref);
	spin_unlock(&dir->d_lock);
	return k;
}

static void union_kept_set(struct dentry *dir, struct union_dir *ud,
			   struct union_kept *k)
{
	struct union_kept *old;

	refcount_inc(&k->ref);
	spin_lock(&dir->d_lock);
	old = ud->kept;
	ud->kept = k;
	spin_unlock(&dir->d_lock);
	union_kept_put(old);
}

static int union_kept_add(struct union_kept *k, u64 top, u64 kept)
{
	if (k->count == k->size) {
		unsigned int size = max(2 * k->size, 16U);
		struct union_kept_ino *map;

		map = kvrealloc(k->map, array_size(size, sizeof(*map)),
				GFP_KERNEL_ACCOUNT);
		if (!map)
			return -ENOMEM;
		k->map = map;
		k->size = size;
	}
	k->map[k->count].top = top;
	k->map[k->count++].kept = kept;
	return 0;
}

/* Of the names in @names, read from the top layer, the copies in @k. */
static int union_kept_fill(struct dentry *dir, struct union_names *names,
			   struct union_kept *k)
{
	struct union_name_chunk *chunk;
	struct union_seen *seen;

	list_for_each_entry(chunk, &names->chunks, list) {
		for (seen = union_seen_next(chunk, NULL); seen;
		     seen = union_seen_next(chunk, seen)) {
			struct qstr q = QSTR_INIT(seen->name, seen->len);
			u64 kept;
			int err;

			if (fatal_signal_pending(current))
				return -EINTR;
			cond_resched();
			if (seen->d_type == DT_WHT ||
			    seen->d_type == DT_FALLTHRU ||
			    union_index_hides(dir, &q))
				continue;
			kept = union_dino(dir, &q, seen->ino);
			if (kept == seen->ino)
				continue;
			err = union_kept_add(k, seen->ino, kept);
			if (err)
				return err;
		}
	}
	sort(k->map, k->count, sizeof(*k->map), union_kept_cmp, NULL);
	return 0;
}

/*
 * The numbers kept in @file's directory, referenced; made again if the
 * directory changed.  The top layer's directory is read with a file of
 * its own, so any offset can.
 */
static struct union_kept *union_kept_current(struct file *file,
					     struct union_dir *ud)
{
	struct dentry *dir = file->f_path.dentry;
	struct union_names names = {
		.ctx.actor = union_collect_name,
		.chunks = LIST_HEAD_INIT(names.chunks),
		.layer = UNION_SEEN_TOP,
	};
	struct union_kept *k = union_kept_get(dir, ud);
	u64 version = inode_query_iversion(d_inode(dir));
	struct file *top;
	int err;

	if (k && k->version == version)
		return k;
	union_kept_put(k);
	k = kzalloc_obj(*k, GFP_KERNEL_ACCOUNT);
	if (!k)
		return ERR_PTR(-ENOMEM);
	refcount_set(&k->ref, 1);
	k->version = version;
	top = dentry_open_nonotify(&file->f_path, O_RDONLY | O_DIRECTORY,
				   current_cred());
	err = PTR_ERR_OR_ZERO(top);
	if (!err) {
		err = union_iterate_names(top, &names, true);
		fput(top);
	}
	if (!err)
		err = union_kept_fill(dir, &names, k);
	union_names_free(&names);
	if (err) {
		union_kept_put(k);
		return ERR_PTR(err);
	}
	union_kept_set(dir, ud, k);
	return k;
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
	struct union_kept *kept;
	u64 dot, dotdot;
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
	struct super_block *sb = ur->dir->d_sb;
	struct union_names *names = READ_ONCE(ur->ud->names);
	struct union_seen *seen;

	if (!names)
		return false;
	seen = union_names_find(names, ur->dir, name);
	if (!seen || seen->layer == UNION_SEEN_TOP ||
	    seen->d_type == DT_UNKNOWN || seen->d_type == DT_DIR ||
	    seen->d_type == DT_WHT || seen->d_type == DT_FALLTHRU)
		return false;
	*ino = union_lower_ino(sb, ur->ud->layers[seen->layer].mnt, seen->ino);
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
		ino = union_lower_ino(ur->dir->d_sb, found.mnt, inode->i_ino);
		d_type = fs_umode_to_dtype(inode->i_mode);
		path_put(&found);
	} else if (name[0] == '.' && (len == 1 || (len == 2 && name[1] == '.'))) {
		ino = len == 1 ? ur->dot : ur->dotdot;
	} else if (ur->kept) {
		ino = union_kept_ino(ur->kept, ino);
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
	if (ur.ud && ur.ud != &union_dir_none && !ur.ud->shows_lower &&
	    ur.ud->count) {
		ur.kept = union_kept_current(file, ur.ud);
		if (IS_ERR(ur.kept))
			return PTR_ERR(ur.kept);
	}
	union_dots(ur.dir, &ur.dot, &ur.dotdot);
	err = file->f_op->iterate_shared(file, &ur.ctx);
	ctx->pos = ur.ctx.pos;
	union_kept_put(ur.kept);
	return err ?: ur.err;
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
	int err;

	ub.layer = union_view_ino(file->f_path.mnt, 0);
	err = file->f_op->iterate_shared(file, &ub.ctx);
	ctx->pos = ub.ctx.pos;
	return err;
}
