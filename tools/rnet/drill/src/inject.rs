// SPDX-License-Identifier: GPL-2.0
//! Crafted DCCP packets sent from a raw socket: the injector of the tests
//! of malformed input (dccp.sh), one packet of a named kind or many
//! mutated ones.
//!
//! ```text
//! rnet-drill dccp-raw SRC DST PORT KIND [ARG]
//! rnet-drill dccp-fuzz SRC DST PORT SPORT N SEED
//! ```
//!
//! Every packet starts as one of this crate's DCCP encoder
//! ([`DccpPkt::encode`], the encoder of the scripts' `< dccp` lines); what
//! the kind or the mutation breaks is broken in its bytes after that, and
//! the checksum is computed last, over the coverage the bytes say, so that
//! a packet with a valid checksum reaches the checks behind it.

use crate::dccp::{has_ack, DccpPkt, REQUEST, RESET, RESPONSE, SEQ_MASK};
use crate::packet::{csum_add, csum_fold, pseudo_sum, IPPROTO_DCCP};
use crate::sys;
use std::net::{IpAddr, SocketAddr};
use std::os::raw::{c_int, c_void};

const AF_INET: c_int = 2;
const AF_INET6: c_int = 10;
const SOCK_RAW: c_int = 3;
const IPPROTO_IP: c_int = 0;
const IPPROTO_IPV6: c_int = 41;
const IP_MTU_DISCOVER: c_int = 10;
const IPV6_MTU_DISCOVER: c_int = 23;
/// `IP_PMTUDISC_DONT` and `IPV6_PMTUDISC_DONT`: large packets fragment.
const PMTUDISC_DONT: c_int = 0;

/// A raw DCCP socket bound to a source address.
struct RawSock {
    fd: c_int,
    to: Vec<u8>,
}

fn os_err(what: &str) -> String {
    let e = sys::errno();
    format!("{what}: errno {e} ({})", sys::errno_text(e))
}

impl RawSock {
    fn open(src: IpAddr, dst: IpAddr) -> Result<RawSock, String> {
        if src.is_ipv4() != dst.is_ipv4() {
            return Err("the two addresses are of different families".into());
        }
        let (family, level, opt) = match dst {
            IpAddr::V4(_) => (AF_INET, IPPROTO_IP, IP_MTU_DISCOVER),
            IpAddr::V6(_) => (AF_INET6, IPPROTO_IPV6, IPV6_MTU_DISCOVER),
        };
        // SAFETY: plain integer arguments.
        let fd = unsafe { sys::socket(family, SOCK_RAW, c_int::from(IPPROTO_DCCP)) };
        if fd < 0 {
            return Err(os_err("socket"));
        }
        let s = RawSock {
            fd,
            to: crate::syscall::sockaddr(&SocketAddr::new(dst, 0)),
        };
        let from = crate::syscall::sockaddr(&SocketAddr::new(src, 0));
        // SAFETY: `from` is a sockaddr of its length.
        if unsafe { sys::bind(fd, from.as_ptr().cast(), from.len() as u32) } < 0 {
            return Err(os_err("bind"));
        }
        let dont = PMTUDISC_DONT;
        // SAFETY: `dont` is an int, readable for its size.
        let r = unsafe {
            sys::setsockopt(
                fd,
                level,
                opt,
                (&dont as *const c_int).cast::<c_void>(),
                std::mem::size_of::<c_int>() as u32,
            )
        };
        if r < 0 {
            return Err(os_err("setsockopt"));
        }
        Ok(s)
    }

    /// Sends `pkt` whole (the IP layer adds its header).
    fn send(&self, pkt: &[u8]) -> Result<(), String> {
        // SAFETY: `pkt` and `to` are readable for their lengths.
        let r = unsafe {
            sys::sendto(
                self.fd,
                pkt.as_ptr().cast(),
                pkt.len(),
                0,
                self.to.as_ptr().cast(),
                self.to.len() as u32,
            )
        };
        if r < 0 {
            return Err(os_err("sendto"));
        }
        if r as usize != pkt.len() {
            return Err(format!("sendto: {r} of {} bytes", pkt.len()));
        }
        Ok(())
    }
}

impl Drop for RawSock {
    fn drop(&mut self) {
        // SAFETY: the socket is this value's.
        unsafe { sys::close(self.fd) };
    }
}

/// Puts `opts` (raw option bytes, well formed or not) at the end of the
/// header of `pkt`, an encoded packet, pads them to a word and makes the
/// Data Offset count them.
pub fn append_options(pkt: &mut Vec<u8>, opts: &[u8]) {
    let doff = usize::from(pkt[4]) * 4;
    let mut o = opts.to_vec();
    while o.len() % 4 != 0 {
        o.push(0);
    }
    pkt.splice(doff..doff, o.iter().copied());
    pkt[4] = ((doff + o.len()) / 4) as u8;
}

/// The checksum `pkt` should carry from `src` to `dst`: over the header
/// and as much data as its CsCov says (RFC 4340 9.2), the whole packet
/// when that reaches past its end; its own checksum field taken as zero.
pub fn checksum(src: &IpAddr, dst: &IpAddr, pkt: &[u8]) -> u16 {
    let cov = usize::from(pkt[5] & 15);
    let upto = if cov == 0 {
        pkt.len()
    } else {
        (usize::from(pkt[4]) * 4 + (cov - 1) * 4).min(pkt.len())
    };
    let mut sum = pseudo_sum(src, dst, IPPROTO_DCCP, pkt.len());
    sum = csum_add(sum, &pkt[..6.min(upto)]);
    if upto > 8 {
        sum = csum_add(sum, &pkt[8..upto]);
    }
    csum_fold(sum)
}

/// Whether a receiver gets as far as the checksum of `pkt`: the header
/// rules RFC 4340 sets before it (5.1, 5.3, 7.6, 9.2) hold. Long enough
/// for its generic header, a known type, 48-bit numbers unless the type
/// is Data, Ack or DataAck, a Data Offset that holds the type's fixed
/// header and fits the packet, a coverage that fits it.
pub fn reaches_checksum(pkt: &[u8]) -> bool {
    let Some(&b8) = pkt.get(8) else {
        return false;
    };
    let (ty, x) = ((b8 >> 1) & 15, b8 & 1 == 1);
    if pkt.len() < if x { 16 } else { 12 } || ty > 9 || (!x && !matches!(ty, 2..=4)) {
        return false;
    }
    let mut fixed = if x { 16 } else { 12 };
    if has_ack(ty) {
        fixed += if x { 8 } else { 4 };
    }
    if matches!(ty, REQUEST | RESPONSE | RESET) {
        fixed += 4;
    }
    let hlen = usize::from(pkt[4]) * 4;
    let cov = usize::from(pkt[5] & 15);
    hlen >= fixed && hlen <= pkt.len() && (cov == 0 || hlen + (cov - 1) * 4 <= pkt.len())
}

fn set_checksum(pkt: &mut [u8], c: u16) {
    pkt[6..8].copy_from_slice(&c.to_be_bytes());
}

/// One packet of a kind: a Request for Service Code ARG (0) from port
/// 40000 by default; "data" a Data packet from port ARG; "big" and
/// "bigbad" a Data packet of ARG bytes in all (fragmented by IP when
/// larger than the path). The other kinds each break one rule of the
/// header, as their names say.
fn raw_packet(
    src: &IpAddr,
    dst: &IpAddr,
    port: u16,
    kind: &str,
    arg: Option<u64>,
) -> Result<Vec<u8>, String> {
    let data_kind = matches!(kind, "data" | "big" | "bigbad");
    let mut p = DccpPkt {
        sport: 40000,
        dport: port,
        ty: REQUEST,
        x: true,
        seq: 1,
        svc: Some(0),
        ..Default::default()
    };
    match (kind, arg) {
        ("data", Some(a)) => p.sport = u16::try_from(a).map_err(|_| format!("bad port {a}"))?,
        ("big" | "bigbad", Some(a)) => {
            let n = usize::try_from(a).unwrap_or(usize::MAX);
            if !(20..=65000).contains(&n) {
                return Err(format!("bad size {a}"));
            }
            // Not zeros, which would add nothing to the checksum.
            p.data = (0..n - 16).map(|i| (i * 7 + 1) as u8).collect();
        }
        ("data" | "big" | "bigbad", None) => {}
        (_, Some(a)) => p.svc = Some(u32::try_from(a).map_err(|_| format!("bad code {a}"))?),
        (_, None) => {}
    }
    if data_kind {
        p.ty = 2;
        p.svc = None;
        if p.data.is_empty() {
            p.data = b"data".to_vec();
        }
    }
    match kind {
        "xshort" => p.x = false,
        "type" => p.ty = 14,
        "cscov" => p.cscov = 15,
        _ => {}
    }
    let mut b = p.encode();
    match kind {
        // 60 bytes of header in 20.
        "doff" => b[4] = 15,
        // An option whose length runs past the header.
        "badopt" => append_options(&mut b, &[32, 9]),
        // Mandatory as the header's last byte.
        "badmand" => append_options(&mut b, &[0, 0, 0, 1]),
        "valid" | "badcsum" | "short" | "xshort" | "type" | "cscov" | "data" | "big" | "bigbad" => {
        }
        k => return Err(format!("unknown kind {k}")),
    }
    let c = checksum(src, dst, &b);
    set_checksum(&mut b, c);
    match kind {
        "short" => b.truncate(8),
        "badcsum" | "bigbad" => b[7] ^= 0x5a,
        _ => {}
    }
    Ok(b)
}

/// xorshift32: the same packets for the same seed.
pub struct Rng(u32);

impl Rng {
    pub fn new(seed: u32) -> Rng {
        Rng(seed.max(1))
    }

    pub fn next(&mut self) -> u32 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.0 = x;
        x
    }

    fn below(&mut self, n: u32) -> u32 {
        self.next() % n
    }

    fn byte(&mut self) -> u8 {
        self.next() as u8
    }

    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.byte()).collect()
    }

    fn seq(&mut self) -> u64 {
        ((u64::from(self.next()) << 32) | u64::from(self.next())) & SEQ_MASK
    }
}

/// One mutated packet from `sport` (0: a random port) to `dport`, its
/// checksum zero: a random type (reserved ones too), either sequence
/// number length, random numbers, options of every kind (feature
/// negotiation with known and unknown features and values, Mandatory,
/// Ack Vectors, timestamps and the like, and malformed ones, lengths
/// too), sometimes a wrong Data Offset or a partial coverage, and a few
/// data bytes.
pub fn fuzz_packet(r: &mut Rng, sport: u16, dport: u16) -> Vec<u8> {
    let ty = if r.below(8) != 0 {
        r.below(10)
    } else {
        r.below(16)
    } as u8;
    let mut p = DccpPkt {
        sport: if sport != 0 {
            sport
        } else {
            1024 + r.below(60000) as u16
        },
        dport,
        ty,
        x: r.below(8) != 0,
        seq: r.seq(),
        ..Default::default()
    };
    if has_ack(ty) {
        p.ack = Some(r.seq());
    }
    if ty == REQUEST || ty == RESPONSE {
        p.svc = Some(if r.below(4) == 0 { r.next() } else { 0 });
    }
    if ty == RESET {
        p.reset = Some((r.below(12) as u8, [r.byte(), r.byte(), r.byte()]));
    }
    // Well-formed options through the encoder, malformed ones after it.
    let mut bad = Vec::new();
    let mut room = 96usize;
    for _ in 0..r.below(6) {
        let (kind, data) = match r.below(8) {
            0 | 1 => {
                // Change/Confirm L/R of a feature, mostly a known one,
                // with values mostly small.
                let feature = if r.below(4) != 0 {
                    r.below(12) as u8
                } else {
                    r.byte()
                };
                let n = 1 + r.below(5) as usize;
                let mut d = vec![feature];
                for _ in 1..n {
                    d.push(if r.below(3) != 0 {
                        r.below(4) as u8
                    } else {
                        r.byte()
                    });
                }
                (32 + r.below(4) as u8, d)
            }
            2 => (1, Vec::new()),
            3 => (38 + r.below(2) as u8, {
                let n = 1 + r.below(16) as usize;
                r.bytes(n)
            }),
            4 => (r.below(3) as u8, Vec::new()),
            5 => (36 + r.below(9) as u8, {
                let n = r.below(8) as usize;
                r.bytes(n)
            }),
            _ => {
                // Anything, its length byte too.
                let n = 2 + r.below(22) as usize;
                let mut o = vec![r.byte(), r.below(26) as u8];
                o.extend(r.bytes(n - 2));
                if n <= room {
                    room -= n;
                    bad.extend(o);
                }
                continue;
            }
        };
        let n = if kind >= 32 { 2 + data.len() } else { 1 };
        if n <= room {
            room -= n;
            p.opts.push((kind, data));
        }
    }
    p.data = {
        let n = r.below(40) as usize;
        r.bytes(n)
    };
    let mut b = p.encode();
    if !bad.is_empty() {
        append_options(&mut b, &bad);
    }
    if r.below(10) == 0 {
        b[4] = r.below(64) as u8;
    }
    if r.below(6) == 0 {
        b[5] = (b[5] & 0xf0) | r.below(16) as u8;
    }
    b
}

fn parse_ip(s: &str) -> Result<IpAddr, String> {
    s.parse().map_err(|_| format!("bad address '{s}'"))
}

fn parse_num<T: std::str::FromStr>(what: &str, s: &str) -> Result<T, String> {
    s.parse().map_err(|_| format!("bad {what} '{s}'"))
}

/// `dccp-raw SRC DST PORT KIND [ARG]`: prints "ok" once sent.
pub fn raw_main(args: &[String]) -> Result<String, String> {
    if args.len() < 4 || args.len() > 5 {
        return Err("usage: rnet-drill dccp-raw SRC DST PORT KIND [ARG]".into());
    }
    let (src, dst) = (parse_ip(&args[0])?, parse_ip(&args[1])?);
    let port = parse_num("port", &args[2])?;
    let arg = match args.get(4) {
        Some(a) => Some(parse_num("argument", a)?),
        None => None,
    };
    let b = raw_packet(&src, &dst, port, &args[3], arg)?;
    RawSock::open(src, dst)?.send(&b)?;
    Ok("ok".into())
}

/// `dccp-fuzz SRC DST PORT SPORT N SEED`: N mutated packets, every second
/// one with a valid checksum over its coverage, the others with a wrong
/// one; prints "sent N valid V badsum B", B the packets with a wrong
/// checksum that a receiver checks the checksum of
/// ([`reaches_checksum`]).
pub fn fuzz_main(args: &[String]) -> Result<String, String> {
    if args.len() != 6 {
        return Err("usage: rnet-drill dccp-fuzz SRC DST PORT SPORT N SEED".into());
    }
    let (src, dst) = (parse_ip(&args[0])?, parse_ip(&args[1])?);
    let port: u16 = parse_num("port", &args[2])?;
    let sport: u16 = parse_num("source port", &args[3])?;
    let n: u32 = parse_num("count", &args[4])?;
    let mut r = Rng::new(parse_num("seed", &args[5])?);
    let s = RawSock::open(src, dst)?;
    let (mut sent, mut valid, mut badsum) = (0, 0, 0);
    for i in 0..n {
        let mut b = fuzz_packet(&mut r, sport, port);
        let mut c = checksum(&src, &dst, &b);
        if i % 2 == 1 {
            c ^= 1 + r.below(0xfffe) as u16;
            badsum += u32::from(reaches_checksum(&b));
        } else {
            valid += 1;
        }
        set_checksum(&mut b, c);
        s.send(&b)?;
        sent += 1;
        // Paced, so that the receiver's queue keeps up.
        if i % 50 == 49 {
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
    }
    Ok(format!("sent {sent} valid {valid} badsum {badsum}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dccp::DccpPkt;

    fn addrs() -> (IpAddr, IpAddr) {
        ("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap())
    }

    /// The checksum a receiver computes over the packet as sent: zero
    /// when it is right.
    fn verify(src: &IpAddr, dst: &IpAddr, b: &[u8]) -> bool {
        let mut z = b.to_vec();
        z[6] = 0;
        z[7] = 0;
        checksum(src, dst, &z) == u16::from_be_bytes([b[6], b[7]])
    }

    #[test]
    fn raw_kinds_break_what_they_say() {
        let (s, d) = addrs();
        let get = |k: &str, a: Option<u64>| raw_packet(&s, &d, 5001, k, a).unwrap();
        let v = get("valid", Some(42));
        assert!(verify(&s, &d, &v));
        // Worked out by hand: the pseudo-header and the 20 bytes.
        assert_eq!(u16::from_be_bytes([v[6], v[7]]), 0x35d3);
        let p = DccpPkt::decode(&v).unwrap();
        assert_eq!((p.ty, p.x, p.svc, p.dport), (REQUEST, true, Some(42), 5001));
        assert!(!verify(&s, &d, &get("badcsum", None)));
        assert_eq!(get("short", None).len(), 8);
        assert_eq!(get("doff", None)[4], 15);
        assert_eq!(get("type", None)[8] >> 1, 14);
        assert_eq!(get("xshort", None)[8] & 1, 0);
        assert_eq!(get("cscov", None)[5] & 15, 15);
        let o = get("badopt", None);
        assert!(DccpPkt::decode(&o).is_err());
        assert!(verify(&s, &d, &o));
        let m = get("badmand", None);
        assert_eq!(m[usize::from(m[4]) * 4 - 1], 1);
        let big = get("big", Some(3000));
        assert_eq!(big.len(), 3000);
        assert!(verify(&s, &d, &big));
        assert!(!verify(&s, &d, &get("bigbad", Some(1400))));
        assert_eq!(DccpPkt::decode(&get("data", Some(7))).unwrap().sport, 7);
        assert!(raw_packet(&s, &d, 1, "nonsense", None).is_err());
        assert!(raw_packet(&s, &d, 1, "big", Some(10)).is_err());
    }

    #[test]
    fn coverage_limits_the_checksum() {
        let (s, d) = addrs();
        let p = DccpPkt {
            ty: 2,
            x: true,
            cscov: 1,
            data: vec![9; 40],
            ..Default::default()
        };
        let mut b = p.encode();
        let c = checksum(&s, &d, &b);
        set_checksum(&mut b, c);
        // CsCov 1: the header alone; the data may change, its first
        // byte too.
        let last = b.len() - 1;
        b[last] ^= 0xff;
        b[16] ^= 0xff;
        assert!(verify(&s, &d, &b));
        // CsCov 2: the header and the first data word.
        b[5] = 2;
        let c = checksum(&s, &d, &b);
        set_checksum(&mut b, c);
        b[20] ^= 0xff;
        assert!(verify(&s, &d, &b));
        b[19] ^= 0xff;
        assert!(!verify(&s, &d, &b));
        b[19] ^= 0xff;
        b[5] = 0;
        assert!(!verify(&s, &d, &b));
    }

    #[test]
    fn what_reaches_the_checksum() {
        let (s, d) = addrs();
        let get = |k: &str| raw_packet(&s, &d, 5001, k, None).unwrap();
        assert!(reaches_checksum(&get("valid")));
        assert!(reaches_checksum(&get("badcsum")));
        assert!(reaches_checksum(&get("badopt")));
        for k in ["short", "doff", "type", "xshort", "cscov"] {
            assert!(!reaches_checksum(&get(k)), "{k}");
        }
        let short_data = DccpPkt {
            ty: 2,
            seq: 5,
            ..Default::default()
        };
        assert!(reaches_checksum(&short_data.encode()));
    }

    #[test]
    fn fuzz_is_repeatable_and_varied() {
        let (mut a, mut b) = (Rng::new(7), Rng::new(7));
        let mut types = [0u32; 16];
        let (mut short, mut bad_doff, mut undecodable) = (0, 0, 0);
        for _ in 0..2000 {
            let p = fuzz_packet(&mut a, 0, 5001);
            assert_eq!(p, fuzz_packet(&mut b, 0, 5001));
            assert!(p.len() >= 12 && p.len() <= 16 + 8 + 4 + 4 + 96 + 3 + 40);
            assert_eq!(u16::from_be_bytes([p[2], p[3]]), 5001);
            types[usize::from((p[8] >> 1) & 15)] += 1;
            short += u32::from(p[8] & 1 == 0);
            bad_doff += u32::from(usize::from(p[4]) * 4 > p.len());
            undecodable += u32::from(DccpPkt::decode(&p).is_err());
        }
        assert!(types.iter().all(|&n| n > 0), "types: {types:?}");
        assert!(
            short > 100 && bad_doff > 50,
            "short {short}, bad offsets {bad_doff}"
        );
        assert!(
            undecodable > 100 && undecodable < 1500,
            "undecodable {undecodable}"
        );
    }
}
