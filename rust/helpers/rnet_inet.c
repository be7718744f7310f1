// SPDX-License-Identifier: GPL-2.0

#include <linux/delay.h>
#include <linux/err.h>
#include <linux/inet_diag.h>
#include <linux/module.h>
#include <linux/net.h>
#include <linux/percpu.h>
#include <linux/poll.h>
#include <linux/random.h>
#include <linux/security.h>
#include <linux/slab.h>
#include <linux/sockptr.h>
#include <linux/uaccess.h>
#include <net/dst_metadata.h>
#include <net/icmp.h>
#include <net/inet_common.h>
#include <net/inet_connection_sock.h>
#include <net/inet_hashtables.h>
#include <net/inet_timewait_sock.h>
#include <net/inet6_connection_sock.h>
#include <net/inet6_hashtables.h>
#include <net/ip.h>
#include <net/ip6_checksum.h>
#include <net/ip6_route.h>
#include <net/ipv6.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>
#include <net/protocol.h>
#include <net/request_sock.h>
#include <net/route.h>
#include <net/rps.h>
#include <net/sock.h>
#include <net/tcp_states.h>
#include <net/transp_v6.h>
#include <net/xfrm.h>

/*
 * IPv6 needs the INET6 core in the kernel image, as these helpers are: a
 * modular IPv6 leaves the protocols IPv4-only.
 */
#define RNET_INET6 IS_BUILTIN(CONFIG_IPV6)

/*
 * An INET protocol module written in Rust (kernel::net::inet): its proto,
 * proto_ops, inet_protosw and net_protocol, its own hash tables and
 * timewait death row, the per-CPU orphan count and one raw control socket
 * per namespace, all in one allocation. Rust fills the proto template with
 * its methods (the INET ones are set here, as the C connection-oriented
 * protocols set them) and the proto_ops, which are INET's and the two
 * helpers below.
 *
 * Teardown is in two halves. Dropping the Rust registration unregisters
 * the protosw first (no new socket), then the protocol handler (no new
 * packet). The rest (control sockets, hash tables, proto and its slab) is
 * released by the module scope when the module goes: its count is zero
 * then, and every socket of the proto holds one (sk_prot_alloc), so no
 * socket is left that could use them.
 */
struct rnet_inet_proto {
	struct rnet_scope_entry scope;
	struct proto prot;
	const struct proto_ops *ops;
	struct inet_protosw protosw;
	struct net_protocol netproto;
#if RNET_INET6
	/* The IPv6 sockets' (AF_INET6): the same methods, INET6's calls. */
	struct proto prot6;
	const struct proto_ops *ops6;
	struct inet_protosw protosw6;
	struct inet6_protocol netproto6;
	struct request_sock_ops rsk_ops6;
	struct timewait_sock_ops twsk_ops6;
#endif
	struct inet_hashinfo hashinfo;
	struct inet_timewait_death_row death_row;
	struct request_sock_ops rsk_ops;
	struct timewait_sock_ops twsk_ops;
	struct inet_diag_handler diag;
	int slot;
	bool v6;	/* IPv6 registered too (not booted with ipv6.disable=1) */
	int (*listen_start)(struct sock *sk);
	void (*write_timer)(struct sock *sk);
	void (*delack_timer)(struct sock *sk);
	int (*send_response)(struct request_sock *req);
	int (*send_data)(struct sock *sk, struct sk_buff *skb);
	bool (*icmp_sent)(struct sock *sk, const void *hdr, unsigned int len);
	void (*icmp_err)(struct sock *sk, int err);
	unsigned int data_overhead;
	unsigned int tx_qlen;
	unsigned int txq_offset;
	int sol;
	int scm_priority;
	unsigned int data_offset;
	unsigned int data_size;
	unsigned int req_size;
	char bb_name[48];
	char bb2_name[48];
	int steps;
};

/*
 * A socket's send queue settings, between its INET part and the
 * protocol's state (at txq_offset): the most messages it holds (0: no
 * limit), and whether it is a priority queue, where the message of the
 * highest priority goes first and a full queue drops its lowest one to
 * take a new one. Written under the socket lock, read locklessly by poll.
 */
struct rnet_inet_txq {
	u32 qlen;
	u32 prio;
};

/* The headroom IP output needs under a transport header. */
#define RNET_INET_IP_ROOM (MAX_HEADER + sizeof(struct iphdr) + MAX_IPOPTLEN)

enum {
	RNET_INET_HASH = 1,
	RNET_INET_PROTO = 2,
	RNET_INET_PERNET = 4,
	RNET_INET_ADDED = 8,
	RNET_INET_PROTOSW = 16,
	RNET_INET_SCOPE = 32,
	RNET_INET_DIAG = 64,
	RNET_INET_PROTO6 = 128,
	RNET_INET_ADDED6 = 256,
	RNET_INET_PROTOSW6 = 512,
	/* The protosws wait for the module to be live. */
	RNET_INET_PENDING = 1024,
};

/*
 * The registration of a socket of one (an IPv6 socket's proto is prot6:
 * its family stays AF_INET6 for life).
 */
static struct rnet_inet_proto *rnet_inet_of(const struct sock *sk)
{
#if RNET_INET6
	if (sk->sk_family == AF_INET6)
		return container_of(sk->sk_prot, struct rnet_inet_proto, prot6);
#endif
	return container_of(sk->sk_prot, struct rnet_inet_proto, prot);
}

/* Whether @sk is an IPv6 socket (AF_INET6: prot6, INET6's socket calls). */
static bool rnet_inet_is6(const struct sock *sk)
{
	return RNET_INET6 && sk->sk_family == AF_INET6;
}

/*
 * Whether @sk speaks IPv6 on the wire: an IPv6 socket whose peer (if it
 * has one) is not IPv4-mapped. A mapped one speaks IPv4, through the
 * IPv4 fields of its inet_sock, as a TCP socket with ipv6_mapped does.
 */
static bool rnet_inet_wire6(const struct sock *sk)
{
	return rnet_inet_is6(sk) && !ipv6_addr_v4mapped(&sk->sk_v6_daddr);
}

/*
 * Whether the full socket @sk, found for a packet whose family's proto of
 * @p is @prot, is one of @p's that speaks that family: of @prot, not an
 * IPv4-mapped one for IPv6; for IPv4, also a dual-stack IPv6 listener or
 * an IPv4-mapped IPv6 socket. (The tables match on ports and the IPv4
 * address fields only, which an IPv6 socket fills with a placeholder:
 * the family a socket speaks is checked here.)
 */
static bool rnet_inet_prot_ok(struct rnet_inet_proto *p, const struct sock *sk,
			      const struct proto *prot)
{
#if RNET_INET6
	bool mapped = ipv6_addr_v4mapped(&sk->sk_v6_daddr);

	if (sk->sk_prot == &p->prot6) {
		if (sk->sk_state == TCP_LISTEN)
			return prot == &p->prot6 || !ipv6_only_sock(sk);
		return prot == &p->prot6 ? !mapped : mapped;
	}
#endif
	return sk->sk_prot == prot;
}

/* Whether @skb came in over IPv6. */
static bool rnet_skb_is6(const struct sk_buff *skb)
{
	return RNET_INET6 && skb->protocol == htons(ETH_P_IPV6);
}

/*
 * A request socket (a connection in its handshake, before it has a full
 * socket): INET's, a lock for the protocol's state, and that state. The
 * listener is lockless for requests (as TCP's): the receive path and the
 * retransmission timer may reach one request on two CPUs at once.
 */
struct rnet_inet_request_sock {
	struct inet_request_sock ireq;
	spinlock_t lock;	/* the protocol's state, which follows */
};

#define RNET_INET_REQ_DATA ALIGN(sizeof(struct rnet_inet_request_sock), 8)

static struct rnet_inet_request_sock *rnet_rsk(struct request_sock *req)
{
	return container_of(inet_rsk(req), struct rnet_inet_request_sock, ireq);
}

/* The protocol's state in a request socket. */
void *rust_helper_rnet_inet_req_data(struct request_sock *req)
{
	return (char *)req + RNET_INET_REQ_DATA;
}

void rust_helper_rnet_inet_req_lock(struct request_sock *req)
{
	spin_lock_bh(&rnet_rsk(req)->lock);
}

void rust_helper_rnet_inet_req_unlock(struct request_sock *req)
{
	spin_unlock_bh(&rnet_rsk(req)->lock);
}

void rust_helper_rnet_inet_req_put(struct request_sock *req)
{
	reqsk_put(req);
}

/*
 * request_sock_ops.rtx_syn_ack: the protocol's answer, under the lock. A
 * lock held elsewhere skips this one: its holder may be waiting for this
 * very timer to stop (dropping or completing the request).
 */
static int rnet_inet_rtx_response(const struct sock *sk,
				  struct request_sock *req)
{
	struct rnet_inet_proto *p = rnet_inet_of(sk);
	int err;

	if (!spin_trylock_bh(&rnet_rsk(req)->lock))
		return 0;
	err = p->send_response(req);
	spin_unlock_bh(&rnet_rsk(req)->lock);
	return err;
}

static void rnet_inet_syn_ack_timeout(const struct request_sock *req)
{
}

/* The protocol's request state is plain data: nothing to release. */
static void rnet_inet_req_destructor(struct request_sock *req)
{
}

/*
 * pernet_operations carry no private pointer, so each registration takes
 * one of a few slots, each with its own init and exit functions.
 */
#define RNET_INET_SLOTS 4
static struct rnet_inet_proto *rnet_inet_slots[RNET_INET_SLOTS];
/*
 * The registrations receiving packets, read under RCU by the receive path
 * (lookups, control replies); cleared, and a grace period waited for,
 * when a registration stops.
 */
static struct rnet_inet_proto __rcu *rnet_inet_live[RNET_INET_SLOTS];
static unsigned int rnet_inet_net_ids[RNET_INET_SLOTS];
static DEFINE_MUTEX(rnet_inet_slot_lock);

static struct rnet_inet_proto *rnet_inet_live_for(u8 protocol);
#if RNET_INET6
static void rnet_inet6_templates(struct rnet_inet_proto *p, const char *name);
static int rnet_inet6_err(struct sk_buff *skb, struct inet6_skb_parm *opt,
			  u8 type, u8 code, int offset, __be32 info);
#endif

/*
 * The control socket replies to packets with no socket are sent from: a
 * raw socket, as TCP makes its own; inet_ctl_sock_create() unhashes it, so
 * it never receives.
 */
static int rnet_inet_net_init(struct net *net, int slot)
{
	struct rnet_inet_proto *p = rnet_inet_slots[slot];
	struct sock **ctl = net_generic(net, rnet_inet_net_ids[p->slot]);
	int err;

	err = inet_ctl_sock_create(&ctl[0], PF_INET, SOCK_RAW,
				   p->protosw.protocol, net);
	if (err || !p->v6)
		return err;
	/* The IPv6 one (TCP's is made the same way). */
	err = inet_ctl_sock_create(&ctl[1], PF_INET6, SOCK_RAW,
				   p->protosw.protocol, net);
	if (err) {
		inet_ctl_sock_destroy(ctl[0]);
		ctl[0] = NULL;
	}
	return err;
}

static void rnet_inet_net_exit(struct net *net, int slot)
{
	struct rnet_inet_proto *p = rnet_inet_slots[slot];
	struct sock **ctl = net_generic(net, rnet_inet_net_ids[p->slot]);

	inet_ctl_sock_destroy(ctl[0]);
	ctl[0] = NULL;
	if (ctl[1])
		inet_ctl_sock_destroy(ctl[1]);
	ctl[1] = NULL;
}

static void rnet_inet_net_exit_batch(struct list_head *list, int slot)
{
	inet_twsk_purge(&rnet_inet_slots[slot]->hashinfo);
}

static int rnet_inet_init_0(struct net *net)
{
	return rnet_inet_net_init(net, 0);
}

static int rnet_inet_init_1(struct net *net)
{
	return rnet_inet_net_init(net, 1);
}

static int rnet_inet_init_2(struct net *net)
{
	return rnet_inet_net_init(net, 2);
}

static int rnet_inet_init_3(struct net *net)
{
	return rnet_inet_net_init(net, 3);
}

static void rnet_inet_exit_0(struct net *net)
{
	rnet_inet_net_exit(net, 0);
}

static void rnet_inet_exit_1(struct net *net)
{
	rnet_inet_net_exit(net, 1);
}

static void rnet_inet_exit_2(struct net *net)
{
	rnet_inet_net_exit(net, 2);
}

static void rnet_inet_exit_3(struct net *net)
{
	rnet_inet_net_exit(net, 3);
}

static void rnet_inet_exit_batch_0(struct list_head *list)
{
	rnet_inet_net_exit_batch(list, 0);
}

static void rnet_inet_exit_batch_1(struct list_head *list)
{
	rnet_inet_net_exit_batch(list, 1);
}

static void rnet_inet_exit_batch_2(struct list_head *list)
{
	rnet_inet_net_exit_batch(list, 2);
}

static void rnet_inet_exit_batch_3(struct list_head *list)
{
	rnet_inet_net_exit_batch(list, 3);
}

static struct pernet_operations rnet_inet_pernet[RNET_INET_SLOTS] = {
	{ .init = rnet_inet_init_0, .exit = rnet_inet_exit_0,
	  .exit_batch = rnet_inet_exit_batch_0, .id = &rnet_inet_net_ids[0],
	  .size = 2 * sizeof(struct sock *) },
	{ .init = rnet_inet_init_1, .exit = rnet_inet_exit_1,
	  .exit_batch = rnet_inet_exit_batch_1, .id = &rnet_inet_net_ids[1],
	  .size = 2 * sizeof(struct sock *) },
	{ .init = rnet_inet_init_2, .exit = rnet_inet_exit_2,
	  .exit_batch = rnet_inet_exit_batch_2, .id = &rnet_inet_net_ids[2],
	  .size = 2 * sizeof(struct sock *) },
	{ .init = rnet_inet_init_3, .exit = rnet_inet_exit_3,
	  .exit_batch = rnet_inet_exit_batch_3, .id = &rnet_inet_net_ids[3],
	  .size = 2 * sizeof(struct sock *) },
};

static int rnet_inet_hash_alloc(struct rnet_inet_proto *p)
{
	struct inet_hashinfo *h = &p->hashinfo;
	unsigned int i;
	int err;

	err = inet_hashinfo2_init_mod(h);
	if (err)
		return err;
	err = -ENOMEM;
	snprintf(p->bb_name, sizeof(p->bb_name), "%s_bind_bucket",
		 p->prot.name);
	snprintf(p->bb2_name, sizeof(p->bb2_name), "%s_bind2_bucket",
		 p->prot.name);
	h->bind_bucket_cachep = kmem_cache_create(p->bb_name,
						  sizeof(struct inet_bind_bucket),
						  0, SLAB_HWCACHE_ALIGN, NULL);
	if (!h->bind_bucket_cachep)
		goto out_lhash;
	h->bind2_bucket_cachep =
		kmem_cache_create(p->bb2_name, sizeof(struct inet_bind2_bucket),
				  0, SLAB_HWCACHE_ALIGN, NULL);
	if (!h->bind2_bucket_cachep)
		goto out_bb;
	/* Sizes for a test guest: 1024 connections, 512 bound ports. */
	h->ehash_mask = 1023;
	h->ehash = kvcalloc(h->ehash_mask + 1, sizeof(*h->ehash), GFP_KERNEL);
	if (!h->ehash)
		goto out_bb2;
	for (i = 0; i <= h->ehash_mask; i++)
		INIT_HLIST_NULLS_HEAD(&h->ehash[i].chain, i);
	if (inet_ehash_locks_alloc(h))
		goto out_ehash;
	h->bhash_size = 512;
	h->bhash = kvcalloc(h->bhash_size, sizeof(*h->bhash), GFP_KERNEL);
	if (!h->bhash)
		goto out_locks;
	h->bhash2 = kvcalloc(h->bhash_size, sizeof(*h->bhash2), GFP_KERNEL);
	if (!h->bhash2)
		goto out_bhash;
	for (i = 0; i < h->bhash_size; i++) {
		spin_lock_init(&h->bhash[i].lock);
		INIT_HLIST_HEAD(&h->bhash[i].chain);
		spin_lock_init(&h->bhash2[i].lock);
		INIT_HLIST_HEAD(&h->bhash2[i].chain);
	}
	h->pernet = false;
	p->death_row.hashinfo = h;
	p->death_row.sysctl_max_tw_buckets = 1024;
	refcount_set(&p->death_row.tw_refcount, 1);
	return 0;

out_bhash:
	kvfree(h->bhash);
out_locks:
	inet_ehash_locks_free(h);
out_ehash:
	kvfree(h->ehash);
out_bb2:
	kmem_cache_destroy(h->bind2_bucket_cachep);
out_bb:
	kmem_cache_destroy(h->bind_bucket_cachep);
out_lhash:
	inet_hashinfo2_free_mod(h);
	return err;
}

static void rnet_inet_hash_free(struct rnet_inet_proto *p)
{
	struct inet_hashinfo *h = &p->hashinfo;

	kvfree(h->bhash2);
	kvfree(h->bhash);
	inet_ehash_locks_free(h);
	kvfree(h->ehash);
	kmem_cache_destroy(h->bind2_bucket_cachep);
	kmem_cache_destroy(h->bind_bucket_cachep);
	inet_hashinfo2_free_mod(h);
}

/* Stops new sockets first, then new packets; both wait out their users. */
static void rnet_inet_stop(struct rnet_inet_proto *p)
{
	/* No protosw from the module notifier from now on. */
	mutex_lock(&rnet_inet_slot_lock);
	p->steps &= ~RNET_INET_PENDING;
	mutex_unlock(&rnet_inet_slot_lock);
#if RNET_INET6
	if (p->steps & RNET_INET_PROTOSW6)
		inet6_unregister_protosw(&p->protosw6);
#endif
	if (p->steps & RNET_INET_PROTOSW)
		inet_unregister_protosw(&p->protosw);
	/* A dump in progress holds the module, so the tables stay. */
	if (p->steps & RNET_INET_DIAG)
		inet_diag_unregister(&p->diag);
#if RNET_INET6
	if (p->steps & RNET_INET_ADDED6)
		inet6_del_protocol(&p->netproto6, p->protosw.protocol);
#endif
	if (p->steps & RNET_INET_ADDED) {
		inet_del_protocol(&p->netproto, p->protosw.protocol);
		RCU_INIT_POINTER(rnet_inet_live[p->slot], NULL);
		synchronize_net();
	}
	p->steps &= ~(RNET_INET_PROTOSW | RNET_INET_ADDED | RNET_INET_DIAG |
		      RNET_INET_PROTOSW6 | RNET_INET_ADDED6);
}

/* Frees the rest: no socket of the proto is left (see above). */
static void rnet_inet_free(struct rnet_inet_proto *p)
{
	rnet_inet_stop(p);
	if (p->steps & RNET_INET_PERNET)
		unregister_pernet_subsys(&rnet_inet_pernet[p->slot]);
#if RNET_INET6
	if (p->steps & RNET_INET_PROTO6)
		proto_unregister(&p->prot6);
	kfree(p->ops6);
	p->ops6 = NULL;
#endif
	if (p->steps & RNET_INET_PROTO)
		proto_unregister(&p->prot);
	if (p->steps & RNET_INET_HASH)
		rnet_inet_hash_free(p);
	free_percpu(p->prot.orphan_count);
	p->prot.orphan_count = NULL;
	kfree(p->ops);
	p->ops = NULL;
	p->steps = 0;
	mutex_lock(&rnet_inet_slot_lock);
	rnet_inet_slots[p->slot] = NULL;
	mutex_unlock(&rnet_inet_slot_lock);
}

/*
 * Called when the module goes with its registration still linked: after
 * its exit (no reference left: rmmod waited for that), or when its init
 * failed after registering. In the second case sockets made while it was
 * loading, their timewait sockets and diag dumps may still hold references
 * on it, and do_init_module() frees the module right after the GOING
 * notifiers without waiting for them: wait here until they are gone
 * (nothing new gets a reference on a going module), then free.
 */
static void rnet_inet_scope_release(void *entry)
{
	struct rnet_inet_proto *p = entry;
#ifdef CONFIG_MODULE_UNLOAD
	struct module *mod = p->prot.owner;
	unsigned int i;

	for (i = 0; mod && module_refcount(mod) > 0; i++) {
		if (i % 500 == 0)
			pr_warn("%s: loading failed with %d socket references left; waiting for them\n",
				p->prot.name, module_refcount(mod));
		msleep(20);
	}
#endif
	rnet_inet_free(p);
}

/* A connection that may carry data: OPEN, or the client's PARTOPEN. */
#define RNET_INET_PARTOPEN 14
#define RNET_INETF_DATA (TCPF_ESTABLISHED | (1 << RNET_INET_PARTOPEN))

/*
 * The largest message a connected socket (locked) sends in one packet:
 * the path MTU less the IP header and options and the protocol's data
 * overhead. A route that was dropped (an IP option changed, a reroute
 * failed) is looked up again first, as a transmit would.
 */
static int rnet_inet_mps(struct sock *sk)
{
	struct rnet_inet_proto *p = rnet_inet_of(sk);
	struct dst_entry *dst = __sk_dst_get(sk);
	bool v6 = rnet_inet_wire6(sk);
	int iph = v6 ? sizeof(struct ipv6hdr) : sizeof(struct iphdr);
	int mtu;

	if (!dst && ((1 << sk->sk_state) & RNET_INETF_DATA)) {
#if RNET_INET6
		if (v6 ? !inet6_sk_rebuild_header(sk) :
			 !inet_sk_rebuild_header(sk))
			dst = __sk_dst_get(sk);
#else
		if (!inet_sk_rebuild_header(sk))
			dst = __sk_dst_get(sk);
#endif
	}
	mtu = dst ? dst_mtu(dst) : IPV4_MIN_MTU;

	return mtu - iph - inet_csk(sk)->icsk_ext_hdr_len -
	       (int)p->data_overhead;
}

/* Whether a message of @len bytes fits in one packet of @sk. */
static bool rnet_inet_fits(struct sock *sk, size_t len)
{
	int mps = rnet_inet_mps(sk);

	return mps >= 0 && len <= mps;
}

/* Waits (locked) while a connection is being set up. */
static int rnet_inet_wait_connect(struct sock *sk, long *timeo)
{
	DEFINE_WAIT_FUNC(wait, woken_wake_function);
	int err = 0;

	add_wait_queue(sk_sleep(sk), &wait);
	while ((1 << sk->sk_state) & (TCPF_SYN_SENT | TCPF_SYN_RECV)) {
		if (!*timeo) {
			err = -EAGAIN;
			break;
		}
		if (signal_pending(current)) {
			err = sock_intr_errno(*timeo);
			break;
		}
		sk_wait_event(sk, timeo,
			      !((1 << sk->sk_state) &
				(TCPF_SYN_SENT | TCPF_SYN_RECV)), &wait);
	}
	remove_wait_queue(sk_sleep(sk), &wait);
	return err;
}

static struct rnet_inet_txq *rnet_inet_txq(const struct sock *sk)
{
	return (void *)((char *)sk + rnet_inet_of(sk)->txq_offset);
}

/* Whether the send queue holds as many messages as it may. */
static bool rnet_inet_tx_full(const struct sock *sk)
{
	u32 qlen = READ_ONCE(rnet_inet_txq(sk)->qlen);

	return qlen && skb_queue_len_lockless(&sk->sk_write_queue) >= qlen;
}

/*
 * Whether the send queue takes another message: always for a protocol
 * that does not queue (tx_qlen 0) and for a priority queue (which makes
 * room by dropping).
 */
static bool rnet_inet_tx_room(const struct sock *sk)
{
	return !rnet_inet_of(sk)->tx_qlen ||
	       READ_ONCE(rnet_inet_txq(sk)->prio) || !rnet_inet_tx_full(sk);
}

static bool rnet_inet_tx_stop(const struct sock *sk)
{
	return rnet_inet_tx_room(sk) || READ_ONCE(sk->sk_err) ||
	       (READ_ONCE(sk->sk_shutdown) & SEND_SHUTDOWN) ||
	       !((1 << READ_ONCE(sk->sk_state)) & RNET_INETF_DATA);
}

/*
 * Waits, the socket locked, until the send queue has room or the
 * connection can no longer send (the caller checks that after); -EAGAIN
 * when the timeout is zero (a non-blocking socket), or a signal's errno.
 */
static int rnet_inet_wait_room(struct sock *sk, long *timeo)
{
	DEFINE_WAIT_FUNC(wait, woken_wake_function);
	int err = 0;

	if (rnet_inet_tx_stop(sk))
		return 0;
	/* Room wakes pollers and, for O_ASYNC, sends SIGIO. */
	sk_set_bit(SOCKWQ_ASYNC_NOSPACE, sk);
	set_bit(SOCK_NOSPACE, &sk->sk_socket->flags);
	add_wait_queue(sk_sleep(sk), &wait);
	while (!rnet_inet_tx_stop(sk)) {
		if (!*timeo) {
			err = -EAGAIN;
			break;
		}
		if (signal_pending(current)) {
			err = sock_intr_errno(*timeo);
			break;
		}
		set_bit(SOCK_NOSPACE, &sk->sk_socket->flags);
		sk_wait_event(sk, timeo, rnet_inet_tx_stop(sk), &wait);
	}
	remove_wait_queue(sk_sleep(sk), &wait);
	return err;
}

/*
 * The control messages of the protocol's own level: the priority of a
 * message (a u32 in @skb->priority while it waits in a priority queue),
 * refused unless the socket has one; any other is refused. Other levels
 * are not the protocol's and are ignored.
 */
static int rnet_inet_cmsgs(struct sock *sk, struct msghdr *msg,
			   struct sk_buff *skb)
{
	const struct rnet_inet_proto *p = rnet_inet_of(sk);
	struct cmsghdr *cmsg;

	skb->priority = 0;
	if (!msg->msg_controllen)
		return 0;
	for_each_cmsghdr(cmsg, msg) {
		if (!CMSG_OK(msg, cmsg))
			return -EINVAL;
		if (!p->sol || cmsg->cmsg_level != p->sol)
			continue;
		if (!p->scm_priority || cmsg->cmsg_type != p->scm_priority ||
		    !rnet_inet_txq(sk)->prio ||
		    cmsg->cmsg_len != CMSG_LEN(sizeof(u32)))
			return -EINVAL;
		skb->priority = *(u32 *)CMSG_DATA(cmsg);
	}
	return 0;
}

/*
 * proto.sendmsg: one message, one packet. The protocol adds its header
 * and sends it, or queues it (send_data, under the socket lock); a
 * message larger than the current MPS fails with -EMSGSIZE. A protocol
 * with a send queue (tx_qlen) has sendmsg() wait for room in it, or fail
 * with -EAGAIN on a non-blocking socket. SO_SNDTIMEO bounds the waits for
 * the connection and for room together; the allocation's own wait for
 * send buffer space has a budget of its own.
 */
static int rnet_inet_sendmsg(struct sock *sk, struct msghdr *msg, size_t len)
{
	struct rnet_inet_proto *p = rnet_inet_of(sk);
	struct sk_buff *skb;
	int err, disconnects;
	long timeo;

	if (msg->msg_flags & MSG_OOB)
		return -EOPNOTSUPP;
	lock_sock(sk);
	timeo = sock_sndtimeo(sk, msg->msg_flags & MSG_DONTWAIT);
	err = rnet_inet_wait_connect(sk, &timeo);
	if (err)
		goto out;
	err = rnet_inet_wait_room(sk, &timeo);
	if (err)
		goto out;
	err = sock_error(sk);
	if (err)
		goto out;
	/* After shutdown(SHUT_WR), as sock_alloc_send_skb() says it. */
	err = -EPIPE;
	if (sk->sk_shutdown & SEND_SHUTDOWN)
		goto out;
	err = -ENOTCONN;
	if (!((1 << sk->sk_state) & RNET_INETF_DATA))
		goto out;
	err = -EMSGSIZE;
	if (!rnet_inet_fits(sk, len))
		goto out;
	disconnects = sk->sk_disconnects;
	release_sock(sk);
	skb = sock_alloc_send_skb(sk, sk->sk_prot->max_header + len,
				  msg->msg_flags & MSG_DONTWAIT, &err);
	lock_sock(sk);
	if (!skb)
		goto out;
	/* The connection or the path may have changed while we slept. */
	err = -EPIPE;
	if (disconnects != sk->sk_disconnects)
		goto discard;
	err = rnet_inet_wait_room(sk, &timeo);
	if (err)
		goto discard;
	err = -EPIPE;
	if (disconnects != sk->sk_disconnects)
		goto discard;
	err = sock_error(sk);
	if (err)
		goto discard;
	err = -EPIPE;
	if (sk->sk_shutdown & SEND_SHUTDOWN)
		goto discard;
	err = -ENOTCONN;
	if (!((1 << sk->sk_state) & RNET_INETF_DATA))
		goto discard;
	err = -EMSGSIZE;
	if (!rnet_inet_fits(sk, len))
		goto discard;
	skb_reserve(skb, sk->sk_prot->max_header);
	err = memcpy_from_msg(skb_put(skb, len), msg, len);
	if (err)
		goto discard;
	err = rnet_inet_cmsgs(sk, msg, skb);
	if (err)
		goto discard;
	skb_reset_transport_header(skb);
	err = p->send_data(sk, skb);
	goto out;
discard:
	kfree_skb(skb);
out:
	release_sock(sk);
	return err ? : len;
}

/*
 * proto.recvmsg: one packet's data per call (the rest of a longer one is
 * dropped, MSG_TRUNC); 0 once the connection ended normally.
 */
static int rnet_inet_recvmsg(struct sock *sk, struct msghdr *msg, size_t len,
			     int flags, int *addr_len)
{
	struct sk_buff *skb;
	long timeo;
	int err = 0;

	if (flags & MSG_OOB)
		return -EOPNOTSUPP;
	if (flags & MSG_ERRQUEUE)
		return rnet_inet_is6(sk) ? ipv6_recv_error(sk, msg, len, addr_len) :
					   ip_recv_error(sk, msg, len, addr_len);
	lock_sock(sk);
	timeo = sock_rcvtimeo(sk, flags & MSG_DONTWAIT);
	for (;;) {
		if (sk->sk_state == TCP_LISTEN) {
			err = -ENOTCONN;
			goto out;
		}
		skb = skb_peek(&sk->sk_receive_queue);
		if (skb)
			break;
		if (sk->sk_err) {
			err = sock_error(sk);
			goto out;
		}
		if (sk->sk_shutdown & RCV_SHUTDOWN)
			goto out;
		if (sk->sk_state == TCP_CLOSE) {
			if (!sock_flag(sk, SOCK_DONE))
				err = -ENOTCONN;
			goto out;
		}
		if (!timeo) {
			err = -EAGAIN;
			goto out;
		}
		if (signal_pending(current)) {
			err = sock_intr_errno(timeo);
			goto out;
		}
		sk_wait_data(sk, &timeo, NULL);
	}
	if (len > skb->len)
		len = skb->len;
	else if (len < skb->len)
		msg->msg_flags |= MSG_TRUNC;
	if (skb_copy_datagram_msg(skb, 0, msg, len)) {
		err = -EFAULT;
		goto out;
	}
	err = (flags & MSG_TRUNC) ? skb->len : len;
	if (!(flags & MSG_PEEK))
		sk_eat_skb(sk, skb);
out:
	release_sock(sk);
	return err;
}

/* The current MPS of a connected socket (see rnet_inet_mps()). */
int rust_helper_rnet_inet_cur_mps(struct sock *sk)
{
	return max(rnet_inet_mps(sk), 0);
}

/*
 * Queues the data of @skb, a packet @sk received with an @hlen-byte
 * header, for recvmsg(); consumes @skb. -ENOMEM when the receive buffer
 * is full (counted in sk_drops).
 */
int rust_helper_rnet_inet_queue_rcv(struct sock *sk, struct sk_buff *skb,
				    unsigned int hlen)
{
	int err;

	if (!pskb_pull(skb, hlen)) {
		kfree_skb(skb);
		return -EINVAL;
	}
	err = __sock_queue_rcv_skb(sk, skb);
	if (err)
		kfree_skb_reason(skb, SKB_DROP_REASON_SOCKET_RCVBUFF);
	return err;
}

/* Whether @sk has a peer: connecting or connected. */
static bool rnet_inet_has_peer(const struct sock *sk)
{
	if ((1 << sk->sk_state) & (TCPF_CLOSE | TCPF_LISTEN | TCPF_TIME_WAIT))
		return false;
	if (rnet_inet_wire6(sk))
		return !ipv6_addr_any(&sk->sk_v6_daddr);
	return inet_sk(sk)->inet_daddr;
}

/* IP output of @skb (transport header set) on @sk's route. */
static int rnet_inet_queue_xmit(struct sock *sk, struct sk_buff *skb)
{
	int err;

	if (rnet_inet_wire6(sk))
		err = inet6_csk_xmit(sk, skb, NULL);
	else
		err = ip_queue_xmit(sk, skb, &inet_sk(sk)->cork.fl);
	/* Not inside net_xmit_eval(), which evaluates its argument twice. */
	return net_xmit_eval(err);
}

/* Sends @skb, transport header and checksum set, on a connected socket. */
int rust_helper_rnet_inet_xmit_skb(struct sock *sk, struct sk_buff *skb)
{
	/* Only a packet of this socket, with room for IP below its header. */
	if (skb->sk != sk || skb_headroom(skb) < RNET_INET_IP_ROOM) {
		kfree_skb(skb);
		return -EINVAL;
	}
	if (!rnet_inet_has_peer(sk)) {
		kfree_skb(skb);
		return -ENOTCONN;
	}
	skb_reset_transport_header(skb);
	return rnet_inet_queue_xmit(sk, skb);
}

/*
 * The send queue of a protocol that queues messages (tx_qlen): sendmsg()'s
 * packets wait there, under the socket lock, until the protocol sends
 * them. Taking one out wakes a writer waiting for room.
 */
int rust_helper_rnet_inet_tx_enqueue(struct sock *sk, struct sk_buff *skb)
{
	/*
	 * Only this socket's packet, for a protocol with a queue, on a
	 * connection that lives on: a dead or closed socket has had its
	 * queue purged, and a packet queued then would pin it for good.
	 */
	if (skb->sk != sk || !rnet_inet_of(sk)->tx_qlen) {
		kfree_skb(skb);
		return -EINVAL;
	}
	if (sock_flag(sk, SOCK_DEAD) ||
	    ((1 << sk->sk_state) & (TCPF_CLOSE | TCPF_LISTEN | TCPF_TIME_WAIT))) {
		kfree_skb(skb);
		return -ENOTCONN;
	}
	/* A full priority queue drops its first message of lowest priority. */
	if (rnet_inet_txq(sk)->prio && rnet_inet_tx_full(sk)) {
		struct sk_buff *worst = NULL, *q;

		skb_queue_walk(&sk->sk_write_queue, q)
			if (!worst || q->priority < worst->priority)
				worst = q;
		if (worst) {
			__skb_unlink(worst, &sk->sk_write_queue);
			kfree_skb(worst);
		}
	}
	__skb_queue_tail(&sk->sk_write_queue, skb);
	return 0;
}

/*
 * Room in the send queue wakes a writer waiting for it directly:
 * sk_write_space() alone wakes sleepers only while the socket is under
 * half its send buffer, which the waiter's own packet may keep it above.
 * Then pollers and SIGIO as usual.
 */
static void rnet_inet_tx_wake(struct sock *sk)
{
	struct socket_wq *wq;

	rcu_read_lock();
	wq = rcu_dereference(sk->sk_wq);
	if (skwq_has_sleeper(wq))
		wake_up_interruptible_poll(&wq->wait, EPOLLOUT | EPOLLWRNORM |
						      EPOLLWRBAND);
	rcu_read_unlock();
	sk->sk_write_space(sk);
}

/*
 * Takes the next message out of the send queue: the oldest, or in a
 * priority queue the oldest of the highest priority.
 */
struct sk_buff *rust_helper_rnet_inet_tx_dequeue(struct sock *sk)
{
	struct sk_buff *skb = skb_peek(&sk->sk_write_queue), *q;

	if (skb && rnet_inet_txq(sk)->prio)
		skb_queue_walk(&sk->sk_write_queue, q)
			if (q->priority > skb->priority)
				skb = q;
	if (!skb)
		return NULL;
	__skb_unlink(skb, &sk->sk_write_queue);
	skb->priority = 0;
	if (rnet_inet_tx_room(sk))
		rnet_inet_tx_wake(sk);
	return skb;
}

/*
 * The send queue's settings (see struct rnet_inet_txq): -EOPNOTSUPP for a
 * protocol without a queue. A longer queue, or no limit, wakes writers
 * waiting for room.
 */
int rust_helper_rnet_inet_set_txq(struct sock *sk, u32 qlen, bool prio)
{
	struct rnet_inet_txq *q = rnet_inet_txq(sk);

	if (!rnet_inet_of(sk)->tx_qlen)
		return -EOPNOTSUPP;
	WRITE_ONCE(q->qlen, qlen);
	WRITE_ONCE(q->prio, prio);
	if (rnet_inet_tx_room(sk))
		rnet_inet_tx_wake(sk);
	return 0;
}

u32 rust_helper_rnet_inet_txq_len(const struct sock *sk)
{
	return rnet_inet_txq(sk)->qlen;
}

bool rust_helper_rnet_inet_txq_prio(const struct sock *sk)
{
	return rnet_inet_txq(sk)->prio;
}

u32 rust_helper_rnet_inet_tx_queued(const struct sock *sk)
{
	return skb_queue_len(&sk->sk_write_queue);
}

/*
 * Puts @len bytes of header before @skb's data: -ENOSPC when that would
 * eat into the room IP output needs below it.
 */
int rust_helper_rnet_skb_push_bytes(struct sk_buff *skb, const void *data,
				    unsigned int len)
{
	if (skb_cloned(skb) || skb_headroom(skb) < RNET_INET_IP_ROOM ||
	    skb_headroom(skb) - RNET_INET_IP_ROOM < len)
		return -ENOSPC;
	memcpy(skb_push(skb, len), data, len);
	return 0;
}

/* The linear data of @skb, writable: @skb is not shared or cloned. */
unsigned char *rust_helper_rnet_skb_data_mut(struct sk_buff *skb,
					     unsigned int *len)
{
	*len = skb_headlen(skb);
	return skb->data;
}

/* Copies @len bytes of a setsockopt() value. */
int rust_helper_rnet_sockptr_copy(void *dst, sockptr_t src, size_t len)
{
	return copy_from_sockptr(dst, src, len) ? -EFAULT : 0;
}

/*
 * Answers getsockopt() with @len bytes: -EINVAL when the caller's buffer
 * (*@optlen) is shorter.
 */
int rust_helper_rnet_optout_write(char __user *optval, int __user *optlen,
				  const void *data, unsigned int len)
{
	int ulen;

	if (get_user(ulen, optlen))
		return -EFAULT;
	if (ulen < 0 || ulen < len)
		return -EINVAL;
	if (copy_to_user(optval, data, len) || put_user(len, optlen))
		return -EFAULT;
	return 0;
}

/* The length of the caller's getsockopt() buffer. */
int rust_helper_rnet_optout_room(int __user *optlen, unsigned int *room)
{
	int ulen;

	if (get_user(ulen, optlen))
		return -EFAULT;
	if (ulen < 0)
		return -EINVAL;
	*room = ulen;
	return 0;
}

/* DCCP-style listen: inet_listen() takes SOCK_STREAM only. */
int rust_helper_rnet_inet_listen(struct socket *sock, int backlog)
{
	struct sock *sk = sock->sk;
	int err;

	lock_sock(sk);
	err = -EINVAL;
	if (sock->state != SS_UNCONNECTED || sock->type != sk->sk_type)
		goto out;
	WRITE_ONCE(sk->sk_max_ack_backlog, backlog);
	if (sk->sk_state != TCP_LISTEN) {
		err = -EINVAL;
		if ((1 << sk->sk_state) & ~TCPF_CLOSE)
			goto out;
		/*
		 * A reuseport group may move requests to another listener
		 * by copying them (inet_reqsk_clone()) while their state is
		 * being changed under their lock: not for this protocol.
		 */
		err = -EOPNOTSUPP;
		if (sk->sk_reuseport || rcu_access_pointer(sk->sk_reuseport_cb))
			goto out;
		err = rnet_inet_of(sk)->listen_start(sk);
		if (err)
			goto out;
		err = inet_csk_listen_start(sk);
		if (err)
			goto out;
	}
	err = 0;
out:
	release_sock(sk);
	return err;
}

/*
 * Poll for a connection-oriented datagram socket: readable with a queued
 * datagram or a pending accept, writable once connected.
 */
__poll_t rust_helper_rnet_inet_poll(struct file *file, struct socket *sock,
				    poll_table *wait)
{
	struct sock *sk = sock->sk;
	__poll_t mask = 0;
	u8 shutdown;
	int state;

	sock_poll_wait(file, sock, wait);
	state = inet_sk_state_load(sk);
	if (state == TCP_LISTEN)
		return inet_csk_listen_poll(sk);
	if (READ_ONCE(sk->sk_err))
		mask = EPOLLERR;
	shutdown = READ_ONCE(sk->sk_shutdown);
	if (shutdown == SHUTDOWN_MASK || state == TCP_CLOSE)
		mask |= EPOLLHUP;
	if (shutdown & RCV_SHUTDOWN)
		mask |= EPOLLIN | EPOLLRDNORM | EPOLLRDHUP;
	if ((1 << state) & (TCPF_SYN_SENT | TCPF_SYN_RECV))
		return mask;
	if (!skb_queue_empty_lockless(&sk->sk_receive_queue))
		mask |= EPOLLIN | EPOLLRDNORM;
	if (!(shutdown & SEND_SHUTDOWN) && ((1 << state) & RNET_INETF_DATA)) {
		if (sock_writeable(sk) && rnet_inet_tx_room(sk))
			mask |= EPOLLOUT | EPOLLWRNORM;
		else
			set_bit(SOCK_NOSPACE, &sk->sk_socket->flags);
	}
	return mask;
}

/*
 * inet_diag (ss): the protocol's sockets, requests and timewait sockets
 * from its own tables, as the INET code dumps TCP's. A dump holds the
 * module (inet_diag_lock_handler()), so the registration outlives it.
 */
static struct rnet_inet_proto *rnet_inet_diag_proto(u8 protocol)
{
	struct rnet_inet_proto *p;

	rcu_read_lock();
	p = rnet_inet_live_for(protocol);
	rcu_read_unlock();
	return p;
}

static void rnet_inet_diag_dump(struct sk_buff *skb,
				struct netlink_callback *cb,
				const struct inet_diag_req_v2 *r)
{
	struct rnet_inet_proto *p = rnet_inet_diag_proto(r->sdiag_protocol);

	if (p)
		inet_diag_dump_icsk(&p->hashinfo, skb, cb, r);
}

static int rnet_inet_diag_dump_one(struct netlink_callback *cb,
				   const struct inet_diag_req_v2 *req)
{
	struct rnet_inet_proto *p = rnet_inet_diag_proto(req->sdiag_protocol);

	if (!p)
		return -ENOENT;
	return inet_diag_dump_one_icsk(&p->hashinfo, cb, req);
}

/* The queues, as TCP shows them: a listener's are its accept queue. */
static void rnet_inet_diag_get_info(struct sock *sk, struct inet_diag_msg *r,
				    void *info)
{
	if (inet_sk_state_load(sk) == TCP_LISTEN) {
		r->idiag_rqueue = READ_ONCE(sk->sk_ack_backlog);
		r->idiag_wqueue = READ_ONCE(sk->sk_max_ack_backlog);
	} else {
		r->idiag_rqueue = sk_rmem_alloc_get(sk);
		r->idiag_wqueue = sk_wmem_alloc_get(sk);
	}
}

/*
 * Whether @level is IP's for @sk: SOL_IP, and SOL_IPV6 on an IPv6
 * socket. Such options go to IP (rnet_inet_ip_setsockopt()).
 */
bool rust_helper_rnet_inet_ip_level(const struct sock *sk, int level)
{
	return level == SOL_IP || (rnet_inet_is6(sk) && level == SOL_IPV6);
}

int rust_helper_rnet_inet_ip_setsockopt(struct sock *sk, int level, int name,
					sockptr_t val, unsigned int len)
{
	if (rnet_inet_is6(sk) && level == SOL_IPV6)
		return ipv6_setsockopt(sk, level, name, val, len);
	if (level != SOL_IP)
		return -ENOPROTOOPT;
	return ip_setsockopt(sk, level, name, val, len);
}

int rust_helper_rnet_inet_ip_getsockopt(struct sock *sk, int level, int name,
					char __user *val, int __user *len)
{
	if (rnet_inet_is6(sk) && level == SOL_IPV6)
		return ipv6_getsockopt(sk, level, name, val, len);
	if (level != SOL_IP)
		return -ENOPROTOOPT;
	return ip_getsockopt(sk, level, name, val, len);
}

#if RNET_INET6
/* Room for IPv6 (with some extension headers) and the link. */
#define RNET_INET6_IP_ROOM (MAX_HEADER + sizeof(struct ipv6hdr) + 64)

/*
 * The IPv6 proto, proto_ops, protosw and handler of @p, from its IPv4
 * ones (set up first): the same methods, INET6's socket calls, room for
 * the socket's ipv6_pinfo after the protocol's state, the same tables.
 * p->ops6 stays NULL if out of memory.
 */
static void rnet_inet6_templates(struct rnet_inet_proto *p, const char *name)
{
	unsigned int pinfo = ALIGN(p->prot.obj_size,
				   __alignof__(struct ipv6_pinfo));
	const struct proto_ops *o = p->ops;
	const struct proto_ops ops = {
		.family = PF_INET6,
		.owner = o->owner,
		.release = inet6_release,
		.bind = inet6_bind,
		.connect = o->connect,
		.socketpair = o->socketpair,
		.accept = o->accept,
		.getname = inet6_getname,
		.poll = o->poll,
		.ioctl = inet6_ioctl,
		.gettstamp = o->gettstamp,
		.listen = o->listen,
		.shutdown = o->shutdown,
		.setsockopt = o->setsockopt,
		.getsockopt = o->getsockopt,
		.sendmsg = inet6_sendmsg,
		.recvmsg = o->recvmsg,
		.mmap = o->mmap,
	};

	p->prot6 = p->prot;
	snprintf(p->prot6.name, sizeof(p->prot6.name), "%sv6", name);
	p->prot6.obj_size = pinfo + sizeof(struct ipv6_pinfo);
	p->prot6.ipv6_pinfo_offset = pinfo;
	p->prot6.max_header = p->prot.max_header - RNET_INET_IP_ROOM +
			      max_t(unsigned int, RNET_INET_IP_ROOM,
				    RNET_INET6_IP_ROOM);
	p->prot6.hash = inet6_hash;
	p->prot6.rsk_prot = &p->rsk_ops6;
	p->prot6.twsk_prot = &p->twsk_ops6;
	/* Its own list entry, filled by proto_register(). */
	INIT_LIST_HEAD(&p->prot6.node);

	p->rsk_ops6 = p->rsk_ops;
	p->rsk_ops6.family = PF_INET6;
	p->twsk_ops6 = p->twsk_ops;

	p->netproto6.handler = p->netproto.handler;
	p->netproto6.err_handler = rnet_inet6_err;
	p->netproto6.flags = INET6_PROTO_NOPOLICY | INET6_PROTO_FINAL;

	p->ops6 = kmemdup(&ops, sizeof(ops), GFP_KERNEL);
	p->protosw6 = p->protosw;
	p->protosw6.prot = &p->prot6;
	p->protosw6.ops = p->ops6;
}
#endif

/*
 * Registers the protosws of @p, which make socket() reach the protocol
 * (under rnet_inet_slot_lock): 0, or -EBUSY when the type is held by a
 * permanent entry (inet_register_protosw only logs that).
 */
static int rnet_inet_open(struct rnet_inet_proto *p)
{
	inet_register_protosw(&p->protosw);
	if (!p->protosw.list.next)
		return -EBUSY;
	p->steps |= RNET_INET_PROTOSW;
#if RNET_INET6
	/*
	 * Cannot fail here: it refuses only a permanent entry of this
	 * protocol (and type), whose protocol slots would have been taken
	 * before. Were it to fail, IPv4 sockets made in between would
	 * outlive the proto: hence the warning.
	 */
	if (p->v6) {
		if (WARN_ON_ONCE(inet6_register_protosw(&p->protosw6)))
			return -EBUSY;
		p->steps |= RNET_INET_PROTOSW6;
	}
#endif
	return 0;
}

/*
 * @mod became live (from the module notifier in rnet_timer.c): the
 * protosws its registrations made while it was loading, unless dropped.
 */
static void rnet_inet_module_live(struct module *mod)
{
	struct rnet_inet_proto *p;
	int i;

	mutex_lock(&rnet_inet_slot_lock);
	for (i = 0; i < RNET_INET_SLOTS; i++) {
		p = rnet_inet_slots[i];
		if (!p || p->prot.owner != mod ||
		    !(p->steps & RNET_INET_PENDING))
			continue;
		p->steps &= ~RNET_INET_PENDING;
		if (rnet_inet_open(p))
			pr_err("%s: socket type %d of protocol %d is taken: no sockets\n",
			       p->prot.name, p->protosw.type,
			       p->protosw.protocol);
	}
	mutex_unlock(&rnet_inet_slot_lock);
}

/*
 * Registers a protocol from Rust's templates: hash tables, the proto and
 * its slab, the control sockets, the protocol handler and, last, the
 * protosw that makes socket() reach it. A taken protocol slot (another
 * module's handler) fails with -EBUSY and leaves nothing registered.
 */
void *rust_helper_rnet_inet_register(const struct proto *prot,
				     const struct proto_ops *ops,
				     const struct net_protocol *netproto,
				     int (*listen_start)(struct sock *sk),
				     void (*write_timer)(struct sock *sk),
				     void (*delack_timer)(struct sock *sk),
				     int (*send_response)(struct request_sock *req),
				     int (*send_data)(struct sock *sk,
						      struct sk_buff *skb),
				     bool (*icmp_sent)(struct sock *sk,
						       const void *hdr,
						       unsigned int len),
				     void (*icmp_err)(struct sock *sk, int err),
				     unsigned int data_overhead,
				     unsigned int tx_qlen,
				     unsigned int req_size,
				     short type, u8 protocol,
				     struct module *owner,
				     unsigned int data_offset,
				     unsigned int txq_offset,
				     int sol, int scm_priority,
				     const size_t *sizes)
{
	struct rnet_inet_proto *p;
	int err, slot;

	/*
	 * Rust's view of the C structures (bindgen's layout) must be C's,
	 * and its state must not overlap the C socket.
	 */
	if (sizes[0] != sizeof(struct proto) ||
	    sizes[1] != sizeof(*p->ops) ||
	    sizes[2] != sizeof(struct net_protocol) ||
	    sizes[3] != sizeof(struct inet_connection_sock) ||
	    txq_offset < sizeof(struct inet_connection_sock) ||
	    !IS_ALIGNED(txq_offset, __alignof__(struct rnet_inet_txq)) ||
	    data_offset < sizeof(struct rnet_inet_txq) ||
	    txq_offset > data_offset - sizeof(struct rnet_inet_txq) ||
	    prot->obj_size < data_offset || req_size > PAGE_SIZE) {
		pr_err("%s: layout mismatch between Rust and C\n", prot->name);
		return ERR_PTR(-EINVAL);
	}
	/*
	 * Only with the C DCCP configured does the INET core use a
	 * protocol's own tables (tcp_or_dccp_get_hashinfo()); without, the
	 * sockets would land in TCP's.
	 */
	if (!IS_ENABLED(CONFIG_IP_DCCP))
		return ERR_PTR(-EOPNOTSUPP);
	/*
	 * A transport header of at most 1020 bytes (room for IP and the link
	 * is added below); a socket type inet_register_protosw() takes (it
	 * only logs the others); a real protocol number.
	 */
	if (prot->max_header < 0 || prot->max_header > 1020 ||
	    data_overhead > 1020 || tx_qlen > 1024 ||
	    type <= 0 || type >= SOCK_MAX ||
	    type == SOCK_RAW || type == SOCK_PACKET || !protocol ||
	    protocol == IPPROTO_RAW)
		return ERR_PTR(-EINVAL);

	p = kzalloc(sizeof(*p), GFP_KERNEL);
	if (!p)
		return ERR_PTR(-ENOMEM);
	mutex_lock(&rnet_inet_slot_lock);
	for (slot = 0; slot < RNET_INET_SLOTS; slot++)
		if (!rnet_inet_slots[slot])
			break;
	if (slot < RNET_INET_SLOTS)
		rnet_inet_slots[slot] = p;
	mutex_unlock(&rnet_inet_slot_lock);
	if (slot == RNET_INET_SLOTS) {
		kfree(p);
		return ERR_PTR(-ENOSPC);
	}
	p->slot = slot;
	p->listen_start = listen_start;
	p->write_timer = write_timer;
	p->delack_timer = delack_timer;
	p->send_response = send_response;
	p->send_data = send_data;
	p->icmp_sent = icmp_sent;
	p->icmp_err = icmp_err;
	p->data_overhead = data_overhead;
	p->tx_qlen = tx_qlen;
	p->txq_offset = txq_offset;
	p->sol = sol;
	p->scm_priority = scm_priority;
	p->data_offset = data_offset;
	p->data_size = prot->obj_size - data_offset;
	p->req_size = req_size;

	p->rsk_ops.family = PF_INET;
	p->rsk_ops.obj_size = RNET_INET_REQ_DATA + req_size;
	p->rsk_ops.rtx_syn_ack = rnet_inet_rtx_response;
	p->rsk_ops.syn_ack_timeout = rnet_inet_syn_ack_timeout;
	p->rsk_ops.destructor = rnet_inet_req_destructor;
	p->twsk_ops.twsk_obj_size = sizeof(struct inet_timewait_sock);
	p->diag.owner = owner;
	p->diag.dump = rnet_inet_diag_dump;
	p->diag.dump_one = rnet_inet_diag_dump_one;
	p->diag.idiag_get_info = rnet_inet_diag_get_info;
	p->diag.idiag_type = protocol;

	p->prot = *prot;
	/* Room for the protocol, IP with options, and the link. */
	p->prot.max_header = prot->max_header + RNET_INET_IP_ROOM;
	p->prot.owner = owner;
	p->prot.hash = inet_hash;
	p->prot.unhash = inet_unhash;
	p->prot.get_port = inet_csk_get_port;
	p->prot.accept = inet_csk_accept;
	p->prot.slab_flags = SLAB_TYPESAFE_BY_RCU;
	p->prot.h.hashinfo = &p->hashinfo;
	p->prot.rsk_prot = &p->rsk_ops;
	p->prot.twsk_prot = &p->twsk_ops;
	p->prot.orphan_count = alloc_percpu(unsigned int);
	p->prot.sendmsg = rnet_inet_sendmsg;
	p->prot.recvmsg = rnet_inet_recvmsg;

	p->ops = kmemdup(ops, sizeof(*ops), GFP_KERNEL);

	p->netproto = *netproto;
	p->netproto.no_policy = 1;
	p->netproto.icmp_strict_tag_validation = 1;

	p->protosw.type = type;
	p->protosw.protocol = protocol;
	p->protosw.prot = &p->prot;
	p->protosw.ops = p->ops;
	p->protosw.flags = INET_PROTOSW_ICSK;

	err = -ENOMEM;
	if (!p->prot.orphan_count || !p->ops)
		goto fail;
#if RNET_INET6
	p->v6 = ipv6_mod_enabled();
	rnet_inet6_templates(p, prot->name);
	if (!p->ops6)
		goto fail;
#endif
	err = rnet_inet_hash_alloc(p);
	if (err)
		goto fail;
	p->steps |= RNET_INET_HASH;
	err = proto_register(&p->prot, 1);
	if (err)
		goto fail;
	p->steps |= RNET_INET_PROTO;
#if RNET_INET6
	if (p->v6) {
		err = proto_register(&p->prot6, 1);
		if (err)
			goto fail;
		p->steps |= RNET_INET_PROTO6;
	}
#endif
	err = register_pernet_subsys(&rnet_inet_pernet[slot]);
	if (err)
		goto fail;
	p->steps |= RNET_INET_PERNET;
	if (inet_add_protocol(&p->netproto, p->protosw.protocol) < 0) {
		pr_err("%s: IP protocol %d is taken by another module\n",
		       p->prot.name, p->protosw.protocol);
		err = -EBUSY;
		goto fail;
	}
	p->steps |= RNET_INET_ADDED;
#if RNET_INET6
	if (p->v6 && inet6_add_protocol(&p->netproto6, p->protosw.protocol) < 0) {
		pr_err("%s: IPv6 protocol %d is taken by another module\n",
		       p->prot.name, p->protosw.protocol);
		err = -EBUSY;
		goto fail;
	}
	if (p->v6)
		p->steps |= RNET_INET_ADDED6;
#endif
	/* Lookups find this registration only once its handler is in. */
	rcu_assign_pointer(rnet_inet_live[slot], p);
	/*
	 * Its own inet_diag handler: without one, inet_diag would load the
	 * module of the protocol number's C implementation.
	 */
	err = inet_diag_register(&p->diag);
	if (err) {
		pr_err("%s: the inet_diag handler of protocol %d is taken\n",
		       p->prot.name, protocol);
		err = -EBUSY;
		goto fail;
	}
	p->steps |= RNET_INET_DIAG;
	err = rust_helper_rnet_scope_add(&p->scope, owner, rnet_inet_scope_release);
	if (err)
		goto fail;
	p->steps |= RNET_INET_SCOPE;
	/*
	 * A module that is still loading gets its protosws once it is live
	 * (rnet_inet_module_live): a socket made before could outlive a
	 * failed init, which frees the module without waiting for it.
	 */
	mutex_lock(&rnet_inet_slot_lock);
	if (owner && READ_ONCE(owner->state) == MODULE_STATE_COMING)
		p->steps |= RNET_INET_PENDING;
	else
		err = rnet_inet_open(p);
	mutex_unlock(&rnet_inet_slot_lock);
	if (err)
		goto fail;
	return p;

fail:
	if (p->steps & RNET_INET_SCOPE)
		rust_helper_rnet_scope_del(&p->scope);
	rnet_inet_free(p);
	kfree(p);
	return ERR_PTR(err);
}

/*
 * The Rust registration's drop: no new socket, no new packet. In the
 * module's exit (its count is zero: no socket is left) the rest is freed
 * too; dropped earlier, the scope entry stays linked and its release frees
 * the rest when the module goes.
 */
void rust_helper_rnet_inet_unregister(void *reg)
{
	struct rnet_inet_proto *p = reg;

	rnet_inet_stop(p);
	if (p->prot.owner && p->prot.owner->state == MODULE_STATE_GOING &&
	    rust_helper_rnet_scope_del(&p->scope)) {
		rnet_inet_free(p);
		kfree(p);
	}
}

/* The live registration of IP protocol @protocol (under RCU), or NULL. */
static struct rnet_inet_proto *rnet_inet_live_for(u8 protocol)
{
	struct rnet_inet_proto *p;
	int i;

	for (i = 0; i < RNET_INET_SLOTS; i++) {
		p = rcu_dereference(rnet_inet_live[i]);
		if (p && p->protosw.protocol == protocol)
			return p;
	}
	return NULL;
}

/* The control socket of @net for the protocol of @reg. */
static struct sock *rnet_inet_ctl(struct rnet_inet_proto *p, struct net *net)
{
	return *(struct sock **)net_generic(net, rnet_inet_net_ids[p->slot]);
}

static struct sock *rnet_inet_ctl6(struct rnet_inet_proto *p, struct net *net)
{
	return ((struct sock **)net_generic(net, rnet_inet_net_ids[p->slot]))[1];
}

void rust_helper_rnet_lock_sock(struct sock *sk)
{
	lock_sock(sk);
}

void rust_helper_rnet_sock_put(struct sock *sk)
{
	sock_put(sk);
}

int rust_helper_rnet_sk_state(const struct sock *sk)
{
	return inet_sk_state_load(sk);
}

/*
 * Moves @sk to @state. TCP_CLOSE also takes it out of the hash tables and
 * gives back an automatically chosen port, as the C protocols do.
 */
static void rnet_inet_set_state(struct sock *sk, int state)
{
	if (state == TCP_CLOSE) {
		sk->sk_prot->unhash(sk);
		if (inet_csk(sk)->icsk_bind_hash &&
		    !(sk->sk_userlocks & SOCK_BINDPORT_LOCK))
			inet_put_port(sk);
	}
	inet_sk_set_state(sk, state);
}

/*
 * A protocol's own move of a connected socket (Rust offers only the
 * states that need no table change). A closed socket stays closed (it may
 * be destroyed already) and a listener stays a listener (its tables are
 * the listen ones): both are left alone.
 */
void rust_helper_rnet_inet_set_state(struct sock *sk, int state)
{
	if (sk->sk_state == TCP_CLOSE || sk->sk_state == TCP_LISTEN)
		return;
	rnet_inet_set_state(sk, state);
	/* connect() and poll() wait for a state change. */
	if (!sock_flag(sk, SOCK_DEAD)) {
		sk->sk_state_change(sk);
		sk_wake_async(sk, SOCK_WAKE_IO, POLL_OUT);
	}
}

/*
 * accept() of the protocol's sockets: inet_accept() without the check
 * __inet_accept() makes of the child's state, which knows TCP's states
 * only. A protocol may move a child nobody accepted yet to any of the
 * states Rust offers (LAST_ACK, or one past TCP's), which that check
 * would take for a bug.
 */
int rust_helper_rnet_inet_accept(struct socket *sock, struct socket *newsock,
				 struct proto_accept_arg *arg)
{
	struct sock *sk = sock->sk, *newsk;

	arg->err = -EINVAL;
	newsk = READ_ONCE(sk->sk_prot)->accept(sk, arg);
	if (!newsk)
		return arg->err;
	lock_sock(newsk);
	sock_rps_record_flow(newsk);
	if (test_bit(SOCK_SUPPORT_ZC, &sock->flags))
		set_bit(SOCK_SUPPORT_ZC, &newsock->flags);
	sock_graft(newsk, newsock);
	newsock->state = SS_CONNECTED;
	release_sock(newsk);
	return 0;
}

/* Ends a connection attempt or a connection: @err for the waiters. */
void rust_helper_rnet_inet_done(struct sock *sk, int err)
{
	int state = sk->sk_state;

	/*
	 * Already closed (and, if orphaned, destroyed): nothing to do. A
	 * listener stops only in close() and disconnect(), in a task: its
	 * tables' locks are not taken with bottom halves off.
	 */
	if (state == TCP_CLOSE || state == TCP_LISTEN)
		return;
	if (err)
		WRITE_ONCE(sk->sk_err, err);
	else
		sock_set_flag(sk, SOCK_DONE);
	rnet_inet_set_state(sk, TCP_CLOSE);
	inet_csk_clear_xmit_timers(sk);
	WRITE_ONCE(sk->sk_shutdown, SHUTDOWN_MASK);
	if (!sock_flag(sk, SOCK_DEAD)) {
		if (err)
			sk_error_report(sk);
		sk->sk_state_change(sk);
	} else {
		inet_csk_destroy_sock(sk);
	}
}

/*
 * How long an orphan may live: a protocol ends its closed connections
 * with rnet_inet_done() or rnet_inet_time_wait() (dccp_rust's Close and
 * CloseReq retransmissions give up well before), but one that never does
 * would keep the socket, its port, its namespace and the module for good.
 * Two MSL, as the longest TIMEWAIT.
 */
#define RNET_INET_ORPHAN_TIMEOUT (240 * HZ)

/*
 * proto.close's second half, after the protocol's own: the socket is
 * orphaned, and destroyed now if it reached TCP_CLOSE (else the protocol
 * ends it later, from its timers or input, with rnet_inet_done()).
 */
void rust_helper_rnet_inet_close_finish(struct sock *sk)
{
	int state = sk->sk_state;

	WRITE_ONCE(sk->sk_shutdown, SHUTDOWN_MASK);
	sock_hold(sk);
	sock_orphan(sk);
	this_cpu_inc(*sk->sk_prot->orphan_count);
	/* Stopped with the other timers when the protocol ends it. */
	if (state != TCP_CLOSE)
		sk_reset_timer(sk, &inet_csk(sk)->icsk_keepalive_timer,
			       jiffies + RNET_INET_ORPHAN_TIMEOUT);
	/* The backlog runs here: it may end (and destroy) the socket. */
	release_sock(sk);
	local_bh_disable();
	bh_lock_sock(sk);
	/*
	 * Closed before: destroy it now. Otherwise it either lives on as an
	 * orphan or the backlog ended it, which destroyed it already.
	 */
	if (state == TCP_CLOSE)
		inet_csk_destroy_sock(sk);
	bh_unlock_sock(sk);
	local_bh_enable();
	sock_put(sk);
}

/* The peer sends no more: wakes the reader, who sees the end. */
void rust_helper_rnet_inet_shutdown_rcv(struct sock *sk)
{
	if ((1 << sk->sk_state) & (TCPF_CLOSE | TCPF_LISTEN | TCPF_SYN_SENT))
		return;
	WRITE_ONCE(sk->sk_shutdown, sk->sk_shutdown | RCV_SHUTDOWN);
	sock_set_flag(sk, SOCK_DONE);
	if (!sock_flag(sk, SOCK_DEAD)) {
		sk->sk_state_change(sk);
		sk_wake_async(sk, SOCK_WAKE_WAITD, POLL_HUP);
	}
}

/* A listener's close: its pending and unaccepted connections go. */
void rust_helper_rnet_inet_listen_stop(struct sock *sk)
{
	rnet_inet_set_state(sk, TCP_CLOSE);
	inet_csk_listen_stop(sk);
}

/* proto.destroy's INET part: the send queue, and the port a bind() kept. */
void rust_helper_rnet_inet_destroy(struct sock *sk)
{
	__skb_queue_purge(&sk->sk_write_queue);
	if (inet_csk(sk)->icsk_bind_hash)
		inet_put_port(sk);
}

/* proto.disconnect's INET part: back to an unconnected socket. */
void rust_helper_rnet_inet_disconnect(struct sock *sk)
{
	struct inet_sock *inet = inet_sk(sk);

	if (sk->sk_state != TCP_CLOSE)
		rnet_inet_set_state(sk, TCP_CLOSE);
	inet_csk_clear_xmit_timers(sk);
	__skb_queue_purge(&sk->sk_receive_queue);
	__skb_queue_purge(&sk->sk_write_queue);
	if (!(sk->sk_userlocks & SOCK_BINDADDR_LOCK))
		inet_bhash2_reset_saddr(sk);
	inet->inet_dport = 0;
	/* poll() reads it without the socket lock. */
	WRITE_ONCE(sk->sk_shutdown, 0);
	sock_reset_flag(sk, SOCK_DONE);
	sk_dst_reset(sk);
	sk_error_report(sk);
}

/*
 * An IPv4 connect's INET part: route, source address, a local port and
 * the established hash, in TCP_SYN_SENT. On failure the socket is back in
 * TCP_CLOSE with nothing hashed.
 */
static int rnet_inet4_connect(struct sock *sk, struct sockaddr *uaddr,
			      int addr_len)
{
	const struct sockaddr_in *usin = (struct sockaddr_in *)uaddr;
	struct inet_sock *inet = inet_sk(sk);
	__be16 orig_sport, orig_dport;
	struct flowi4 *fl4;
	struct rtable *rt;
	int err;

	if (addr_len < sizeof(struct sockaddr_in))
		return -EINVAL;
	if (usin->sin_family != AF_INET)
		return -EAFNOSUPPORT;
	orig_sport = inet->inet_sport;
	orig_dport = usin->sin_port;
	fl4 = &inet->cork.fl.u.ip4;
	rt = ip_route_connect(fl4, usin->sin_addr.s_addr, inet->inet_saddr,
			      sk->sk_bound_dev_if, sk->sk_protocol, orig_sport,
			      orig_dport, sk);
	if (IS_ERR(rt))
		return PTR_ERR(rt);
	if (rt->rt_flags & (RTCF_MULTICAST | RTCF_BROADCAST)) {
		ip_rt_put(rt);
		return -ENETUNREACH;
	}
	if (!inet->inet_saddr) {
		err = inet_bhash2_update_saddr(sk, &fl4->saddr, AF_INET);
		if (err) {
			ip_rt_put(rt);
			return err;
		}
	} else {
		sk_rcv_saddr_set(sk, inet->inet_saddr);
	}
	inet->inet_dport = usin->sin_port;
	sk_daddr_set(sk, fl4->daddr);
	inet_csk(sk)->icsk_ext_hdr_len = 0;
	inet_sk_set_state(sk, TCP_SYN_SENT);
	err = inet_hash_connect(&rnet_inet_of(sk)->death_row, sk);
	if (err)
		goto failure;
	rt = ip_route_newports(fl4, rt, orig_sport, orig_dport,
			       inet->inet_sport, inet->inet_dport, sk);
	if (IS_ERR(rt)) {
		err = PTR_ERR(rt);
		rt = NULL;
		goto failure;
	}
	sk_setup_caps(sk, &rt->dst);
	atomic_set(&inet->inet_id, get_random_u16());
	return 0;

failure:
	rnet_inet_set_state(sk, TCP_CLOSE);
	inet_bhash2_reset_saddr(sk);
	ip_rt_put(rt);
	sk->sk_route_caps = 0;
	inet->inet_dport = 0;
	return err;
}

/*
 * The same for an IPv6 socket; an IPv4-mapped peer is connected over IPv4
 * (ENETUNREACH for an IPv6-only socket).
 */
static int rnet_inet6_connect(struct sock *sk, struct sockaddr *uaddr,
			      int addr_len)
{
	struct sockaddr_in6 *usin = (struct sockaddr_in6 *)uaddr;
	struct in6_addr *saddr = NULL, *final_p, final;
	struct inet_sock *inet = inet_sk(sk);
	struct ipv6_pinfo *np = inet6_sk(sk);
	struct ipv6_txoptions *opt;
	struct dst_entry *dst;
	struct flowi6 fl6;
	int addr_type, err;

	if (addr_len < SIN6_LEN_RFC2133)
		return -EINVAL;
	if (usin->sin6_family != AF_INET6)
		return -EAFNOSUPPORT;
	memset(&fl6, 0, sizeof(fl6));
	/* The unspecified address is the loopback one, as for TCP. */
	if (ipv6_addr_any(&usin->sin6_addr))
		usin->sin6_addr = in6addr_loopback;
	addr_type = ipv6_addr_type(&usin->sin6_addr);
	if (addr_type & IPV6_ADDR_MULTICAST)
		return -ENETUNREACH;
	if (addr_type == IPV6_ADDR_MAPPED) {
		struct sockaddr_in sin = {
			.sin_family = AF_INET,
			.sin_port = usin->sin6_port,
			.sin_addr.s_addr = usin->sin6_addr.s6_addr32[3],
		};

		if (ipv6_only_sock(sk))
			return -ENETUNREACH;
		/* Sets the mapped sk_v6_daddr and sk_v6_rcv_saddr too. */
		err = rnet_inet4_connect(sk, (struct sockaddr *)&sin,
					 sizeof(sin));
		if (!err)
			np->saddr = sk->sk_v6_rcv_saddr;
		return err;
	}
	if (addr_type & IPV6_ADDR_LINKLOCAL) {
		if (addr_len >= sizeof(struct sockaddr_in6) &&
		    usin->sin6_scope_id) {
			if (sk->sk_bound_dev_if &&
			    sk->sk_bound_dev_if != usin->sin6_scope_id)
				return -EINVAL;
			sk->sk_bound_dev_if = usin->sin6_scope_id;
		}
		/* A link-local peer needs an interface. */
		if (!sk->sk_bound_dev_if)
			return -EINVAL;
	}
	sk->sk_v6_daddr = usin->sin6_addr;
	np->flow_label = 0;
	if (!ipv6_addr_any(&sk->sk_v6_rcv_saddr))
		saddr = &sk->sk_v6_rcv_saddr;
	fl6.flowi6_proto = sk->sk_protocol;
	fl6.daddr = sk->sk_v6_daddr;
	fl6.saddr = saddr ? *saddr : np->saddr;
	fl6.flowi6_oif = sk->sk_bound_dev_if;
	fl6.flowi6_mark = sk->sk_mark;
	fl6.flowi6_uid = sk->sk_uid;
	fl6.fl6_dport = usin->sin6_port;
	fl6.fl6_sport = inet->inet_sport;
	security_sk_classify_flow(sk, flowi6_to_flowi_common(&fl6));
	opt = rcu_dereference_protected(np->opt, lockdep_sock_is_held(sk));
	final_p = fl6_update_dst(&fl6, opt, &final);
	dst = ip6_dst_lookup_flow(sock_net(sk), sk, &fl6, final_p);
	if (IS_ERR(dst)) {
		err = PTR_ERR(dst);
		goto failure;
	}
	if (!saddr) {
		saddr = &fl6.saddr;
		err = inet_bhash2_update_saddr(sk, saddr, AF_INET6);
		if (err) {
			dst_release(dst);
			goto failure;
		}
	}
	np->saddr = *saddr;
	inet->inet_rcv_saddr = LOOPBACK4_IPV6;
	/* Takes the route, and sets the socket's capabilities from it. */
	ip6_dst_store(sk, dst, NULL, NULL);
	inet_csk(sk)->icsk_ext_hdr_len = opt ? opt->opt_flen + opt->opt_nflen : 0;
	inet->inet_dport = usin->sin6_port;
	inet_sk_set_state(sk, TCP_SYN_SENT);
	err = inet6_hash_connect(&rnet_inet_of(sk)->death_row, sk);
	if (err)
		goto late_failure;
	return 0;

late_failure:
	rnet_inet_set_state(sk, TCP_CLOSE);
	inet_bhash2_reset_saddr(sk);
	__sk_dst_reset(sk);
failure:
	inet->inet_dport = 0;
	sk->sk_route_caps = 0;
	return err;
}

/*
 * A connect's INET part: route, source address, a local port and the
 * established hash, in TCP_SYN_SENT; on failure the socket is back in
 * TCP_CLOSE with nothing hashed.
 */
int rust_helper_rnet_inet_connect(struct sock *sk, struct sockaddr *uaddr,
				  int addr_len)
{
	if (rnet_inet_is6(sk))
		return rnet_inet6_connect(sk, uaddr, addr_len);
	return rnet_inet4_connect(sk, uaddr, addr_len);
}

/*
 * The addresses (16 bytes of room each: 4 or 16 written) and ports of
 * @sk, in network order; returns the IP version, 4 or 6.
 */
int rust_helper_rnet_inet_addrs(const struct sock *sk, u8 *saddr, u8 *daddr,
				__be16 *sport, __be16 *dport)
{
	const struct inet_sock *inet = inet_sk(sk);

	*sport = inet->inet_sport;
	*dport = inet->inet_dport;
	if (rnet_inet_wire6(sk)) {
		memcpy(saddr, &inet6_sk(sk)->saddr, sizeof(struct in6_addr));
		memcpy(daddr, &sk->sk_v6_daddr, sizeof(struct in6_addr));
		return 6;
	}
	memcpy(saddr, &inet->inet_saddr, 4);
	memcpy(daddr, &inet->inet_daddr, 4);
	return 4;
}

/*
 * Sends @len bytes of transport header and data, checksum already set,
 * on a connected socket.
 */
int rust_helper_rnet_inet_xmit(struct sock *sk, const void *data,
			       unsigned int len)
{
	struct sk_buff *skb;

	if (len > IP_MAX_MTU - sizeof(struct iphdr) - MAX_IPOPTLEN)
		return -EMSGSIZE;
	if (!rnet_inet_has_peer(sk))
		return -ENOTCONN;
	skb = alloc_skb(sk->sk_prot->max_header + len, GFP_ATOMIC);
	if (!skb)
		return -ENOBUFS;
	skb_reserve(skb, sk->sk_prot->max_header);
	skb_put_data(skb, data, len);
	skb_reset_transport_header(skb);
	skb_set_owner_w(skb, sk);
	return rnet_inet_queue_xmit(sk, skb);
}

/*
 * The source and destination of a received packet (16 bytes of room
 * each); returns its IP version, 4 or 6.
 */
int rust_helper_rnet_ip_addrs(const struct sk_buff *skb, u8 *saddr, u8 *daddr)
{
	if (rnet_skb_is6(skb)) {
		memcpy(saddr, &ipv6_hdr(skb)->saddr, sizeof(struct in6_addr));
		memcpy(daddr, &ipv6_hdr(skb)->daddr, sizeof(struct in6_addr));
		return 6;
	}
	memcpy(saddr, &ip_hdr(skb)->saddr, 4);
	memcpy(daddr, &ip_hdr(skb)->daddr, 4);
	return 4;
}

/*
 * Sends @len bytes of transport header (checksum already set) from the
 * control socket of @p in @net, in answer to @rxskb, a packet addressed
 * to this host.
 */
static int rnet_inet4_reply(struct rnet_inet_proto *p, struct net *net,
			    struct sk_buff *rxskb, const void *data,
			    unsigned int len)
{
	const struct iphdr *rxiph = ip_hdr(rxskb);
	struct sk_buff *skb;
	struct flowi4 fl4;
	struct sock *ctl;
	struct rtable *rt;
	int err;

	if (len > IP_MAX_MTU - MAX_HEADER)
		return -EMSGSIZE;
	if (!skb_rtable(rxskb) || skb_rtable(rxskb)->rt_type != RTN_LOCAL)
		return -EINVAL;
	ctl = rnet_inet_ctl(p, net);
	if (!ctl)
		return -ENOENT;
	memset(&fl4, 0, sizeof(fl4));
	fl4.flowi4_oif = inet_iif(rxskb);
	fl4.daddr = rxiph->saddr;
	fl4.saddr = rxiph->daddr;
	fl4.flowi4_proto = rxiph->protocol;
	security_skb_classify_flow(rxskb, flowi4_to_flowi_common(&fl4));
	rt = ip_route_output_flow(net, &fl4, ctl);
	if (IS_ERR(rt))
		return PTR_ERR(rt);
	skb = alloc_skb(MAX_HEADER + len, GFP_ATOMIC);
	if (!skb) {
		ip_rt_put(rt);
		return -ENOBUFS;
	}
	skb_reserve(skb, MAX_HEADER);
	skb_put_data(skb, data, len);
	skb_reset_transport_header(skb);
	skb_dst_set(skb, &rt->dst);
	local_bh_disable();
	bh_lock_sock(ctl);
	err = ip_build_and_send_pkt(skb, ctl, rxiph->daddr, rxiph->saddr, NULL,
				    READ_ONCE(inet_sk(ctl)->tos));
	bh_unlock_sock(ctl);
	local_bh_enable();
	return net_xmit_eval(err);
}

/* The same over IPv6, from the namespace's IPv6 control socket. */
static int rnet_inet6_reply(struct rnet_inet_proto *p, struct net *net,
			    struct sk_buff *rxskb, const void *data,
			    unsigned int len)
{
	const struct ipv6hdr *rxip6h = ipv6_hdr(rxskb);
	struct dst_entry *dst;
	struct sk_buff *skb;
	struct flowi6 fl6;
	struct sock *ctl;
	int err;

	if (len > IP_MAX_MTU - MAX_HEADER - sizeof(struct ipv6hdr))
		return -EMSGSIZE;
	if (!skb_dst(rxskb) || !ipv6_unicast_destination(rxskb))
		return -EINVAL;
	ctl = rnet_inet_ctl6(p, net);
	if (!ctl)
		return -ENOENT;
	memset(&fl6, 0, sizeof(fl6));
	fl6.daddr = rxip6h->saddr;
	fl6.saddr = rxip6h->daddr;
	fl6.flowi6_proto = p->protosw.protocol;
	fl6.flowi6_oif = inet6_iif(rxskb);
	/* The transport header starts with the ports, as the lookups read. */
	if (len >= 4) {
		memcpy(&fl6.fl6_sport, data, 2);
		memcpy(&fl6.fl6_dport, (const u8 *)data + 2, 2);
	}
	security_skb_classify_flow(rxskb, flowi6_to_flowi_common(&fl6));
	dst = ip6_dst_lookup_flow(net, ctl, &fl6, NULL);
	if (IS_ERR(dst))
		return PTR_ERR(dst);
	skb = alloc_skb(MAX_HEADER + sizeof(struct ipv6hdr) + len, GFP_ATOMIC);
	if (!skb) {
		dst_release(dst);
		return -ENOBUFS;
	}
	skb_reserve(skb, MAX_HEADER + sizeof(struct ipv6hdr));
	skb_put_data(skb, data, len);
	skb_reset_transport_header(skb);
	skb_dst_set(skb, dst);
	local_bh_disable();
	err = ip6_xmit(ctl, skb, &fl6, 0, NULL, 0, 0);
	local_bh_enable();
	return net_xmit_eval(err);
}

/* A reply to @rxskb from the control socket of @p in @net. */
static int rnet_inet_reply(struct rnet_inet_proto *p, struct net *net,
			   struct sk_buff *rxskb, const void *data,
			   unsigned int len)
{
	if (rnet_skb_is6(rxskb))
		return rnet_inet6_reply(p, net, rxskb, data, len);
	return rnet_inet4_reply(p, net, rxskb, data, len);
}

/*
 * Replies to @rxskb, a packet of @protocol which no socket took, in the
 * receive softirq: from the control socket of the packet's namespace,
 * after the IPsec input policy check.
 */
int rust_helper_rnet_inet_ctl_reply(struct sk_buff *rxskb, u8 protocol,
				    const void *data, unsigned int len)
{
	struct rnet_inet_proto *p;
	bool pass;

	if (!skb_dst(rxskb))
		return -EINVAL;
	if (rnet_skb_is6(rxskb))
		pass = xfrm6_policy_check(NULL, XFRM_POLICY_IN, rxskb);
	else
		pass = xfrm4_policy_check(NULL, XFRM_POLICY_IN, rxskb);
	if (!pass)
		return -EPERM;
	p = rnet_inet_live_for(protocol);
	if (!p)
		return -ENOENT;
	/* The route holds its device, the device its namespace. */
	return rnet_inet_reply(p, dev_net(skb_dst(rxskb)->dev), rxskb, data,
			       len);
}

/* The most bytes of the transport header an ICMP error's callback gets. */
#define RNET_INET_ERR_HDR 64

/*
 * net_protocol.err_handler's work, in the receive softirq under RCU: @skb
 * is an ICMP error whose data is the IP header of a packet this host sent
 * (at least 8 bytes of its transport header follow, icmp_socket_deliver
 * made sure), @info the ICMP's extra word. Only for a full socket of the
 * protocol that no task owns (else counted as LOCKDROPPEDICMPS), is not
 * closed, and whose @sent callback says the quoted transport header (its
 * first bytes, at most RNET_INET_ERR_HDR) is one it sent (else counted as
 * OUTOFWINDOWICMPS): Fragmentation Needed updates the path MTU, a
 * Redirect the route, and any other error, mapped to an errno as TCP maps
 * it, goes to @err_cb. Source Quench and unknown types are ignored, and
 * so are errors for requests and timewait sockets.
 */
int rust_helper_rnet_inet4_err(struct sk_buff *skb, u32 info,
			       bool (*sent)(struct sock *sk, const void *hdr,
					    unsigned int len),
			       void (*err_cb)(struct sock *sk, int err))
{
	const struct iphdr *iph = (const struct iphdr *)skb->data;
	const int type = icmp_hdr(skb)->type;
	const int code = icmp_hdr(skb)->code;
	unsigned int offset = iph->ihl << 2, len;
	u8 buf[RNET_INET_ERR_HDR];
	struct rnet_inet_proto *p;
	bool pmtu = false;
	struct net *net;
	const u8 *hdr;
	__be16 ports[2];
	struct sock *sk;
	int err = 0;

	p = rnet_inet_live_for(iph->protocol);
	if (!p || !skb->dev || skb->len < offset + 8)
		return -ENOENT;
	net = dev_net(skb->dev);
	len = min_t(unsigned int, skb->len - offset, sizeof(buf));
	hdr = skb_header_pointer(skb, offset, len, buf);
	if (!hdr)
		return -EINVAL;
	memcpy(ports, hdr, sizeof(ports));
	/* The packet went from us (source) to the peer (destination). */
	sk = __inet_lookup_established(net, &p->hashinfo, iph->daddr, ports[1],
				       iph->saddr, ntohs(ports[0]),
				       inet_iif(skb), 0);
	if (!sk) {
		__ICMP_INC_STATS(net, ICMP_MIB_INERRORS);
		return -ENOENT;
	}
	if (sk->sk_state == TCP_TIME_WAIT) {
		inet_twsk_put(inet_twsk(sk));
		return 0;
	}
	if (sk->sk_state == TCP_NEW_SYN_RECV) {
		reqsk_put(inet_reqsk(sk));
		return 0;
	}
	if (!rnet_inet_prot_ok(p, sk, &p->prot))
		goto out;
	switch (type) {
	case ICMP_REDIRECT:
		break;
	case ICMP_PARAMETERPROB:
		err = EPROTO;
		break;
	case ICMP_DEST_UNREACH:
		if (code > NR_ICMP_UNREACH)
			goto out;
		if (code == ICMP_FRAG_NEEDED)
			pmtu = true;
		else
			err = icmp_err_convert[code].errno;
		break;
	case ICMP_TIME_EXCEEDED:
		err = EHOSTUNREACH;
		break;
	default:
		goto out;
	}
	bh_lock_sock(sk);
	if (sock_owned_by_user(sk)) {
		__NET_INC_STATS(net, LINUX_MIB_LOCKDROPPEDICMPS);
		pmtu = false;
		goto unlock;
	}
	if (sk->sk_state == TCP_CLOSE || !sent(sk, hdr, len)) {
		if (sk->sk_state != TCP_CLOSE)
			__NET_INC_STATS(net, LINUX_MIB_OUTOFWINDOWICMPS);
		pmtu = false;
		goto unlock;
	}
	/* @sent may have ended the connection: nothing more for it then. */
	if (sk->sk_state == TCP_CLOSE) {
		pmtu = false;
		goto unlock;
	}
	if (type == ICMP_REDIRECT) {
		struct dst_entry *dst = __sk_dst_check(sk, 0);

		if (dst)
			dst->ops->redirect(dst, sk, skb);
	} else if (err) {
		err_cb(sk, err);
	}
unlock:
	bh_unlock_sock(sk);
	/* Takes the bh lock itself; the MPS follows the route. */
	if (pmtu)
		ipv4_sk_update_pmtu(skb, sk, info);
out:
	sock_put(sk);
	return 0;
}

#if RNET_INET6
/*
 * inet6_protocol.err_handler: the same as rust_helper_rnet_inet4_err for
 * an ICMPv6 error (@offset: the quoted transport header's, from the
 * quoted IPv6 header at skb->data), for the protocol's IPv6 sockets:
 * Packet Too Big updates the path MTU, a Redirect the route, the other
 * errors go to the protocol as icmpv6_err_convert() maps them.
 */
static int rnet_inet6_err(struct sk_buff *skb, struct inet6_skb_parm *opt,
			  u8 type, u8 code, int offset, __be32 info)
{
	const struct ipv6hdr *hdr = (const struct ipv6hdr *)skb->data;
	u8 nexthdr = hdr->nexthdr, buf[RNET_INET_ERR_HDR];
	struct rnet_inet_proto *p;
	unsigned int len;
	struct net *net;
	__be16 ports[2];
	__be16 frag_off;
	struct sock *sk;
	const u8 *th;
	int err = 0;

	if (!skb->dev || offset < 0 || skb->len < offset + 8)
		return -EINVAL;
	/* The protocol the quoted packet carried, as icmpv6_notify found it. */
	if (ipv6_skip_exthdr(skb, sizeof(*hdr), &nexthdr, &frag_off) != offset)
		return -EINVAL;
	p = rnet_inet_live_for(nexthdr);
	if (!p)
		return -ENOENT;
	net = dev_net(skb->dev);
	len = min_t(unsigned int, skb->len - offset, sizeof(buf));
	th = skb_header_pointer(skb, offset, len, buf);
	if (!th)
		return -EINVAL;
	memcpy(ports, th, sizeof(ports));
	sk = __inet6_lookup_established(net, &p->hashinfo, &hdr->daddr,
					ports[1], &hdr->saddr, ntohs(ports[0]),
					inet6_iif(skb), 0);
	if (!sk) {
		__ICMP6_INC_STATS(net, __in6_dev_get(skb->dev),
				  ICMP6_MIB_INERRORS);
		return -ENOENT;
	}
	if (sk->sk_state == TCP_TIME_WAIT) {
		inet_twsk_put(inet_twsk(sk));
		return 0;
	}
	if (sk->sk_state == TCP_NEW_SYN_RECV) {
		reqsk_put(inet_reqsk(sk));
		return 0;
	}
	if (!rnet_inet_prot_ok(p, sk, &p->prot6))
		goto out;
	/* Other types (and unknown ones) are ignored, as for IPv4. */
	if (type == ICMPV6_DEST_UNREACH || type == ICMPV6_PARAMPROB ||
	    type == ICMPV6_TIME_EXCEED)
		icmpv6_err_convert(type, code, &err);
	else if (type != ICMPV6_PKT_TOOBIG && type != NDISC_REDIRECT)
		goto out;
	bh_lock_sock(sk);
	if (sock_owned_by_user(sk)) {
		__NET_INC_STATS(net, LINUX_MIB_LOCKDROPPEDICMPS);
		goto unlock;
	}
	if (sk->sk_state == TCP_CLOSE || !p->icmp_sent(sk, th, len)) {
		if (sk->sk_state != TCP_CLOSE)
			__NET_INC_STATS(net, LINUX_MIB_OUTOFWINDOWICMPS);
		goto unlock;
	}
	/* icmp_sent may have ended the connection: nothing more for it then. */
	if (sk->sk_state == TCP_CLOSE)
		goto unlock;
	if (type == NDISC_REDIRECT) {
		struct dst_entry *dst;

		dst = __sk_dst_check(sk, inet6_sk(sk)->dst_cookie);
		if (dst)
			dst->ops->redirect(dst, sk, skb);
	} else if (type == ICMPV6_PKT_TOOBIG) {
		/* The MPS follows the route's MTU. */
		if (ip6_sk_accept_pmtu(sk))
			inet6_csk_update_pmtu(sk, ntohl(info));
	} else if (err) {
		p->icmp_err(sk, err);
	}
unlock:
	bh_unlock_sock(sk);
out:
	sock_put(sk);
	return 0;
}
#endif

/* Records @err as @sk's soft error (SO_ERROR reads it when no error is set). */
void rust_helper_rnet_inet_soft_error(struct sock *sk, int err)
{
	WRITE_ONCE(sk->sk_err_soft, err);
}

/* Sets @sk's error and wakes its waiters, as an IP_RECVERR socket wants. */
void rust_helper_rnet_inet_report_error(struct sock *sk, int err)
{
	WRITE_ONCE(sk->sk_err, err);
	sk_error_report(sk);
}

/* Whether @sk asked for IP_RECVERR. */
bool rust_helper_rnet_inet_recverr(struct sock *sk)
{
	if (rnet_inet_is6(sk))
		return inet6_test_bit(RECVERR6, sk);
	return inet_test_bit(RECVERR, sk);
}

/*
 * Replies to @skb, an IPv4 packet of protocol @protocol a netfilter hook
 * at LOCAL_IN is looking at, from the control socket of the packet's
 * namespace: only for a received packet with a real input route (not a
 * tunnel's metadata one, whose device is NULL) and a device, -EINVAL
 * otherwise. A reply from LOCAL_IN leaves through the output path, never
 * back into this hook on the same stack.
 */
int rust_helper_rnet_inet4_hook_reply(struct sk_buff *skb, u8 protocol,
				      const void *data, unsigned int len)
{
	if (skb->protocol != htons(ETH_P_IP) || !skb->dev ||
	    !skb_valid_dst(skb) || !rt_is_input_route(skb_rtable(skb)) ||
	    !skb_dst(skb)->dev || ip_hdr(skb)->protocol != protocol)
		return -EINVAL;
	return rust_helper_rnet_inet_ctl_reply(skb, protocol, data, len);
}

/*
 * Replies to @rxskb, a packet @sk received (in softirq or from its
 * backlog), from the control socket of @sk's namespace, which @sk holds
 * (a kernel socket, which does not, gets -ENOENT). The packet passed the
 * socket's IPsec policy on delivery.
 */
int rust_helper_rnet_inet_sk_reply(struct sock *sk, struct sk_buff *rxskb,
				   const void *data, unsigned int len)
{
	if (!sk->sk_net_refcnt)
		return -ENOENT;
	return rnet_inet_reply(rnet_inet_of(sk), sock_net(sk), rxskb, data,
			       len);
}

/*
 * Finds the socket a received packet belongs to, with a reference: a full
 * socket (*@req false) or a request socket (*@req true) of this very
 * protocol, or NULL. A timewait socket counts as none (DCCP answers a
 * packet for one as for no socket).
 */
struct sock *rust_helper_rnet_inet_lookup(struct sk_buff *skb, u8 protocol,
					  unsigned int doff, __be16 sport,
					  __be16 dport, bool *req)
{
	const struct request_sock_ops *rsk_ops;
	const struct proto *prot;
	struct rnet_inet_proto *p;
	bool refcounted;
	struct sock *sk;

	*req = false;
	p = rnet_inet_live_for(protocol);
	if (!p)
		return NULL;
	prot = &p->prot;
	rsk_ops = &p->rsk_ops;
#if RNET_INET6
	if (rnet_skb_is6(skb)) {
		prot = &p->prot6;
		rsk_ops = &p->rsk_ops6;
	}
#endif
lookup:
	if (rnet_skb_is6(skb))
		sk = __inet6_lookup_skb(&p->hashinfo, skb, doff, sport, dport,
					inet6_iif(skb), inet6_sdif(skb),
					&refcounted);
	else
		sk = __inet_lookup_skb(&p->hashinfo, skb, doff, sport, dport,
				       inet_sdif(skb), &refcounted);
	if (!sk)
		return NULL;
	if (sk->sk_state == TCP_NEW_SYN_RECV) {
		struct request_sock *rq = inet_reqsk(sk);
		struct sock *lsk = rq->rsk_listener;

		/* Established lookups take a reference. */
		if (rq->rsk_ops != rsk_ops) {
			reqsk_put(rq);
			return NULL;
		}
		/* Its listener closed: the request goes, look again. */
		if (inet_sk_state_load(lsk) != TCP_LISTEN) {
			inet_csk_reqsk_queue_drop_and_put(lsk, rq);
			goto lookup;
		}
		*req = true;
		return sk;
	}
	/*
	 * Only a full socket of this very proto (a socket another layer
	 * steered the packet to, e.g. with bpf_sk_assign, is not one). A
	 * listener found under RCU may be on its way out: no reference then.
	 */
	if (!sk_fullsock(sk) || !rnet_inet_prot_ok(p, sk, prot) ||
	    (!refcounted && !refcount_inc_not_zero(&sk->sk_refcnt))) {
		if (refcounted)
			sock_gen_put(sk);
		return NULL;
	}
	return sk;
}

/*
 * Delivers @skb to @sk from the receive softirq: to @rcv under the bh
 * lock, or to the backlog (proto.backlog_rcv later) when a task owns the
 * socket. Consumes @skb and the reference on @sk. Returns 0 then; else
 * the packet was freed and the value says why:
 * -EACCES the IPsec input policy, -EPERM the socket's filter, -ENOBUFS a
 * full backlog.
 */
int rust_helper_rnet_inet_deliver(struct sock *sk, struct sk_buff *skb,
				  int (*rcv)(struct sock *sk,
					     struct sk_buff *skb))
{
	int err = 0;

	/*
	 * The handler is registered with no_policy: the IPsec input policy
	 * is checked here, per socket, as the C protocols do.
	 */
	if (rnet_skb_is6(skb) ? !xfrm6_policy_check(sk, XFRM_POLICY_IN, skb) :
				!xfrm4_policy_check(sk, XFRM_POLICY_IN, skb)) {
		kfree_skb_reason(skb, SKB_DROP_REASON_XFRM_POLICY);
		sock_put(sk);
		return -EACCES;
	}
	nf_reset_ct(skb);
	/*
	 * A filter passes or drops the packet; it cannot shorten it (the cap
	 * is its length): the protocol checked the whole packet before.
	 */
	if (sk_filter_trim_cap(sk, skb, skb->len)) {
		kfree_skb_reason(skb, SKB_DROP_REASON_SOCKET_FILTER);
		sock_put(sk);
		return -EPERM;
	}
	bh_lock_sock_nested(sk);
	if (!sock_owned_by_user(sk)) {
		rcv(sk, skb);
	} else if (sk_add_backlog(sk, skb, READ_ONCE(sk->sk_rcvbuf) +
				  READ_ONCE(sk->sk_sndbuf))) {
		atomic_inc(&sk->sk_drops);
		kfree_skb_reason(skb, SKB_DROP_REASON_SOCKET_BACKLOG);
		err = -ENOBUFS;
	}
	bh_unlock_sock(sk);
	sock_put(sk);
	return err;
}

u64 rust_helper_rnet_get_random_u64(void)
{
	return get_random_u64();
}

/* Makes sure the first @len bytes of @skb are in its linear part. */
bool rust_helper_rnet_pskb_may_pull(struct sk_buff *skb, unsigned int len)
{
	return pskb_may_pull(skb, len);
}

/* The namespace of a packet being received. */
struct net *rust_helper_rnet_skb_net(const struct sk_buff *skb)
{
	return dev_net(skb->dev);
}

/* The namespace of @sk if @sk holds a reference on it, else NULL. */
struct net *rust_helper_rnet_sock_net_counted(const struct sock *sk)
{
	return sk->sk_net_refcnt ? sock_net(sk) : NULL;
}

/* Sets the socket's destructor (see kernel::net::inet). */
void rust_helper_rnet_sk_set_destruct(struct sock *sk,
				      void (*destruct)(struct sock *sk))
{
	sk->sk_destruct = destruct;
}

/*
 * ip_setsockopt(IP_OPTIONS) and CIPSO call icsk_sync_mss on a connection
 * socket: a protocol without segments keeps its MSS as it is.
 */
static unsigned int rnet_inet_sync_mss(struct sock *sk, u32 pmtu)
{
	return pmtu;
}

/*
 * The keepalive timer's slot (no keepalive here), armed when the socket
 * is orphaned and not closed yet: ends the orphan the protocol did not
 * end in time (a task that owns it tries again shortly). It holds a
 * socket reference while pending.
 */
static void rnet_inet_orphan_timer(struct timer_list *t)
{
	struct inet_connection_sock *icsk =
		from_timer(icsk, t, icsk_keepalive_timer);
	struct sock *sk = &icsk->icsk_inet.sk;

	bh_lock_sock(sk);
	if (sock_owned_by_user(sk)) {
		sk_reset_timer(sk, &icsk->icsk_keepalive_timer,
			       jiffies + HZ / 20);
	} else if (sock_flag(sk, SOCK_DEAD) && sk->sk_state != TCP_CLOSE) {
		net_warn_ratelimited("%s: an orphan left open for %d s: ended\n",
				     sk->sk_prot->name,
				     RNET_INET_ORPHAN_TIMEOUT / HZ);
		rust_helper_rnet_inet_done(sk, ETIMEDOUT);
	}
	bh_unlock_sock(sk);
	sock_put(sk);
}

/*
 * The retransmission timer: the protocol's write_timer runs under the bh
 * lock, with no task owning the socket (else it tries again shortly), and
 * only for the timer it armed last and did not stop.
 */
static void rnet_inet_write_timer(struct timer_list *t)
{
	struct inet_connection_sock *icsk =
		from_timer(icsk, t, icsk_retransmit_timer);
	struct sock *sk = &icsk->icsk_inet.sk;

	bh_lock_sock(sk);
	if (sock_owned_by_user(sk)) {
		sk_reset_timer(sk, &icsk->icsk_retransmit_timer,
			       jiffies + HZ / 20);
	} else if (sk->sk_state != TCP_CLOSE &&
		   icsk->icsk_pending == ICSK_TIME_RETRANS) {
		if (time_after(icsk->icsk_timeout, jiffies)) {
			sk_reset_timer(sk, &icsk->icsk_retransmit_timer,
				       icsk->icsk_timeout);
		} else {
			icsk->icsk_pending = 0;
			rnet_inet_of(sk)->write_timer(sk);
		}
	}
	bh_unlock_sock(sk);
	/* The reference sk_reset_timer() took. */
	sock_put(sk);
}

/*
 * The delayed-acknowledgement timer, as the retransmission timer: the
 * protocol's delack_timer runs under the bh lock, with no task owning the
 * socket, and only when it was armed last and not stopped since.
 */
static void rnet_inet_delack_timer(struct timer_list *t)
{
	struct inet_connection_sock *icsk =
		from_timer(icsk, t, icsk_delack_timer);
	struct sock *sk = &icsk->icsk_inet.sk;

	bh_lock_sock(sk);
	if (sock_owned_by_user(sk)) {
		sk_reset_timer(sk, &icsk->icsk_delack_timer,
			       jiffies + HZ / 50);
	} else if (sk->sk_state != TCP_CLOSE &&
		   (icsk->icsk_ack.pending & ICSK_ACK_TIMER)) {
		if (time_after(icsk->icsk_ack.timeout, jiffies)) {
			sk_reset_timer(sk, &icsk->icsk_delack_timer,
				       icsk->icsk_ack.timeout);
		} else {
			icsk->icsk_ack.pending = 0;
			rnet_inet_of(sk)->delack_timer(sk);
		}
	}
	bh_unlock_sock(sk);
	/* The reference sk_reset_timer() took. */
	sock_put(sk);
}

/*
 * A new socket's send queue: the protocol's length, plain. (An accepted
 * socket keeps its listener's, copied with the rest.)
 */
void rust_helper_rnet_inet_txq_init(struct sock *sk)
{
	struct rnet_inet_txq *q = rnet_inet_txq(sk);

	q->qlen = rnet_inet_of(sk)->tx_qlen;
	q->prio = 0;
}

/*
 * The INET part of proto.init (and of a clone's set-up): the connection
 * socket's methods the INET code may call, and its timers.
 */

void rust_helper_rnet_inet_sock_init(struct sock *sk)
{
	inet_csk(sk)->icsk_sync_mss = rnet_inet_sync_mss;
	inet_csk_init_xmit_timers(sk, rnet_inet_write_timer,
				  rnet_inet_delack_timer, rnet_inet_orphan_timer);
}

/*
 * Arms the retransmission timer @ms from now (at most TCP_RTO_MAX); not
 * for a listener, which has nothing to retransmit.
 */
void rust_helper_rnet_inet_reset_xmit_timer(struct sock *sk, unsigned int ms)
{
	if (sk->sk_state == TCP_LISTEN)
		return;
	inet_csk_reset_xmit_timer(sk, ICSK_TIME_RETRANS,
				  msecs_to_jiffies(min(ms, 120000U)),
				  TCP_RTO_MAX);
}

void rust_helper_rnet_inet_clear_xmit_timer(struct sock *sk)
{
	inet_csk_clear_xmit_timer(sk, ICSK_TIME_RETRANS);
}

/*
 * Arms the delayed-acknowledgement timer @ms from now (at most
 * TCP_DELACK_MAX) unless it is armed already; not for a listener.
 */
void rust_helper_rnet_inet_schedule_delack(struct sock *sk, unsigned int ms)
{
	if (sk->sk_state == TCP_LISTEN ||
	    (inet_csk(sk)->icsk_ack.pending & ICSK_ACK_TIMER))
		return;
	inet_csk_reset_xmit_timer(sk, ICSK_TIME_DACK, msecs_to_jiffies(ms),
				  TCP_DELACK_MAX);
}

void rust_helper_rnet_inet_clear_delack(struct sock *sk)
{
	inet_csk_clear_xmit_timer(sk, ICSK_TIME_DACK);
}

/*
 * Ends a connection into TIMEWAIT for @ms: a timewait socket takes the
 * socket's place in the tables (none when memory or the death row's
 * limit is short: the connection just ends), then the socket is done.
 */
void rust_helper_rnet_inet_time_wait(struct sock *sk, unsigned int ms)
{
	struct rnet_inet_proto *p = rnet_inet_of(sk);
	struct inet_timewait_sock *tw;

	if ((1 << sk->sk_state) & (TCPF_CLOSE | TCPF_LISTEN))
		return;
	tw = inet_twsk_alloc(sk, &p->death_row, TCP_TIME_WAIT);
	if (tw) {
#if RNET_INET6
		/*
		 * inet_twsk_alloc() copies the IPv4 identity only: an IPv6 (or
		 * mapped) socket's addresses are copied here, before the
		 * timewait socket is hashed, or lookups and diag dumps would
		 * read whatever its slab held.
		 */
		if (tw->tw_family == AF_INET6) {
			tw->tw_v6_daddr = sk->sk_v6_daddr;
			tw->tw_v6_rcv_saddr = sk->sk_v6_rcv_saddr;
			tw->tw_ipv6only = sk->sk_ipv6only;
		}
#endif
		local_bh_disable();
		/* At most 2 MSL (RFC 4340 8.3), 4 minutes. */
		inet_twsk_hashdance_schedule(tw, sk, &p->hashinfo,
					     msecs_to_jiffies(min(ms, 240000U)));
		local_bh_enable();
	}
	rust_helper_rnet_inet_done(sk, 0);
}

/*
 * A connection request to the listener @sk (locked by the caller),
 * answered at once and kept until its child socket is made or its
 * retransmission timer gives up (first after @timeout_ms, then backing
 * off). @data is the protocol's state of the request (@req_size bytes,
 * copied).
 */
int rust_helper_rnet_inet_req_new(struct sock *sk, struct sk_buff *skb,
				  __be16 sport, __be16 dport,
				  const void *data, unsigned int timeout_ms)
{
	struct rnet_inet_proto *p = rnet_inet_of(sk);
	const struct request_sock_ops *ops = &p->rsk_ops;
	const bool is6 = rnet_skb_is6(skb);
	struct inet_request_sock *ireq;
	struct request_sock *req;

	/*
	 * An IPv6 packet to an IPv6 listener; an IPv4 one to an IPv4
	 * listener or a dual-stack IPv6 one (a request of IPv4, whose child
	 * is an IPv4-mapped IPv6 socket).
	 */
	if (sk->sk_state != TCP_LISTEN ||
	    (is6 ? !rnet_inet_is6(sk) : rnet_inet_is6(sk) && ipv6_only_sock(sk)))
		return -EINVAL;
	/* Never to a broadcast or multicast, nor from an IPv4-mapped one. */
	if (is6) {
		if (!skb_dst(skb) || !ipv6_unicast_destination(skb) ||
		    ipv6_addr_v4mapped(&ipv6_hdr(skb)->saddr))
			return -EINVAL;
	} else if (!skb_rtable(skb) ||
		   skb_rtable(skb)->rt_flags & (RTCF_BROADCAST | RTCF_MULTICAST)) {
		return -EINVAL;
	}
	if (inet_csk_reqsk_queue_is_full(sk) || sk_acceptq_is_full(sk))
		return -EBUSY;
#if RNET_INET6
	if (is6)
		ops = &p->rsk_ops6;
#endif
	req = inet_reqsk_alloc(ops, sk, true);
	if (!req)
		return -ENOMEM;
	/* Each retransmission backs off from the first timeout. */
	req->timeout = max_t(u32, msecs_to_jiffies(timeout_ms), 1);
	ireq = inet_rsk(req);
	ireq->acked = 0;
	ireq->ir_rmt_port = sport;
	ireq->ir_num = ntohs(dport);
	ireq->ir_mark = inet_request_mark(sk, skb);
	ireq->ir_iif = READ_ONCE(sk->sk_bound_dev_if);
	if (is6) {
		ireq->ir_v6_rmt_addr = ipv6_hdr(skb)->saddr;
		ireq->ir_v6_loc_addr = ipv6_hdr(skb)->daddr;
		ireq->ireq_family = AF_INET6;
		/* A link-local peer is reached through its interface. */
		if (!ireq->ir_iif &&
		    ipv6_addr_type(&ireq->ir_v6_rmt_addr) & IPV6_ADDR_LINKLOCAL)
			ireq->ir_iif = inet6_iif(skb);
	} else {
		sk_rcv_saddr_set(req_to_sk(req), ip_hdr(skb)->daddr);
		sk_daddr_set(req_to_sk(req), ip_hdr(skb)->saddr);
		ireq->ireq_family = AF_INET;
	}
	spin_lock_init(&rnet_rsk(req)->lock);
	memcpy(rust_helper_rnet_inet_req_data(req), data, p->req_size);
	if (security_inet_conn_request(sk, skb, req)) {
		reqsk_free(req);
		return -EPERM;
	}
	/*
	 * Hashed before answering: the answer's answer must find it. The
	 * tables' locks are taken with bottom halves off, and the route
	 * lookup reads under RCU (the listener's backlog runs this in a
	 * task).
	 */
	rcu_read_lock();
	local_bh_disable();
	if (!inet_csk_reqsk_queue_hash_add(sk, req,
					   msecs_to_jiffies(timeout_ms))) {
		/* Another request for this connection got in first. */
		local_bh_enable();
		rcu_read_unlock();
		reqsk_free(req);
		return 0;
	}
	/* A failed first answer is sent again by the request's timer. */
	rnet_inet_rtx_response(sk, req);
	local_bh_enable();
	rcu_read_unlock();
	reqsk_put(req);
	return 0;
}

/*
 * The addresses (16 bytes of room each) and ports of a request, in
 * network order; returns its IP version, 4 or 6.
 */
int rust_helper_rnet_inet_req_addrs(struct request_sock *req, u8 *saddr,
				    u8 *daddr, __be16 *sport, __be16 *dport)
{
	const struct inet_request_sock *ireq = inet_rsk(req);

	*sport = htons(ireq->ir_num);
	*dport = ireq->ir_rmt_port;
	if (RNET_INET6 && ireq->ireq_family == AF_INET6) {
		memcpy(saddr, &ireq->ir_v6_loc_addr, sizeof(struct in6_addr));
		memcpy(daddr, &ireq->ir_v6_rmt_addr, sizeof(struct in6_addr));
		return 6;
	}
	memcpy(saddr, &ireq->ir_loc_addr, 4);
	memcpy(daddr, &ireq->ir_rmt_addr, 4);
	return 4;
}

#if RNET_INET6
/* rust_helper_rnet_inet_req_xmit over IPv6. */
static int rnet_inet6_req_xmit(struct request_sock *req, const void *data,
			       unsigned int len)
{
	const struct sock *sk = req->rsk_listener;
	struct inet_request_sock *ireq = inet_rsk(req);
	const struct ipv6_pinfo *np = inet6_sk(sk);
	struct ipv6_txoptions *opt;
	struct dst_entry *dst;
	struct sk_buff *skb;
	struct flowi6 fl6;
	int err;

	dst = inet6_csk_route_req(sk, &fl6, req, sk->sk_protocol);
	if (!dst)
		return -EHOSTUNREACH;
	/* The route may be to a routing header's first hop: the peer's. */
	fl6.daddr = ireq->ir_v6_rmt_addr;
	skb = alloc_skb(MAX_HEADER + sizeof(struct ipv6hdr) + len, GFP_ATOMIC);
	if (!skb) {
		dst_release(dst);
		return -ENOBUFS;
	}
	skb_reserve(skb, MAX_HEADER + sizeof(struct ipv6hdr));
	skb_put_data(skb, data, len);
	skb_reset_transport_header(skb);
	skb_dst_set(skb, dst);
	rcu_read_lock();
	opt = ireq->ipv6_opt;
	if (!opt)
		opt = rcu_dereference(np->opt);
	err = ip6_xmit(sk, skb, &fl6, READ_ONCE(sk->sk_mark), opt,
		       np->tclass, READ_ONCE(sk->sk_priority));
	rcu_read_unlock();
	return net_xmit_eval(err);
}
#endif

/* Sends @len bytes of transport header and data for a request. */
int rust_helper_rnet_inet_req_xmit(struct request_sock *req,
				   const void *data, unsigned int len)
{
	const struct sock *sk = req->rsk_listener;
	struct inet_request_sock *ireq = inet_rsk(req);
	struct dst_entry *dst;
	struct sk_buff *skb;
	struct flowi4 fl4;
	int err;

	if (len > IP_MAX_MTU - MAX_HEADER - sizeof(struct ipv6hdr))
		return -EMSGSIZE;
#if RNET_INET6
	if (ireq->ireq_family == AF_INET6)
		return rnet_inet6_req_xmit(req, data, len);
#endif
	dst = inet_csk_route_req(sk, &fl4, req);
	if (!dst)
		return -EHOSTUNREACH;
	skb = alloc_skb(MAX_HEADER + len, GFP_ATOMIC);
	if (!skb) {
		dst_release(dst);
		return -ENOBUFS;
	}
	skb_reserve(skb, MAX_HEADER);
	skb_put_data(skb, data, len);
	skb_reset_transport_header(skb);
	skb_dst_set(skb, dst);
	rcu_read_lock();
	err = ip_build_and_send_pkt(skb, sk, ireq->ir_loc_addr,
				    ireq->ir_rmt_addr,
				    rcu_dereference(ireq->ireq_opt),
				    READ_ONCE(inet_sk(sk)->tos));
	rcu_read_unlock();
	return net_xmit_eval(err);
}

/* Gives up a request: out of the tables, its timer stopped. */
void rust_helper_rnet_inet_req_drop(struct request_sock *req)
{
	inet_csk_reqsk_queue_drop(req->rsk_listener, req);
}

/*
 * The handshake of @req completed with @skb: makes the child socket, with
 * @state (@size bytes of the protocol's, moved in: *@moved tells whether
 * it was), puts it in the listener's accept queue and hands it @skb. @skb
 * and the caller's reference on @req (the accept queue's now) are
 * consumed on success only.
 */
#if RNET_INET6
/*
 * A new child of an IPv6 listener gets its own ipv6_pinfo: the clone
 * copied the listener's, whose pointers (options, multicast and anycast
 * lists, flow labels) are the listener's, and which the child's
 * destructor would free. Its multicast defaults come from @skb (IPv6, or
 * IPv4 for a mapped child).
 */
static void rnet_inet6_child_pinfo(struct sock *child, struct sk_buff *skb)
{
	struct inet_sock *newinet = inet_sk(child);
	struct ipv6_pinfo *newnp;

	newnp = (struct ipv6_pinfo *)((u8 *)child +
				      child->sk_prot->ipv6_pinfo_offset);
	newinet->pinet6 = newnp;
	newnp->pktoptions = NULL;
	newnp->rxpmtu = NULL;
	RCU_INIT_POINTER(newnp->opt, NULL);
	newnp->ipv6_mc_list = NULL;
	newnp->ipv6_ac_list = NULL;
	RCU_INIT_POINTER(newinet->ipv6_fl_list, NULL);
	if (rnet_skb_is6(skb)) {
		newnp->mcast_oif = inet6_iif(skb);
		newnp->mcast_hops = ipv6_hdr(skb)->hop_limit;
	} else {
		newnp->mcast_oif = inet_iif(skb);
		newnp->mcast_hops = ip_hdr(skb)->ttl;
	}
}

/*
 * The addresses of a child of IPv6, the listener's IPv6 options (a copy
 * of its own) and the route @dst, which it takes.
 */
static void rnet_inet6_child_addrs(struct sock *sk, struct sock *child,
				   struct request_sock *req,
				   struct dst_entry *dst)
{
	struct inet_request_sock *ireq = inet_rsk(req);
	const struct ipv6_pinfo *np = inet6_sk(sk);
	struct ipv6_pinfo *newnp = inet6_sk(child);
	struct inet_sock *newinet = inet_sk(child);
	struct ipv6_txoptions *opt;

	child->sk_v6_daddr = ireq->ir_v6_rmt_addr;
	child->sk_v6_rcv_saddr = ireq->ir_v6_loc_addr;
	newnp->saddr = ireq->ir_v6_loc_addr;
	child->sk_bound_dev_if = ireq->ir_iif;
	newinet->inet_daddr = LOOPBACK4_IPV6;
	newinet->inet_saddr = LOOPBACK4_IPV6;
	newinet->inet_rcv_saddr = LOOPBACK4_IPV6;
	inet_csk(child)->icsk_ext_hdr_len = 0;
	rcu_read_lock();
	opt = rcu_dereference(np->opt);
	if (opt) {
		opt = ipv6_dup_options(child, opt);
		RCU_INIT_POINTER(newnp->opt, opt);
		if (opt)
			inet_csk(child)->icsk_ext_hdr_len = opt->opt_nflen +
							   opt->opt_flen;
	}
	rcu_read_unlock();
	ip6_dst_store(child, dst, NULL, NULL);
}
#endif

/* The socket destructor INET sets for @sk's family. */
static void rnet_inet_sock_destruct(struct sock *sk)
{
#if RNET_INET6
	if (sk->sk_family == AF_INET6) {
		inet6_sock_destruct(sk);
		return;
	}
#endif
	inet_sock_destruct(sk);
}

/* The INET part of the Rust socket destructor. */
void rust_helper_rnet_inet_sock_destruct(struct sock *sk)
{
	rnet_inet_sock_destruct(sk);
}

int rust_helper_rnet_inet_req_accept(struct request_sock *req,
				     struct sk_buff *skb, const void *state,
				     unsigned int size, bool *moved)
{
	struct sock *sk = req->rsk_listener;
	struct rnet_inet_proto *p = rnet_inet_of(sk);
	struct inet_request_sock *ireq = inet_rsk(req);
	const bool is6 = rnet_skb_is6(skb);
	struct dst_entry *dst = NULL;
	struct inet_sock *newinet;
	bool own_req, pass, req6;
	struct sock *child;

	*moved = false;
	if (size > p->data_size)
		return -EINVAL;
	/*
	 * The request's family is the packet's (an IPv4 one of an IPv6
	 * listener makes an IPv4-mapped child).
	 */
	req6 = ireq->ireq_family == AF_INET6;
	if (inet_sk_state_load(sk) != TCP_LISTEN || is6 != req6)
		return -ENOTCONN;
	/* The listener's IPsec policy and filter, as for its other packets. */
	if (is6)
		pass = xfrm6_policy_check(sk, XFRM_POLICY_IN, skb);
	else
		pass = xfrm4_policy_check(sk, XFRM_POLICY_IN, skb);
	if (!pass || sk_filter_trim_cap(sk, skb, skb->len))
		return -EPERM;
	nf_reset_ct(skb);
	if (sk_acceptq_is_full(sk)) {
		__NET_INC_STATS(sock_net(sk), LINUX_MIB_LISTENOVERFLOWS);
		return -EBUSY;
	}
#if RNET_INET6
	if (is6) {
		struct flowi6 fl6;

		dst = inet6_csk_route_req(sk, &fl6, req, sk->sk_protocol);
		if (!dst) {
			__NET_INC_STATS(sock_net(sk), LINUX_MIB_LISTENDROPS);
			return -EHOSTUNREACH;
		}
	}
#endif
	child = inet_csk_clone_lock(sk, req, GFP_ATOMIC);
	if (!child) {
		dst_release(dst);
		return -ENOMEM;
	}
	/*
	 * The clone copied the listener's protocol state and destructor:
	 * the state is overwritten (not dropped) with the child's own, and
	 * only then may the destructor drop it. An IPv6 child first gets
	 * its own ipv6_pinfo, whose pointers the destructor frees.
	 */
	child->sk_destruct = rnet_inet_sock_destruct;
#if RNET_INET6
	if (rnet_inet_is6(child))
		rnet_inet6_child_pinfo(child, skb);
	if (is6)
		rnet_inet6_child_addrs(sk, child, req, dst);
#endif
	rust_helper_rnet_inet_sock_init(child);
	memcpy((char *)child + p->data_offset, state, size);
	*moved = true;
	child->sk_destruct = sk->sk_destruct;

	newinet = inet_sk(child);
	/* The listener's IP options are its own (freed with it). */
	RCU_INIT_POINTER(newinet->inet_opt, NULL);
	if (!is6) {
		inet_csk(child)->icsk_ext_hdr_len = 0;
		sk_daddr_set(child, ireq->ir_rmt_addr);
		sk_rcv_saddr_set(child, ireq->ir_loc_addr);
		newinet->inet_saddr = ireq->ir_loc_addr;
		newinet->mc_index = inet_iif(skb);
		newinet->mc_ttl = ip_hdr(skb)->ttl;
		atomic_set(&newinet->inet_id, get_random_u16());
		/* A mapped child's IPv6 source is the mapped address. */
		if (rnet_inet_is6(child))
			inet6_sk(child)->saddr = child->sk_v6_rcv_saddr;
		dst = inet_csk_route_child_sock(sk, child, req);
		if (!dst)
			goto put;
		sk_setup_caps(child, dst);
	}
	if (__inet_inherit_port(sk, child) < 0)
		goto put;
	own_req = inet_ehash_nolisten(child, req_to_sk(req), NULL);
	child = inet_csk_complete_hashdance(sk, child, req, own_req);
	if (!child)
		/* Another CPU completed this handshake first. */
		return -EEXIST;
	/*
	 * The child's first packet, under its bh lock: no task can own it
	 * before accept() took it, which that lock holds off.
	 */
	p->prot.backlog_rcv(child, skb);
	sk->sk_data_ready(sk);
	bh_unlock_sock(child);
	sock_put(child);
	return 0;

put:
	inet_csk_prepare_forced_close(child);
	rnet_inet_set_state(child, TCP_CLOSE);
	inet_csk_destroy_sock(child);
	__NET_INC_STATS(sock_net(sk), LINUX_MIB_LISTENDROPS);
	return -EHOSTUNREACH;
}
