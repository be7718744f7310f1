// SPDX-License-Identifier: GPL-2.0

//! DCCP (RFC 4340) as a Rust protocol module of the INET family.
//!
//! Files: `codec.rs` the wire format (shared with the host tests and the
//! netfilter hooks); this one the protocol: its registration, the socket
//! state, the receive path and its drop counters.
//!
//! What this step does: `socket(AF_INET, SOCK_DCCP, IPPROTO_DCCP)` (and its
//! autoload), bind, listen, close; connect sends a Request and completes on
//! the answer's Reset with the errno the Reset Code maps to; a packet for
//! no socket gets a Reset (No Connection), as RFC 4340 8.3.1 asks; every
//! packet dropped is counted by reason in `/proc/net/dccp_rust_stats`.
//! The handshake's Response and Ack, data, CCID 2 and IPv6 are the next
//! steps (Documentation/networking/rnet/dccp_rust.rst).
//!
//! The module has no `unsafe` code: its sockets, packets and per-namespace
//! state are reached through the `kernel` crate's abstractions.

// Shared with the host tests, which need its items public.
#[allow(dead_code, unreachable_pub)]
mod codec;

use codec::{Header, Malformed, PacketType};
use core::fmt::Write;
use core::sync::atomic::{AtomicU64, Ordering};
use kernel::net::inet::{self, Locked, Rx4, State};
use kernel::net::pernet::{self, Id, Net, NetCtx, ReadGuard, SeqFile};
use kernel::net::skb::SkBuff;
use kernel::prelude::*;
use kernel::{c_str, error::Error, str::CStr};

const IPPROTO_DCCP: u8 = 33;
const SOCK_DCCP: i16 = 6;
/// The longest header this module sends: Data Offset's maximum (1020
/// bytes: generic, acknowledgement, type-specific fields and options).
const MAX_DCCP_HEADER: u32 = 1020;

/// Reset Codes (RFC 4340 5.6).
const RESET_NO_CONNECTION: u8 = 3;

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
}

const REASONS: [&str; 11] = [
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
        }
    }
}

/// Per-namespace state: the drop counters.
#[pin_data]
struct DccpNet {
    drops: [AtomicU64; REASONS.len()],
}

static DCCP_NET: Id<DccpNet> = Id::new();

impl pernet::Operations for DccpNet {
    const ID: &'static Id<Self> = &DCCP_NET;

    fn init(_net: &NetCtx) -> impl PinInit<Self, Error> {
        try_pin_init!(DccpNet {
            drops: [const { AtomicU64::new(0) }; REASONS.len()],
        }? Error)
    }

    const PROC_NAME: Option<&'static CStr> = Some(c_str!("dccp_rust_stats"));

    fn show(&self, m: &mut SeqFile) -> Result {
        for (name, n) in REASONS.iter().zip(&self.drops) {
            let _ = writeln!(m, "drop_{} {}", name, n.load(Ordering::Relaxed));
        }
        Ok(())
    }
}

fn count(net: &Net, r: DropReason) {
    let guard = ReadGuard::new();
    if let Some(s) = DCCP_NET.get(net, &guard) {
        s.drops[r.index()].fetch_add(1, Ordering::Relaxed);
    }
}

/// The protocol state of one socket.
struct DccpSock {
    /// Initial Sequence Number sent (RFC 4340 7.1), 48 bits.
    iss: u64,
    /// Greatest Sequence Number sent.
    gss: u64,
    /// The Service Code of the connection (RFC 4340 8.1.2).
    service: u32,
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
    Some(Error::from_errno(-(e as i32)))
}

/// Computes and sets the checksum of `pkt` for `src` -> `dst`.
fn finish_checksum(pkt: &mut [u8], src: &[u8; 4], dst: &[u8; 4]) -> Result {
    let c = codec::compute_checksum(src, dst, pkt).map_err(|_| EINVAL)?;
    pkt[6..8].copy_from_slice(&c.to_be_bytes());
    Ok(())
}

struct Dccp;

impl inet::Protocol for Dccp {
    type Sock = DccpSock;

    const NAME: &'static CStr = c_str!("DCCP_RUST");
    const PROTOCOL: u8 = IPPROTO_DCCP;
    const SOCK_TYPE: i16 = SOCK_DCCP;
    const MAX_HEADER: u32 = MAX_DCCP_HEADER;

    fn init() -> Result<DccpSock> {
        Ok(DccpSock {
            iss: 0,
            gss: 0,
            service: 0,
        })
    }

    fn connect(sk: &mut Locked<'_, Self>) -> Result {
        let a = sk.addrs4();
        let iss = inet::random_u64() % codec::SEQ_MOD;
        let d = sk.data();
        d.iss = iss;
        d.gss = iss;
        let h = Header {
            sport: a.sport,
            dport: a.dport,
            doff: 0,
            ccval: 0,
            cscov: 0,
            checksum: 0,
            ptype: PacketType::Request,
            x: true,
            seq: iss,
            ack: None,
            specific: Some(d.service),
        };
        let mut buf = [0u8; 32];
        let n = codec::encode(&h, &[], &mut buf).ok_or(EINVAL)?;
        finish_checksum(&mut buf[..n], &a.saddr, &a.daddr)?;
        sk.xmit(&buf[..n])
    }

    fn close(sk: &mut Locked<'_, Self>) {
        sk.done(None);
    }

    fn do_rcv(sk: &mut Locked<'_, Self>, skb: SkBuff) {
        // The packet was checked by `rcv`; parse its header again (it is
        // linear and unchanged) to act on it.
        let Ok(h) = codec::parse(skb.data()) else {
            return;
        };
        if sk.state() == State::SynSent && h.ptype == PacketType::Reset {
            // RFC 4340 7.5.3: in REQUEST, a valid Reset acknowledges a
            // sequence number this socket sent.
            let (iss, gss) = (sk.data().iss, sk.data().gss);
            if !h.ack.is_some_and(|a| codec::seq_in_window(a, iss, gss)) {
                if let Some(net) = sk.net() {
                    count(net, DropReason::BadAck);
                }
                return;
            }
            let code = h.specific.map_or(0, |s| (s >> 24) as u8);
            sk.done(reset_errno(code));
        }
    }

    fn rcv(net: &Net, mut skb: Rx4<Self>) {
        match check(&mut skb) {
            Err(r) => {
                count(net, r);
            }
            Ok(h) => {
                let Some(sock) = skb.lookup(h.len() as u32) else {
                    count(net, DropReason::NoSocket);
                    if h.ptype != PacketType::Reset {
                        let _ = send_reset(&skb, &h, RESET_NO_CONNECTION);
                    }
                    return;
                };
                let st = sock.sock().state();
                let expected = matches!((st, h.ptype), (State::SynSent, PacketType::Reset));
                if !expected {
                    count(net, DropReason::Unexpected);
                    return;
                }
                skb.deliver(sock);
            }
        }
    }
}

/// Checks a received packet: length, header, checksum.
fn check(skb: &mut Rx4<Dccp>) -> core::result::Result<Header, DropReason> {
    let len = skb.len();
    if len < 12 || !skb.may_pull(len) {
        return Err(DropReason::Malformed(Malformed::TooShort));
    }
    let a = skb
        .addrs()
        .ok_or(DropReason::Malformed(Malformed::TooShort))?;
    codec::verify_checksum(&a.saddr, &a.daddr, skb.data()).map_err(DropReason::Malformed)
}

/// Answers `rx` (header `h`) with a Reset of `code` (RFC 4340 8.3.1).
fn send_reset(rx: &Rx4<Dccp>, h: &Header, code: u8) -> Result {
    let a = rx.addrs().ok_or(EINVAL)?;
    let r = Header {
        sport: a.dport,
        dport: a.sport,
        doff: 0,
        ccval: 0,
        cscov: 0,
        checksum: 0,
        ptype: PacketType::Reset,
        x: true,
        seq: h.ack.map_or(0, |ack| codec::seq_add(ack, 1)),
        ack: Some(h.seq),
        specific: Some(u32::from(code) << 24),
    };
    let mut buf = [0u8; 32];
    let n = codec::encode(&r, &[], &mut buf).ok_or(EINVAL)?;
    finish_checksum(&mut buf[..n], &a.daddr, &a.saddr)?;
    rx.reply(&buf[..n])
}

struct DccpRust {
    // Dropped in reverse order: the protocol first, then the counters its
    // receive path uses.
    _proto: inet::Registration<Dccp>,
    _net: Pin<KBox<pernet::Registration<DccpNet>>>,
}

impl kernel::Module for DccpRust {
    fn init(module: &'static ThisModule) -> Result<Self> {
        let net = KBox::pin_init(pernet::Registration::new(module), GFP_KERNEL)?;
        let proto = inet::Registration::<Dccp>::new(module)?;
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
    alias: ["net-pf-2-proto-33-type-6"],
}
