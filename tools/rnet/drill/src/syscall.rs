// SPDX-License-Identifier: GPL-2.0
//! System call lines: their arguments turned into C values, the call, and
//! the checks of what it returned against what the script expects.
//!
//! A call is prepared on the runner's thread (`prepare`), which gives a
//! closure owning every buffer the call needs (it may run on a thread of
//! its own when the script marks it blocking) and a verifier that
//! compares the raw result with the script.

use crate::ast::{Expr, Syscall};
use crate::sys::{self, epoll_event, iovec, msghdr, pollfd};
use std::net::{IpAddr, SocketAddr};
use std::os::raw::c_int;

/// What a call returned: its value, errno (if it failed), and the bytes
/// of its out-parameters (layout known to the verifier).
#[derive(Debug, Default, Clone)]
pub struct Raw {
    pub ret: i64,
    pub errno: i32,
    pub out: Vec<u8>,
    pub out_len: usize,
    pub flags: i64,
    /// When the call returned (set by the runner around the call).
    pub at: Option<std::time::Instant>,
}

pub type CallFn = Box<dyn FnOnce() -> Raw + Send>;
pub type VerifyFn = Box<dyn FnOnce(&Raw) -> Result<(), String>>;

/// What the runner must do to its socket model around a call.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    None,
    /// socket(): a new socket under test with script fd N.
    NewSocket {
        script_fd: i64,
        proto: i32,
    },
    /// accept(): script fd N is the accepted child's.
    Accepted {
        script_fd: i64,
    },
    /// epoll_create() or another descriptor that is not a socket.
    NewFd {
        script_fd: i64,
    },
    Listen {
        live_fd: c_int,
    },
    Connect {
        live_fd: c_int,
    },
    /// close(): script fd N is gone.
    Close {
        script_fd: i64,
    },
}

/// The environment a call's arguments are resolved in.
pub trait Env {
    /// The live descriptor of script descriptor `fd`.
    fn live_fd(&self, fd: i64) -> Result<c_int, String>;
    /// The family of sockets this run makes (AF_INET or AF_INET6).
    fn domain(&self) -> c_int;
    /// The address `bind(fd, ..., ...)` binds to.
    fn bind_addr(&self) -> SocketAddr;
    /// The address `connect(fd, ..., ...)` connects to.
    fn connect_addr(&self) -> SocketAddr;
    /// A symbol's value (constants and -D definitions).
    fn symbol(&self, name: &str) -> Option<i64>;
}

/// Evaluates an integer expression.
pub fn int(env: &dyn Env, e: &Expr) -> Result<i64, String> {
    match e {
        Expr::Int(v) => Ok(*v),
        Expr::Symbol(s) => env.symbol(s).ok_or_else(|| format!("unknown symbol '{s}'")),
        Expr::BitOr(parts) => {
            let mut v = 0;
            for p in parts {
                v |= int(env, p)?;
            }
            Ok(v)
        }
        Expr::Call(f, args) if f == "htons" && args.len() == 1 => {
            Ok(i64::from((int(env, &args[0])? as u16).to_be()))
        }
        Expr::Call(f, args) if f == "htonl" && args.len() == 1 => {
            Ok(i64::from((int(env, &args[0])? as u32).to_be()))
        }
        _ => Err(format!("expected an integer, found {}", show(e))),
    }
}

/// A short rendering of an expression for messages.
pub fn show(e: &Expr) -> String {
    match e {
        Expr::Ellipsis => "...".into(),
        Expr::Int(v) => v.to_string(),
        Expr::Symbol(s) => s.clone(),
        Expr::BitOr(p) => p.iter().map(show).collect::<Vec<_>>().join("|"),
        Expr::Str(s) => format!("\"{s}\""),
        Expr::List(l) => format!("[{}]", l.iter().map(show).collect::<Vec<_>>().join(", ")),
        Expr::Struct(f) => format!(
            "{{{}}}",
            f.iter()
                .map(|(n, v)| match n {
                    Some(n) => format!("{n}={}", show(v)),
                    None => show(v),
                })
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Expr::Sized(a, b) => format!("({})={}", show(a), show(b)),
        Expr::Call(f, a) => format!("{f}({})", a.iter().map(show).collect::<Vec<_>>().join(", ")),
    }
}

fn is_ellipsis(e: &Expr) -> bool {
    matches!(e, Expr::Ellipsis)
}

/// A struct literal's field `name`, if written.
fn field<'a>(e: &'a Expr, name: &str) -> Option<&'a Expr> {
    match e {
        Expr::Struct(fields) => fields
            .iter()
            .find(|(n, _)| n.as_deref() == Some(name))
            .map(|(_, v)| v),
        _ => None,
    }
}

/// The bytes of a sockaddr for `a`.
pub(crate) fn sockaddr(a: &SocketAddr) -> Vec<u8> {
    match a {
        SocketAddr::V4(v) => {
            let mut b = vec![0u8; 16];
            b[0..2].copy_from_slice(&2u16.to_ne_bytes());
            b[2..4].copy_from_slice(&v.port().to_be_bytes());
            b[4..8].copy_from_slice(&v.ip().octets());
            b
        }
        SocketAddr::V6(v) => {
            let mut b = vec![0u8; 28];
            b[0..2].copy_from_slice(&10u16.to_ne_bytes());
            b[2..4].copy_from_slice(&v.port().to_be_bytes());
            b[8..24].copy_from_slice(&v.ip().octets());
            b
        }
    }
}

/// The sockaddr a `bind`/`connect`/`sendto` address argument stands for:
/// `...` is the runner's default, a struct literal is taken as written.
fn addr_arg(env: &dyn Env, e: &Expr, default: SocketAddr) -> Result<Vec<u8>, String> {
    if is_ellipsis(e) {
        return Ok(sockaddr(&default));
    }
    let fam = field(e, "sin_family")
        .or_else(|| field(e, "sin6_family"))
        .map(|f| int(env, f))
        .transpose()?;
    let port = field(e, "sin_port")
        .or_else(|| field(e, "sin6_port"))
        .map(|f| int(env, f))
        .transpose()?
        .map(|p| u16::from_be(p as u16))
        .unwrap_or(default.port());
    let ip = match field(e, "sin_addr").or_else(|| field(e, "sin6_addr")) {
        Some(Expr::Call(f, a)) if (f == "inet_addr" || f == "inet6_addr") && a.len() == 1 => {
            match &a[0] {
                Expr::Str(s) => s
                    .parse::<IpAddr>()
                    .map_err(|_| format!("bad address \"{s}\""))?,
                o => return Err(format!("bad address {}", show(o))),
            }
        }
        Some(o) => return Err(format!("unsupported address {}", show(o))),
        None => default.ip(),
    };
    let a = SocketAddr::new(ip, port);
    let mut b = sockaddr(&a);
    if let Some(f) = fam {
        b[0..2].copy_from_slice(&(f as u16).to_ne_bytes());
    }
    Ok(b)
}

/// The length argument of an address (`...` means the address's size).
fn len_arg(env: &dyn Env, e: &Expr, actual: usize) -> Result<usize, String> {
    if is_ellipsis(e) {
        Ok(actual)
    } else {
        Ok(int(env, e)? as usize)
    }
}

/// `len` zero bytes that live as long as the process: what the calls
/// that send data send. With MSG_ZEROCOPY the kernel keeps reading a
/// sender's pages after the call returned, so they may never be freed or
/// reused; nothing ever writes them.
fn zeros(len: usize) -> &'static [u8] {
    static ZEROS: std::sync::Mutex<Option<&'static [u8]>> = std::sync::Mutex::new(None);
    let mut z = ZEROS.lock().unwrap_or_else(|e| e.into_inner());
    match *z {
        Some(b) if b.len() >= len => &b[..len],
        _ => {
            // The one before stays leaked: the kernel may still read it.
            let b: &'static [u8] = Box::leak(vec![0u8; len.max(1 << 16)].into_boxed_slice());
            *z = Some(b);
            &b[..len]
        }
    }
}

fn errno_of(r: i64) -> i32 {
    if r < 0 {
        sys::errno()
    } else {
        0
    }
}

fn raw(ret: i64) -> Raw {
    Raw {
        ret,
        errno: errno_of(ret),
        ..Default::default()
    }
}

/// An option value for setsockopt: `[int]`, a string, `{l_onoff=,
/// l_linger=}`, or a list of ints (bytes of an int array).
fn optval(env: &dyn Env, e: &Expr) -> Result<Vec<u8>, String> {
    match e {
        Expr::List(items) if items.len() == 1 => match &items[0] {
            Expr::Str(s) => Ok(s.as_bytes().to_vec()),
            x => Ok((int(env, x)? as i32).to_ne_bytes().to_vec()),
        },
        Expr::List(items) => {
            let mut b = Vec::new();
            for i in items {
                b.extend_from_slice(&(int(env, i)? as i32).to_ne_bytes());
            }
            Ok(b)
        }
        Expr::Str(s) => Ok(s.as_bytes().to_vec()),
        Expr::Struct(_) if field(e, "l_onoff").is_some() => {
            let on = int(env, field(e, "l_onoff").unwrap_or(&Expr::Int(0)))? as i32;
            let l = int(env, field(e, "l_linger").unwrap_or(&Expr::Int(0)))? as i32;
            let mut b = on.to_ne_bytes().to_vec();
            b.extend_from_slice(&l.to_ne_bytes());
            Ok(b)
        }
        Expr::Int(_) | Expr::Symbol(_) | Expr::BitOr(_) => {
            Ok((int(env, e)? as i32).to_ne_bytes().to_vec())
        }
        _ => Err(format!("unsupported option value {}", show(e))),
    }
}

/// One cmsg a script expects from recvmsg, or gives sendmsg.
struct WantCmsg {
    level: i64,
    ty: i64,
    data: Expr,
    /// `cmsg_len`, when written (sendmsg: what is sent instead of 20).
    len: Option<i64>,
}

/// The control buffer of sendmsg's cmsgs, each an int (4 bytes, host
/// order) as `cmsg_data`, laid out as CMSG_SPACE() does on x86-64, its
/// `cmsg_len` CMSG_LEN(4) = 20 unless the script writes another.
fn send_cmsgs(env: &dyn Env, cms: &[WantCmsg]) -> Result<Vec<u8>, String> {
    let mut ctl = Vec::new();
    for c in cms {
        let v = int(env, &c.data)
            .map_err(|_| format!("sendmsg: cmsg_data must be an int, found {}", show(&c.data)))?;
        let v = i32::try_from(v)
            .or_else(|_| u32::try_from(v).map(|u| u as i32))
            .map_err(|_| format!("sendmsg: cmsg_data {v} is not 32 bits"))?;
        ctl.extend_from_slice(&(c.len.unwrap_or(20) as u64).to_ne_bytes());
        ctl.extend_from_slice(&(c.level as i32).to_ne_bytes());
        ctl.extend_from_slice(&(c.ty as i32).to_ne_bytes());
        ctl.extend_from_slice(&v.to_ne_bytes());
        ctl.extend_from_slice(&[0; 4]);
    }
    Ok(ctl)
}

/// The `msg_iov` of a msghdr literal: the lengths of its buffers.
fn iov_lens(env: &dyn Env, e: Option<&Expr>) -> Result<Vec<usize>, String> {
    let list = match e {
        None => return Ok(vec![]),
        Some(Expr::Sized(_, l)) => l.as_ref(),
        Some(l) => l,
    };
    let Expr::List(items) = list else {
        return Err(format!("msg_iov must be a list, found {}", show(list)));
    };
    let mut out = Vec::new();
    for it in items {
        // {..., 1000} or {iov_base=..., iov_len=1000}
        let len = match it {
            Expr::Struct(f) => {
                if let Some(l) = field(it, "iov_len") {
                    int(env, l)?
                } else if f.len() == 2 {
                    int(env, &f[1].1)?
                } else {
                    return Err(format!("bad iovec {}", show(it)));
                }
            }
            _ => return Err(format!("bad iovec {}", show(it))),
        };
        out.push(len as usize);
    }
    Ok(out)
}

fn want_cmsgs(env: &dyn Env, e: Option<&Expr>) -> Result<Option<Vec<WantCmsg>>, String> {
    let list = match e {
        None => return Ok(None),
        Some(Expr::Sized(_, l)) => l.as_ref(),
        Some(l) => l,
    };
    let Expr::List(items) = list else {
        return Err(format!("msg_control must be a list, found {}", show(list)));
    };
    let mut out = Vec::new();
    for it in items {
        let get = |n: &str| field(it, n).ok_or_else(|| format!("cmsg without {n}: {}", show(it)));
        out.push(WantCmsg {
            level: int(env, get("cmsg_level")?)?,
            ty: int(env, get("cmsg_type")?)?,
            data: get("cmsg_data")?.clone(),
            len: field(it, "cmsg_len").map(|e| int(env, e)).transpose()?,
        });
    }
    Ok(Some(out))
}

/// Compares the cmsgs recvmsg returned (the control buffer's first `len`
/// bytes) with the script's.
fn check_cmsgs(env: &dyn Env, want: &[WantCmsg], buf: &[u8]) -> Result<(), String> {
    let mut got = Vec::new();
    let mut off = 0;
    while off + 16 <= buf.len() {
        let len = usize::from_ne_bytes(buf[off..off + 8].try_into().unwrap_or([0; 8]));
        let level = i32::from_ne_bytes(buf[off + 8..off + 12].try_into().unwrap_or([0; 4]));
        let ty = i32::from_ne_bytes(buf[off + 12..off + 16].try_into().unwrap_or([0; 4]));
        if len < 16 || off + len > buf.len() {
            return Err(format!("recvmsg returned a cmsg of length {len}"));
        }
        got.push((
            i64::from(level),
            i64::from(ty),
            buf[off + 16..off + len].to_vec(),
        ));
        off += (len + 7) & !7;
    }
    if got.len() != want.len() {
        return Err(format!(
            "recvmsg: expected {} control messages, got {}",
            want.len(),
            got.len()
        ));
    }
    for (i, (w, (level, ty, data))) in want.iter().zip(&got).enumerate() {
        if w.level != *level || w.ty != *ty {
            return Err(format!(
                "recvmsg: control message {i}: expected level {} type {}, got level {level} type {ty}",
                w.level, w.ty
            ));
        }
        match &w.data {
            Expr::Struct(_) => {
                // struct sock_extended_err: u32 errno, u8 origin, type,
                // code, pad, u32 info, u32 data.
                if data.len() < 16 {
                    return Err(format!("recvmsg: extended error of {} bytes", data.len()));
                }
                let u32_at = |o: usize| {
                    i64::from(u32::from_ne_bytes(
                        data[o..o + 4].try_into().unwrap_or([0; 4]),
                    ))
                };
                let Expr::Struct(written) = &w.data else {
                    return Err("recvmsg: bad extended error literal".into());
                };
                const NAMES: [&str; 6] = [
                    "ee_errno",
                    "ee_origin",
                    "ee_type",
                    "ee_code",
                    "ee_info",
                    "ee_data",
                ];
                // All six, and nothing else, as packetdrill's grammar asks.
                for (n, _) in written {
                    match n.as_deref() {
                        Some(n) if NAMES.contains(&n) => {}
                        n => {
                            return Err(format!(
                                "recvmsg: unknown field {} in sock_extended_err",
                                n.unwrap_or("(unnamed)")
                            ))
                        }
                    }
                }
                let fields = [
                    ("ee_errno", u32_at(0)),
                    ("ee_origin", i64::from(data[4])),
                    ("ee_type", i64::from(data[5])),
                    ("ee_code", i64::from(data[6])),
                    ("ee_info", u32_at(8)),
                    ("ee_data", u32_at(12)),
                ];
                for (name, v) in fields {
                    let Some(x) = field(&w.data, name) else {
                        return Err(format!("recvmsg: sock_extended_err without {name}"));
                    };
                    let want = int(env, x)?;
                    if want != v {
                        return Err(format!(
                            "recvmsg: control message {i}: {name}: expected {want} got {v}"
                        ));
                    }
                }
            }
            e => {
                let want = int(env, e)?;
                let v = match data.len() {
                    4 => i64::from(i32::from_ne_bytes(data[..4].try_into().unwrap_or([0; 4]))),
                    8 => i64::from_ne_bytes(data[..8].try_into().unwrap_or([0; 8])),
                    n => return Err(format!("recvmsg: control message {i} of {n} bytes")),
                };
                if want != v {
                    return Err(format!(
                        "recvmsg: control message {i}: cmsg_data: expected {want} got {v}"
                    ));
                }
            }
        }
    }
    Ok(())
}

fn nargs(sc: &Syscall, n: usize) -> Result<(), String> {
    if sc.args.len() != n {
        return Err(format!(
            "{} takes {n} arguments here, the script gives {}",
            sc.name,
            sc.args.len()
        ));
    }
    Ok(())
}

/// A buffer for a data argument: `...` or a count.
fn buf_len(env: &dyn Env, count: &Expr) -> Result<usize, String> {
    let n = int(env, count)?;
    if !(0..=(64 << 20)).contains(&n) {
        return Err(format!("buffer size {n} out of range"));
    }
    Ok(n as usize)
}

/// Prepares `sc`: the call to make, what to check after, and the effect
/// on the runner's socket model.
pub fn prepare(env: &dyn Env, sc: &Syscall) -> Result<(CallFn, VerifyFn, Effect), String> {
    let a = &sc.args;
    let none: VerifyFn = Box::new(|_| Ok(()));
    let ret_fd = || int(env, &sc.ret.value).unwrap_or(-1);
    Ok(match sc.name.as_str() {
        "socket" => {
            nargs(sc, 3)?;
            let dom = if is_ellipsis(&a[0]) {
                env.domain()
            } else {
                int(env, &a[0])? as c_int
            };
            let ty = int(env, &a[1])? as c_int;
            let proto = int(env, &a[2])? as c_int;
            (
                Box::new(move || {
                    // SAFETY: plain integer arguments.
                    raw(i64::from(unsafe { sys::socket(dom, ty, proto) }))
                }),
                none,
                Effect::NewSocket {
                    script_fd: ret_fd(),
                    proto,
                },
            )
        }
        "bind" | "connect" => {
            nargs(sc, 3)?;
            let fd = env.live_fd(int(env, &a[0])?)?;
            let default = if sc.name == "bind" {
                env.bind_addr()
            } else {
                env.connect_addr()
            };
            let sa = addr_arg(env, &a[1], default)?;
            let len = len_arg(env, &a[2], sa.len())?.min(sa.len());
            let is_bind = sc.name == "bind";
            (
                Box::new(move || {
                    // SAFETY: sa lives for the call and holds len bytes.
                    let r = unsafe {
                        if is_bind {
                            sys::bind(fd, sa.as_ptr().cast(), len as u32)
                        } else {
                            sys::connect(fd, sa.as_ptr().cast(), len as u32)
                        }
                    };
                    raw(i64::from(r))
                }),
                none,
                if is_bind {
                    Effect::None
                } else {
                    Effect::Connect { live_fd: fd }
                },
            )
        }
        "listen" => {
            nargs(sc, 2)?;
            let fd = env.live_fd(int(env, &a[0])?)?;
            let backlog = int(env, &a[1])? as c_int;
            (
                // SAFETY: plain integer arguments.
                Box::new(move || raw(i64::from(unsafe { sys::listen(fd, backlog) }))),
                none,
                Effect::Listen { live_fd: fd },
            )
        }
        "accept" => {
            nargs(sc, 3)?;
            let fd = env.live_fd(int(env, &a[0])?)?;
            (
                Box::new(move || {
                    let mut sa = [0u8; 128];
                    let mut len: u32 = 128;
                    // SAFETY: sa has len bytes of room.
                    let r = unsafe { sys::accept(fd, sa.as_mut_ptr().cast(), &mut len) };
                    raw(i64::from(r))
                }),
                none,
                Effect::Accepted {
                    script_fd: ret_fd(),
                },
            )
        }
        "close" => {
            nargs(sc, 1)?;
            let sfd = int(env, &a[0])?;
            let fd = env.live_fd(sfd)?;
            (
                // SAFETY: closing a descriptor of the script's.
                Box::new(move || raw(i64::from(unsafe { sys::close(fd) }))),
                none,
                Effect::Close { script_fd: sfd },
            )
        }
        "shutdown" => {
            nargs(sc, 2)?;
            let fd = env.live_fd(int(env, &a[0])?)?;
            let how = int(env, &a[1])? as c_int;
            (
                // SAFETY: plain integer arguments.
                Box::new(move || raw(i64::from(unsafe { sys::shutdown(fd, how) }))),
                none,
                Effect::None,
            )
        }
        "read" | "write" | "recv" | "send" | "recvfrom" | "sendto" => {
            let n = match sc.name.as_str() {
                "read" | "write" => 3,
                "recv" | "send" => 4,
                _ => 6,
            };
            nargs(sc, n)?;
            let fd = env.live_fd(int(env, &a[0])?)?;
            let len = buf_len(env, &a[2])?;
            let null = matches!(a[1], Expr::Int(0));
            let flags = if n >= 4 { int(env, &a[3])? as c_int } else { 0 };
            // sendto's `...` address is the script's remote end, as for
            // connect (MSG_FASTOPEN connects with it).
            let to = if sc.name == "sendto" {
                let sa = addr_arg(env, &a[4], env.connect_addr())?;
                let l = len_arg(env, &a[5], sa.len())?.min(sa.len());
                Some(sa[..l].to_vec())
            } else {
                None
            };
            let fastopen = flags & 0x2000_0000 != 0;
            let name = sc.name.clone();
            (
                Box::new(move || {
                    let reads = matches!(name.as_str(), "read" | "recv" | "recvfrom");
                    let mut buf = vec![0u8; if reads { len } else { 0 }];
                    let p: *mut std::os::raw::c_void = if null {
                        std::ptr::null_mut()
                    } else if reads {
                        buf.as_mut_ptr().cast()
                    } else {
                        zeros(len).as_ptr().cast_mut().cast()
                    };
                    // SAFETY: p has len bytes (or the script asked for
                    // NULL): buf for the calls that write it, the zeros,
                    // which nothing writes, for those that read it;
                    // addresses live for the call.
                    let r = unsafe {
                        match name.as_str() {
                            "read" => sys::read(fd, p, len),
                            "write" => sys::write(fd, p, len),
                            "recv" | "recvfrom" => sys::recv(fd, p, len, flags),
                            "send" => sys::send(fd, p, len, flags),
                            _ => match &to {
                                Some(sa) => sys::sendto(
                                    fd,
                                    p,
                                    len,
                                    flags,
                                    sa.as_ptr().cast(),
                                    sa.len() as u32,
                                ),
                                None => sys::send(fd, p, len, flags),
                            },
                        }
                    };
                    raw(r as i64)
                }),
                none,
                if fastopen {
                    Effect::Connect { live_fd: fd }
                } else {
                    Effect::None
                },
            )
        }
        "sendmsg" | "recvmsg" => {
            nargs(sc, 3)?;
            let fd = env.live_fd(int(env, &a[0])?)?;
            let m = &a[1];
            if !matches!(m, Expr::Struct(_)) {
                return Err(format!("{}: expected a msghdr literal", sc.name));
            }
            let lens = iov_lens(env, field(m, "msg_iov"))?;
            let flags = int(env, &a[2])? as c_int;
            let want_flags = match field(m, "msg_flags") {
                Some(e) => int(env, e)?,
                None => return Err(format!("{}: the msghdr needs msg_flags", sc.name)),
            };

            let want_cm = want_cmsgs(env, field(m, "msg_control"))?;
            let recv = sc.name == "recvmsg";
            if !recv && want_flags != 0 {
                return Err("sendmsg: msg_flags must be 0".into());
            }
            let send_ctl = match (&want_cm, recv) {
                (Some(c), false) => send_cmsgs(env, c)?,
                _ => Vec::new(),
            };
            let sock_env = EnvSnapshot::of(env);
            (
                Box::new(move || {
                    let mut bufs: Vec<Vec<u8>> = lens
                        .iter()
                        .map(|l| vec![0u8; if recv { *l } else { 0 }])
                        .collect();
                    let mut iov: Vec<iovec> = bufs
                        .iter_mut()
                        .zip(&lens)
                        .map(|(b, l)| iovec {
                            // sendmsg only reads: the zeros.
                            iov_base: if recv {
                                b.as_mut_ptr().cast()
                            } else {
                                zeros(*l).as_ptr().cast_mut().cast()
                            },
                            iov_len: *l,
                        })
                        .collect();
                    let mut ctl = if recv { vec![0u8; 512] } else { send_ctl };
                    let mut name = [0u8; 128];
                    let mut mh = msghdr {
                        msg_name: if recv {
                            name.as_mut_ptr().cast()
                        } else {
                            std::ptr::null_mut()
                        },
                        msg_namelen: if recv { 128 } else { 0 },
                        msg_iov: iov.as_mut_ptr(),
                        msg_iovlen: iov.len(),
                        msg_control: if ctl.is_empty() {
                            std::ptr::null_mut()
                        } else {
                            ctl.as_mut_ptr().cast()
                        },
                        msg_controllen: ctl.len(),
                        msg_flags: 0,
                    };
                    // SAFETY: every pointer in mh refers to a buffer that
                    // lives until the call returns, with the lengths given.
                    let r = unsafe {
                        if recv {
                            sys::recvmsg(fd, &mut mh, flags)
                        } else {
                            sys::sendmsg(fd, &mh, flags)
                        }
                    };
                    let mut out = raw(r as i64);
                    out.flags = i64::from(mh.msg_flags);
                    out.out_len = mh.msg_controllen.min(ctl.len());
                    out.out = ctl;
                    out
                }),
                Box::new(move |r: &Raw| {
                    if !recv || r.ret < 0 {
                        return Ok(());
                    }
                    if want_flags != r.flags {
                        return Err(format!(
                            "recvmsg: expected msg_flags {want_flags:#x}, got {:#x}",
                            r.flags
                        ));
                    }
                    let want = want_cm.unwrap_or_default();
                    check_cmsgs(&sock_env, &want, &r.out[..r.out_len])
                }),
                Effect::None,
            )
        }
        "setsockopt" => {
            nargs(sc, 5)?;
            let fd = env.live_fd(int(env, &a[0])?)?;
            let level = int(env, &a[1])? as c_int;
            let name = int(env, &a[2])? as c_int;
            let val = optval(env, &a[3])?;
            let len = if is_ellipsis(&a[4]) {
                val.len()
            } else {
                int(env, &a[4])? as usize
            };
            let mut val = val;
            if val.len() < len {
                val.resize(len, 0);
            }
            (
                Box::new(move || {
                    // SAFETY: val holds at least len bytes.
                    raw(i64::from(unsafe {
                        sys::setsockopt(fd, level, name, val.as_ptr().cast(), len as u32)
                    }))
                }),
                none,
                Effect::None,
            )
        }
        "getsockopt" => {
            nargs(sc, 5)?;
            let fd = env.live_fd(int(env, &a[0])?)?;
            let level = int(env, &a[1])? as c_int;
            let name = int(env, &a[2])? as c_int;
            let want_val = a[3].clone();
            let want_len = match &a[4] {
                Expr::List(l) if l.len() == 1 => Some(int(env, &l[0])?),
                Expr::Ellipsis => None,
                e => Some(int(env, e)?),
            };
            let cap = want_len.unwrap_or(256).clamp(0, 4096) as usize;
            let snap = EnvSnapshot::of(env);
            (
                Box::new(move || {
                    let mut buf = vec![0u8; cap.max(4)];
                    let mut len = cap as u32;
                    // SAFETY: buf has room for len bytes.
                    let r = unsafe {
                        sys::getsockopt(fd, level, name, buf.as_mut_ptr().cast(), &mut len)
                    };
                    let mut out = raw(i64::from(r));
                    out.out_len = len as usize;
                    out.out = buf;
                    out
                }),
                Box::new(move |r: &Raw| {
                    if r.ret < 0 {
                        return Ok(());
                    }
                    if let Some(l) = want_len {
                        if l as usize != r.out_len {
                            return Err(format!(
                                "getsockopt: expected optlen {l}, got {}",
                                r.out_len
                            ));
                        }
                    }
                    match &want_val {
                        Expr::Ellipsis => Ok(()),
                        Expr::List(l) if l.len() == 1 && !matches!(l[0], Expr::Str(_)) => {
                            if is_ellipsis(&l[0]) {
                                return Ok(());
                            }
                            let want = int(&snap, &l[0])?;
                            if r.out_len != 4 {
                                return Err(format!(
                                    "getsockopt: [int] expected, optlen is {}",
                                    r.out_len
                                ));
                            }
                            let got = i64::from(i32::from_ne_bytes(
                                r.out[..4].try_into().unwrap_or([0; 4]),
                            ));
                            if want != got {
                                return Err(format!(
                                    "getsockopt: expected value {want}, got {got}"
                                ));
                            }
                            Ok(())
                        }
                        Expr::List(l) if l.len() == 1 => {
                            let Expr::Str(s) = &l[0] else { return Ok(()) };
                            let got = &r.out[..r.out_len.min(r.out.len())];
                            let got = got.split(|b| *b == 0).next().unwrap_or(&[]);
                            if got != s.as_bytes() {
                                return Err(format!(
                                    "getsockopt: expected \"{s}\", got \"{}\"",
                                    String::from_utf8_lossy(got)
                                ));
                            }
                            Ok(())
                        }
                        e => Err(format!("getsockopt: unsupported value {}", show(e))),
                    }
                }),
                Effect::None,
            )
        }
        "fcntl" => {
            if a.len() != 2 && a.len() != 3 {
                return Err("fcntl takes 2 or 3 arguments".into());
            }
            let fd = env.live_fd(int(env, &a[0])?)?;
            let cmd = int(env, &a[1])? as c_int;
            let arg = if a.len() == 3 {
                int(env, &a[2])? as c_int
            } else {
                0
            };
            (
                // SAFETY: fcntl with an integer argument.
                Box::new(move || raw(i64::from(unsafe { sys::fcntl(fd, cmd, arg) }))),
                none,
                Effect::None,
            )
        }
        "ioctl" => {
            nargs(sc, 3)?;
            let fd = env.live_fd(int(env, &a[0])?)?;
            let req = int(env, &a[1])? as u64;
            // Only requests that write one int: anything else could write
            // past it.
            if ![0x541b, 0x5411, 0x894b].contains(&req) {
                return Err(format!(
                    "ioctl request {req:#x} is not supported (SIOCINQ, SIOCOUTQ, SIOCOUTQNSD, FIONREAD are)"
                ));
            }
            let want = match &a[2] {
                Expr::List(l) if l.len() == 1 => {
                    if is_ellipsis(&l[0]) {
                        None
                    } else {
                        Some(int(env, &l[0])?)
                    }
                }
                e => return Err(format!("ioctl: expected [int], found {}", show(e))),
            };
            (
                Box::new(move || {
                    let mut v: c_int = 0;
                    // SAFETY: the requests scripts use write one int.
                    let r = unsafe { sys::ioctl(fd, req, &mut v as *mut c_int) };
                    let mut out = raw(i64::from(r));
                    out.flags = i64::from(v);
                    out
                }),
                Box::new(move |r: &Raw| match want {
                    Some(w) if r.ret >= 0 && w != r.flags => {
                        Err(format!("ioctl: expected [{w}], got [{}]", r.flags))
                    }
                    _ => Ok(()),
                }),
                Effect::None,
            )
        }
        "poll" => {
            nargs(sc, 3)?;
            let Expr::List(items) = &a[0] else {
                return Err("poll: expected a list of pollfd".into());
            };
            let mut fds = Vec::new();
            let mut want = Vec::new();
            for it in items {
                let f = field(it, "fd").ok_or("pollfd without fd")?;
                fds.push(pollfd {
                    fd: env.live_fd(int(env, f)?)?,
                    events: field(it, "events")
                        .map(|e| int(env, e))
                        .transpose()?
                        .unwrap_or(0) as i16,
                    revents: 0,
                });
                want.push(
                    field(it, "revents")
                        .map(|e| int(env, e))
                        .transpose()?
                        .unwrap_or(0),
                );
            }
            let timeout = int(env, &a[2])? as c_int;
            (
                Box::new(move || {
                    let mut fds = fds;
                    // SAFETY: fds is a valid array of its length.
                    let r = unsafe { sys::poll(fds.as_mut_ptr(), fds.len() as u64, timeout) };
                    let mut out = raw(i64::from(r));
                    out.out = fds.iter().flat_map(|p| p.revents.to_ne_bytes()).collect();
                    out
                }),
                Box::new(move |r: &Raw| {
                    if r.ret < 0 {
                        return Ok(());
                    }
                    for (i, w) in want.iter().enumerate() {
                        let got = i64::from(i16::from_ne_bytes([r.out[2 * i], r.out[2 * i + 1]]));
                        if *w != got {
                            return Err(format!(
                                "poll: pollfd {i}: expected revents {w:#x}, got {got:#x}"
                            ));
                        }
                    }
                    Ok(())
                }),
                Effect::None,
            )
        }
        "epoll_create" | "epoll_create1" => {
            nargs(sc, 1)?;
            let n = int(env, &a[0])? as c_int;
            (
                // SAFETY: plain integer argument.
                Box::new(move || raw(i64::from(unsafe { sys::epoll_create(n.max(1)) }))),
                none,
                Effect::NewFd {
                    script_fd: ret_fd(),
                },
            )
        }
        "epoll_ctl" => {
            nargs(sc, 4)?;
            let ep = env.live_fd(int(env, &a[0])?)?;
            let op = int(env, &a[1])? as c_int;
            let fd = env.live_fd(int(env, &a[2])?)?;
            let events = field(&a[3], "events")
                .map(|e| int(env, e))
                .transpose()?
                .unwrap_or(0);
            // The data the script will expect back: its fd or ptr.
            let data = match (field(&a[3], "fd"), field(&a[3], "ptr"), field(&a[3], "u64")) {
                (Some(f), _, _) => int(env, f)?,
                (_, Some(p), _) | (_, _, Some(p)) => int(env, p)?,
                _ => 0,
            };
            (
                Box::new(move || {
                    let mut ev = epoll_event {
                        events: events as u32,
                        data: data as u64,
                    };
                    // SAFETY: ev is valid for the call.
                    raw(i64::from(unsafe { sys::epoll_ctl(ep, op, fd, &mut ev) }))
                }),
                none,
                Effect::None,
            )
        }
        "epoll_wait" => {
            nargs(sc, 4)?;
            let ep = env.live_fd(int(env, &a[0])?)?;
            let max = int(env, &a[2])?.clamp(1, 64) as c_int;
            let timeout = int(env, &a[3])? as c_int;
            let want_ev = field(&a[1], "events").map(|e| int(env, e)).transpose()?;
            let want_data = match (field(&a[1], "fd"), field(&a[1], "ptr"), field(&a[1], "u64")) {
                (Some(f), _, _) | (_, Some(f), _) | (_, _, Some(f)) => Some(int(env, f)?),
                _ => None,
            };
            (
                Box::new(move || {
                    let mut evs = vec![epoll_event::default(); max as usize];
                    // SAFETY: evs has room for max events.
                    let r = unsafe { sys::epoll_wait(ep, evs.as_mut_ptr(), max, timeout) };
                    let mut out = raw(i64::from(r));
                    let first = evs[0];
                    let (e, d) = (first.events, first.data);
                    out.flags = i64::from(e);
                    out.out = d.to_ne_bytes().to_vec();
                    out
                }),
                Box::new(move |r: &Raw| {
                    if r.ret <= 0 {
                        return Ok(());
                    }
                    if let Some(w) = want_ev {
                        if w & 0xffff_ffff != r.flags {
                            return Err(format!(
                                "epoll_wait: expected events {w:#x}, got {:#x}",
                                r.flags
                            ));
                        }
                    }
                    if let Some(w) = want_data {
                        let got = i64::from_ne_bytes(r.out[..8].try_into().unwrap_or([0; 8]));
                        if w != got {
                            return Err(format!("epoll_wait: expected data {w}, got {got}"));
                        }
                    }
                    Ok(())
                }),
                Effect::None,
            )
        }
        other => return Err(format!("system call {other}() is not supported")),
    })
}

/// The symbols an Env knows, copied so that a verifier can outlive the
/// borrow of the runner.
pub struct EnvSnapshot {
    defines: Vec<(String, i64)>,
    domain: c_int,
}

impl EnvSnapshot {
    fn of(env: &dyn Env) -> Self {
        let defines = ["CMSG_LEVEL_IP", "CMSG_TYPE_RECVERR"]
            .iter()
            .filter_map(|n| env.symbol(n).map(|v| (n.to_string(), v)))
            .collect();
        EnvSnapshot {
            defines,
            domain: env.domain(),
        }
    }
}

impl Env for EnvSnapshot {
    fn live_fd(&self, _fd: i64) -> Result<c_int, String> {
        Err("no descriptors here".into())
    }
    fn domain(&self) -> c_int {
        self.domain
    }
    fn bind_addr(&self) -> SocketAddr {
        SocketAddr::from(([0, 0, 0, 0], 0))
    }
    fn connect_addr(&self) -> SocketAddr {
        SocketAddr::from(([0, 0, 0, 0], 0))
    }
    fn symbol(&self, name: &str) -> Option<i64> {
        self.defines
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| *v)
            .or_else(|| sys::symbol(name))
    }
}
