// SPDX-License-Identifier: GPL-2.0

#include <linux/completion.h>
#include <linux/device.h>
#include <linux/rcupdate.h>
#include <linux/srcu.h>

/*
 * One SRCU domain for every revocable value of the rnet abstractions: its
 * readers may sleep, and revoking waits for them.
 */
DEFINE_STATIC_SRCU(rnet_srcu);

int rust_helper_rnet_srcu_read_lock(void)
{
	return srcu_read_lock(&rnet_srcu);
}

void rust_helper_rnet_srcu_read_unlock(int idx)
{
	srcu_read_unlock(&rnet_srcu, idx);
}

void rust_helper_rnet_synchronize_srcu(void)
{
	synchronize_srcu(&rnet_srcu);
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

static int rnet_devres_match(struct device *dev, void *res, void *match_data)
{
	struct rnet_devres *r = res, *m = match_data;

	return r->release == m->release && r->data == m->data;
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
int rust_helper_rnet_devres_remove(struct device *dev,
				   void (*release)(void *), void *data)
{
	struct rnet_devres m = { .release = release, .data = data };

	return devres_destroy(dev, rnet_devres_release, rnet_devres_match, &m);
}

void rust_helper_rnet_init_completion(struct completion *x)
{
	init_completion(x);
}
