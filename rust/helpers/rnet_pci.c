// SPDX-License-Identifier: GPL-2.0

#include <linux/mutex.h>
#include <linux/pci.h>

void rust_helper_pci_set_drvdata(struct pci_dev *pdev, void *data)
{
	pci_set_drvdata(pdev, data);
}

void *rust_helper_pci_get_drvdata(struct pci_dev *pdev)
{
	return pci_get_drvdata(pdev);
}

bool rust_helper_pci_is_enabled(struct pci_dev *pdev)
{
	return pci_is_enabled(pdev);
}

resource_size_t rust_helper_pci_resource_len(struct pci_dev *pdev, int bar)
{
	return pci_resource_len(pdev, bar);
}

const char *rust_helper_pci_name(const struct pci_dev *pdev)
{
	return pci_name(pdev);
}

bool rust_helper_pci_dev_msix_enabled(struct pci_dev *pdev)
{
	return pdev->msix_enabled;
}

bool rust_helper_pci_dev_msi_enabled(struct pci_dev *pdev)
{
	return pdev->msi_enabled;
}

bool rust_helper_rnet_pci_bar_is_mem(struct pci_dev *pdev, int bar)
{
	return pci_resource_flags(pdev, bar) & IORESOURCE_MEM;
}

static void rnet_pci_disable(void *pdev)
{
	pci_disable_device(pdev);
}

/*
 * pci_enable_device_mem() with the matching pci_disable_device() under the
 * device's managed resources: it runs when the binding ends (after remove,
 * or after a failed probe), once per successful call.
 */
int rust_helper_rnet_pci_enable_device_mem(struct pci_dev *pdev)
{
	int ret = pci_enable_device_mem(pdev);

	if (ret)
		return ret;
	return devm_add_action_or_reset(&pdev->dev, rnet_pci_disable, pdev);
}

static void rnet_pci_clear_master(void *pdev)
{
	pci_clear_master(pdev);
}

/*
 * pci_set_master() undone when the binding ends: bus mastering stays on
 * after pci_disable_device() while another enable is outstanding, and DMA
 * the binding left mapped must not reach memory after it.
 */
int rust_helper_rnet_pci_set_master(struct pci_dev *pdev)
{
	pci_set_master(pdev);
	return devm_add_action_or_reset(&pdev->dev, rnet_pci_clear_master, pdev);
}

/*
 * A device's interrupt vectors, freed when the entry is released or by
 * rnet_pci_free_irq_vectors(), whichever comes first. rnet_irq_vectors_lock
 * serialises the allocation, the early free and the release: the vectors
 * are freed before their entry leaves the device's list, so no new set can
 * be allocated (and then freed by a late pci_free_irq_vectors() of the old
 * one) in between, and an unbind that finds the entry waits for an early
 * free under way.
 */
static DEFINE_MUTEX(rnet_irq_vectors_lock);

struct rnet_irq_vectors {
	struct pci_dev *pdev;
	u64 id;
	bool freed;
};

static void rnet_irq_vectors_release(struct device *dev, void *res)
{
	struct rnet_irq_vectors *v = res;

	mutex_lock(&rnet_irq_vectors_lock);
	if (!v->freed) {
		pci_free_irq_vectors(v->pdev);
		v->freed = true;
	}
	mutex_unlock(&rnet_irq_vectors_lock);
}

static int rnet_irq_vectors_match(struct device *dev, void *res, void *data)
{
	struct rnet_irq_vectors *v = res;

	return v->id == *(u64 *)data;
}

/*
 * pci_alloc_irq_vectors() for a device that has none from us yet (-EBUSY
 * otherwise), kept under the device's managed resources and tagged with
 * @id, so that they are freed at unbind if not before.
 */
int rust_helper_rnet_pci_alloc_irq_vectors(struct pci_dev *pdev,
					   unsigned int min, unsigned int max,
					   unsigned int flags, u64 id)
{
	struct rnet_irq_vectors *v;
	int n;

	v = devres_alloc(rnet_irq_vectors_release, sizeof(*v), GFP_KERNEL);
	if (!v)
		return -ENOMEM;
	mutex_lock(&rnet_irq_vectors_lock);
	if (devres_find(&pdev->dev, rnet_irq_vectors_release, NULL, NULL)) {
		n = -EBUSY;
		goto out_free;
	}
	n = pci_alloc_irq_vectors(pdev, min, max, flags);
	if (n < 0)
		goto out_free;
	v->pdev = pdev;
	v->id = id;
	devres_add(&pdev->dev, v);
	mutex_unlock(&rnet_irq_vectors_lock);
	return n;

out_free:
	mutex_unlock(&rnet_irq_vectors_lock);
	devres_free(v);
	return n;
}

/* Whether the vectors tagged @id are still allocated. May sleep. */
bool rust_helper_rnet_pci_irq_vectors_live(struct pci_dev *pdev, u64 id)
{
	struct rnet_irq_vectors *v;
	bool live;

	mutex_lock(&rnet_irq_vectors_lock);
	v = devres_find(&pdev->dev, rnet_irq_vectors_release,
			rnet_irq_vectors_match, &id);
	live = v && !v->freed;
	mutex_unlock(&rnet_irq_vectors_lock);
	return live;
}

/*
 * Frees the vectors tagged @id, unless the unbind did already: first the
 * vectors, then the entry, under the lock. May sleep.
 */
void rust_helper_rnet_pci_free_irq_vectors(struct pci_dev *pdev, u64 id)
{
	struct rnet_irq_vectors *v;

	mutex_lock(&rnet_irq_vectors_lock);
	v = devres_find(&pdev->dev, rnet_irq_vectors_release,
			rnet_irq_vectors_match, &id);
	if (v && !v->freed) {
		pci_free_irq_vectors(pdev);
		v->freed = true;
		/*
		 * An unbind may have taken the entry off the list meanwhile;
		 * its release then finds the vectors freed, and frees the
		 * entry itself.
		 */
		if (devres_remove(&pdev->dev, rnet_irq_vectors_release,
				  rnet_irq_vectors_match, &id))
			devres_free(v);
	}
	mutex_unlock(&rnet_irq_vectors_lock);
}
