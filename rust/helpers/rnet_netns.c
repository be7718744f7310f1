// SPDX-License-Identifier: GPL-2.0

#include <linux/capability.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/notifier.h>
#include <linux/proc_fs.h>
#include <linux/seq_file_net.h>
#include <linux/srcu.h>
#include <linux/wait_bit.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

/*
 * Module scopes: a registration made by a module's Rust code (a pernet
 * subsystem, a protocol, netfilter hooks) links an entry here with its
 * module and a release function. Dropping the registration unlinks the
 * entry and unregisters. A registration that was leaked instead (an
 * mem::forget, a reference cycle) is still linked when its module goes:
 * the module notifier then calls its release function, after the
 * module's exit and before its memory is freed, so nothing registered
 * keeps pointing into a module that is gone.
 *
 * The layout is mirrored by kernel::module_scope::RawEntry.
 */
struct rnet_scope_entry {
	struct list_head node;
	struct module *owner;
	void (*release)(void *entry);
	int state;
};

enum { RNET_SCOPE_LIVE = 1, RNET_SCOPE_RELEASING, RNET_SCOPE_DONE };

static LIST_HEAD(rnet_scope_list);
/*
 * Entries the notifier released: kept linked (leaked memory that nothing
 * else points to any more would be reported by kmemleak), unlinked if the
 * leaked guard is dropped after all.
 */
static LIST_HEAD(rnet_scope_released);
static DEFINE_MUTEX(rnet_scope_lock);

static int rnet_scope_going(struct notifier_block *nb, unsigned long state,
			    void *data)
{
	struct module *mod = data;
	struct rnet_scope_entry *e;

	if (state != MODULE_STATE_GOING)
		return NOTIFY_DONE;
	for (;;) {
		/*
		 * Newest first: a registration made on top of another (hooks on
		 * a pernet state) goes before what it was made on.
		 */
		mutex_lock(&rnet_scope_lock);
		list_for_each_entry_reverse(e, &rnet_scope_list, node)
			if (e->owner == mod)
				break;
		if (list_entry_is_head(e, &rnet_scope_list, node)) {
			mutex_unlock(&rnet_scope_lock);
			return NOTIFY_OK;
		}
		list_del_init(&e->node);
		WRITE_ONCE(e->state, RNET_SCOPE_RELEASING);
		mutex_unlock(&rnet_scope_lock);
		pr_warn("rnet: %s: releasing a registration its module leaked\n",
			mod->name);
		e->release(e);
		mutex_lock(&rnet_scope_lock);
		list_add_tail(&e->node, &rnet_scope_released);
		WRITE_ONCE(e->state, RNET_SCOPE_DONE);
		mutex_unlock(&rnet_scope_lock);
		/* Orders the store before wake_up_var()'s waitqueue check. */
		smp_mb();
		wake_up_var(&e->state);
	}
}

/*
 * First of the GOING notifiers: releases run the module's code, which
 * the others (kprobes, jump labels, static calls, trace events) undo.
 */
static struct notifier_block rnet_scope_nb = {
	.notifier_call = rnet_scope_going,
	.priority = INT_MAX,
};

/*
 * Registered at boot (from the initcall in rnet_timer.c), never under
 * rnet_scope_lock: the notifier chain's rwsem is taken before that lock
 * when a module goes.
 */
static int __init rnet_scope_setup(void)
{
	return register_module_notifier(&rnet_scope_nb);
}

/*
 * Links @ptr, a struct rnet_scope_entry (helper types are not in the
 * bindings: a void pointer), owned by @owner (NULL for built-in code):
 * 0 or an errno.
 */
int rust_helper_rnet_scope_add(void *ptr, struct module *owner,
			       void (*release)(void *))
{
	struct rnet_scope_entry *entry = ptr;

	INIT_LIST_HEAD(&entry->node);
	entry->owner = owner;
	entry->release = release;
	mutex_lock(&rnet_scope_lock);
	list_add_tail(&entry->node, &rnet_scope_list);
	entry->state = RNET_SCOPE_LIVE;
	mutex_unlock(&rnet_scope_lock);
	return 0;
}

/*
 * Unlinks @entry: true when the caller is to release it now, false when
 * it was never linked or the module notifier released it (this waits
 * until that release has returned).
 */
bool rust_helper_rnet_scope_del(void *ptr)
{
	struct rnet_scope_entry *entry = ptr;
	int state;

	mutex_lock(&rnet_scope_lock);
	state = entry->state;
	if (state != RNET_SCOPE_RELEASING) {
		/* Live, or released by the notifier and kept on its list. */
		list_del_init(&entry->node);
		entry->state = RNET_SCOPE_DONE;
	}
	mutex_unlock(&rnet_scope_lock);
	if (state == RNET_SCOPE_RELEASING)
		wait_var_event(&entry->state,
			       READ_ONCE(entry->state) == RNET_SCOPE_DONE);
	return state == RNET_SCOPE_LIVE;
}

void *rust_helper_rnet_net_generic(const struct net *net, unsigned int id)
{
	return net_generic(net, id);
}

struct net *rust_helper_rnet_init_net(void)
{
	return &init_net;
}

/* A counted reference, or NULL when @net is already being dismantled. */
struct net *rust_helper_rnet_maybe_get_net(struct net *net)
{
	return maybe_get_net(net);
}

void rust_helper_rnet_put_net(struct net *net)
{
	put_net(net);
}

u64 rust_helper_rnet_net_cookie(const struct net *net)
{
	return net->net_cookie;
}

bool rust_helper_rnet_net_admin(const struct net *net)
{
	return ns_capable(net->user_ns, CAP_NET_ADMIN);
}

/*
 * Readers of per-namespace state through a pernet id (kernel::net::pernet):
 * one SRCU domain for all of them, so that a reader may sleep; a
 * registration waits for it before it unregisters.
 */
DEFINE_STATIC_SRCU(rnet_pernet_srcu);

int rust_helper_rnet_pernet_read_lock(void)
{
	return srcu_read_lock(&rnet_pernet_srcu);
}

void rust_helper_rnet_pernet_read_unlock(int idx)
{
	srcu_read_unlock(&rnet_pernet_srcu, idx);
}

void rust_helper_rnet_pernet_sync(void)
{
	synchronize_srcu(&rnet_pernet_srcu);
}

/* The data given to proc_create_net_single() for @m's file. */
void *rust_helper_rnet_seq_pde_data(const struct seq_file *m)
{
	return pde_data(file_inode(m->file));
}

struct proc_dir_entry *rust_helper_rnet_proc_net_dir(const struct net *net)
{
	return net->proc_net;
}

void rust_helper_rnet_get_net(struct net *net)
{
	get_net(net);
}
