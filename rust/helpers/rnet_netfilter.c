// SPDX-License-Identifier: GPL-2.0

#include <linux/netfilter.h>
#include <linux/skbuff.h>
#include <net/dst.h>
#include <net/sock.h>
#include <net/xfrm.h>

/*
 * A packet a netfilter hook steals leaves the hook's RCU section and its
 * namespace's care: drop what it points to without a reference of its
 * own (an early-demuxed socket, a noref route, the input device) and
 * what would keep its namespace's state busy (conntrack, secpath).
 */
void rust_helper_rnet_nf_steal_prepare(struct sk_buff *skb)
{
	skb_orphan(skb);
	skb_dst_drop(skb);
	nf_reset_ct(skb);
	secpath_reset(skb);
	skb->dev = NULL;
}
