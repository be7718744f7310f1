// SPDX-License-Identifier: GPL-2.0

#include <linux/completion.h>
#include <linux/device.h>
#include <linux/lockdep.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/srcu.h>
#include <linux/workqueue.h>

/*
 * The SRCU domain of one revocable value (its own lockdep class too, so
 * that lockdep tells revocable values apart): its readers may sleep, and
 * revoking waits for them.
 */
struct rnet_srcu {
	struct srcu_struct srcu;
	struct lock_class_key key;
	struct work_struct free_work;
};

/* Opaque to Rust (helper types are not in the bindings): a void pointer. */
void *rust_helper_rnet_srcu_new(void)
{
	struct rnet_srcu *s;
	int ret;

	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return NULL;
	lockdep_register_key(&s->key);
#ifdef CONFIG_DEBUG_LOCK_ALLOC
	ret = __init_srcu_struct(&s->srcu, "rnet_revocable", &s->key);
#else
	ret = init_srcu_struct(&s->srcu);
#endif
	if (ret) {
		lockdep_unregister_key(&s->key);
		kfree(s);
		return NULL;
	}
	return s;
}

static void rnet_srcu_free_work(struct work_struct *work)
{
	struct rnet_srcu *s = container_of(work, struct rnet_srcu, free_work);

#ifdef CONFIG_TREE_SRCU
	cleanup_srcu_struct(&s->srcu);
	/* Left in place (with a warning) while a reader is still inside. */
	if (s->srcu.srcu_sup)
		return;
#else
	if (READ_ONCE(s->srcu.srcu_lock_nesting[0]) ||
	    READ_ONCE(s->srcu.srcu_lock_nesting[1])) {
		WARN(1, "rnet: SRCU domain dropped with a reader inside\n");
		return;
	}
	cleanup_srcu_struct(&s->srcu);
#endif
	lockdep_unregister_key(&s->key);
	kfree(s);
}

/*
 * Frees a domain, from any context: the teardown sleeps, so it runs from a
 * work item. A domain a reader never left (a leaked guard) is leaked, lock
 * class and all, instead of freed under the reader.
 */
void rust_helper_rnet_srcu_free(void *p)
{
	struct rnet_srcu *s = p;

	INIT_WORK(&s->free_work, rnet_srcu_free_work);
	schedule_work(&s->free_work);
}

int rust_helper_rnet_srcu_lock(void *p)
{
	struct rnet_srcu *s = p;

	return srcu_read_lock(&s->srcu);
}

void rust_helper_rnet_srcu_unlock(void *p, int idx)
{
	struct rnet_srcu *s = p;

	srcu_read_unlock(&s->srcu, idx);
}

void rust_helper_rnet_srcu_synchronize(void *p)
{
	struct rnet_srcu *s = p;

	synchronize_srcu(&s->srcu);
}

/*
 * The domain in which DMA memory is given back while a binding lasts
 * (dma::Binding): only the abstractions' own short sections enter it.
 */
DEFINE_STATIC_SRCU(rnet_dma_srcu);

int rust_helper_rnet_dma_srcu_read_lock(void)
{
	return srcu_read_lock(&rnet_dma_srcu);
}

void rust_helper_rnet_dma_srcu_read_unlock(int idx)
{
	srcu_read_unlock(&rnet_dma_srcu, idx);
}

void rust_helper_rnet_dma_synchronize_srcu(void)
{
	synchronize_srcu(&rnet_dma_srcu);
}

void rust_helper_rcu_read_lock(void)
{
	rcu_read_lock();
}

void rust_helper_rcu_read_unlock(void)
{
	rcu_read_unlock();
}

/*
 * A devres entry that calls release(data) when the device lets go. A
 * "first" entry is released before the others: by the bus's remove and
 * after a failed probe, see rnet_devres_release_first().
 */
struct rnet_devres {
	void (*release)(void *data);
	void *data;
	bool first;
};

static void rnet_devres_release(struct device *dev, void *res)
{
	struct rnet_devres *r = res;

	r->release(r->data);
}

/* An entry is known by its data pointer: each one has its own. */
static int rnet_devres_match(struct device *dev, void *res, void *data)
{
	struct rnet_devres *r = res;

	return r->data == data;
}

int rust_helper_rnet_devres_add(struct device *dev, void (*release)(void *),
				void *data, bool first)
{
	struct rnet_devres *r;

	r = devres_alloc(rnet_devres_release, sizeof(*r), GFP_KERNEL);
	if (!r)
		return -ENOMEM;
	r->release = release;
	r->data = data;
	r->first = first;
	devres_add(dev, r);
	return 0;
}

static int rnet_devres_match_first(struct device *dev, void *res, void *unused)
{
	struct rnet_devres *r = res;

	return r->first;
}

/*
 * Releases the device's "first" entries, newest first, while every other
 * managed resource of the binding is still in place.
 */
void rust_helper_rnet_devres_release_first(struct device *dev)
{
	while (!devres_release(dev, rnet_devres_release, rnet_devres_match_first,
			       NULL))
		;
}

/*
 * Removes the entry without calling release(). -ENOENT: the device has
 * already taken it off its list (release() has run or is running).
 */
int rust_helper_rnet_devres_remove(struct device *dev, void *data)
{
	return devres_destroy(dev, rnet_devres_release, rnet_devres_match, data);
}

void rust_helper_rnet_init_completion(struct completion *x)
{
	init_completion(x);
}
