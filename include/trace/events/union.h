/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Trace events of union mounts (Documentation/filesystems/union-mounts.rst,
 * "Debugging").  Each names the top layer's superblock (s_dev) and the
 * directory inode there, so that events of several unions can be told
 * apart.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM union

#if !defined(_TRACE_UNION_H) || defined(TRACE_HEADER_MULTI_READ)
#define _TRACE_UNION_H

#include <linux/dcache.h>
#include <linux/fs.h>
#include <linux/tracepoint.h>

/* What a lookup found below the top layer. */
#define UNION_FOUND_NONE	0	/* nothing: the top layer decides */
#define UNION_FOUND_FILE	1	/* a lower non-directory */
#define UNION_FOUND_DIR		2	/* a lower directory: a stack */

TRACE_EVENT(union_lookup,
	    TP_PROTO(const struct dentry *dir, const struct qstr *name,
		     int found, int layer, int err),
	    TP_ARGS(dir, name, found, layer, err),
	    TP_STRUCT__entry(__field(dev_t, dev)
			     __field(u64, dir)
			     __string_len(name, name->name, name->len)
			     __field(int, found)
			     __field(int, layer)
			     __field(int, err)
	    ),
	    TP_fast_assign(__entry->dev = dir->d_sb->s_dev;
			   __entry->dir = d_inode(dir)->i_ino;
			   __assign_str(name);
			   __entry->found = found;
			   __entry->layer = layer;
			   __entry->err = err;
	    ),
	    TP_printk("dev %d:%d dir %llu name %s found %s layer %d err %d",
		      MAJOR(__entry->dev), MINOR(__entry->dev), __entry->dir,
		      __get_str(name),
		      __print_symbolic(__entry->found,
				       { UNION_FOUND_NONE, "none" },
				       { UNION_FOUND_FILE, "file" },
				       { UNION_FOUND_DIR, "dir" }),
		      __entry->layer, __entry->err)
);

TRACE_EVENT(union_copyup_start,
	    TP_PROTO(const struct dentry *dir, const struct qstr *name,
		     const struct inode *lower, loff_t len),
	    TP_ARGS(dir, name, lower, len),
	    TP_STRUCT__entry(__field(dev_t, dev)
			     __field(u64, dir)
			     __string_len(name, name->name, name->len)
			     __field(dev_t, lower_dev)
			     __field(u64, lower_ino)
			     __field(umode_t, mode)
			     __field(loff_t, len)
	    ),
	    TP_fast_assign(__entry->dev = dir->d_sb->s_dev;
			   __entry->dir = d_inode(dir)->i_ino;
			   __assign_str(name);
			   __entry->lower_dev = lower->i_sb->s_dev;
			   __entry->lower_ino = lower->i_ino;
			   __entry->mode = lower->i_mode;
			   __entry->len = len;
	    ),
	    TP_printk("dev %d:%d dir %llu name %s lower %d:%d:%llu mode 0%o len %lld",
		      MAJOR(__entry->dev), MINOR(__entry->dev), __entry->dir,
		      __get_str(name), MAJOR(__entry->lower_dev),
		      MINOR(__entry->lower_dev), __entry->lower_ino,
		      __entry->mode, __entry->len)
);

TRACE_EVENT(union_copyup_end,
	    TP_PROTO(const struct dentry *dir, const struct qstr *name,
		     const struct dentry *copy, int err),
	    TP_ARGS(dir, name, copy, err),
	    TP_STRUCT__entry(__field(dev_t, dev)
			     __field(u64, dir)
			     __string_len(name, name->name, name->len)
			     __field(u64, ino)
			     __field(int, err)
	    ),
	    TP_fast_assign(__entry->dev = dir->d_sb->s_dev;
			   __entry->dir = d_inode(dir)->i_ino;
			   __assign_str(name);
			   __entry->ino = copy && d_really_is_positive(copy) ?
				      d_inode(copy)->i_ino : 0;
			   __entry->err = err;
	    ),
	    TP_printk("dev %d:%d dir %llu name %s ino %llu err %d",
		      MAJOR(__entry->dev), MINOR(__entry->dev), __entry->dir,
		      __get_str(name), __entry->ino, __entry->err)
);

/* Whiteouts and pass-through entries: one event class. */
DECLARE_EVENT_CLASS(union_entry,
		    TP_PROTO(const struct inode *dir, const struct dentry *dentry,
			     int err),
		    TP_ARGS(dir, dentry, err),
		    TP_STRUCT__entry(__field(dev_t, dev)
				     __field(u64, dir)
				     __string_len(name, dentry->d_name.name, dentry->d_name.len)
				     __field(int, err)
		    ),
		    TP_fast_assign(__entry->dev = dir->i_sb->s_dev;
				   __entry->dir = dir->i_ino;
				   __assign_str(name);
				   __entry->err = err;
		    ),
		    TP_printk("dev %d:%d dir %llu name %s err %d",
			      MAJOR(__entry->dev), MINOR(__entry->dev), __entry->dir,
			      __get_str(name), __entry->err)
);

DEFINE_EVENT(union_entry, union_whiteout,
	     TP_PROTO(const struct inode *dir, const struct dentry *dentry,
		      int err),
	     TP_ARGS(dir, dentry, err)
);

DEFINE_EVENT(union_entry, union_fallthru,
	     TP_PROTO(const struct inode *dir, const struct dentry *dentry,
		      int err),
	     TP_ARGS(dir, dentry, err)
);

/* A lower directory's copy made on the top layer by a lookup. */
DEFINE_EVENT(union_entry, union_dir_create,
	     TP_PROTO(const struct inode *dir, const struct dentry *dentry,
		      int err),
	     TP_ARGS(dir, dentry, err)
);

/* A merged directory completed: its lower names recorded on top. */
TRACE_EVENT(union_dir_copyup,
	    TP_PROTO(const struct inode *dir, unsigned int layers,
		     unsigned long names, int err),
	    TP_ARGS(dir, layers, names, err),
	    TP_STRUCT__entry(__field(dev_t, dev)
			     __field(u64, dir)
			     __field(unsigned int, layers)
			     __field(unsigned long, names)
			     __field(int, err)
	    ),
	    TP_fast_assign(__entry->dev = dir->i_sb->s_dev;
			   __entry->dir = dir->i_ino;
			   __entry->layers = layers;
			   __entry->names = names;
			   __entry->err = err;
	    ),
	    TP_printk("dev %d:%d dir %llu layers %u names %lu err %d",
		      MAJOR(__entry->dev), MINOR(__entry->dev), __entry->dir,
		      __entry->layers, __entry->names, __entry->err)
);

#endif /* _TRACE_UNION_H */

/* This part must be outside protection */
#include <trace/define_trace.h>
