// SPDX-License-Identifier: GPL-2.0

//! Counts the packets and bytes that pass the five INET netfilter hook
//! points, for IPv4 and IPv6, per transport protocol, in every network
//! namespace, and drops the packets an administrator's rule matches.
//!
//! - `/proc/net/rust_netfilter`: one line per family and hook point, with
//!   packets and bytes for TCP, UDP, ICMP (ICMPv6 for IPv6) and the rest,
//!   then the count of packets the rule dropped.
//! - `net.rust_netfilter.drop_proto` (0: no rule, else an IP protocol
//!   number) and `net.rust_netfilter.drop_port` (0: any port, else a TCP
//!   or UDP destination port): packets matching both are dropped where they
//!   enter the namespace's stack (PRE_ROUTING for received ones, LOCAL_OUT
//!   for locally sent ones, whose sender gets EPERM), after being counted
//!   there. With `net.rust_netfilter.rule_steal` set to 1 the hook steals
//!   the matching packets instead and frees them itself (a local sender
//!   sees success). Writing needs CAP_NET_ADMIN in the namespace.

use core::fmt::Write;
use core::sync::atomic::{AtomicI32, AtomicU64, Ordering};
use kernel::c_str;
use kernel::net::netfilter::{self, Family, HookOps, HookPoint, HookSkb, HookState, Verdict};
use kernel::net::pernet::{self, Id, IntSysctl, NetCtx, SeqFile};
use kernel::prelude::*;

module! {
    type: RustNetfilter,
    name: "rust_netfilter",
    author: "rnet developers",
    description: "rnet: netfilter hook counters and a drop rule, per netns",
    license: "GPL",
}

struct Counter {
    packets: AtomicU64,
    bytes: AtomicU64,
}

impl Counter {
    fn new() -> Self {
        Counter {
            packets: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
        }
    }
}

const PROTO_NAMES: [&str; 4] = ["tcp", "udp", "icmp", "other"];
const POINT_NAMES: [&str; 5] = [
    "prerouting",
    "localin",
    "forward",
    "localout",
    "postrouting",
];

/// One namespace's counters and rule.
struct NfState {
    /// By family (IPv4, IPv6), hook point and protocol.
    counts: [[[Counter; 4]; 5]; 2],
    drop_proto: AtomicI32,
    drop_port: AtomicI32,
    rule_steal: AtomicI32,
    dropped: AtomicU64,
    stolen: AtomicU64,
}

static NF: Id<NfState> = Id::new();

impl pernet::Operations for NfState {
    const ID: &'static Id<Self> = &NF;

    fn init(_net: &NetCtx) -> impl PinInit<Self, Error> {
        NfState {
            counts: core::array::from_fn(|_| {
                core::array::from_fn(|_| core::array::from_fn(|_| Counter::new()))
            }),
            drop_proto: AtomicI32::new(0),
            drop_port: AtomicI32::new(0),
            rule_steal: AtomicI32::new(0),
            dropped: AtomicU64::new(0),
            stolen: AtomicU64::new(0),
        }
    }

    const PROC_NAME: Option<&'static CStr> = Some(c_str!("rust_netfilter"));

    fn show(&self, m: &mut SeqFile) -> Result {
        for (f, fam) in ["ipv4", "ipv6"].iter().enumerate() {
            for (p, point) in POINT_NAMES.iter().enumerate() {
                let _ = write!(m, "{fam} {point}");
                for (i, proto) in PROTO_NAMES.iter().enumerate() {
                    let c = &self.counts[f][p][i];
                    let _ = write!(
                        m,
                        " {proto} {} {}",
                        c.packets.load(Ordering::Relaxed),
                        c.bytes.load(Ordering::Relaxed)
                    );
                }
                let _ = writeln!(m);
            }
        }
        let _ = writeln!(m, "dropped {}", self.dropped.load(Ordering::Relaxed));
        let _ = writeln!(m, "stolen {}", self.stolen.load(Ordering::Relaxed));
        Ok(())
    }

    const SYSCTL_DIR: Option<&'static CStr> = Some(c_str!("net/rust_netfilter"));

    const SYSCTLS: &'static [IntSysctl<Self>] = &[
        IntSysctl {
            name: c_str!("drop_proto"),
            mode: 0o644,
            min: 0,
            max: 255,
            value: |s| &s.drop_proto,
        },
        IntSysctl {
            name: c_str!("drop_port"),
            mode: 0o644,
            min: 0,
            max: 65535,
            value: |s| &s.drop_port,
        },
        IntSysctl {
            name: c_str!("rule_steal"),
            mode: 0o644,
            min: 0,
            max: 1,
            value: |s| &s.rule_steal,
        },
    ];
}

macro_rules! hooks {
    ($($fam:ident),*) => {
        &[$(
            HookOps { family: Family::$fam, point: HookPoint::PreRouting, priority: 0 },
            HookOps { family: Family::$fam, point: HookPoint::LocalIn, priority: 0 },
            HookOps { family: Family::$fam, point: HookPoint::Forward, priority: 0 },
            HookOps { family: Family::$fam, point: HookPoint::LocalOut, priority: 0 },
            HookOps { family: Family::$fam, point: HookPoint::PostRouting, priority: 0 },
        )*]
    };
}

impl NfState {
    /// Whether the rule matches a packet of protocol `proto` whose
    /// transport header is at `l4`.
    fn rule_matches(&self, skb: &HookSkb<'_>, proto: u8, l4: u32) -> bool {
        let want = self.drop_proto.load(Ordering::Relaxed);
        if want == 0 || i32::from(proto) != want {
            return false;
        }
        let port = self.drop_port.load(Ordering::Relaxed);
        if port == 0 {
            return true;
        }
        if proto != 6 && proto != 17 {
            return false;
        }
        let mut ports = [0u8; 4];
        if skb.copy_bits(l4, &mut ports).is_err() {
            return false;
        }
        i32::from(u16::from_be_bytes([ports[2], ports[3]])) == port
    }
}

impl netfilter::Hooks for NfState {
    const HOOKS: &'static [HookOps] = hooks!(Ipv4, Ipv6);

    fn hook<'a>(&self, skb: HookSkb<'a>, st: &HookState) -> Verdict<'a> {
        let (Some(family), Some(point)) = (st.family(), st.point()) else {
            return skb.accept();
        };
        let f = match family {
            Family::Ipv4 => 0,
            Family::Ipv6 => 1,
        };
        let (proto, l4) = skb.transport(family).unwrap_or((255, 0));
        let i = match proto {
            6 => 0,
            17 => 1,
            1 if family == Family::Ipv4 => 2,
            58 if family == Family::Ipv6 => 2,
            _ => 3,
        };
        let c = &self.counts[f][point.index()][i];
        c.packets.fetch_add(1, Ordering::Relaxed);
        c.bytes.fetch_add(u64::from(skb.len()), Ordering::Relaxed);
        if matches!(point, HookPoint::PreRouting | HookPoint::LocalOut)
            && self.rule_matches(&skb, proto, l4)
        {
            if self.rule_steal.load(Ordering::Relaxed) == 1 {
                let (verdict, stolen) = skb.steal();
                self.stolen.fetch_add(1, Ordering::Relaxed);
                stolen.consume();
                return verdict;
            }
            self.dropped.fetch_add(1, Ordering::Relaxed);
            return skb.drop_packet();
        }
        skb.accept()
    }
}

struct RustNetfilter {
    _reg: Pin<KBox<netfilter::Registration<NfState>>>,
}

impl kernel::Module for RustNetfilter {
    fn init(module: &'static ThisModule) -> Result<Self> {
        let reg = KBox::pin_init(netfilter::Registration::new(module), GFP_KERNEL)?;
        pr_info!("rust_netfilter: hooks registered\n");
        Ok(Self { _reg: reg })
    }
}
