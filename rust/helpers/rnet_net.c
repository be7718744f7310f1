// SPDX-License-Identifier: GPL-2.0

#include <linux/etherdevice.h>
#include <linux/netdevice.h>
#include <linux/skbuff.h>

void *rust_helper_netdev_priv(const struct net_device *dev)
{
	return netdev_priv(dev);
}

void rust_helper_netif_start_queue(struct net_device *dev)
{
	netif_start_queue(dev);
}

void rust_helper_netif_stop_queue(struct net_device *dev)
{
	netif_stop_queue(dev);
}

void rust_helper_netif_wake_queue(struct net_device *dev)
{
	netif_wake_queue(dev);
}

bool rust_helper_netif_queue_stopped(const struct net_device *dev)
{
	return netif_queue_stopped(dev);
}

bool rust_helper_netif_carrier_ok(const struct net_device *dev)
{
	return netif_carrier_ok(dev);
}

bool rust_helper_netdev_xmit_more(void)
{
	return netdev_xmit_more();
}

void rust_helper_eth_hw_addr_set(struct net_device *dev, const u8 *addr)
{
	eth_hw_addr_set(dev, addr);
}

bool rust_helper_is_valid_ether_addr(const u8 *addr)
{
	return is_valid_ether_addr(addr);
}

struct net_device *rust_helper_alloc_etherdev(int sizeof_priv)
{
	return alloc_etherdev(sizeof_priv);
}

void rust_helper_netif_napi_add(struct net_device *dev,
				struct napi_struct *napi,
				int (*poll)(struct napi_struct *, int))
{
	netif_napi_add(dev, napi, poll);
}

bool rust_helper_napi_schedule(struct napi_struct *napi)
{
	return napi_schedule(napi);
}

struct sk_buff *rust_helper_netdev_alloc_skb_ip_align(struct net_device *dev,
						      unsigned int length)
{
	return netdev_alloc_skb_ip_align(dev, length);
}

void rust_helper_dev_consume_skb_any(struct sk_buff *skb)
{
	dev_consume_skb_any(skb);
}

unsigned int rust_helper_skb_headlen(const struct sk_buff *skb)
{
	return skb_headlen(skb);
}

bool rust_helper_skb_is_nonlinear(const struct sk_buff *skb)
{
	return skb_is_nonlinear(skb);
}

int rust_helper_skb_padto(struct sk_buff *skb, unsigned int len)
{
	return skb_padto(skb, len);
}

unsigned int rust_helper_netdev_mc_count(const struct net_device *dev)
{
	return netdev_mc_count(dev);
}

bool rust_helper_rnet_skb_csum_partial(const struct sk_buff *skb, u32 *start,
				       u32 *offset)
{
	if (skb->ip_summed != CHECKSUM_PARTIAL)
		return false;
	*start = skb_checksum_start_offset(skb);
	*offset = skb->csum_offset;
	return true;
}

void rust_helper_rnet_skb_set_csum_unnecessary(struct sk_buff *skb)
{
	skb->ip_summed = CHECKSUM_UNNECESSARY;
}

void rust_helper_dev_hold(struct net_device *dev)
{
	dev_hold(dev);
}

void rust_helper_dev_put(struct net_device *dev)
{
	dev_put(dev);
}

void rust_helper_rnet_eth_type_trans(struct sk_buff *skb,
				     struct net_device *dev)
{
	skb->protocol = eth_type_trans(skb, dev);
}

const u8 *rust_helper_rnet_sockaddr_data(const struct sockaddr *sa)
{
	return (const u8 *)sa->sa_data;
}

void rust_helper_netif_tx_disable(struct net_device *dev)
{
	netif_tx_disable(dev);
}
