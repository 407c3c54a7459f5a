// SPDX-License-Identifier: GPL-2.0
/*
 * Union mounts: debugging.  The trace points, fault injection for the
 * steps on the top layer (CONFIG_UNION_FAULT_INJECTION) and the list of
 * unions in /sys/kernel/debug/union/mounts.
 */

#include <linux/debugfs.h>
#include <linux/fault-inject.h>
#include <linux/fs.h>
#include <linux/mount.h>
#include <linux/mutex.h>
#include <linux/seq_file.h>
#include <linux/union.h>
#include <linux/user_namespace.h>

#include "internal.h"
#include "../mount.h"
#include "../union.h"

#define CREATE_TRACE_POINTS
#include <trace/events/union.h>

/* Every union that is up, for the debugfs view; union_list_lock guards it. */
static LIST_HEAD(union_list);
static DEFINE_MUTEX(union_list_lock);

void union_debug_add(struct union_mount *um)
{
	mutex_lock(&union_list_lock);
	list_add_tail(&um->list, &union_list);
	mutex_unlock(&union_list_lock);
}

void union_debug_del(struct union_mount *um)
{
	mutex_lock(&union_list_lock);
	list_del(&um->list);
	mutex_unlock(&union_list_lock);
}

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

#ifdef CONFIG_DEBUG_FS
static const char *const union_stat_names[UNION_STAT_NR] = {
	[UNION_STAT_COPYUP]		= "copyups",
	[UNION_STAT_COPYUP_FAILED]	= "copyups_failed",
	[UNION_STAT_WHITEOUT]		= "whiteouts",
	[UNION_STAT_FALLTHRU]		= "fallthrus",
	[UNION_STAT_DIR_CREATE]		= "dirs_created",
	[UNION_STAT_DIR_COPYUP]		= "dirs_completed",
	[UNION_STAT_LISTING]		= "listings_merged",
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
