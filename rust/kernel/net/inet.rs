// SPDX-License-Identifier: GPL-2.0

//! Connection-oriented INET protocols (`struct proto`, `proto_ops`,
//! `inet_protosw`, `net_protocol`) built on the kernel's INET connection
//! sockets.
//!
//! C headers: [`include/net/sock.h`](srctree/include/net/sock.h),
//! [`include/net/inet_connection_sock.h`](srctree/include/net/inet_connection_sock.h),
//! [`include/net/inet_hashtables.h`](srctree/include/net/inet_hashtables.h),
//! [`include/net/protocol.h`](srctree/include/net/protocol.h).
//!
//! A type implementing [`Protocol`] is an IPv4 and IPv6 transport
//! protocol: a [`Registration`] gives it its own `proto` (and slab) for
//! each family, hash tables, timewait death row, per-CPU orphan count, a
//! raw control socket per namespace and family, the protocol handlers and,
//! last, the `inet_protosw`s that make `socket(AF_INET or AF_INET6,
//! P::SOCK_TYPE, P::PROTOCOL)` reach it. An IPv6 socket is dual-stack
//! unless `IPV6_V6ONLY`: with an IPv4-mapped peer it speaks IPv4, and its
//! [`Addrs`] are IPv4 ones. Its sockets are
//! INET connection sockets: bind, port allocation, the listen queue and
//! accept, connect's wait, shutdown and the socket options of other
//! levels are the kernel's own (`inet_bind`, `inet_csk_get_port`,
//! `inet_stream_connect`, `inet_accept` (without its check of TCP's
//! states), ...).
//!
//! Each socket carries the protocol's state, a [`Protocol::Sock`], written
//! in place by `proto.init`. The protocol reaches it only through
//! [`Locked`], which exists while the socket's protocol state is the
//! caller's alone: under `lock_sock` in a task, or under the bh lock in
//! softirq with no task owning the socket (packets that arrive while a
//! task owns it wait in the backlog and are handed over when the task
//! releases it). The state is dropped by the socket's destructor, when its
//! last reference goes.
//!
//! Teardown: dropping the [`Registration`] unregisters the protosw first
//! and the handler next; the rest is freed in the module's exit (when no
//! socket of the protocol is left: each holds a reference on the module)
//! or, for a registration dropped earlier or leaked, when the module goes
//! (see [`crate::module_scope`]).

use crate::{
    bindings,
    error::{from_err_ptr, to_result, Error, Result},
    ffi::{c_char, c_int, c_long, c_uint, c_void},
    net::{
        netfilter::{Family, HookPoint, HookSkb, HookState},
        pernet::Net,
        skb::SkBuff,
    },
    prelude::*,
    str::CStr,
    types::Opaque,
    ThisModule,
};
use core::{
    cell::UnsafeCell,
    marker::PhantomData,
    mem::{offset_of, size_of, MaybeUninit},
    ptr::{self, NonNull},
};

/// A socket state. DCCP's states share TCP's numbers where the INET code
/// gives them a meaning (RFC 4340's names in the comments).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum State {
    /// `TCP_ESTABLISHED` (DCCP OPEN).
    Established = 1,
    /// `TCP_SYN_SENT` (REQUESTING).
    SynSent = 2,
    /// `TCP_SYN_RECV` (RESPOND).
    SynRecv = 3,
    /// `TCP_FIN_WAIT1` (ACTIVE_CLOSEREQ).
    FinWait1 = 4,
    /// `TCP_FIN_WAIT2`.
    FinWait2 = 5,
    /// `TCP_TIME_WAIT` (TIMEWAIT).
    TimeWait = 6,
    /// `TCP_CLOSE` (CLOSED).
    Close = 7,
    /// `TCP_CLOSE_WAIT` (PASSIVE_CLOSE).
    CloseWait = 8,
    /// `TCP_LAST_ACK`.
    LastAck = 9,
    /// `TCP_LISTEN` (LISTEN).
    Listen = 10,
    /// `TCP_CLOSING` (CLOSING).
    Closing = 11,
    /// A protocol state past TCP's (DCCP PARTOPEN).
    Proto1 = 14,
    /// A protocol state past TCP's (DCCP PASSIVE_CLOSEREQ).
    Proto2 = 15,
}

impl State {
    fn from_raw(v: c_int) -> State {
        match v {
            1 => State::Established,
            2 => State::SynSent,
            3 => State::SynRecv,
            4 => State::FinWait1,
            5 => State::FinWait2,
            6 => State::TimeWait,
            8 => State::CloseWait,
            9 => State::LastAck,
            10 => State::Listen,
            11 => State::Closing,
            14 => State::Proto1,
            15 => State::Proto2,
            _ => State::Close,
        }
    }
}

/// The states a protocol may move a connected socket to by itself with
/// [`Locked::set_state`]; listening, closing and timewait have their own
/// methods (the INET tables must follow).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum ConnState {
    /// `TCP_ESTABLISHED`.
    Established = 1,
    /// `TCP_FIN_WAIT1`.
    FinWait1 = 4,
    /// `TCP_FIN_WAIT2`.
    FinWait2 = 5,
    /// `TCP_CLOSE_WAIT`.
    CloseWait = 8,
    /// `TCP_LAST_ACK`.
    LastAck = 9,
    /// `TCP_CLOSING`.
    Closing = 11,
    /// A protocol state past TCP's.
    Proto1 = 14,
    /// A protocol state past TCP's.
    Proto2 = 15,
}

/// The addresses and ports of a connected socket, a connection request or
/// a received packet, IPv4 or IPv6.
///
/// # Invariants
///
/// `len` is 4 (IPv4: the first four bytes of each address) or 16.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Addrs {
    saddr: [u8; 16],
    daddr: [u8; 16],
    len: u8,
    /// Local (or the packet's source) port, host order.
    pub sport: u16,
    /// Remote (or the packet's destination) port, host order.
    pub dport: u16,
}

impl Addrs {
    /// IPv4 addresses and ports.
    pub fn v4(saddr: [u8; 4], daddr: [u8; 4], sport: u16, dport: u16) -> Self {
        let (mut s, mut d) = ([0; 16], [0; 16]);
        s[..4].copy_from_slice(&saddr);
        d[..4].copy_from_slice(&daddr);
        // INVARIANT: IPv4.
        Addrs {
            saddr: s,
            daddr: d,
            len: 4,
            sport,
            dport,
        }
    }

    /// IPv6 addresses and ports.
    pub fn v6(saddr: [u8; 16], daddr: [u8; 16], sport: u16, dport: u16) -> Self {
        // INVARIANT: IPv6.
        Addrs {
            saddr,
            daddr,
            len: 16,
            sport,
            dport,
        }
    }

    /// From a helper's answer: the IP version (4 or 6, else `None`), the
    /// addresses and the network-order ports.
    fn from_helper(
        v: c_int,
        saddr: [u8; 16],
        daddr: [u8; 16],
        sport: u16,
        dport: u16,
    ) -> Option<Self> {
        let len = match v {
            4 => 4,
            6 => 16,
            _ => return None,
        };
        // INVARIANT: 4 or 16.
        Some(Addrs {
            saddr,
            daddr,
            len,
            sport: u16::from_be(sport),
            dport: u16::from_be(dport),
        })
    }

    /// Whether these are IPv6 addresses.
    pub fn is_v6(&self) -> bool {
        self.len == 16
    }

    /// The local (or the packet's source) address: 4 or 16 bytes.
    pub fn saddr(&self) -> &[u8] {
        &self.saddr[..usize::from(self.len)]
    }

    /// The remote (or the packet's destination) address.
    pub fn daddr(&self) -> &[u8] {
        &self.daddr[..usize::from(self.len)]
    }

    /// The other direction's: source and destination swapped.
    pub fn reversed(&self) -> Self {
        Addrs {
            saddr: self.daddr,
            daddr: self.saddr,
            len: self.len,
            sport: self.dport,
            dport: self.sport,
        }
    }
}

/// An INET transport protocol.
pub trait Protocol: Sized + Send + Sync + 'static {
    /// The protocol's state in each socket. It is dropped by the socket's
    /// destructor, which may run in softirq or RCU callback context.
    type Sock: Send;

    /// The protocol's socket option level (`SOL_*`), 0 for none: its
    /// options go to [`Protocol::setsockopt`] and [`Protocol::getsockopt`]
    /// with the socket locked; other levels but IP's get `ENOPROTOOPT`.
    const SOL: i32 = 0;

    /// The bytes of transport header and option room a data packet needs:
    /// a connected socket's MPS (the largest message `sendmsg` takes) is
    /// the path MTU less the IP header and this (at most 1020).
    const DATA_OVERHEAD: u32 = 0;

    /// The most messages a socket's send queue holds ([`Locked::tx_enqueue`]),
    /// at most 1024; 0 for a protocol without one, which sends every
    /// message from [`Protocol::sendmsg`] at once (`tx_enqueue` refuses). While the queue is full, `sendmsg()`
    /// waits for room (`EAGAIN` on a non-blocking socket) and `poll()`
    /// does not report the socket writable. This is each socket's limit
    /// at first; [`Locked::set_tx_queue`] changes it.
    const TX_QUEUE_LEN: u32 = 0;

    /// The control message type (at level [`Protocol::SOL`]) that gives a
    /// message's priority in a priority send queue (a `u32`), 0 for none.
    /// `sendmsg()` refuses it on a socket without a priority queue, and
    /// any other control message of level `SOL` (`EINVAL`).
    const SCM_PRIORITY: i32 = 0;

    /// The protocol's state in each connection request (a handshake a
    /// listener answered, before its socket is made). Requests are copied
    /// and freed by the INET code without a destructor: plain data.
    type Req: Copy + Send;

    /// Name of the proto (`/proc/net/protocols`) and of its slab caches.
    const NAME: &'static CStr;
    /// The IP protocol number (`IPPROTO_*`).
    const PROTOCOL: u8;
    /// The socket type (`SOCK_*`).
    const SOCK_TYPE: i16;
    /// The longest header the protocol sends (at most 1020 bytes, else
    /// registration fails with `EINVAL`); room for IP and the link layer
    /// is added to it.
    const MAX_HEADER: u32;

    /// The state of a new socket (`proto.init`).
    fn init() -> Result<Self::Sock>;

    /// `connect()`'s protocol part (`proto.connect`): the socket is routed
    /// and hashed, with a local port, in [`State::SynSent`]; on error it
    /// goes back to [`State::Close`].
    fn connect(sk: &mut Locked<'_, Self>) -> Result;

    /// `close()` of the last file reference (`proto.close`): the protocol
    /// ends or starts ending the connection. A socket left in
    /// [`State::Close`] is then destroyed, any other lives on as an orphan
    /// until the protocol calls [`Locked::done`]. Listening sockets are
    /// stopped by the abstraction before this is called.
    fn close(sk: &mut Locked<'_, Self>);

    /// A packet for a socket, with its protocol state held
    /// (`proto.backlog_rcv` or the receive softirq).
    fn do_rcv(sk: &mut Locked<'_, Self>, skb: Packet<Self>);

    /// Sends (again) the answer to a connection request: from
    /// [`Locked::new_request`], and from the request's retransmission
    /// timer (`request_sock_ops.rtx_syn_ack`). An error from the timer's
    /// call drops the request; one from the first answer leaves it to the
    /// timer to send again.
    fn send_response(req: &mut ReqLocked<'_, Self>) -> Result;

    /// The retransmission timer armed with [`Locked::reset_xmit_timer`]
    /// expired.
    fn xmit_timer(_sk: &mut Locked<'_, Self>) {}

    /// The delayed-acknowledgement timer armed with
    /// [`Locked::schedule_delack`] expired.
    fn delack_timer(_sk: &mut Locked<'_, Self>) {}

    /// `setsockopt(fd, P::SOL, name, ...)`.
    fn setsockopt(_sk: &mut Locked<'_, Self>, _name: i32, _val: &OptIn) -> Result {
        Err(Error::from_errno(-(bindings::ENOPROTOOPT as i32)))
    }

    /// `getsockopt(fd, P::SOL, name, ...)`.
    fn getsockopt(_sk: &mut Locked<'_, Self>, _name: i32, _out: &mut OptOut) -> Result {
        Err(Error::from_errno(-(bindings::ENOPROTOOPT as i32)))
    }

    /// A message from `sendmsg()` on a connected socket (OPEN or
    /// [`State::Proto1`]), at most the MPS long, in `skb`: the protocol
    /// adds its header and sends it ([`Locked::xmit_skb`]) or drops it.
    /// An error is `sendmsg()`'s.
    fn sendmsg(_sk: &mut Locked<'_, Self>, _skb: OutSkb<'_>) -> Result {
        Err(Error::from_errno(-(bindings::EOPNOTSUPP as i32)))
    }

    /// A packet of the protocol from IP (`net_protocol.handler`); the
    /// protocol finds its socket with [`Rx::lookup`].
    fn rcv(net: &Net, skb: Rx<Self>);

    /// Checks a socket may listen, before it goes to [`State::Listen`].
    fn listen_start(_sk: &mut Locked<'_, Self>) -> Result {
        Ok(())
    }

    /// `connect(AF_UNSPEC)` and an interrupted connect (`proto.disconnect`):
    /// the protocol forgets its connection; the abstraction then returns
    /// the socket to [`State::Close`].
    fn disconnect(_sk: &mut Locked<'_, Self>) {}

    /// Whether `sent`, the start of the transport header an ICMP error
    /// quotes (as much as the message carries, 8 to 64 bytes), is from a
    /// packet this socket sent; only then does the error count
    /// (`net_protocol.err_handler`, receive softirq, under the bh lock of
    /// a socket no task owns that is not closed). By default none is.
    fn icmp_sent(_sk: &mut Locked<'_, Self>, _sent: &[u8]) -> bool {
        false
    }

    /// An ICMP error about a packet [`Protocol::icmp_sent`] accepted,
    /// mapped to `err` as TCP maps it (destination unreachable by code,
    /// parameter problem `EPROTO`, time exceeded `EHOSTUNREACH`).
    /// Fragmentation Needed and Redirect are the abstraction's (the route
    /// changes) and do not come here. By default the error is recorded as
    /// the socket's soft error.
    fn icmp_error(sk: &mut Locked<'_, Self>, err: Error) {
        sk.soft_error(err);
    }
}

/// A socket of protocol `P`.
///
/// # Invariants
///
/// The socket's `sk_prot` is `P`'s proto, so its memory is a
/// [`SockRepr<P>`], and its protocol state is written (`proto.init`, or
/// the clone path, returned successfully).
#[repr(transparent)]
pub struct Sock<P: Protocol>(Opaque<bindings::sock>, PhantomData<P>);

/// The memory of a socket of `P`: the INET connection socket, its send
/// queue settings (the C helpers' `struct rnet_inet_txq`, theirs alone),
/// and the protocol's state.
#[repr(C)]
struct SockRepr<P: Protocol> {
    icsk: Opaque<bindings::inet_connection_sock>,
    txq: Opaque<[u32; 2]>,
    data: UnsafeCell<MaybeUninit<P::Sock>>,
}

// SAFETY: the protocol state is only reached through `Locked`, which the
// kernel's socket locking makes exclusive; other accessors read fields
// the kernel reads locklessly too.
unsafe impl<P: Protocol> Sync for Sock<P> {}
// SAFETY: as above.
unsafe impl<P: Protocol> Send for Sock<P> {}

impl<P: Protocol> Sock<P> {
    /// # Safety
    ///
    /// `sk` is a socket of `P` for which the invariant holds, valid for
    /// `'a`.
    unsafe fn from_raw<'a>(sk: *mut bindings::sock) -> &'a Self {
        // SAFETY: transparent wrapper; validity is the caller's.
        unsafe { &*sk.cast() }
    }

    fn as_raw(&self) -> *mut bindings::sock {
        self.0.get()
    }

    /// The socket's state.
    pub fn state(&self) -> State {
        // SAFETY: the socket is valid (invariant); the state is read with
        // the kernel's lockless accessor.
        State::from_raw(unsafe { bindings::rnet_sk_state(self.as_raw()) })
    }

    fn data_ptr(&self) -> *mut P::Sock {
        let repr = self.as_raw().cast::<SockRepr<P>>();
        // SAFETY: the socket's memory is a `SockRepr<P>` (invariant).
        unsafe { (*ptr::addr_of!((*repr).data)).get().cast() }
    }
}

/// A socket whose protocol state the holder has to itself: the socket
/// lock is held by this task, or the bh lock in softirq with no task
/// owning the socket, or the backlog is being handed over by the task that
/// owns it. Only the abstraction's trampolines make one.
pub struct Locked<'a, P: Protocol> {
    sk: &'a Sock<P>,
}

impl<'a, P: Protocol> Locked<'a, P> {
    /// The socket.
    pub fn sock(&self) -> &Sock<P> {
        self.sk
    }

    /// The protocol's state.
    pub fn data(&mut self) -> &mut P::Sock {
        // SAFETY: the state is written (invariant of `Sock`) and this
        // holder is the only one reaching it (type invariant); `&mut self`
        // makes the borrow unique here too.
        unsafe { &mut *self.sk.data_ptr() }
    }

    /// The socket's state.
    pub fn state(&self) -> State {
        self.sk.state()
    }

    /// The socket's network namespace, for a socket that holds a
    /// reference on it (one made by `socket()`); `None` for a kernel
    /// socket, whose namespace may be in its exits while it lives.
    pub fn net(&self) -> Option<&Net> {
        // SAFETY: the socket is valid (type invariant).
        let p = unsafe { bindings::rnet_sock_net_counted(self.sk.as_raw()) };
        if p.is_null() {
            return None;
        }
        // SAFETY: the socket holds a reference on its namespace, so its
        // dismantling cannot begin while the socket lives; `self`
        // borrows the socket.
        Some(unsafe { Net::from_raw(p) })
    }

    /// Moves a connected socket to `s`.
    pub fn set_state(&mut self, s: ConnState) {
        // SAFETY: the socket is valid and its state is ours to change
        // (type invariant); `s` is one of the states that need no INET
        // table change.
        unsafe { bindings::rnet_inet_set_state(self.sk.as_raw(), s as c_int) };
    }

    /// Ends the connection (or the attempt): [`State::Close`], out of the
    /// hash tables, timers stopped, `err` reported to the socket's user.
    /// An orphaned socket is destroyed (its memory lives on until its
    /// last reference goes).
    pub fn done(&mut self, err: Option<Error>) {
        let e = err.map_or(0, |e| -e.to_errno());
        // SAFETY: the socket is valid and ours (type invariant); the
        // destroy this may start does not free the memory `self`
        // borrows: the caller holds a reference.
        unsafe { bindings::rnet_inet_done(self.sk.as_raw(), e) };
    }

    /// Records `err` as the socket's soft error: `SO_ERROR` reads it when
    /// no error is set.
    pub fn soft_error(&mut self, err: Error) {
        // SAFETY: the socket is valid and ours (type invariant).
        unsafe { bindings::rnet_inet_soft_error(self.sk.as_raw(), -err.to_errno()) };
    }

    /// Sets the socket's error and wakes its waiters (the next call on it
    /// fails with `err`), without ending the connection.
    pub fn report_error(&mut self, err: Error) {
        // SAFETY: as above.
        unsafe { bindings::rnet_inet_report_error(self.sk.as_raw(), -err.to_errno()) };
    }

    /// Whether the application set `IP_RECVERR` (it wants ICMP errors
    /// reported on an established connection).
    pub fn ip_recverr(&self) -> bool {
        // SAFETY: the socket is valid.
        unsafe { bindings::rnet_inet_recverr(self.sk.as_raw()) }
    }

    /// The addresses and ports of the connected socket.
    pub fn addrs(&self) -> Addrs {
        let (mut s, mut d, mut sp, mut dp) = ([0u8; 16], [0u8; 16], 0u16, 0u16);
        // SAFETY: the socket is valid; the out pointers are locals (16
        // bytes for each address).
        let v = unsafe {
            bindings::rnet_inet_addrs(
                self.sk.as_raw(),
                s.as_mut_ptr(),
                d.as_mut_ptr(),
                &mut sp,
                &mut dp,
            )
        };
        // The helper answers 4 or 6; IPv4's zero addresses otherwise.
        Addrs::from_helper(v, s, d, sp, dp).unwrap_or(Addrs::v4([0; 4], [0; 4], 0, 0))
    }

    /// Sends `pkt` (transport header with its checksum, and data) to the
    /// peer of a connecting or connected socket (`ENOTCONN` otherwise).
    pub fn xmit(&mut self, pkt: &[u8]) -> Result {
        let len = u32::try_from(pkt.len()).map_err(|_| E2BIG)?;
        // SAFETY: the socket is valid and ours (type invariant); the helper
        // refuses a socket without a peer (`ENOTCONN`) and a length IP
        // cannot carry (`EMSGSIZE`); `pkt` is readable for `len` bytes.
        to_result(unsafe { bindings::rnet_inet_xmit(self.sk.as_raw(), pkt.as_ptr().cast(), len) })
    }

    /// Arms the retransmission timer: [`Protocol::xmit_timer`] runs in
    /// `ms` milliseconds (at most two minutes), unless the timer is armed
    /// again or stopped first, or the socket closes.
    pub fn reset_xmit_timer(&mut self, ms: u32) {
        // SAFETY: the socket is valid and ours (type invariant); its
        // timers were set up by `proto.init` (or the clone path).
        unsafe { bindings::rnet_inet_reset_xmit_timer(self.sk.as_raw(), ms) };
    }

    /// Sends `skb` (its transport header and checksum set) to the peer of
    /// a connected socket (`ENOTCONN` otherwise, `EINVAL` for another
    /// socket's packet; the packet is dropped).
    pub fn xmit_skb(&mut self, skb: OutSkb<'_>) -> Result {
        // SAFETY: the socket is valid and ours (type invariant); the
        // packet is handed over (the helper consumes it).
        to_result(unsafe { bindings::rnet_inet_xmit_skb(self.sk.as_raw(), skb.skb.into_raw()) })
    }

    /// Puts a message from [`Protocol::sendmsg`] at the end of the send
    /// queue, for the protocol to send later ([`Locked::tx_dequeue`]).
    /// The queue is freed with the socket (and on disconnect). Refused,
    /// the packet dropped: another socket's packet or a protocol without
    /// a queue (`EINVAL`), a closed, listening or orphaned socket
    /// (`ENOTCONN`).
    pub fn tx_enqueue(&mut self, skb: OutSkb<'_>) -> Result {
        // SAFETY: the socket is valid and locked by us (type invariant);
        // the packet is handed over (queued or freed by the helper).
        to_result(unsafe { bindings::rnet_inet_tx_enqueue(self.sk.as_raw(), skb.skb.into_raw()) })
    }

    /// Takes the next message out of the send queue, to be sent now (it
    /// is dropped if not): the oldest, or in a priority queue the oldest
    /// of the highest priority; a writer waiting for room is woken.
    pub fn tx_dequeue(&mut self) -> Option<OutSkb<'a>> {
        // SAFETY: the socket is valid and locked by us (type invariant).
        let raw = unsafe { bindings::rnet_inet_tx_dequeue(self.sk.as_raw()) };
        // SAFETY: a packet `tx_enqueue` queued, unlinked and now ours.
        let skb = unsafe { SkBuff::from_raw(raw) }?;
        // INVARIANT: queued by `tx_enqueue`: a linear, unshared packet of
        // this socket's.
        Some(OutSkb {
            skb,
            _p: PhantomData,
        })
    }

    /// Sets this socket's send queue: at most `len` messages (0: no limit
    /// but the send buffer), and whether it is a priority queue. In a
    /// priority queue, each message has the priority its sender gave in a
    /// control message ([`Protocol::SCM_PRIORITY`]), the highest goes
    /// first, and a full queue drops its (first) message of the lowest
    /// priority to take a new one, so that `sendmsg()` never waits for
    /// room in it (only for send buffer). Every socket starts with [`Protocol::TX_QUEUE_LEN`] and a
    /// plain queue; an accepted one has its listener's. `EOPNOTSUPP` for
    /// a protocol without a queue. Room made wakes a waiting writer.
    pub fn set_tx_queue(&mut self, len: u32, priority: bool) -> Result {
        // SAFETY: the socket is valid and locked by us (type invariant).
        to_result(unsafe { bindings::rnet_inet_set_txq(self.sk.as_raw(), len, priority) })
    }

    /// The send queue's limit and whether it is a priority queue
    /// ([`Locked::set_tx_queue`]).
    pub fn tx_queue(&self) -> (u32, bool) {
        let sk = self.sk.as_raw();
        // SAFETY: the socket is valid and locked by us (type invariant).
        unsafe {
            (
                bindings::rnet_inet_txq_len(sk),
                bindings::rnet_inet_txq_prio(sk),
            )
        }
    }

    /// The number of messages in the send queue.
    pub fn tx_queued(&self) -> u32 {
        // SAFETY: the socket is valid and locked by us (type invariant).
        unsafe { bindings::rnet_inet_tx_queued(self.sk.as_raw()) }
    }

    /// Queues the data of `pkt` (after its `hlen`-byte header) for
    /// `recvmsg()`; `ENOMEM` when the receive buffer is full (the packet
    /// is dropped and counted in the socket's drops).
    pub fn queue_rcv(&mut self, pkt: Packet<P>, hlen: u32) -> Result {
        // SAFETY: the socket is valid and ours (type invariant); the
        // packet is handed over (the helper consumes it) and is one the
        // socket received.
        to_result(unsafe {
            bindings::rnet_inet_queue_rcv(self.sk.as_raw(), pkt.skb.into_raw(), hlen)
        })
    }

    /// The largest message `sendmsg()` takes now (the MPS).
    pub fn cur_mps(&self) -> u32 {
        // SAFETY: the socket is valid and ours (type invariant).
        unsafe { bindings::rnet_inet_cur_mps(self.sk.as_raw()) as u32 }
    }

    /// The peer ends its sending: the reader gets what is queued, then
    /// the end (0 from `recvmsg()`, `POLLRDHUP`).
    pub fn shutdown_rcv(&mut self) {
        // SAFETY: the socket is valid and ours (type invariant).
        unsafe { bindings::rnet_inet_shutdown_rcv(self.sk.as_raw()) };
    }

    /// Stops the retransmission timer.
    pub fn clear_xmit_timer(&mut self) {
        // SAFETY: as above.
        unsafe { bindings::rnet_inet_clear_xmit_timer(self.sk.as_raw()) };
    }

    /// Arms the delayed-acknowledgement timer, unless it is armed
    /// already: [`Protocol::delack_timer`] runs in `ms` milliseconds (at
    /// most 200), unless the timer is stopped first or the socket closes.
    pub fn schedule_delack(&mut self, ms: u32) {
        // SAFETY: the socket is valid and ours (type invariant); its
        // timers were set up by `proto.init` (or the clone path).
        unsafe { bindings::rnet_inet_schedule_delack(self.sk.as_raw(), ms) };
    }

    /// Stops the delayed-acknowledgement timer.
    pub fn clear_delack(&mut self) {
        // SAFETY: the socket is valid and ours (type invariant).
        unsafe { bindings::rnet_inet_clear_delack(self.sk.as_raw()) };
    }

    /// Ends the connection into TIMEWAIT: a timewait socket holds the
    /// addresses for `ms` milliseconds (none when memory or the death
    /// row's limit is short), and the socket is [`Locked::done`] with no
    /// error. Nothing happens to a closed or listening socket.
    pub fn time_wait(&mut self, ms: u32) {
        // SAFETY: the socket is valid and ours (type invariant); the
        // helper leaves closed and listening sockets alone.
        unsafe { bindings::rnet_inet_time_wait(self.sk.as_raw(), ms) };
    }

    /// Replies to `pkt`, a packet this socket received, with `out`
    /// (transport header with its checksum) from the control socket of
    /// the socket's namespace (`ENOENT` for a kernel socket).
    pub fn reply(&self, pkt: &Packet<P>, out: &[u8]) -> Result {
        let len = u32::try_from(out.len()).map_err(|_| E2BIG)?;
        // SAFETY: the socket is valid (type invariant); `pkt` is a received
        // IP packet (its invariant), whose route the helper checks;
        // `out` is readable for `len` bytes.
        to_result(unsafe {
            bindings::rnet_inet_sk_reply(self.sk.as_raw(), pkt.skb.raw(), out.as_ptr().cast(), len)
        })
    }

    /// Answers the connection request `pkt` to this listening socket:
    /// keeps a request with state `req`, sends [`Protocol::send_response`]
    /// and retransmits it first after `timeout_ms`, backing off, until the
    /// handshake completes (see [`ReqRx::accept`]) or the retries end.
    /// `EINVAL` for a socket that does not listen or a packet to a
    /// broadcast or multicast address, `EBUSY` when the listener's queues
    /// are full.
    pub fn new_request(&mut self, pkt: &Packet<P>, req: P::Req, timeout_ms: u32) -> Result {
        let a = pkt.addrs().ok_or(EINVAL)?;
        let req = MaybeUninit::new(req);
        // SAFETY: the socket is valid and ours (type invariant); `pkt`
        // is a received IP packet (its invariant); `req` is readable
        // for `size_of::<P::Req>()` bytes, the request size registered,
        // and is copied (`P::Req: Copy`: no drop is owed).
        to_result(unsafe {
            bindings::rnet_inet_req_new(
                self.sk.as_raw(),
                pkt.skb.raw(),
                a.sport.to_be(),
                a.dport.to_be(),
                req.as_ptr().cast(),
                timeout_ms,
            )
        })
    }
}

/// A counted reference to a socket of `P`, from [`Rx::lookup`].
///
/// Not `Send`: it is made and used on the receive path, and dropping the
/// last reference frees the socket, which must not happen in hard IRQ
/// context (a reference kept where an interrupt handler could drop it).
///
/// # Invariants
///
/// Holds one reference on a socket for which `Sock<P>`'s invariant holds.
pub struct SockRef<P: Protocol>(NonNull<Sock<P>>);

impl<P: Protocol> SockRef<P> {
    /// The socket.
    pub fn sock(&self) -> &Sock<P> {
        // SAFETY: the reference keeps the socket valid (invariant).
        unsafe { self.0.as_ref() }
    }
}

impl<P: Protocol> Drop for SockRef<P> {
    fn drop(&mut self) {
        // SAFETY: the reference is ours (invariant).
        unsafe { bindings::rnet_sock_put(self.0.as_ptr().cast()) };
    }
}

/// A received packet and what it belongs to, from [`Rx::lookup`] (which
/// consumes the packet: one lookup per packet, so one handle per request).
pub enum Lookup<P: Protocol> {
    /// No socket or request (a timewait socket counts as none).
    None(Rx<P>),
    /// A socket (listening, connecting, connected or closing).
    Sock(SockRef<P>, Rx<P>),
    /// A connection request a listener answered.
    Req(ReqRx<P>),
}

/// Why [`Rx::deliver`] dropped a packet instead of handing it on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Undelivered {
    /// The IPsec input policy refused it.
    Policy,
    /// The socket's filter (`SO_ATTACH_FILTER`) or a security module
    /// (`security_sock_rcv_skb`) refused it, or it came from the
    /// emergency reserves (pfmemalloc) to a socket not allowed them. A
    /// filter passes or drops a packet whole: the length it returns does
    /// not shorten the packet the protocol checked.
    Filter,
    /// A task owned the socket and its backlog was full (or the packet
    /// came from the emergency reserves).
    Backlog,
}

/// A received packet for a connection request of `P`, with a reference
/// on the request. Like [`Rx`], it stays in the receive softirq call (it
/// is not `Send`).
///
/// # Invariants
///
/// `req` holds one reference on a request socket whose ops are `P`'s, so
/// that its memory holds a `P::Req` (written before the request was
/// hashed) behind its lock, and its listener is a socket of `P`.
pub struct ReqRx<P: Protocol> {
    req: NonNull<bindings::request_sock>,
    pkt: core::mem::ManuallyDrop<Rx<P>>,
}

impl<P: Protocol> ReqRx<P> {
    /// The packet.
    pub fn packet(&self) -> &Rx<P> {
        &self.pkt
    }

    /// Takes the request's lock, for its state. (Accepting or dropping
    /// the request needs the lock released.)
    pub fn lock(&mut self) -> ReqLocked<'_, P> {
        // SAFETY: a valid request of `P` (type invariant).
        unsafe { bindings::rnet_inet_req_lock(self.req.as_ptr()) };
        // INVARIANT: locked here, unlocked by the guard's drop; the
        // guard borrows `self`, which holds a reference.
        ReqLocked {
            req: self.req,
            _p: PhantomData,
        }
    }

    /// Gives the request up: out of the tables, its timer stopped; the
    /// packet is dropped.
    pub fn drop_req(self) {
        // SAFETY: a valid request (type invariant); dropping it from its
        // listener's queue leaves our reference valid (put by our drop).
        unsafe { bindings::rnet_inet_req_drop(self.req.as_ptr()) };
    }

    /// Completes the handshake with the packet: makes the request's socket
    /// with state `state`, queues it for `accept()` on the listener and
    /// hands it the packet ([`Protocol::do_rcv`], in [`State::SynRecv`]).
    /// On failure the request and packet are given back: `EPERM` when the
    /// listener's IPsec policy or socket filter refuses the packet,
    /// `EBUSY` when the accept queue is full, `ENOTCONN` when the listener
    /// stopped, `EEXIST` when another packet completed it first, `ENOMEM`
    /// or `EHOSTUNREACH`.
    pub fn accept(self, state: P::Sock) -> core::result::Result<(), (Error, ReqRx<P>)> {
        let state = core::mem::ManuallyDrop::new(state);
        let mut moved = false;
        // SAFETY: a valid request of `P` (type invariant), whose listener
        // is a socket of `P`; the packet is its IP input packet, in the
        // receive softirq (`Rx`'s invariant); `state` is readable for its
        // size, and moved out (bitwise) only when the helper says so.
        let r = unsafe {
            bindings::rnet_inet_req_accept(
                self.req.as_ptr(),
                self.pkt.skb.raw(),
                ptr::addr_of!(*state).cast(),
                size_of::<P::Sock>() as c_uint,
                &mut moved,
            )
        };
        if !moved {
            // The helper did not take the value: it is still ours.
            drop(core::mem::ManuallyDrop::into_inner(state));
        }
        if r == 0 {
            // The helper consumed the packet, and our reference on the
            // request went to the listener's accept queue.
            core::mem::forget(self);
            Ok(())
        } else {
            Err((Error::from_errno(r), self))
        }
    }
}

impl<P: Protocol> Drop for ReqRx<P> {
    fn drop(&mut self) {
        // SAFETY: the packet is ours, dropped once here.
        unsafe { core::mem::ManuallyDrop::drop(&mut self.pkt) };
        // SAFETY: the reference is ours (type invariant).
        unsafe { bindings::rnet_inet_req_put(self.req.as_ptr()) };
    }
}

/// A connection request of `P` with its lock held: its state is the
/// holder's.
///
/// # Invariants
///
/// `req` is a valid request of `P` (see [`ReqRx`]), locked by this guard;
/// it stays valid while the guard lives (the guard borrows a reference, or
/// is made by the request's own timer, which holds one).
pub struct ReqLocked<'a, P: Protocol> {
    req: NonNull<bindings::request_sock>,
    _p: PhantomData<(&'a (), P, *mut ())>,
}

impl<P: Protocol> ReqLocked<'_, P> {
    /// The request's state.
    pub fn data(&mut self) -> &mut P::Req {
        // SAFETY: the state was written before the request was hashed,
        // and the lock makes it ours (type invariant).
        unsafe { &mut *bindings::rnet_inet_req_data(self.req.as_ptr()).cast::<P::Req>() }
    }

    /// The request's addresses and ports (local first).
    pub fn addrs(&self) -> Addrs {
        let (mut s, mut d, mut sp, mut dp) = ([0u8; 16], [0u8; 16], 0u16, 0u16);
        // SAFETY: a valid request (type invariant); locals as out
        // pointers (16 bytes for each address).
        let v = unsafe {
            bindings::rnet_inet_req_addrs(
                self.req.as_ptr(),
                s.as_mut_ptr(),
                d.as_mut_ptr(),
                &mut sp,
                &mut dp,
            )
        };
        // The helper answers 4 or 6; IPv4's zero addresses otherwise.
        Addrs::from_helper(v, s, d, sp, dp).unwrap_or(Addrs::v4([0; 4], [0; 4], 0, 0))
    }

    /// Sends `pkt` (transport header with its checksum) to the request's
    /// peer.
    pub fn xmit(&mut self, pkt: &[u8]) -> Result {
        let len = u32::try_from(pkt.len()).map_err(|_| E2BIG)?;
        // SAFETY: a valid request (type invariant); `pkt` is readable for
        // `len` bytes; the helper refuses lengths IP cannot carry.
        to_result(unsafe {
            bindings::rnet_inet_req_xmit(self.req.as_ptr(), pkt.as_ptr().cast(), len)
        })
    }

    /// Sends the answer again ([`Protocol::send_response`]), as for a
    /// retransmitted request.
    pub fn respond(&mut self) -> Result {
        P::send_response(self)
    }
}

impl<P: Protocol> Drop for ReqLocked<'_, P> {
    fn drop(&mut self) {
        // SAFETY: locked by this guard (type invariant).
        unsafe { bindings::rnet_inet_req_unlock(self.req.as_ptr()) };
    }
}

/// The addresses and ports of a received IPv4 or IPv6 packet.
///
/// # Safety
///
/// `skb` is an IP input packet: its network header is set, its data at
/// the transport header.
unsafe fn rx_addrs(skb: &SkBuff) -> Option<Addrs> {
    let d = skb.data();
    if d.len() < 4 {
        return None;
    }
    let (mut s, mut t) = ([0u8; 16], [0u8; 16]);
    // SAFETY: the network header is set (the caller's promise); 16 bytes
    // of room for each address.
    let v = unsafe { bindings::rnet_ip_addrs(skb.raw(), s.as_mut_ptr(), t.as_mut_ptr()) };
    let (sp, dp) = (
        u16::from_ne_bytes([d[0], d[1]]),
        u16::from_ne_bytes([d[2], d[3]]),
    );
    Addrs::from_helper(v, s, t, sp, dp)
}

/// A received IP packet of `P` handed to one of its sockets
/// ([`Protocol::do_rcv`]): in the receive softirq, from the backlog, or
/// as a new socket's first packet.
///
/// # Invariants
///
/// An IP (v4 or v6) input packet of `P`'s protocol: network header set, data at the
/// transport header, its route held (or none).
pub struct Packet<P: Protocol> {
    skb: SkBuff,
    // Not `Send`: its route may be one the receive path holds only for
    // the call.
    _p: PhantomData<(P, *mut ())>,
}

impl<P: Protocol> Packet<P> {
    /// The packet's bytes from the transport header (the linear part:
    /// the receive handler made the whole packet linear before delivery
    /// when it called [`Rx::may_pull`] with its length).
    pub fn data(&self) -> &[u8] {
        self.skb.data()
    }

    /// The packet's length from the transport header.
    pub fn len(&self) -> u32 {
        self.skb.len()
    }

    /// Whether the packet has no transport bytes at all.
    pub fn is_empty(&self) -> bool {
        self.skb.is_empty()
    }

    /// The IP addresses and the transport ports.
    pub fn addrs(&self) -> Option<Addrs> {
        // SAFETY: an IP input packet (type invariant).
        unsafe { rx_addrs(&self.skb) }
    }
}

/// An outgoing packet being built: the data of one message, with room
/// before it for the protocol's header. It lives only during the
/// [`Protocol::sendmsg`] call that got it, or the locked section that took
/// it out of the send queue (it is charged to the socket's send buffer:
/// kept, it would keep the socket from being freed), and stays on that
/// CPU (not `Send`); the socket's send queue keeps it longer.
///
/// # Invariants
///
/// A linear packet this abstraction allocated for a socket's message, not
/// shared or cloned.
pub struct OutSkb<'a> {
    skb: SkBuff,
    _p: PhantomData<(&'a (), *mut ())>,
}

impl OutSkb<'_> {
    /// The packet's bytes from its transport header (the message, then
    /// with its header after [`OutSkb::push_header`]).
    pub fn data(&self) -> &[u8] {
        self.skb.data()
    }

    /// The packet's bytes, writable (for the checksum).
    pub fn data_mut(&mut self) -> &mut [u8] {
        let mut len = 0u32;
        // SAFETY: a linear packet that is ours alone (type invariant).
        let p = unsafe { bindings::rnet_skb_data_mut(self.skb.as_raw(), &mut len) };
        // SAFETY: `p` points at `len` bytes of the packet's linear data,
        // which `&mut self` borrows exclusively.
        unsafe { core::slice::from_raw_parts_mut(p, len as usize) }
    }

    /// Puts `hdr` before the data (`ENOSPC` beyond the room reserved for
    /// the protocol's `MAX_HEADER`: the room IP and the link need below
    /// it stays).
    pub fn push_header(&mut self, hdr: &[u8]) -> Result {
        let len = u32::try_from(hdr.len()).map_err(|_| ENOSPC)?;
        // SAFETY: a packet that is ours alone (type invariant); `hdr` is
        // readable for `len` bytes; the helper checks the room.
        to_result(unsafe {
            bindings::rnet_skb_push_bytes(self.skb.as_raw(), hdr.as_ptr().cast(), len)
        })
    }
}

/// A packet of the protocol as IP input hands it over: IP header and
/// route set, data at the transport header. Only the protocol handler's
/// trampoline makes one, and it stays in that softirq call (it is not
/// `Send`).
pub struct Rx<P: Protocol> {
    skb: SkBuff,
    _p: PhantomData<(*mut (), P)>,
}

impl<P: Protocol> Rx<P> {
    /// The packet's bytes from the transport header (the linear part).
    pub fn data(&self) -> &[u8] {
        self.skb.data()
    }

    /// The packet's length from the transport header.
    pub fn len(&self) -> u32 {
        self.skb.len()
    }

    /// Whether the packet has no transport bytes at all.
    pub fn is_empty(&self) -> bool {
        self.skb.is_empty()
    }

    /// Makes the first `len` bytes linear, so that [`Rx::data`] shows
    /// them; false when the packet is shorter (or memory is short).
    pub fn may_pull(&mut self, len: u32) -> bool {
        // SAFETY: a valid packet we own; the header offsets survive a
        // reallocation of its head.
        unsafe { bindings::rnet_pskb_may_pull(self.skb.as_raw(), len) }
    }

    /// The IP addresses and the transport ports (from its first four
    /// bytes, `None` when it has fewer linear ones).
    pub fn addrs(&self) -> Option<Addrs> {
        // SAFETY: an IP input packet: its network header is set (type
        // invariant).
        unsafe { rx_addrs(&self.skb) }
    }

    /// Looks up the socket or connection request of `P` the packet
    /// belongs to; `doff` is its transport header length.
    pub fn lookup(self, doff: u32) -> Lookup<P> {
        let Some(a) = self.addrs() else {
            return Lookup::None(self);
        };
        let mut req = false;
        // SAFETY: an IP input packet with its route, in the receive
        // softirq under RCU (type invariant), looked up in `P`'s tables
        // (only `P`'s handler makes an `Rx<P>`); the helper returns only a
        // socket of `P`'s proto or a request of its ops, with a reference.
        let sk = unsafe {
            bindings::rnet_inet_lookup(
                self.skb.raw(),
                P::PROTOCOL,
                doff,
                a.sport.to_be(),
                a.dport.to_be(),
                &mut req,
            )
        };
        let Some(sk) = NonNull::new(sk) else {
            return Lookup::None(self);
        };
        if req {
            // INVARIANT: a request of `P` with a reference; its state was
            // written before it was hashed.
            Lookup::Req(ReqRx {
                req: sk.cast(),
                pkt: core::mem::ManuallyDrop::new(self),
            })
        } else {
            // INVARIANT: a full socket of `P` with a reference: sockets
            // are hashed only after `proto.init` wrote their state.
            Lookup::Sock(SockRef(sk.cast()), self)
        }
    }

    /// Replies with `pkt` (transport header with its checksum) from the
    /// namespace's control socket, to a packet addressed to this host.
    pub fn reply(&self, pkt: &[u8]) -> Result {
        let len = u32::try_from(pkt.len()).map_err(|_| E2BIG)?;
        // SAFETY: an IP input packet with its route (type invariant);
        // `pkt` is readable for `len` bytes.
        to_result(unsafe {
            bindings::rnet_inet_ctl_reply(self.skb.raw(), P::PROTOCOL, pkt.as_ptr().cast(), len)
        })
    }

    /// Hands the packet to `sock`'s [`Protocol::do_rcv`] now, or through
    /// the backlog when a task owns the socket. Else the packet is
    /// dropped, and the error says why, so that the protocol can count
    /// it: the IPsec input policy or the socket's filter refused it, or
    /// the backlog was full (also counted in `sk_drops`).
    pub fn deliver(self, sock: SockRef<P>) -> core::result::Result<(), Undelivered> {
        let sk = sock.0.as_ptr().cast();
        core::mem::forget(sock);
        // SAFETY: in the receive softirq (type invariant: bottom halves
        // are off, as the bh lock needs); the reference is handed to the
        // helper, which puts it; the input packet is consumed;
        // `do_rcv_tramp::<P>` is `P`'s receive for `P`'s socket.
        let r = unsafe {
            bindings::rnet_inet_deliver(sk, self.skb.into_raw(), Some(do_rcv_tramp::<P>))
        };
        match r {
            0 => Ok(()),
            e if e == crate::error::code::EACCES.to_errno() => Err(Undelivered::Policy),
            e if e == crate::error::code::EPERM.to_errno() => Err(Undelivered::Filter),
            _ => Err(Undelivered::Backlog),
        }
    }
}

/// Replies to the IPv4 packet a netfilter hook at LOCAL_IN is looking at
/// (`state` is the hook call's), a packet of protocol `P` with an input
/// route to this host, with `out` (transport header with its checksum)
/// from `P`'s control socket in the packet's namespace. EINVAL at any
/// other hook point or family (a reply sent from LOCAL_OUT or POST_ROUTING
/// would pass those hooks again on the same stack), for another protocol
/// or a packet without a real route; ENOENT while `P` is not registered.
pub fn hook_reply<P: Protocol>(skb: &HookSkb<'_>, state: &HookState, out: &[u8]) -> Result {
    if state.point() != Some(HookPoint::LocalIn) || state.family() != Some(Family::Ipv4) {
        return Err(EINVAL);
    }
    let len = u32::try_from(out.len()).map_err(|_| E2BIG)?;
    // SAFETY: the packet is valid for the hook call `skb` borrows, at
    // LOCAL_IN (checked above: softirq or bh off, inside the hook's RCU
    // section); the helper checks that it is IPv4 of `P::PROTOCOL` with a
    // real input route and a device before reading its header; `out` is
    // readable for `len` bytes.
    to_result(unsafe {
        bindings::rnet_inet4_hook_reply(skb.raw(), P::PROTOCOL, out.as_ptr().cast(), len)
    })
}

/// A random 64-bit number (initial sequence numbers).
pub fn random_u64() -> u64 {
    // SAFETY: no precondition.
    unsafe { bindings::rnet_get_random_u64() }
}

/// A registered protocol; dropping it unregisters (see the module docs).
///
/// # Invariants
///
/// `raw` is the helper's registration, whose protosw and handler are
/// registered until `drop`.
pub struct Registration<P: Protocol> {
    raw: NonNull<c_void>,
    _p: PhantomData<P>,
}

// SAFETY: the registration is only used to unregister, from any task.
unsafe impl<P: Protocol> Send for Registration<P> {}
// SAFETY: no method takes `&self`.
unsafe impl<P: Protocol> Sync for Registration<P> {}

impl<P: Protocol> Registration<P> {
    /// Registers `P` for `module`. A protocol number another module
    /// already handles fails with `EBUSY`, leaving nothing registered.
    pub fn new(module: &'static ThisModule) -> Result<Self> {
        const { assert!(core::mem::align_of::<SockRepr<P>>() <= 8) };
        const { assert!(core::mem::align_of::<P::Req>() <= 8) };
        // The state is made and moved on the kernel stack (16 KiB): a
        // quarter of it at most.
        const { assert!(size_of::<P::Sock>() <= 4096) };
        // SAFETY: all-zero is a valid `proto` (no method, no name).
        let mut prot: bindings::proto = unsafe { core::mem::zeroed() };
        let name = P::NAME.as_bytes();
        // Room for the IPv6 proto's name too: the name and "v6". It
        // names slab caches as well, whose names take no spaces.
        if name.is_empty()
            || name.len() + 2 >= prot.name.len()
            || !name.iter().all(|c| c.is_ascii_graphic())
        {
            return Err(EINVAL);
        }
        for (d, s) in prot.name.iter_mut().zip(name) {
            *d = *s as c_char;
        }
        prot.obj_size = c_uint::try_from(size_of::<SockRepr<P>>()).map_err(|_| EINVAL)?;
        prot.max_header = P::MAX_HEADER as _;
        prot.init = Some(init_tramp::<P>);
        prot.destroy = Some(destroy_tramp);
        prot.close = Some(close_tramp::<P>);
        prot.connect = Some(connect_tramp::<P>);
        prot.disconnect = Some(disconnect_tramp::<P>);
        prot.backlog_rcv = Some(do_rcv_tramp::<P>);
        prot.setsockopt = Some(setsockopt_tramp::<P>);
        prot.getsockopt = Some(getsockopt_tramp::<P>);
        // SAFETY: all-zero is a valid `proto_ops` and `net_protocol`.
        let mut ops: bindings::proto_ops = unsafe { core::mem::zeroed() };
        // The socket calls are INET's, as for the C connection-oriented
        // protocols, but for listen (`inet_listen` takes SOCK_STREAM only)
        // and poll (a datagram's readiness).
        ops.family = bindings::PF_INET as c_int;
        ops.owner = module.as_ptr();
        ops.release = Some(bindings::inet_release);
        ops.bind = Some(bindings::inet_bind);
        ops.connect = Some(bindings::inet_stream_connect);
        ops.socketpair = Some(bindings::sock_no_socketpair);
        ops.accept = Some(bindings::rnet_inet_accept);
        ops.getname = Some(bindings::inet_getname);
        ops.poll = Some(bindings::rnet_inet_poll);
        ops.ioctl = Some(bindings::inet_ioctl);
        ops.gettstamp = Some(bindings::sock_gettstamp);
        ops.listen = Some(bindings::rnet_inet_listen);
        ops.shutdown = Some(bindings::inet_shutdown);
        ops.setsockopt = Some(bindings::sock_common_setsockopt);
        ops.getsockopt = Some(bindings::sock_common_getsockopt);
        ops.sendmsg = Some(bindings::inet_sendmsg);
        ops.recvmsg = Some(bindings::sock_common_recvmsg);
        ops.mmap = Some(bindings::sock_no_mmap);
        // SAFETY: as above.
        let mut np: bindings::net_protocol = unsafe { core::mem::zeroed() };
        np.handler = Some(rcv_tramp::<P>);
        np.err_handler = Some(err_tramp::<P>);
        let sizes = [
            size_of::<bindings::proto>(),
            size_of::<bindings::proto_ops>(),
            size_of::<bindings::net_protocol>(),
            size_of::<bindings::inet_connection_sock>(),
        ];
        // SAFETY: the templates are copied by the helper (which checks
        // first that the sizes Rust sees are C's); the methods are
        // `P`'s trampolines, valid while the module is (the helper
        // releases everything by the time the module goes).
        let raw = from_err_ptr(unsafe {
            bindings::rnet_inet_register(
                &prot,
                &ops,
                &np,
                Some(listen_start_tramp::<P>),
                Some(write_timer_tramp::<P>),
                Some(delack_timer_tramp::<P>),
                Some(send_response_tramp::<P>),
                Some(send_data_tramp::<P>),
                Some(icmp_sent_tramp::<P>),
                Some(icmp_err_tramp::<P>),
                P::DATA_OVERHEAD,
                P::TX_QUEUE_LEN,
                size_of::<P::Req>() as c_uint,
                P::SOCK_TYPE,
                P::PROTOCOL,
                module.as_ptr(),
                offset_of!(SockRepr<P>, data) as c_uint,
                offset_of!(SockRepr<P>, txq) as c_uint,
                P::SOL,
                P::SCM_PRIORITY,
                sizes.as_ptr(),
            )
        })?;
        let raw = NonNull::new(raw).ok_or(ENOMEM)?;
        // INVARIANT: the helper registered everything.
        Ok(Self {
            raw,
            _p: PhantomData,
        })
    }
}

impl<P: Protocol> Drop for Registration<P> {
    fn drop(&mut self) {
        // SAFETY: registered (invariant); called once.
        unsafe { bindings::rnet_inet_unregister(self.raw.as_ptr()) };
    }
}

/// # Safety
///
/// `sk` is a socket of `P` whose protocol state was written.
unsafe extern "C" fn destruct_tramp<P: Protocol>(sk: *mut bindings::sock) {
    // SAFETY: the INET destructor this one replaced.
    unsafe { bindings::rnet_inet_sock_destruct(sk) };
    // SAFETY: the last reference went: nothing else reaches the state,
    // which was written (this destructor is set only then).
    unsafe { ptr::drop_in_place(Sock::<P>::from_raw(sk).data_ptr()) };
}

/// `proto.init`.
///
/// # Safety
///
/// `sk` is a new socket of `P`, not yet reachable by anyone else.
unsafe extern "C" fn init_tramp<P: Protocol>(sk: *mut bindings::sock) -> c_int {
    match P::init() {
        Ok(v) => {
            let repr = sk.cast::<SockRepr<P>>();
            // SAFETY: `sk` is a new socket of `P` (its memory a
            // `SockRepr<P>`), not yet reachable by anyone else; its INET
            // part is set up, the state is written in place (over
            // whatever the memory held), then the destructor that drops
            // it is set.
            unsafe {
                bindings::rnet_inet_txq_init(sk);
                bindings::rnet_inet_sock_init(sk);
                (*ptr::addr_of!((*repr).data))
                    .get()
                    .write(MaybeUninit::new(v));
                bindings::rnet_sk_set_destruct(sk, Some(destruct_tramp::<P>));
            }
            0
        }
        Err(e) => e.to_errno(),
    }
}

/// `proto.destroy`.
///
/// # Safety
///
/// `sk` is an INET connection socket being destroyed by its owner.
unsafe extern "C" fn destroy_tramp(sk: *mut bindings::sock) {
    // SAFETY: as the caller promises.
    unsafe { bindings::rnet_inet_destroy(sk) };
}

/// `proto.close`.
///
/// # Safety
///
/// `sk` is a socket of `P` whose init succeeded, held by the caller.
unsafe extern "C" fn close_tramp<P: Protocol>(sk: *mut bindings::sock, _timeout: c_long) {
    // SAFETY: `sk` is a socket of `P` (its init succeeded: a socket whose
    // init failed is released without `close`); the caller holds it.
    unsafe { bindings::rnet_lock_sock(sk) };
    // SAFETY: as above; the lock is held.
    let s = unsafe { Sock::<P>::from_raw(sk) };
    if s.state() == State::Listen {
        // SAFETY: locked listener.
        unsafe { bindings::rnet_inet_listen_stop(sk) };
    } else {
        let mut l = Locked { sk: s };
        P::close(&mut l);
    }
    // SAFETY: locked; this releases the lock and orphans the socket.
    unsafe { bindings::rnet_inet_close_finish(sk) };
}

/// `proto.connect`.
///
/// # Safety
///
/// `sk` is a socket of `P`, locked by the caller; `uaddr` holds `len`
/// readable bytes.
unsafe extern "C" fn connect_tramp<P: Protocol>(
    sk: *mut bindings::sock,
    uaddr: *mut bindings::sockaddr,
    len: c_int,
) -> c_int {
    // SAFETY: `inet_stream_connect` calls this with the socket locked and
    // `uaddr` holding `len` bytes copied from the user.
    let r = unsafe { bindings::rnet_inet_connect(sk, uaddr, len) };
    if r != 0 {
        return r;
    }
    // SAFETY: a socket of `P`, locked by the caller.
    let sk_ref = unsafe { Sock::<P>::from_raw(sk) };
    let mut l = Locked { sk: sk_ref };
    match P::connect(&mut l) {
        Ok(()) => 0,
        Err(e) => {
            // SAFETY: locked; back to closed, out of the tables.
            unsafe { bindings::rnet_inet_disconnect(sk) };
            e.to_errno()
        }
    }
}

/// `proto.disconnect`.
///
/// # Safety
///
/// `sk` is a socket of `P`, locked by the caller.
unsafe extern "C" fn disconnect_tramp<P: Protocol>(
    sk: *mut bindings::sock,
    _flags: c_int,
) -> c_int {
    // SAFETY: the caller holds the socket lock on a socket of `P`.
    let sk_ref = unsafe { Sock::<P>::from_raw(sk) };
    let mut l = Locked { sk: sk_ref };
    if l.state() == State::Listen {
        // SAFETY: locked listener.
        unsafe { bindings::rnet_inet_listen_stop(sk) };
    } else {
        P::disconnect(&mut l);
    }
    // SAFETY: locked.
    unsafe { bindings::rnet_inet_disconnect(sk) };
    0
}

/// The protocol's check before listening.
///
/// # Safety
///
/// `sk` is a socket of `P`, locked by the caller.
unsafe extern "C" fn listen_start_tramp<P: Protocol>(sk: *mut bindings::sock) -> c_int {
    // SAFETY: the listen helper calls this with the socket locked.
    let sk_ref = unsafe { Sock::<P>::from_raw(sk) };
    let mut l = Locked { sk: sk_ref };
    match P::listen_start(&mut l) {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

/// `proto.backlog_rcv`, and delivery from the receive softirq.
///
/// # Safety
///
/// `sk` is a socket of `P` whose protocol state the caller holds (its
/// owner handing over the backlog, or the bh lock with no owner); `skb`
/// is a packet the caller gives up.
unsafe extern "C" fn do_rcv_tramp<P: Protocol>(
    sk: *mut bindings::sock,
    skb: *mut bindings::sk_buff,
) -> c_int {
    // SAFETY: called from the backlog (socket owned by the task handing
    // it over) or from `rnet_inet_deliver` (bh lock, not owned), for a
    // socket of `P`; the packet is ours.
    let (mut l, skb) = unsafe {
        (
            Locked {
                sk: Sock::<P>::from_raw(sk),
            },
            SkBuff::from_raw(skb),
        )
    };
    if let Some(skb) = skb {
        // INVARIANT: the packets handed to a socket of `P` are its IP
        // input packets (`Rx::deliver`, the backlog, `ReqRx::accept`).
        P::do_rcv(
            &mut l,
            Packet {
                skb,
                _p: PhantomData,
            },
        );
    }
    0
}

/// The retransmission timer's protocol part.
///
/// # Safety
///
/// `sk` is a socket of `P`, under its bh lock with no task owning it.
unsafe extern "C" fn write_timer_tramp<P: Protocol>(sk: *mut bindings::sock) {
    // SAFETY: the timer helper calls this under the bh lock of a socket
    // of `P` that no task owns.
    let sk = unsafe { Sock::<P>::from_raw(sk) };
    let mut l = Locked { sk };
    P::xmit_timer(&mut l);
}

/// The delayed-acknowledgement timer's protocol part.
///
/// # Safety
///
/// `sk` is a socket of `P`, under its bh lock with no task owning it.
unsafe extern "C" fn delack_timer_tramp<P: Protocol>(sk: *mut bindings::sock) {
    // SAFETY: the timer helper calls this under the bh lock of a socket
    // of `P` that no task owns.
    let sk = unsafe { Sock::<P>::from_raw(sk) };
    let mut l = Locked { sk };
    P::delack_timer(&mut l);
}

/// The protocol part of `proto.sendmsg`.
///
/// # Safety
///
/// `sk` is a socket of `P`, locked by the caller; `skb` a packet the
/// caller gives up, made by the sendmsg helper (see [`OutSkb`]).
unsafe extern "C" fn send_data_tramp<P: Protocol>(
    sk: *mut bindings::sock,
    skb: *mut bindings::sk_buff,
) -> c_int {
    // SAFETY: as the caller promises.
    let Some(skb) = (unsafe { SkBuff::from_raw(skb) }) else {
        return -(bindings::EINVAL as c_int);
    };
    // SAFETY: a locked socket of `P`.
    let sk = unsafe { Sock::<P>::from_raw(sk) };
    let mut l = Locked { sk };
    // INVARIANT: the sendmsg helper's packet: linear, fresh, data at the
    // transport header.
    match P::sendmsg(
        &mut l,
        OutSkb {
            skb,
            _p: PhantomData,
        },
    ) {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

/// `request_sock_ops.rtx_syn_ack`, under the request's lock.
///
/// # Safety
///
/// `req` is a request of `P`, locked by the caller, which holds it.
unsafe extern "C" fn send_response_tramp<P: Protocol>(req: *mut bindings::request_sock) -> c_int {
    let Some(req) = NonNull::new(req) else {
        return -(bindings::EINVAL as c_int);
    };
    // INVARIANT: the caller holds the request's lock (and keeps the
    // request valid during the call); the guard must not unlock it.
    let mut g = core::mem::ManuallyDrop::new(ReqLocked::<P> {
        req,
        _p: PhantomData,
    });
    match P::send_response(&mut g) {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

/// `net_protocol.handler`.
///
/// # Safety
///
/// Called by IPv4 or IPv6 input with a packet of `P`'s protocol, data at its
/// transport header, in the receive softirq.
unsafe extern "C" fn rcv_tramp<P: Protocol>(skb: *mut bindings::sk_buff) -> c_int {
    // SAFETY: IP input hands over a packet of `P`'s protocol, data at the
    // transport header, in the receive softirq under RCU.
    let Some(skb) = (unsafe { SkBuff::from_raw(skb) }) else {
        return 0;
    };
    // SAFETY: the packet's device keeps its namespace set up while it
    // receives.
    let net = unsafe { Net::from_raw(bindings::rnet_skb_net(skb.raw())) };
    P::rcv(
        net,
        Rx {
            skb,
            _p: PhantomData,
        },
    );
    // Not an errno: a negative value would resubmit the packet.
    0
}

/// `net_protocol.err_handler`.
///
/// # Safety
///
/// Called by ICMP input, in the receive softirq under RCU, with an ICMP
/// error whose data is the quoted IP header.
unsafe extern "C" fn err_tramp<P: Protocol>(skb: *mut bindings::sk_buff, info: u32) -> c_int {
    // SAFETY: as the caller promises; the helper calls the callbacks only
    // for a socket of `P`'s proto under its bh lock with no owner.
    unsafe {
        bindings::rnet_inet4_err(
            skb,
            info,
            Some(icmp_sent_tramp::<P>),
            Some(icmp_err_tramp::<P>),
        )
    }
}

/// Whether an ICMP error is about a packet the socket sent.
///
/// # Safety
///
/// `sk` is a socket of `P` under its bh lock with no task owning it;
/// `hdr` is readable for `len` bytes during the call.
unsafe extern "C" fn icmp_sent_tramp<P: Protocol>(
    sk: *mut bindings::sock,
    hdr: *const c_void,
    len: c_uint,
) -> bool {
    // SAFETY: as the caller promises.
    let (sent, sk) = unsafe {
        (
            core::slice::from_raw_parts(hdr.cast::<u8>(), len as usize),
            Sock::<P>::from_raw(sk),
        )
    };
    let mut l = Locked { sk };
    P::icmp_sent(&mut l, sent)
}

/// The protocol part of an ICMP error.
///
/// # Safety
///
/// `sk` is a socket of `P` under its bh lock with no task owning it; `err`
/// a positive errno.
unsafe extern "C" fn icmp_err_tramp<P: Protocol>(sk: *mut bindings::sock, err: c_int) {
    // SAFETY: as the caller promises.
    let sk = unsafe { Sock::<P>::from_raw(sk) };
    let mut l = Locked { sk };
    P::icmp_error(&mut l, Error::from_errno(-err));
}

/// `proto.setsockopt`: IP options to IP, the protocol's level to `P`.
///
/// # Safety
///
/// Called by `sock_common_setsockopt` with its own arguments, for a
/// socket of `P` whose init succeeded.
unsafe extern "C" fn setsockopt_tramp<P: Protocol>(
    sk: *mut bindings::sock,
    level: c_int,
    name: c_int,
    val: bindings::sockptr_t,
    len: c_uint,
) -> c_int {
    // SAFETY: a socket of `P`, held by the caller.
    if unsafe { bindings::rnet_inet_ip_level(sk, level) } {
        // SAFETY: the arguments are the caller's, passed on unchanged.
        return unsafe { bindings::rnet_inet_ip_setsockopt(sk, level, name, val, len) };
    }
    if P::SOL == 0 || level != P::SOL {
        return -(bindings::ENOPROTOOPT as c_int);
    }
    // SAFETY: a socket of `P`, held by the caller.
    unsafe { bindings::rnet_lock_sock(sk) };
    // SAFETY: as above; locked.
    let s = unsafe { Sock::<P>::from_raw(sk) };
    let mut l = Locked { sk: s };
    // INVARIANT: the caller's option value and length.
    let v = OptIn { val, len };
    let r = match P::setsockopt(&mut l, name, &v) {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    };
    // SAFETY: locked above.
    unsafe { bindings::release_sock(sk) };
    r
}

/// `proto.getsockopt`: IP options to IP, the protocol's level to `P`.
///
/// # Safety
///
/// Called by `sock_common_getsockopt` with its own arguments (user
/// pointers), for a socket of `P` whose init succeeded.
unsafe extern "C" fn getsockopt_tramp<P: Protocol>(
    sk: *mut bindings::sock,
    level: c_int,
    name: c_int,
    val: *mut c_char,
    len: *mut c_int,
) -> c_int {
    // SAFETY: a socket of `P`, held by the caller.
    if unsafe { bindings::rnet_inet_ip_level(sk, level) } {
        // SAFETY: the arguments are the caller's, passed on unchanged.
        return unsafe { bindings::rnet_inet_ip_getsockopt(sk, level, name, val, len) };
    }
    if P::SOL == 0 || level != P::SOL {
        return -(bindings::ENOPROTOOPT as c_int);
    }
    // SAFETY: a socket of `P`, held by the caller.
    unsafe { bindings::rnet_lock_sock(sk) };
    // SAFETY: as above; locked.
    let s = unsafe { Sock::<P>::from_raw(sk) };
    let mut l = Locked { sk: s };
    // INVARIANT: the caller's user pointers.
    let mut out = OptOut { val, len };
    let r = match P::getsockopt(&mut l, name, &mut out) {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    };
    // SAFETY: locked above.
    unsafe { bindings::release_sock(sk) };
    r
}

/// A socket option's value as `setsockopt()` passed it.
///
/// # Invariants
///
/// `val` and `len` are `setsockopt()`'s: `val` addresses `len` bytes of
/// the caller's memory (user or kernel, as `val` says).
pub struct OptIn {
    val: bindings::sockptr_t,
    len: c_uint,
}

impl OptIn {
    /// The value's length in bytes.
    pub fn len(&self) -> usize {
        self.len as usize
    }

    /// Whether the value is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Copies the value's first `buf.len()` bytes (`EINVAL` when it is
    /// shorter, `EFAULT` when the memory cannot be read).
    pub fn read(&self, buf: &mut [u8]) -> Result {
        if buf.len() > self.len() {
            return Err(EINVAL);
        }
        // SAFETY: `val` addresses `len` bytes (type invariant), of which
        // `buf.len()` are copied into `buf`.
        to_result(unsafe {
            bindings::rnet_sockptr_copy(buf.as_mut_ptr().cast(), self.val, buf.len())
        })
    }
}

/// Where `getsockopt()` wants its answer.
///
/// # Invariants
///
/// `val` and `len` are `getsockopt()`'s user pointers.
pub struct OptOut {
    val: *mut c_char,
    len: *mut c_int,
}

impl OptOut {
    /// The length of the caller's buffer: `EINVAL` when it is negative,
    /// `EFAULT` when it cannot be read.
    pub fn room(&self) -> Result<usize> {
        let mut room: c_uint = 0;
        // SAFETY: `len` is the caller's user pointer (type invariant),
        // read with the helper's user accessor; `room` is writable.
        to_result(unsafe { bindings::rnet_optout_room(self.len, &mut room) })?;
        Ok(room as usize)
    }

    /// Answers with `bytes`: `EINVAL` when the caller's buffer is shorter,
    /// `EFAULT` when its memory cannot be written.
    pub fn write(&mut self, bytes: &[u8]) -> Result {
        let n = c_uint::try_from(bytes.len()).map_err(|_| EINVAL)?;
        // SAFETY: `val` and `len` are the caller's user pointers (type
        // invariant), checked by the helper's user accessors; `bytes` is
        // readable for `n` bytes.
        to_result(unsafe {
            bindings::rnet_optout_write(self.val, self.len, bytes.as_ptr().cast(), n)
        })
    }
}
