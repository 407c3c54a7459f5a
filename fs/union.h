/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Union mounts: private interface between the VFS files that take part.
 *
 * A union mount is a writable filesystem (the top layer) mounted with
 * MS_UNION over one or more read-only mounts (the lower layers).  A
 * directory that a lookup reaches in the union exists on the top layer,
 * or (union.dirs_below) is served from below on an anchor mount until
 * something in it changes; the same-named directories below a top-layer
 * directory are listed in a union_dir stack hanging off its dentry.  See
 * Documentation/filesystems/union-mounts.rst.
 */
#ifndef _FS_UNION_H
#define _FS_UNION_H

#include <linux/dcache.h>
#include <linux/mount.h>
#include <linux/path.h>
#include <linux/rcupdate.h>
#include <linux/refcount.h>
#include <linux/sched.h>
#include <linux/string.h>
#include <linux/union.h>
#include <uapi/linux/xattr.h>

struct dentry;
struct file;
struct dir_context;
struct kstat;
struct mount;
struct super_block;
struct union_adoption;
struct vfsmount;
struct xarray;

/*
 * The union's own xattrs on the top layer: hidden from the merged view,
 * never copied up from a lower layer.
 */
#define UNION_XATTR_PREFIX	XATTR_TRUSTED_PREFIX "union."
#define UNION_XATTR_REDIRECT	UNION_XATTR_PREFIX "redirect"
#define UNION_XATTR_INDEX	UNION_XATTR_PREFIX "index"
#define UNION_XATTR_LAYERS	UNION_XATTR_PREFIX "layers"
#define UNION_XATTR_INO		UNION_XATTR_PREFIX "ino"

/*
 * The top layer's directory of copied-up files with several names
 * (fs/union/index.c), in its root; the merged view does not show it.
 */
#define UNION_INDEX_NAME	".union-index"
#define UNION_INDEX_NAME_MAX	32

static inline bool union_xattr_name(const char *name)
{
	return !strncmp(name, UNION_XATTR_PREFIX,
			sizeof(UNION_XATTR_PREFIX) - 1);
}

/*
 * The flags of a mount that a union's view of a lower layer takes from
 * both the lower mount and the union's (fs/union/mount.c).
 */
#define UNION_VIEW_FLAGS \
	(MNT_NOSUID | MNT_NODEV | MNT_NOEXEC | MNT_NOSYMFOLLOW)

/* What unlink() does after union_unlink() (fs/union/dirops.c). */
enum union_unlink_next {
	UNION_UNLINK_VFS,	/* vfs_unlink() the top layer's entry */
	UNION_UNLINK_DONE,	/* nothing: the name was whited out */
	UNION_UNLINK_COPYUP,	/* copy the file up, unlocked, and retry */
};

#ifdef CONFIG_UNION_MOUNT

/* More lowers than this are refused at mount time with -EINVAL. */
#define UNION_MAX_LOWERS	32

/*
 * The directories below a top-layer directory, topmost first.  Built once
 * (at mount time for the root, on the first lookup for the others) and
 * never changed afterwards: it is published with cmpxchg() into
 * ->d_union_dir and freed only when the dentry itself is killed, so a
 * holder of a reference to the dentry may use it without locks.
 * ->d_union_dir shares its word with ->d_time, which the filesystems that
 * can be a top layer (SB_I_UNION_UPPER) leave to the union; only the
 * dentries of a union's top layer ever get a stack.
 */
struct union_dir {
	struct rcu_head rcu;
	/*
	 * One for the dentry it hangs off, one per user of a stack that may
	 * be replaced while used (@merges_below; union_below_stack()).
	 */
	refcount_t ref;
	unsigned int count;
	/*
	 * Not a stack: the lower object that a negative dentry shows, in
	 * layers[0] (DCACHE_UNION_LOWER; see union_cache_lower()): a
	 * non-directory, or a directory served from below (see
	 * union_anchor()).  A directory made later at the name replaces it.
	 */
	bool shows_lower;
	/*
	 * With @shows_lower: the directories that lower layers merge at a
	 * name the top layer does not hold, topmost (the one served, on its
	 * anchor) first.  Lookups and listings in the anchor's root go by
	 * this stack (union_below_stack()), and the names there get
	 * negative dentries under this one, as under a directory.
	 */
	bool merges_below;
	/*
	 * While @merged (below) is set, the stack is on the list of the
	 * listings' shrinker (union_merged_lru), which takes the listing back
	 * under the d_lock of @merged_dir, the dentry the stack hangs off,
	 * unless a listing used it since its last look (@merged_used, under
	 * d_lock).
	 */
	struct list_head merged_lru;
	struct dentry *merged_dir;
	bool merged_used;
	/*
	 * The listing of a merged directory, built in memory by a readdir
	 * and kept while the top layer's directory does not change
	 * (union_iterate_merged()).  Replaced, and read with a reference
	 * taken, under the directory dentry's d_lock.
	 */
	struct union_merged *merged;
	/*
	 * The subdirectories that only lower layers hold, for st_nlink
	 * (union_getattr_dir()), counted while the top layer's directory
	 * had i_version @subdirs_version (@subdirs_known); under d_lock.
	 */
	u64 subdirs_version;
	unsigned int subdirs;
	bool subdirs_known;
	struct path layers[] __counted_by(count);
};

/*
 * The times of a top-layer directory, kept across the union's own changes
 * to it (copying a directory up), which change nothing in the merged view.
 */
struct union_times {
	struct timespec64 atime;
	struct timespec64 mtime;
};

/*
 * The steps a union takes on its top layer, each of which can be made to
 * fail for testing (CONFIG_UNION_FAULT_INJECTION; bit N of the "steps"
 * mask in /sys/kernel/debug/fail_union/ is step N).
 */
enum union_step {
	UNION_STEP_COPY_OPEN,		/* a copy-up's unnamed copy made */
	UNION_STEP_COPY_DATA,		/* its data copied */
	UNION_STEP_COPY_SYNC,		/* all of it synced, after ATTRS */
	UNION_STEP_COPY_ATTRS,		/* its attributes set */
	UNION_STEP_COPY_LINK,		/* linked under its name */
	UNION_STEP_INDEX,		/* a hard link's index entry */
	UNION_STEP_WHITEOUT,
	UNION_STEP_FALLTHRU,
	UNION_STEP_DIR_COPY,		/* a lower directory's top copy */
	UNION_STEP_DIR_COMPLETE,	/* a copied-up directory's flag */
	UNION_STEP_REDIRECT,		/* a renamed directory's redirect */
};

#ifdef CONFIG_UNION_FAULT_INJECTION
int union_fault(enum union_step step);
#else
static inline int union_fault(enum union_step step)
{
	return 0;
}
#endif

/* What a union has done, for /sys/kernel/debug/union/mounts. */
enum union_stat {
	UNION_STAT_COPYUP,
	UNION_STAT_COPYUP_FAILED,
	UNION_STAT_WHITEOUT,
	UNION_STAT_FALLTHRU,
	UNION_STAT_DIR_CREATE,
	UNION_STAT_DIR_COPYUP,
	UNION_STAT_LISTING,
	UNION_STAT_NR
};

/* Per top-layer superblock: sb->s_union, set while it tops a union. */
struct union_mount {
	struct rcu_head rcu;
	const struct cred *creator_cred;	/* for copy-up on lookup */
	struct super_block *sb;
	struct list_head list;			/* under union_list_lock */
	/*
	 * The top layer's fsid, as statfs() gives it for the whole union:
	 * fanotify groups that report it get lower objects' identifiers
	 * made within the union (union_encode_fid()).  Zero if none.
	 */
	__kernel_fsid_t fsid;
	atomic_long_t stats[UNION_STAT_NR];
	unsigned int nr_lowers;
	/*
	 * Per lower layer, with more than one: how many names of its
	 * regular files the merged view shows, by inode number (an xarray
	 * of values; union_lower_nlink()).  Each is counted once, under
	 * shown_lock, published with smp_store_release() and then never
	 * changed; NULL until then.
	 */
	struct mutex shown_lock;
	struct xarray **shown;
	/* Per lower layer, a stamp of its identity (fs/union/ino.c); fixed. */
	u32 stamps[UNION_MAX_LOWERS];
	/*
	 * The lower mounts, as the stacks have them; kept read-only while
	 * the union is up (union_hold_lower()).
	 */
	struct vfsmount *lowers[];
};

/* Count one @stat for the union @sb tops. */
static inline void union_count(struct super_block *sb, enum union_stat stat)
{
	struct union_mount *um = READ_ONCE(sb->s_union);

	if (um)
		atomic_long_inc(&um->stats[stat]);
}

static inline bool union_mnt(const struct vfsmount *mnt)
{
	return unlikely(mnt->mnt_flags & MNT_UNION);
}

/*
 * A lower file that a program runs from (deny_write_access()): a plain
 * filesystem refuses to open it for writing or to truncate it, and so
 * does the union, although the change would go to a copy.
 */
static inline int union_lower_writable(const struct path *lower)
{
	if (atomic_read(&d_inode(lower->dentry)->i_writecount) < 0)
		return -ETXTBSY;
	return 0;
}

/*
 * Every directory a lookup reaches on a union mount gets a stack, this one
 * when nothing is below it: lookups in it still look for renamed
 * directories (union_redirect_stack()).
 */
extern struct union_dir union_dir_none;

/* The stack of a directory on a union mount, empty or not; else NULL. */
static inline struct union_dir *union_dir_of(const struct path *dir)
{
	struct union_dir *ud;

	if (!union_mnt(dir->mnt))
		return NULL;
	ud = READ_ONCE(dir->dentry->d_union_dir);
	return ud && !ud->shows_lower ? ud : NULL;
}

/* The stack of a directory on a union mount; NULL when nothing is below. */
static inline struct union_dir *union_stack(const struct path *dir)
{
	struct union_dir *ud = union_dir_of(dir);

	return ud && ud->count ? ud : NULL;
}

/* Is @sb the top layer of a union? */
static inline bool union_top(const struct super_block *sb)
{
	return READ_ONCE(sb->s_union);
}

/* Does the lower @lower keep several names together across copy-up? */
static inline bool union_linked(const struct path *lower)
{
	struct inode *inode = d_inode(lower->dentry);

	return S_ISREG(inode->i_mode) && inode->i_nlink > 1;
}

/* fs/union/stack.c */
struct union_dir *union_dir_alloc(unsigned int count);
void union_dir_free(struct union_dir *ud);
bool union_dir_publish(struct dentry *dentry, struct union_dir *ud);
void union_cache_lower(struct dentry *dentry, const struct path *lower);
void d_union_release(struct dentry *dentry);
void d_union_set_resolved(struct dentry *dentry);
int union_build_stack(struct dentry *dentry, struct union_dir *pud,
		      unsigned int first, const struct qstr *name,
		      struct path *found);
int union_merge_below(struct dentry *dentry, struct union_dir *ud,
		      unsigned int layer, const struct qstr *name,
		      struct path *found, struct path *lower);
const struct cred *union_override_creds(struct super_block *sb);
void union_revert_creds(const struct cred *old);
void union_save_times(struct inode *inode, struct union_times *times);
void union_restore_times(struct dentry *dentry,
			 const struct union_times *times);

/*
 * What the union does on its top layer for its own sake (a copy, the
 * directories a lookup makes, the entries that complete a directory, its
 * xattrs) is no change in the merged view, and a staged call's events
 * wait until the copy has its name: no fsnotify event while
 * current->union_quiet is set, but permission events, which are still
 * asked (fsnotify()).
 * Only the task itself reads or changes its count.
 */
static inline void union_quiet_begin(void)
{
	current->union_quiet++;
}

static inline void union_quiet_end(void)
{
	current->union_quiet--;
}

/* fs/union/mount.c */
int union_collect_lowers(const struct path *mountpoint,
			 struct super_block *top_sb, struct path *lowers);
int union_check_attach(struct vfsmount *top);
int union_attach(const struct path *mountpoint, struct vfsmount *top,
		 const struct union_adoption *ua);
void union_sb_release(struct super_block *sb);
int union_layer_index(struct super_block *sb, struct vfsmount *lower);
struct vfsmount *union_view(struct vfsmount *mnt, struct vfsmount *lower);
struct vfsmount *union_view_rcu(struct vfsmount *mnt, struct vfsmount *lower);
struct vfsmount *union_view_union(struct vfsmount *view);
unsigned int union_view_flags(struct vfsmount *view, struct vfsmount *lower,
			      struct vfsmount *top);
void union_views_set_flags(struct vfsmount *top);
void union_views_detach(struct vfsmount *top);
void union_views_put(struct vfsmount *top);
bool union_view_root(const struct path *path, struct path *root);
void union_notify_unlink(const struct path *parent, const struct path *lower,
			 struct dentry *dentry);
bool union_lower_readonly(const struct path *path);

/*
 * A lower directory that a union serves from below, as its union mount
 * shows it (union_anchor()).  Its mount's root is the directory, its
 * parent the union mount and its mountpoint the top layer's negative
 * dentry for the name: ".." and d_path() go on from there as from any
 * mount.
 */
struct union_anchor {
	struct rcu_head rcu;
	struct rcu_work put;	/* union_anchor_retire() */
	struct union_anchor *next;	/* mnt_union_anchors_retire() */
	struct vfsmount *mnt;
	struct dentry *point;	/* referenced until the record is freed */
	unsigned int layer;	/* its index in the stacks */
};

extern bool union_dirs_below;

/* A lower object's number in a union: its layer (from 1) times this added. */
#define UNION_BELOW_INO_LAYER	BIT_ULL(48)

struct vfsmount *union_anchor(struct vfsmount *mnt, struct dentry *point,
			      const struct path *lower);
struct vfsmount *union_anchor_rcu(struct vfsmount *mnt, struct dentry *point);
bool union_below_stale(struct vfsmount *anchor);
bool union_anchor_retire(struct super_block *sb, struct dentry *point);
void union_anchor_free(struct union_anchor *ua);
void union_anchors_settle(void);
bool union_anchor_parent(const struct path *path, struct path *parent,
			 struct name_snapshot *name);
int union_getattr_below(const struct path *path, struct kstat *stat);
struct union_dir *union_below_stack(const struct path *path,
				    struct path *point);
bool union_below_merges(const struct path *path);

/* Is @path a directory that a union serves from below? */
static inline bool union_below(const struct path *path)
{
	return unlikely(path->mnt->mnt_flags & MNT_UNION_LOWER) &&
	       d_is_dir(path->dentry);
}

/* fs/union/layers.c */
struct union_adoption *union_adopt_lowers(const struct path *mountpoint,
					  struct vfsmount *top, int mnt_flags);
void union_adoption_end(struct union_adoption *ua);
bool union_adopted(const struct union_adoption *ua,
		   const struct vfsmount *top, const struct path *lowers,
		   unsigned int n);
void union_adoption_stamps(const struct union_adoption *ua, u32 *stamps);

/* fs/union/ino.c */
void union_getattr_ino(const struct path *path, struct kstat *stat);

/* fs/union/redirect.c */
int union_lookup_redirect(const struct path *parent, struct dentry *dentry,
			  bool *settled);
int union_set_redirect(struct vfsmount *mnt, struct dentry *dentry);
int union_setxattr_sync(struct dentry *dentry, const char *name,
			const void *value, size_t size, int flags);
ssize_t union_listxattr(struct dentry *dentry, char *list, size_t size);

/* fs/union/readdir.c */
int union_iterate_dir(struct file *file, struct dir_context *ctx);
int union_iterate_below(struct file *file, struct dir_context *ctx);
loff_t union_dir_llseek(struct file *file, loff_t offset, int whence);
int union_copyup_dir(const struct path *dir);
int union_getattr_dir(const struct path *dir, struct kstat *stat);
int union_getattr_merged(const struct path *path, struct kstat *stat);
int union_getattr_lower(const struct path *path, struct kstat *stat);
int union_lower_nlink(struct super_block *sb, const struct path *lower);

/* fs/namespace.c */
bool mnt_hold_union_lower(struct vfsmount *mnt);
void mnt_put_union_lower(struct vfsmount *mnt);
struct vfsmount *mnt_union_view(const struct path *lower, struct vfsmount *top,
				struct vfsmount **slot);
struct union_anchor *mnt_union_anchors_retire(struct super_block *sb,
					      unsigned long key);
void mnt_flush_delayed_mntput(void);
int mnt_union_anchor(const struct path *lower, struct vfsmount *top,
		     struct xarray *anchors, unsigned long key,
		     struct union_anchor *ua);

/* Is @sb a lower layer of a union that is up? */
static inline bool union_sb_is_lower(struct super_block *sb)
{
	return atomic_read(&sb->s_union_lowers);
}

/*
 * Where a walk found a lower non-directory: fs/union/file.c.  Hashed with
 * the open files of lower objects, so that a copy-up made before the open
 * that follows the walk attaches its file is not missed (@copy).
 */
struct union_origin {
	struct hlist_node hash;
	struct path parent;	/* perhaps served from below */
	struct vfsmount *mnt;	/* the union mount, not a view */
	struct dentry *lower;
	struct dentry *copy;	/* made since the walk; union_files_lock */
	bool stage;		/* to be copied once the call's checks pass */
	unsigned int len;
	char name[];
};

/* fs/namei.c */
const struct union_origin *union_walk_origin(const struct dentry *lower);

/* fs/union/file.c */
struct union_name {
	struct path where;	/* the copy, or the union directory */
	struct qstr name;	/* the name there; empty for the copy */
	bool gone;		/* no longer named in the union */
};

void union_origin_set(struct union_origin **origin, const struct path *parent,
		      const struct qstr *name, struct dentry *lower);
void union_origin_free(struct union_origin **origin);
void union_file_attach(struct file *file, struct union_origin **origin);
void union_file_release(struct file *file);
void union_files_copied(struct inode *linode, struct super_block *top,
			struct dentry *copy);
void union_files_dir_copied(struct dentry *ldir, struct super_block *top,
			    struct dentry *copy);
int union_file_copy_path(struct file *file, struct path *copy);
bool union_file_where(struct file *file, const struct path **parent,
		      struct qstr *name);
bool union_file_named(const struct path *path, struct union_name *un);
void union_files_unlinked(const struct path *parent, const struct qstr *name,
			  struct inode *linode);
bool union_file_stat_path(struct file *file, struct path *path);
int union_file_copyup(const struct path *path, struct path *copy);

/* fs/union/copyup.c */
int union_copyup(const struct path *parent, const struct qstr *name,
		 struct dentry **dentryp, const struct path *lower, loff_t len);
struct file *union_copyup_stage(const struct union_origin *o,
				const struct path *lower, loff_t len);
int union_copyup_commit(const struct union_origin *o, const struct path *lower,
			struct file *staged, struct path *copy, bool *lost);
void union_copyup_refused(const struct union_origin *o, int err);
int union_change(const struct union_origin *o, const struct path *lower,
		 loff_t len, int (*change)(const struct path *, void *),
		 void *arg, __u32 events);

int union_copyup_path(const struct path *path, struct path *copy);
int union_root_copyup(const struct path *path, struct path *copy);
int union_create_dir(struct inode *dir, struct dentry *dentry,
		     const struct path *lower);
struct dentry *union_copyup_lookup_dir(const struct path *parent,
				       const struct qstr *name,
				       const struct path *lower, bool locked);
int union_copyup_name(const struct path *parent, const struct qstr *name);
int union_unview(struct path *path, bool make);

/* fs/union/index.c */
bool union_index_hides(const struct dentry *dir, const struct qstr *name);
bool union_index_present(struct super_block *sb);
bool union_index_holds(struct super_block *sb, const struct path *lower);
struct dentry *union_lookup_linked(const struct path *parent,
				   const struct qstr *name,
				   const struct path *lower);
bool union_last_link(struct dentry *dentry, char *name);
void union_drop_index(struct super_block *sb, struct inode *inode,
		      const char *name);
int union_getattr_file(const struct path *path, struct kstat *stat);

/* fs/union/dirops.c */
int union_may_create(const struct path *parent, const struct qstr *name,
		     struct dentry *dentry);
int union_dir_flags_check(const struct dentry *dir, bool removal);
int union_whiteout(const struct path *parent, const struct qstr *name);
int union_rename_whiteout(struct renamedata *rd,
			  const struct path *old_parent,
			  const struct qstr *old_name);
int union_unlink(const struct path *parent, const struct qstr *name,
		 struct dentry *dentry, bool *whiteout,
		 enum union_unlink_next *next);
unsigned int union_dirop_flags(const struct path *parent,
			       unsigned int flags);
int union_rmdir(const struct path *parent, const struct qstr *name,
		struct dentry **dentryp, bool *whiteout);
int union_rename_source(const struct path *parent,
			const struct qstr *name, struct dentry **dentryp,
			bool *whiteout, bool *copyup);
int union_rename_target(const struct path *parent,
			const struct qstr *name, struct dentry *source,
			struct dentry **targetp, unsigned int flags,
			bool *copyup);
int union_rename_redirect(const struct path *new_parent,
			  struct dentry *dentry);

/* fs/namei.c */
/*
 * How __lookup_union() may go about a name: UNION_LOCKED, the caller holds
 * the parent's i_rwsem exclusive and write access to its mount;
 * UNION_BELOW, a lower directory may stay below (union_anchor()).
 */
#define UNION_LOCKED	0x1
#define UNION_BELOW	0x2

int __lookup_union(const struct path *parent, const struct qstr *name,
		   struct dentry **dentryp, struct path *lower, unsigned int how);
int union_hash(struct dentry *dir, struct qstr *qname);
int union_merged_lookup(const struct path *point, struct union_dir *ud,
			const struct qstr *name, struct dentry **dentryp,
			struct path *lower);

/* Does the top layer's @dentry already say all there is to say? */
static inline bool union_resolved(const struct dentry *dentry)
{
	unsigned int flags = READ_ONCE(dentry->d_flags);

	if (flags & (DCACHE_UNION_RESOLVED | DCACHE_UNION_WHITEOUT))
		return true;
	/* A non-directory on top hides whatever is below it. */
	return !d_flags_negative(flags) && !d_is_dir(dentry);
}

int union_do_mkdir(struct inode *dir, struct dentry *dentry, umode_t mode);
bool union_see_through(struct dentry *layer, struct dentry *dentry);
struct dentry *union_lookup_one(struct dentry *dir, const char *name,
				unsigned int len);
struct dentry *union_lookup_shared(struct dentry *dir, const struct qstr *name);
int union_lower_permission(const struct path *path, int mask);
int union_find_lower(struct dentry *dir, struct union_dir *ud,
		     const struct qstr *name, bool has_entry,
		     struct path *found, unsigned int *layer);

#else /* !CONFIG_UNION_MOUNT */

static inline bool union_mnt(const struct vfsmount *mnt)
{
	return false;
}

static inline struct union_dir *union_dir_of(const struct path *dir)
{
	return NULL;
}

static inline struct union_dir *union_stack(const struct path *dir)
{
	return NULL;
}

static inline bool union_top(const struct super_block *sb)
{
	return false;
}

static inline void d_union_release(struct dentry *dentry)
{
}

static inline struct union_adoption *
union_adopt_lowers(const struct path *mountpoint, struct vfsmount *top,
		   int mnt_flags)
{
	return ERR_PTR(-EINVAL);
}

static inline void union_adoption_end(struct union_adoption *ua)
{
}

static inline int union_attach(const struct path *mountpoint,
			       struct vfsmount *top,
			       const struct union_adoption *ua)
{
	return -EINVAL;
}

static inline void union_sb_release(struct super_block *sb)
{
}

static inline bool union_sb_is_lower(struct super_block *sb)
{
	return false;
}

static inline void union_views_set_flags(struct vfsmount *top)
{
}

static inline bool union_view_root(const struct path *path, struct path *root)
{
	return false;
}

static inline bool union_below(const struct path *path)
{
	return false;
}

static inline int union_getattr_below(const struct path *path,
				      struct kstat *stat)
{
	return 0;
}

static inline bool union_below_merges(const struct path *path)
{
	return false;
}

static inline bool union_lower_readonly(const struct path *path)
{
	return true;
}

static inline int union_lower_permission(const struct path *path, int mask)
{
	return -EROFS;
}

static inline int union_getattr_dir(const struct path *dir,
				    struct kstat *stat)
{
	return 0;
}

static inline int union_getattr_file(const struct path *path,
				     struct kstat *stat)
{
	return 0;
}

static inline void union_getattr_ino(const struct path *path,
				     struct kstat *stat)
{
}

static inline int union_getattr_lower(const struct path *path,
				      struct kstat *stat)
{
	return 0;
}

static inline int union_copyup_path(const struct path *path,
				    struct path *copy)
{
	return -EROFS;
}

static inline int union_root_copyup(const struct path *path,
				    struct path *copy)
{
	return -EROFS;
}

static inline int union_copyup_name(const struct path *parent,
				    const struct qstr *name)
{
	return 0;
}

static inline void union_anchors_settle(void)
{
}

static inline ssize_t union_listxattr(struct dentry *dentry, char *list,
				      size_t size)
{
	return -EOPNOTSUPP;
}

struct union_origin;

static inline void union_origin_free(struct union_origin **origin)
{
}

static inline int union_change(const struct union_origin *o,
			       const struct path *lower, loff_t len,
			       int (*change)(const struct path *, void *),
			       void *arg, __u32 events)
{
	return -EROFS;
}

static inline void union_file_release(struct file *file)
{
}

static inline int union_file_copy_path(struct file *file, struct path *copy)
{
	return -ENOENT;
}

static inline bool union_file_stat_path(struct file *file, struct path *path)
{
	*path = file->f_path;
	path_get(path);
	return true;
}

static inline int union_iterate_dir(struct file *file,
				    struct dir_context *ctx)
{
	return -ENOTDIR;
}

static inline int union_iterate_below(struct file *file,
				      struct dir_context *ctx)
{
	return -ENOTDIR;
}

static inline loff_t union_dir_llseek(struct file *file, loff_t offset,
				      int whence)
{
	return -EINVAL;
}

#endif /* CONFIG_UNION_MOUNT */

#endif /* _FS_UNION_H */
