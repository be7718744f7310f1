// SPDX-License-Identifier: GPL-2.0
//! The local-mode network: a tun device that the kernel under test routes
//! the script's remote address to, so that every packet the kernel sends
//! there is read by the runner and every packet the runner writes is
//! received by the kernel as if it came from the remote host. Frames in
//! both directions start with a 10-byte virtio-net header (IFF_VNET_HDR).

use crate::sys;
use crate::wire::SockaddrLl;
use std::io;
use std::os::raw::{c_int, c_ulong};
use std::process::Command;
use std::time::Duration;

const TUNSETIFF: c_ulong = 0x400454ca;
const IFF_TUN: i16 = 0x0001;
const IFF_NO_PI: i16 = 0x1000;
const IFF_VNET_HDR: i16 = 0x4000;
const TUNSETOFFLOAD: c_ulong = 0x400454d0;
/// Checksum offload and TSO for IPv4, IPv6 and with ECN: the kernel
/// hands whole TSO segments to the device, as packetdrill's scripts
/// expect (`> P. 1:10001(10000)` with an MSS of 1000).
const TUN_OFFLOADS: c_ulong = 0x1 | 0x2 | 0x4 | 0x8;
const O_RDWR: c_int = 2;
const O_CLOEXEC: c_int = 0o2000000;
const SOCK_CLOEXEC: c_int = 0o2000000;

/// An open tun device. Closing the descriptor (on drop) deletes it.
pub struct Tun {
    fd: c_int,
    pub name: String,
}

#[repr(C)]
struct IfReq {
    name: [u8; 16],
    flags: i16,
    pad: [u8; 22],
}

/// Runs a configuration command, failing with its output.
pub fn run_cmd(args: &[&str]) -> io::Result<()> {
    let out = Command::new(args[0]).args(&args[1..]).output()?;
    if out.status.success() {
        Ok(())
    } else {
        Err(io::Error::other(format!(
            "'{}' failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        )))
    }
}

impl Tun {
    /// Creates tun device `name` (IFF_TUN, no packet information header, a
    /// virtio-net header, checksum and segmentation offloads on).
    pub fn create(name: &str) -> io::Result<Tun> {
        if name.len() >= 16 {
            return Err(io::Error::other(format!("interface name too long: {name}")));
        }
        // SAFETY: a NUL-terminated path; open has no other requirement.
        let fd = unsafe { sys::open(c"/dev/net/tun".as_ptr(), O_RDWR | O_CLOEXEC) };
        if fd < 0 {
            let e = io::Error::last_os_error();
            return Err(io::Error::other(format!("open /dev/net/tun: {e}")));
        }
        let mut req = IfReq {
            name: [0; 16],
            flags: IFF_TUN | IFF_NO_PI | IFF_VNET_HDR,
            pad: [0; 22],
        };
        req.name[..name.len()].copy_from_slice(name.as_bytes());
        // SAFETY: TUNSETIFF reads and writes a struct ifreq, which IfReq
        // lays out (16-byte name, then the flags in a 24-byte union).
        if unsafe { sys::ioctl(fd, TUNSETIFF, &mut req as *mut IfReq) } < 0 {
            let e = io::Error::last_os_error();
            // SAFETY: fd was opened above and is closed once.
            unsafe { sys::close(fd) };
            return Err(io::Error::other(format!("TUNSETIFF {name}: {e}")));
        }
        // SAFETY: TUNSETOFFLOAD takes its flags by value.
        if unsafe { sys::ioctl(fd, TUNSETOFFLOAD, TUN_OFFLOADS) } < 0 {
            let e = io::Error::last_os_error();
            // SAFETY: fd was opened above and is closed once.
            unsafe { sys::close(fd) };
            return Err(io::Error::other(format!("TUNSETOFFLOAD {name}: {e}")));
        }
        Ok(Tun {
            fd,
            name: name.to_string(),
        })
    }

    /// Reads one frame, waiting at most `timeout`; None if none came.
    pub fn recv(&self, timeout: Duration) -> io::Result<Option<Vec<u8>>> {
        let mut p = sys::pollfd {
            fd: self.fd,
            events: 1,
            revents: 0,
        };
        let ms = timeout.as_millis().min(i32::MAX as u128) as i32;
        // SAFETY: one valid pollfd.
        let n = unsafe { sys::poll(&mut p, 1, ms) };
        if n < 0 {
            let e = io::Error::last_os_error();
            if e.kind() == io::ErrorKind::Interrupted {
                return Ok(None);
            }
            return Err(e);
        }
        if n == 0 {
            return Ok(None);
        }
        let mut buf = vec![0u8; 65536 + 64];
        // SAFETY: buf is writable for its whole length.
        let r = unsafe { sys::read(self.fd, buf.as_mut_ptr().cast(), buf.len()) };
        if r < 0 {
            return Err(io::Error::last_os_error());
        }
        buf.truncate(r as usize);
        Ok(Some(buf))
    }

    /// Writes one frame: the kernel receives it on the tun device.
    pub fn send(&self, frame: &[u8]) -> io::Result<()> {
        // SAFETY: frame is readable for its whole length.
        let r = unsafe { sys::write(self.fd, frame.as_ptr().cast(), frame.len()) };
        if r < 0 {
            return Err(io::Error::last_os_error());
        }
        if r as usize != frame.len() {
            return Err(io::Error::other(format!(
                "short tun write: {r} of {}",
                frame.len()
            )));
        }
        Ok(())
    }
}

impl Drop for Tun {
    fn drop(&mut self) {
        // SAFETY: the descriptor is this object's and is closed once.
        unsafe { sys::close(self.fd) };
    }
}

const AF_PACKET: c_int = 17;
const SOCK_DGRAM: c_int = 2;
const ETH_P_ALL: u16 = 0x0003;
const SOL_SOCKET: c_int = 1;
const SO_TIMESTAMPNS: c_int = 35;
const SO_RCVBUFFORCE: c_int = 33;
const SOL_PACKET: c_int = 263;
const PACKET_AUXDATA: c_int = 8;
const PACKET_OUTGOING: u8 = 4;
const PACKET_HOST: u8 = 0;
const TP_STATUS_CSUMNOTREADY: u32 = 8;

/// One packet the kernel sent through the device.
pub struct Sent {
    /// When the kernel handed it to the device (its receive timestamp on
    /// a packet socket), on CLOCK_REALTIME.
    pub stamp: std::time::SystemTime,
    /// The IP packet.
    pub frame: Vec<u8>,
    /// Its transport checksum is left for the device to finish.
    pub partial: bool,
}

/// A packet socket on the tun device that sees what the kernel sends,
/// with the kernel's time stamps (as packetdrill's sniffer: the runner's
/// own scheduling delays do not move a packet's time).
pub struct Sniffer {
    fd: c_int,
    /// Wire mode: the socket is on the peer NIC, and what the kernel under
    /// test sent is what that NIC received for its own address (an IP
    /// packet); else what the kernel sent out of the tun device.
    wire: bool,
    /// Wire mode: fragments waiting for the rest of their datagram.
    reasm: crate::wire::Reassembler,
    /// Wire mode: the MAC address frames must come from (the NIC under
    /// test's), and the largest IP packet the path takes.
    source: Option<[u8; 6]>,
    path_mtu: usize,
}

impl Sniffer {
    /// Opens the packet socket on interface `name`: the tun device, or
    /// in wire mode (`wire`) the peer NIC.
    pub fn open(name: &str, wire: bool) -> io::Result<Sniffer> {
        let ifindex = crate::wire::ifindex(name)?;
        // SAFETY: plain integer arguments.
        let fd = unsafe {
            sys::socket(
                AF_PACKET,
                SOCK_DGRAM | SOCK_CLOEXEC,
                c_int::from(ETH_P_ALL.to_be()),
            )
        };
        if fd < 0 {
            return Err(io::Error::other(format!(
                "packet socket: {}",
                io::Error::last_os_error()
            )));
        }
        let s = Sniffer {
            fd,
            wire,
            reasm: Default::default(),
            source: None,
            path_mtu: 65535,
        };
        let sll = SockaddrLl {
            family: AF_PACKET as u16,
            protocol: ETH_P_ALL.to_be(),
            ifindex,
            hatype: 0,
            pkttype: 0,
            halen: 0,
            addr: [0; 8],
        };
        let one: c_int = 1;
        let rcvbuf: c_int = 4 << 20;
        // SAFETY: sll, one and rcvbuf are valid for the calls, with their
        // sizes.
        let bad = unsafe {
            sys::bind(
                fd,
                (&sll as *const SockaddrLl).cast(),
                std::mem::size_of::<SockaddrLl>() as u32,
            ) < 0
                || sys::setsockopt(
                    fd,
                    SOL_SOCKET,
                    SO_TIMESTAMPNS,
                    (&one as *const c_int).cast(),
                    4,
                ) < 0
                || sys::setsockopt(
                    fd,
                    SOL_PACKET,
                    PACKET_AUXDATA,
                    (&one as *const c_int).cast(),
                    4,
                ) < 0
                // Room for what a script's waits let pile up (whole TSO
                // segments): packetdrill asks for 2 MB.
                || sys::setsockopt(
                    fd,
                    SOL_SOCKET,
                    SO_RCVBUFFORCE,
                    (&rcvbuf as *const c_int).cast(),
                    4,
                ) < 0
        };
        if bad {
            return Err(io::Error::other(format!(
                "packet socket on {name}: {}",
                io::Error::last_os_error()
            )));
        }
        Ok(s)
    }

    /// The descriptor, for poll.
    pub fn fd(&self) -> c_int {
        self.fd
    }

    /// Wire mode: frames must come from `mac`, and none may be larger
    /// than `mtu`.
    pub fn expect_source(&mut self, mac: [u8; 6], mtu: usize) {
        self.source = Some(mac);
        self.path_mtu = mtu;
    }

    /// Wire mode: the path takes IP packets of `mtu` bytes at most from
    /// now on (the runner sent an ICMP error saying so).
    pub fn lower_path_mtu(&mut self, mtu: usize) {
        self.path_mtu = self.path_mtu.min(mtu);
    }

    /// Whether a packet waits to be read (without waiting for one).
    pub fn readable(&self) -> bool {
        let mut p = sys::pollfd {
            fd: self.fd,
            events: 1,
            revents: 0,
        };
        // SAFETY: one valid pollfd.
        unsafe { sys::poll(&mut p, 1, 0) > 0 && p.revents & 1 != 0 }
    }

    /// Reads one packet (the socket must be readable); None for a packet
    /// the kernel did not send (one the runner injected, or in wire mode
    /// any frame not sent to the peer NIC's address or not IP).
    pub fn read(&mut self) -> io::Result<Option<Sent>> {
        let mut buf = vec![0u8; 65536 + 64];
        let mut ctl = [0u8; 256];
        let mut from = [0u8; 32];
        let mut iov = sys::iovec {
            iov_base: buf.as_mut_ptr().cast(),
            iov_len: buf.len(),
        };
        let mut mh = sys::msghdr {
            msg_name: from.as_mut_ptr().cast(),
            msg_namelen: from.len() as u32,
            msg_iov: &mut iov,
            msg_iovlen: 1,
            msg_control: ctl.as_mut_ptr().cast(),
            msg_controllen: ctl.len(),
            msg_flags: 0,
        };
        // SAFETY: every pointer in mh refers to a live buffer of the
        // length given.
        let n = unsafe { sys::recvmsg(self.fd, &mut mh, 0) };
        if n < 0 {
            return Err(io::Error::last_os_error());
        }
        // sockaddr_ll: the protocol is bytes 2-3, the packet type byte 10.
        if self.wire {
            let proto = u16::from_be_bytes([from[2], from[3]]);
            if from[10] != PACKET_HOST
                || !(proto == crate::wire::ETH_P_IP || proto == crate::wire::ETH_P_IPV6)
            {
                return Ok(None);
            }
        } else if from[10] != PACKET_OUTGOING {
            return Ok(None);
        }
        buf.truncate(n as usize);
        let mut stamp = None;
        let mut partial = false;
        let mut off = 0;
        let clen = mh.msg_controllen.min(ctl.len());
        while off + 16 <= clen {
            let len = usize::from_ne_bytes(ctl[off..off + 8].try_into().unwrap_or([0; 8]));
            let level = i32::from_ne_bytes(ctl[off + 8..off + 12].try_into().unwrap_or([0; 4]));
            let ty = i32::from_ne_bytes(ctl[off + 12..off + 16].try_into().unwrap_or([0; 4]));
            if len < 16 || off + len > clen {
                break;
            }
            let d = &ctl[off + 16..off + len];
            if level == SOL_SOCKET && ty == SO_TIMESTAMPNS && d.len() >= 16 {
                let sec = i64::from_ne_bytes(d[0..8].try_into().unwrap_or([0; 8]));
                let nsec = i64::from_ne_bytes(d[8..16].try_into().unwrap_or([0; 8]));
                stamp = Some(
                    std::time::UNIX_EPOCH
                        + Duration::from_secs(sec.max(0) as u64)
                        + Duration::from_nanos(nsec.clamp(0, 999_999_999) as u64),
                );
            } else if level == SOL_PACKET && ty == PACKET_AUXDATA && d.len() >= 4 {
                let status = u32::from_ne_bytes(d[0..4].try_into().unwrap_or([0; 4]));
                partial = status & TP_STATUS_CSUMNOTREADY != 0;
            }
            off += (len + 7) & !7;
        }
        if self.wire {
            // The frame as the NIC under test sent it: from its address,
            // the IP packet and nothing after it (but the padding of a
            // short frame), no larger than the path takes.
            if let Some(mac) = self.source {
                if from[12..18] != mac {
                    return Ok(None);
                }
            }
            let ip_len = crate::wire::ip_len(&buf).unwrap_or(buf.len());
            crate::wire::check_tail(&buf, ip_len)
                .map_err(|e| io::Error::other(format!("{e} on the wire")))?;
            if ip_len > self.path_mtu {
                return Err(io::Error::other(format!(
                    "a frame of {ip_len} bytes on the wire, above the path MTU {}",
                    self.path_mtu
                )));
            }
            buf.truncate(ip_len);
            partial = false;
            buf = match self.reasm.push(buf) {
                Ok(Some(b)) => b,
                Ok(None) => return Ok(None),
                Err(e) => return Err(io::Error::other(e)),
            };
        }
        Ok(Some(Sent {
            stamp: stamp.unwrap_or_else(std::time::SystemTime::now),
            frame: buf,
            partial,
        }))
    }
}

impl Drop for Sniffer {
    fn drop(&mut self) {
        // SAFETY: the descriptor is this object's and is closed once.
        unsafe { sys::close(self.fd) };
    }
}

impl Tun {
    /// The device's descriptor, for poll.
    pub fn fd(&self) -> c_int {
        self.fd
    }

    /// Reads and drops one frame (what the sniffer already saw).
    pub fn drain(&self) {
        let mut buf = vec![0u8; 65536 + 64];
        // SAFETY: buf is writable for its whole length.
        unsafe { sys::read(self.fd, buf.as_mut_ptr().cast(), buf.len()) };
    }
}
