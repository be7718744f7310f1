// SPDX-License-Identifier: GPL-2.0
//! ICMP lines at run time: `< icmp TYPE [CODE] [mtu N] [QUOTED]` injects
//! an ICMP error about a packet the kernel sent (the quoted TCP segment
//! or UDP datagram of the socket under test, its sequence number relative
//! to the kernel's ISN as an outbound line's), and `> icmp TYPE [CODE]
//! [mtu N]` checks one the kernel sends to the remote address.
//!
//! The names are packetdrill's. In an IPv6 run the IPv4 names map to
//! their ICMPv6 counterparts (`unreachable frag_needed mtu N` is a Packet
//! Too Big with that MTU, `host_unreachable` is address unreachable), and
//! the ICMPv6 names (`packet_too_big`, `no_route`...) may be written too.

use super::{check_sent_time, fail, secs, Failure, Res, Runner};
use crate::ast::{IcmpLine, Packet, PacketBody};
use crate::packet::{self, IpHdr, IpPacket, TcpSeg, UdpDgram};

/// ICMP type numbers: IPv4's, and IPv6's.
const V4_UNREACH: u8 = 3;
const V4_SOURCE_QUENCH: u8 = 4;
const V4_TIME_EXCEEDED: u8 = 11;
const V4_PARAMETER_PROBLEM: u8 = 12;
const V6_UNREACH: u8 = 1;
const V6_PACKET_TOO_BIG: u8 = 2;
const V6_TIME_EXCEEDED: u8 = 3;
const V6_PARAMETER_PROBLEM: u8 = 4;

/// The type and code numbers of an ICMP line's names, for IPv6 when
/// `v6`.
pub fn icmp_numbers(v6: bool, ty: &str, code: Option<&str>) -> Result<(u8, u8), String> {
    let bad_code = |c: &str| {
        format!(
            "unknown ICMP{} code '{c}' for type '{ty}'",
            if v6 { "v6" } else { "" }
        )
    };
    let code_or = |d: u8, f: &dyn Fn(&str) -> Option<u8>| -> Result<u8, String> {
        match code {
            None => Ok(d),
            Some(c) => f(c).or_else(|| c.parse().ok()).ok_or_else(|| bad_code(c)),
        }
    };
    if !v6 {
        let t = match ty {
            "unreachable" => V4_UNREACH,
            "source_quench" => V4_SOURCE_QUENCH,
            "time_exceeded" => V4_TIME_EXCEEDED,
            "parameter_problem" => V4_PARAMETER_PROBLEM,
            _ => return Err(format!("unknown ICMP type '{ty}'")),
        };
        let c = match t {
            V4_UNREACH => code_or(0, &|c| {
                Some(match c {
                    "net_unreachable" => 0,
                    "host_unreachable" => 1,
                    "protocol_unreachable" => 2,
                    "port_unreachable" => 3,
                    "frag_needed" => 4,
                    "source_route_failed" => 5,
                    "net_unknown" => 6,
                    "host_unknown" => 7,
                    "source_host_isolated" => 8,
                    "net_prohibited" => 9,
                    "host_prohibited" => 10,
                    "net_unreachable_for_tos" => 11,
                    "host_unreachable_for_tos" => 12,
                    "packet_filtered" => 13,
                    "precedence_violation" => 14,
                    "precedence_cutoff" => 15,
                    _ => return None,
                })
            })?,
            V4_TIME_EXCEEDED => code_or(0, &|c| {
                Some(match c {
                    "ttl_exceeded" | "exceeded_in_transit" => 0,
                    "reassembly_time_exceeded" => 1,
                    _ => return None,
                })
            })?,
            _ => code_or(0, &|_| None)?,
        };
        return Ok((t, c));
    }
    // IPv6: the ICMPv6 names, and the IPv4 ones packetdrill's scripts use.
    match (ty, code) {
        ("packet_too_big", None) | ("unreachable", Some("frag_needed")) => {
            return Ok((V6_PACKET_TOO_BIG, 0))
        }
        _ => {}
    }
    let t = match ty {
        "unreachable" | "destination_unreachable" => V6_UNREACH,
        "time_exceeded" => V6_TIME_EXCEEDED,
        "parameter_problem" => V6_PARAMETER_PROBLEM,
        _ => return Err(format!("unknown ICMPv6 type '{ty}'")),
    };
    let c = match t {
        V6_UNREACH => code_or(0, &|c| {
            Some(match c {
                "no_route" | "net_unreachable" => 0,
                "admin_prohibited" | "net_prohibited" | "host_prohibited" => 1,
                "beyond_scope" => 2,
                "address_unreachable" | "host_unreachable" => 3,
                "port_unreachable" => 4,
                _ => return None,
            })
        })?,
        V6_TIME_EXCEEDED => code_or(0, &|c| {
            Some(match c {
                "ttl_exceeded" | "hop_limit_exceeded" | "exceeded_in_transit" => 0,
                "reassembly_time_exceeded" => 1,
                _ => return None,
            })
        })?,
        _ => code_or(0, &|_| None)?,
    };
    Ok((t, c))
}

/// The ICMP message (header and quoted bytes, checksum left 0: the IP
/// encoder fills it in) for type `t`, code `c`, with `mtu` where the type
/// carries one, quoting `quoted`, cut to what a router quotes (an IPv4
/// error fits 576 bytes, an IPv6 one 1280).
pub fn icmp_message(v6: bool, t: u8, c: u8, mtu: Option<u32>, quoted: &[u8]) -> Vec<u8> {
    let mut m = vec![t, c, 0, 0];
    let mtu = mtu.unwrap_or(0);
    if v6 {
        let v = if t == V6_PACKET_TOO_BIG { mtu } else { 0 };
        m.extend_from_slice(&v.to_be_bytes());
    } else {
        let v = if t == V4_UNREACH && c == 4 {
            mtu as u16
        } else {
            0
        };
        m.extend_from_slice(&[0, 0]);
        m.extend_from_slice(&v.to_be_bytes());
    }
    let room = if v6 { 1280 - 40 - 8 } else { 576 - 20 - 8 };
    m.extend_from_slice(&quoted[..quoted.len().min(room)]);
    m
}

impl Runner<'_> {
    fn icmp_v6(&self) -> bool {
        self.cfg.local_ip.is_ipv6()
    }

    /// Injects `< icmp ...`: an error from the remote end about the
    /// packet quoted (one the socket under test sent).
    pub(super) fn inbound_icmp(&mut self, line: usize, p: &Packet, ic: &IcmpLine) -> Res<()> {
        let v6 = self.icmp_v6();
        let (t, c) = icmp_numbers(v6, &ic.icmp_type, ic.code.as_deref())
            .map_err(|m| Failure { line, msg: m })?;
        let Some(s) = self.sut.as_ref() else {
            return fail(line, "no socket under test for the ICMP error to quote");
        };
        let (lport, rport) = (s.local_port, s.remote_port);
        let isn = s.live_local_isn.unwrap_or(0);
        let (proto, payload) = match ic.quoted.as_deref() {
            Some(PacketBody::Tcp(q)) => {
                let flags =
                    packet::tcp_flags_parse(if q.flags.is_empty() { "." } else { &q.flags })
                        .map_err(|m| Failure { line, msg: m })?;
                let seg = TcpSeg {
                    sport: lport,
                    dport: rport,
                    seq: q.seq.wrapping_add(isn),
                    ack: q.ack.unwrap_or(0),
                    flags,
                    res: 0,
                    win: q.win.unwrap_or(0) as u16,
                    urg: 0,
                    options: Vec::new(),
                    data: vec![0; q.len as usize],
                };
                (packet::IPPROTO_TCP, seg.encode())
            }
            Some(PacketBody::Udp(u)) => {
                let d = UdpDgram {
                    sport: lport,
                    dport: rport,
                    data: vec![0; u.len as usize],
                };
                (packet::IPPROTO_UDP, d.encode())
            }
            None => {
                return fail(
                    line,
                    "an inbound ICMP error needs the packet it quotes, in brackets",
                )
            }
            Some(_) => {
                return fail(
                    line,
                    "an ICMP error can quote a TCP segment or a UDP datagram",
                )
            }
        };
        // The quoted packet as the kernel sent it: from the local address
        // to the remote one.
        let quoted = IpPacket {
            ip: IpHdr {
                src: self.cfg.local_ip,
                dst: self.cfg.remote_ip,
                proto,
                ecn: 0,
                dscp: 0,
                ttl: 64,
                flow_label: 0,
            },
            payload,
        }
        .encode();
        let icmp_proto = if v6 {
            packet::IPPROTO_ICMPV6
        } else {
            packet::IPPROTO_ICMP
        };
        let pkt = IpPacket {
            ip: self.ip_hdr(icmp_proto, p),
            payload: icmp_message(v6, t, c, ic.mtu, &quoted),
        };
        // The path's MTU, as the error says: in wire mode, no frame the
        // kernel sends from now on may be larger.
        if (v6 && t == V6_PACKET_TOO_BIG) || (!v6 && t == V4_UNREACH && c == 4) {
            if let Some(m) = ic.mtu {
                self.sniffer.lower_path_mtu(m as usize);
            }
        }
        self.log(format!("< icmp type {t} code {c} quoting {proto}"));
        self.inject(line, &pkt)
    }

    /// Waits for `> icmp ...` to the remote address, due between `lo` and
    /// `hi`: its type, code and MTU as written, and its time.
    pub(super) fn outbound_icmp(
        &mut self,
        line: usize,
        ic: &IcmpLine,
        lo: i64,
        hi: i64,
        tol: i64,
    ) -> Res<i64> {
        let v6 = self.icmp_v6();
        let (t, c) = icmp_numbers(v6, &ic.icmp_type, ic.code.as_deref())
            .map_err(|m| Failure { line, msg: m })?;
        let proto = if v6 {
            packet::IPPROTO_ICMPV6
        } else {
            packet::IPPROTO_ICMP
        };
        let deadline = self.deadline(hi, tol);
        let Some((at, pkt)) = self.next_packet(line, deadline, proto)? else {
            return fail(
                line,
                format!(
                    "timed out waiting for outbound packet expected at {} sec: script packet: icmp {} {}",
                    secs(lo.max(0)),
                    ic.icmp_type,
                    ic.code.as_deref().unwrap_or("")
                ),
            );
        };
        self.first_read.get_or_insert((at, false));
        let b = &pkt.payload;
        if b.len() < 8 {
            return fail(line, format!("outbound ICMP message of {} bytes", b.len()));
        }
        self.log(format!(
            "> icmp type {} code {} (sent at {})",
            b[0],
            b[1],
            secs(at)
        ));
        if (b[0], b[1]) != (t, c) {
            return fail(
                line,
                format!(
                    "live packet ICMP type and code: expected {t}/{c} vs actual {}/{}",
                    b[0], b[1]
                ),
            );
        }
        if let Some(want) = ic.mtu {
            let got = if v6 {
                u32::from_be_bytes([b[4], b[5], b[6], b[7]])
            } else {
                u32::from(u16::from_be_bytes([b[6], b[7]]))
            };
            if got != want {
                return fail(
                    line,
                    format!("live packet ICMP mtu: expected {want} vs actual {got}"),
                );
            }
        }
        check_sent_time(line, lo, hi, tol, at)?;
        Ok(at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_in_both_families() {
        assert_eq!(
            icmp_numbers(false, "unreachable", Some("frag_needed")),
            Ok((3, 4))
        );
        assert_eq!(
            icmp_numbers(false, "unreachable", Some("host_unreachable")),
            Ok((3, 1))
        );
        assert_eq!(
            icmp_numbers(false, "unreachable", Some("port_unreachable")),
            Ok((3, 3))
        );
        assert_eq!(icmp_numbers(false, "time_exceeded", None), Ok((11, 0)));
        assert_eq!(
            icmp_numbers(true, "unreachable", Some("frag_needed")),
            Ok((2, 0))
        );
        assert_eq!(icmp_numbers(true, "packet_too_big", None), Ok((2, 0)));
        assert_eq!(
            icmp_numbers(true, "unreachable", Some("host_unreachable")),
            Ok((1, 3))
        );
        assert_eq!(
            icmp_numbers(true, "unreachable", Some("port_unreachable")),
            Ok((1, 4))
        );
        assert!(icmp_numbers(false, "unreachable", Some("nonsense"))
            .unwrap_err()
            .contains("unknown ICMP code 'nonsense'"));
        assert!(icmp_numbers(true, "echo", None).is_err());
        assert!(icmp_numbers(false, "packet_too_big", None).is_err());
    }

    #[test]
    fn messages_carry_the_mtu_where_the_type_has_one() {
        let q = vec![0x45; 600];
        let m = icmp_message(false, 3, 4, Some(1200), &q);
        assert_eq!(&m[..8], &[3, 4, 0, 0, 0, 0, 0x04, 0xb0]);
        assert_eq!(
            m.len(),
            8 + 548,
            "an IPv4 error fits 576 bytes with its IP header"
        );
        let m = icmp_message(false, 3, 1, Some(1200), &q[..28]);
        assert_eq!(&m[4..8], &[0, 0, 0, 0]);
        assert_eq!(m.len(), 36);
        let m = icmp_message(true, 2, 0, Some(1280), &q);
        assert_eq!(&m[..8], &[2, 0, 0, 0, 0, 0, 0x05, 0x00]);
        let m = icmp_message(true, 1, 3, Some(1280), &q);
        assert_eq!(&m[4..8], &[0, 0, 0, 0]);
    }
}
