// SPDX-License-Identifier: GPL-2.0

#include <linux/etherdevice.h>
#include <linux/ethtool.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <linux/skbuff.h>
#include <net/ip6_checksum.h>
#include <net/tcp.h>

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

bool rust_helper_netif_running(const struct net_device *dev)
{
	return netif_running(dev);
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

/*
 * For a CHECKSUM_PARTIAL buffer: where the checksum starts and goes, and
 * whether the transport is TCP. Only such a buffer has network and
 * transport headers the stack set, so no other buffer's headers are read.
 */
bool rust_helper_skb_is_gso(const struct sk_buff *skb)
{
	return skb_is_gso(skb);
}

static bool rnet_skb_nh_fits(const struct sk_buff *skb, unsigned int len)
{
	int nh = skb_network_offset(skb);

	return nh >= 0 && nh + len <= skb_headlen(skb);
}

bool rust_helper_rnet_skb_csum_partial(const struct sk_buff *skb, u32 *start,
				       u32 *offset, bool *tcp)
{
	if (skb->ip_summed != CHECKSUM_PARTIAL)
		return false;
	*start = skb_checksum_start_offset(skb);
	*offset = skb->csum_offset;
	*tcp = false;
	/* The network header is read only where it lies in the linear data. */
	switch (skb->protocol) {
	case htons(ETH_P_IP):
		if (rnet_skb_nh_fits(skb, sizeof(struct iphdr)))
			*tcp = ip_hdr(skb)->protocol == IPPROTO_TCP;
		break;
	case htons(ETH_P_IPV6):
		if (rnet_skb_nh_fits(skb, sizeof(struct ipv6hdr)))
			*tcp = ipv6_hdr(skb)->nexthdr == IPPROTO_TCP;
		break;
	}
	return true;
}

/*
 * skb_checksum_help() for a CHECKSUM_PARTIAL buffer whose checksum start and
 * field lie in the linear data, and that is not GSO: -EINVAL otherwise,
 * where skb_checksum_help() would warn (or compute a huge offset from a
 * start before the data).
 */
int rust_helper_rnet_skb_checksum_help(struct sk_buff *skb)
{
	int start;

	if (skb->ip_summed != CHECKSUM_PARTIAL || skb_is_gso(skb))
		return -EINVAL;
	/* Another holder's buffer (pktgen's) must not be expanded. */
	if (skb_shared(skb))
		return -EBUSY;
	start = skb_checksum_start_offset(skb);
	if (start < 0 || start >= skb_headlen(skb) ||
	    start + skb->csum_offset + sizeof(__sum16) > skb_headlen(skb))
		return -EINVAL;
	return skb_checksum_help(skb);
}

bool rust_helper_skb_cloned(const struct sk_buff *skb)
{
	return skb_cloned(skb);
}

bool rust_helper_skb_has_frag_list(const struct sk_buff *skb)
{
	return skb_has_frag_list(skb);
}

void *rust_helper_skb_put_zero(struct sk_buff *skb, unsigned int len)
{
	return skb_put_zero(skb, len);
}

struct sk_buff *rust_helper_alloc_skb(unsigned int size, gfp_t priority)
{
	return alloc_skb(size, priority);
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

netdev_features_t rust_helper_rnet_netdev_features(const struct net_device *dev)
{
	return READ_ONCE(dev->features);
}

void rust_helper_rnet_netdev_set_features(struct net_device *dev,
					  netdev_features_t hw,
					  netdev_features_t on)
{
	WRITE_ONCE(dev->hw_features, hw);
	WRITE_ONCE(dev->features, on);
}

/* netdev_copy_name(), which modules cannot call directly. */
void rust_helper_rnet_netdev_copy_name(struct net_device *dev, char *name)
{
	netdev_copy_name(dev, name);
}

unsigned int rust_helper_rnet_netdev_flags(const struct net_device *dev)
{
	return READ_ONCE(dev->flags);
}

int rust_helper_rnet_netdev_mc_count(const struct net_device *dev)
{
	return READ_ONCE(dev->mc.count);
}

/*
 * napi_gro_receive() for a buffer that may come from anywhere: it is
 * received on @napi's device, whatever skb->dev said (possibly nothing, or
 * a device that is gone), with no socket, route or transmit offload state.
 */
void rust_helper_rnet_napi_gro_receive(struct napi_struct *napi,
				       struct sk_buff *skb)
{
	/*
	 * GRO compares the Ethernet headers of held packets (and taps push
	 * back to the MAC header): a buffer without one is dropped. GRO also
	 * takes the buffer as the driver's alone (it steals its head and
	 * frees it ignoring other references): a shared or cloned one (a
	 * transmitted buffer fed back, say) is dropped too, which releases
	 * only this reference.
	 */
	if (!skb_mac_header_was_set(skb) || skb_shared(skb) || skb_cloned(skb)) {
		kfree_skb_reason(skb, SKB_DROP_REASON_DEV_HDR);
		return;
	}
	skb_orphan(skb);
	skb_dst_drop(skb);
	/*
	 * A transmit path's offload requests (a buffer emptied and reused)
	 * mean nothing on receive: CHECKSUM_PARTIAL would skip the checksum
	 * check, and warn if forwarded with its start past the data.
	 */
	if (skb->ip_summed == CHECKSUM_PARTIAL)
		skb->ip_summed = CHECKSUM_NONE;
	if (skb_is_gso(skb))
		skb_gso_reset(skb);
	skb->dev = napi->dev;
	napi_gro_receive(napi, skb);
}

/*
 * The buffers a Rust driver's start_xmit gets are its own: no pktgen-style
 * sharing of one buffer between several transmissions.
 */
void rust_helper_rnet_netdev_no_tx_sharing(struct net_device *dev)
{
	dev->priv_flags &= ~IFF_TX_SKB_SHARING;
}

unsigned int rust_helper_rnet_skb_nr_frags(const struct sk_buff *skb)
{
	return skb_shinfo(skb)->nr_frags;
}

dma_addr_t rust_helper_rnet_skb_frag_dma_map(struct device *dev,
					     const struct sk_buff *skb,
					     unsigned int i, unsigned int *len)
{
	const skb_frag_t *frag = &skb_shinfo(skb)->frags[i];

	*len = skb_frag_size(frag);
	return skb_frag_dma_map(dev, frag, 0, *len, DMA_TO_DEVICE);
}

/*
 * For a TCP segmentation offload buffer: the segment size, the number of
 * segments and whether the network header is IPv4. Returns false for any
 * other buffer.
 */
bool rust_helper_rnet_skb_tcp_gso(const struct sk_buff *skb, u32 *mss,
				  u32 *segs, bool *ipv4)
{
	const struct skb_shared_info *shinfo = skb_shinfo(skb);

	if (!skb_is_gso(skb) ||
	    !(shinfo->gso_type & (SKB_GSO_TCPV4 | SKB_GSO_TCPV6)))
		return false;
	*mss = shinfo->gso_size;
	*segs = shinfo->gso_segs;
	*ipv4 = shinfo->gso_type & SKB_GSO_TCPV4;
	return true;
}

/*
 * For tests of what refuses a segmentation offload buffer: marks @skb as a
 * TCPv4 one of @mss-byte segments. The shared info is written, so a
 * buffer whose data another holder may read (cloned or shared) is refused.
 */
int rust_helper_rnet_skb_mark_tcp_gso(struct sk_buff *skb, u16 mss)
{
	if (!mss)
		return -EINVAL;
	if (skb_cloned(skb) || skb_shared(skb))
		return -EBUSY;
	skb_shinfo(skb)->gso_size = mss;
	skb_shinfo(skb)->gso_segs = 1;
	skb_shinfo(skb)->gso_type = SKB_GSO_TCPV4;
	return 0;
}

/*
 * Prepares the headers of a TCP segmentation offload buffer the way the
 * hardware expects: the IPv4 length and checksum zeroed and the TCP
 * checksum seeded with the pseudo-header sum (without the length). Gives
 * the offsets of the network and transport headers and the length of all
 * headers, or a negative errno.
 */
int rust_helper_rnet_skb_tso_prepare(struct sk_buff *skb, u32 *nh, u32 *th,
				     u32 *hdr_len)
{
	bool v4 = skb_shinfo(skb)->gso_type & SKB_GSO_TCPV4;
	int th_off = skb_transport_offset(skb);
	int err;

	/* Another holder's buffer (pktgen's) must not be expanded. */
	if (skb_shared(skb))
		return -EBUSY;
	/* Headers that are not in the linear data, in order: refused. */
	if (!rnet_skb_nh_fits(skb, v4 ? sizeof(struct iphdr) : sizeof(struct ipv6hdr)) ||
	    th_off < skb_network_offset(skb) ||
	    th_off + sizeof(struct tcphdr) > skb_headlen(skb) ||
	    skb_tcp_all_headers(skb) > skb_headlen(skb))
		return -EINVAL;
	err = skb_cow_head(skb, 0);
	if (err)
		return err;
	if (v4) {
		struct iphdr *iph = ip_hdr(skb);

		iph->tot_len = 0;
		iph->check = 0;
		tcp_hdr(skb)->check = ~csum_tcpudp_magic(iph->saddr, iph->daddr,
							 0, IPPROTO_TCP, 0);
	} else {
		tcp_v6_gso_csum_prep(skb);
	}
	*nh = skb_network_offset(skb);
	*th = skb_transport_offset(skb);
	*hdr_len = skb_tcp_all_headers(skb);
	return 0;
}

void *rust_helper_skb_put_data(struct sk_buff *skb, const void *data,
			       unsigned int len)
{
	return skb_put_data(skb, data, len);
}

/* The NAPI context after @prev on @dev's list (the first for NULL), or NULL. */
struct napi_struct *rust_helper_rnet_netdev_napi_next(struct net_device *dev,
						      struct napi_struct *prev)
{
	struct list_head *next = prev ? prev->dev_list.next : dev->napi_list.next;

	if (next == &dev->napi_list)
		return NULL;
	return list_entry(next, struct napi_struct, dev_list);
}

bool rust_helper_rnet_netdev_registered(const struct net_device *dev)
{
	return READ_ONCE(dev->reg_state) == NETREG_REGISTERED;
}

void rust_helper_local_bh_disable(void)
{
	local_bh_disable();
}

void rust_helper_local_bh_enable(void)
{
	local_bh_enable();
}

/* rtnl_lock() and rtnl_unlock(), for kernel::net::dev::RtnlGuard. */
void rust_helper_rnet_rtnl_lock(void)
{
	rtnl_lock();
}

void rust_helper_rnet_rtnl_unlock(void)
{
	rtnl_unlock();
}

bool rust_helper_rnet_skb_shared(const struct sk_buff *skb)
{
	return skb_shared(skb);
}

/*
 * Operations for a device leaked because references to it outlived its
 * driver: nothing of the module that made it is called any more.
 */
static const struct net_device_ops rnet_leaked_netdev_ops = {};
static const struct ethtool_ops rnet_leaked_ethtool_ops = {};

void rust_helper_rnet_netdev_orphan_ops(struct net_device *dev)
{
	dev->netdev_ops = &rnet_leaked_netdev_ops;
	dev->ethtool_ops = &rnet_leaked_ethtool_ops;
}
