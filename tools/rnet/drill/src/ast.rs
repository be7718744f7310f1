// SPDX-License-Identifier: GPL-2.0
//! The syntax tree of a packetdrill-language script, as `parse` builds it
//! and `run` executes it.

/// Where an event starts, for error messages ("script.pkt:12: ...").
pub type Line = usize;

/// When an event happens, in microseconds, as written.
#[derive(Debug, Clone, PartialEq)]
pub enum Time {
    /// `1.5`: since the script's start.
    Absolute(i64),
    /// `+0.1`: since the previous event's time.  A command written without
    /// a time (the first or last statement of a script) gets `Relative(0)`.
    Relative(i64),
    /// `*`: any time (outbound packets only).
    Any,
    /// `1.0~2.0` / `+1.0~+2.0`: between two times (both absolute or both
    /// relative, as written; outbound packets only).
    Range(Box<Time>, Box<Time>),
    /// A backquoted command written without a time: the first statement
    /// of a script (its setup, run before the clock starts) or the last
    /// (its cleanup, run at the end even when the script failed).
    Untimed,
}

/// An expression in a syscall's arguments or return value.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// `...`: anything; the runner supplies a value where one is needed.
    Ellipsis,
    /// An integer literal: decimal (negative allowed) or `0x` hex.  A hex
    /// literal above `i64::MAX` (up to 64 bits) keeps its bit pattern.
    Int(i64),
    /// A symbol (`SOCK_STREAM`, `O_NONBLOCK`, `EINPROGRESS`).  A symbol
    /// named by a `-D NAME=VALUE` define is replaced by its value.
    Symbol(String),
    /// `A|B|0x4`: the bitwise or of its parts (two or more).
    BitOr(Vec<Expr>),
    /// `"text"`, with C escapes (`\n`, `\"`, `\x41`...) already decoded;
    /// adjacent strings (`"a" "b"`) are joined into one.
    Str(String),
    /// `[1]`, `[1, 2]`, `[]`: a pointer to a value / an array.
    List(Vec<Expr>),
    /// `{a=1, b=[2], c}`: a struct literal; fields named or not (an
    /// unnamed field has name None).
    Struct(Vec<(Option<String>, Expr)>),
    /// `msg_name(...)=...`, `msg_iov(1)=[...]`: a named field with an
    /// argument in parentheses, as packetdrill writes it inside structs:
    /// `Sized(argument, value)`.  It appears in a Struct as the field name
    /// (`"msg_iov"`) with this value, e.g. `msg_iov(1)=[{..., 1000}]` is
    /// `(Some("msg_iov"), Sized(Int(1), List([Struct([(None, Ellipsis),
    /// (None, Int(1000))])])))`.
    Sized(Box<Expr>, Box<Expr>),
    /// `htons(8080)`, `inet_addr("1.2.3.4")`, `sockaddr(...)`-like calls:
    /// the function's name and its arguments.
    Call(String, Vec<Expr>),
}

/// `= -1 EINPROGRESS (Operation now in progress)` or `= 0`.
#[derive(Debug, Clone, PartialEq)]
pub struct Expected {
    /// The expected return value (often an `Int`, or `Ellipsis`).
    pub value: Expr,
    /// The errno symbol after the value (normally after a -1), if any.
    pub errno: Option<String>,
    /// The text in parentheses after the value or errno, if any, with its
    /// whitespace collapsed to single spaces (not checked).
    pub note: Option<String>,
}

/// A system call line: `connect(3, ..., ...) = -1 EINPROGRESS (...)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Syscall {
    /// The call's name, as written (`socket`, `setsockopt`...).
    pub name: String,
    /// Its arguments, in order.
    pub args: Vec<Expr>,
    /// What it must return.
    pub ret: Expected,
    /// `...` after the start time ("0...0.1 connect(...)"): the call blocks,
    /// and `end` is when it must return (the event's Time is its start).
    /// The end uses the same base as the start: `+0...0.1` and `+0...+0.1`
    /// both give `Relative(100000)` (0.1 s after the previous event, as in
    /// packetdrill), `0...0.1` gives `Absolute(100000)`.
    pub end: Option<Time>,
}

/// Direction of a packet line.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Dir {
    /// `<`: the script injects it into the kernel.
    In,
    /// `>`: the kernel must send it.
    Out,
}

/// One TCP option as written in `<...>`.
#[derive(Debug, Clone, PartialEq)]
pub enum TcpOpt {
    /// `nop` (kind 1).
    Nop,
    /// `eol` (kind 0).
    Eol,
    /// `mss N` (kind 2).
    Mss(u16),
    /// `sackOK` (kind 4).
    SackOk,
    /// `sack 1:2 3:4`: relative sequence blocks (kind 5).
    Sack(Vec<(u32, u32)>),
    /// `TS val V ecr E` (kind 8).
    Timestamp { val: u32, ecr: u32 },
    /// `wscale N` (kind 3).
    Wscale(u8),
    /// `md5 <32 hex digits>` (kind 19): the 16-byte signature slot.  The
    /// parser checks the digest is 16 bytes of hex but does not keep it
    /// (contents not checked).
    Md5,
    /// `FO abcd1234` / `FOEXP ...`: Fast Open cookie (hex bytes), possibly
    /// empty (`FO`).  `exp` is true for the experimental form (kind 254,
    /// magic 0xF989), false for kind 34.
    FastOpen { exp: bool, cookie: Vec<u8> },
    /// Anything else written numerically: `kind K len L` etc.  (The parser
    /// does not produce it: packetdrill's grammar has no such form.)
    Generic { kind: u8, data: Vec<u8> },
}

/// A TCP packet line: `S. 0:0(0) ack 1 win 5792 <mss 1460,...>`.
#[derive(Debug, Clone, PartialEq)]
pub struct TcpLine {
    /// Flags as written, each character one of `.FSRPEWAU01234567`: '.' is
    /// ACK, E is ECE, W is CWR, A is AE, U is URG, and a digit 0-7 is the
    /// AccECN ACE field (it excludes E, W and A).  `-` (no flags) gives "".
    pub flags: String,
    /// `start:end(len)`, relative.
    pub seq: u32,
    /// The `end` of `start:end(len)`; always `seq + len`.
    pub end_seq: u32,
    /// The `len` of `start:end(len)`: payload bytes (at most 65535).
    pub len: u32,
    /// `ack N`, relative; None if not written.
    pub ack: Option<u32>,
    /// `win N`; None if not written (outbound only: window not checked).
    pub win: Option<u32>,
    /// `urg N`; None if not written.
    pub urg: Option<u32>,
    /// The TCP options.  `Some(list)` for `<...list...>`; `Some(vec![])`
    /// when no option list is written (the packet has no options, and an
    /// outbound one must have none); None for a literal `<...>` (outbound
    /// only: options not checked).
    pub options: Option<Vec<TcpOpt>>,
}

/// A UDP packet line: `udp (1000)`.
#[derive(Debug, Clone, PartialEq)]
pub struct UdpLine {
    /// Payload bytes (at most 65535).
    pub len: u32,
}

/// An ICMP error line: `< icmp unreachable frag_needed mtu 1200 [1:1461(1460)]`.
#[derive(Debug, Clone, PartialEq)]
pub struct IcmpLine {
    /// The type, as written (`unreachable`, `time_exceeded`...; not
    /// checked by the parser).
    pub icmp_type: String,
    /// The code, as written (`frag_needed`, `port_unreachable`...), if any.
    pub code: Option<String>,
    /// `mtu N`, if written.
    pub mtu: Option<u32>,
    /// The quoted TCP/UDP packet summary in brackets, if any:
    /// `[1:1461(1460)]` gives a `Tcp` with only its sequence fields set
    /// (flags "", ack/win/urg None, options `Some(vec![])`), and
    /// `[udp (100)]` a `Udp`.
    pub quoted: Option<Box<PacketBody>>,
}

/// What a packet line carries after its direction and IP-level extras.
#[derive(Debug, Clone, PartialEq)]
pub enum PacketBody {
    /// A TCP segment.
    Tcp(TcpLine),
    /// A UDP datagram.
    Udp(UdpLine),
    /// An ICMP error.
    Icmp(IcmpLine),
    /// A DCCP line: its text from the word `dccp` to the end of the line
    /// (e.g. "dccp Request seq 0"), trimmed and without a trailing `//`
    /// comment, kept for the DCCP extension's own parser.
    Dccp(String),
}

/// A packet line: `> [ect0] S. 0:0(0) ack 1 <...>`.
#[derive(Debug, Clone, PartialEq)]
pub struct Packet {
    /// `<` or `>`.
    pub dir: Dir,
    /// `[ect0]`, `[ce]`, `[noecn]`, `[ect1]`, `[ect01]` (outbound only):
    /// the IP ECN mark written in brackets (or parentheses) right after the
    /// direction, if any, without its brackets.
    pub ecn: Option<String>,
    /// The other IP-level extras written in that same bracket, with single
    /// spaces: "tos 0x10", "flowlabel 0x12345", "ttl 64", or
    /// "tos 0x10, flowlabel 0x1"; for `[ect0, flowlabel 0x1]` this is
    /// "flowlabel 0x1" (and `ecn` is "ect0").  None if nothing else.
    pub ip_extra: Option<String>,
    /// The TCP/UDP/ICMP/DCCP part.
    pub body: PacketBody,
}

/// What an event does.
#[derive(Debug, Clone, PartialEq)]
pub enum EventKind {
    /// A system call and its expected result.
    Syscall(Syscall),
    /// A packet to inject (`<`) or expect (`>`).
    Packet(Packet),
    /// A backquoted shell command: its text (backslash escapes kept as
    /// written).
    Command(String),
    /// `%{ ... }%`: its text, without the spaces and tabs at both ends.
    Code(String),
}

/// One timed statement of a script.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// The line of its time (or of the command, for an untimed command).
    pub line: Line,
    /// When it happens.
    pub time: Time,
    /// What it does.
    pub kind: EventKind,
}

/// A whole script: the `--name=value` option lines at its top (in order),
/// and its events.  A backquoted command written without a time is allowed
/// as the first statement (the setup command) and as the last one (the
/// cleanup command, as in packetdrill); each is an Event with time
/// `Relative(0)`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Script {
    /// `--name=value` (Some(value), quotes removed from a lone quoted
    /// string) and `--name` (None).
    pub options: Vec<(String, Option<String>)>,
    /// The events, in script order.
    pub events: Vec<Event>,
}
