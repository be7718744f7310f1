// SPDX-License-Identifier: GPL-2.0
//! Parses the kernel's in-tree packetdrill scripts
//! (tools/testing/selftests/net/packetdrill/*.pkt), every prefix of them,
//! mutated copies of them, and a few malformed scripts.
//!
//! The directory is `$RNET_PACKETDRILL_DIR`, else
//! `$HOME/.cache/rnet/linux/tools/testing/selftests/net/packetdrill`, else
//! `/tmp/pd/linux-source-6.12/tools/testing/selftests/net/packetdrill`.

use rnet_drill::ast::{EventKind, Expr, PacketBody, Script};
use rnet_drill::parse::{parse, ParseError};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;

const SUBDIR: &str = "tools/testing/selftests/net/packetdrill";

fn script_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("RNET_PACKETDRILL_DIR") {
        return PathBuf::from(dir);
    }
    if let Some(home) = std::env::var_os("HOME") {
        let dir = PathBuf::from(home).join(".cache/rnet/linux").join(SUBDIR);
        if dir.is_dir() {
            return dir;
        }
    }
    PathBuf::from("/tmp/pd/linux-source-6.12").join(SUBDIR)
}

/// (file name, contents) of every .pkt script, sorted by name.
fn scripts() -> Vec<(String, String)> {
    let dir = script_dir();
    let entries =
        std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()));
    let mut out: Vec<(String, String)> = entries
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "pkt"))
        .map(|p| {
            let name = p
                .file_name()
                .expect("file name")
                .to_string_lossy()
                .into_owned();
            let text = std::fs::read_to_string(&p)
                .unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()));
            (name, text)
        })
        .collect();
    out.sort();
    out
}

/// The defines ksft_runner.sh passes for IPv4.
fn defines() -> Vec<(String, String)> {
    vec![
        ("CMSG_LEVEL_IP".into(), "SOL_IP".into()),
        ("CMSG_TYPE_RECVERR".into(), "IP_RECVERR".into()),
    ]
}

/// Parses without letting a panic escape: a panic fails with `what`.
fn parse_no_panic(src: &str, what: &str) -> Result<Script, ParseError> {
    let defs = defines();
    match catch_unwind(AssertUnwindSafe(|| parse(src, &defs))) {
        Ok(r) => r,
        Err(_) => panic!("parse panicked on {what}:\n{src}"),
    }
}

fn count_packets(s: &Script) -> usize {
    s.events
        .iter()
        .filter(|e| matches!(e.kind, EventKind::Packet(_)))
        .count()
}

/// Does `e` (or anything inside it) contain the symbol `name`?
fn mentions(e: &Expr, name: &str) -> bool {
    match e {
        Expr::Symbol(s) => s == name,
        Expr::BitOr(v) | Expr::List(v) | Expr::Call(_, v) => v.iter().any(|x| mentions(x, name)),
        Expr::Struct(f) => f.iter().any(|(_, x)| mentions(x, name)),
        Expr::Sized(a, b) => mentions(a, name) || mentions(b, name),
        _ => false,
    }
}

#[test]
fn all_kernel_scripts_parse() {
    let scripts = scripts();
    let names: Vec<&str> = scripts.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(scripts.len(), 24, "expected 24 scripts, found {names:?}");
    let mut events = 0;
    let mut packets = 0;
    for (name, text) in &scripts {
        let s = parse_no_panic(text, name).unwrap_or_else(|e| panic!("{name}:{e}"));
        let n = count_packets(&s);
        assert!(n >= 1, "{name}: no packet events");
        events += s.events.len();
        packets += n;
        // The -D defines were applied: no CMSG_* placeholder is left.
        for e in &s.events {
            if let EventKind::Syscall(call) = &e.kind {
                for arg in &call.args {
                    assert!(!mentions(arg, "CMSG_LEVEL_IP"), "{name}:{}", e.line);
                    assert!(!mentions(arg, "CMSG_TYPE_RECVERR"), "{name}:{}", e.line);
                }
            }
            if let EventKind::Packet(p) = &e.kind {
                assert!(matches!(p.body, PacketBody::Tcp(_)), "{name}:{}", e.line);
            }
        }
    }
    eprintln!(
        "parsed {} scripts: {events} events, {packets} packets",
        scripts.len()
    );
}

#[test]
fn every_line_prefix_parses_or_errs() {
    let mut ok = 0;
    let mut err = 0;
    for (name, text) in scripts() {
        let cuts = text
            .match_indices('\n')
            .map(|(i, _)| i + 1)
            .filter(|&i| i < text.len());
        for cut in std::iter::once(0).chain(cuts) {
            let prefix = &text[..cut];
            match parse_no_panic(prefix, &format!("{name} cut at byte {cut}")) {
                Ok(_) => ok += 1,
                Err(e) => {
                    let lines = prefix.lines().count().max(1) + 1;
                    assert!(
                        e.line >= 1 && e.line <= lines,
                        "{name} cut at {cut}: error line {} beyond the text: {e}",
                        e.line
                    );
                    err += 1;
                }
            }
        }
    }
    eprintln!("line prefixes: {ok} parsed, {err} errors");
    assert!(ok > 0 && err > 0);
}

#[test]
fn every_byte_prefix_of_some_scripts_parses_or_errs() {
    for (name, text) in scripts().into_iter().filter(|(n, _)| {
        n == "tcp_inq_client.pkt"
            || n == "tcp_zerocopy_fastopen-client.pkt"
            || n == "tcp_md5_md5-only-on-client-ack.pkt"
    }) {
        for cut in (0..text.len()).filter(|&i| text.is_char_boundary(i)) {
            let _ = parse_no_panic(&text[..cut], &format!("{name} cut at byte {cut}"));
        }
    }
}

/// A small deterministic pseudo-random generator (no external crates).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) as usize
    }
}

#[test]
fn mutated_scripts_never_panic() {
    let alphabet: Vec<char> = "<>()[]{}.,:=+-*~|`\"%/ \n0123456789abcSFPRTW\u{e9}"
        .chars()
        .collect();
    let mut rng = Lcg(0x5eed);
    for (name, text) in scripts() {
        let chars: Vec<char> = text.chars().collect();
        for round in 0..150 {
            let mut m = chars.clone();
            for _ in 0..1 + rng.next() % 3 {
                if m.is_empty() {
                    break;
                }
                let at = rng.next() % m.len();
                match rng.next() % 3 {
                    0 => {
                        m.remove(at);
                    }
                    1 => m[at] = alphabet[rng.next() % alphabet.len()],
                    _ => m.insert(at, alphabet[rng.next() % alphabet.len()]),
                }
            }
            let src: String = m.into_iter().collect();
            let _ = parse_no_panic(&src, &format!("{name} mutation {round}"));
        }
    }
}

#[test]
fn malformed_scripts_report_their_line() {
    let cases: &[(&str, usize, &str)] = &[
        // An unknown TCP option on line 4.
        (
            "`./defaults.sh`\n\n0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n\
             +0 > S 0:0(0) <mss 1460,sackOK,bogus 3>\n",
            4,
            "unknown TCP option `bogus`",
        ),
        // A bad flag letter.
        (
            "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 < X 0:0(0) win 100\n",
            2,
            "invalid TCP flag `X`",
        ),
        // A recvmsg cut short: reported at the event's first line.
        (
            "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n\
             +0 recvmsg(3, {msg_name(...)=...,\n    msg_iov(1)=[{..., 1000}],\n",
            2,
            "ends inside this event",
        ),
        // A missing `=` in a syscall line, on line 3.
        (
            "// comment\n0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 listen(3, 1) 0\n",
            3,
            "expected `=`",
        ),
        // An unterminated backquoted command.
        (
            "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 `echo hi\n\n",
            2,
            "unterminated `command`",
        ),
        // Inconsistent sequence numbers.
        (
            "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n\n\n+0 < . 1:100(10) win 5\n",
            4,
            "inconsistent sequence numbers",
        ),
        // An inbound packet without a window.
        (
            "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 < . 1:1(0) ack 1\n",
            2,
            "needs `win N`",
        ),
        // A stray token after an event.
        (
            "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3 ]\n",
            1,
            "after the end of an event",
        ),
        // An option after the first event.
        (
            "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n--mtu=1500\n",
            2,
            "must come before everything else",
        ),
    ];
    for (src, line, msg) in cases {
        let e = parse_no_panic(src, "a malformed script").expect_err(src);
        assert_eq!(e.line, *line, "{src}\n=> {e}");
        assert!(e.msg.contains(msg), "{src}\n=> {e}");
    }
}

/// Every script of rnet's own suites (tools/testing/selftests/rnet/drill,
/// dccp_drill and tcp_wire) parses, and each DCCP line in them passes the DCCP
/// line parser (an inbound one with every number it needs): a typo in a
/// script fails here, on the host, not in the guest.
#[test]
fn project_scripts_parse() {
    // The manifest's folder as cargo names it at run time: a test binary
    // kept in a shared target folder may have been built in another clone.
    let manifest =
        std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").into());
    let root = PathBuf::from(manifest).join("../../testing/selftests/rnet");
    let mut dccp_lines = 0;
    for sub in ["drill", "dccp_drill", "tcp_wire"] {
        let dir = root.join(sub);
        let mut names: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
            .map(|e| e.expect("directory entry").path())
            .filter(|p| p.extension().is_some_and(|x| x == "pkt"))
            .collect();
        names.sort();
        assert!(!names.is_empty(), "no scripts in {}", dir.display());
        for p in names {
            let src = std::fs::read_to_string(&p).expect("script");
            let s = parse(&src, &[]).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            for ev in &s.events {
                if let EventKind::Packet(pk) = &ev.kind {
                    if let PacketBody::Dccp(text) = &pk.body {
                        let l = rnet_drill::dccp::parse_line(text)
                            .unwrap_or_else(|e| panic!("{}:{}: {e}", p.display(), ev.line));
                        if pk.dir == rnet_drill::ast::Dir::In {
                            l.check_inbound()
                                .unwrap_or_else(|e| panic!("{}:{}: {e}", p.display(), ev.line));
                        }
                        dccp_lines += 1;
                    }
                }
            }
        }
    }
    assert!(dccp_lines >= 80, "only {dccp_lines} DCCP lines");
}
