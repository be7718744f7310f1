// SPDX-License-Identifier: GPL-2.0
//! `%{ ... }%` blocks: packetdrill hands them to Python with the socket
//! under test's `tcp_info` fields as variables. This runner evaluates the
//! one form scripts check TCP with, `assert` statements over `tcpi_*`
//! names (integer arithmetic, comparisons, `and`/`or`/`not`), and refuses
//! anything else with a clear message.

/// The `struct tcp_info` fields (Linux 6.12 layout): name, byte offset,
/// size in bytes. The two bit-field bytes are split by name below.
const TCP_INFO_FIELDS: &[(&str, usize, usize)] = &[
    ("tcpi_state", 0, 1),
    ("tcpi_ca_state", 1, 1),
    ("tcpi_retransmits", 2, 1),
    ("tcpi_probes", 3, 1),
    ("tcpi_backoff", 4, 1),
    ("tcpi_options", 5, 1),
    ("tcpi_rto", 8, 4),
    ("tcpi_ato", 12, 4),
    ("tcpi_snd_mss", 16, 4),
    ("tcpi_rcv_mss", 20, 4),
    ("tcpi_unacked", 24, 4),
    ("tcpi_sacked", 28, 4),
    ("tcpi_lost", 32, 4),
    ("tcpi_retrans", 36, 4),
    ("tcpi_fackets", 40, 4),
    ("tcpi_last_data_sent", 44, 4),
    ("tcpi_last_ack_sent", 48, 4),
    ("tcpi_last_data_recv", 52, 4),
    ("tcpi_last_ack_recv", 56, 4),
    ("tcpi_pmtu", 60, 4),
    ("tcpi_rcv_ssthresh", 64, 4),
    ("tcpi_rtt", 68, 4),
    ("tcpi_rttvar", 72, 4),
    ("tcpi_snd_ssthresh", 76, 4),
    ("tcpi_snd_cwnd", 80, 4),
    ("tcpi_advmss", 84, 4),
    ("tcpi_reordering", 88, 4),
    ("tcpi_rcv_rtt", 92, 4),
    ("tcpi_rcv_space", 96, 4),
    ("tcpi_total_retrans", 100, 4),
    ("tcpi_pacing_rate", 104, 8),
    ("tcpi_max_pacing_rate", 112, 8),
    ("tcpi_bytes_acked", 120, 8),
    ("tcpi_bytes_received", 128, 8),
    ("tcpi_segs_out", 136, 4),
    ("tcpi_segs_in", 140, 4),
    ("tcpi_notsent_bytes", 144, 4),
    ("tcpi_min_rtt", 148, 4),
    ("tcpi_data_segs_in", 152, 4),
    ("tcpi_data_segs_out", 156, 4),
    ("tcpi_delivery_rate", 160, 8),
    ("tcpi_busy_time", 168, 8),
    ("tcpi_rwnd_limited", 176, 8),
    ("tcpi_sndbuf_limited", 184, 8),
    ("tcpi_delivered", 192, 4),
    ("tcpi_delivered_ce", 196, 4),
    ("tcpi_bytes_sent", 200, 8),
    ("tcpi_bytes_retrans", 208, 8),
    ("tcpi_dsack_dups", 216, 4),
    ("tcpi_reord_seen", 220, 4),
    ("tcpi_rcv_ooopack", 224, 4),
    ("tcpi_snd_wnd", 228, 4),
    ("tcpi_rcv_wnd", 232, 4),
    ("tcpi_rehash", 236, 4),
    ("tcpi_total_rto", 240, 2),
    ("tcpi_total_rto_recoveries", 242, 2),
    ("tcpi_total_rto_time", 244, 4),
];

/// The size of the `struct tcp_info` asked for.
pub const TCP_INFO_LEN: usize = 248;

/// The value of `tcp_info` field `name` in `info` (as many bytes as the
/// kernel returned); None for an unknown name or a field past them.
pub fn tcp_info_field(info: &[u8], name: &str) -> Option<i64> {
    let byte = |i: usize| info.get(i).copied().map(i64::from);
    match name {
        "tcpi_snd_wscale" => return byte(6).map(|b| b & 0xf),
        "tcpi_rcv_wscale" => return byte(6).map(|b| b >> 4),
        "tcpi_delivery_rate_app_limited" => return byte(7).map(|b| b & 1),
        "tcpi_fastopen_client_fail" => return byte(7).map(|b| (b >> 1) & 3),
        _ => {}
    }
    let &(_, off, size) = TCP_INFO_FIELDS.iter().find(|(n, _, _)| *n == name)?;
    let b = info.get(off..off + size)?;
    let mut v = [0u8; 8];
    v[..size].copy_from_slice(b);
    Some(u64::from_le_bytes(v) as i64)
}

/// Python's `//`: the quotient rounded toward minus infinity (so `%`
/// takes the divisor's sign).
fn floor_div(a: i64, b: i64) -> i64 {
    let q = a.wrapping_div(b);
    if a.wrapping_rem(b) != 0 && ((a < 0) != (b < 0)) {
        q - 1
    } else {
        q
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Num(i64),
    Name(String),
    Op(&'static str),
    Str,
}

fn lex(s: &str) -> Result<Vec<Tok>, String> {
    let b = s.as_bytes();
    let mut i = 0;
    let mut out = Vec::new();
    const OPS: &[&str] = &[
        "==", "!=", "<=", ">=", "<", ">", "+", "-", "*", "//", "/", "%", "(", ")", ",",
    ];
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
        } else if c.is_ascii_digit() {
            let st = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric()) {
                i += 1;
            }
            let t = &s[st..i];
            let v = if let Some(h) = t.strip_prefix("0x") {
                i64::from_str_radix(h, 16)
            } else {
                t.parse()
            };
            out.push(Tok::Num(v.map_err(|_| format!("bad number '{t}'"))?));
        } else if c.is_ascii_alphabetic() || c == b'_' {
            let st = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
            out.push(Tok::Name(s[st..i].to_string()));
        } else if c == b'\'' || c == b'"' {
            let q = c;
            i += 1;
            while i < b.len() && b[i] != q {
                i += 1;
            }
            if i >= b.len() {
                return Err("unterminated string".into());
            }
            i += 1;
            out.push(Tok::Str);
        } else if let Some(op) = OPS.iter().find(|o| s[i..].starts_with(**o)) {
            i += op.len();
            out.push(Tok::Op(op));
        } else {
            return Err(format!("unexpected '{}'", &s[i..i + 1]));
        }
    }
    Ok(out)
}

struct Eval<'a> {
    toks: Vec<Tok>,
    pos: usize,
    var: &'a dyn Fn(&str) -> Option<i64>,
}

impl Eval<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }

    fn eat_op(&mut self, op: &str) -> bool {
        if matches!(self.peek(), Some(Tok::Op(o)) if *o == op) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn eat_name(&mut self, n: &str) -> bool {
        if matches!(self.peek(), Some(Tok::Name(x)) if x == n) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// Python's `or` and `and` give one of their operands.
    fn or(&mut self) -> Result<i64, String> {
        let mut v = self.and()?;
        while self.eat_name("or") {
            let r = self.and()?;
            if v == 0 {
                v = r;
            }
        }
        Ok(v)
    }

    fn and(&mut self) -> Result<i64, String> {
        let mut v = self.not()?;
        while self.eat_name("and") {
            let r = self.not()?;
            if v != 0 {
                v = r;
            }
        }
        Ok(v)
    }

    fn not(&mut self) -> Result<i64, String> {
        if self.eat_name("not") {
            return Ok(i64::from(self.not()? == 0));
        }
        self.cmp()
    }

    /// Python's chained comparisons: `a < b <= c`.
    fn cmp(&mut self) -> Result<i64, String> {
        let mut l = self.sum()?;
        let mut all = true;
        let mut any = false;
        loop {
            let op = match self.peek() {
                Some(Tok::Op(o)) if ["==", "!=", "<", "<=", ">", ">="].contains(o) => *o,
                _ => break,
            };
            self.pos += 1;
            any = true;
            let r = self.sum()?;
            all &= match op {
                "==" => l == r,
                "!=" => l != r,
                "<" => l < r,
                "<=" => l <= r,
                ">" => l > r,
                _ => l >= r,
            };
            l = r;
        }
        Ok(if any { i64::from(all) } else { l })
    }

    fn sum(&mut self) -> Result<i64, String> {
        let mut v = self.term()?;
        loop {
            if self.eat_op("+") {
                v = v.wrapping_add(self.term()?);
            } else if self.eat_op("-") {
                v = v.wrapping_sub(self.term()?);
            } else {
                return Ok(v);
            }
        }
    }

    fn term(&mut self) -> Result<i64, String> {
        let mut v = self.unary()?;
        loop {
            let op = if self.eat_op("*") {
                "*"
            } else if self.eat_op("//") {
                "//"
            } else if self.eat_op("/") {
                // Python's true division gives a float: not evaluated here.
                return Err("'/' (true division) is not supported; use '//'".into());
            } else if self.eat_op("%") {
                "%"
            } else {
                return Ok(v);
            };
            let r = self.unary()?;
            v = match op {
                "*" => v.wrapping_mul(r),
                _ if r == 0 => return Err("division by zero".into()),
                "//" => floor_div(v, r),
                _ => v.wrapping_sub(floor_div(v, r).wrapping_mul(r)),
            };
        }
    }

    fn unary(&mut self) -> Result<i64, String> {
        if self.eat_op("-") {
            return Ok(self.unary()?.wrapping_neg());
        }
        if self.eat_op("(") {
            let v = self.or()?;
            if !self.eat_op(")") {
                return Err("missing ')'".into());
            }
            return Ok(v);
        }
        match self.toks.get(self.pos).cloned() {
            Some(Tok::Num(n)) => {
                self.pos += 1;
                Ok(n)
            }
            Some(Tok::Name(n)) if n == "True" || n == "False" => {
                self.pos += 1;
                Ok(i64::from(n == "True"))
            }
            Some(Tok::Name(n)) => {
                self.pos += 1;
                (self.var)(&n).ok_or_else(|| format!("unknown name '{n}'"))
            }
            Some(t) => Err(format!("unexpected {t:?}")),
            None => Err("expression ends early".into()),
        }
    }
}

/// What an assert found.
#[derive(Debug, PartialEq)]
pub enum Outcome {
    /// Every assert held.
    Pass,
    /// An assert failed: its text and the values of the names in it.
    Fail(String),
}

/// Runs the `%{ }%` block `code`: each line (or `;`-separated statement)
/// an `assert EXPR[, MESSAGE]`, the names `tcpi_*` read through `var`.
/// Err for anything else (the block cannot be run here).
pub fn run_asserts(code: &str, var: &dyn Fn(&str) -> Option<i64>) -> Result<Outcome, String> {
    for stmt in code.split(['\n', ';']).map(str::trim) {
        if stmt.is_empty() || stmt.starts_with('#') {
            continue;
        }
        let Some(rest) = stmt.strip_prefix("assert") else {
            return Err(format!(
                "only assert statements over tcp_info are supported in %{{ }}%, not: {stmt}"
            ));
        };
        if !rest.starts_with([' ', '\t', '(']) {
            return Err(format!("only assert statements are supported, not: {stmt}"));
        }
        let toks = lex(rest)?;
        // The message after the top-level comma is Python's business: only
        // its names must exist.
        let mut depth = 0;
        let mut cut = toks.len();
        for (i, t) in toks.iter().enumerate() {
            match t {
                Tok::Op("(") => depth += 1,
                Tok::Op(")") => depth -= 1,
                Tok::Op(",") if depth == 0 => {
                    cut = i;
                    break;
                }
                _ => {}
            }
        }
        let names: Vec<String> = toks
            .iter()
            .filter_map(|t| match t {
                Tok::Name(n) if n.starts_with("tcpi_") => Some(n.clone()),
                _ => None,
            })
            .collect();
        let mut e = Eval {
            toks: toks[..cut].to_vec(),
            pos: 0,
            var,
        };
        let v = e.or().map_err(|m| format!("in '{stmt}': {m}"))?;
        if e.pos != cut {
            return Err(format!("in '{stmt}': unexpected {:?}", e.toks[e.pos]));
        }
        if v == 0 {
            let mut vals = Vec::new();
            for n in names {
                let s = format!("{n}={}", var(&n).unwrap_or(-1));
                if !vals.contains(&s) {
                    vals.push(s);
                }
            }
            return Ok(Outcome::Fail(format!(
                "AssertionError: {stmt} ({})",
                vals.join(", ")
            )));
        }
    }
    Ok(Outcome::Pass)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(cwnd: u32) -> Vec<u8> {
        let mut i = vec![0u8; TCP_INFO_LEN];
        i[80..84].copy_from_slice(&cwnd.to_le_bytes());
        i[0] = 1;
        i[6] = 0x78;
        i
    }

    #[test]
    fn fields_at_their_offsets() {
        let i = info(10);
        assert_eq!(tcp_info_field(&i, "tcpi_snd_cwnd"), Some(10));
        assert_eq!(tcp_info_field(&i, "tcpi_state"), Some(1));
        assert_eq!(tcp_info_field(&i, "tcpi_snd_wscale"), Some(8));
        assert_eq!(tcp_info_field(&i, "tcpi_rcv_wscale"), Some(7));
        assert_eq!(tcp_info_field(&i, "tcpi_nope"), None);
        assert_eq!(tcp_info_field(&i[..40], "tcpi_snd_cwnd"), None);
    }

    #[test]
    fn the_in_tree_forms() {
        let i = info(10);
        let var = |n: &str| tcp_info_field(&i, n);
        assert_eq!(
            run_asserts(" assert tcpi_snd_cwnd == 10, tcpi_snd_cwnd ", &var),
            Ok(Outcome::Pass)
        );
        assert_eq!(
            run_asserts(
                "assert tcpi_snd_cwnd == 10, 'cwnd=%d' % tcpi_snd_cwnd",
                &var
            ),
            Ok(Outcome::Pass)
        );
        match run_asserts("assert tcpi_snd_cwnd == 12, tcpi_snd_cwnd", &var) {
            Ok(Outcome::Fail(m)) => assert!(m.contains("tcpi_snd_cwnd=10"), "{m}"),
            r => panic!("{r:?}"),
        }
    }

    #[test]
    fn expressions() {
        let i = info(20);
        let var = |n: &str| tcp_info_field(&i, n);
        for ok in [
            "assert tcpi_snd_cwnd > 10 and tcpi_snd_cwnd <= 20",
            "assert 10 < tcpi_snd_cwnd < 21",
            "assert (tcpi_snd_cwnd - 4) // 2 == 8",
            "assert (tcpi_snd_cwnd - 5) % 4 == 3",
            "assert not tcpi_snd_cwnd == 3\nassert tcpi_state == 1",
            "assert tcpi_snd_cwnd == 1 or tcpi_snd_cwnd == 20",
        ] {
            assert_eq!(run_asserts(ok, &var), Ok(Outcome::Pass), "{ok}");
        }
        assert!(matches!(
            run_asserts("assert 10 < tcpi_snd_cwnd < 20", &var),
            Ok(Outcome::Fail(_))
        ));
        assert!(run_asserts("print(tcpi_snd_cwnd)", &var).is_err());
        assert!(run_asserts("assert tcpi_bogus == 1", &var).is_err());
        assert!(run_asserts("assert tcpi_snd_cwnd ==", &var).is_err());
        assert!(run_asserts("assert (tcpi_snd_cwnd", &var).is_err());
        assert!(run_asserts("assert 1 // 0", &var).is_err());
        // Python's semantics: true division refused, floor division and
        // modulo with the divisor's sign, and/or give an operand.
        assert!(run_asserts("assert tcpi_snd_cwnd / 3 == 3", &var).is_err());
        assert!(matches!(
            run_asserts("assert 7 % -2 == 1", &var),
            Ok(Outcome::Fail(_))
        ));
        assert_eq!(run_asserts("assert 7 % -2 == -1", &var), Ok(Outcome::Pass));
        assert_eq!(run_asserts("assert -7 // 2 == -4", &var), Ok(Outcome::Pass));
        assert_eq!(run_asserts("assert (0 or 5) == 5", &var), Ok(Outcome::Pass));
        assert_eq!(
            run_asserts("assert (3 and 5) == 5", &var),
            Ok(Outcome::Pass)
        );
    }
}
