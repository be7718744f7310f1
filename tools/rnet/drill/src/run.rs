// SPDX-License-Identifier: GPL-2.0
//! Runs a parsed script against the kernel, in local mode: the script's
//! remote host sits behind tun device `tun0`.
//!
//! The model is packetdrill's: one socket under test, made by `socket()`
//! or, on a listener, by the first inbound packet (the connection being
//! accepted). Inbound sequence numbers are the script's (the remote ISN
//! is what the script's SYN says); the local ISN is learned from the
//! kernel's SYN or SYN-ACK, and outbound numbers are checked relative to
//! it. Every event waits for its time; an outbound packet must arrive
//! within the tolerance of its time.

use crate::ast::{
    Dir, Event, EventKind, Expr, Packet, PacketBody, Script, Syscall, TcpLine, TcpOpt, Time,
};
use crate::code;
use crate::dccp;
use crate::packet::{self, IpHdr, IpPacket, TcpSeg, UdpDgram, WireOpt};
use crate::sys;
use crate::syscall::{self, Effect, Env, Raw};
use crate::tun::{run_cmd, Sniffer, Tun};
use crate::wire::{Wire, WireSetup};
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::os::raw::c_int;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{mpsc, Arc};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Which IP version the script's packets and sockets use.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum IpVersion {
    V4,
    V6,
    /// AF_INET6 sockets, IPv4 on the wire.
    V4MappedV6,
}

/// The command line's settings.
#[derive(Debug, Clone)]
pub struct Config {
    pub ip_version: IpVersion,
    pub local_ip: IpAddr,
    pub remote_ip: IpAddr,
    pub gateway_ip: IpAddr,
    pub prefix_len: u8,
    pub mtu: u32,
    pub tolerance_usecs: i64,
    pub bind_port: u16,
    pub connect_port: u16,
    pub verbose: bool,
    pub defines: Vec<(String, String)>,
    pub tun_name: String,
    /// Wire mode: the NIC the kernel under test sends through and the
    /// NIC on the same wire the runner sends and sniffs on (wire.rs).
    pub local_dev: Option<String>,
    pub peer_dev: Option<String>,
}

impl Config {
    /// packetdrill's defaults for `v` (fixed addresses where packetdrill
    /// draws random local ones).
    pub fn defaults(v: IpVersion) -> Config {
        let v6 = v == IpVersion::V6;
        Config {
            ip_version: v,
            local_ip: if v6 {
                "fd3d:fa7b:d17d::1"
                    .parse()
                    .unwrap_or(IpAddr::from([0u8; 16]))
            } else {
                IpAddr::from([192, 168, 0, 1])
            },
            remote_ip: if v6 {
                "2001:db8::1".parse().unwrap_or(IpAddr::from([0u8; 16]))
            } else {
                IpAddr::from([192, 0, 2, 1])
            },
            gateway_ip: if v6 {
                "fd3d:fa7b:d17d:8888::"
                    .parse()
                    .unwrap_or(IpAddr::from([0u8; 16]))
            } else {
                IpAddr::from([192, 168, 0, 1])
            },
            prefix_len: if v6 { 48 } else { 16 },
            mtu: 1500,
            tolerance_usecs: 4000,
            bind_port: 8080,
            connect_port: 8080,
            verbose: false,
            defines: Vec::new(),
            tun_name: "tun0".into(),
            local_dev: None,
            peer_dev: None,
        }
    }
}

/// Why a script failed: the line and what happened.
#[derive(Debug)]
pub struct Failure {
    pub line: usize,
    pub msg: String,
}

type Res<T> = Result<T, Failure>;

fn fail<T>(line: usize, msg: impl Into<String>) -> Res<T> {
    Err(Failure {
        line,
        msg: msg.into(),
    })
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum SockState {
    New,
    Listening,
    Connecting,
    /// A connection: the listener's child, or a client after its SYN.
    Connected,
}

/// The socket under test.
#[derive(Debug)]
struct Sut {
    live_fd: Option<c_int>,
    state: SockState,
    local_port: u16,
    remote_port: u16,
    script_local_isn: u32,
    live_local_isn: Option<u32>,
    remote_isn: u32,
    /// TCP: the live ack of the last segment the kernel sent on the
    /// connection, and the live sequence number after the last one the
    /// runner sent: where the reset at the end goes.
    last_ack_out: Option<u32>,
    next_in: Option<u32>,
    /// TCP: the live sequence number after the last byte (or SYN, FIN)
    /// of any segment the kernel sent on the connection so far: a segment
    /// that starts before it sends again what was sent.
    sent_end: Option<u32>,
}

struct Pending {
    line: usize,
    sc: Syscall,
    verify: syscall::VerifyFn,
    effect: Effect,
    end_lo: i64,
    end_hi: i64,
    tol: i64,
}

/// A script run.
pub struct Runner<'a> {
    cfg: &'a Config,
    script: &'a Script,
    dir: PathBuf,
    link: Link,
    /// What the kernel sends, with its time stamps, read by the runner's
    /// own thread as it waits for an outbound packet (as packetdrill's
    /// sniffer: no thread in between).
    sniffer: Sniffer,
    stop: Arc<AtomicBool>,
    reader: Option<JoinHandle<()>>,
    /// The thread blocking calls (`...`) run on, started once, as
    /// packetdrill's system call thread: a call handed to it starts at
    /// once, where a new thread would first have to be scheduled.
    calls: Option<mpsc::Sender<syscall::CallFn>>,
    results: mpsc::Receiver<Raw>,
    worker_tid: i64,
    /// How many calls the system call thread has started.
    started: Arc<AtomicU64>,
    /// Whether the event after the current one is an outbound packet.
    next_out: bool,
    start: Instant,
    sut: Option<Sut>,
    fds: HashMap<i64, c_int>,
    ts_map: HashMap<u32, u32>,
    pending: Option<Pending>,
    last_script_time: i64,
    next_port: u16,
    /// The worst lag behind the kernel so far, if one exceeded half the
    /// tolerance: (line, lag, send time) of an outbound packet read that
    /// long after the kernel sent it.
    behind: Option<(usize, i64, i64)>,
    /// Actions the runner took late: (line, due, done) of an inbound
    /// packet or system call that came more than `LATE_ACT_USECS` after
    /// the time the script gave it, counted from the outbound packet
    /// before it (the kernel's stamp). A packet the kernel sent in
    /// between answered a script in which that action had not happened.
    late_acts: Vec<(usize, i64, i64)>,
    /// The kernel's stamp of the first packet read for the current
    /// outbound event, and whether it was a TCP segment sending again
    /// what the connection had sent (a retransmission or loss probe).
    first_read: Option<(i64, bool)>,
    /// The time the last event other than an outbound packet was late
    /// against (its script time, or counted from when the runner got to
    /// it if it came right after an outbound packet).
    last_late_time: i64,
    /// When the last event other than an outbound packet began to act
    /// (after waiting for its time): a packet sent since then was sent
    /// while the runner was busy, not asleep by the script's word.
    acting_since: i64,
    /// The kernel's initial DCCP sequence number on the socket under
    /// test, once seen.
    dccp_iss: Option<u64>,
    /// The last sequence numbers of the DCCP connection under test: the
    /// kernel's (live) and the script's.
    dccp_last_out: Option<u64>,
    dccp_last_in: Option<u64>,
    /// The line of the system call the runner's own thread is in, and
    /// when it began (`now_ms`): `line << 32 | ms`, 0 when in none.
    in_call: Arc<AtomicU64>,
    born: Instant,
}

/// How long a call not written as blocking may block before the
/// watchdog ends the run.
const STUCK_MS: u64 = 3000;

const VNET_HDR_LEN: usize = 10;

mod dccp_run;
mod icmp_run;

impl Env for Runner<'_> {
    fn live_fd(&self, fd: i64) -> Result<c_int, String> {
        self.fds
            .get(&fd)
            .copied()
            .ok_or_else(|| format!("no descriptor {fd} in the script"))
    }
    fn domain(&self) -> c_int {
        match self.cfg.ip_version {
            IpVersion::V4 => 2,
            _ => 10,
        }
    }
    fn bind_addr(&self) -> SocketAddr {
        SocketAddr::new(self.sock_ip(self.cfg.local_ip), self.cfg.bind_port)
    }
    fn connect_addr(&self) -> SocketAddr {
        SocketAddr::new(self.sock_ip(self.cfg.remote_ip), self.cfg.connect_port)
    }
    fn symbol(&self, name: &str) -> Option<i64> {
        sys::symbol(name)
    }
}

/// Where the runner's packets enter the kernel under test.
pub enum Link {
    /// Local mode: the tun device.
    Tun(Arc<Tun>),
    /// Wire mode: a packet socket on the peer NIC.
    Wire(Wire),
}

impl Config {
    /// The interface the sniffer reads: the tun device, or the peer NIC.
    pub fn sniff_dev(&self) -> &str {
        self.peer_dev.as_deref().unwrap_or(&self.tun_name)
    }
}

/// Sets up the network for `cfg`: in wire mode the NICs (wire.rs), else
/// the tun device and a route through it.
pub fn setup_net(cfg: &Config) -> Result<Link, String> {
    match (&cfg.local_dev, &cfg.peer_dev) {
        (Some(local_dev), Some(peer_dev)) => {
            return Wire::setup(&WireSetup {
                local_dev,
                peer_dev,
                local_ip: cfg.local_ip,
                remote_ip: cfg.remote_ip,
                prefix_len: cfg.prefix_len,
                mtu: cfg.mtu,
            })
            .map(Link::Wire)
        }
        (None, None) => {}
        _ => return Err("wire mode needs both --local_dev and --peer_dev".into()),
    }
    let tun = Tun::create(&cfg.tun_name).map_err(|e| e.to_string())?;
    let name = cfg.tun_name.as_str();
    let fam = if cfg.local_ip.is_ipv4() { "-4" } else { "-6" };
    let mtu = cfg.mtu.to_string();
    let local = format!("{}/{}", cfg.local_ip, cfg.prefix_len);
    let remote = cfg.remote_ip.to_string();
    let mut addr = vec!["ip", fam, "addr", "add", &local, "dev", name];
    if cfg.local_ip.is_ipv6() {
        addr.push("nodad");
    }
    for cmd in [
        vec!["ip", "link", "set", "dev", name, "mtu", &mtu, "up"],
        addr,
        // A tun device resolves no neighbours: the route needs no
        // gateway (packetdrill adds one; the traffic is the same).
        vec!["ip", fam, "route", "add", &remote, "dev", name],
    ] {
        run_cmd(&cmd).map_err(|e| e.to_string())?;
    }
    Ok(Link::Tun(Arc::new(tun)))
}

fn tol_for(cfg: &Config, script_t: i64, prev_t: i64) -> i64 {
    cfg.tolerance_usecs.max((script_t - prev_t).max(0) / 8)
}

fn secs(us: i64) -> String {
    format!("{:.6}", us as f64 / 1e6)
}

impl<'a> Runner<'a> {
    pub fn new(
        cfg: &'a Config,
        script: &'a Script,
        path: &Path,
        link: Link,
        mut sniffer: Sniffer,
    ) -> Runner<'a> {
        if let Link::Wire(w) = &link {
            sniffer.expect_source(w.local_mac(), cfg.mtu as usize);
        }
        let stop = Arc::new(AtomicBool::new(false));
        // The tun device's copy of what the kernel sends is read and
        // dropped, so that its queue never fills; the packet socket has
        // what is checked.
        let reader = match &link {
            Link::Tun(tun) => {
                let (tun, stop) = (tun.clone(), stop.clone());
                Some(std::thread::spawn(move || {
                    while !stop.load(Ordering::Relaxed) {
                        if let Ok(Some(_)) | Err(_) = tun.recv(Duration::from_millis(50)) {
                            continue;
                        }
                    }
                }))
            }
            Link::Wire(_) => None,
        };
        // In wire mode, scripts run one after another on the same NICs
        // and in the same namespace: the remote ports of each run start
        // at a place of their own, so that nothing an earlier run left
        // behind has the 4-tuple of this one's connections.
        let first_port = match &link {
            Link::Tun(_) => 40000,
            // SAFETY: getpid takes no arguments.
            Link::Wire(_) => 40000 + (unsafe { sys::getpid() } as u32 % 2048 * 12) as u16,
        };
        let (calls, call_rx) = mpsc::channel::<syscall::CallFn>();
        let (res_tx, results) = mpsc::channel();
        let (tid_tx, tid_rx) = mpsc::channel();
        let started = Arc::new(AtomicU64::new(0));
        let started_w = started.clone();
        std::thread::spawn(move || {
            // SAFETY: gettid (186 on x86-64) takes no arguments.
            let _ = tid_tx.send(unsafe { sys::syscall(186) } as i64);
            while let Ok(call) = call_rx.recv() {
                started_w.fetch_add(1, Ordering::SeqCst);
                let mut r = call();
                r.at = Some(Instant::now());
                if res_tx.send(r).is_err() {
                    return;
                }
            }
        });
        let worker_tid = tid_rx.recv().unwrap_or(-1);
        // The watchdog: a call on the runner's thread that blocks (a
        // script that expected `accept()` to return at once, say) would
        // wait forever, as packetdrill would; this ends the run with the
        // script's line instead.
        let in_call = Arc::new(AtomicU64::new(0));
        let born = Instant::now();
        {
            let (in_call, stop) = (in_call.clone(), stop.clone());
            let name = path.display().to_string();
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    std::thread::sleep(Duration::from_millis(500));
                    let v = in_call.load(Ordering::SeqCst);
                    let now = (born.elapsed().as_millis() as u64 & 0xffff_ffff).max(1);
                    if v != 0 && now.wrapping_sub(v & 0xffff_ffff) & 0xffff_ffff > STUCK_MS {
                        eprintln!(
                            "{name}:{}: the system call blocked for {} s; a call that blocks is written with `...` (as `+0...0.1 accept(...)`)",
                            v >> 32,
                            STUCK_MS / 1000
                        );
                        std::process::exit(1);
                    }
                }
            });
        }
        Runner {
            cfg,
            script,
            dir: path
                .parent()
                .map(Path::to_path_buf)
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or_else(|| PathBuf::from(".")),
            link,
            sniffer,
            stop,
            reader,
            calls: Some(calls),
            results,
            worker_tid,
            started,
            next_out: false,
            start: Instant::now(),
            sut: None,
            fds: HashMap::new(),
            ts_map: HashMap::new(),
            pending: None,
            last_script_time: 0,
            next_port: first_port,
            behind: None,
            late_acts: Vec::new(),
            last_late_time: 0,
            first_read: None,
            acting_since: 0,
            dccp_iss: None,
            dccp_last_out: None,
            dccp_last_in: None,
            in_call,
            born,
        }
    }

    fn sock_ip(&self, ip: IpAddr) -> IpAddr {
        match (self.cfg.ip_version, ip) {
            (IpVersion::V4MappedV6, IpAddr::V4(v)) => IpAddr::V6(v.to_ipv6_mapped()),
            _ => ip,
        }
    }

    fn now(&self) -> i64 {
        self.start.elapsed().as_micros() as i64
    }

    /// Milliseconds since the runner began (not the script: the
    /// watchdog's clock), at least 1.
    fn now_ms(&self) -> u64 {
        (self.born.elapsed().as_millis() as u64 & 0xffff_ffff).max(1)
    }

    fn log(&self, s: impl AsRef<str>) {
        if self.cfg.verbose {
            eprintln!("{} {}", secs(self.now()), s.as_ref());
        }
    }

    /// Runs the script: Ok on pass.
    pub fn run(&mut self) -> Res<()> {
        let events = &self.script.events;
        // DCCP lines are parsed first: a bad one is an error before
        // anything runs, as a bad line of any other kind.
        for ev in events {
            if let EventKind::Packet(Packet {
                dir,
                body: PacketBody::Dccp(text),
                ..
            }) = &ev.kind
            {
                let l = dccp::parse_line(text).and_then(|l| {
                    if *dir == Dir::In {
                        l.check_inbound()?;
                    }
                    Ok(l)
                });
                if let Err(m) = l {
                    return fail(ev.line, format!("bad DCCP line: {m}"));
                }
            }
        }
        let mut first = 0;
        // A command before the first timed event sets the machine up
        // (packetdrill's init command): it runs before the clock starts.
        if let Some(Event {
            kind: EventKind::Command(c),
            line,
            time: Time::Untimed,
        }) = events.first()
        {
            self.command(*line, c)?;
            first = 1;
        }
        // packetdrill runs the last untimed command (the cleanup) only
        // when the script has a first one.
        let cleanup = match events.last() {
            Some(Event {
                kind: EventKind::Command(c),
                line,
                time: Time::Untimed,
            }) if first == 1 && events.len() > 1 => Some((*line, c.clone())),
            _ => None,
        };
        self.start = Instant::now();
        let end = events.len() - usize::from(cleanup.is_some());
        let mut res = Ok(());
        for i in first..end {
            let prev_in = i > first && is_inbound(&events[i - 1]);
            self.next_out = events
                .get(i + 1)
                .is_some_and(|e| matches!(&e.kind, EventKind::Packet(p) if p.dir == Dir::Out));
            let prev = (i > first).then(|| prev_kind(&events[i - 1]));
            if let Err(e) = self.event(&events[i], prev_in && is_inbound(&events[i]), prev) {
                res = Err(e);
                break;
            }
        }
        if res.is_ok() {
            res = self.finish_pending(true);
        }
        res = res.map_err(|f| self.lagged(f));
        // As packetdrill resets its TCP connections at the end: a DCCP
        // connection still open is reset, so that the kernel does not
        // go on closing it (and holding its module) long after the run.
        if let Some(p) = self.dccp_reset_at_end() {
            if res.is_ok() {
                let line = events.last().map_or(0, |e| e.line);
                res = fail(
                    line,
                    format!("unexpected outbound packet after the script's last line: {p}"),
                );
            }
        }
        self.tcp_reset_at_end();
        if let Some((line, c)) = cleanup {
            let r = self.command(line, &c);
            if res.is_ok() {
                res = r;
            }
        }
        res
    }

    /// As packetdrill does at the end of a script: the TCP connection
    /// under test, if still open, is reset, so that the kernel does not go
    /// on sending for it (into the next script's wire, in wire mode). The
    /// reset carries the sequence number the kernel last acknowledged and,
    /// if the runner sent beyond it, one more with the runner's next: one
    /// of them is the kernel's rcv_nxt, as a reset must be.
    fn tcp_reset_at_end(&mut self) {
        let Some(s) = self.sut.as_ref() else {
            return;
        };
        if s.state != SockState::Connected || self.dccp_iss.is_some() {
            return;
        }
        let mut seqs: Vec<u32> = s.last_ack_out.into_iter().collect();
        if let Some(n) = s.next_in {
            if !seqs.contains(&n) {
                seqs.push(n);
            }
        }
        let (sport, dport) = (s.remote_port, s.local_port);
        for seq in seqs {
            let seg = TcpSeg {
                sport,
                dport,
                seq,
                ack: 0,
                flags: packet::TCP_RST,
                res: 0,
                win: 0,
                urg: 0,
                options: Vec::new(),
                data: Vec::new(),
            };
            let ip = IpHdr {
                src: self.cfg.remote_ip,
                dst: self.cfg.local_ip,
                proto: packet::IPPROTO_TCP,
                ecn: 0,
                dscp: 0,
                ttl: 255,
                flow_label: 0,
            };
            let pkt = IpPacket {
                ip,
                payload: seg.encode(),
            };
            self.log(format!("< {} (the end)", show_tcp(&seg, 0, 0)));
            let _ = self.inject(0, &pkt);
        }
    }

    /// A failure after the runner fell behind the kernel (a host that
    /// paused this process for longer than half the tolerance while the
    /// kernel's timers ran on) is reported as a timing error, with the
    /// failure itself after it: the script's packets went out late, so the
    /// kernel may have answered a script that was not the one written.
    fn lagged(&self, f: Failure) -> Failure {
        let integrity = is_integrity(&f.msg);
        match self.behind {
            Some((line, lag, at)) if !f.msg.starts_with("timing error:") && !integrity => Failure {
                line: f.line,
                msg: format!(
                    "timing error: rnet-drill fell behind: line {line}'s packet, sent at {} sec, was read {:.1} ms later (tolerance {} sec); then: {}",
                    secs(at),
                    lag as f64 / 1e3,
                    secs(self.cfg.tolerance_usecs),
                    f.msg
                ),
            },
            _ => f,
        }
    }

    /// The script times of an event: (low, high), and the offset its
    /// relative parts were taken from: the previous event's script time
    /// for an inbound packet right after another (`chain`) and for any
    /// event right after an outbound packet (`after_out`: the kernel's
    /// stamp of that packet, not when the runner read it, which is
    /// packetdrill's base and the stamp only on a fast host: a runner
    /// that read the packet late would answer late, or
    /// expect the kernel's next packet of a burst late, and the kernel's
    /// timers would measure what the script did not say); `from` if given,
    /// else now.
    fn times(&self, t: &Time, chain: bool, after_out: bool, from: Option<i64>) -> (i64, i64, i64) {
        let off = if chain || after_out {
            self.last_script_time
        } else {
            from.unwrap_or_else(|| self.now())
        };
        fn one(t: &Time, off: i64) -> (i64, i64) {
            match t {
                Time::Absolute(v) => (*v, *v),
                Time::Relative(d) => (off + d, off + d),
                Time::Untimed => (off, off),
                Time::Any => (i64::MIN, i64::MAX),
                Time::Range(a, b) => (one(a, off).0, one(b, off).1),
            }
        }
        let (lo, hi) = one(t, off);
        (lo, hi, off)
    }

    /// Sleeps until script time `t`. A blocking call's result waits: its
    /// thread stamps the time it returned, and polling for it would cost
    /// the emulated machine a wakeup a millisecond.
    fn wait_until(&mut self, t: i64) -> Res<()> {
        loop {
            let now = self.now();
            if now >= t {
                return self.poll_pending(Duration::ZERO);
            }
            std::thread::sleep(Duration::from_micros((t - now) as u64));
        }
    }

    fn check_late(&self, line: usize, what: &str, t: i64, tol: i64) -> Res<()> {
        let now = self.now();
        if now - t > tol {
            return fail(
                line,
                format!(
                    "timing error: expected {what} start at {} sec but happened at {} sec; tolerance {} sec",
                    secs(t),
                    secs(now),
                    secs(tol)
                ),
            );
        }
        Ok(())
    }

    /// Runs `ev`; `chain`: an inbound packet right after another one (its
    /// relative time counts from that one's); `prev`: the kind of the
    /// event before, if any.
    fn event(&mut self, ev: &Event, chain: bool, prev: Option<PrevKind>) -> Res<()> {
        let is_out = is_outbound(ev);
        let prev_out = prev == Some(PrevKind::Out);
        // After a blocking call, the script's time counts from when the
        // call began, not from when the runner saw it block in the kernel
        // (packetdrill's base, after a hand-off that is quick there):
        // handing a call over takes milliseconds on the debug kernel.
        let after_block = prev == Some(PrevKind::Blocking);
        let from = after_block.then_some(self.acting_since);
        let (mut lo, mut hi, off) = self.times(&ev.time, chain, prev_out, from);
        // An outbound packet after a system call that does not wait, or
        // after an inbound packet, may come from the script's time counted
        // from when that action began (it may be what a write() sent
        // during the call) to that counted from now.
        if is_out && prev == Some(PrevKind::Acted) {
            lo = lo.min(
                self.times(&ev.time, chain, false, Some(self.acting_since))
                    .0,
            );
            hi = hi.max(self.times(&ev.time, chain, false, None).1);
        }
        // An action after an outbound packet is late by the script's word
        // only past its time counted from now, as before: a packet read
        // late is the "fell behind" rule's (and the owed actions'); so is
        // one after a blocking call, whose hand-off is the runner's. An
        // inbound packet chained to one counts from that one's such time.
        let late_lo = if (prev_out || after_block) && !is_out {
            self.times(&ev.time, chain, false, None).0
        } else if let (true, Time::Relative(d)) = (chain, &ev.time) {
            self.last_late_time + d
        } else {
            lo
        };
        let prev = self.last_script_time;
        if !is_out && (matches!(ev.time, Time::Any) || lo != hi) {
            return fail(
                ev.line,
                "only outbound packets may have '*' or a time range",
            );
        }
        let tol = tol_for(self.cfg, lo.max(0).min(hi), prev);
        match &ev.kind {
            EventKind::Packet(p) if p.dir == Dir::Out => {
                self.first_read = None;
                // A failure on a packet the kernel sent while the runner
                // owed it an action already due (the ACK for data it read
                // late, say: a tail loss probe went out in between) is a
                // timing error.
                let got = self
                    .outbound(ev.line, p, lo, hi, tol)
                    .map_err(|f| owed_excuse(ev.line, f, self.first_read, &self.late_acts))?;
                self.last_script_time = got;
            }
            kind => {
                self.wait_until(lo)?;
                let what = match kind {
                    EventKind::Syscall(_) => "system call",
                    EventKind::Packet(_) => "inbound packet",
                    EventKind::Command(_) => "shell command",
                    EventKind::Code(_) => "code",
                };
                self.check_late(ev.line, what, late_lo, tol)?;
                self.last_late_time = late_lo;
                self.acting_since = self.now();
                // After an outbound packet, the script's relative time
                // counts, as packetdrill's does, from when the kernel sent
                // it; a runner that read the packet late acts late. How
                // much later is kept.
                let acts = matches!(kind, EventKind::Syscall(_) | EventKind::Packet(_));
                if let (true, true, Time::Relative(d)) = (prev_out, acts, &ev.time) {
                    let due = prev + d;
                    if self.acting_since - due > LATE_ACT_USECS && self.late_acts.len() < 1024 {
                        self.late_acts.push((ev.line, due, self.acting_since));
                    }
                }
                self.last_script_time = lo;
                match kind {
                    EventKind::Syscall(sc) => self.syscall(ev.line, sc, off, &ev.time, tol)?,
                    EventKind::Packet(p) => {
                        self.inbound(ev.line, p)?;
                        // The packet may have woken the blocked call's
                        // thread, which shares this CPU: let it return
                        // (and stamp its time) before this thread goes on.
                        if self.pending.is_some() {
                            std::thread::yield_now();
                        }
                    }
                    EventKind::Command(c) => self.command(ev.line, c)?,
                    EventKind::Code(c) => self.code(ev.line, c)?,
                }
            }
        }
        self.poll_pending(Duration::ZERO)
    }

    fn command(&self, line: usize, c: &str) -> Res<()> {
        self.log(format!("`{}`", c.trim()));
        let st = std::process::Command::new("/bin/sh")
            .arg("-c")
            .arg(c)
            .current_dir(&self.dir)
            // SAFETY-free: getpid has no preconditions.
            .env("PACKETDRILL_PID", std::process::id().to_string())
            .status();
        match st {
            Ok(s) if s.success() => Ok(()),
            Ok(s) => fail(
                line,
                format!(
                    "error executing `{}` command: non-zero status {}",
                    c.trim(),
                    s.code().unwrap_or(-1)
                ),
            ),
            Err(e) => fail(line, format!("error executing `{}` command: {e}", c.trim())),
        }
    }

    fn code(&self, line: usize, c: &str) -> Res<()> {
        let Some(fd) = self.sut.as_ref().and_then(|s| s.live_fd) else {
            return fail(
                line,
                "can't find getsockopt to get TCP info: no socket under test",
            );
        };
        let mut info = vec![0u8; code::TCP_INFO_LEN];
        let mut len = info.len() as u32;
        // SAFETY: info has len bytes of room.
        let r = unsafe { sys::getsockopt(fd, 6, 11, info.as_mut_ptr().cast(), &mut len) };
        if r < 0 {
            return fail(
                line,
                format!("getsockopt(TCP_INFO): {}", sys::errno_text(sys::errno())),
            );
        }
        info.truncate(len as usize);
        let var = |n: &str| code::tcp_info_field(&info, n);
        match code::run_asserts(c, &var) {
            Ok(code::Outcome::Pass) => Ok(()),
            Ok(code::Outcome::Fail(m)) => fail(line, format!("error in code: {m}")),
            Err(m) => fail(line, format!("runtime error in code: {m}")),
        }
    }

    // ---- System calls -------------------------------------------------

    fn syscall(&mut self, line: usize, sc: &Syscall, off: i64, t: &Time, tol: i64) -> Res<()> {
        self.log(format!("{}(...)", sc.name));
        // One call at a time, as packetdrill's system call thread: a call
        // still blocked gets a second to return first.
        if self.pending.is_some() {
            self.finish_pending(false)?;
            // The call begins now: the base of what follows it.
            self.acting_since = self.now();
        }
        let (call, verify, effect) =
            syscall::prepare(self, sc).map_err(|m| Failure { line, msg: m })?;
        self.effect_before(&effect);
        match &sc.end {
            None => {
                // A call not written as blocking that blocks anyway would
                // hang the run: the watchdog ends it (see `new`).
                self.in_call
                    .store(((line as u64) << 32) | self.now_ms(), Ordering::SeqCst);
                let raw = call();
                self.in_call.store(0, Ordering::SeqCst);
                self.finish_call(line, sc, &raw, verify, &effect)
            }
            Some(end) => {
                let (elo, ehi) = match end {
                    // The end of `+0...0.1` is relative to the same
                    // offset when the start was.
                    Time::Absolute(v) if matches!(t, Time::Relative(_)) => (off + v, off + v),
                    other => {
                        let (a, b, _) = self.times(other, true, false, None);
                        let _ = off;
                        (a, b)
                    }
                };
                let before = self.started.load(Ordering::SeqCst);
                match &self.calls {
                    Some(c) if c.send(call).is_ok() => {}
                    _ => return fail(line, "the system call thread is gone"),
                }
                self.pending = Some(Pending {
                    line,
                    sc: sc.clone(),
                    verify,
                    effect,
                    end_lo: elo,
                    end_hi: ehi,
                    tol,
                });
                // Go on once the call blocks in the kernel (or returned).
                self.await_blocked(before);
                Ok(())
            }
        }
    }

    /// Waits (up to a second) until the system call thread sleeps in
    /// the kernel, as packetdrill does, or its call returned.
    fn await_blocked(&self, before: u64) {
        let stat = format!("/proc/self/task/{}/stat", self.worker_tid);
        let t0 = Instant::now();
        while t0.elapsed() < Duration::from_secs(1) {
            // What the call sends is waited for by the next event: an
            // outbound packet needs no more (each check of the thread's
            // state costs a millisecond or more under emulation).
            if self.next_out {
                return;
            }
            if self.started.load(Ordering::SeqCst) == before {
                std::thread::sleep(Duration::from_micros(200));
                continue;
            }
            // The state follows the parenthesised command name.
            let state = std::fs::read_to_string(&stat)
                .ok()
                .and_then(|s| s.rsplit_once(") ").map(|(_, r)| r.chars().next()))
                .flatten();
            match state {
                Some('S') | Some('D') | None => return,
                _ => std::thread::sleep(Duration::from_micros(500)),
            }
        }
    }

    fn effect_before(&mut self, e: &Effect) {
        let sut = self.sut.as_mut();
        match (e, sut) {
            (Effect::Listen { live_fd }, Some(s)) if s.live_fd == Some(*live_fd) => {
                s.state = SockState::Listening;
                s.local_port = self.cfg.bind_port;
            }
            (Effect::Connect { live_fd }, Some(s))
                if s.live_fd == Some(*live_fd) && s.state == SockState::New =>
            {
                s.state = SockState::Connecting;
                s.remote_port = self.cfg.connect_port;
            }
            _ => {}
        }
    }

    fn finish_call(
        &mut self,
        line: usize,
        sc: &Syscall,
        raw: &Raw,
        verify: syscall::VerifyFn,
        effect: &Effect,
    ) -> Res<()> {
        let want = match &sc.ret.value {
            Expr::Ellipsis => None,
            e => Some(syscall::int(self, e).map_err(|m| Failure { line, msg: m })?),
        };
        let fd_call = matches!(
            effect,
            Effect::NewSocket { .. } | Effect::Accepted { .. } | Effect::NewFd { .. }
        );
        if let Some(w) = want {
            let ok = raw.ret == w || (fd_call && w >= 0 && raw.ret >= 0);
            if !ok {
                return fail(
                    line,
                    format!(
                        "{}: Expected result {w} but got {} with errno {} ({})",
                        sc.name,
                        raw.ret,
                        raw.errno,
                        sys::errno_text(raw.errno)
                    ),
                );
            }
        }
        if let Some(e) = &sc.ret.errno {
            let Some(v) = sys::errno_value(e) else {
                return fail(line, format!("unknown errno {e}"));
            };
            if raw.errno != v {
                return fail(
                    line,
                    format!(
                        "{}: Expected errno {e} ({}) but got {} ({})",
                        sc.name,
                        sys::errno_text(v),
                        sys::errno_name(raw.errno),
                        sys::errno_text(raw.errno)
                    ),
                );
            }
        }
        verify(raw).map_err(|m| Failure { line, msg: m })?;
        if raw.ret >= 0 {
            let fd = raw.ret as c_int;
            if let Effect::NewSocket { script_fd, .. }
            | Effect::Accepted { script_fd }
            | Effect::NewFd { script_fd } = *effect
            {
                if self.fds.contains_key(&script_fd) {
                    // SAFETY: the call just returned this descriptor.
                    unsafe { sys::close(fd) };
                    return fail(line, format!("duplicate fd {script_fd} in script"));
                }
            }
            match *effect {
                Effect::NewSocket { script_fd, .. } => {
                    self.fds.insert(script_fd, fd);
                    self.sut = Some(Sut {
                        live_fd: Some(fd),
                        state: SockState::New,
                        local_port: 0,
                        remote_port: 0,
                        script_local_isn: 0,
                        live_local_isn: None,
                        remote_isn: 0,
                        last_ack_out: None,
                        next_in: None,
                        sent_end: None,
                    });
                }
                Effect::Accepted { script_fd } => {
                    self.fds.insert(script_fd, fd);
                    if let Some(s) = self.sut.as_mut() {
                        if s.live_fd.is_none() {
                            s.live_fd = Some(fd);
                        }
                    }
                }
                Effect::NewFd { script_fd } => {
                    self.fds.insert(script_fd, fd);
                }
                Effect::Close { script_fd } => {
                    if let Some(live) = self.fds.remove(&script_fd) {
                        if let Some(s) = self.sut.as_mut() {
                            if s.live_fd == Some(live) {
                                s.live_fd = None;
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Checks whether the blocking call finished (waiting at most `d`).
    fn poll_pending(&mut self, d: Duration) -> Res<()> {
        let Some(p) = self.pending.as_ref() else {
            return Ok(());
        };
        let raw = match self.results.recv_timeout(d) {
            Ok(r) => r,
            Err(mpsc::RecvTimeoutError::Timeout) => return Ok(()),
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                return fail(p.line, "blocking system call thread died");
            }
        };
        // The thread's own time of return, not when it was noticed.
        let now = raw.at.map_or_else(
            || self.now(),
            |t| t.saturating_duration_since(self.start).as_micros() as i64,
        );
        let Some(p) = self.pending.take() else {
            return Ok(());
        };
        if now < p.end_lo - p.tol || now > p.end_hi + p.tol {
            return fail(
                p.line,
                format!(
                    "timing error: expected system call return at {} sec but happened at {} sec; tolerance {} sec",
                    secs(p.end_lo),
                    secs(now),
                    secs(p.tol)
                ),
            );
        }
        self.finish_call(p.line, &p.sc, &raw, p.verify, &p.effect)
    }

    fn finish_pending(&mut self, at_end: bool) -> Res<()> {
        let deadline = Instant::now() + Duration::from_secs(1);
        while self.pending.is_some() {
            if Instant::now() >= deadline {
                let line = self.pending.as_ref().map(|p| p.line).unwrap_or(0);
                return fail(
                    line,
                    if at_end {
                        "exiting while a blocking system call is in progress"
                    } else {
                        "system call while a blocking system call is still in progress"
                    },
                );
            }
            self.poll_pending(Duration::from_millis(5))?;
        }
        Ok(())
    }

    // ---- Packets ------------------------------------------------------

    /// When `opens` (the packet can open a connection) and there is no
    /// socket under test or it listens: the connection the packet opens,
    /// from the next remote port of the runner's, becomes the socket
    /// under test (the one `accept()` returns). Whether it did.
    fn open_child(&mut self, opens: bool, remote_isn: u32) -> bool {
        let listening = self
            .sut
            .as_ref()
            .is_none_or(|s| s.state == SockState::Listening);
        if !(opens && listening) {
            return false;
        }
        let port = self.next_port;
        self.next_port = self.next_port.wrapping_add(1).max(40000);
        self.sut = Some(Sut {
            live_fd: None,
            state: SockState::Connected,
            local_port: self.cfg.bind_port,
            remote_port: port,
            script_local_isn: 0,
            live_local_isn: None,
            remote_isn,
            last_ack_out: None,
            next_in: None,
            sent_end: None,
        });
        true
    }

    /// Writes a packet from the remote end into the tun device, or in
    /// wire mode onto the wire.
    fn inject(&self, line: usize, pkt: &IpPacket) -> Res<()> {
        match &self.link {
            Link::Tun(tun) => {
                let mut frame = vec![0u8; VNET_HDR_LEN];
                frame.extend_from_slice(&pkt.encode());
                tun.send(&frame).map_err(|e| Failure {
                    line,
                    msg: format!("tun write: {e}"),
                })
            }
            Link::Wire(w) => w.send(&pkt.encode()).map_err(|e| Failure {
                line,
                msg: format!("packet socket write: {e}"),
            }),
        }
    }

    fn ip_hdr(&self, proto: u8, p: &Packet) -> IpHdr {
        let ecn = match p.ecn.as_deref() {
            Some("ect0") => 2,
            Some("ect1") => 1,
            Some("ce") => 3,
            _ => 0,
        };
        IpHdr {
            src: self.cfg.remote_ip,
            dst: self.cfg.local_ip,
            proto,
            ecn,
            dscp: 0,
            ttl: 255,
            flow_label: 0,
        }
    }

    fn inbound(&mut self, line: usize, p: &Packet) -> Res<()> {
        if let Some(x) = &p.ip_extra {
            return fail(
                line,
                format!("IP fields ({x}) are not supported in this version"),
            );
        }
        let t = match &p.body {
            PacketBody::Tcp(t) => t,
            PacketBody::Udp(u) => return self.inbound_udp(line, p, u.len),
            PacketBody::Dccp(d) => return self.inbound_dccp(line, p, d),
            PacketBody::Icmp(ic) => return self.inbound_icmp(line, p, ic),
        };
        let flags = packet::tcp_flags_parse(&t.flags).map_err(|m| Failure { line, msg: m })?;
        let syn = flags & packet::TCP_SYN != 0;
        // The first inbound packet to a listener makes the connection
        // being accepted the socket under test.
        self.open_child(true, t.seq);
        let Some(s) = self.sut.as_mut() else {
            return fail(line, "no socket under test");
        };
        // The remote ISN is the script's: that of the SYN that opened the
        // child (above) or of the SYN-ACK a client gets.
        if syn && flags & packet::TCP_ACK != 0 {
            s.remote_isn = t.seq;
        }
        let seq = if syn {
            t.seq
        } else {
            t.seq.wrapping_add(s.remote_isn)
        };
        // As packetdrill maps them: relative to the live ISN, except on a
        // SYN, where the script's ISN maps to the live one.
        let ack_off = if syn {
            s.live_local_isn
                .unwrap_or(0)
                .wrapping_sub(s.script_local_isn)
        } else {
            s.live_local_isn.unwrap_or(0)
        };
        let ack = match t.ack {
            Some(a) if flags & packet::TCP_ACK != 0 => a.wrapping_add(ack_off),
            Some(a) => a,
            None => 0,
        };
        let Some(win) = t.win else {
            return fail(line, "window must be specified for inbound packets");
        };
        let (sport, dport) = (s.remote_port, s.local_port);
        let mut options = Vec::new();
        for o in t.options.iter().flatten() {
            options.push(match o {
                TcpOpt::Nop => WireOpt::Nop,
                TcpOpt::Eol => WireOpt::Eol,
                TcpOpt::Mss(m) => WireOpt::Mss(*m),
                TcpOpt::SackOk => WireOpt::SackOk,
                TcpOpt::Wscale(w) => WireOpt::Wscale(*w),
                TcpOpt::Sack(b) => WireOpt::Sack(
                    b.iter()
                        .map(|(l, r)| (l.wrapping_add(ack_off), r.wrapping_add(ack_off)))
                        .collect(),
                ),
                TcpOpt::Timestamp { val, ecr } => {
                    let ecr = if flags & packet::TCP_ACK != 0 {
                        match self.ts_map.get(ecr) {
                            Some(live) => *live,
                            None => {
                                return fail(
                                    line,
                                    format!(
                                        "unable to infer live TS ecr for script TS ecr {ecr}; no matching or preceding outbound TS val"
                                    ),
                                )
                            }
                        }
                    } else {
                        *ecr
                    };
                    WireOpt::Timestamp(*val, ecr)
                }
                TcpOpt::Md5 => WireOpt::Md5([0; 16]),
                TcpOpt::FastOpen { exp, cookie } => WireOpt::FastOpen {
                    exp: *exp,
                    cookie: cookie.clone(),
                },
                TcpOpt::Generic { kind, data } => WireOpt::Other(*kind, data.clone()),
            });
        }
        let seg = TcpSeg {
            sport,
            dport,
            seq,
            ack,
            flags,
            res: 0,
            win: win as u16,
            urg: t.urg.unwrap_or(0) as u16,
            options,
            data: vec![0; t.len as usize],
        };
        let pkt = IpPacket {
            ip: self.ip_hdr(packet::IPPROTO_TCP, p),
            payload: seg.encode(),
        };
        self.log(format!("< {}", show_tcp(&seg, 0, 0)));
        if let Some(s) = self.sut.as_mut() {
            s.next_in = Some(seg.seq.wrapping_add(seg.seq_len()));
        }
        self.inject(line, &pkt)
    }

    /// The next frame the kernel sent to the remote address that is a TCP
    /// segment of the socket under test, with the time the reader took it
    /// off the device; None if none came by script time `deadline`.
    fn next_segment(&mut self, line: usize, deadline: i64) -> Res<Option<(i64, IpPacket, TcpSeg)>> {
        loop {
            let Some((at, pkt)) = self.next_packet(line, deadline, packet::IPPROTO_TCP)? else {
                return Ok(None);
            };
            let seg = match TcpSeg::decode(&pkt.payload) {
                Ok(s) => s,
                Err(e) => {
                    let head: Vec<String> = pkt
                        .payload
                        .iter()
                        .take(24)
                        .map(|b| format!("{b:02x}"))
                        .collect();
                    return fail(
                        line,
                        format!(
                            "bad outbound TCP segment: {e} (IP payload of {} bytes: {})",
                            pkt.payload.len(),
                            head.join(" ")
                        ),
                    );
                }
            };
            if !self.owns(&seg) {
                self.log(format!("ignored: TCP {}>{}", seg.sport, seg.dport));
                continue;
            }
            if let (Some(s), true) = (self.sut.as_mut(), seg.flags & packet::TCP_ACK != 0) {
                s.last_ack_out = Some(seg.ack);
            }
            self.log(format!("> {} (sent at {})", show_tcp(&seg, 0, 0), secs(at)));
            let mut resend = false;
            if let Some(s) = self.sut.as_mut() {
                let end = seg
                    .seq
                    .wrapping_add(seg.data.len() as u32)
                    .wrapping_add(u32::from(
                        seg.flags & (packet::TCP_SYN | packet::TCP_FIN) != 0,
                    ));
                resend = s.sent_end.is_some_and(|e| seq_before(seg.seq, e));
                if seg.flags & packet::TCP_SYN != 0 || s.sent_end.is_none_or(|e| seq_before(e, end))
                {
                    s.sent_end = Some(end);
                }
            }
            self.first_read.get_or_insert((at, resend));
            return Ok(Some((at, pkt, seg)));
        }
    }

    /// The next packet of protocol `proto` the kernel sent to the remote
    /// address, with its send time; None if none came by `deadline`.
    fn next_packet(
        &mut self,
        line: usize,
        deadline: i64,
        proto: u8,
    ) -> Res<Option<(i64, IpPacket)>> {
        loop {
            let now = self.now();
            if now >= deadline {
                return Ok(None);
            }
            self.poll_pending(Duration::ZERO)?;
            let wait =
                Duration::from_micros((deadline - now) as u64).min(Duration::from_millis(50));
            let mut pfd = sys::pollfd {
                fd: self.sniffer.fd(),
                events: 1,
                revents: 0,
            };
            // SAFETY: one valid pollfd.
            let n = unsafe { sys::poll(&mut pfd, 1, wait.as_millis().max(1) as i32) };
            if n <= 0 {
                continue;
            }
            let sent = match self.sniffer.read() {
                Ok(Some(s)) => s,
                Ok(None) => continue,
                Err(e) => return fail(line, format!("packet socket read: {e}")),
            };
            // The kernel's stamp, on the monotonic clock.
            let (now, real) = clock_pair();
            let age = real.duration_since(sent.stamp).unwrap_or(Duration::ZERO);
            let when = now.checked_sub(age).unwrap_or(now);
            let at = when.saturating_duration_since(self.start).as_micros() as i64;
            let lag = age.as_micros() as i64;
            if at >= self.acting_since
                && lag > self.cfg.tolerance_usecs / 2
                && self.behind.is_none_or(|b| lag > b.1)
            {
                self.behind = Some((line, lag, at));
            }
            let pkt = match IpPacket::decode_opt(&sent.frame, !sent.partial) {
                Ok(p) => p,
                Err(e) => return fail(line, format!("bad outbound packet: {e}")),
            };
            if pkt.ip.proto != proto || pkt.ip.dst != self.cfg.remote_ip {
                self.log(format!(
                    "ignored: {} packet to {}",
                    packet::proto_name(pkt.ip.proto),
                    pkt.ip.dst
                ));
                continue;
            }
            return Ok(Some((at, pkt)));
        }
    }

    /// How long to wait for an outbound packet due by `hi`: packetdrill
    /// waits for as long as it takes; a bound turns a missing packet into
    /// a clear error (a second past the tolerance, ten for `*`).
    fn deadline(&self, hi: i64, tol: i64) -> i64 {
        if hi == i64::MAX {
            self.now() + 10_000_000
        } else {
            hi.max(self.now()) + tol + 1_000_000
        }
    }

    /// The ports of the socket under test for a UDP line: (local,
    /// remote). The local one is the bound port until the kernel's first
    /// datagram says otherwise; the remote one is the connected port, else
    /// one of the runner's.
    fn udp_ports(&mut self, line: usize) -> Res<(u16, u16)> {
        let bind = self.cfg.bind_port;
        let next = self.next_port;
        let Some(s) = self.sut.as_mut() else {
            return fail(line, "no socket under test");
        };
        if s.local_port == 0 {
            s.local_port = bind;
        }
        if s.remote_port == 0 {
            s.remote_port = next;
            self.next_port = self.next_port.wrapping_add(1).max(40000);
        }
        Ok((s.local_port, s.remote_port))
    }

    /// Injects `< udp (N)`: N zero bytes from the remote end.
    fn inbound_udp(&mut self, line: usize, p: &Packet, len: u32) -> Res<()> {
        let (local, remote) = self.udp_ports(line)?;
        let d = UdpDgram {
            sport: remote,
            dport: local,
            data: vec![0; len as usize],
        };
        let pkt = IpPacket {
            ip: self.ip_hdr(packet::IPPROTO_UDP, p),
            payload: d.encode(),
        };
        self.log(format!("< udp {remote}>{local} ({len})"));
        self.inject(line, &pkt)
    }

    /// Waits for `> udp (N)` from the socket under test, due between `lo`
    /// and `hi`: its length, zero payload, ECN when written, and time.
    fn outbound_udp(
        &mut self,
        line: usize,
        p: &Packet,
        len: u32,
        lo: i64,
        hi: i64,
        tol: i64,
    ) -> Res<i64> {
        let deadline = self.deadline(hi, tol);
        let (at, pkt, d) = loop {
            let Some((at, pkt)) = self.next_packet(line, deadline, packet::IPPROTO_UDP)? else {
                return fail(
                    line,
                    format!(
                        "timed out waiting for outbound packet expected at {} sec: script packet: udp ({len})",
                        secs(lo.max(0))
                    ),
                );
            };
            let d = UdpDgram::decode(&pkt.payload).map_err(|e| Failure {
                line,
                msg: format!("bad outbound UDP datagram: {e}"),
            })?;
            let Some(s) = self.sut.as_mut() else {
                return fail(line, "no socket under test");
            };
            // The first datagram names the socket's ports when the script
            // did not: an unbound socket's local port is the kernel's.
            if s.local_port == 0 {
                s.local_port = d.sport;
            }
            if s.remote_port == 0 {
                s.remote_port = d.dport;
            }
            if d.sport != s.local_port || d.dport != s.remote_port {
                self.log(format!("ignored: UDP {}>{}", d.sport, d.dport));
                continue;
            }
            break (at, pkt, d);
        };
        self.first_read.get_or_insert((at, false));
        self.log(format!("> udp ({}) (sent at {})", d.data.len(), secs(at)));
        if d.data.len() as u32 != len {
            return fail(
                line,
                format!(
                    "live packet payload: expected {len} bytes vs actual {} bytes\nscript packet: udp ({len})\nactual packet: udp ({})",
                    d.data.len(),
                    d.data.len()
                ),
            );
        }
        if let Some(i) = d.data.iter().position(|b| *b != 0) {
            return fail(
                line,
                format!(
                    "incorrect outbound data payload: byte {i} is {:#x}, not 0",
                    d.data[i]
                ),
            );
        }
        if let Some(e) = p.ecn.as_deref() {
            let want = ecn_values(line, e)?;
            if !want.contains(&pkt.ip.ecn) {
                return fail(
                    line,
                    format!(
                        "live packet field ip_ecn: expected: {} vs actual: {}",
                        want[0], pkt.ip.ecn
                    ),
                );
            }
        }
        check_sent_time(line, lo, hi, tol, at)?;
        Ok(at)
    }

    /// Waits for the outbound packet `p` due between `lo` and `hi`.
    /// Returns the time it was sent.
    fn outbound(&mut self, line: usize, p: &Packet, lo: i64, hi: i64, tol: i64) -> Res<i64> {
        if let Some(x) = &p.ip_extra {
            return fail(
                line,
                format!("IP fields ({x}) are not supported in this version"),
            );
        }
        let t = match &p.body {
            PacketBody::Tcp(t) => t,
            PacketBody::Udp(u) => return self.outbound_udp(line, p, u.len, lo, hi, tol),
            PacketBody::Dccp(d) => return self.outbound_dccp(line, p, d, lo, hi, tol),
            PacketBody::Icmp(ic) => return self.outbound_icmp(line, ic, lo, hi, tol),
        };
        let want_flags = packet::tcp_flags_parse(&t.flags).map_err(|m| Failure { line, msg: m })?;
        let deadline = self.deadline(hi, tol);
        let Some((at, pkt, seg)) = self.next_segment(line, deadline)? else {
            return fail(
                line,
                format!(
                    "timed out waiting for outbound packet expected at {} sec: script packet: {}",
                    secs(lo.max(0)),
                    show_script_tcp(t)
                ),
            );
        };
        let seg = self.join_segments(line, seg, t.len as usize, deadline)?;
        self.verify_tcp(line, p, t, want_flags, &pkt, &seg, at)?;
        check_sent_time(line, lo, hi, tol, at)?;
        Ok(at)
    }

    /// packetdrill's default (not --strict_segments): a segment shorter
    /// than the script's is joined with the ones that follow it in
    /// sequence until the script's length is reached. Each must carry
    /// data, the same ack, window and option bytes as the first, no SYN or
    /// RST, and all but the last the first one's size; the joined flags
    /// are the first's with the PSH, FIN and CWR of the others.
    fn join_segments(
        &mut self,
        line: usize,
        mut seg: TcpSeg,
        want: usize,
        deadline: i64,
    ) -> Res<TcpSeg> {
        let size = seg.data.len();
        let opts = TcpSeg::encode_options(&seg.options);
        let mut last = size;
        while size != 0 && seg.data.len() < want {
            let Some((_, _, next)) = self.next_segment(line, deadline)? else {
                break;
            };
            let bad = |why: &str| {
                Failure {
                line,
                msg: format!(
                    "live packet payload: expected {want} bytes vs actual {} bytes; the next segment cannot be joined ({why}): {}",
                    seg.data.len(),
                    show_tcp(&next, 0, 0)
                ),
            }
            };
            if next.seq != seg.seq.wrapping_add(seg.data.len() as u32) {
                return Err(bad("out of sequence"));
            }
            if next.data.is_empty() || next.flags & (packet::TCP_SYN | packet::TCP_RST) != 0 {
                return Err(bad("no data, or SYN or RST"));
            }
            if last != size {
                return Err(bad("a segment before it was shorter than the first"));
            }
            if next.ack != seg.ack
                || next.win != seg.win
                || TcpSeg::encode_options(&next.options).len() != opts.len()
                || next.flags & !(packet::TCP_PSH | packet::TCP_FIN | packet::TCP_CWR)
                    != seg.flags & !(packet::TCP_PSH | packet::TCP_FIN | packet::TCP_CWR)
            {
                return Err(bad("its header differs"));
            }
            last = next.data.len();
            seg.flags |= next.flags & (packet::TCP_PSH | packet::TCP_FIN | packet::TCP_CWR);
            seg.data.extend_from_slice(&next.data);
        }
        Ok(seg)
    }

    /// Whether an outbound segment belongs to the socket under test (a
    /// connecting socket's SYN to the remote port makes it so).
    fn owns(&mut self, seg: &TcpSeg) -> bool {
        let Some(s) = self.sut.as_mut() else {
            return false;
        };
        match s.state {
            SockState::Connecting
                if seg.dport == s.remote_port && seg.flags & packet::TCP_SYN != 0 =>
            {
                s.local_port = seg.sport;
                s.state = SockState::Connected;
                true
            }
            SockState::Connected => seg.sport == s.local_port && seg.dport == s.remote_port,
            _ => false,
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn verify_tcp(
        &mut self,
        line: usize,
        p: &Packet,
        t: &TcpLine,
        want_flags: u8,
        pkt: &IpPacket,
        seg: &TcpSeg,
        at: i64,
    ) -> Res<()> {
        let Some(s) = self.sut.as_mut() else {
            return fail(line, "no socket under test");
        };
        let syn = seg.flags & packet::TCP_SYN != 0;
        // The local ISN is learned once, from the first SYN or SYN-ACK: a
        // retransmitted one must carry the same.
        if syn && want_flags & packet::TCP_SYN != 0 && s.live_local_isn.is_none() {
            s.live_local_isn = Some(seg.seq);
            s.script_local_isn = t.seq;
        }
        let local_isn = s.live_local_isn.unwrap_or(0);
        let remote_isn = s.remote_isn;
        let rel_seq = if syn {
            seg.seq
                .wrapping_sub(local_isn)
                .wrapping_add(s.script_local_isn)
        } else {
            seg.seq.wrapping_sub(local_isn)
        };
        let rel_ack = if syn || seg.flags & packet::TCP_ACK == 0 {
            seg.ack
        } else {
            seg.ack.wrapping_sub(remote_isn)
        };
        let mismatch = |field: &str, want: i64, got: i64| {
            Failure {
            line,
            msg: format!(
                "error handling packet: live packet field {field}: expected: {want} ({want:#x}) vs actual: {got} ({got:#x})\nscript packet: {} {}\nactual packet: {} {}",
                secs(at),
                show_script_tcp(t),
                secs(at),
                show_tcp(seg, local_isn, remote_isn)
            ),
        }
        };
        for (bit, name) in [
            (packet::TCP_FIN, "tcp_fin"),
            (packet::TCP_SYN, "tcp_syn"),
            (packet::TCP_RST, "tcp_rst"),
            (packet::TCP_PSH, "tcp_psh"),
            (packet::TCP_ACK, "tcp_ack"),
            (packet::TCP_URG, "tcp_urg"),
            (packet::TCP_ECE, "tcp_ece"),
            (packet::TCP_CWR, "tcp_cwr"),
        ] {
            let (w, g) = (want_flags & bit != 0, seg.flags & bit != 0);
            if w != g {
                return Err(mismatch(name, i64::from(w), i64::from(g)));
            }
        }
        if rel_seq != t.seq {
            return Err(mismatch("tcp_seq", i64::from(t.seq), i64::from(rel_seq)));
        }
        let want_ack = t.ack.unwrap_or(0);
        if rel_ack != want_ack {
            return Err(mismatch(
                "tcp_ack_seq",
                i64::from(want_ack),
                i64::from(rel_ack),
            ));
        }
        if let Some(w) = t.win {
            if u32::from(seg.win) != w {
                return Err(mismatch("tcp_window", i64::from(w), i64::from(seg.win)));
            }
        }
        let urg = t.urg.unwrap_or(0);
        if u32::from(seg.urg) != urg {
            return Err(mismatch("tcp_urg_ptr", i64::from(urg), i64::from(seg.urg)));
        }
        if seg.res != 0 {
            return Err(mismatch("tcp_reserved_bits", 0, i64::from(seg.res)));
        }
        // The runner writes zeros: so must the kernel have sent.
        if let Some(i) = seg.data.iter().position(|b| *b != 0) {
            return fail(
                line,
                format!(
                    "incorrect outbound data payload: byte {i} is {:#x}, not 0",
                    seg.data[i]
                ),
            );
        }
        if seg.data.len() as u32 != t.len {
            return Err(Failure {
                line,
                msg: format!(
                    "live packet payload: expected {} bytes vs actual {} bytes\nscript packet: {}\nactual packet: {}",
                    t.len,
                    seg.data.len(),
                    show_script_tcp(t),
                    show_tcp(seg, local_isn, remote_isn)
                ),
            });
        }
        if let Some(e) = p.ecn.as_deref() {
            let want = ecn_values(line, e)?;
            if !want.contains(&pkt.ip.ecn) {
                return Err(mismatch(
                    "ip_ecn",
                    i64::from(want[0]),
                    i64::from(pkt.ip.ecn),
                ));
            }
        }
        self.verify_options(line, t, seg, remote_isn)
    }

    fn verify_options(
        &mut self,
        line: usize,
        t: &TcpLine,
        seg: &TcpSeg,
        remote_isn: u32,
    ) -> Res<()> {
        // `<...>`: not checked.
        let Some(want) = t.options.as_deref() else {
            return Ok(());
        };
        let bad = |m: String| Failure {
            line,
            msg: format!(
                "bad outbound TCP options: {m}\nscript packet: {}\nactual packet: {}",
                show_script_tcp(t),
                show_tcp(seg, 0, 0)
            ),
        };
        if want.len() != seg.options.len() {
            return Err(bad(format!(
                "expected {} options, got {}",
                want.len(),
                seg.options.len()
            )));
        }
        for (i, (w, g)) in want.iter().zip(&seg.options).enumerate() {
            let ok = match (w, g) {
                (TcpOpt::Nop, WireOpt::Nop) | (TcpOpt::Eol, WireOpt::Eol) => true,
                (TcpOpt::SackOk, WireOpt::SackOk) => true,
                (TcpOpt::Mss(a), WireOpt::Mss(b)) => a == b,
                (TcpOpt::Wscale(a), WireOpt::Wscale(b)) => a == b,
                (TcpOpt::Timestamp { val, .. }, WireOpt::Timestamp(live, _)) => {
                    // The value is not checked (packetdrill's default TS
                    // tick of 0); remembered for the ecr of inbound
                    // packets.
                    self.ts_map.insert(*val, *live);
                    true
                }
                (TcpOpt::Sack(a), WireOpt::Sack(b)) => {
                    a.len() == b.len()
                        && a.iter().zip(b).all(|((l, r), (gl, gr))| {
                            *l == gl.wrapping_sub(remote_isn) && *r == gr.wrapping_sub(remote_isn)
                        })
                }
                (TcpOpt::Md5, WireOpt::Md5(_)) => true,
                (
                    TcpOpt::FastOpen { exp: a, cookie: c },
                    WireOpt::FastOpen { exp: b, cookie: d },
                ) => a == b && c == d,
                (TcpOpt::Generic { kind, data }, WireOpt::Other(k, d)) => kind == k && data == d,
                _ => false,
            };
            if !ok {
                return Err(bad(format!("option {i}: expected {w:?}, got {g:?}")));
            }
        }
        Ok(())
    }
}

impl Drop for Runner<'_> {
    /// Stops the reader and closes what the script left open, so that a
    /// next script starts clean (a call still blocked keeps its thread
    /// until its descriptor is closed here).
    fn drop(&mut self) {
        // The system call thread ends with its channel.
        self.calls = None;
        self.stop.store(true, Ordering::Relaxed);
        if let Some(r) = self.reader.take() {
            let _ = r.join();
        }
        for fd in self.fds.values() {
            // SAFETY: the script's live descriptors, each closed once.
            unsafe { sys::close(*fd) };
        }
        self.fds.clear();
    }
}

/// The ECN bits an outbound packet's mark (`[ect0]` ...) accepts.
fn ecn_values(line: usize, mark: &str) -> Res<&'static [u8]> {
    Ok(match mark {
        "noecn" | "no_ecn" => &[0],
        "ect0" => &[2],
        "ect1" => &[1],
        "ce" => &[3],
        "ect01" => &[1, 2],
        other => return fail(line, format!("unknown ECN mark [{other}]")),
    })
}

/// The monotonic and the real-time clock read together. A pause between
/// two plain reads (a preempted runner on a busy host) would move every
/// stamp converted with them by its length: a packet seen as sent late,
/// the next one then early. Of up to four tries, the pair read within the
/// narrowest monotonic bracket is taken, the first under 100 µs at once.
fn clock_pair() -> (Instant, std::time::SystemTime) {
    let read = || {
        let m0 = Instant::now();
        let real = std::time::SystemTime::now();
        let width = m0.elapsed();
        (width, m0 + width / 2, real)
    };
    let mut best = read();
    for _ in 1..4 {
        if best.0 < Duration::from_micros(100) {
            break;
        }
        let next = read();
        if next.0 < best.0 {
            best = next;
        }
    }
    (best.1, best.2)
}

/// An outbound packet sent at `at` for an event due between `lo` and
/// `hi` (`lo` of i64::MIN: any time): early is as wrong as late (say,
/// sent before the ACK the script waits for).
fn check_sent_time(line: usize, lo: i64, hi: i64, tol: i64, at: i64) -> Res<()> {
    if lo != i64::MIN && (at < lo - tol || at > hi + tol) {
        return fail(
            line,
            format!(
                "timing error: expected outbound packet at {} sec but happened at {} sec; tolerance {} sec",
                secs(lo),
                secs(at),
                secs(tol)
            ),
        );
    }
    Ok(())
}

/// A failure no lateness of the runner's explains: a packet with a bad
/// checksum, shape, payload or reserved bits, one the NIC under test never
/// received, a frame too large for the path.
fn is_integrity(msg: &str) -> bool {
    [
        "checksum",
        "did not reach",
        "bad outbound",
        "on the wire",
        "incorrect outbound data payload",
        "outbound ICMP message of",
        "tcp_reserved_bits",
        "dccp_x",
        "dccp_ccval",
        "dccp_cscov",
    ]
    .iter()
    .any(|w| msg.contains(w))
}

/// `f`, a failure of the outbound event on `line` whose first packet the
/// kernel sent at `first.0` (if one was read), as a timing error when that
/// packet was a TCP segment sending again what was sent (`first.1`: a
/// retransmission or loss probe, what a TCP timer sends when an ACK comes
/// late) and the kernel sent it while one of `acts` was owed. Unchanged
/// when the packet was new data, a pure ACK or not TCP (DCCP's and UDP's
/// timers are far slower than a late runner: such a packet is the code's
/// own doing), when it is another line's failure (a blocked call's result
/// that came in meanwhile), already a timing error, or one no lateness
/// explains.
fn owed_excuse(
    line: usize,
    f: Failure,
    first: Option<(i64, bool)>,
    acts: &[(usize, i64, i64)],
) -> Failure {
    let Some((at, true)) = first else {
        return f;
    };
    if f.line != line || f.msg.starts_with("timing error:") || is_integrity(&f.msg) {
        return f;
    }
    match owed_at(acts, at) {
        Some((owed, due, done)) => Failure {
            line: f.line,
            msg: format!(
                "timing error: the kernel sent this packet at {} sec, while rnet-drill owed it line {owed}, due at {} sec and done at {} sec; then: {}",
                secs(at),
                secs(*due),
                secs(*done),
                f.msg
            ),
        },
        None => f,
    }
}

/// The first late action (line, due, done) that was owed at `at`: due
/// more than `LATE_ACT_USECS` before it (a packet the kernel sent right
/// after the one the action answers is no answer to its lateness) and
/// done after it.
fn owed_at(acts: &[(usize, i64, i64)], at: i64) -> Option<&(usize, i64, i64)> {
    acts.iter()
        .find(|(_, due, done)| *due + LATE_ACT_USECS < at && at < *done)
}

/// How late (µs) an action after an outbound packet may come before a
/// packet the kernel sent in the meantime counts as an answer to a late
/// script: about what a step of the runner takes on a busy guest.
const LATE_ACT_USECS: i64 = 1000;

/// Whether TCP sequence number `a` comes before `b` (modulo 2^32).
fn seq_before(a: u32, b: u32) -> bool {
    (a.wrapping_sub(b) as i32) < 0
}

fn is_inbound(ev: &Event) -> bool {
    matches!(&ev.kind, EventKind::Packet(p) if p.dir == Dir::In)
}

fn is_outbound(ev: &Event) -> bool {
    matches!(&ev.kind, EventKind::Packet(p) if p.dir == Dir::Out)
}

/// What the event before the current one was, for the base of the
/// current one's relative time.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum PrevKind {
    /// An outbound packet: the base is its kernel stamp.
    Out,
    /// A blocking system call (`...`): the base is when it began.
    Blocking,
    /// An inbound packet or a system call that does not wait for
    /// anything: the base is now, and an outbound packet may also come
    /// from when that action began.
    Acted,
    /// A shell command, `%{ }%` code, or a call that waits (poll, sleep):
    /// the base is now.
    Other,
}

/// System calls that wait for time or readiness: what the kernel sends
/// while one waits is not something the call sent.
const WAITING_CALLS: &[&str] = &[
    "poll",
    "ppoll",
    "select",
    "pselect",
    "epoll_wait",
    "epoll_pwait",
    "nanosleep",
    "usleep",
    "sleep",
];

fn prev_kind(ev: &Event) -> PrevKind {
    match &ev.kind {
        EventKind::Packet(p) if p.dir == Dir::Out => PrevKind::Out,
        EventKind::Packet(_) => PrevKind::Acted,
        EventKind::Syscall(sc) if sc.end.is_some() => PrevKind::Blocking,
        EventKind::Syscall(sc) if !WAITING_CALLS.contains(&sc.name.as_str()) => PrevKind::Acted,
        _ => PrevKind::Other,
    }
}

/// A live segment in packetdrill's notation, numbers relative to the ISNs.
pub fn show_tcp(s: &TcpSeg, local_isn: u32, remote_isn: u32) -> String {
    let seq = s.seq.wrapping_sub(local_isn);
    let mut o = format!(
        "{} {}:{}({})",
        packet::tcp_flags_str(s.flags),
        seq,
        seq.wrapping_add(s.data.len() as u32),
        s.data.len()
    );
    if s.flags & packet::TCP_ACK != 0 {
        o += &format!(" ack {}", s.ack.wrapping_sub(remote_isn));
    }
    o += &format!(" win {}", s.win);
    if !s.options.is_empty() {
        let opts: Vec<String> = s
            .options
            .iter()
            .map(|x| match x {
                WireOpt::Nop => "nop".into(),
                WireOpt::Eol => "eol".into(),
                WireOpt::Mss(m) => format!("mss {m}"),
                WireOpt::Wscale(w) => format!("wscale {w}"),
                WireOpt::SackOk => "sackOK".into(),
                WireOpt::Sack(b) => format!(
                    "sack {}",
                    b.iter()
                        .map(|(l, r)| format!(
                            "{}:{}",
                            l.wrapping_sub(remote_isn),
                            r.wrapping_sub(remote_isn)
                        ))
                        .collect::<Vec<_>>()
                        .join(" ")
                ),
                WireOpt::Timestamp(v, e) => format!("TS val {v} ecr {e}"),
                WireOpt::Md5(_) => "md5".into(),
                WireOpt::FastOpen { exp, cookie } => format!(
                    "{} {}",
                    if *exp { "FOEXP" } else { "FO" },
                    cookie
                        .iter()
                        .map(|b| format!("{b:02x}"))
                        .collect::<String>()
                ),
                WireOpt::Other(k, _) => format!("opt{k}"),
            })
            .collect();
        o += &format!(" <{}>", opts.join(","));
    }
    o
}

/// A script TCP line in its own notation.
pub fn show_script_tcp(t: &TcpLine) -> String {
    let mut o = format!("{} {}:{}({})", t.flags, t.seq, t.end_seq, t.len);
    if let Some(a) = t.ack {
        o += &format!(" ack {a}");
    }
    if let Some(w) = t.win {
        o += &format!(" win {w}");
    }
    match &t.options {
        None => o += " <...>",
        Some(v) if v.is_empty() => {}
        Some(v) => o += &format!(" <{} options>", v.len()),
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prev_kind_sorts_the_bases() {
        let src = "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 < S 0:0(0) win 32792 <mss 1000>
+0 > S. 0:0(0) ack 1 <...>
+0...0.1 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)
+0 poll([{fd=3, events=POLLOUT, revents=0}], 1, 0) = 0
+0 write(3, ..., 10) = 10
+0 `true`
";
        let script = crate::parse::parse(src, &[]).expect("parses");
        let kinds: Vec<PrevKind> = script.events.iter().map(prev_kind).collect();
        use PrevKind::*;
        assert_eq!(
            kinds,
            [Acted, Acted, Out, Blocking, Other, Acted, Other],
            "socket, inbound, outbound, blocking connect, poll, write, command"
        );
    }

    #[test]
    fn owed_at_needs_the_packet_between_due_and_done() {
        // Line 23's ACK due at 3.079 ms (the data's stamp), injected at
        // 9.162 ms; the kernel's tail loss probe at 7.653 ms.
        let acts = [(23, 3079, 9162), (30, 20000, 21500)];
        assert_eq!(owed_at(&acts, 7653), Some(&acts[0]));
        assert_eq!(owed_at(&acts, 21200), Some(&acts[1]));
        // Before the action was due, or after it was done: no excuse.
        assert_eq!(owed_at(&acts, 3079), None);
        // Nor within a step's time of when it was due.
        assert_eq!(owed_at(&acts, 3079 + LATE_ACT_USECS), None);
        assert_eq!(owed_at(&acts, 3080 + LATE_ACT_USECS), Some(&acts[0]));
        assert_eq!(owed_at(&acts, 2000), None);
        assert_eq!(owed_at(&acts, 9162), None);
        assert_eq!(owed_at(&acts, 15000), None);
        assert_eq!(owed_at(&[], 7653), None);
    }

    #[test]
    fn sequence_order_wraps() {
        assert!(seq_before(3001, 4001));
        assert!(!seq_before(4001, 4001));
        assert!(!seq_before(4001, 3001));
        assert!(seq_before(u32::MAX - 10, 5));
        assert!(!seq_before(5, u32::MAX - 10));
    }

    #[test]
    fn integrity_failures_are_never_timing() {
        assert!(is_integrity("bad outbound TCP segment: short"));
        assert!(is_integrity("live packet field tcp_checksum: bad checksum"));
        assert!(is_integrity(
            "incorrect outbound data payload: byte 7 is 0x41, not 0"
        ));
        assert!(is_integrity("outbound ICMP message of 4 bytes"));
        assert!(is_integrity(
            "error handling packet: live packet field tcp_reserved_bits: expected: 0 (0x0) vs actual: 1 (0x1)"
        ));
        assert!(is_integrity(
            "live packet field dccp_cscov: expected: 0 vs actual: 2"
        ));
        assert!(!is_integrity(
            "error handling packet: live packet field tcp_seq: expected: 4001 (0xfa1) vs actual: 3001 (0xbb9)"
        ));
    }

    #[test]
    fn owed_excuse_only_for_the_events_own_content_failure() {
        let acts = [(23, 3079, 9162)];
        let seq = "error handling packet: live packet field tcp_seq: expected: 4001 (0xfa1) vs actual: 3001 (0xbb9)";
        let f = |line: usize, msg: &str| Failure {
            line,
            msg: msg.into(),
        };
        // The case it is for: line 26's packet, a loss probe sent at
        // 7.653 ms.
        let e = owed_excuse(26, f(26, seq), Some((7653, true)), &acts);
        assert_eq!(e.line, 26);
        assert!(e.msg.starts_with(
            "timing error: the kernel sent this packet at 0.007653 sec, while rnet-drill owed it line 23,"
        ));
        assert!(e.msg.ends_with(&format!("; then: {seq}")));
        // Another line's failure, an integrity failure, a timing error
        // already, no packet read, a packet outside the window, one that
        // was not sent again (new data, DCCP, UDP): unchanged.
        let keep = |e: Failure, msg: &str| e.msg == msg;
        assert!(keep(
            owed_excuse(26, f(19, seq), Some((7653, true)), &acts),
            seq
        ));
        assert!(keep(
            owed_excuse(26, f(26, seq), Some((7653, false)), &acts),
            seq
        ));
        let payload = "incorrect outbound data payload: byte 7 is 0x41, not 0";
        assert!(keep(
            owed_excuse(26, f(26, payload), Some((7653, true)), &acts),
            payload
        ));
        let late = "timing error: expected outbound packet at 0.1 sec";
        assert!(keep(
            owed_excuse(26, f(26, late), Some((7653, true)), &acts),
            late
        ));
        assert!(keep(owed_excuse(26, f(26, seq), None, &acts), seq));
        assert!(keep(
            owed_excuse(26, f(26, seq), Some((9500, true)), &acts),
            seq
        ));
    }
}
