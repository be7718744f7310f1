// SPDX-License-Identifier: GPL-2.0

//! DCCP (RFC 4340) as a Rust protocol module of the INET family.
//!
//! Files: `codec.rs` the wire format (shared with the host tests and the
//! netfilter hooks); `ccid2.rs` CCID 2 and the Ack Vector, `feat.rs`
//! feature negotiation (both also host-tested); this one the protocol:
//! its registration, the socket state, the receive path and its drop
//! counters.
//!
//! What it does so far: `socket(AF_INET, SOCK_DCCP, IPPROTO_DCCP)` (and its
//! autoload), bind, listen, accept, connect and close: the
//! Request/Response/Ack handshake (RFC 4340 8.1) with the Request
//! retransmitted and backing off, a listener's requests kept as INET
//! request sockets (their Response retransmitted by INET's request timer),
//! PARTOPEN, and the close handshakes (8.3: Close/Reset from a client,
//! CloseReq/Close/Reset from a server) ending in TIMEWAIT for the end that
//! sent Close; data both ways, one message per packet, through a send
//! queue drained as CCID 2's window allows, every data packet
//! acknowledged with an Ack Vector; Service Codes; a
//! connect refused by a Reset fails with the errno its Reset Code maps to,
//! one a router refuses with the ICMP error's; a packet for no socket gets
//! a Reset (No Connection); every packet dropped is counted by reason in
//! `/proc/net/dccp_rust_stats`. Netfilter hooks, off until a sysctl
//! switches them on in a namespace, validate DCCP headers at PRE_ROUTING
//! and apply a Service Code policy at LOCAL_IN. Features are negotiated
//! with Change and Confirm options, as the C DCCP needs to interoperate.
//! IPv4 and IPv6, dual stack with IPv4-mapped peers
//! (Documentation/networking/rnet/dccp_rust.rst).
//!
//! The module has no `unsafe` code: its sockets, packets and per-namespace
//! state are reached through the `kernel` crate's abstractions.

// Shared with the host tests, which need its items public.
#[allow(dead_code, unreachable_pub)]
mod ccid2;
#[allow(dead_code, unreachable_pub)]
mod codec;
#[allow(dead_code, unreachable_pub)]
mod feat;
#[cfg(CONFIG_KUNIT)]
mod kunit;

use codec::{Header, Malformed, PacketType};
use core::fmt::Write;
use core::sync::atomic::{AtomicI32, AtomicU64, Ordering};
use feat::{feature, Confirms, Features};
use kernel::net::inet::{
    self, ConnState, Locked, Lookup, OptIn, OptOut, OutSkb, Packet, ReqLocked, ReqRx, Rx, State,
    Undelivered,
};
use kernel::net::netfilter::{
    self, Family, Fragment, HookOps, HookPoint, HookSkb, HookState, Verdict,
};
use kernel::net::pernet::{
    self, Id, IntList, IntListSysctl, IntSysctl, Net, NetCtx, ReadGuard, SeqFile,
};
use kernel::prelude::*;
use kernel::{c_str, error::Error, str::CStr, time::Ktime};

const IPPROTO_DCCP: u8 = 33;
const SOCK_DCCP: i16 = 6;
/// The longest header this module sends: Data Offset's maximum (1020
/// bytes: generic, acknowledgement, type-specific fields and options).
const MAX_DCCP_HEADER: u32 = 1020;

/// `SOL_DCCP` and its options (include/uapi/linux/dccp.h).
const SOL_DCCP: i32 = 269;
const DCCP_SOCKOPT_PACKET_SIZE: i32 = 1;
const DCCP_SOCKOPT_SERVICE: i32 = 2;
const DCCP_SOCKOPT_CHANGE_L: i32 = 3;
const DCCP_SOCKOPT_CHANGE_R: i32 = 4;
const DCCP_SOCKOPT_SERVER_TIMEWAIT: i32 = 6;
const DCCP_SOCKOPT_SEND_CSCOV: i32 = 10;
const DCCP_SOCKOPT_RECV_CSCOV: i32 = 11;
const DCCP_SOCKOPT_AVAILABLE_CCIDS: i32 = 12;
const DCCP_SOCKOPT_CCID: i32 = 13;
const DCCP_SOCKOPT_TX_CCID: i32 = 14;
const DCCP_SOCKOPT_RX_CCID: i32 = 15;
const DCCP_SOCKOPT_QPOLICY_ID: i32 = 16;
const DCCP_SOCKOPT_QPOLICY_TXQLEN: i32 = 17;
/// The queue policies (`DCCP_SOCKOPT_QPOLICY_ID`): first in, first out,
/// or by the priority each message's `DCCP_SCM_PRIORITY` gives.
const DCCPQ_POLICY_SIMPLE: i32 = 0;
const DCCPQ_POLICY_PRIO: i32 = 1;
/// The control message of a message's priority (a `u32`).
const DCCP_SCM_PRIORITY: i32 = 1;
/// The most values of a server-priority feature list (the C DCCP's
/// `DCCP_FEAT_MAX_SP_VALS`: what one option can carry).
const MAX_SP_VALS: usize = 251;
const DCCP_SOCKOPT_GET_CUR_MPS: i32 = 5;
/// The sending CCID's state (`DCCP_SOCKOPT_CCID_TX_INFO`): for CCID 2,
/// `struct dccp_rust_ccid2_info` (Documentation/networking/rnet/dccp_rust.rst).
const DCCP_SOCKOPT_CCID_TX_INFO: i32 = 192;
/// Messages a socket's send queue holds (the C DCCP's default `tx_qlen`).
const TX_QUEUE_LEN: u32 = 5;
/// The longest a received data packet waits for its acknowledgement
/// (ms): TCP's shortest delayed ACK, well below the sender's 200 ms
/// floor of its timeout.
const DELACK_MS: u32 = 40;
/// The largest Ack Ratio this end asks for (RFC 4340 11.3's default,
/// as the C DCCP's sender).
const ACK_RATIO_MAX: u64 = 2;
/// The most Ack Vector bytes a DataAck carries: what is left of the
/// option room `DATA_OVERHEAD` keeps after a 48-bit acknowledgement.
const DATA_ACK_VECTOR: usize = 14;
/// At most this many Service Codes per socket (the C DCCP's limit).
const MAX_SERVICES: usize = 32;
/// RFC 4340 8.1.2: never a valid Service Code.
const SERVICE_INVALID: u32 = u32::MAX;

/// The Sequence Window feature's default (RFC 4340 7.5.2).
const SEQ_WINDOW: u64 = 100;

/// Reset Codes (RFC 4340 5.6).
const RESET_CLOSED: u8 = 1;
const RESET_ABORTED: u8 = 2;
const RESET_NO_CONNECTION: u8 = 3;
const RESET_BAD_SERVICE_CODE: u8 = 8;
const RESET_TOO_BUSY: u8 = 9;

/// The first retransmission of a Request, Close or CloseReq (RFC 4340
/// 8.1.1: about one second), doubling each time.
const RTO_INIT_MS: u32 = 1000;
/// Retransmissions before a connection attempt or a close gives up.
const MAX_RETRIES: u8 = 6;
/// PARTOPEN: the client's Ack goes again after this (RFC 4340 8.1.5),
/// doubling, until the server sends anything.
const PARTOPEN_MS: u32 = 200;
const PARTOPEN_RETRIES: u8 = 5;
/// TIMEWAIT's default length: the C DCCP's 60 s (RFC 4340 8.3: 2 MSL).
const TIMEWAIT_MS: i32 = 60_000;

/// Why a received packet was dropped. The first eight are the codec's.
#[derive(Clone, Copy)]
enum DropReason {
    Malformed(Malformed),
    /// Nothing listens or is connected there (a Reset was sent unless the
    /// packet was one).
    NoSocket,
    /// An acknowledgement outside what this socket sent.
    BadAck,
    /// A packet type the socket's state does not expect.
    Unexpected,
    /// A Request to a listener whose queues are full (answered with a
    /// Reset, Too Busy).
    ListenFull,
    /// Data the socket's receive buffer had no room for.
    RcvbufFull,
    /// A Request for a Service Code the listener does not serve
    /// (answered with a Reset, Bad Service Code).
    BadService,
    /// A sequence number outside the window (RFC 4340 7.5.1).
    BadSeq,
    /// An ICMP error quoting a packet this socket did not send.
    BadIcmp,
    /// Feature options this end cannot agree to (answered with a Reset,
    /// Option or Mandatory Error).
    BadFeature,
    /// Data with a partial checksum coverage below what this end accepts
    /// (RFC 4340 9.2.1; acknowledged as received).
    LowCoverage,
    /// The IPsec input policy or the socket's filter refused it.
    Filtered,
    /// A task held the socket and its backlog was full.
    BacklogFull,
}

/// What became of a received packet: taken in, or dropped for a reason.
type Fate = core::result::Result<(), DropReason>;

const REASONS: [&str; 20] = [
    "too_short",
    "bad_data_offset",
    "bad_type",
    "short_seq_not_allowed",
    "bad_coverage",
    "bad_checksum",
    "bad_option_length",
    "bad_mandatory",
    "no_socket",
    "bad_ack",
    "unexpected",
    "listen_full",
    "rcvbuf_full",
    "bad_service",
    "bad_seq",
    "bad_icmp",
    "bad_feature",
    "low_coverage",
    "filtered",
    "backlog_full",
];

impl DropReason {
    fn index(self) -> usize {
        match self {
            Self::Malformed(m) => match m {
                Malformed::TooShort => 0,
                Malformed::BadDataOffset => 1,
                Malformed::BadType => 2,
                Malformed::ShortSeqNotAllowed => 3,
                Malformed::BadCoverage => 4,
                Malformed::BadChecksum => 5,
                Malformed::BadOptionLength => 6,
                Malformed::BadMandatory => 7,
            },
            Self::NoSocket => 8,
            Self::BadAck => 9,
            Self::Unexpected => 10,
            Self::ListenFull => 11,
            Self::RcvbufFull => 12,
            Self::BadService => 13,
            Self::BadSeq => 14,
            Self::BadIcmp => 15,
            Self::BadFeature => 16,
            Self::LowCoverage => 17,
            Self::Filtered => 18,
            Self::BacklogFull => 19,
        }
    }
}

/// What the netfilter hooks count (`nf_` lines of `/proc/net/dccp_rust_stats`):
/// the first eight are the codec's reasons for a packet PRE_ROUTING
/// dropped; then fragments and source-routed packets passed unchecked,
/// packets found valid, and Requests the LOCAL_IN policy admitted and
/// refused.
const NF_COUNTERS: [&str; 13] = [
    "too_short",
    "bad_data_offset",
    "bad_type",
    "short_seq_not_allowed",
    "bad_coverage",
    "bad_checksum",
    "bad_option_length",
    "bad_mandatory",
    "fragment",
    "source_routed",
    "valid",
    "admitted",
    "refused",
];
const NF_FRAGMENT: usize = 8;
const NF_ROUTED: usize = 9;
const NF_VALID: usize = 10;
const NF_ADMITTED: usize = 11;
const NF_REFUSED: usize = 12;

/// Per-namespace state: the receive counters and the settings.
///
/// Every packet the protocol handler is given counts once in `rx`, and
/// once more where it ends: in `handled` when it was taken in, else in
/// `drops` under its reason (but a packet a kernel user's socket takes:
/// such a socket has no namespace this module may count in). ICMP errors
/// count only in `drops` (`bad_icmp`), when they are dropped.
#[pin_data]
struct DccpNet {
    rx: AtomicU64,
    handled: AtomicU64,
    drops: [AtomicU64; REASONS.len()],
    /// `/proc/sys/net/dccp_rust/timewait_ms`.
    timewait_ms: AtomicI32,
    /// `seq_window`: the Sequence Window new connections ask for.
    seq_window: AtomicI32,
    /// `nf_validate`: PRE_ROUTING checks DCCP headers (0: off).
    nf_validate: AtomicI32,
    /// `nf_policy`: LOCAL_IN admits only Requests for `nf_services`.
    nf_policy: AtomicI32,
    /// `nf_services`: the Service Codes the policy admits.
    nf_services: IntList,
    nf: [AtomicU64; NF_COUNTERS.len()],
}

static DCCP_NET: Id<DccpNet> = Id::new();

impl pernet::Operations for DccpNet {
    const ID: &'static Id<Self> = &DCCP_NET;

    fn init(_net: &NetCtx) -> impl PinInit<Self, Error> {
        try_pin_init!(DccpNet {
            rx: AtomicU64::new(0),
            handled: AtomicU64::new(0),
            drops: [const { AtomicU64::new(0) }; REASONS.len()],
            timewait_ms: AtomicI32::new(TIMEWAIT_MS),
            seq_window: AtomicI32::new(SEQ_WINDOW as i32),
            nf_validate: AtomicI32::new(0),
            nf_policy: AtomicI32::new(0),
            nf_services: IntList::new(),
            nf: [const { AtomicU64::new(0) }; NF_COUNTERS.len()],
        }? Error)
    }

    const PROC_NAME: Option<&'static CStr> = Some(c_str!("dccp_rust_stats"));

    fn show(&self, m: &mut SeqFile) -> Result {
        let _ = writeln!(m, "rx_packets {}", self.rx.load(Ordering::Relaxed));
        let _ = writeln!(m, "rx_handled {}", self.handled.load(Ordering::Relaxed));
        for (name, n) in REASONS.iter().zip(&self.drops) {
            let _ = writeln!(m, "drop_{} {}", name, n.load(Ordering::Relaxed));
        }
        for (name, n) in NF_COUNTERS.iter().zip(&self.nf) {
            let _ = writeln!(m, "nf_{} {}", name, n.load(Ordering::Relaxed));
        }
        Ok(())
    }

    const SYSCTL_DIR: Option<&'static CStr> = Some(c_str!("net/dccp_rust"));

    const SYSCTLS: &'static [IntSysctl<Self>] = &[
        IntSysctl {
            name: c_str!("timewait_ms"),
            mode: 0o644,
            min: 100,
            max: 240_000,
            value: |s| &s.timewait_ms,
        },
        IntSysctl {
            name: c_str!("seq_window"),
            mode: 0o644,
            min: feat::SEQ_WINDOW_MIN as i32,
            max: i32::MAX,
            value: |s| &s.seq_window,
        },
        IntSysctl {
            name: c_str!("nf_validate"),
            mode: 0o644,
            min: 0,
            max: 1,
            value: |s| &s.nf_validate,
        },
        IntSysctl {
            name: c_str!("nf_policy"),
            mode: 0o644,
            min: 0,
            max: 1,
            value: |s| &s.nf_policy,
        },
    ];

    /// Service Codes up to 2^31 - 1 (four ASCII characters, as RFC 5595's
    /// examples, always are).
    const LIST_SYSCTLS: &'static [IntListSysctl<Self>] = &[IntListSysctl {
        name: c_str!("nf_services"),
        mode: 0o644,
        min: 0,
        max: i32::MAX,
        values: |s| &s.nf_services,
    }];
}

/// PRE_ROUTING runs after the raw table and before connection tracking
/// (which, with its defragmentation, runs earlier still when loaded);
/// LOCAL_IN with the filter table.
const NF_PRI_VALIDATE: i32 = -250;
const NF_PRI_POLICY: i32 = 0;

impl netfilter::Hooks for DccpNet {
    const HOOKS: &'static [HookOps] = &[
        HookOps {
            family: Family::Ipv4,
            point: HookPoint::PreRouting,
            priority: NF_PRI_VALIDATE,
        },
        HookOps {
            family: Family::Ipv6,
            point: HookPoint::PreRouting,
            priority: NF_PRI_VALIDATE,
        },
        HookOps {
            family: Family::Ipv4,
            point: HookPoint::LocalIn,
            priority: NF_PRI_POLICY,
        },
    ];

    fn hook<'a>(&self, skb: HookSkb<'a>, st: &HookState) -> Verdict<'a> {
        match (st.point(), st.family()) {
            (Some(HookPoint::PreRouting), Some(f)) => self.validate(skb, f),
            (Some(HookPoint::LocalIn), Some(Family::Ipv4)) => self.admit(skb, st),
            _ => skb.accept(),
        }
    }
}

/// The longest DCCP header (Data Offset 255).
const MAX_HLEN: usize = 1020;

/// A whole DCCP packet a hook looks at: where it starts, its length and
/// its IP addresses.
struct HookPkt {
    off: u32,
    len: usize,
    addrs: [u8; 32],
    alen: usize,
}

impl HookPkt {
    fn src(&self) -> &[u8] {
        &self.addrs[..self.alen]
    }

    fn dst(&self) -> &[u8] {
        &self.addrs[self.alen..2 * self.alen]
    }
}

/// Why a hook does not check a packet.
enum Skip {
    /// Not DCCP, or an IP header the IP layer will drop.
    NotDccp,
    /// An IP fragment.
    Fragment,
    /// On its way along a source route: its destination address is not
    /// the one its checksum covers.
    Routed,
}

/// Whether the packet is source-routed with hops left: an IPv4 Loose or
/// Strict Source Route option, or an IPv6 Routing header with segments
/// left, among the headers before the transport one at `l4off`.
fn source_routed(skb: &HookSkb<'_>, family: Family, l4off: u32) -> bool {
    let mut buf = [0u8; 40];
    match family {
        Family::Ipv4 => {
            let n = (l4off as usize).saturating_sub(20);
            let Some(opts) = skb.header_pointer(20, n, &mut buf) else {
                return false;
            };
            let mut i = 0;
            while let Some(&t) = opts.get(i) {
                match t {
                    0 => break,
                    1 => i += 1,
                    // LSRR, SSRR.
                    0x83 | 0x89 => return true,
                    _ => i += usize::from(opts.get(i + 1).copied().unwrap_or(0)).max(2),
                }
            }
            false
        }
        Family::Ipv6 => {
            let Some(&[first]) = skb.header_pointer(6, 1, &mut buf) else {
                return false;
            };
            let (mut next, mut off) = (first, 40u32);
            // Hop-by-hop, Routing, Fragment, AH and Destination options,
            // as far as the transport header.
            while off < l4off {
                let Some(&[nexthdr, hlen, _, segments_left]) = skb.header_pointer(off, 4, &mut buf)
                else {
                    return false;
                };
                let len = match next {
                    0 | 60 => (u32::from(hlen) + 1) * 8,
                    43 if segments_left != 0 => return true,
                    43 => (u32::from(hlen) + 1) * 8,
                    44 => 8,
                    51 => (u32::from(hlen) + 2) * 4,
                    _ => return false,
                };
                next = nexthdr;
                off += len;
            }
            false
        }
    }
}

/// The DCCP packet in `skb`.
fn hook_pkt(skb: &HookSkb<'_>, family: Family) -> core::result::Result<HookPkt, Skip> {
    let l4 = skb.l4(family).ok_or(Skip::NotDccp)?;
    if l4.proto != IPPROTO_DCCP {
        return Err(Skip::NotDccp);
    }
    if l4.fragment != Fragment::Whole {
        return Err(Skip::Fragment);
    }
    if source_routed(skb, family, l4.offset) {
        return Err(Skip::Routed);
    }
    let (at, alen) = match family {
        Family::Ipv4 => (12, 4),
        Family::Ipv6 => (8, 16),
    };
    let mut addrs = [0u8; 32];
    let mut tmp = [0u8; 32];
    let a = skb
        .header_pointer(at, 2 * alen, &mut tmp)
        .ok_or(Skip::NotDccp)?;
    for (d, b) in addrs.iter_mut().zip(a) {
        *d = *b;
    }
    let len = (skb.len() as usize)
        .checked_sub(l4.offset as usize)
        .ok_or(Skip::NotDccp)?;
    Ok(HookPkt {
        off: l4.offset,
        len,
        addrs,
        alen,
    })
}

/// Checks a whole DCCP packet as the receive path would (header,
/// checksum over its coverage) and the options' framing, reading it with
/// `skb_header_pointer` (the packet is not changed).
fn validate_pkt(skb: &HookSkb<'_>, p: &HookPkt) -> core::result::Result<Header, Malformed> {
    let mut buf = [0u8; MAX_HLEN];
    let (h, mut sum, mut at, end) = {
        let head = skb
            .header_pointer(p.off, p.len.min(MAX_HLEN), &mut buf)
            .ok_or(Malformed::TooShort)?;
        let h = codec::parse_head(head, p.len)?;
        let hlen = h.len();
        let fixed = Header::fixed_len(h.ptype, h.x);
        let opts = head.get(fixed..hlen).ok_or(Malformed::BadDataOffset)?;
        for o in codec::Options::new(opts) {
            o?;
        }
        let end = codec::coverage(p.len, hlen, h.cscov).ok_or(Malformed::BadCoverage)?;
        let header = head.get(..hlen).ok_or(Malformed::BadDataOffset)?;
        let sum = codec::header_sum(p.src(), p.dst(), p.len as u32, header);
        let upto = end.min(head.len());
        let data = head.get(hlen..upto).unwrap_or(&[]);
        (h, codec::csum_add(sum, data), upto, end)
    };
    // The covered data past the first MAX_HLEN bytes, in pieces of even
    // length (MAX_HLEN is) but the last.
    while at < end {
        let n = (end - at).min(MAX_HLEN);
        let piece = skb
            .header_pointer(p.off + at as u32, n, &mut buf)
            .ok_or(Malformed::TooShort)?;
        sum = codec::csum_add(sum, piece);
        at += n;
    }
    if codec::csum_fold(sum) != h.checksum {
        return Err(Malformed::BadChecksum);
    }
    Ok(h)
}

impl DccpNet {
    fn nf_count(&self, i: usize) {
        self.nf[i].fetch_add(1, Ordering::Relaxed);
    }

    /// PRE_ROUTING: drops malformed DCCP packets, counting each reason.
    /// Fragments pass unchecked (without connection tracking nothing
    /// reassembles them before this hook; the checksum covers bytes other
    /// fragments carry), and so do source-routed packets with hops left
    /// (their checksum covers the final destination). Forwarded packets
    /// are checked too: this hook sees every packet entering the
    /// namespace.
    fn validate<'a>(&self, skb: HookSkb<'a>, family: Family) -> Verdict<'a> {
        if self.nf_validate.load(Ordering::Relaxed) == 0 {
            return skb.accept();
        }
        let p = match hook_pkt(&skb, family) {
            Ok(p) => p,
            Err(Skip::Fragment) => {
                self.nf_count(NF_FRAGMENT);
                return skb.accept();
            }
            Err(Skip::Routed) => {
                self.nf_count(NF_ROUTED);
                return skb.accept();
            }
            Err(Skip::NotDccp) => return skb.accept(),
        };
        match validate_pkt(&skb, &p) {
            Err(m) => {
                self.nf_count(DropReason::Malformed(m).index());
                skb.drop_packet()
            }
            Ok(_) => {
                self.nf_count(NF_VALID);
                skb.accept()
            }
        }
    }

    /// LOCAL_IN: with the policy on, a valid DCCP-Request for a Service
    /// Code outside `nf_services` is answered with a Reset (Bad Service
    /// Code), so that the client's connect fails at once with EBADRQC,
    /// and dropped. Anything else goes on to the socket layer, which
    /// counts what is malformed.
    fn admit<'a>(&self, skb: HookSkb<'a>, st: &HookState) -> Verdict<'a> {
        if self.nf_policy.load(Ordering::Relaxed) == 0 {
            return skb.accept();
        }
        let Ok(p) = hook_pkt(&skb, Family::Ipv4) else {
            return skb.accept();
        };
        let h = match validate_pkt(&skb, &p) {
            Ok(h) if h.ptype == PacketType::Request => h,
            _ => return skb.accept(),
        };
        let code = h.specific.unwrap_or(SERVICE_INVALID);
        if i32::try_from(code).is_ok_and(|c| self.nf_services.contains(c)) {
            self.nf_count(NF_ADMITTED);
            return skb.accept();
        }
        self.nf_count(NF_REFUSED);
        let (Ok(saddr), Ok(daddr)) = (p.src().try_into(), p.dst().try_into()) else {
            return skb.drop_packet();
        };
        let from = inet::Addrs::v4(saddr, daddr, h.sport, h.dport);
        if let Ok(out) = reset_for(&from, &h, RESET_BAD_SERVICE_CODE) {
            let _ = inet::hook_reply::<Dccp>(&skb, st, out.bytes());
        }
        skb.drop_packet()
    }
}

/// Counts where a received packet (or a dropped ICMP error) ended, in
/// `net`.
fn account(net: &Net, v: Fate) {
    let guard = ReadGuard::new();
    if let Some(s) = DCCP_NET.get(net, &guard) {
        match v {
            Ok(()) => &s.handled,
            Err(r) => &s.drops[r.index()],
        }
        .fetch_add(1, Ordering::Relaxed);
    }
}

/// Counts where a packet received by `sk` ended, in its namespace (a
/// kernel socket has none this module may use: not counted).
fn account_sk(sk: &Locked<'_, Dccp>, v: Fate) {
    if let Some(net) = sk.net() {
        account(net, v);
    }
}

/// Counts a packet given to the protocol handler in `net`.
fn count_rx(net: &Net) {
    let guard = ReadGuard::new();
    if let Some(s) = DCCP_NET.get(net, &guard) {
        s.rx.fetch_add(1, Ordering::Relaxed);
    }
}

fn timewait_ms(sk: &Locked<'_, Dccp>) -> u32 {
    let guard = ReadGuard::new();
    sk.net()
        .and_then(|net| DCCP_NET.get(net, &guard))
        .map_or(TIMEWAIT_MS, |s| s.timewait_ms.load(Ordering::Relaxed)) as u32
}

/// The Sequence Window a new connection of `sk`'s namespace asks for.
fn seq_window(sk: &Locked<'_, Dccp>) -> u64 {
    let guard = ReadGuard::new();
    let w = sk
        .net()
        .and_then(|net| DCCP_NET.get(net, &guard))
        .map_or(SEQ_WINDOW as i32, |s| s.seq_window.load(Ordering::Relaxed));
    // CAST: the sysctl keeps it in 32..=i32::MAX.
    w as u64
}

/// The feature options of a received packet (its option area was checked
/// when it arrived): kind, Mandatory, value.
fn feature_opts<'p>(pkt: &'p [u8], h: &Header) -> impl Iterator<Item = (u8, bool, &'p [u8])> + 'p {
    let fixed = Header::fixed_len(h.ptype, h.x);
    codec::Options::new(pkt.get(fixed..h.len()).unwrap_or(&[]))
        .map_while(|o| o.ok())
        .map(|o| (o.kind, o.mandatory, o.value))
}

/// Reads the feature options of `pkt` (header `h`) on a connected
/// socket, its answers appended to `confirms`, which become the pending
/// ones; `BadFeature` when the features cannot be agreed and the
/// connection was reset.
fn read_features(
    sk: &mut Locked<'_, Dccp>,
    pkt: &Packet<Dccp>,
    h: &Header,
    mut confirms: Confirms,
) -> Fate {
    let d = sk.data();
    if let Err(code) = d
        .feat
        .on_options(feature_opts(pkt.data(), h), &mut confirms)
    {
        let _ = send_reset(sk, code);
        sk.done(reset_errno(code));
        return Err(DropReason::BadFeature);
    }
    d.confirms = confirms;
    Ok(())
}

/// Which end of the connection a socket is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    /// Not connected, or listening.
    None,
    /// It sent the Request.
    Client,
    /// It answered one (an accepted socket).
    Server,
}

/// The protocol state of one socket.
struct DccpSock {
    role: Role,
    /// Initial Sequence Number sent (RFC 4340 7.1), 48 bits.
    iss: u64,
    /// Greatest Sequence Number sent.
    gss: u64,
    /// Initial Sequence Number received.
    isr: u64,
    /// Greatest Sequence Number received.
    gsr: u64,
    /// Greatest Acknowledgement Number received (RFC 4340 7.5.1).
    gar: u64,
    /// When the last Sync answering an invalid packet went (ms).
    last_sync_ms: i64,
    /// The Service Code of the connection (RFC 4340 8.1.2), or the first
    /// one a listener serves.
    service: u32,
    /// The other Service Codes a listener serves (`DCCP_SOCKOPT_SERVICE`
    /// after the first), `services` of them.
    more_services: [u32; MAX_SERVICES - 1],
    services: u8,
    /// Retransmissions of the packet the timer resends.
    retries: u8,
    /// The timer's current interval.
    rto_ms: u32,
    /// What arrived from the peer, for the Ack Vectors we send.
    rx: ccid2::RxHistory,
    /// CCID 2 of our data.
    tx: ccid2::Tx,
    /// Whether the timer runs as CCID 2's timeout.
    rto_armed: bool,
    /// A server that keeps TIMEWAIT itself: it closes with Close, not
    /// CloseReq (`DCCP_SOCKOPT_SERVER_TIMEWAIT`).
    server_timewait: bool,
    /// The connection's feature values (RFC 4340 6).
    feat: Features,
    /// Feature options the next packets carry: the client's Confirms of
    /// the server's Changes (every Ack and DataAck of PARTOPEN and the
    /// first of OPEN), or Confirms answering a Change in OPEN.
    confirms: Confirms,
    /// The last Timestamp the peer sent and when it arrived (ns): the
    /// next Ack or DataAck echoes it (RFC 4340 13.3).
    ts_echo: Option<(u32, i64)>,
    /// Data packets received since this end last acknowledged (with an
    /// Ack or a DataAck), for the peer's Ack Ratio.
    rx_unacked: u32,
    /// Acks and DataAcks sent (wrapping): one sent while a packet is
    /// handled acknowledges it already.
    acks_sent: u32,
    /// When this end last changed the Ack Ratio it asks for (CCID 2's
    /// milliseconds).
    ack_ratio_ms: u32,
}

impl DccpSock {
    fn new() -> Self {
        DccpSock {
            role: Role::None,
            iss: 0,
            gss: 0,
            isr: 0,
            gsr: 0,
            gar: 0,
            last_sync_ms: i64::MIN,
            service: 0,
            more_services: [0; MAX_SERVICES - 1],
            services: 0,
            retries: 0,
            rto_ms: RTO_INIT_MS,
            rx: ccid2::RxHistory::new(),
            tx: ccid2::Tx::new(),
            rto_armed: false,
            server_timewait: false,
            feat: Features::new(false),
            confirms: Confirms::new(),
            ts_echo: None,
            rx_unacked: 0,
            acks_sent: 0,
            ack_ratio_ms: 0,
        }
    }

    /// The feature options an Ack or DataAck carries: the pending
    /// Confirms, then this end's Changes still unconfirmed.
    fn feature_out(&self) -> Confirms {
        let mut c = self.confirms;
        self.feat.pending_changes(&mut c);
        c
    }

    /// The Sequence Window of the packets this end receives (the peer's
    /// feature) and of those it sends (its own), RFC 4340 7.5.1.
    fn windows(&self) -> (u64, u64) {
        (
            self.feat.remote(feature::SEQ_WINDOW),
            self.feat.local(feature::SEQ_WINDOW),
        )
    }

    /// Whether a listener serves Service Code `code` (RFC 5595: one of
    /// its codes; never the invalid one).
    fn serves(&self, code: u32) -> bool {
        code != SERVICE_INVALID
            && (code == self.service
                || self.more_services[..usize::from(self.services)].contains(&code))
    }
}

/// The protocol state of a connection request (the server's RESPOND
/// state, RFC 4340 8.1.2).
#[derive(Clone, Copy)]
struct DccpReq {
    iss: u64,
    gss: u64,
    isr: u64,
    gsr: u64,
    service: u32,
    /// Responses sent: the first carries the ISS, each later one the
    /// next number.
    responses: u32,
    /// The features agreed so far, and the options every Response
    /// carries: Confirms of the Request's Changes, then the server's own
    /// Changes.
    feat: Features,
    opts: Confirms,
}

fn errno(e: u32) -> Error {
    Error::from_errno(-(e as i32))
}

/// The errno a Reset Code gives the socket's user, as the C DCCP maps
/// them (`dccp_reset_code_convert`): none for a normal close.
fn reset_errno(code: u8) -> Option<Error> {
    let e = match code {
        0 | 1 => return None,
        2 => kernel::bindings::ECONNRESET,
        3 | 7 => kernel::bindings::ECONNREFUSED,
        4 => kernel::bindings::ENOMSG,
        5 => kernel::bindings::EILSEQ,
        6 => kernel::bindings::EOPNOTSUPP,
        8 => kernel::bindings::EBADRQC,
        9 => kernel::bindings::EUSERS,
        10 => kernel::bindings::EBADR,
        11 => kernel::bindings::EDQUOT,
        _ => kernel::bindings::ECONNRESET,
    };
    Some(errno(e))
}

/// A packet built for sending: the header and its options.
struct Out {
    buf: [u8; 256],
    len: usize,
}

impl Out {
    fn bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

/// The header of a packet from `a`'s local to its remote end (48-bit
/// numbers, full checksum coverage, no options).
fn header(
    a: &inet::Addrs,
    ptype: PacketType,
    seq: u64,
    ack: Option<u64>,
    specific: Option<u32>,
) -> Header {
    Header {
        sport: a.sport,
        dport: a.dport,
        doff: 0,
        ccval: 0,
        cscov: 0,
        checksum: 0,
        ptype,
        x: true,
        seq,
        ack,
        specific,
    }
}

/// Builds a packet with its checksum, from `a`'s local to its remote end.
fn build(
    a: &inet::Addrs,
    ptype: PacketType,
    seq: u64,
    ack: Option<u64>,
    specific: Option<u32>,
) -> Result<Out> {
    build_opts(a, ptype, seq, ack, specific, &[])
}

/// As [`build`], with options.
fn build_opts(
    a: &inet::Addrs,
    ptype: PacketType,
    seq: u64,
    ack: Option<u64>,
    specific: Option<u32>,
    opts: &[u8],
) -> Result<Out> {
    let h = header(a, ptype, seq, ack, specific);
    let mut buf = [0u8; 256];
    let len = codec::encode(&h, opts, &mut buf).ok_or(EINVAL)?;
    let c = codec::compute_checksum(a.saddr(), a.daddr(), &buf[..len]).map_err(|_| EINVAL)?;
    buf[6..8].copy_from_slice(&c.to_be_bytes());
    Ok(Out { buf, len })
}

/// A Request numbered `d.gss`, with the client's Changes.
fn request(a: &inet::Addrs, d: &mut DccpSock, seq_window: u64) -> Result<Out> {
    let mut opts = Confirms::new();
    d.feat.initial_changes(seq_window, &mut opts);
    build_opts(
        a,
        PacketType::Request,
        d.gss,
        None,
        Some(d.service),
        opts.bytes(),
    )
}

/// Sends a packet of `ptype` from a connected socket: the next sequence
/// number, acknowledging the greatest one received; an Ack carries the
/// pending Confirms.
fn send(sk: &mut Locked<'_, Dccp>, ptype: PacketType, specific: Option<u32>) -> Result {
    let a = sk.addrs();
    let d = sk.data();
    let seq = codec::seq_add(d.gss, 1);
    d.gss = seq;
    let opts = if ptype == PacketType::Ack {
        d.confirms.bytes()
    } else {
        &[]
    };
    let out = build_opts(&a, ptype, seq, Some(d.gsr), specific, opts)?;
    sk.xmit(out.bytes())
}

/// After a packet with the pending Confirms went: in OPEN they were sent
/// for the last time (in PARTOPEN they go on every packet, until the
/// server's answer shows it has them).
fn confirms_sent(sk: &mut Locked<'_, Dccp>) {
    if sk.state() == State::Established {
        sk.data().confirms.clear();
    }
}

/// The Ack Vector option (type 38, nonce 0) for what arrived, at most
/// `max` bytes of vector, into `out`; its length (0 before anything
/// arrived).
fn ack_vector_opt(
    rx: &ccid2::RxHistory,
    max: usize,
    out: &mut [u8; 2 + ccid2::MAX_ACK_VECTOR],
) -> usize {
    ack_vector_opt_into(rx, max, out)
}

/// As [`ack_vector_opt`], into the start of `out` (at most its length
/// less 2 bytes of vector).
fn ack_vector_opt_into(rx: &ccid2::RxHistory, max: usize, out: &mut [u8]) -> usize {
    let max = max
        .min(ccid2::MAX_ACK_VECTOR)
        .min(out.len().saturating_sub(2));
    let n = out.get_mut(2..2 + max).map_or(0, |v| rx.encode(v));
    if n == 0 {
        return 0;
    }
    out[0] = codec::opt::ACK_VECTOR_0;
    // CAST: at most 2 + 64.
    out[1] = (n + 2) as u8;
    n + 2
}

/// Acknowledges what arrived with an Ack, its Ack Vector and the pending
/// Confirms (RFC 4341 6.1: every data packet is acknowledged).
fn send_ack(sk: &mut Locked<'_, Dccp>) -> Result {
    let a = sk.addrs();
    let d = sk.data();
    let mut opt = [0u8; 2 + ccid2::MAX_ACK_VECTOR + feat::CONFIRM_ROOM + TS_ECHO_ROOM];
    let fo = d.feature_out();
    let c = fo.bytes();
    opt[..c.len()].copy_from_slice(c);
    let mut vector = [0u8; 2 + ccid2::MAX_ACK_VECTOR];
    let n = ack_vector_opt(&d.rx, ccid2::MAX_ACK_VECTOR, &mut vector);
    opt[c.len()..c.len() + n].copy_from_slice(&vector[..n]);
    let n = put_ts_echo(d, &mut opt, c.len() + n);
    let seq = codec::seq_add(d.gss, 1);
    d.gss = seq;
    let out = build_opts(&a, PacketType::Ack, seq, Some(d.gsr), None, &opt[..n])?;
    acked_all(sk);
    sk.xmit(out.bytes())?;
    confirms_sent(sk);
    Ok(())
}

/// The packet going out acknowledges everything received: no data
/// packet waits for an acknowledgement any more.
fn acked_all(sk: &mut Locked<'_, Dccp>) {
    let d = sk.data();
    d.acks_sent = d.acks_sent.wrapping_add(1);
    if d.rx_unacked > 0 {
        d.rx_unacked = 0;
        sk.clear_delack();
    }
}

/// A data packet arrived in OPEN: acknowledged every Ack Ratio packets
/// (the peer's feature, RFC 4341 6.1), at once when it is not the next
/// number (a gap the sender must learn of soon, RFC 4341 6.2) or
/// Confirms wait, and otherwise within [`DELACK_MS`], so that the last
/// packet of a burst is not left to the sender's timeout. Nothing when
/// a DataAck sent while it was handled (`acks_before` then differs)
/// acknowledged it already.
fn data_rcvd(sk: &mut Locked<'_, Dccp>, in_order: bool, acks_before: u32) {
    let d = sk.data();
    if d.acks_sent != acks_before {
        return;
    }
    d.rx_unacked = d.rx_unacked.saturating_add(1);
    let ratio = d.feat.remote(feature::ACK_RATIO).max(1);
    if !in_order || u64::from(d.rx_unacked) >= ratio || !d.confirms.bytes().is_empty() {
        let _ = send_ack(sk);
    } else {
        sk.schedule_delack(DELACK_MS);
    }
}

/// The Ack Ratio this end asks for its own data (RFC 4341 6.1.2): half
/// the congestion window, so that a window brings two acknowledgements
/// at least, and at most [`ACK_RATIO_MAX`]. It goes down at once (a
/// window too small for it would wait for the timeout), up at most once
/// a round trip, as RFC 4341 6.1.2 asks of renegotiation.
fn ack_ratio_update(d: &mut DccpSock) {
    let r = u64::from(d.tx.cwnd / 2).clamp(1, ACK_RATIO_MAX);
    let wanted = d.feat.ack_ratio_wanted();
    let now = now_ms();
    if r < wanted || (r > wanted && now.wrapping_sub(d.ack_ratio_ms) >= d.tx.srtt_ms()) {
        d.feat.set_ack_ratio(r);
        d.ack_ratio_ms = now;
    }
    // The ratio the peer acknowledges with: the confirmed one.
    let in_use = d.feat.local(feature::ACK_RATIO).clamp(1, ACK_RATIO_MAX);
    // CAST: at most ACK_RATIO_MAX.
    d.tx.slow_start_cap = (in_use as u32).div_ceil(2);
}

/// Milliseconds for CCID 2's clock (wrapping).
fn now_ms() -> u32 {
    // CAST: wraps, as the CCID's times do.
    Ktime::ktime_get().to_ms() as u32
}

/// Sends one queued message as a DataAck, with the Ack Vector that fits
/// and, when the path's MTU leaves room for them, the pending Confirms
/// (a client's data in PARTOPEN: its Ack may have been lost).
fn send_data(sk: &mut Locked<'_, Dccp>, mut skb: OutSkb<'_>) -> Result {
    let a = sk.addrs();
    // CAST: a message is at most the MPS, a u32.
    let room = (sk.cur_mps() + <Dccp as inet::Protocol>::DATA_OVERHEAD)
        .saturating_sub(skb.data().len() as u32) as usize;
    let d = sk.data();
    let seq = codec::seq_add(d.gss, 1);
    let mut opt = [0u8; 2 + ccid2::MAX_ACK_VECTOR + feat::CONFIRM_ROOM + TS_ECHO_ROOM];
    // 24 bytes: the generic header and the acknowledgement. The feature
    // options come first when room is short (a Change of this end's Ack
    // Ratio after a timeout must reach the peer), then as much of the Ack
    // Vector as fits (a vector cut short reports less, never wrongly).
    let fo = d.feature_out();
    let c = fo.bytes();
    let sent_confirms = !c.is_empty() && 24 + c.len() <= room;
    let reserve = if sent_confirms { c.len() } else { 0 };
    let vmax = room.saturating_sub(24 + reserve + 2).min(DATA_ACK_VECTOR);
    let mut n = if vmax > 0 {
        ack_vector_opt_into(&d.rx, vmax, &mut opt)
    } else {
        0
    };
    if 24 + n + reserve + TS_ECHO_ROOM <= room {
        n = put_ts_echo(d, &mut opt, n);
    }
    if sent_confirms {
        opt[n..n + c.len()].copy_from_slice(c);
        n += c.len();
    }
    let mut h = header(&a, PacketType::DataAck, seq, Some(d.gsr), None);
    // Partial coverage (RFC 4340 9.2) when the peer allows it and the
    // message reaches past it (else the whole packet is covered).
    let cov = d.feat.send_coverage();
    if cov > 0 && usize::from(cov - 1) * 4 <= skb.data().len() {
        h.cscov = cov;
    }
    let mut buf = [0u8; 24 + 2 + ccid2::MAX_ACK_VECTOR + feat::CONFIRM_ROOM + TS_ECHO_ROOM];
    let hlen = codec::encode(&h, &opt[..n], &mut buf).ok_or(EINVAL)?;
    skb.push_header(&buf[..hlen])?;
    let c = codec::compute_checksum(a.saddr(), a.daddr(), skb.data()).map_err(|_| EINVAL)?;
    skb.data_mut()[6..8].copy_from_slice(&c.to_be_bytes());
    d.gss = seq;
    d.tx.on_send(seq, now_ms());
    acked_all(sk);
    // Lost on the way (no route, no memory) counts as a loss would.
    let r = sk.xmit_skb(skb);
    if sent_confirms {
        confirms_sent(sk);
    }
    r
}

/// Whether the socket sends data now (OPEN, or a client in PARTOPEN).
fn sending(sk: &Locked<'_, Dccp>) -> bool {
    matches!(sk.state(), State::Established | State::Proto1)
}

/// Sends queued messages while CCID 2's window allows, and keeps its
/// timeout running while data is in flight (in OPEN: in PARTOPEN the
/// timer resends the Ack, and the timeout starts with OPEN).
fn xmit_queued(sk: &mut Locked<'_, Dccp>) {
    while sending(sk) && sk.data().tx.can_send() {
        let Some(skb) = sk.tx_dequeue() else {
            break;
        };
        let _ = send_data(sk, skb);
    }
    rto_update(sk, false);
}

/// Arms CCID 2's timeout (`restart`: again from now) while data is in
/// flight in OPEN, stops it when none is.
fn rto_update(sk: &mut Locked<'_, Dccp>, restart: bool) {
    if sk.state() != State::Established {
        return;
    }
    let d = sk.data();
    if !d.tx.in_flight() {
        d.rto_armed = false;
        sk.clear_xmit_timer();
    } else if restart || !d.rto_armed {
        d.rto_armed = true;
        let ms = d.tx.rto_ms;
        sk.reset_xmit_timer(ms);
    }
}

/// The Ack Vector of a received packet, if it carries one.
fn find_ack_vector<'p>(pkt: &'p [u8], h: &Header) -> Option<&'p [u8]> {
    let fixed = Header::fixed_len(h.ptype, h.x);
    let opts = pkt.get(fixed..h.len())?;
    codec::Options::new(opts)
        .map_while(|o| o.ok())
        .find(|o| o.kind == codec::opt::ACK_VECTOR_0 || o.kind == codec::opt::ACK_VECTOR_1)
        .map(|o| o.value)
}

/// The value of a received packet's Timestamp option, if it carries one
/// (four bytes; zero means no meaningful time, RFC 4340 13.1).
fn find_timestamp(pkt: &[u8], h: &Header) -> Option<u32> {
    let fixed = Header::fixed_len(h.ptype, h.x);
    let opts = pkt.get(fixed..h.len())?;
    let o = codec::Options::new(opts)
        .map_while(|o| o.ok())
        .find(|o| o.kind == codec::opt::TIMESTAMP)?;
    let v = u32::from_be_bytes(o.value.try_into().ok()?);
    (v != 0).then_some(v)
}

/// Room for a Timestamp Echo option: type, length, the echoed stamp and
/// a four-byte Elapsed Time.
const TS_ECHO_ROOM: usize = 10;

/// Appends the Timestamp Echo of the peer's last Timestamp to `out` (at
/// `n`), with the time it was held in units of 10 microseconds (RFC 4340
/// 13.3; left out when zero), and forgets it; the new length.
fn put_ts_echo(d: &mut DccpSock, out: &mut [u8], n: usize) -> usize {
    let Some((v, at)) = d.ts_echo else {
        return n;
    };
    let Some(room) = out.get_mut(n..n + TS_ECHO_ROOM) else {
        return n;
    };
    d.ts_echo = None;
    let held = (Ktime::ktime_get().to_ns() - at).max(0) / 10_000;
    // CAST: clamped to the four-byte field.
    let held = held.min(i64::from(u32::MAX)) as u32;
    room[0] = codec::opt::TIMESTAMP_ECHO;
    room[2..6].copy_from_slice(&v.to_be_bytes());
    let len = if held == 0 {
        6
    } else if let Ok(h16) = u16::try_from(held) {
        room[6..8].copy_from_slice(&h16.to_be_bytes());
        8
    } else {
        room[6..10].copy_from_slice(&held.to_be_bytes());
        10
    };
    // CAST: at most 10.
    room[1] = len as u8;
    n + len
}

/// Sends a Sync or SyncAck acknowledging `ack` (RFC 4340 7.5.4).
fn send_sync(sk: &mut Locked<'_, Dccp>, ptype: PacketType, ack: u64) -> Result {
    let a = sk.addrs();
    let d = sk.data();
    let seq = codec::seq_add(d.gss, 1);
    d.gss = seq;
    let out = build(&a, ptype, seq, Some(ack), None)?;
    sk.xmit(out.bytes())
}

/// Sync answers to invalid packets go at most this often (the C DCCP's
/// default `sync_ratelimit`, RFC 4340 7.5.4).
const SYNC_INTERVAL_MS: i64 = 125;

fn send_reset(sk: &mut Locked<'_, Dccp>, code: u8) -> Result {
    send(sk, PacketType::Reset, Some(u32::from(code) << 24))
}

/// Arms the retransmission timer for a fresh packet.
fn arm(sk: &mut Locked<'_, Dccp>, ms: u32) {
    let d = sk.data();
    d.retries = 0;
    d.rto_ms = ms;
    sk.reset_xmit_timer(ms);
}

/// AWL: the oldest number of the last `w` sent, not before the ISS
/// (RFC 4340 7.5.1).
fn ack_window_low(iss: u64, gss: u64, w: u64) -> u64 {
    if codec::seq_delta(gss, iss) >= w as i64 {
        codec::seq_add(gss, codec::SEQ_MOD + 1 - w)
    } else {
        iss
    }
}

/// The sequence and acknowledgement numbers of `h` in 48 bits (a short
/// number is extended near the greatest one received or sent).
fn full_numbers(h: &Header, gsr: u64, gss: u64) -> (u64, Option<u64>) {
    if h.x {
        (h.seq, h.ack)
    } else {
        (
            codec::seq_extend(h.seq, gsr),
            h.ack.map(|a| codec::seq_extend(a, gss)),
        )
    }
}

struct Dccp;

impl inet::Protocol for Dccp {
    type Sock = DccpSock;
    type Req = DccpReq;

    const NAME: &'static CStr = c_str!("DCCP_RUST");
    const PROTOCOL: u8 = IPPROTO_DCCP;
    const SOCK_TYPE: i16 = SOCK_DCCP;
    const MAX_HEADER: u32 = MAX_DCCP_HEADER;
    /// The C DCCP's: a generic header with 48-bit numbers (16 bytes) and
    /// room for the options a data packet may carry (24 bytes); a
    /// DataAck's acknowledgement (8) fits in that room. 1440 bytes on a
    /// 1500-byte path, as the C DCCP's MPS.
    const DATA_OVERHEAD: u32 = 40;
    const TX_QUEUE_LEN: u32 = TX_QUEUE_LEN;
    const SOL: i32 = SOL_DCCP;
    const SCM_PRIORITY: i32 = DCCP_SCM_PRIORITY;

    fn setsockopt(sk: &mut Locked<'_, Self>, name: i32, val: &OptIn) -> Result {
        // Every option but these takes an int at the least (`EINVAL`), as
        // in the C DCCP.
        let list = matches!(
            name,
            DCCP_SOCKOPT_PACKET_SIZE
                | DCCP_SOCKOPT_CHANGE_L
                | DCCP_SOCKOPT_CHANGE_R
                | DCCP_SOCKOPT_CCID
                | DCCP_SOCKOPT_TX_CCID
                | DCCP_SOCKOPT_RX_CCID
        );
        if !list && val.len() < 4 {
            return Err(EINVAL);
        }
        match name {
            DCCP_SOCKOPT_SERVICE => {
                // The Service Code, then the others a listener serves,
                // each in network order as the socket API passes them
                // (bytes past the last whole code are ignored). The
                // invalid code is EINVAL first and EFAULT in the list, as
                // in the C DCCP.
                let n = val.len();
                if n > MAX_SERVICES * 4 {
                    return Err(EINVAL);
                }
                let mut raw = [0u8; MAX_SERVICES * 4];
                val.read(&mut raw[..n])?;
                let mut codes = [0u32; MAX_SERVICES];
                for (c, b) in codes.iter_mut().zip(raw[..n].chunks_exact(4)) {
                    *c = u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
                }
                let codes = &codes[..n / 4];
                if codes[0] == SERVICE_INVALID {
                    return Err(EINVAL);
                }
                if codes.contains(&SERVICE_INVALID) {
                    return Err(EFAULT);
                }
                let d = sk.data();
                d.service = codes[0];
                d.more_services[..codes.len() - 1].copy_from_slice(&codes[1..]);
                d.services = (codes.len() - 1) as u8;
                Ok(())
            }
            // Obsolete; accepted and ignored, as the C DCCP does.
            DCCP_SOCKOPT_PACKET_SIZE | DCCP_SOCKOPT_CHANGE_L | DCCP_SOCKOPT_CHANGE_R => Ok(()),
            DCCP_SOCKOPT_CCID | DCCP_SOCKOPT_TX_CCID | DCCP_SOCKOPT_RX_CCID => {
                // A preference list of CCIDs, before the connection: 2 and
                // 3 are CCIDs, and only 2 is built (as the C DCCP without
                // CCID 3).
                let n = val.len();
                if n == 0 || n > MAX_SP_VALS {
                    return Err(EINVAL);
                }
                let mut list = [0u8; MAX_SP_VALS];
                val.read(&mut list[..n])?;
                if sk.state() != State::Close {
                    return Err(errno(kernel::bindings::EISCONN));
                }
                if list[..n].iter().any(|c| *c != 2 && *c != 3) {
                    return Err(EINVAL);
                }
                if list[..n].iter().any(|c| *c != 2) {
                    return Err(errno(kernel::bindings::EOPNOTSUPP));
                }
                Ok(())
            }
            DCCP_SOCKOPT_SEND_CSCOV | DCCP_SOCKOPT_RECV_CSCOV => {
                // A checksum coverage, 0 (full) to 15, before the
                // handshake: negotiated with the peer (RFC 4340 9.2.1).
                // As the C DCCP: 0 is accepted at any time (and then
                // changes nothing), another value only before connect()
                // or listen().
                let mut v = [0u8; 4];
                val.read(&mut v)?;
                let v = u8::try_from(i32::from_ne_bytes(v)).map_err(|_| EINVAL)?;
                if v > 15 {
                    return Err(EINVAL);
                }
                if sk.state() != State::Close {
                    return if v == 0 {
                        Ok(())
                    } else {
                        Err(errno(kernel::bindings::EISCONN))
                    };
                }
                let f = &mut sk.data().feat;
                let (send, recv) = f.coverage();
                if name == DCCP_SOCKOPT_SEND_CSCOV {
                    f.set_coverage(v, recv);
                } else {
                    f.set_coverage(send, v);
                }
                Ok(())
            }
            DCCP_SOCKOPT_SERVER_TIMEWAIT => {
                let mut v = [0u8; 4];
                val.read(&mut v)?;
                let d = sk.data();
                if d.role != Role::Server {
                    return Err(errno(kernel::bindings::EOPNOTSUPP));
                }
                d.server_timewait = i32::from_ne_bytes(v) != 0;
                Ok(())
            }
            DCCP_SOCKOPT_QPOLICY_ID => {
                // The policy, chosen before the connection.
                let mut v = [0u8; 4];
                val.read(&mut v)?;
                if sk.state() != State::Close {
                    return Err(errno(kernel::bindings::EISCONN));
                }
                let prio = match i32::from_ne_bytes(v) {
                    DCCPQ_POLICY_SIMPLE => false,
                    DCCPQ_POLICY_PRIO => true,
                    _ => return Err(EINVAL),
                };
                let (len, _) = sk.tx_queue();
                sk.set_tx_queue(len, prio)
            }
            DCCP_SOCKOPT_QPOLICY_TXQLEN => {
                // The most messages queued (0: no limit but the send
                // buffer), at any time.
                let mut v = [0u8; 4];
                val.read(&mut v)?;
                let len = u32::try_from(i32::from_ne_bytes(v)).map_err(|_| EINVAL)?;
                let (_, prio) = sk.tx_queue();
                sk.set_tx_queue(len, prio)
            }
            _ => Err(errno(kernel::bindings::ENOPROTOOPT)),
        }
    }

    fn getsockopt(sk: &mut Locked<'_, Self>, name: i32, out: &mut OptOut) -> Result {
        // Room for an int at the least, as the C DCCP asks of every one.
        if out.room()? < 4 {
            return Err(EINVAL);
        }
        match name {
            // Obsolete: succeeds with nothing written, as in the C DCCP.
            DCCP_SOCKOPT_PACKET_SIZE => Ok(()),
            DCCP_SOCKOPT_SERVICE => {
                let d = sk.data();
                let mut raw = [0u8; MAX_SERVICES * 4];
                raw[..4].copy_from_slice(&d.service.to_be_bytes());
                let n = usize::from(d.services);
                for (b, c) in raw[4..].chunks_exact_mut(4).zip(&d.more_services[..n]) {
                    b.copy_from_slice(&c.to_be_bytes());
                }
                out.write(&raw[..4 * (n + 1)])
            }
            DCCP_SOCKOPT_GET_CUR_MPS => {
                let mps = sk.cur_mps() as i32;
                out.write(&mps.to_ne_bytes())
            }
            DCCP_SOCKOPT_AVAILABLE_CCIDS => out.write(&[2]),
            DCCP_SOCKOPT_TX_CCID | DCCP_SOCKOPT_RX_CCID => {
                // CCID 2 both ways once the connection has its features
                // (from the Response on): before, none.
                match sk.state() {
                    State::Established
                    | State::Proto1
                    | State::Proto2
                    | State::CloseWait
                    | State::Closing
                    | State::FinWait1 => out.write(&2i32.to_ne_bytes()),
                    _ => Err(errno(kernel::bindings::ENOPROTOOPT)),
                }
            }
            DCCP_SOCKOPT_SERVER_TIMEWAIT => {
                let v = i32::from(sk.data().server_timewait);
                out.write(&v.to_ne_bytes())
            }
            DCCP_SOCKOPT_QPOLICY_ID => {
                let v = if sk.tx_queue().1 {
                    DCCPQ_POLICY_PRIO
                } else {
                    DCCPQ_POLICY_SIMPLE
                };
                out.write(&v.to_ne_bytes())
            }
            DCCP_SOCKOPT_QPOLICY_TXQLEN => {
                // CAST: set from a non-negative int.
                let v = sk.tx_queue().0 as i32;
                out.write(&v.to_ne_bytes())
            }
            DCCP_SOCKOPT_SEND_CSCOV | DCCP_SOCKOPT_RECV_CSCOV => {
                // What was asked for until the handshake, then what was
                // negotiated: the coverage sent with, this end's minimum.
                let asked = matches!(sk.state(), State::Close | State::Listen);
                let f = &sk.data().feat;
                let (send, recv) = f.coverage();
                let v = match (name == DCCP_SOCKOPT_SEND_CSCOV, asked) {
                    (true, true) => send,
                    (false, true) => recv,
                    (true, false) => f.send_coverage(),
                    // CAST: at most 15.
                    (false, false) => f.local(feature::MIN_CSCOV) as u8,
                };
                out.write(&i32::from(v).to_ne_bytes())
            }
            DCCP_SOCKOPT_CCID_TX_INFO => {
                // `struct dccp_rust_ccid2_info`: 14 u32 in host order, the
                // sender's CCID 2 state, then the Sequence Windows and Ack
                // Ratios in use, this end's then the peer's.
                let d = sk.data();
                let t = &d.tx;
                let (f, local, remote) = (&d.feat, true, false);
                let nn = |feat: u8, here: bool| {
                    // CAST: at most 2^46 - 1; shown saturated.
                    let v = if here { f.local(feat) } else { f.remote(feat) };
                    v.min(u64::from(u32::MAX)) as u32
                };
                let v = [
                    2,
                    t.cwnd,
                    t.ssthresh,
                    t.pipe,
                    t.halvings,
                    t.timeouts,
                    t.rto_ms,
                    t.srtt_ms(),
                    t.acked as u32,
                    t.lost as u32,
                    nn(feature::SEQ_WINDOW, local),
                    nn(feature::SEQ_WINDOW, remote),
                    nn(feature::ACK_RATIO, local),
                    nn(feature::ACK_RATIO, remote),
                ];
                let mut raw = [0u8; 56];
                for (b, x) in raw.chunks_exact_mut(4).zip(v) {
                    b.copy_from_slice(&x.to_ne_bytes());
                }
                out.write(&raw)
            }
            _ => Err(errno(kernel::bindings::ENOPROTOOPT)),
        }
    }

    fn init() -> Result<DccpSock> {
        Ok(DccpSock::new())
    }

    fn connect(sk: &mut Locked<'_, Self>) -> Result {
        let a = sk.addrs();
        let iss = inet::random_u64() % codec::SEQ_MOD;
        let w = seq_window(sk);
        let d = sk.data();
        d.role = Role::Client;
        d.iss = iss;
        d.gss = iss;
        let (send, recv) = d.feat.coverage();
        d.feat = Features::new(false);
        d.feat.set_coverage(send, recv);
        let out = request(&a, d, w)?;
        sk.xmit(out.bytes())?;
        arm(sk, RTO_INIT_MS);
        Ok(())
    }

    fn close(sk: &mut Locked<'_, Self>) {
        match sk.state() {
            State::Established | State::Proto1 => {
                // What the application queued goes first, past the
                // window, as the C DCCP flushes its queue on close: at
                // most TX_QUEUE_LEN packets (a socket may queue more,
                // QPOLICY_TXQLEN); the rest is dropped, not sent in one
                // burst.
                let mut n = 0;
                while let Some(skb) = sk.tx_dequeue() {
                    if n < TX_QUEUE_LEN {
                        let _ = send_data(sk, skb);
                        n += 1;
                    }
                }
                sk.data().rto_armed = false;
                // RFC 4340 8.3: a client closes with Close, a server
                // asks its client to with CloseReq (so that TIMEWAIT is
                // the client's); both are retransmitted until answered.
                let d = sk.data();
                let (ptype, next) = if d.role == Role::Server && !d.server_timewait {
                    (PacketType::CloseReq, ConnState::FinWait1)
                } else {
                    (PacketType::Close, ConnState::Closing)
                };
                if send(sk, ptype, None).is_err() {
                    sk.done(None);
                    return;
                }
                sk.set_state(next);
                arm(sk, RTO_INIT_MS);
            }
            // The peer closed (PASSIVE_CLOSE): its Close is answered now.
            State::CloseWait => {
                let _ = send_reset(sk, RESET_CLOSED);
                sk.done(None);
            }
            // The server asked us to close (PASSIVE_CLOSEREQ): Close, and
            // TIMEWAIT after its Reset.
            State::Proto2 => {
                if send(sk, PacketType::Close, None).is_err() {
                    sk.done(None);
                    return;
                }
                sk.set_state(ConnState::Closing);
                arm(sk, RTO_INIT_MS);
            }
            // Closing already, or nothing to close.
            State::Closing | State::FinWait1 => {}
            _ => sk.done(None),
        }
    }

    fn disconnect(sk: &mut Locked<'_, Self>) {
        // The peer of a connection that is dropped learns it at once; one
        // that closed gets the answer its Close waits for.
        if sk.state() == State::CloseWait {
            let _ = send_reset(sk, RESET_CLOSED);
        } else if matches!(
            sk.state(),
            State::Established
                | State::Proto1
                | State::Proto2
                | State::SynRecv
                | State::Closing
                | State::FinWait1
        ) {
            let _ = send_reset(sk, RESET_ABORTED);
        }
        // A new connection starts from scratch, but for the Service
        // Codes the application set.
        let d = sk.data();
        let mut fresh = DccpSock {
            service: d.service,
            more_services: d.more_services,
            services: d.services,
            ..DccpSock::new()
        };
        let (send, recv) = d.feat.coverage();
        fresh.feat.set_coverage(send, recv);
        *d = fresh;
    }

    fn do_rcv(sk: &mut Locked<'_, Self>, pkt: Packet<Self>) {
        // The packet was checked by `rcv`; parse its header again (it is
        // linear and unchanged) to act on it.
        let v = match codec::parse(pkt.data()) {
            Err(m) => Err(DropReason::Malformed(m)),
            Ok(h) => match sk.state() {
                State::Listen => listen_rcv(sk, &pkt, &h),
                State::SynSent => request_rcv(sk, &pkt, &h),
                _ => conn_rcv(sk, pkt, &h),
            },
        };
        account_sk(sk, v);
    }

    fn sendmsg(sk: &mut Locked<'_, Self>, skb: OutSkb<'_>) -> Result {
        // Queued, then sent as CCID 2's window allows. Every data packet
        // acknowledges the greatest number received: DataAck (a client
        // in PARTOPEN must, RFC 4340 8.1.5).
        sk.tx_enqueue(skb)?;
        xmit_queued(sk);
        Ok(())
    }

    fn send_response(req: &mut ReqLocked<'_, Self>) -> Result {
        let a = req.addrs();
        let d = req.data();
        if d.responses > 0 {
            d.gss = codec::seq_add(d.gss, 1);
        }
        d.responses = d.responses.saturating_add(1);
        let out = build_opts(
            &a,
            PacketType::Response,
            d.gss,
            Some(d.gsr),
            Some(d.service),
            d.opts.bytes(),
        )?;
        req.xmit(out.bytes())
    }

    fn xmit_timer(sk: &mut Locked<'_, Self>) {
        let st = sk.state();
        if st == State::Established {
            // CCID 2's timeout: what is in flight is lost; the window
            // starts again from one packet.
            let d = sk.data();
            d.rto_armed = false;
            if d.tx.in_flight() {
                d.tx.on_timeout();
                ack_ratio_update(d);
            }
            xmit_queued(sk);
            return;
        }
        let d = sk.data();
        let limit = if st == State::Proto1 {
            PARTOPEN_RETRIES
        } else {
            MAX_RETRIES
        };
        if d.retries >= limit {
            if st != State::Proto1 {
                // RFC 4340 8.1.1 and 8.3: the attempt or the close gives up.
                sk.done(Some(errno(kernel::bindings::ETIMEDOUT)));
            } else if d.tx.in_flight() {
                // PARTOPEN with no answer and data in flight: the Ack's
                // retransmissions are over, CCID 2's timeout takes over
                // (else the window would stay full for good).
                d.tx.on_timeout();
                xmit_queued(sk);
                let d = sk.data();
                if d.tx.in_flight() {
                    let ms = d.tx.rto_ms;
                    sk.reset_xmit_timer(ms);
                }
            }
            return;
        }
        d.retries += 1;
        d.rto_ms = d.rto_ms.saturating_mul(2).min(64_000);
        let rto = d.rto_ms;
        let sent = match st {
            State::SynSent => {
                // A retransmitted Request carries a new sequence number.
                let a = sk.addrs();
                let w = seq_window(sk);
                let d = sk.data();
                d.gss = codec::seq_add(d.gss, 1);
                request(&a, d, w).and_then(|out| sk.xmit(out.bytes()))
            }
            State::Proto1 => send(sk, PacketType::Ack, None),
            State::Closing => send(sk, PacketType::Close, None),
            State::FinWait1 => send(sk, PacketType::CloseReq, None),
            _ => return,
        };
        // A failed send (no route, no memory) is retried as a loss would be.
        let _ = sent;
        sk.reset_xmit_timer(rto);
    }

    fn delack_timer(sk: &mut Locked<'_, Self>) {
        if sk.state() == State::Established && sk.data().rx_unacked > 0 {
            let _ = send_ack(sk);
        }
    }

    fn icmp_sent(sk: &mut Locked<'_, Self>, sent: &[u8]) -> bool {
        // Only about a packet this socket sent: 48-bit sequence numbers
        // (the only kind it sends) in [AWL, AWH] (RFC 4340 7.5.1: the
        // last W sent, not before the ISS), as the C DCCP checks, so that
        // a blind forger must guess the number.
        let (Some(&b8), Some(s)) = (sent.get(8), sent.get(10..16)) else {
            account_sk(sk, Err(DropReason::BadIcmp));
            return false;
        };
        let seq = s.iter().fold(0u64, |a, b| a << 8 | u64::from(*b));
        let d = sk.data();
        let (iss, gss, role) = (d.iss, d.gss, d.role);
        let awl = ack_window_low(iss, gss, d.windows().1);
        let ok = b8 & 1 == 1 && role != Role::None && codec::seq_in_window(seq, awl, gss);
        if !ok {
            account_sk(sk, Err(DropReason::BadIcmp));
        }
        ok
    }

    fn icmp_error(sk: &mut Locked<'_, Self>, err: Error) {
        match sk.state() {
            // A connection attempt ends at once (RFC 4340 8.1.1 leaves
            // it to the implementation; TCP and the C DCCP end it).
            State::SynSent => sk.done(Some(err)),
            // Else reported only to an application that asked for it.
            _ if sk.ip_recverr() => sk.report_error(err),
            _ => sk.soft_error(err),
        }
    }

    fn rcv(net: &Net, mut skb: Rx<Self>) {
        count_rx(net);
        let h = match check(&mut skb) {
            Err(r) => {
                account(net, Err(r));
                return;
            }
            Ok(h) => h,
        };
        let v = match skb.lookup(h.len() as u32) {
            Lookup::None(skb) => {
                if h.ptype != PacketType::Reset {
                    let _ = reply_reset(&skb, &h, RESET_NO_CONNECTION);
                }
                Err(DropReason::NoSocket)
            }
            // Counted where `do_rcv` ends, now or from the backlog.
            Lookup::Sock(sock, skb) => match skb.deliver(sock) {
                Ok(()) => return,
                Err(Undelivered::Backlog) => Err(DropReason::BacklogFull),
                Err(_) => Err(DropReason::Filtered),
            },
            Lookup::Req(req) => match req_rcv(&h, req) {
                Some(v) => v,
                // Counted where the new socket's `do_rcv` ends.
                None => return,
            },
        };
        account(net, v);
    }
}

/// A packet to a listening socket (RFC 4340 8.1.2, LISTEN).
fn listen_rcv(sk: &mut Locked<'_, Dccp>, pkt: &Packet<Dccp>, h: &Header) -> Fate {
    match h.ptype {
        PacketType::Request => {
            let service = h.specific.unwrap_or(SERVICE_INVALID);
            if !sk.data().serves(service) {
                // RFC 4340 8.1.2: refused at once, so that the client's
                // connect fails with EBADRQC instead of retrying.
                let _ = reply_reset_pkt(sk, pkt, h, RESET_BAD_SERVICE_CODE);
                return Err(DropReason::BadService);
            }
            // The Request's Changes, answered in the Response with the
            // server's own (RFC 4340 6.6).
            let mut feat = Features::new(true);
            let (send, recv) = sk.data().feat.coverage();
            feat.set_coverage(send, recv);
            let mut opts = Confirms::new();
            if let Err(code) = feat.on_options(feature_opts(pkt.data(), h), &mut opts) {
                let _ = reply_reset_pkt(sk, pkt, h, code);
                return Err(DropReason::BadFeature);
            }
            feat.initial_changes(seq_window(sk), &mut opts);
            let iss = inet::random_u64() % codec::SEQ_MOD;
            let req = DccpReq {
                iss,
                gss: iss,
                isr: h.seq,
                gsr: h.seq,
                service,
                responses: 0,
                feat,
                opts,
            };
            match sk.new_request(pkt, req, RTO_INIT_MS) {
                Ok(()) => Ok(()),
                Err(e) if e == EBUSY => {
                    let _ = reply_reset_pkt(sk, pkt, h, RESET_TOO_BUSY);
                    Err(DropReason::ListenFull)
                }
                Err(_) => Err(DropReason::Unexpected),
            }
        }
        PacketType::Reset => Err(DropReason::Unexpected),
        _ => {
            let _ = reply_reset_pkt(sk, pkt, h, RESET_NO_CONNECTION);
            Err(DropReason::Unexpected)
        }
    }
}

/// A packet to a socket that sent a Request (RFC 4340 8.1.3, REQUEST).
fn request_rcv(sk: &mut Locked<'_, Dccp>, pkt: &Packet<Dccp>, h: &Header) -> Fate {
    let (iss, gss) = (sk.data().iss, sk.data().gss);
    // A valid answer acknowledges a sequence number this socket sent.
    if !h.ack.is_some_and(|a| codec::seq_in_window(a, iss, gss)) {
        return Err(DropReason::BadAck);
    }
    match h.ptype {
        PacketType::Reset => {
            let code = h.specific.map_or(0, |s| (s >> 24) as u8);
            sk.done(reset_errno(code));
            Ok(())
        }
        PacketType::Response => {
            let d = sk.data();
            d.isr = h.seq;
            d.gsr = h.seq;
            d.gar = h.ack.unwrap_or(d.iss);
            d.rx.record(h.seq);
            // The server's Confirms and Changes: the Changes are
            // confirmed on every packet of PARTOPEN.
            read_features(sk, pkt, h, Confirms::new())?;
            if send(sk, PacketType::Ack, None).is_err() {
                sk.done(Some(errno(kernel::bindings::ENOBUFS)));
                return Ok(());
            }
            // PARTOPEN until the server sends anything (RFC 4340 8.1.5).
            sk.set_state(ConnState::Proto1);
            arm(sk, PARTOPEN_MS);
            Ok(())
        }
        _ => Err(DropReason::Unexpected),
    }
}

/// A packet to a socket past its handshake's first half.
fn conn_rcv(sk: &mut Locked<'_, Dccp>, pkt: Packet<Dccp>, h: &Header) -> Fate {
    let d = sk.data();
    let (gsr, gss, iss, gar) = (d.gsr, d.gss, d.iss, d.gar);
    let (w_rx, w_tx) = d.windows();
    let (seq, ack) = full_numbers(h, gsr, gss);
    // RFC 4340 7.5.1, with W the peer's Sequence Window and W' ours:
    // SWL = GSR + 1 - W/4, SWH = GSR + 3W/4; AWL = max(GSS + 1 - W',
    // ISS), AWH = GSS.
    let swl = codec::seq_add(gsr, codec::SEQ_MOD + 1 - w_rx / 4);
    let swh = codec::seq_add(gsr, w_rx * 3 / 4);
    let awl = ack_window_low(iss, gss, w_tx);
    if matches!(h.ptype, PacketType::Sync | PacketType::SyncAck) {
        // RFC 4340 8.5 step 5: a Sync or SyncAck acknowledging a number
        // in [AWL, AWH], numbered SWL or later, moves GSR (the peer lost
        // or skipped a run of numbers); a Sync is answered with a SyncAck
        // acknowledging it (step 15). Any other is dropped.
        if !ack.is_some_and(|a| codec::seq_in_window(a, awl, gss)) {
            return Err(DropReason::BadAck);
        }
        if codec::seq_delta(seq, swl) < 0 {
            return Err(DropReason::BadSeq);
        }
        let d = sk.data();
        if codec::seq_delta(seq, gsr) > 0 {
            d.gsr = seq;
        }
        // The Ack Vectors we send go with GSR as their Ack Number.
        d.rx.record(seq);
        if h.ptype == PacketType::Sync {
            let _ = send_sync(sk, PacketType::SyncAck, seq);
        }
        return Ok(());
    }
    // Step 6: Close, CloseReq and Reset must be newer than anything
    // received and acknowledge no less than anything acknowledged.
    let closing = matches!(
        h.ptype,
        PacketType::Close | PacketType::CloseReq | PacketType::Reset
    );
    let (lswl, lawl) = if closing {
        (codec::seq_add(gsr, 1), gar)
    } else {
        (swl, awl)
    };
    let ack_ok = ack.map_or(true, |a| codec::seq_in_window(a, lawl, gss));
    if !ack_ok || !codec::seq_in_window(seq, lswl, swh) {
        // Answered with a Sync acknowledging the packet (GSR for a
        // Reset), at most every SYNC_INTERVAL_MS.
        let now = Ktime::ktime_get().to_ms();
        let d = sk.data();
        if now.saturating_sub(d.last_sync_ms) >= SYNC_INTERVAL_MS {
            d.last_sync_ms = now;
            let acking = if h.ptype == PacketType::Reset {
                gsr
            } else {
                seq
            };
            let _ = send_sync(sk, PacketType::Sync, acking);
        }
        return Err(if ack_ok {
            DropReason::BadSeq
        } else {
            DropReason::BadAck
        });
    }
    let d = sk.data();
    if codec::seq_delta(seq, gsr) > 0 {
        d.gsr = seq;
    }
    d.rx.record(seq);
    // An Ack or DataAck sent from here on acknowledges this packet.
    let acks_before = d.acks_sent;
    // Feature options (none in Data, RFC 4340 6): a resent Response's
    // are confirmed afresh, others' Confirms join those pending.
    let handshake = matches!(h.ptype, PacketType::Request | PacketType::Response);
    // A Reset is never answered with one (RFC 4340 8.1.3): its options
    // are not read.
    let skip = matches!(h.ptype, PacketType::Data | PacketType::Reset);
    if !skip && (!handshake || sk.state() == State::Proto1) {
        let d = sk.data();
        let confirms = if h.ptype == PacketType::Response {
            Confirms::new()
        } else {
            d.confirms
        };
        read_features(sk, &pkt, h, confirms)?;
    }
    let d = sk.data();
    if let Some(t) = find_timestamp(pkt.data(), h) {
        d.ts_echo = Some((t, Ktime::ktime_get().to_ns()));
    }
    if let Some(a) = ack {
        if codec::seq_delta(a, d.gar) > 0 {
            d.gar = a;
        }
        // CCID 2: what the peer reports received (RFC 4341 6.2).
        if d.tx.in_flight() {
            let vector = find_ack_vector(pkt.data(), h);
            let res = d.tx.on_ack(a, vector, now_ms());
            if res.acked > 0 || res.lost > 0 {
                ack_ratio_update(d);
                rto_update(sk, true);
                xmit_queued(sk);
            }
        }
    }
    let st = sk.state();
    match (st, h.ptype) {
        // The server's first packet after its Response: OPEN (with data,
        // when the client's Ack was lost and its DataAck came first).
        (State::SynRecv, PacketType::Ack | PacketType::DataAck) => {
            sk.set_state(ConnState::Established);
        }
        (State::SynRecv, _) => return Err(DropReason::Unexpected),
        // The server did not get our Ack: send it again.
        (State::Proto1, PacketType::Response) => {
            let _ = send(sk, PacketType::Ack, None);
            return Ok(());
        }
        (_, PacketType::Request | PacketType::Response) => return Err(DropReason::Unexpected),
        (State::Proto1, _) => {
            sk.clear_xmit_timer();
            sk.set_state(ConnState::Established);
            // Data sent in PARTOPEN now has its timeout; more may go.
            xmit_queued(sk);
        }
        _ => {}
    }
    match (sk.state(), h.ptype) {
        (State::Closing, PacketType::Reset) => {
            // Our Close was answered: TIMEWAIT is ours (RFC 4340 8.3).
            let ms = timewait_ms(sk);
            sk.time_wait(ms);
        }
        (_, PacketType::Reset) => {
            let code = h.specific.map_or(0, |s| (s >> 24) as u8);
            sk.done(reset_errno(code));
        }
        (State::Established, PacketType::Close) => {
            // The peer closes (PASSIVE_CLOSE, RFC 4340 8.3): the reader
            // gets what is queued, then the end; our close() answers
            // with a Reset (Closed), and the peer keeps TIMEWAIT.
            sk.set_state(ConnState::CloseWait);
            sk.shutdown_rcv();
        }
        (State::CloseWait | State::Proto2, PacketType::Close | PacketType::CloseReq) => {}
        (_, PacketType::Close) => {
            // After our own close (CloseReq sent, or Close sent at the
            // same time): answered at once; we are done.
            let _ = send_reset(sk, RESET_CLOSED);
            sk.done(None);
        }
        (State::Established, PacketType::CloseReq) if sk.data().role == Role::Client => {
            // The server asks us to close (PASSIVE_CLOSEREQ): the reader
            // gets the end, our close() sends Close.
            sk.set_state(ConnState::Proto2);
            sk.shutdown_rcv();
        }
        (State::Established, PacketType::Data | PacketType::DataAck) => {
            let queued = if !sk.data().feat.accepts_coverage(h.cscov) {
                Err(DropReason::LowCoverage)
            } else if sk.queue_rcv(pkt, h.len() as u32).is_err() {
                Err(DropReason::RcvbufFull)
            } else {
                Ok(())
            };
            data_rcvd(sk, seq == codec::seq_add(gsr, 1), acks_before);
            return queued;
        }
        (State::Established, PacketType::Ack) => {
            // A Change in an Ack is answered at once.
            if !sk.data().confirms.bytes().is_empty() {
                let _ = send_ack(sk);
            }
        }
        (State::Closing | State::FinWait1, PacketType::Ack | PacketType::DataAck) => {}
        // Our Close answers it already (and is retransmitted).
        (State::Closing, PacketType::CloseReq) => {}
        _ => return Err(DropReason::Unexpected),
    }
    Ok(())
}

/// A packet for a connection request (the server's RESPOND state): where
/// it ended, or `None` when it completed the handshake and went on to the
/// new socket, whose `do_rcv` counts it.
fn req_rcv(h: &Header, mut req: ReqRx<Dccp>) -> Option<Fate> {
    let r = {
        let mut g = req.lock();
        match h.ptype {
            PacketType::Request => {
                // A retransmitted Request: answer again (once per new
                // sequence number; a duplicate is dropped).
                let d = g.data();
                if codec::seq_delta(h.seq, d.gsr) > 0 {
                    d.gsr = h.seq;
                    let _ = g.respond();
                    return Some(Ok(()));
                }
                return Some(Err(DropReason::BadSeq));
            }
            PacketType::Ack | PacketType::DataAck | PacketType::Reset => *g.data(),
            _ => return Some(Err(DropReason::Unexpected)),
        }
    };
    let (seq, ack) = full_numbers(h, r.gsr, r.gss);
    if !ack.is_some_and(|a| codec::seq_in_window(a, r.iss, r.gss)) {
        return Some(Err(DropReason::BadAck));
    }
    if h.ptype == PacketType::Reset {
        // The client gave up.
        req.drop_req();
        return Some(Ok(()));
    }
    // The client's Confirms of the Response's Changes (and any Change of
    // its own, confirmed on the server's first packet).
    let mut feat = r.feat;
    let mut confirms = Confirms::new();
    if let Err(code) = feat.on_options(feature_opts(req.packet().data(), h), &mut confirms) {
        let _ = reply_reset(req.packet(), h, code);
        req.drop_req();
        return Some(Err(DropReason::BadFeature));
    }
    let mut st = DccpSock {
        role: Role::Server,
        iss: r.iss,
        gss: r.gss,
        isr: r.isr,
        gsr: if codec::seq_delta(seq, r.gsr) > 0 {
            seq
        } else {
            r.gsr
        },
        gar: r.gss,
        last_sync_ms: i64::MIN,
        service: r.service,
        more_services: [0; MAX_SERVICES - 1],
        services: 0,
        retries: 0,
        rto_ms: RTO_INIT_MS,
        rx: ccid2::RxHistory::new(),
        tx: ccid2::Tx::new(),
        rto_armed: false,
        server_timewait: false,
        feat,
        confirms,
        ts_echo: None,
        rx_unacked: 0,
        acks_sent: 0,
        ack_ratio_ms: 0,
    };
    st.rx.record(r.isr);
    st.rx.record(seq);
    match req.accept(st) {
        Ok(()) => None,
        // Another packet completed the handshake first: this one is
        // not the request's any more.
        Err((e, _)) if e == EEXIST => Some(Err(DropReason::Unexpected)),
        // The listener's policy or filter refused it.
        Err((e, _)) if e == EPERM => Some(Err(DropReason::Filtered)),
        Err((_, req)) => {
            let _ = reply_reset(req.packet(), h, RESET_TOO_BUSY);
            req.drop_req();
            Some(Err(DropReason::ListenFull))
        }
    }
}

/// Checks a received packet: length, header, checksum.
fn check(skb: &mut Rx<Dccp>) -> core::result::Result<Header, DropReason> {
    let len = skb.len();
    if len < 12 || !skb.may_pull(len) {
        return Err(DropReason::Malformed(Malformed::TooShort));
    }
    let a = skb
        .addrs()
        .ok_or(DropReason::Malformed(Malformed::TooShort))?;
    let data = skb.data();
    let h = codec::verify_checksum(a.saddr(), a.daddr(), data).map_err(DropReason::Malformed)?;
    // The options' framing, which the handlers then trust. A Mandatory
    // option with nothing to apply to is answered with a Reset, Option
    // Error (RFC 4340 5.8.2, as the C DCCP does); the packet is dropped.
    let fixed = Header::fixed_len(h.ptype, h.x);
    for o in codec::Options::new(data.get(fixed..h.len()).unwrap_or(&[])) {
        if let Err(m) = o {
            if m == Malformed::BadMandatory && h.ptype != PacketType::Reset {
                let _ = reply_reset(skb, &h, feat::RESET_OPTION_ERROR);
            }
            return Err(DropReason::Malformed(m));
        }
    }
    Ok(h)
}

/// The Reset answering a packet with header `h` from `a` (RFC 4340 8.3.1):
/// its sequence number follows the packet's acknowledgement (0 without
/// one), it acknowledges the packet.
fn reset_for(a: &inet::Addrs, h: &Header, code: u8) -> Result<Out> {
    let back = a.reversed();
    build(
        &back,
        PacketType::Reset,
        h.ack.map_or(0, |ack| codec::seq_add(ack, 1)),
        Some(h.seq),
        Some(u32::from(code) << 24),
    )
}

/// Answers `rx` (header `h`) with a Reset of `code`.
fn reply_reset(rx: &Rx<Dccp>, h: &Header, code: u8) -> Result {
    let out = reset_for(&rx.addrs().ok_or(EINVAL)?, h, code)?;
    rx.reply(out.bytes())
}

/// Answers `pkt` (header `h`), received by `sk`, with a Reset.
fn reply_reset_pkt(sk: &Locked<'_, Dccp>, pkt: &Packet<Dccp>, h: &Header, code: u8) -> Result {
    let out = reset_for(&pkt.addrs().ok_or(EINVAL)?, h, code)?;
    sk.reply(pkt, out.bytes())
}

kernel::module_param_int!(
    fail_init_ms,
    0,
    "N > 0: wait N ms after registering, then fail init (a test of a failed load)"
);

struct DccpRust {
    // Dropped in declaration order: the protocol first, then the counters
    // its receive path uses and the netfilter hooks.
    _proto: inet::Registration<Dccp>,
    _net: Pin<KBox<netfilter::Registration<DccpNet>>>,
}

impl kernel::Module for DccpRust {
    fn init(module: &'static ThisModule) -> Result<Self> {
        let net = KBox::pin_init(netfilter::Registration::new(module), GFP_KERNEL)?;
        let proto = inet::Registration::<Dccp>::new(module)?;
        if let Ok(ms @ 1..) = u32::try_from(fail_init_ms.get()) {
            // What a load that fails after registering must undo (dccp.sh,
            // dccp_failed_init): socket() cannot reach the protocol
            // meanwhile, and nothing stays registered.
            pr_info!("dccp_rust: failing init in {} ms (fail_init_ms)\n", ms);
            kernel::delay::msleep(ms);
            return Err(Error::from_errno(-(kernel::bindings::ECANCELED as i32)));
        }
        pr_info!("dccp_rust: registered\n");
        Ok(Self {
            _proto: proto,
            _net: net,
        })
    }
}

module! {
    type: DccpRust,
    name: "dccp_rust",
    author: "rnet developers",
    description: "DCCP (RFC 4340) in Rust",
    license: "GPL",
    alias: ["net-pf-2-proto-33-type-6", "net-pf-10-proto-33-type-6"],
}
