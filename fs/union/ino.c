// SPDX-License-Identifier: GPL-2.0
/*
 * Union mounts: inode numbers that a copy-up does not change.
 *
 * Programs tell files apart by st_dev and st_ino, and many compare them
 * across a change: vim refuses to save a file whose number changed when
 * it opened it for writing, tar and rsync take two names with one number
 * for hard links, backup tools for the same file as last time.  A copy-up
 * must not change them, as it changes nothing else the merged view shows.
 *
 * So every object of a union has the union's st_dev (its top layer's),
 * and a lower object's st_ino is its own number plus its layer (from 1)
 * times UNION_BELOW_INO_LAYER, which no top layer object's number reaches;
 * readdir gives the same as d_ino.  A copy keeps that number: the copy-up
 * records the lower object on it (UNION_XATTR_INO), and stat() and
 * readdir report the record.  A file's copy gets it before its name; a
 * directory, symlink or special file right after it is made, so that a
 * crash between the two leaves it with the top layer's number.
 *
 * A record names the layer by its place in the stack and a stamp of its
 * identity (fs/union/layers.c).  Over a changed or reordered layer the
 * copy shows its own number: the layer's object with the old number may
 * now be another file, and two files must never share one.  So does a
 * copy on a top layer without trusted xattrs, and a lower object whose
 * number does not fit below UNION_BELOW_INO_LAYER keeps it as it is.
 */

#include <linux/fs.h>
#include <linux/mount.h>
#include <linux/stat.h>
#include <linux/xattr.h>

#include "internal.h"
#include "../union.h"

#define UNION_INO_VERSION	1

/* The value of UNION_XATTR_INO, little-endian. */
struct union_ino_rec {
	u8 version;
	u8 layer;		/* in the union's stack, from 0 */
	__le16 unused;		/* zero */
	__le32 stamp;		/* union_adoption_stamps() */
	__le64 ino;		/* of the lower object, in its layer */
};

/* The number a union reports for inode number @ino of its layer @layer. */
static u64 union_layer_ino(int layer, u64 ino)
{
	if (layer < 0 || ino >= UNION_BELOW_INO_LAYER)
		return ino;
	return ino + (u64)(layer + 1) * UNION_BELOW_INO_LAYER;
}

/**
 * union_lower_ino - st_ino and d_ino of a lower object in a union
 * @sb: the union's top layer
 * @mnt: the object's lower layer, or a view of it
 * @ino: the object's inode number there
 *
 * Return: the number the union shows for it.
 */
u64 union_lower_ino(struct super_block *sb, struct vfsmount *mnt, u64 ino)
{
	return union_layer_ino(union_layer_index(sb, mnt), ino);
}

/**
 * union_ino_record - record on a copy what it is a copy of
 * @lower: the lower object
 * @copy: its copy on the top layer: a file's unnamed, the others just made
 *
 * Return: 0, also when the top layer cannot hold the record (the copy
 * then has a number of its own), or a negative errno.
 */
int union_ino_record(const struct path *lower, struct dentry *copy)
{
	struct union_mount *um = READ_ONCE(copy->d_sb->s_union);
	int layer = union_layer_index(copy->d_sb, lower->mnt);
	u64 ino = d_inode(lower->dentry)->i_ino;
	struct union_ino_rec rec = {
		.version = UNION_INO_VERSION,
		.ino = cpu_to_le64(ino),
	};
	int err;

	if (!um || layer < 0 || ino >= UNION_BELOW_INO_LAYER)
		return 0;
	rec.layer = layer;
	rec.stamp = cpu_to_le32(um->stamps[layer]);
	err = union_do_setxattr(copy, UNION_XATTR_INO, &rec, sizeof(rec), 0);
	/* No trusted xattrs there (jffs2 without them, a user namespace). */
	return err == -EOPNOTSUPP || err == -EPERM ? 0 : err;
}

/*
 * The number that @dentry, on the top layer of the union @sb, shows: its
 * lower object's if it is a copy that has kept it, or 0.
 */
static u64 union_ino_of(struct super_block *sb, struct dentry *dentry)
{
	struct union_mount *um = READ_ONCE(sb->s_union);
	struct union_ino_rec rec;
	ssize_t len;

	if (!um || !(d_inode(dentry)->i_opflags & IOP_XATTR))
		return 0;
	len = __vfs_getxattr(dentry, d_inode(dentry), UNION_XATTR_INO, &rec,
			     sizeof(rec));
	if (len != sizeof(rec) || rec.version != UNION_INO_VERSION ||
	    rec.layer >= um->nr_lowers ||
	    le32_to_cpu(rec.stamp) != um->stamps[rec.layer] ||
	    le64_to_cpu(rec.ino) >= UNION_BELOW_INO_LAYER)
		return 0;
	return union_layer_ino(rec.layer, le64_to_cpu(rec.ino));
}

/* The number that @dentry, on a union's top layer, shows. */
u64 union_top_ino(struct dentry *dentry)
{
	return union_ino_of(dentry->d_sb, dentry) ?: d_inode(dentry)->i_ino;
}

/* st_ino of an object on a union's top layer. */
void union_getattr_ino(const struct path *path, struct kstat *stat)
{
	u64 ino = union_ino_of(path->mnt->mnt_sb, path->dentry);

	if (ino)
		stat->ino = ino;
}

/**
 * union_dino - d_ino of an entry of a merged directory's top layer
 * @dir: the directory, whose i_rwsem the caller holds shared (readdir)
 * @name: the entry's name
 * @ino: the entry's inode number on the top layer
 *
 * Copies land in merged directories, so only their listings look their
 * entries up.  A copy renamed into a directory that has nothing below is
 * listed with its top layer number.
 *
 * Return: what stat() reports for @name, or @ino if that cannot be known.
 */
u64 union_dino(struct dentry *dir, const struct qstr *name, u64 ino)
{
	struct dentry *dentry;
	u64 copied = 0;

	dentry = union_lookup_shared(dir, name);
	if (IS_ERR(dentry))
		return ino;
	if (d_is_positive(dentry) && d_inode(dentry)->i_ino == ino)
		copied = union_ino_of(dir->d_sb, dentry);
	dput(dentry);
	return copied ?: ino;
}
