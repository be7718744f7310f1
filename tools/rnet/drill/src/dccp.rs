// SPDX-License-Identifier: GPL-2.0
//! DCCP lines (rnet-drill's extension of packetdrill's language) and DCCP
//! packets on the wire (RFC 4340): the line's own parser, the packet's
//! encoder and decoder, and the text both are shown as.
//!
//! A line, after the direction (Documentation/networking/rnet/rnet-drill.rst
//! has the grammar):
//!
//! ```text
//! dccp Request seq 0 svc 42 <change_l ccid 2, ...>
//! dccp Response seq 0 ack 0 svc 42 <...>
//! dccp DataAck seq 2 ack 1 (100) <ndp 1, ackvec0 0:1>
//! dccp Reset seq 5 ack 4 code closed
//! ```

use std::fmt::Write as _;

/// Sequence numbers are 48 bits wide.
pub const SEQ_MASK: u64 = (1 << 48) - 1;

/// The packet types, by number.
pub const TYPES: [&str; 10] = [
    "Request", "Response", "Data", "Ack", "DataAck", "CloseReq", "Close", "Reset", "Sync",
    "SyncAck",
];
pub const REQUEST: u8 = 0;
pub const RESPONSE: u8 = 1;
pub const DATA: u8 = 2;
pub const RESET: u8 = 7;

/// Reset codes (RFC 4340 5.6), by number.
pub const RESET_CODES: [&str; 12] = [
    "unspecified",
    "closed",
    "aborted",
    "no_connection",
    "packet_error",
    "option_error",
    "mandatory_error",
    "connection_refused",
    "bad_service_code",
    "too_busy",
    "bad_init_cookie",
    "aggression_penalty",
];

/// Feature numbers (RFC 4340 6.4) by name.
pub const FEATURES: [(&str, u8); 9] = [
    ("ccid", 1),
    ("short_seqnos", 2),
    ("seq_window", 3),
    ("ecn_incapable", 4),
    ("ack_ratio", 5),
    ("send_ackvec", 6),
    ("send_ndp", 7),
    ("min_cscov", 8),
    ("check_data_csum", 9),
];

/// Option types with a name of their own.
const OPT_NAMES: [(&str, u8); 14] = [
    ("padding", 0),
    ("mandatory", 1),
    ("slow_receiver", 2),
    ("change_l", 32),
    ("confirm_l", 33),
    ("change_r", 34),
    ("confirm_r", 35),
    ("ndp", 37),
    ("ackvec0", 38),
    ("ackvec1", 39),
    ("ts", 41),
    ("tsecho", 42),
    ("elapsed", 43),
    ("data_csum", 44),
];

/// Whether a packet of type `ty` carries an acknowledgement number.
pub fn has_ack(ty: u8) -> bool {
    ty != REQUEST && ty != DATA
}

/// Whether feature `f` is non-negotiable (one value, of several bytes).
fn is_nn(f: u8) -> bool {
    f == 3 || f == 5
}

/// An option value in a script: a number or `*` (outbound only).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Val {
    Any,
    Is(u64),
    /// `STATE:*` in an Ack Vector: a run of that state, any length.
    Run(u8),
}

/// An option as a script writes it: its type, and its values as the
/// type's own decoding gives them (see `values`).
#[derive(Debug, Clone, PartialEq)]
pub struct ScriptOpt {
    pub kind: u8,
    pub vals: Vec<Val>,
    /// The values end with `...`: more may follow those written.
    pub more: bool,
    /// Written as `opt K B...`: the values are the option's bytes, as
    /// they are, whatever its type (a malformed option, say).
    pub raw: bool,
}

/// A DCCP line.
#[derive(Debug, Clone, PartialEq)]
pub struct DccpLine {
    pub ty: u8,
    /// `seq N`: the script's own number (inbound), or relative to the
    /// kernel's initial sequence number (outbound).
    pub seq: Option<u64>,
    /// `ack N`: relative to the kernel's ISS (inbound), or the script's
    /// own number (outbound).
    pub ack: Option<u64>,
    /// `svc N`: the service code of a Request or Response.
    pub svc: Option<u32>,
    /// `code NAME|N`: a Reset's code.
    pub code: Option<u8>,
    pub ccval: Option<u8>,
    pub cscov: Option<u8>,
    /// `(N)`: payload bytes (zeros).
    pub len: u32,
    /// The options: None for `<...>` (outbound: not checked).
    pub opts: Option<Vec<ScriptOpt>>,
    /// The list had `...` in it: each option written must have been
    /// sent, in any order, others beside them (outbound only).
    pub partial: bool,
}

/// A DCCP packet on the wire.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DccpPkt {
    pub sport: u16,
    pub dport: u16,
    pub ccval: u8,
    pub cscov: u8,
    pub ty: u8,
    /// Extended (48-bit) sequence numbers.
    pub x: bool,
    pub seq: u64,
    pub ack: Option<u64>,
    pub svc: Option<u32>,
    /// A Reset's code and its three data bytes.
    pub reset: Option<(u8, [u8; 3])>,
    /// Options but padding, in order: (type, data).
    pub opts: Vec<(u8, Vec<u8>)>,
    pub data: Vec<u8>,
}

fn be(b: &[u8]) -> u64 {
    b.iter().fold(0u64, |a, x| (a << 8) | u64::from(*x))
}

/// The bytes of `v` in `n` bytes, big-endian.
fn be_bytes(v: u64, n: usize) -> Vec<u8> {
    (0..n).rev().map(|i| (v >> (8 * i)) as u8).collect()
}

/// The fewest bytes (at least one) that hold `v`.
fn min_len(v: u64) -> usize {
    (1..8).find(|n| v >> (8 * n) == 0).unwrap_or(8)
}

/// The values of an option's data, as scripts write them: a feature
/// option's feature then its values (an NN feature's single value of
/// several bytes, else a byte each), NDP Count, Timestamp and Elapsed
/// Time one number, Timestamp Echo the echoed stamp and the elapsed time
/// if any; anything else a byte each.
pub fn values(kind: u8, d: &[u8]) -> Vec<u64> {
    match kind {
        32..=35 if !d.is_empty() => {
            let mut v = vec![u64::from(d[0])];
            if is_nn(d[0]) && d.len() > 1 {
                v.push(be(&d[1..]));
            } else {
                v.extend(d[1..].iter().map(|b| u64::from(*b)));
            }
            v
        }
        37 | 41 | 43 | 44 => vec![be(d)],
        42 if d.len() > 4 => vec![be(&d[..4]), be(&d[4..])],
        42 => vec![be(d)],
        _ => d.iter().map(|b| u64::from(*b)).collect(),
    }
}

/// Whether an option's data has a length its type allows (RFC 4340
/// 5.8, 6.4, 13): a sent option of another length does not match any
/// line, whatever its value.
fn length_ok(kind: u8, d: &[u8]) -> bool {
    match kind {
        32..=35 => match d.first() {
            None => false,
            // Sequence Window six bytes, Ack Ratio two; an empty Confirm
            // (a refusal) is the feature alone.
            Some(3) => d.len() == 7 || (kind & 1 == 1 && d.len() == 1),
            Some(5) => d.len() == 3 || (kind & 1 == 1 && d.len() == 1),
            Some(_) => true,
        },
        37 => (1..=3).contains(&d.len()),
        41 | 44 => d.len() == 4,
        42 => matches!(d.len(), 4 | 6 | 8),
        43 => matches!(d.len(), 2 | 4),
        _ => true,
    }
}

/// The data of an option from the values a script wrote.
fn encode_values(kind: u8, v: &[u64]) -> Result<Vec<u8>, String> {
    let byte = |x: u64| u8::try_from(x).map_err(|_| format!("{x} does not fit in a byte"));
    Ok(match kind {
        0..=2 => {
            if !v.is_empty() {
                return Err("this option takes no value".into());
            }
            Vec::new()
        }
        32..=35 => {
            let Some((&f, rest)) = v.split_first() else {
                return Err("a feature option needs its feature".into());
            };
            let f = byte(f)?;
            let mut d = vec![f];
            if is_nn(f) {
                if rest.len() > 1 {
                    return Err("a non-negotiable feature takes one value".into());
                }
                if let Some(&x) = rest.first() {
                    // Sequence Window values are written in six bytes.
                    if f == 5 && x > 0xffff {
                        return Err("Ack Ratio is two bytes".into());
                    }
                    d.extend(be_bytes(x, if f == 3 { 6 } else { 2 }));
                }
            } else {
                for x in rest {
                    d.push(byte(*x)?);
                }
            }
            d
        }
        37 => match v {
            [x] if *x < 1 << 24 => be_bytes(*x, min_len(*x)),
            _ => return Err("ndp takes one value below 2^24".into()),
        },
        41 | 44 => match v {
            [x] if *x <= u64::from(u32::MAX) => be_bytes(*x, 4),
            _ => return Err("this option takes one 32-bit value".into()),
        },
        42 => match v {
            [t] if *t <= u64::from(u32::MAX) => be_bytes(*t, 4),
            [t, e] if *t <= u64::from(u32::MAX) && *e <= u64::from(u32::MAX) => {
                let mut d = be_bytes(*t, 4);
                d.extend(be_bytes(*e, if *e > 0xffff { 4 } else { 2 }));
                d
            }
            _ => return Err("tsecho takes a 32-bit stamp and an optional elapsed time".into()),
        },
        43 => match v {
            [x] if *x <= u64::from(u32::MAX) => be_bytes(*x, if *x > 0xffff { 4 } else { 2 }),
            _ => return Err("elapsed takes one 32-bit value".into()),
        },
        _ => v.iter().map(|x| byte(*x)).collect::<Result<_, _>>()?,
    })
}

fn opt_name(kind: u8) -> String {
    OPT_NAMES
        .iter()
        .find(|(_, k)| *k == kind)
        .map_or_else(|| format!("opt {kind}"), |(n, _)| n.to_string())
}

fn feature_name(f: u64) -> String {
    FEATURES
        .iter()
        .find(|(_, n)| u64::from(*n) == f)
        .map_or_else(|| f.to_string(), |(s, _)| s.to_string())
}

/// An option's text, as a script would write it.
fn show_opt(kind: u8, vals: &[Val]) -> String {
    let mut s = opt_name(kind);
    let show = |v: &Val| match v {
        Val::Any => "*".to_string(),
        Val::Is(x) => x.to_string(),
        Val::Run(st) => format!("{st}:*"),
    };
    for (i, v) in vals.iter().enumerate() {
        let text = match (kind, i, v) {
            (32..=35, 0, Val::Is(f)) => feature_name(*f),
            (38 | 39, _, Val::Is(b)) => format!("{}:{}", b >> 6, b & 63),
            _ => show(v),
        };
        let _ = write!(s, " {text}");
    }
    s
}

impl ScriptOpt {
    /// Its bytes for an inbound packet (no `*` allowed).
    pub fn encode(&self) -> Result<(u8, Vec<u8>), String> {
        if self.more {
            return Err("`...` in an inbound packet's option".into());
        }
        let mut v = Vec::new();
        for x in &self.vals {
            match x {
                Val::Is(n) => v.push(*n),
                Val::Any | Val::Run(_) => return Err("`*` in an inbound packet's option".into()),
            }
        }
        if self.raw {
            return Ok((self.kind, v.iter().map(|b| *b as u8).collect()));
        }
        Ok((self.kind, encode_values(self.kind, &v)?))
    }

    /// Whether the option `(kind, data)` a kernel sent is this one.
    pub fn matches(&self, kind: u8, data: &[u8]) -> bool {
        let got = if self.raw {
            data.iter().map(|b| u64::from(*b)).collect()
        } else {
            if !length_ok(kind, data) {
                return false;
            }
            values(kind, data)
        };
        let n = self.vals.len();
        kind == self.kind
            && (got.len() == n || (self.more && got.len() > n))
            && got.iter().zip(&self.vals).all(|(g, w)| match w {
                Val::Any => true,
                Val::Is(x) => x == g,
                Val::Run(st) => g >> 6 == u64::from(*st),
            })
    }

    pub fn show(&self) -> String {
        let mut s = if self.raw {
            let mut s = format!("opt {}", self.kind);
            for v in &self.vals {
                match v {
                    Val::Is(b) => {
                        let _ = write!(s, " {b}");
                    }
                    Val::Any | Val::Run(_) => s.push_str(" *"),
                }
            }
            s
        } else {
            show_opt(self.kind, &self.vals)
        };
        if self.more {
            s.push_str(" ...");
        }
        s
    }
}

/// Shows an option as sent.
pub fn show_wire_opt(kind: u8, data: &[u8]) -> String {
    let v: Vec<Val> = values(kind, data).into_iter().map(Val::Is).collect();
    show_opt(kind, &v)
}

// ---- The line's parser ----------------------------------------------------

fn number(w: &str) -> Result<u64, String> {
    let r = if let Some(h) = w.strip_prefix("0x") {
        u64::from_str_radix(h, 16)
    } else {
        w.parse()
    };
    r.map_err(|_| format!("expected a number, got `{w}`"))
}

fn val(w: &str) -> Result<Val, String> {
    if w == "*" {
        Ok(Val::Any)
    } else {
        number(w).map(Val::Is)
    }
}

/// One option from its words (`change_l ccid 2 3`, `ackvec0 0:3 3:1`).
fn parse_opt(words: &[&str]) -> Result<ScriptOpt, String> {
    let Some((&name, rest)) = words.split_first() else {
        return Err("empty option".into());
    };
    let raw = name == "opt";
    let (kind, rest) = if raw {
        let Some((k, r)) = rest.split_first() else {
            return Err("`opt` needs an option type".into());
        };
        let k = number(k)?;
        (
            u8::try_from(k).map_err(|_| format!("option type {k} is not a byte"))?,
            r,
        )
    } else {
        match OPT_NAMES.iter().find(|(n, _)| *n == name) {
            Some((_, k)) => (*k, rest),
            None => return Err(format!("unknown DCCP option `{name}`")),
        }
    };
    let (rest, more) = match rest.split_last() {
        Some((&"...", r)) => (r, true),
        _ => (rest, false),
    };
    let mut vals = Vec::new();
    for (i, w) in rest.iter().enumerate() {
        if raw {
            let b = val(w)?;
            if matches!(b, Val::Is(x) if x > 255) {
                return Err(format!("`{w}` is not a byte"));
            }
            vals.push(b);
        } else if (32..=35).contains(&kind) && i == 0 {
            let f = match FEATURES.iter().find(|(n, _)| n == w) {
                Some((_, f)) => u64::from(*f),
                None => number(w).map_err(|_| format!("unknown feature `{w}`"))?,
            };
            vals.push(Val::Is(f));
        } else if (kind == 38 || kind == 39) && *w == "*" {
            vals.push(Val::Any);
        } else if let Some(st) = w.strip_suffix(":*").filter(|_| kind == 38 || kind == 39) {
            let st = number(st)?;
            if st > 3 {
                return Err(format!("Ack Vector run {w}: state 0-3"));
            }
            vals.push(Val::Run(st as u8));
        } else if kind == 38 || kind == 39 {
            let (st, run) = w
                .split_once(':')
                .ok_or_else(|| format!("an Ack Vector run is STATE:LENGTH, not `{w}`"))?;
            let (st, run) = (number(st)?, number(run)?);
            if st > 3 || run > 63 {
                return Err(format!("Ack Vector run {w}: state 0-3, length 0-63"));
            }
            vals.push(Val::Is((st << 6) | run));
        } else {
            vals.push(val(w)?);
        }
    }
    if raw {
        if kind < 32 && !vals.is_empty() {
            return Err(format!("option type {kind} has no length byte: no data"));
        }
        return Ok(ScriptOpt {
            kind,
            vals,
            more,
            raw,
        });
    }
    if (32..=35).contains(&kind) && vals.is_empty() {
        return Err(format!("`{name}` needs a feature"));
    }
    let o = ScriptOpt {
        kind,
        vals,
        more,
        raw,
    };
    // Check the values fit (with `*` taken as 0).
    let probe: Vec<u64> = o
        .vals
        .iter()
        .map(|v| match v {
            Val::Is(x) => *x,
            Val::Any => 0,
            Val::Run(st) => u64::from(*st) << 6,
        })
        .collect();
    encode_values(kind, &probe).map_err(|e| format!("`{}`: {e}", words.join(" ")))?;
    Ok(o)
}

/// Parses a DCCP line's text, from `dccp` on.
pub fn parse_line(text: &str) -> Result<DccpLine, String> {
    let (head, opts_text) = match text.find('<') {
        Some(i) => {
            let rest = &text[i + 1..];
            let Some(j) = rest.rfind('>') else {
                return Err("`<` without `>`".into());
            };
            if !rest[j + 1..].trim().is_empty() {
                return Err(format!(
                    "text after the options: `{}`",
                    rest[j + 1..].trim()
                ));
            }
            (&text[..i], Some(&rest[..j]))
        }
        None => (text, None),
    };
    let words: Vec<&str> = head.split_whitespace().collect();
    let mut it = words.iter().copied();
    if it.next() != Some("dccp") {
        return Err("a DCCP line starts with `dccp`".into());
    }
    let tname = it.next().ok_or("`dccp` needs a packet type")?;
    let ty = TYPES
        .iter()
        .position(|t| t.eq_ignore_ascii_case(tname))
        .ok_or_else(|| {
            format!(
                "unknown DCCP packet type `{tname}` (one of {})",
                TYPES.join(", ")
            )
        })? as u8;
    let mut l = DccpLine {
        ty,
        seq: None,
        ack: None,
        svc: None,
        code: None,
        ccval: None,
        cscov: None,
        len: 0,
        opts: Some(Vec::new()),
        partial: false,
    };
    while let Some(w) = it.next() {
        if let Some(n) = w.strip_prefix('(').and_then(|r| r.strip_suffix(')')) {
            let n = number(n)?;
            l.len = u32::try_from(n)
                .ok()
                .filter(|n| *n <= 65535)
                .ok_or_else(|| format!("payload of {n} bytes"))?;
            continue;
        }
        let v = it.next().ok_or_else(|| format!("`{w}` needs a value"))?;
        match w {
            "seq" | "ack" => {
                let n = number(v)?;
                if n > SEQ_MASK {
                    return Err(format!("{w} {n} is past 48 bits"));
                }
                if w == "seq" {
                    l.seq = Some(n);
                } else if has_ack(ty) {
                    l.ack = Some(n);
                } else {
                    return Err(format!(
                        "a {} has no acknowledgement number",
                        TYPES[ty as usize]
                    ));
                }
            }
            "svc" => {
                if ty != REQUEST && ty != RESPONSE {
                    return Err("only a Request or a Response has a service code".into());
                }
                let n = number(v)?;
                l.svc = Some(u32::try_from(n).map_err(|_| format!("service code {n}"))?);
            }
            "code" => {
                if ty != RESET {
                    return Err("only a Reset has a code".into());
                }
                let c = match RESET_CODES.iter().position(|c| *c == v) {
                    Some(c) => c as u64,
                    None => number(v).map_err(|_| format!("unknown Reset code `{v}`"))?,
                };
                l.code = Some(u8::try_from(c).map_err(|_| format!("Reset code {c}"))?);
            }
            "ccval" | "cscov" => {
                let n = number(v)?;
                if n > 15 {
                    return Err(format!("{w} {n} is past 4 bits"));
                }
                if w == "ccval" {
                    l.ccval = Some(n as u8);
                } else {
                    l.cscov = Some(n as u8);
                }
            }
            _ => return Err(format!("unknown word `{w}` in a DCCP line")),
        }
    }
    if l.seq.is_none() {
        return Err("a DCCP line needs `seq N`".into());
    }
    if let Some(o) = opts_text {
        let o = o.trim();
        if o == "..." {
            l.opts = None;
        } else if !o.is_empty() {
            let mut list = Vec::new();
            for item in o.split(',') {
                let words: Vec<&str> = item.split_whitespace().collect();
                if words == ["..."] {
                    l.partial = true;
                    continue;
                }
                list.push(parse_opt(&words)?);
            }
            l.opts = Some(list);
        }
    }
    Ok(l)
}

impl DccpLine {
    /// Checks what only an inbound packet needs: every number known.
    pub fn check_inbound(&self) -> Result<(), String> {
        if has_ack(self.ty) && self.ack.is_none() {
            return Err(format!(
                "an inbound {} needs `ack N`",
                TYPES[self.ty as usize]
            ));
        }
        if self.opts.is_none() || self.partial {
            return Err("`...` in an inbound packet's options".into());
        }
        for o in self.opts.iter().flatten() {
            o.encode()?;
        }
        Ok(())
    }

    /// The line as written (normalised).
    pub fn show(&self) -> String {
        let mut s = format!("dccp {}", TYPES[self.ty as usize]);
        if let Some(v) = self.seq {
            let _ = write!(s, " seq {v}");
        }
        if let Some(v) = self.ack {
            let _ = write!(s, " ack {v}");
        }
        if let Some(v) = self.svc {
            let _ = write!(s, " svc {v}");
        }
        if let Some(c) = self.code {
            let _ = write!(s, " code {}", reset_name(c));
        }
        if let Some(v) = self.ccval {
            let _ = write!(s, " ccval {v}");
        }
        if let Some(v) = self.cscov {
            let _ = write!(s, " cscov {v}");
        }
        if self.len > 0 {
            let _ = write!(s, " ({})", self.len);
        }
        match &self.opts {
            None => s.push_str(" <...>"),
            Some(o) if !o.is_empty() || self.partial => {
                let mut items: Vec<String> = o.iter().map(ScriptOpt::show).collect();
                if self.partial {
                    items.push("...".into());
                }
                let _ = write!(s, " <{}>", items.join(", "));
            }
            Some(_) => {}
        }
        s
    }
}

fn reset_name(c: u8) -> String {
    RESET_CODES
        .get(usize::from(c))
        .map_or_else(|| c.to_string(), |n| n.to_string())
}

// ---- The wire --------------------------------------------------------------

impl DccpPkt {
    /// The packet's bytes, checksum zero (the sender fills it in):
    /// extended sequence numbers when `x` is set, else 24-bit ones (the
    /// low bits of `seq` and `ack`), options padded to a word. The type is
    /// written as its 4 bits, reserved types too.
    pub fn encode(&self) -> Vec<u8> {
        let mut h = Vec::with_capacity(64 + self.data.len());
        h.extend_from_slice(&self.sport.to_be_bytes());
        h.extend_from_slice(&self.dport.to_be_bytes());
        h.extend_from_slice(&[0, (self.ccval << 4) | (self.cscov & 15), 0, 0]);
        h.push(((self.ty & 15) << 1) | u8::from(self.x));
        let ack = self.ack.unwrap_or(0);
        if self.x {
            h.push(0);
            h.extend(be_bytes(self.seq & SEQ_MASK, 6));
            if has_ack(self.ty) {
                h.extend_from_slice(&[0, 0]);
                h.extend(be_bytes(ack & SEQ_MASK, 6));
            }
        } else {
            h.extend(be_bytes(self.seq & 0xff_ffff, 3));
            if has_ack(self.ty) {
                h.push(0);
                h.extend(be_bytes(ack & 0xff_ffff, 3));
            }
        }
        if self.ty == REQUEST || self.ty == RESPONSE {
            h.extend_from_slice(&self.svc.unwrap_or(0).to_be_bytes());
        }
        if self.ty == RESET {
            let (c, d) = self.reset.unwrap_or((0, [0; 3]));
            h.push(c);
            h.extend_from_slice(&d);
        }
        for (k, d) in &self.opts {
            h.push(*k);
            if *k >= 32 {
                h.push((d.len() + 2) as u8);
                h.extend_from_slice(d);
            }
        }
        while h.len() % 4 != 0 {
            h.push(0);
        }
        h[4] = (h.len() / 4) as u8;
        h.extend_from_slice(&self.data);
        h
    }

    /// Takes a packet apart (its checksum checked by the IP layer).
    pub fn decode(b: &[u8]) -> Result<DccpPkt, String> {
        if b.len() < 12 {
            return Err(format!("DCCP packet of {} bytes", b.len()));
        }
        let doff = usize::from(b[4]) * 4;
        if doff > b.len() {
            return Err(format!(
                "data offset {doff} past the packet's {} bytes",
                b.len()
            ));
        }
        let ty = (b[8] >> 1) & 15;
        let x = b[8] & 1 == 1;
        let mut p = DccpPkt {
            sport: u16::from_be_bytes([b[0], b[1]]),
            dport: u16::from_be_bytes([b[2], b[3]]),
            ccval: b[5] >> 4,
            cscov: b[5] & 15,
            ty,
            x,
            ..Default::default()
        };
        let mut off;
        if x {
            if b.len() < 16 {
                return Err("short extended header".into());
            }
            p.seq = be(&b[10..16]);
            off = 16;
        } else {
            p.seq = be(&b[9..12]);
            off = 12;
        }
        let need = |off: usize, n: usize| -> Result<(), String> {
            if off + n > doff {
                Err(format!(
                    "{} header ends past its data offset {doff}",
                    TYPES.get(usize::from(ty)).unwrap_or(&"DCCP")
                ))
            } else {
                Ok(())
            }
        };
        if has_ack(ty) {
            if x {
                need(off, 8)?;
                p.ack = Some(be(&b[off + 2..off + 8]));
                off += 8;
            } else {
                need(off, 4)?;
                p.ack = Some(be(&b[off + 1..off + 4]));
                off += 4;
            }
        }
        if ty == REQUEST || ty == RESPONSE {
            need(off, 4)?;
            p.svc = Some(be(&b[off..off + 4]) as u32);
            off += 4;
        }
        if ty == RESET {
            need(off, 4)?;
            p.reset = Some((b[off], [b[off + 1], b[off + 2], b[off + 3]]));
            off += 4;
        }
        need(off, 0)?;
        while off < doff {
            let k = b[off];
            if k < 32 {
                if k != 0 {
                    p.opts.push((k, Vec::new()));
                }
                off += 1;
                continue;
            }
            if off + 1 >= doff {
                return Err(format!("option {k} without its length"));
            }
            let len = usize::from(b[off + 1]);
            if len < 2 || off + len > doff {
                return Err(format!("option {k} of length {len} at offset {off}"));
            }
            p.opts.push((k, b[off + 2..off + len].to_vec()));
            off += len;
        }
        p.data = b[doff..].to_vec();
        Ok(p)
    }

    /// Shows the packet as a line, its sequence number relative to `iss`
    /// (the kernel's initial sequence number, when known).
    pub fn show(&self, iss: Option<u64>) -> String {
        let mut s = format!(
            "dccp {} seq {}",
            TYPES.get(usize::from(self.ty)).unwrap_or(&"?"),
            self.seq.wrapping_sub(iss.unwrap_or(0)) & SEQ_MASK
        );
        if let Some(a) = self.ack {
            let _ = write!(s, " ack {a}");
        }
        if let Some(v) = self.svc {
            let _ = write!(s, " svc {v}");
        }
        if let Some((c, _)) = self.reset {
            let _ = write!(s, " code {}", reset_name(c));
        }
        if self.ccval != 0 {
            let _ = write!(s, " ccval {}", self.ccval);
        }
        if self.cscov != 0 {
            let _ = write!(s, " cscov {}", self.cscov);
        }
        if !self.data.is_empty() {
            let _ = write!(s, " ({})", self.data.len());
        }
        if !self.opts.is_empty() {
            let o: Vec<String> = self
                .opts
                .iter()
                .map(|(k, d)| show_wire_opt(*k, d))
                .collect();
            let _ = write!(s, " <{}>", o.join(", "));
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_round_trip() {
        let l = parse_line(
            "dccp Request seq 0 svc 42 <change_l ccid 2 3, change_r seq_window 100, ndp 1>",
        )
        .unwrap();
        assert_eq!(l.ty, REQUEST);
        assert_eq!(l.svc, Some(42));
        assert_eq!(
            l.show(),
            "dccp Request seq 0 svc 42 <change_l ccid 2 3, change_r seq_window 100, ndp 1>"
        );
        let o = l.opts.as_ref().unwrap();
        assert_eq!(o[1].encode().unwrap(), (34, vec![3, 0, 0, 0, 0, 0, 100]));
    }

    #[test]
    fn bad_lines() {
        for (t, want) in [
            ("dccp Bogus seq 0", "unknown DCCP packet type"),
            ("dccp Request ack 1 seq 0", "has no acknowledgement"),
            ("dccp Data seq 0 svc 1", "only a Request or a Response"),
            ("dccp Reset seq 0 ack 0 code bogus", "unknown Reset code"),
            ("dccp Ack ack 1", "needs `seq N`"),
            ("dccp Ack seq 0 ack 1 <ackvec0 4:1>", "state 0-3"),
            ("dccp Ack seq 0 ack 1 <change_l ack_ratio 1 2>", "one value"),
            ("dccp Ack seq 0 ack 1 <foo>", "unknown DCCP option"),
            ("dccp Ack seq 281474976710656 ack 1", "past 48 bits"),
            ("dccp Ack seq 0 ack 1 <ndp 1", "without `>`"),
        ] {
            let e = parse_line(t).unwrap_err();
            assert!(e.contains(want), "{t}: {e}");
        }
        let l = parse_line("dccp Ack seq 1 <ts *>").unwrap();
        assert!(l.check_inbound().unwrap_err().contains("needs `ack N`"));
        let l = parse_line("dccp Ack seq 1 ack 0 <ts *>").unwrap();
        assert!(l.check_inbound().unwrap_err().contains("`*`"));
    }

    #[test]
    fn packet_round_trip() {
        let p = DccpPkt {
            sport: 5001,
            dport: 8080,
            ty: RESPONSE,
            x: true,
            seq: 0x1234_5678_9abc,
            ack: Some(7),
            svc: Some(42),
            opts: vec![(32, vec![1, 2]), (1, vec![]), (41, vec![0, 0, 1, 0])],
            data: vec![0; 5],
            ..Default::default()
        };
        let b = p.encode();
        assert_eq!(b.len() % 4, 1);
        assert_eq!(usize::from(b[4]) * 4, b.len() - 5);
        assert_eq!(DccpPkt::decode(&b).unwrap(), p);
        assert_eq!(
            p.show(Some(0x1234_5678_9abb)),
            "dccp Response seq 1 ack 7 svc 42 (5) <change_l ccid 2, mandatory, ts 256>"
        );
        let r = DccpPkt {
            ty: RESET,
            x: true,
            seq: SEQ_MASK,
            ack: Some(0),
            reset: Some((2, [1, 2, 3])),
            ..Default::default()
        };
        assert_eq!(DccpPkt::decode(&r.encode()).unwrap(), r);
        // Truncated or inconsistent headers are errors, never a panic.
        let b = p.encode();
        for n in 0..b.len() {
            let _ = DccpPkt::decode(&b[..n]);
        }
        let mut bad = b.clone();
        bad[4] = 3;
        assert!(DccpPkt::decode(&bad).is_err());
    }

    #[test]
    fn short_sequence_numbers_round_trip() {
        let p = DccpPkt {
            ty: 3,
            seq: 0x12_3456,
            ack: Some(0xab_cdef),
            ..Default::default()
        };
        let b = p.encode();
        assert_eq!(b.len(), 16);
        assert_eq!(b[8], 3 << 1);
        assert_eq!(DccpPkt::decode(&b).unwrap(), p);
    }

    #[test]
    fn option_matching() {
        let l = parse_line("dccp Ack seq 1 ack 0 <ts *, tsecho 5 *, ackvec0 0:3 3:1>").unwrap();
        let o = l.opts.unwrap();
        assert!(o[0].matches(41, &[1, 2, 3, 4]));
        assert!(o[1].matches(42, &[0, 0, 0, 5, 0, 9]));
        assert!(!o[1].matches(42, &[0, 0, 0, 6, 0, 9]));
        assert!(!o[1].matches(42, &[0, 0, 0, 5]));
        assert!(o[2].matches(38, &[3, 0xc1]));
        assert!(!o[2].matches(39, &[3, 0xc1]));
        let l = parse_line("dccp Ack seq 1 ack 0 <ackvec0 0:0 3:0 *>").unwrap();
        let o = &l.opts.unwrap()[0];
        assert!(o.matches(38, &[0, 0xc0, 3]));
        assert!(!o.matches(38, &[0, 0xc1, 3]));
        assert_eq!(o.show(), "ackvec0 0:0 3:0 *");
        // A raw option is its bytes, even a malformed one.
        let l = parse_line("dccp Ack seq 1 ack 0 <opt 32, mandatory, opt 200 1 *>").unwrap();
        let o = l.opts.unwrap();
        assert_eq!(o[0].encode().unwrap(), (32, vec![]));
        assert!(o[2].matches(200, &[1, 7]));
        assert!(!o[2].matches(200, &[2, 7]));
        assert_eq!(o[2].show(), "opt 200 1 *");
        assert!(parse_line("dccp Ack seq 1 ack 0 <opt 1 5>").is_err());
    }

    #[test]
    fn runs_more_values_and_lengths() {
        let l = parse_line(
            "dccp Ack seq 1 ack 0 <ackvec0 0:* 3:0 *, confirm_r short_seqnos 0 ..., \
             confirm_r ack_ratio 1, tsecho 7 *>",
        )
        .unwrap();
        assert!(l.check_inbound().is_err());
        let o = l.opts.unwrap();
        assert!(o[0].matches(38, &[0x05, 0xc0, 0x41]));
        assert!(!o[0].matches(38, &[0xc5, 0xc0, 0x41]));
        assert_eq!(o[0].show(), "ackvec0 0:* 3:0 *");
        // A prefix, then anything.
        assert!(o[1].matches(35, &[2, 0]));
        assert!(o[1].matches(35, &[2, 0, 0, 1]));
        assert!(!o[1].matches(35, &[2, 1, 0]));
        assert!(!o[1].matches(35, &[2]));
        assert_eq!(o[1].show(), "confirm_r short_seqnos 0 ...");
        // Ack Ratio is two bytes: one byte of the same value does not
        // match; Timestamp Echo is 4, 6 or 8 bytes.
        assert!(o[2].matches(35, &[5, 0, 1]));
        assert!(!o[2].matches(35, &[5, 1]));
        assert!(o[3].matches(42, &[0, 0, 0, 7, 0, 3]));
        assert!(!o[3].matches(42, &[0, 0, 0, 7, 3]));
        assert_eq!(
            parse_line("dccp Ack seq 1 ack 0 <change_l ack_ratio 1>")
                .unwrap()
                .opts
                .unwrap()[0]
                .encode()
                .unwrap(),
            (32, vec![5, 0, 1])
        );
    }
}
