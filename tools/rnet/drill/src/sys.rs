// SPDX-License-Identifier: GPL-2.0
//! The C library calls the runner makes for a script (Linux, x86-64), and
//! the names of the constants scripts write.

#![allow(non_camel_case_types)]

use std::os::raw::{c_int, c_long, c_uint, c_ulong, c_void};

pub type socklen_t = c_uint;
pub type size_t = usize;
pub type ssize_t = isize;

#[repr(C)]
#[derive(Clone, Copy)]
pub struct iovec {
    pub iov_base: *mut c_void,
    pub iov_len: size_t,
}

#[repr(C)]
pub struct msghdr {
    pub msg_name: *mut c_void,
    pub msg_namelen: socklen_t,
    pub msg_iov: *mut iovec,
    pub msg_iovlen: size_t,
    pub msg_control: *mut c_void,
    pub msg_controllen: size_t,
    pub msg_flags: c_int,
}

#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct pollfd {
    pub fd: c_int,
    pub events: i16,
    pub revents: i16,
}

/// `struct epoll_event` is packed on x86-64.
#[repr(C, packed)]
#[derive(Clone, Copy, Default)]
pub struct epoll_event {
    pub events: u32,
    pub data: u64,
}

extern "C" {
    pub fn socket(domain: c_int, ty: c_int, protocol: c_int) -> c_int;
    pub fn bind(fd: c_int, addr: *const c_void, len: socklen_t) -> c_int;
    pub fn listen(fd: c_int, backlog: c_int) -> c_int;
    pub fn accept(fd: c_int, addr: *mut c_void, len: *mut socklen_t) -> c_int;
    pub fn connect(fd: c_int, addr: *const c_void, len: socklen_t) -> c_int;
    pub fn read(fd: c_int, buf: *mut c_void, n: size_t) -> ssize_t;
    pub fn write(fd: c_int, buf: *const c_void, n: size_t) -> ssize_t;
    pub fn send(fd: c_int, buf: *const c_void, n: size_t, flags: c_int) -> ssize_t;
    pub fn recv(fd: c_int, buf: *mut c_void, n: size_t, flags: c_int) -> ssize_t;
    pub fn sendto(
        fd: c_int,
        buf: *const c_void,
        n: size_t,
        flags: c_int,
        addr: *const c_void,
        len: socklen_t,
    ) -> ssize_t;
    pub fn recvfrom(
        fd: c_int,
        buf: *mut c_void,
        n: size_t,
        flags: c_int,
        addr: *mut c_void,
        len: *mut socklen_t,
    ) -> ssize_t;
    pub fn sendmsg(fd: c_int, msg: *const msghdr, flags: c_int) -> ssize_t;
    pub fn recvmsg(fd: c_int, msg: *mut msghdr, flags: c_int) -> ssize_t;
    pub fn setsockopt(
        fd: c_int,
        level: c_int,
        name: c_int,
        val: *const c_void,
        len: socklen_t,
    ) -> c_int;
    pub fn getsockopt(
        fd: c_int,
        level: c_int,
        name: c_int,
        val: *mut c_void,
        len: *mut socklen_t,
    ) -> c_int;
    pub fn fcntl(fd: c_int, cmd: c_int, ...) -> c_int;
    pub fn ioctl(fd: c_int, req: c_ulong, ...) -> c_int;
    pub fn poll(fds: *mut pollfd, n: c_ulong, timeout: c_int) -> c_int;
    pub fn epoll_create(size: c_int) -> c_int;
    pub fn epoll_ctl(epfd: c_int, op: c_int, fd: c_int, ev: *mut epoll_event) -> c_int;
    pub fn epoll_wait(epfd: c_int, evs: *mut epoll_event, max: c_int, timeout: c_int) -> c_int;
    pub fn close(fd: c_int) -> c_int;
    pub fn shutdown(fd: c_int, how: c_int) -> c_int;
    pub fn splice(
        fd_in: c_int,
        off_in: *mut i64,
        fd_out: c_int,
        off_out: *mut i64,
        len: size_t,
        flags: c_uint,
    ) -> ssize_t;
    pub fn sendfile(out_fd: c_int, in_fd: c_int, off: *mut i64, count: size_t) -> ssize_t;
    pub fn pipe(fds: *mut c_int) -> c_int;
    pub fn open(path: *const i8, flags: c_int, ...) -> c_int;
    pub fn dup2(old: c_int, new: c_int) -> c_int;
    pub fn __errno_location() -> *mut c_int;
    pub fn strerror(e: c_int) -> *const i8;
    pub fn getpid() -> c_int;
    pub fn syscall(n: c_long, ...) -> c_long;
    pub fn sched_getcpu() -> c_int;
    pub fn sched_setaffinity(pid: c_int, size: size_t, mask: *const u64) -> c_int;
}

/// Keeps the calling thread, and the threads it starts from now on, on
/// the CPU it runs on. Under emulation a wakeup across virtual CPUs can
/// take many milliseconds; the runner's threads hand work to each other
/// within a script's tolerance only when they share one.
pub fn stay_on_this_cpu() {
    // SAFETY: no arguments; returns -1 on failure.
    let cpu = unsafe { sched_getcpu() };
    if !(0..1024).contains(&cpu) {
        return;
    }
    let mut mask = [0u64; 16];
    mask[cpu as usize / 64] |= 1 << (cpu % 64);
    // SAFETY: mask is a 1024-bit CPU set, the size given.
    unsafe { sched_setaffinity(0, std::mem::size_of_val(&mask), mask.as_ptr()) };
}

/// The calling thread's errno.
pub fn errno() -> i32 {
    // SAFETY: __errno_location returns the calling thread's errno slot.
    unsafe { *__errno_location() }
}

/// Sets the calling thread's errno.
pub fn set_errno(e: i32) {
    // SAFETY: as in errno().
    unsafe { *__errno_location() = e }
}

/// Every name a script may write, with its value on Linux x86-64.
pub const SYMBOLS: &[(&str, i64)] = &[
    // Address families, socket types, protocols.
    ("AF_UNSPEC", 0),
    ("AF_INET", 2),
    ("AF_INET6", 10),
    ("PF_INET", 2),
    ("PF_INET6", 10),
    ("SOCK_STREAM", 1),
    ("SOCK_DGRAM", 2),
    ("SOCK_RAW", 3),
    ("SOCK_DCCP", 6),
    ("SOCK_NONBLOCK", 0o4000),
    ("SOCK_CLOEXEC", 0o2000000),
    ("IPPROTO_IP", 0),
    ("IPPROTO_ICMP", 1),
    ("IPPROTO_TCP", 6),
    ("IPPROTO_UDP", 17),
    ("IPPROTO_IPV6", 41),
    ("IPPROTO_DCCP", 33),
    ("IPPROTO_ICMPV6", 58),
    // Levels.
    ("SOL_SOCKET", 1),
    ("SOL_IP", 0),
    ("SOL_IPV6", 41),
    ("SOL_TCP", 6),
    ("SOL_UDP", 17),
    ("SOL_DCCP", 269),
    // SOL_SOCKET options.
    ("SO_DEBUG", 1),
    ("SO_REUSEADDR", 2),
    ("SO_TYPE", 3),
    ("SO_ERROR", 4),
    ("SO_DONTROUTE", 5),
    ("SO_BROADCAST", 6),
    ("SO_SNDBUF", 7),
    ("SO_RCVBUF", 8),
    ("SO_KEEPALIVE", 9),
    ("SO_OOBINLINE", 10),
    ("SO_NO_CHECK", 11),
    ("SO_PRIORITY", 12),
    ("SO_LINGER", 13),
    ("SO_REUSEPORT", 15),
    ("SO_RCVLOWAT", 18),
    ("SO_SNDLOWAT", 19),
    ("SO_RCVTIMEO", 20),
    ("SO_SNDTIMEO", 21),
    ("SO_TIMESTAMP", 29),
    ("SO_SNDBUFFORCE", 32),
    ("SO_RCVBUFFORCE", 33),
    ("SO_MARK", 36),
    ("SO_TIMESTAMPING", 37),
    ("SO_RXQ_OVFL", 40),
    ("SO_MAX_PACING_RATE", 47),
    ("SO_INCOMING_CPU", 49),
    ("SO_ZEROCOPY", 60),
    ("SO_TXTIME", 61),
    // IP and IPv6 options.
    ("IP_TOS", 1),
    ("IP_TTL", 2),
    ("IP_RECVERR", 11),
    ("IP_MTU_DISCOVER", 10),
    ("IP_MTU", 14),
    ("IP_PMTUDISC_DONT", 0),
    ("IP_PMTUDISC_WANT", 1),
    ("IP_PMTUDISC_DO", 2),
    ("IP_PMTUDISC_PROBE", 3),
    ("IPV6_V6ONLY", 26),
    ("IPV6_RECVERR", 25),
    ("IPV6_TCLASS", 67),
    ("IPV6_MTU_DISCOVER", 23),
    ("IPV6_MTU", 24),
    ("IPV6_FLOWINFO_SEND", 33),
    // TCP options.
    ("TCP_NODELAY", 1),
    ("TCP_MAXSEG", 2),
    ("TCP_CORK", 3),
    ("TCP_KEEPIDLE", 4),
    ("TCP_KEEPINTVL", 5),
    ("TCP_KEEPCNT", 6),
    ("TCP_SYNCNT", 7),
    ("TCP_LINGER2", 8),
    ("TCP_DEFER_ACCEPT", 9),
    ("TCP_WINDOW_CLAMP", 10),
    ("TCP_INFO", 11),
    ("TCP_QUICKACK", 12),
    ("TCP_CONGESTION", 13),
    ("TCP_MD5SIG", 14),
    ("TCP_THIN_LINEAR_TIMEOUTS", 16),
    ("TCP_USER_TIMEOUT", 18),
    ("TCP_REPAIR", 19),
    ("TCP_FASTOPEN", 23),
    ("TCP_TIMESTAMP", 24),
    ("TCP_NOTSENT_LOWAT", 25),
    ("TCP_CC_INFO", 26),
    ("TCP_SAVE_SYN", 27),
    ("TCP_SAVED_SYN", 28),
    ("TCP_FASTOPEN_CONNECT", 30),
    ("TCP_FASTOPEN_NO_COOKIE", 34),
    ("TCP_ZEROCOPY_RECEIVE", 35),
    ("TCP_INQ", 36),
    ("TCP_CM_INQ", 36),
    ("TCP_TX_DELAY", 37),
    // DCCP options.
    ("DCCP_SOCKOPT_PACKET_SIZE", 1),
    ("DCCP_SOCKOPT_SERVICE", 2),
    ("DCCP_SOCKOPT_CHANGE_L", 3),
    ("DCCP_SOCKOPT_CHANGE_R", 4),
    ("DCCP_SOCKOPT_GET_CUR_MPS", 5),
    ("DCCP_SOCKOPT_SERVER_TIMEWAIT", 6),
    ("DCCP_SOCKOPT_SEND_CSCOV", 10),
    ("DCCP_SOCKOPT_RECV_CSCOV", 11),
    ("DCCP_SOCKOPT_AVAILABLE_CCIDS", 12),
    ("DCCP_SOCKOPT_CCID", 13),
    ("DCCP_SOCKOPT_TX_CCID", 14),
    ("DCCP_SOCKOPT_RX_CCID", 15),
    ("DCCP_SOCKOPT_QPOLICY_ID", 16),
    ("DCCP_SOCKOPT_QPOLICY_TXQLEN", 17),
    ("DCCP_SCM_PRIORITY", 1),
    ("DCCPQ_POLICY_SIMPLE", 0),
    ("DCCPQ_POLICY_PRIO", 1),
    ("DCCP_SOCKOPT_CCID_RX_INFO", 128),
    ("DCCP_SOCKOPT_CCID_TX_INFO", 192),
    // fcntl.
    ("F_DUPFD", 0),
    ("F_GETFD", 1),
    ("F_SETFD", 2),
    ("F_GETFL", 3),
    ("F_SETFL", 4),
    ("FD_CLOEXEC", 1),
    ("O_RDONLY", 0),
    ("O_WRONLY", 1),
    ("O_RDWR", 2),
    ("O_NONBLOCK", 0o4000),
    ("O_CLOEXEC", 0o2000000),
    // ioctl.
    ("SIOCINQ", 0x541b),
    ("FIONREAD", 0x541b),
    ("SIOCOUTQ", 0x5411),
    ("SIOCOUTQNSD", 0x894b),
    // send/recv flags.
    ("MSG_OOB", 0x1),
    ("MSG_PEEK", 0x2),
    ("MSG_DONTROUTE", 0x4),
    ("MSG_TRUNC", 0x20),
    ("MSG_DONTWAIT", 0x40),
    ("MSG_EOR", 0x80),
    ("MSG_WAITALL", 0x100),
    ("MSG_ERRQUEUE", 0x2000),
    ("MSG_NOSIGNAL", 0x4000),
    ("MSG_MORE", 0x8000),
    ("MSG_CMSG_CLOEXEC", 0x40000000),
    ("MSG_FASTOPEN", 0x20000000),
    ("MSG_ZEROCOPY", 0x4000000),
    // shutdown.
    ("SHUT_RD", 0),
    ("SHUT_WR", 1),
    ("SHUT_RDWR", 2),
    // poll.
    ("POLLIN", 0x1),
    ("POLLPRI", 0x2),
    ("POLLOUT", 0x4),
    ("POLLERR", 0x8),
    ("POLLHUP", 0x10),
    ("POLLNVAL", 0x20),
    ("POLLRDNORM", 0x40),
    ("POLLRDBAND", 0x80),
    ("POLLWRNORM", 0x100),
    ("POLLWRBAND", 0x200),
    ("POLLMSG", 0x400),
    ("POLLRDHUP", 0x2000),
    // epoll.
    ("EPOLLIN", 0x1),
    ("EPOLLPRI", 0x2),
    ("EPOLLOUT", 0x4),
    ("EPOLLERR", 0x8),
    ("EPOLLHUP", 0x10),
    ("EPOLLRDNORM", 0x40),
    ("EPOLLRDBAND", 0x80),
    ("EPOLLWRNORM", 0x100),
    ("EPOLLWRBAND", 0x200),
    ("EPOLLMSG", 0x400),
    ("EPOLLRDHUP", 0x2000),
    ("EPOLLEXCLUSIVE", 1 << 28),
    ("EPOLLWAKEUP", 1 << 29),
    ("EPOLLONESHOT", 1 << 30),
    ("EPOLLET", 1 << 31),
    ("EPOLL_CTL_ADD", 1),
    ("EPOLL_CTL_DEL", 2),
    ("EPOLL_CTL_MOD", 3),
    // splice.
    ("SPLICE_F_MOVE", 1),
    ("SPLICE_F_NONBLOCK", 2),
    ("SPLICE_F_MORE", 4),
    ("SPLICE_F_GIFT", 8),
    // Error queue.
    ("SO_EE_ORIGIN_NONE", 0),
    ("SO_EE_ORIGIN_LOCAL", 1),
    ("SO_EE_ORIGIN_ICMP", 2),
    ("SO_EE_ORIGIN_ICMP6", 3),
    ("SO_EE_ORIGIN_TXSTATUS", 4),
    ("SO_EE_ORIGIN_ZEROCOPY", 5),
    ("SO_EE_ORIGIN_TIMESTAMPING", 4),
    ("SO_EE_CODE_ZEROCOPY_COPIED", 1),
    // TCP states (tcpi_state).
    ("TCP_ESTABLISHED", 1),
    ("TCP_SYN_SENT", 2),
    ("TCP_SYN_RECV", 3),
    ("TCP_FIN_WAIT1", 4),
    ("TCP_FIN_WAIT2", 5),
    ("TCP_TIME_WAIT", 6),
    ("TCP_CLOSE", 7),
    ("TCP_CLOSE_WAIT", 8),
    ("TCP_LAST_ACK", 9),
    ("TCP_LISTEN", 10),
    ("TCP_CLOSING", 11),
    // TCP_CA states.
    ("TCP_CA_Open", 0),
    ("TCP_CA_Disorder", 1),
    ("TCP_CA_CWR", 2),
    ("TCP_CA_Recovery", 3),
    ("TCP_CA_Loss", 4),
];

/// errno names and values (Linux).
pub const ERRNOS: &[(&str, i32)] = &[
    ("EPERM", 1),
    ("ENOENT", 2),
    ("ESRCH", 3),
    ("EINTR", 4),
    ("EIO", 5),
    ("ENXIO", 6),
    ("E2BIG", 7),
    ("ENOEXEC", 8),
    ("EBADF", 9),
    ("ECHILD", 10),
    ("EAGAIN", 11),
    ("EWOULDBLOCK", 11),
    ("ENOMEM", 12),
    ("EACCES", 13),
    ("EFAULT", 14),
    ("EBUSY", 16),
    ("EEXIST", 17),
    ("ENODEV", 19),
    ("ENOTDIR", 20),
    ("EISDIR", 21),
    ("EINVAL", 22),
    ("ENFILE", 23),
    ("EMFILE", 24),
    ("ENOTTY", 25),
    ("EFBIG", 27),
    ("ENOSPC", 28),
    ("ESPIPE", 29),
    ("EPIPE", 32),
    ("EDOM", 33),
    ("ERANGE", 34),
    ("EDEADLK", 35),
    ("ENAMETOOLONG", 36),
    ("ENOSYS", 38),
    ("ENOTEMPTY", 39),
    ("ENOMSG", 42),
    ("ENOSTR", 60),
    ("ENODATA", 61),
    ("ETIME", 62),
    ("ENOLINK", 67),
    ("EPROTO", 71),
    ("EBADMSG", 74),
    ("EOVERFLOW", 75),
    ("EBADRQC", 56),
    ("EILSEQ", 84),
    ("EUSERS", 87),
    ("ENOTSOCK", 88),
    ("EDESTADDRREQ", 89),
    ("EMSGSIZE", 90),
    ("EPROTOTYPE", 91),
    ("ENOPROTOOPT", 92),
    ("EPROTONOSUPPORT", 93),
    ("ESOCKTNOSUPPORT", 94),
    ("EOPNOTSUPP", 95),
    ("ENOTSUP", 95),
    ("EPFNOSUPPORT", 96),
    ("EAFNOSUPPORT", 97),
    ("EADDRINUSE", 98),
    ("EADDRNOTAVAIL", 99),
    ("ENETDOWN", 100),
    ("ENETUNREACH", 101),
    ("ENETRESET", 102),
    ("ECONNABORTED", 103),
    ("ECONNRESET", 104),
    ("ENOBUFS", 105),
    ("EISCONN", 106),
    ("ENOTCONN", 107),
    ("ESHUTDOWN", 108),
    ("ETOOMANYREFS", 109),
    ("ETIMEDOUT", 110),
    ("ECONNREFUSED", 111),
    ("EHOSTDOWN", 112),
    ("EHOSTUNREACH", 113),
    ("EALREADY", 114),
    ("EINPROGRESS", 115),
    ("ESTALE", 116),
    ("EDQUOT", 122),
    ("ECANCELED", 125),
];

/// The value of a constant's name.
pub fn symbol(name: &str) -> Option<i64> {
    SYMBOLS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, v)| *v)
        .or_else(|| errno_value(name).map(i64::from))
}

/// The value of an errno name.
pub fn errno_value(name: &str) -> Option<i32> {
    ERRNOS.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)
}

/// The name of an errno value (the first name listed for it).
pub fn errno_name(e: i32) -> String {
    ERRNOS
        .iter()
        .find(|(_, v)| *v == e)
        .map(|(n, _)| (*n).to_string())
        .unwrap_or_else(|| format!("errno {e}"))
}

/// The C library's text for an errno value.
pub fn errno_text(e: i32) -> String {
    // SAFETY: strerror returns a NUL-terminated string that lives at least
    // until the next strerror call in this thread; it is copied at once.
    unsafe {
        let p = strerror(e);
        if p.is_null() {
            return String::new();
        }
        std::ffi::CStr::from_ptr(p).to_string_lossy().into_owned()
    }
}
