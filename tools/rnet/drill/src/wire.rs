// SPDX-License-Identifier: GPL-2.0
//! Wire mode: the kernel under test talks through a NIC (`--local_dev`),
//! and the remote end is the runner on another NIC of the same Ethernet
//! segment (`--peer_dev`, QEMU's internal hub in rnet's guest), where it
//! writes and reads whole frames with a packet socket. Every packet of
//! the script then crosses the NIC driver under test, offloads included
//! (a TSO segment is on the wire as the segments the NIC cut it into).
//!
//! This is rnet-drill's own mode, on one host; packetdrill's two-host
//! wire protocol (`--wire_client`, `--wire_server`...) is not supported.

use crate::sys;
use crate::tun::run_cmd;
use std::io;
use std::net::IpAddr;
use std::os::raw::{c_int, c_ulong, c_void};

const AF_PACKET: c_int = 17;
const SOCK_DGRAM: c_int = 2;
const SOCK_CLOEXEC: c_int = 0o2000000;
pub(crate) const ETH_P_IP: u16 = 0x0800;
pub(crate) const ETH_P_IPV6: u16 = 0x86dd;
const ETH_P_ALL: u16 = 0x0003;
const SOL_PACKET: c_int = 263;
const PACKET_IGNORE_OUTGOING: c_int = 23;
const MSG_DONTWAIT: c_int = 0x40;
const SIOCETHTOOL: c_ulong = 0x8946;
const ETHTOOL_GGRO: u32 = 0x2b;
const ETHTOOL_SGRO: u32 = 0x2c;
const AF_INET: c_int = 2;

/// `struct sockaddr_ll` (the sniffer's too).
#[repr(C)]
pub(crate) struct SockaddrLl {
    pub(crate) family: u16,
    pub(crate) protocol: u16,
    pub(crate) ifindex: i32,
    pub(crate) hatype: u16,
    pub(crate) pkttype: u8,
    pub(crate) halen: u8,
    pub(crate) addr: [u8; 8],
}

#[repr(C)]
struct EthtoolValue {
    cmd: u32,
    data: u32,
}

#[repr(C)]
struct IfReqData {
    name: [u8; 16],
    data: *mut c_void,
    pad: [u8; 16],
}

extern "C" {
    fn if_nametoindex(name: *const i8) -> u32;
}

/// The index of interface `name`.
pub fn ifindex(name: &str) -> io::Result<i32> {
    let cname = std::ffi::CString::new(name).map_err(|_| io::Error::other("bad name"))?;
    // SAFETY: a NUL-terminated name.
    let i = unsafe { if_nametoindex(cname.as_ptr()) };
    if i == 0 {
        return Err(io::Error::other(format!("no interface {name}")));
    }
    Ok(i as i32)
}

/// The MAC address of interface `name` (from sysfs).
pub fn mac_of(name: &str) -> io::Result<[u8; 6]> {
    let s = std::fs::read_to_string(format!("/sys/class/net/{name}/address"))
        .map_err(|e| io::Error::other(format!("the address of {name}: {e}")))?;
    let mut mac = [0u8; 6];
    let parts: Vec<&str> = s.trim().split(':').collect();
    if parts.len() != 6 {
        return Err(io::Error::other(format!("{name}: not an Ethernet device")));
    }
    for (m, p) in mac.iter_mut().zip(parts) {
        *m = u8::from_str_radix(p, 16)
            .map_err(|_| io::Error::other(format!("{name}: bad address '{}'", s.trim())))?;
    }
    Ok(mac)
}

fn show_mac(m: &[u8; 6]) -> String {
    m.iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// Turns GRO off on `name`: the packet socket sees a frame after GRO,
/// and GRO would join the segments the script checks one by one.
fn gro_off(name: &str) -> io::Result<()> {
    if name.len() >= 16 {
        return Err(io::Error::other(format!("interface name too long: {name}")));
    }
    // SAFETY: plain integer arguments.
    let fd = unsafe { sys::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    let set = |cmd: u32, data: u32| -> io::Result<u32> {
        let mut v = EthtoolValue { cmd, data };
        let mut req = IfReqData {
            name: [0; 16],
            data: (&mut v as *mut EthtoolValue).cast(),
            pad: [0; 16],
        };
        req.name[..name.len()].copy_from_slice(name.as_bytes());
        // SAFETY: SIOCETHTOOL reads an ifreq whose data points at an
        // ethtool_value, both alive for the call.
        if unsafe { sys::ioctl(fd, SIOCETHTOOL, &mut req as *mut IfReqData) } < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(v.data)
    };
    let r = set(ETHTOOL_SGRO, 0).and_then(|_| set(ETHTOOL_GGRO, 0));
    // SAFETY: fd was opened above and is closed once.
    unsafe { sys::close(fd) };
    match r {
        Ok(0) => Ok(()),
        Ok(_) => Err(io::Error::other(format!("GRO stays on on {name}"))),
        Err(e) => Err(io::Error::other(format!("GRO off on {name}: {e}"))),
    }
}

/// The length of the IP packet at the start of `b`, from its header.
pub fn ip_len(b: &[u8]) -> Option<usize> {
    match b.first()? >> 4 {
        4 if b.len() >= 4 => Some(usize::from(u16::from_be_bytes([b[2], b[3]]))),
        6 if b.len() >= 6 => Some(40 + usize::from(u16::from_be_bytes([b[4], b[5]]))),
        _ => None,
    }
}

/// Checks what follows an IP packet of `ip_len` bytes in a frame's
/// payload `b`: nothing, or zeros padding a short frame to Ethernet's
/// minimum payload (46 bytes).
pub fn check_tail(b: &[u8], ip_len: usize) -> Result<(), String> {
    if b.len() < ip_len {
        return Err(format!(
            "an IP packet of {ip_len} bytes in {} bytes",
            b.len()
        ));
    }
    if b.len() == ip_len || (b.len() == 46 && b[ip_len..].iter().all(|&x| x == 0)) {
        return Ok(());
    }
    Err(format!(
        "{} bytes after an IP packet of {ip_len} bytes",
        b.len() - ip_len
    ))
}

/// The runner's end of the wire: a packet socket on the peer NIC that
/// sends IP packets to the MAC address of the NIC under test.
pub struct Wire {
    fd: c_int,
    /// A packet socket on the NIC under test: a packet the runner sends
    /// counts as delivered once that NIC's driver has handed it to the
    /// stack (the script's next line may depend on it, as it would in
    /// local mode, where a tun write is delivered before it returns).
    tap: c_int,
    ifindex: i32,
    dst: [u8; 6],
    /// What `setup` added to the NIC under test, undone on drop.
    undo: Vec<Vec<String>>,
}

/// The addresses a wire-mode run puts on the NIC under test.
pub struct WireSetup<'a> {
    pub local_dev: &'a str,
    pub peer_dev: &'a str,
    pub local_ip: IpAddr,
    pub remote_ip: IpAddr,
    pub prefix_len: u8,
    pub mtu: u32,
}

impl Wire {
    /// Sets up both NICs for a run: the peer NIC up with GRO off (and no
    /// address: the runner is its only user), the NIC under test up with
    /// the local address, a route to the remote address and a permanent
    /// neighbour entry giving the peer NIC's MAC for it (nothing resolves
    /// it otherwise). What it added is removed when the Wire is dropped,
    /// so that a connection the script left behind sends nothing more.
    pub fn setup(s: &WireSetup<'_>) -> Result<Wire, String> {
        if s.local_dev == s.peer_dev {
            return Err(format!(
                "--local_dev and --peer_dev are the same NIC ({})",
                s.local_dev
            ));
        }
        let err = |e: io::Error| e.to_string();
        let peer_mac = mac_of(s.peer_dev).map_err(err)?;
        let dst = mac_of(s.local_dev).map_err(err)?;
        let peer_index = ifindex(s.peer_dev).map_err(err)?;
        run_cmd(&["ip", "link", "set", "dev", s.peer_dev, "up"]).map_err(err)?;
        gro_off(s.peer_dev).map_err(err)?;
        // SAFETY: plain integer arguments; protocol 0: the socket only
        // sends (the sniffer reads).
        let fd = unsafe { sys::socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, 0) };
        if fd < 0 {
            return Err(format!("packet socket: {}", io::Error::last_os_error()));
        }
        // SAFETY: plain integer arguments.
        let tap = unsafe {
            sys::socket(
                AF_PACKET,
                SOCK_DGRAM | SOCK_CLOEXEC,
                c_int::from(ETH_P_ALL.to_be()),
            )
        };
        if tap < 0 {
            let e = io::Error::last_os_error();
            // SAFETY: fd was opened above and is closed once.
            unsafe { sys::close(fd) };
            return Err(format!("packet socket: {e}"));
        }
        let mut w = Wire {
            fd,
            tap,
            ifindex: peer_index,
            dst,
            undo: Vec::new(),
        };
        let local_index = ifindex(s.local_dev).map_err(err)?;
        let sll = SockaddrLl {
            family: AF_PACKET as u16,
            protocol: ETH_P_ALL.to_be(),
            ifindex: local_index,
            hatype: 0,
            pkttype: 0,
            halen: 0,
            addr: [0; 8],
        };
        let one: c_int = 1;
        // SAFETY: sll and one are valid for reads of the sizes given. The
        // tap takes no outgoing frames: what the kernel sends would fill
        // its queue between two sends of the runner's.
        if unsafe {
            sys::setsockopt(
                tap,
                SOL_PACKET,
                PACKET_IGNORE_OUTGOING,
                (&one as *const c_int).cast(),
                4,
            ) < 0
                || sys::bind(
                    tap,
                    (&sll as *const SockaddrLl).cast(),
                    std::mem::size_of::<SockaddrLl>() as u32,
                ) < 0
        } {
            return Err(format!(
                "packet socket on {}: {}",
                s.local_dev,
                io::Error::last_os_error()
            ));
        }
        let fam = if s.local_ip.is_ipv4() { "-4" } else { "-6" };
        let mtu = s.mtu.to_string();
        let local = format!("{}/{}", s.local_ip, s.prefix_len);
        let remote = s.remote_ip.to_string();
        let mac = show_mac(&peer_mac);
        let mut addr = vec!["ip", fam, "addr", "replace", &local, "dev", s.local_dev];
        if s.local_ip.is_ipv6() {
            addr.push("nodad");
        }
        run_cmd(&["ip", "link", "set", "dev", s.local_dev, "mtu", &mtu, "up"]).map_err(err)?;
        // The NIC under test is the runner's for the run: whatever a run
        // that ended without its cleanup (killed, or ended by the
        // watchdog) left on it goes first.
        for f in ["-4", "-6"] {
            run_cmd(&[
                "ip",
                f,
                "addr",
                "flush",
                "dev",
                s.local_dev,
                "scope",
                "global",
            ])
            .map_err(err)?;
        }
        let steps: [(Vec<&str>, Vec<&str>); 3] = [
            (
                addr,
                vec!["ip", fam, "addr", "del", &local, "dev", s.local_dev],
            ),
            (
                vec!["ip", fam, "route", "replace", &remote, "dev", s.local_dev],
                vec!["ip", fam, "route", "del", &remote, "dev", s.local_dev],
            ),
            (
                vec![
                    "ip",
                    fam,
                    "neigh",
                    "replace",
                    &remote,
                    "lladdr",
                    &mac,
                    "dev",
                    s.local_dev,
                    "nud",
                    "permanent",
                ],
                vec!["ip", fam, "neigh", "del", &remote, "dev", s.local_dev],
            ),
        ];
        for (add, del) in steps {
            run_cmd(&add).map_err(err)?;
            w.undo.push(del.iter().map(|s| s.to_string()).collect());
        }
        Ok(w)
    }

    /// The MAC address of the NIC under test.
    pub fn local_mac(&self) -> [u8; 6] {
        self.dst
    }

    /// Sends one IP packet to the NIC under test.
    pub fn send(&self, ip: &[u8]) -> io::Result<()> {
        let proto = match ip.first().map(|b| b >> 4) {
            Some(4) => ETH_P_IP,
            Some(6) => ETH_P_IPV6,
            _ => return Err(io::Error::other("not an IP packet")),
        };
        // What the tap holds from before is not this packet (a bounded
        // drain: a peer that never stops sending cannot hold it here).
        let mut junk = [0u8; 2048];
        for _ in 0..1024 {
            // SAFETY: junk is writable for its length.
            let r = unsafe {
                sys::recvfrom(
                    self.tap,
                    junk.as_mut_ptr().cast(),
                    junk.len(),
                    MSG_DONTWAIT,
                    std::ptr::null_mut(),
                    std::ptr::null_mut(),
                )
            };
            if r < 0 {
                break;
            }
        }
        let mut addr = [0u8; 8];
        addr[..6].copy_from_slice(&self.dst);
        let sll = SockaddrLl {
            family: AF_PACKET as u16,
            protocol: proto.to_be(),
            ifindex: self.ifindex,
            hatype: 0,
            pkttype: 0,
            halen: 6,
            addr,
        };
        // SAFETY: ip and sll are valid for reads of the lengths given.
        let r = unsafe {
            sys::sendto(
                self.fd,
                ip.as_ptr().cast(),
                ip.len(),
                0,
                (&sll as *const SockaddrLl).cast(),
                std::mem::size_of::<SockaddrLl>() as u32,
            )
        };
        if r < 0 {
            return Err(io::Error::last_os_error());
        }
        if r as usize != ip.len() {
            return Err(io::Error::other(format!(
                "short packet socket write: {r} of {}",
                ip.len()
            )));
        }
        self.arrival(ip)
    }

    /// Waits until the NIC under test received `ip` (a second at most).
    fn arrival(&self, ip: &[u8]) -> io::Result<()> {
        let until = std::time::Instant::now() + std::time::Duration::from_secs(1);
        let mut buf = vec![0u8; 65536];
        loop {
            let left = until.saturating_duration_since(std::time::Instant::now());
            if left.is_zero() {
                return Err(io::Error::other(
                    "the packet did not reach the NIC under test within 1 s (lost on the wire or by its driver)",
                ));
            }
            let mut p = sys::pollfd {
                fd: self.tap,
                events: 1,
                revents: 0,
            };
            // SAFETY: one valid pollfd.
            if unsafe { sys::poll(&mut p, 1, left.as_millis().max(1) as i32) } <= 0 {
                continue;
            }
            let mut from = [0u8; 32];
            let mut flen = from.len() as u32;
            // SAFETY: buf and from are writable for the lengths given.
            let n = unsafe {
                sys::recvfrom(
                    self.tap,
                    buf.as_mut_ptr().cast(),
                    buf.len(),
                    0,
                    from.as_mut_ptr().cast(),
                    &mut flen,
                )
            };
            if n < 0 {
                return Err(io::Error::last_os_error());
            }
            // A short frame arrives padded to Ethernet's minimum; any
            // other byte after the packet is the receiving driver's.
            let n = n as usize;
            if from[10] == 0 && n >= ip.len() && buf[..ip.len()] == *ip {
                return check_tail(&buf[..n], ip.len())
                    .map_err(|e| io::Error::other(format!("the NIC under test received {e}")));
            }
        }
    }
}

impl Drop for Wire {
    fn drop(&mut self) {
        for cmd in self.undo.iter().rev() {
            let args: Vec<&str> = cmd.iter().map(String::as_str).collect();
            let _ = run_cmd(&args);
        }
        // SAFETY: the descriptors are this object's and are closed once.
        unsafe {
            sys::close(self.fd);
            sys::close(self.tap);
        }
    }
}

/// IP fragments put back together, as the remote host's IP layer would.
/// QEMU's e1000e (7.2, the one these guests run on) sends a TSO segment
/// on a wire without virtio-net headers (its hub) as IP fragments of the
/// whole segment, not as MSS-sized segments: the runner sees the segment
/// the kernel handed the NIC, as in local mode.
#[derive(Default)]
pub struct Reassembler {
    pending: Vec<Pending>,
}

struct Pending {
    key: Vec<u8>,
    /// The first fragment's IP header (IPv6: the fixed header).
    hdr: Option<Vec<u8>>,
    /// IPv6: the protocol after the fragment header.
    next: u8,
    pieces: Vec<(usize, Vec<u8>)>,
    total: Option<usize>,
}

/// At most this many datagrams are reassembled at once; a new one drops
/// the oldest.
const MAX_PENDING: usize = 32;

impl Reassembler {
    /// Takes one IP packet off the wire: Some(packet) for a whole one (as
    /// it came, or put back together from its fragments), None while
    /// fragments are missing.
    pub fn push(&mut self, frame: Vec<u8>) -> Result<Option<Vec<u8>>, String> {
        let Some(&first) = frame.first() else {
            return Ok(Some(frame));
        };
        let (key, off, more, hdr, data, next) = match first >> 4 {
            4 if frame.len() >= 20 => {
                let ihl = usize::from(first & 0xf) * 4;
                let total = usize::from(u16::from_be_bytes([frame[2], frame[3]]));
                let frag = u16::from_be_bytes([frame[6], frame[7]]);
                if frag & 0x3fff == 0 || ihl < 20 || total < ihl || total > frame.len() {
                    return Ok(Some(frame));
                }
                let sum = crate::packet::csum_fold(crate::packet::csum_add(0, &frame[..ihl]));
                if sum != 0 {
                    return Err("an IPv4 fragment with a bad header checksum".into());
                }
                let mut key = vec![4, frame[9], frame[4], frame[5]];
                key.extend_from_slice(&frame[12..20]);
                (
                    key,
                    usize::from(frag & 0x1fff) * 8,
                    frag & 0x2000 != 0,
                    frame[..ihl].to_vec(),
                    frame[ihl..total].to_vec(),
                    0,
                )
            }
            6 if frame.len() >= 48 && frame[6] == 44 => {
                let plen = usize::from(u16::from_be_bytes([frame[4], frame[5]]));
                if plen < 8 || 40 + plen > frame.len() {
                    return Ok(Some(frame));
                }
                let offlg = u16::from_be_bytes([frame[42], frame[43]]);
                let mut key = vec![6];
                key.extend_from_slice(&frame[8..40]);
                key.extend_from_slice(&frame[44..48]);
                (
                    key,
                    usize::from(offlg >> 3) * 8,
                    offlg & 1 != 0,
                    frame[..40].to_vec(),
                    frame[48..40 + plen].to_vec(),
                    frame[40],
                )
            }
            _ => return Ok(Some(frame)),
        };
        let i = match self.pending.iter().position(|p| p.key == key) {
            Some(i) => i,
            None => {
                if self.pending.len() >= MAX_PENDING {
                    self.pending.remove(0);
                }
                self.pending.push(Pending {
                    key,
                    hdr: None,
                    next,
                    pieces: Vec::new(),
                    total: None,
                });
                self.pending.len() - 1
            }
        };
        let p = &mut self.pending[i];
        if off == 0 {
            p.hdr = Some(hdr);
            p.next = next;
        }
        if !more {
            p.total = Some(off + data.len());
        }
        p.pieces.push((off, data));
        let (Some(total), Some(_)) = (p.total, p.hdr.as_ref()) else {
            return Ok(None);
        };
        p.pieces.sort_by_key(|(o, _)| *o);
        let mut end = 0;
        for (o, d) in &p.pieces {
            if *o > end {
                return Ok(None);
            }
            if *o < end {
                self.pending.remove(i);
                return Err("overlapping IP fragments".into());
            }
            end = o + d.len();
        }
        if end != total {
            self.pending.remove(i);
            return Err(format!(
                "IP fragments of {end} bytes, the last says {total}"
            ));
        }
        let p = self.pending.remove(i);
        let Some(mut out) = p.hdr else {
            return Ok(None);
        };
        for (_, d) in &p.pieces {
            out.extend_from_slice(d);
        }
        if out[0] >> 4 == 4 {
            let ihl = usize::from(out[0] & 0xf) * 4;
            let len = out.len() as u16;
            out[2..4].copy_from_slice(&len.to_be_bytes());
            // Keep Don't Fragment; no offset, no More Fragments.
            out[6] &= 0x40;
            out[7] = 0;
            out[10] = 0;
            out[11] = 0;
            let c = crate::packet::csum_fold(crate::packet::csum_add(0, &out[..ihl]));
            out[10..12].copy_from_slice(&c.to_be_bytes());
        } else {
            let len = (out.len() - 40) as u16;
            out[4..6].copy_from_slice(&len.to_be_bytes());
            out[6] = p.next;
        }
        Ok(Some(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::packet::{IpHdr, IpPacket};

    fn v4_fragments(whole: &[u8], size: usize) -> Vec<Vec<u8>> {
        let ihl = 20;
        let data = &whole[ihl..];
        let mut out = Vec::new();
        let mut off = 0;
        while off < data.len() {
            let n = size.min(data.len() - off);
            let mut f = whole[..ihl].to_vec();
            f.extend_from_slice(&data[off..off + n]);
            let more = off + n < data.len();
            let frag = (off / 8) as u16 | if more { 0x2000 } else { 0 } | 0x4000;
            f[2..4].copy_from_slice(&((ihl + n) as u16).to_be_bytes());
            f[6..8].copy_from_slice(&frag.to_be_bytes());
            f[10] = 0;
            f[11] = 0;
            let c = crate::packet::csum_fold(crate::packet::csum_add(0, &f[..ihl]));
            f[10..12].copy_from_slice(&c.to_be_bytes());
            out.push(f);
            off += n;
        }
        out
    }

    #[test]
    fn fragments_come_back_whole_in_any_order() {
        let whole = IpPacket {
            ip: IpHdr {
                src: "192.168.0.1".parse().unwrap(),
                dst: "192.0.2.1".parse().unwrap(),
                proto: 6,
                ecn: 0,
                dscp: 0,
                ttl: 64,
                flow_label: 0,
            },
            payload: (0..3020u32).map(|i| i as u8).collect(),
        }
        .encode();
        let mut frags = v4_fragments(&whole, 1480);
        assert_eq!(frags.len(), 3);
        frags.swap(0, 2);
        let mut r = Reassembler::default();
        assert_eq!(r.push(frags[0].clone()), Ok(None));
        assert_eq!(r.push(frags[1].clone()), Ok(None));
        let got = r.push(frags[2].clone()).unwrap().unwrap();
        assert_eq!(got, whole);
        assert!(IpPacket::decode(&got).is_ok());
        // A packet that is not a fragment passes as it is.
        assert_eq!(r.push(whole.clone()), Ok(Some(whole.clone())));
        // An overlap is an error, and leaves nothing behind.
        let mut r = Reassembler::default();
        let frags = v4_fragments(&whole, 1480);
        let mut bad = frags[1].clone();
        bad[7] -= 1;
        bad[10] = 0;
        bad[11] = 0;
        let c = crate::packet::csum_fold(crate::packet::csum_add(0, &bad[..20]));
        bad[10..12].copy_from_slice(&c.to_be_bytes());
        r.push(frags[0].clone()).unwrap();
        r.push(bad).unwrap();
        assert!(r.push(frags[2].clone()).is_err());
        assert!(r.pending.is_empty());
        // Junk never panics.
        for n in 0..60 {
            let _ = Reassembler::default().push(vec![0x45; n]);
            let _ = Reassembler::default().push(vec![0x60; n]);
        }
    }
}
