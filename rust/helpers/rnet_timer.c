// SPDX-License-Identifier: GPL-2.0

#include <linux/container_of.h>
#include <linux/delay.h>
#include <linux/init.h>
#include <linux/jiffies.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/notifier.h>
#include <linux/printk.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/timer.h>
#include <linux/workqueue.h>

/*
 * Timers and delayed work items whose callback is Rust code, maybe a
 * module's (kernel::timer, kernel::delayed_work).
 *
 * The callback the kernel calls is a trampoline of this file, in vmlinux
 * text: it calls the item's run function (the module's code) and drops
 * the module reference only once that code has returned. Every time an
 * item becomes pending it holds one reference to the Rust object that
 * contains it (the pointer in ->data) and one to ->owner; every time it
 * stops being pending (its callback starts, or a cancel removes it) they
 * are given back once: by the trampoline, or by the canceller, which
 * hands the object reference to its Rust caller. A pending item thus pins
 * its module, and its object, whoever else holds them.
 *
 * ->dead, once set by shutdown, makes arming fail with -ESHUTDOWN. Arming
 * sets the item pending, then (full barrier) reads ->dead; shutdown sets
 * ->dead, then (full barrier) cancels: at least one of them sees the
 * other, and only one cancel can find the item pending, so an item armed
 * concurrently with shutdown is never left pending, and its references
 * are given back once.
 */

#ifdef CONFIG_MODULES
/*
 * A module whose init fails is freed whatever references it holds (see
 * do_init_module()). The references items take on a module that is not
 * live yet are therefore counted here, in an entry of the module's, until
 * it is live; if it goes instead, the module notifier waits until its
 * items gave them back. They cannot take new ones by then: a going
 * module is not live for try_module_get().
 */
struct rnet_coming {
	struct list_head node;
	struct module *mod;
	unsigned long refs;
};

static LIST_HEAD(rnet_coming_list);
static DEFINE_RAW_SPINLOCK(rnet_coming_lock);

static struct rnet_coming *rnet_coming_find(struct module *mod)
{
	struct rnet_coming *c;

	list_for_each_entry(c, &rnet_coming_list, node)
		if (c->mod == mod)
			return c;
	return NULL;
}

/* A reference on @owner for an item becoming pending: 0 or an errno. */
static int rnet_owner_get(struct module *owner)
{
	struct rnet_coming *c, *n;
	unsigned long flags;
	int ret = 0;

	if (!owner || READ_ONCE(owner->state) != MODULE_STATE_COMING)
		return try_module_get(owner) ? 0 : -ENODEV;
	n = kmalloc(sizeof(*n), GFP_ATOMIC);
	/*
	 * Under the lock, so that the notifier of a failed init either
	 * finds the reference counted or makes try_module_get() fail: the
	 * module is marked going before the notifier runs.
	 */
	raw_spin_lock_irqsave(&rnet_coming_lock, flags);
	if (!try_module_get(owner)) {
		ret = -ENODEV;
	} else if (READ_ONCE(owner->state) != MODULE_STATE_LIVE) {
		c = rnet_coming_find(owner);
		if (!c && n) {
			c = n;
			n = NULL;
			c->mod = owner;
			c->refs = 0;
			list_add(&c->node, &rnet_coming_list);
		}
		if (c) {
			c->refs++;
		} else {
			module_put(owner);
			ret = -ENOMEM;
		}
	}
	raw_spin_unlock_irqrestore(&rnet_coming_lock, flags);
	kfree(n);
	return ret;
}

/* Gives back a reference of rnet_owner_get(). */
static void rnet_owner_put(struct module *owner)
{
	struct rnet_coming *c;
	unsigned long flags;

	module_put(owner);
	/* From here on @owner is only compared: its module may be gone. */
	if (!owner || list_empty(&rnet_coming_list))
		return;
	raw_spin_lock_irqsave(&rnet_coming_lock, flags);
	c = rnet_coming_find(owner);
	if (c && c->refs)
		c->refs--;
	raw_spin_unlock_irqrestore(&rnet_coming_lock, flags);
}

static unsigned long rnet_coming_refs(struct rnet_coming *c)
{
	unsigned long flags, refs;

	raw_spin_lock_irqsave(&rnet_coming_lock, flags);
	refs = c->refs;
	raw_spin_unlock_irqrestore(&rnet_coming_lock, flags);
	return refs;
}

static int rnet_coming_notify(struct notifier_block *nb,
			      unsigned long action, void *data)
{
	struct module *mod = data;
	struct rnet_coming *c;
	unsigned long flags;
	unsigned int i;

	if (action != MODULE_STATE_LIVE && action != MODULE_STATE_GOING)
		return NOTIFY_DONE;
	/* Its INET protocols take sockets from now on (rnet_inet.c). */
	if (action == MODULE_STATE_LIVE)
		rnet_inet_module_live(mod);
	raw_spin_lock_irqsave(&rnet_coming_lock, flags);
	c = rnet_coming_find(mod);
	/* Live: its references are ordinary ones from now on. */
	if (c && action == MODULE_STATE_LIVE)
		list_del(&c->node);
	raw_spin_unlock_irqrestore(&rnet_coming_lock, flags);
	if (!c)
		return NOTIFY_DONE;
	if (action == MODULE_STATE_GOING) {
		/* Its loading failed: it is freed right after this. */
		for (i = 0; rnet_coming_refs(c); i++) {
			if (i % 500 == 0)
				pr_warn("rnet: %s: loading failed with %lu timers or work items pending; waiting for them\n",
					mod->name, rnet_coming_refs(c));
			msleep(20);
		}
		raw_spin_lock_irqsave(&rnet_coming_lock, flags);
		list_del(&c->node);
		raw_spin_unlock_irqrestore(&rnet_coming_lock, flags);
	}
	kfree(c);
	return NOTIFY_OK;
}

/*
 * Runs before the other GOING notifiers (kprobes, jump labels, static
 * calls, trace events), which undo what the module's code relies on.
 */
static struct notifier_block rnet_coming_nb = {
	.notifier_call = rnet_coming_notify,
	.priority = INT_MAX - 1,
};

/*
 * The one initcall of rust/helpers (helpers.c is one translation unit,
 * where a second would clash): module scopes (rnet_netns.c) and this.
 */
static int __init rnet_coming_setup(void)
{
	int ret = rnet_scope_setup();

	return ret ? ret : register_module_notifier(&rnet_coming_nb);
}
core_initcall(rnet_coming_setup);
#else /* !CONFIG_MODULES */
static int rnet_owner_get(struct module *owner)
{
	return 0;
}

static void rnet_owner_put(struct module *owner)
{
}
#endif /* CONFIG_MODULES */

unsigned long rust_helper_rnet_jiffies(void)
{
	return READ_ONCE(jiffies);
}

/* The layout is mirrored by kernel::timer::RawTimer. */
struct rnet_timer {
	struct timer_list timer;
	void (*run)(void *data);
	struct module *owner;
	void *data;
	int dead;
};

static void rnet_timer_fn(struct timer_list *t)
{
	struct rnet_timer *r = container_of(t, struct rnet_timer, timer);
	struct module *owner = r->owner;

	/*
	 * The references of the pending state that just ended now belong to
	 * run(), which may free *r. The module's code has returned when its
	 * reference is dropped; unloading the module waits for an RCU grace
	 * period after that, which the rest of this softirq is part of.
	 */
	r->run(READ_ONCE(r->data));
	rnet_owner_put(owner);
}

void rust_helper_rnet_timer_init(struct timer_list *timer, const char *name,
				 struct lock_class_key *key,
				 void (*run)(void *data), struct module *owner)
{
	struct rnet_timer *r = container_of(timer, struct rnet_timer, timer);

	init_timer_key(&r->timer, rnet_timer_fn, 0, name, key);
	r->run = run;
	r->owner = owner;
	r->data = NULL;
	r->dead = 0;
}

/*
 * Removes a pending timer: the object reference of its pending state, now
 * the caller's, or NULL when it was not pending.
 */
static void *rnet_timer_cancel(struct rnet_timer *r)
{
	if (!timer_delete(&r->timer))
		return NULL;
	rnet_owner_put(r->owner);
	return READ_ONCE(r->data);
}

/*
 * Arms the timer for @expires (absolute jiffies). @data is an object
 * reference of the caller's for the pending state; *@put is set to the
 * number of object references (at @data) the caller is to drop
 * afterwards: 0 when the timer took the caller's, 1 when it was already
 * pending (it keeps its own) or on an error, 2 when it was pending and
 * shut down meanwhile.
 */
int rust_helper_rnet_timer_arm(struct timer_list *timer, unsigned long expires,
			       void *data, unsigned int *put)
{
	struct rnet_timer *r = container_of(timer, struct rnet_timer, timer);
	int ret;

	*put = 1;
	if (READ_ONCE(r->dead))
		return -ESHUTDOWN;
	ret = rnet_owner_get(r->owner);
	if (ret)
		return ret;
	WRITE_ONCE(r->data, data);
	if (mod_timer(&r->timer, expires))
		rnet_owner_put(r->owner);
	else
		*put = 0;
	/* Pairs with the barrier in rust_helper_rnet_timer_shutdown(). */
	smp_mb();
	if (READ_ONCE(r->dead)) {
		if (rnet_timer_cancel(r))
			(*put)++;
		return -ESHUTDOWN;
	}
	return 0;
}

void *rust_helper_rnet_timer_cancel(struct timer_list *timer)
{
	return rnet_timer_cancel(container_of(timer, struct rnet_timer, timer));
}

/* Cancels, and makes every later arming fail. Does not wait. */
void *rust_helper_rnet_timer_shutdown(struct timer_list *timer)
{
	struct rnet_timer *r = container_of(timer, struct rnet_timer, timer);

	WRITE_ONCE(r->dead, 1);
	/* Pairs with the barrier in rust_helper_rnet_timer_arm(). */
	smp_mb();
	return rnet_timer_cancel(r);
}

/* The layout is mirrored by kernel::delayed_work::RawDelayedWork. */
struct rnet_dwork {
	struct delayed_work dwork;
	void (*run)(void *data);
	struct module *owner;
	void *data;
	int dead;
};

static void rnet_dwork_fn(struct work_struct *work)
{
	struct rnet_dwork *r = container_of(to_delayed_work(work),
					    struct rnet_dwork, dwork);
	struct module *owner = r->owner;

	/* As in rnet_timer_fn(): run() may free *r. */
	r->run(READ_ONCE(r->data));
	rnet_owner_put(owner);
}

void rust_helper_rnet_dwork_init(struct delayed_work *dwork,
				 void (*run)(void *data), struct module *owner)
{
	struct rnet_dwork *r = container_of(dwork, struct rnet_dwork, dwork);

	/*
	 * The lock classes (keys and names) are this file's, in vmlinux, not
	 * the module's: after rnet_dwork_fn() returns, the worker still
	 * releases its copy of the work's lockdep map, outside any RCU
	 * read-side section, when the module may already be gone.
	 */
	INIT_DELAYED_WORK(&r->dwork, rnet_dwork_fn);
	r->run = run;
	r->owner = owner;
	r->data = NULL;
	r->dead = 0;
}

/* As rnet_timer_cancel(), for a delayed work item. */
static void *rnet_dwork_cancel(struct rnet_dwork *r)
{
	if (!cancel_delayed_work(&r->dwork))
		return NULL;
	rnet_owner_put(r->owner);
	return READ_ONCE(r->data);
}

/*
 * Queues the work item on the system workqueue after @delay jiffies, or
 * moves its start if it is pending; @data and *@put as for
 * rust_helper_rnet_timer_arm().
 */
int rust_helper_rnet_dwork_schedule(struct delayed_work *dwork,
				    unsigned long delay, void *data,
				    unsigned int *put)
{
	struct rnet_dwork *r = container_of(dwork, struct rnet_dwork, dwork);
	int ret;

	*put = 1;
	if (READ_ONCE(r->dead))
		return -ESHUTDOWN;
	ret = rnet_owner_get(r->owner);
	if (ret)
		return ret;
	WRITE_ONCE(r->data, data);
	if (mod_delayed_work(system_wq, &r->dwork, delay))
		rnet_owner_put(r->owner);
	else
		*put = 0;
	/* Pairs with the barrier in rust_helper_rnet_dwork_shutdown(). */
	smp_mb();
	if (READ_ONCE(r->dead)) {
		if (rnet_dwork_cancel(r))
			(*put)++;
		return -ESHUTDOWN;
	}
	return 0;
}

void *rust_helper_rnet_dwork_cancel(struct delayed_work *dwork)
{
	return rnet_dwork_cancel(container_of(dwork, struct rnet_dwork, dwork));
}

/* Cancels, and makes every later scheduling fail. Does not wait. */
void *rust_helper_rnet_dwork_shutdown(struct delayed_work *dwork)
{
	struct rnet_dwork *r = container_of(dwork, struct rnet_dwork, dwork);

	WRITE_ONCE(r->dead, 1);
	/* Pairs with the barrier in rust_helper_rnet_dwork_schedule(). */
	smp_mb();
	return rnet_dwork_cancel(r);
}
