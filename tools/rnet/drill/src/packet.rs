// SPDX-License-Identifier: GPL-2.0
//! IP packets on the wire: IPv4 and IPv6 headers around TCP, UDP, ICMP or
//! DCCP, built for injection and taken apart for verification, with the
//! Internet checksum computed on one side and checked on the other.

use std::fmt;
use std::net::IpAddr;

/// IP protocol numbers this runner speaks.
pub const IPPROTO_ICMP: u8 = 1;
pub const IPPROTO_TCP: u8 = 6;
pub const IPPROTO_UDP: u8 = 17;
pub const IPPROTO_DCCP: u8 = 33;
pub const IPPROTO_ICMPV6: u8 = 58;

/// TCP header flags, as in the header's 13th byte.
pub const TCP_FIN: u8 = 0x01;
pub const TCP_SYN: u8 = 0x02;
pub const TCP_RST: u8 = 0x04;
pub const TCP_PSH: u8 = 0x08;
pub const TCP_ACK: u8 = 0x10;
pub const TCP_URG: u8 = 0x20;
pub const TCP_ECE: u8 = 0x40;
pub const TCP_CWR: u8 = 0x80;

/// Why a received frame could not be taken apart.
#[derive(Debug, Clone, PartialEq)]
pub struct DecodeError(pub String);

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn err<T>(msg: impl Into<String>) -> Result<T, DecodeError> {
    Err(DecodeError(msg.into()))
}

/// The IP layer of a packet.
#[derive(Debug, Clone, PartialEq)]
pub struct IpHdr {
    pub src: IpAddr,
    pub dst: IpAddr,
    pub proto: u8,
    /// The two ECN bits (IPv4 TOS / IPv6 traffic class, low bits).
    pub ecn: u8,
    /// The DSCP bits (the upper six).
    pub dscp: u8,
    pub ttl: u8,
    /// IPv6 flow label (0 for IPv4).
    pub flow_label: u32,
}

/// One packet: the IP header and the transport bytes after it (the
/// transport header included), as on the wire.
#[derive(Debug, Clone, PartialEq)]
pub struct IpPacket {
    pub ip: IpHdr,
    pub payload: Vec<u8>,
}

/// The ones' complement sum of `data`, folded, not inverted, starting from
/// `sum`.
pub fn csum_add(mut sum: u32, data: &[u8]) -> u32 {
    let mut chunks = data.chunks_exact(2);
    for c in &mut chunks {
        sum = sum.wrapping_add(u32::from(u16::from_be_bytes([c[0], c[1]])));
    }
    if let [last] = chunks.remainder() {
        sum = sum.wrapping_add(u32::from(*last) << 8);
    }
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    sum
}

/// The finished checksum: folded and inverted.
pub fn csum_fold(sum: u32) -> u16 {
    let mut s = sum;
    while s > 0xffff {
        s = (s & 0xffff) + (s >> 16);
    }
    !(s as u16)
}

/// The pseudo-header sum of a transport segment of `len` bytes.
pub fn pseudo_sum(src: &IpAddr, dst: &IpAddr, proto: u8, len: usize) -> u32 {
    let mut sum = 0;
    match (src, dst) {
        (IpAddr::V4(s), IpAddr::V4(d)) => {
            sum = csum_add(sum, &s.octets());
            sum = csum_add(sum, &d.octets());
            sum = csum_add(sum, &[0, proto]);
            sum = csum_add(sum, &(len as u16).to_be_bytes());
        }
        _ => {
            sum = csum_add(sum, &ip_bytes(src));
            sum = csum_add(sum, &ip_bytes(dst));
            sum = csum_add(sum, &(len as u32).to_be_bytes());
            sum = csum_add(sum, &[0, 0, 0, proto]);
        }
    }
    sum
}

/// An address as 16 bytes (IPv4 as IPv4-mapped).
fn ip_bytes(a: &IpAddr) -> [u8; 16] {
    match a {
        IpAddr::V4(v) => v.to_ipv6_mapped().octets(),
        IpAddr::V6(v) => v.octets(),
    }
}

/// Where the transport checksum of `proto` sits, if it has one.
fn csum_offset(proto: u8) -> Option<usize> {
    match proto {
        IPPROTO_TCP => Some(16),
        IPPROTO_UDP => Some(6),
        IPPROTO_DCCP => Some(6),
        IPPROTO_ICMP | IPPROTO_ICMPV6 => Some(2),
        _ => None,
    }
}

/// The bytes a transport checksum of `proto` covers: all of them, except
/// DCCP's, which covers the header and `CsCov` words of the payload.
fn csum_len(proto: u8, seg: &[u8]) -> usize {
    if proto == IPPROTO_DCCP && seg.len() >= 16 {
        let doff = usize::from(seg[4]) * 4;
        let cscov = usize::from(seg[5] & 0x0f);
        if cscov != 0 {
            return (doff + (cscov - 1) * 4).min(seg.len());
        }
    }
    seg.len()
}

/// The transport checksum `seg` should carry (its own checksum field taken
/// as zero).
pub fn transport_csum(ip: &IpHdr, seg: &[u8]) -> Option<u16> {
    let off = csum_offset(ip.proto)?;
    if seg.len() < off + 2 {
        return None;
    }
    let mut sum = match ip.proto {
        // ICMPv4 has no pseudo-header.
        IPPROTO_ICMP => 0,
        _ => pseudo_sum(&ip.src, &ip.dst, ip.proto, seg.len()),
    };
    let covered = csum_len(ip.proto, seg);
    sum = csum_add(sum, &seg[..off]);
    sum = csum_add(sum, &seg[off + 2..covered]);
    let c = csum_fold(sum);
    // UDP sends a computed 0 as all ones.
    Some(if ip.proto == IPPROTO_UDP && c == 0 {
        0xffff
    } else {
        c
    })
}

impl IpPacket {
    /// The frame for a tun device (no packet information header): the IP
    /// header (IPv4 with its checksum, IPv6 fixed header) and the payload
    /// with its transport checksum filled in.
    pub fn encode(&self) -> Vec<u8> {
        let mut seg = self.payload.clone();
        if let (Some(off), Some(c)) = (csum_offset(self.ip.proto), transport_csum(&self.ip, &seg)) {
            seg[off..off + 2].copy_from_slice(&c.to_be_bytes());
        }
        let tos = (self.ip.dscp << 2) | (self.ip.ecn & 3);
        let mut out = Vec::with_capacity(40 + seg.len());
        match (self.ip.src, self.ip.dst) {
            (IpAddr::V4(s), IpAddr::V4(d)) => {
                let total = (20 + seg.len()) as u16;
                out.extend_from_slice(&[0x45, tos]);
                out.extend_from_slice(&total.to_be_bytes());
                // Identification 0, Don't Fragment.
                out.extend_from_slice(&[0, 0, 0x40, 0, self.ip.ttl, self.ip.proto, 0, 0]);
                out.extend_from_slice(&s.octets());
                out.extend_from_slice(&d.octets());
                let c = csum_fold(csum_add(0, &out[..20]));
                out[10..12].copy_from_slice(&c.to_be_bytes());
            }
            _ => {
                let w = (6u32 << 28) | (u32::from(tos) << 20) | (self.ip.flow_label & 0xfffff);
                out.extend_from_slice(&w.to_be_bytes());
                out.extend_from_slice(&(seg.len() as u16).to_be_bytes());
                out.extend_from_slice(&[self.ip.proto, self.ip.ttl]);
                out.extend_from_slice(&ip_bytes(&self.ip.src));
                out.extend_from_slice(&ip_bytes(&self.ip.dst));
            }
        }
        out.extend_from_slice(&seg);
        out
    }

    /// Takes a frame read from a tun device apart. The IPv4 header
    /// checksum and the transport checksum (where the protocol has one
    /// this runner knows) must be right. IPv6 extension headers are not
    /// followed: the next header is the transport.
    pub fn decode(frame: &[u8]) -> Result<Self, DecodeError> {
        Self::decode_opt(frame, true)
    }

    /// As `decode`; the transport checksum is checked only if
    /// `check_transport` (a tun device hands over segments whose checksum
    /// the receiver is to finish, marked in the virtio header).
    pub fn decode_opt(frame: &[u8], check_transport: bool) -> Result<Self, DecodeError> {
        let Some(&first) = frame.first() else {
            return err("empty frame");
        };
        let (ip, payload) = match first >> 4 {
            4 => {
                if frame.len() < 20 {
                    return err(format!("IPv4 frame of {} bytes", frame.len()));
                }
                let ihl = usize::from(first & 0xf) * 4;
                let total = usize::from(u16::from_be_bytes([frame[2], frame[3]]));
                if ihl < 20 || total < ihl || total > frame.len() {
                    return err(format!(
                        "bad IPv4 lengths: header {ihl}, total {total}, frame {}",
                        frame.len()
                    ));
                }
                if csum_fold(csum_add(0, &frame[..ihl])) != 0 {
                    return err("bad IPv4 header checksum");
                }
                let frag = u16::from_be_bytes([frame[6], frame[7]]);
                if frag & 0x3fff != 0 {
                    return err("IPv4 fragment");
                }
                let s: [u8; 4] = [frame[12], frame[13], frame[14], frame[15]];
                let d: [u8; 4] = [frame[16], frame[17], frame[18], frame[19]];
                (
                    IpHdr {
                        src: IpAddr::from(s),
                        dst: IpAddr::from(d),
                        proto: frame[9],
                        ecn: frame[1] & 3,
                        dscp: frame[1] >> 2,
                        ttl: frame[8],
                        flow_label: 0,
                    },
                    frame[ihl..total].to_vec(),
                )
            }
            6 => {
                if frame.len() < 40 {
                    return err(format!("IPv6 frame of {} bytes", frame.len()));
                }
                let w = u32::from_be_bytes([frame[0], frame[1], frame[2], frame[3]]);
                let plen = usize::from(u16::from_be_bytes([frame[4], frame[5]]));
                if 40 + plen > frame.len() {
                    return err(format!(
                        "IPv6 payload length {plen} past the frame's {}",
                        frame.len()
                    ));
                }
                let mut s = [0u8; 16];
                let mut d = [0u8; 16];
                s.copy_from_slice(&frame[8..24]);
                d.copy_from_slice(&frame[24..40]);
                let tc = ((w >> 20) & 0xff) as u8;
                (
                    IpHdr {
                        src: IpAddr::from(s),
                        dst: IpAddr::from(d),
                        proto: frame[6],
                        ecn: tc & 3,
                        dscp: tc >> 2,
                        ttl: frame[7],
                        flow_label: w & 0xfffff,
                    },
                    frame[40..40 + plen].to_vec(),
                )
            }
            v => return err(format!("IP version {v}")),
        };
        let pkt = IpPacket { ip, payload };
        if !check_transport {
            return Ok(pkt);
        }
        if let (Some(off), Some(want)) = (
            csum_offset(pkt.ip.proto),
            transport_csum(&pkt.ip, &pkt.payload),
        ) {
            let got = u16::from_be_bytes([pkt.payload[off], pkt.payload[off + 1]]);
            // A UDP datagram over IPv4 may carry no checksum.
            let none_ok = pkt.ip.proto == IPPROTO_UDP && pkt.ip.src.is_ipv4() && got == 0;
            if got != want && !none_ok {
                return err(format!(
                    "bad {} checksum {got:#06x}, expected {want:#06x}",
                    proto_name(pkt.ip.proto)
                ));
            }
        }
        Ok(pkt)
    }
}

/// The name of an IP protocol, for messages.
pub fn proto_name(p: u8) -> &'static str {
    match p {
        IPPROTO_TCP => "TCP",
        IPPROTO_UDP => "UDP",
        IPPROTO_DCCP => "DCCP",
        IPPROTO_ICMP => "ICMP",
        IPPROTO_ICMPV6 => "ICMPv6",
        _ => "IP",
    }
}

/// A TCP option as on the wire.
#[derive(Debug, Clone, PartialEq)]
pub enum WireOpt {
    Eol,
    Nop,
    Mss(u16),
    Wscale(u8),
    SackOk,
    /// Absolute sequence numbers.
    Sack(Vec<(u32, u32)>),
    Timestamp(u32, u32),
    /// Kind 19, the MD5 signature.
    Md5([u8; 16]),
    /// Kind 34 (exp false) or 254 with magic 0xf989 (exp true).
    FastOpen {
        exp: bool,
        cookie: Vec<u8>,
    },
    Other(u8, Vec<u8>),
}

/// A TCP segment.
#[derive(Debug, Clone, PartialEq)]
pub struct TcpSeg {
    pub sport: u16,
    pub dport: u16,
    pub seq: u32,
    pub ack: u32,
    pub flags: u8,
    /// The reserved bits (the low nibble before the flags byte).
    pub res: u8,
    pub win: u16,
    pub urg: u16,
    pub options: Vec<WireOpt>,
    pub data: Vec<u8>,
}

impl TcpSeg {
    /// The option bytes, padded with EOL to a multiple of four.
    pub fn encode_options(opts: &[WireOpt]) -> Vec<u8> {
        let mut o = Vec::new();
        for opt in opts {
            match opt {
                WireOpt::Eol => o.push(0),
                WireOpt::Nop => o.push(1),
                WireOpt::Mss(m) => {
                    o.extend_from_slice(&[2, 4]);
                    o.extend_from_slice(&m.to_be_bytes());
                }
                WireOpt::Wscale(s) => o.extend_from_slice(&[3, 3, *s]),
                WireOpt::SackOk => o.extend_from_slice(&[4, 2]),
                WireOpt::Sack(blocks) => {
                    o.extend_from_slice(&[5, (2 + 8 * blocks.len()) as u8]);
                    for (l, r) in blocks {
                        o.extend_from_slice(&l.to_be_bytes());
                        o.extend_from_slice(&r.to_be_bytes());
                    }
                }
                WireOpt::Timestamp(v, e) => {
                    o.extend_from_slice(&[8, 10]);
                    o.extend_from_slice(&v.to_be_bytes());
                    o.extend_from_slice(&e.to_be_bytes());
                }
                WireOpt::Md5(sig) => {
                    o.extend_from_slice(&[19, 18]);
                    o.extend_from_slice(sig);
                }
                WireOpt::FastOpen { exp: false, cookie } => {
                    o.extend_from_slice(&[34, (2 + cookie.len()) as u8]);
                    o.extend_from_slice(cookie);
                }
                WireOpt::FastOpen { exp: true, cookie } => {
                    o.extend_from_slice(&[254, (4 + cookie.len()) as u8, 0xf9, 0x89]);
                    o.extend_from_slice(cookie);
                }
                WireOpt::Other(k, d) => {
                    o.extend_from_slice(&[*k, (2 + d.len()) as u8]);
                    o.extend_from_slice(d);
                }
            }
        }
        while o.len() % 4 != 0 {
            o.push(0);
        }
        o
    }

    /// The segment's bytes, checksum field zero (IpPacket::encode fills
    /// it in).
    pub fn encode(&self) -> Vec<u8> {
        let opts = Self::encode_options(&self.options);
        let doff = (20 + opts.len()) / 4;
        let mut out = Vec::with_capacity(20 + opts.len() + self.data.len());
        out.extend_from_slice(&self.sport.to_be_bytes());
        out.extend_from_slice(&self.dport.to_be_bytes());
        out.extend_from_slice(&self.seq.to_be_bytes());
        out.extend_from_slice(&self.ack.to_be_bytes());
        out.extend_from_slice(&[((doff as u8) << 4) | (self.res & 0xf), self.flags]);
        out.extend_from_slice(&self.win.to_be_bytes());
        out.extend_from_slice(&[0, 0]);
        out.extend_from_slice(&self.urg.to_be_bytes());
        out.extend_from_slice(&opts);
        out.extend_from_slice(&self.data);
        out
    }

    /// Parses the option bytes of a segment.
    pub fn decode_options(mut b: &[u8]) -> Result<Vec<WireOpt>, DecodeError> {
        let mut opts = Vec::new();
        while let Some(&kind) = b.first() {
            match kind {
                0 => {
                    opts.push(WireOpt::Eol);
                    b = &b[1..];
                    continue;
                }
                1 => {
                    opts.push(WireOpt::Nop);
                    b = &b[1..];
                    continue;
                }
                _ => {}
            }
            let Some(&len) = b.get(1) else {
                return err(format!("TCP option {kind} without a length"));
            };
            let len = usize::from(len);
            if len < 2 || len > b.len() {
                return err(format!("TCP option {kind} of length {len}"));
            }
            let d = &b[2..len];
            let bad = || err(format!("TCP option {kind} of length {len}"));
            opts.push(match kind {
                2 if d.len() == 2 => WireOpt::Mss(u16::from_be_bytes([d[0], d[1]])),
                3 if d.len() == 1 => WireOpt::Wscale(d[0]),
                4 if d.is_empty() => WireOpt::SackOk,
                5 if d.len().is_multiple_of(8) => WireOpt::Sack(
                    d.chunks_exact(8)
                        .map(|c| {
                            (
                                u32::from_be_bytes([c[0], c[1], c[2], c[3]]),
                                u32::from_be_bytes([c[4], c[5], c[6], c[7]]),
                            )
                        })
                        .collect(),
                ),
                8 if d.len() == 8 => WireOpt::Timestamp(
                    u32::from_be_bytes([d[0], d[1], d[2], d[3]]),
                    u32::from_be_bytes([d[4], d[5], d[6], d[7]]),
                ),
                19 if d.len() == 16 => {
                    let mut sig = [0u8; 16];
                    sig.copy_from_slice(d);
                    WireOpt::Md5(sig)
                }
                34 => WireOpt::FastOpen {
                    exp: false,
                    cookie: d.to_vec(),
                },
                254 if d.len() >= 2 && d[0] == 0xf9 && d[1] == 0x89 => WireOpt::FastOpen {
                    exp: true,
                    cookie: d[2..].to_vec(),
                },
                2 | 3 | 4 | 5 | 8 | 19 => return bad(),
                _ => WireOpt::Other(kind, d.to_vec()),
            });
            b = &b[len..];
        }
        Ok(opts)
    }

    /// Takes a TCP segment apart (the checksum was checked by
    /// IpPacket::decode).
    pub fn decode(b: &[u8]) -> Result<Self, DecodeError> {
        if b.len() < 20 {
            return err(format!("TCP segment of {} bytes", b.len()));
        }
        let doff = usize::from(b[12] >> 4) * 4;
        if doff < 20 || doff > b.len() {
            return err(format!("TCP data offset {doff} in {} bytes", b.len()));
        }
        let be16 = |i: usize| u16::from_be_bytes([b[i], b[i + 1]]);
        let be32 = |i: usize| u32::from_be_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
        Ok(TcpSeg {
            sport: be16(0),
            dport: be16(2),
            seq: be32(4),
            ack: be32(8),
            flags: b[13],
            res: b[12] & 0xf,
            win: be16(14),
            urg: be16(18),
            options: Self::decode_options(&b[20..doff])?,
            data: b[doff..].to_vec(),
        })
    }

    /// The sequence space the segment takes: its data, plus one each for
    /// SYN and FIN.
    pub fn seq_len(&self) -> u32 {
        self.data.len() as u32
            + u32::from(self.flags & TCP_SYN != 0)
            + u32::from(self.flags & TCP_FIN != 0)
    }
}

/// TCP flags in packetdrill's notation: "S", "S.", "P.", "F.", "R", ...
pub fn tcp_flags_str(flags: u8) -> String {
    let mut s = String::new();
    for (bit, c) in [
        (TCP_FIN, 'F'),
        (TCP_SYN, 'S'),
        (TCP_RST, 'R'),
        (TCP_PSH, 'P'),
        (TCP_ACK, '.'),
        (TCP_URG, 'U'),
        (TCP_ECE, 'E'),
        (TCP_CWR, 'W'),
    ] {
        if flags & bit != 0 {
            s.push(c);
        }
    }
    s
}

/// Parses packetdrill's flag letters into header bits.
pub fn tcp_flags_parse(s: &str) -> Result<u8, String> {
    let mut f = 0;
    for c in s.chars() {
        f |= match c {
            'F' => TCP_FIN,
            'S' => TCP_SYN,
            'R' => TCP_RST,
            'P' => TCP_PSH,
            '.' => TCP_ACK,
            'U' => TCP_URG,
            'E' => TCP_ECE,
            'W' => TCP_CWR,
            _ => return Err(format!("unknown TCP flag '{c}' in '{s}'")),
        };
    }
    Ok(f)
}

/// A UDP datagram.
#[derive(Debug, Clone, PartialEq)]
pub struct UdpDgram {
    pub sport: u16,
    pub dport: u16,
    pub data: Vec<u8>,
}

impl UdpDgram {
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(8 + self.data.len());
        out.extend_from_slice(&self.sport.to_be_bytes());
        out.extend_from_slice(&self.dport.to_be_bytes());
        out.extend_from_slice(&((8 + self.data.len()) as u16).to_be_bytes());
        out.extend_from_slice(&[0, 0]);
        out.extend_from_slice(&self.data);
        out
    }

    pub fn decode(b: &[u8]) -> Result<Self, DecodeError> {
        if b.len() < 8 {
            return err(format!("UDP datagram of {} bytes", b.len()));
        }
        let len = usize::from(u16::from_be_bytes([b[4], b[5]]));
        if len < 8 || len > b.len() {
            return err(format!("UDP length {len} in {} bytes", b.len()));
        }
        Ok(UdpDgram {
            sport: u16::from_be_bytes([b[0], b[1]]),
            dport: u16::from_be_bytes([b[2], b[3]]),
            data: b[8..len].to_vec(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::{Ipv4Addr, Ipv6Addr};

    fn hdr(v6: bool, proto: u8) -> IpHdr {
        let (src, dst) = if v6 {
            (
                IpAddr::V6("fd3d:fa7b:d17d::1".parse::<Ipv6Addr>().unwrap()),
                IpAddr::V6("fd3d:a0b:17d6::1".parse::<Ipv6Addr>().unwrap()),
            )
        } else {
            (
                IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)),
                IpAddr::V4(Ipv4Addr::new(192, 168, 0, 1)),
            )
        };
        IpHdr {
            src,
            dst,
            proto,
            ecn: 1,
            dscp: 0,
            ttl: 64,
            flow_label: 0,
        }
    }

    fn seg() -> TcpSeg {
        TcpSeg {
            sport: 40000,
            dport: 8080,
            seq: 0xfffffff0,
            ack: 7,
            flags: TCP_SYN | TCP_ACK,
            res: 0,
            win: 32792,
            urg: 0,
            options: vec![
                WireOpt::Mss(1460),
                WireOpt::SackOk,
                WireOpt::Timestamp(100, 0),
                WireOpt::Nop,
                WireOpt::Wscale(7),
            ],
            data: b"hello".to_vec(),
        }
    }

    #[test]
    fn tcp_round_trip_both_families() {
        for v6 in [false, true] {
            let p = IpPacket {
                ip: hdr(v6, IPPROTO_TCP),
                payload: seg().encode(),
            };
            let frame = p.encode();
            let back = IpPacket::decode(&frame).unwrap();
            assert_eq!(back.ip, p.ip);
            let s = TcpSeg::decode(&back.payload).unwrap();
            assert_eq!(s, seg());
            assert_eq!(s.seq_len(), 6);
        }
    }

    #[test]
    fn corrupted_checksums_are_refused() {
        for v6 in [false, true] {
            let p = IpPacket {
                ip: hdr(v6, IPPROTO_TCP),
                payload: seg().encode(),
            };
            let mut frame = p.encode();
            let last = frame.len() - 1;
            frame[last] ^= 0x40;
            let e = IpPacket::decode(&frame).unwrap_err();
            assert!(e.0.contains("bad TCP checksum"), "{e}");
        }
        let mut frame = IpPacket {
            ip: hdr(false, IPPROTO_TCP),
            payload: seg().encode(),
        }
        .encode();
        frame[8] ^= 1; // the TTL
        assert_eq!(
            IpPacket::decode(&frame).unwrap_err().0,
            "bad IPv4 header checksum"
        );
    }

    #[test]
    fn known_ipv4_header_checksum() {
        // Header of RFC 1071's style example, computed by hand: 20 bytes
        // of 0x4500 0x0030 0x0000 0x4000 0x4006 0x0000 c0a8 0001 c000 0201.
        let p = IpPacket {
            ip: IpHdr {
                src: IpAddr::V4(Ipv4Addr::new(192, 168, 0, 1)),
                dst: IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)),
                proto: IPPROTO_TCP,
                ecn: 0,
                dscp: 0,
                ttl: 64,
                flow_label: 0,
            },
            payload: vec![0; 28],
        };
        let f = p.encode();
        let words: u32 = [
            0x4500u32, 0x0030, 0x0000, 0x4000, 0x4006, 0x0000, 0xc0a8, 0x0001, 0xc000, 0x0201,
        ]
        .iter()
        .sum();
        let folded = (words & 0xffff) + (words >> 16);
        assert_eq!(u16::from_be_bytes([f[10], f[11]]), !(folded as u16));
    }

    #[test]
    fn truncated_frames_never_panic() {
        let frame = IpPacket {
            ip: hdr(true, IPPROTO_TCP),
            payload: seg().encode(),
        }
        .encode();
        for n in 0..frame.len() {
            let _ = IpPacket::decode(&frame[..n]);
        }
        let s = seg().encode();
        for n in 0..s.len() {
            let _ = TcpSeg::decode(&s[..n]);
        }
        assert!(TcpSeg::decode_options(&[2, 4, 5]).is_err());
        assert!(TcpSeg::decode_options(&[8, 9, 0, 0, 0, 0, 0, 0, 0]).is_err());
        assert!(TcpSeg::decode_options(&[3, 0]).is_err());
    }

    #[test]
    fn flags_notation() {
        assert_eq!(tcp_flags_str(TCP_SYN | TCP_ACK), "S.");
        assert_eq!(tcp_flags_str(TCP_PSH | TCP_ACK), "P.");
        assert_eq!(tcp_flags_parse("F.").unwrap(), TCP_FIN | TCP_ACK);
        assert_eq!(tcp_flags_parse("SEW").unwrap(), TCP_SYN | TCP_ECE | TCP_CWR);
        assert!(tcp_flags_parse("SX").is_err());
    }

    #[test]
    fn udp_round_trip_and_zero_checksum() {
        let d = UdpDgram {
            sport: 1,
            dport: 2,
            data: vec![9; 33],
        };
        let p = IpPacket {
            ip: hdr(false, IPPROTO_UDP),
            payload: d.encode(),
        };
        let mut f = p.encode();
        let back = IpPacket::decode(&f).unwrap();
        assert_eq!(UdpDgram::decode(&back.payload).unwrap(), d);
        // No checksum (0) is fine over IPv4.
        f[26] = 0;
        f[27] = 0;
        assert!(IpPacket::decode(&f).is_ok());
    }
}
