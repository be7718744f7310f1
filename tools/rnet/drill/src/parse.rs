// SPDX-License-Identifier: GPL-2.0
//! The parser of packetdrill's script language (the TCP, UDP and ICMP
//! lines, system calls, shell commands and code blocks; DCCP lines are kept
//! raw for their own parser).
//!
//! Like packetdrill, the parser works on tokens, not lines: a system call's
//! arguments may span lines, and line ends are not significant.  It never
//! panics: anything it does not know gives a [`ParseError`] naming the
//! line.

use crate::ast::{
    Dir, Event, EventKind, Expected, Expr, IcmpLine, Packet, PacketBody, Script, Syscall, TcpLine,
    TcpOpt, Time, UdpLine,
};
use std::collections::{HashMap, VecDeque};
use std::fmt;

/// A parse failure: the script line it is about, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// The 1-based line number (for a script cut short, the line where the
    /// unfinished event or construct starts).
    pub line: usize,
    /// What is wrong, for a person.
    pub msg: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.line, self.msg)
    }
}

impl std::error::Error for ParseError {}

/// Parses a whole script.
///
/// `defines` are the `-D NAME=VALUE` definitions: wherever a symbol named
/// NAME appears in an expression (a syscall argument, a struct field's
/// value, a return value), it is replaced by VALUE parsed as an expression
/// (an integer if numeric, a symbol otherwise, or `A|B`, `"text"`...).  An
/// errno symbol named NAME is replaced by VALUE when VALUE is a symbol.  A
/// script's own `--define=NAME=VALUE` option adds a define unless `defines`
/// already has NAME.
pub fn parse(src: &str, defines: &[(String, String)]) -> Result<Script, ParseError> {
    let mut p = Parser::new(src);
    for (name, value) in defines {
        p.add_define(name, value);
    }
    p.script()
}

/// How deeply lists, structs and calls may nest (a bound on recursion).
const MAX_DEPTH: usize = 64;

/// One token's kind and text.
#[derive(Debug, Clone, PartialEq)]
enum Tok {
    /// `[A-Za-z0-9_]+`: a word or a decimal/hex number.
    Word(String),
    /// `[0-9]*.[0-9]+`: a decimal fraction (times).
    Float(String),
    /// `"..."`: the text between the quotes, escapes not decoded.
    Str(String),
    /// `` `...` ``: the text between the backquotes.
    Backquote(String),
    /// `%{ ... }%`: the code, trimmed of spaces and tabs.
    Code(String),
    /// `--name`: the name.
    Opt(String),
    /// `...`.
    Ellipsis,
    /// Any other single character.
    Punct(char),
    /// The end of the script.
    Eof,
}

/// A token and where it is.
#[derive(Debug, Clone)]
struct Token {
    tok: Tok,
    /// The line it starts on.
    line: usize,
    /// Its byte range in the source.
    start: usize,
    end: usize,
}

impl Token {
    fn is_punct(&self, c: char) -> bool {
        self.tok == Tok::Punct(c)
    }

    /// A word that is not a number (a symbol, a keyword, a name).
    fn word(&self) -> Option<&str> {
        match &self.tok {
            Tok::Word(w) if !w.starts_with(|c: char| c.is_ascii_digit()) => Some(w),
            _ => None,
        }
    }

    fn is_word(&self, w: &str) -> bool {
        self.word() == Some(w)
    }

    /// A decimal or hex number.
    fn number(&self) -> Option<&str> {
        match &self.tok {
            Tok::Word(w) if is_decimal(w) || is_hex(w) => Some(w),
            _ => None,
        }
    }

    /// How to name this token in an error message.
    fn describe(&self) -> String {
        match &self.tok {
            Tok::Word(w) | Tok::Float(w) => format!("`{w}`"),
            Tok::Str(_) => "a string".into(),
            Tok::Backquote(_) => "a `command`".into(),
            Tok::Code(_) => "a %{ code }% block".into(),
            Tok::Opt(o) => format!("option `--{o}`"),
            Tok::Ellipsis => "`...`".into(),
            Tok::Punct(c) => format!("`{c}`"),
            Tok::Eof => "the end of the script".into(),
        }
    }
}

fn is_decimal(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

fn is_hex(s: &str) -> bool {
    s.len() > 2 && s.starts_with("0x") && s[2..].bytes().all(|b| b.is_ascii_hexdigit())
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Splits the source into tokens, on demand.
struct Lexer<'a> {
    src: &'a str,
    pos: usize,
    line: usize,
}

impl<'a> Lexer<'a> {
    fn new(src: &'a str) -> Self {
        Lexer {
            src,
            pos: 0,
            line: 1,
        }
    }

    fn at(&self, i: usize) -> Option<u8> {
        self.src.as_bytes().get(i).copied()
    }

    fn error<T>(line: usize, msg: impl Into<String>) -> Result<T, ParseError> {
        Err(ParseError {
            line,
            msg: msg.into(),
        })
    }

    /// Skips whitespace and `//` / `/* */` comments.
    fn skip_blank(&mut self) -> Result<(), ParseError> {
        loop {
            match self.at(self.pos) {
                Some(b'\n') => {
                    self.line += 1;
                    self.pos += 1;
                }
                Some(b' ' | b'\t' | b'\r') => self.pos += 1,
                Some(b'/') if self.at(self.pos + 1) == Some(b'/') => {
                    while let Some(b) = self.at(self.pos) {
                        if b == b'\n' {
                            break;
                        }
                        self.pos += 1;
                    }
                }
                Some(b'/') if self.at(self.pos + 1) == Some(b'*') => {
                    let start_line = self.line;
                    self.pos += 2;
                    loop {
                        match self.at(self.pos) {
                            None => return Self::error(start_line, "unterminated /* comment"),
                            Some(b'*') if self.at(self.pos + 1) == Some(b'/') => {
                                self.pos += 2;
                                break;
                            }
                            Some(b) => {
                                if b == b'\n' {
                                    self.line += 1;
                                }
                                self.pos += 1;
                            }
                        }
                    }
                }
                _ => return Ok(()),
            }
        }
    }

    fn eat_word(&mut self) {
        while self.at(self.pos).is_some_and(is_word_byte) {
            self.pos += 1;
        }
    }

    fn eat_digits(&mut self) {
        while self.at(self.pos).is_some_and(|b| b.is_ascii_digit()) {
            self.pos += 1;
        }
    }

    /// Reads a `"` or `` ` `` quoted text (backslash escapes the next
    /// character) starting at `self.pos`; returns the text inside.
    fn quoted(&mut self, quote: u8, what: &str) -> Result<&'a str, ParseError> {
        let start_line = self.line;
        let start = self.pos + 1;
        let mut i = start;
        loop {
            match self.at(i) {
                None => return Self::error(start_line, format!("unterminated {what}")),
                Some(b'\\') => {
                    if self.at(i + 1) == Some(b'\n') {
                        self.line += 1;
                    }
                    i += 2;
                }
                Some(b) if b == quote => {
                    self.pos = i + 1;
                    return Ok(self.src.get(start..i).unwrap_or(""));
                }
                Some(b) => {
                    if b == b'\n' {
                        self.line += 1;
                    }
                    i += 1;
                }
            }
        }
    }

    fn next_token(&mut self) -> Result<Token, ParseError> {
        self.skip_blank()?;
        let start = self.pos;
        let line = self.line;
        let Some(b) = self.at(start) else {
            return Ok(Token {
                tok: Tok::Eof,
                line,
                start,
                end: start,
            });
        };
        let next = self.at(start + 1);
        let tok = match b {
            b'.' if next == Some(b'.') && self.at(start + 2) == Some(b'.') => {
                self.pos += 3;
                Tok::Ellipsis
            }
            b'.' if next.is_some_and(|b| b.is_ascii_digit()) => {
                self.pos += 1;
                self.eat_digits();
                Tok::Float(self.src[start..self.pos].to_string())
            }
            _ if is_word_byte(b) => {
                self.eat_word();
                let word = &self.src[start..self.pos];
                if is_decimal(word)
                    && self.at(self.pos) == Some(b'.')
                    && self.at(self.pos + 1).is_some_and(|b| b.is_ascii_digit())
                {
                    self.pos += 1;
                    self.eat_digits();
                    Tok::Float(self.src[start..self.pos].to_string())
                } else {
                    Tok::Word(word.to_string())
                }
            }
            b'"' => Tok::Str(self.quoted(b'"', "string")?.to_string()),
            b'`' => Tok::Backquote(self.quoted(b'`', "`command`")?.to_string()),
            b'%' if next == Some(b'{') => {
                let body = start + 2;
                let Some(len) = self.src[body..].find("}%") else {
                    return Self::error(line, "unterminated %{ code block (no `}%`)");
                };
                let text = &self.src[body..body + len];
                self.line += text.matches('\n').count();
                self.pos = body + len + 2;
                Tok::Code(text.trim_matches([' ', '\t']).to_string())
            }
            b'-' if next == Some(b'-') && self.at(start + 2).is_some_and(is_word_byte) => {
                self.pos += 2;
                self.eat_word();
                Tok::Opt(self.src[start + 2..self.pos].to_string())
            }
            _ => {
                let c = self.src[start..].chars().next().unwrap_or('\u{fffd}');
                self.pos += c.len_utf8().max(1);
                Tok::Punct(c)
            }
        };
        Ok(Token {
            tok,
            line,
            start,
            end: self.pos,
        })
    }
}

/// The two kinds of time bases, for checking a range or a blocking call.
fn time_usecs(t: &Time) -> Option<i64> {
    match t {
        Time::Absolute(u) | Time::Relative(u) => Some(*u),
        _ => None,
    }
}

/// Converts decimal seconds ("1", "1.5", ".25") to microseconds.
fn secs_to_usecs(text: &str) -> Result<i64, String> {
    let (int, frac) = text.split_once('.').unwrap_or((text, ""));
    if !(int.bytes().chain(frac.bytes())).all(|b| b.is_ascii_digit()) {
        return Err(format!("`{text}` is not a time in decimal seconds"));
    }
    let secs: i64 = if int.is_empty() {
        0
    } else {
        int.parse()
            .map_err(|_| format!("time `{text}` is too large"))?
    };
    let (micro, rest) = frac.split_at(frac.len().min(6));
    if rest.bytes().any(|b| b != b'0') {
        return Err(format!(
            "time `{text}` is finer than a microsecond (at most 6 decimals)"
        ));
    }
    let mut usecs: i64 = 0;
    for i in 0..6 {
        let digit = micro.as_bytes().get(i).map_or(0, |b| i64::from(b - b'0'));
        usecs = usecs * 10 + digit;
    }
    secs.checked_mul(1_000_000)
        .and_then(|s| s.checked_add(usecs))
        .ok_or_else(|| format!("time `{text}` is too large"))
}

/// Decodes the C escapes of a string literal's text.
fn unescape(raw: &str) -> Result<String, String> {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let decoded = match chars.next() {
            Some('\\') => '\\',
            Some('"') => '"',
            Some('\'') => '\'',
            Some('?') => '?',
            Some('a') => '\x07',
            Some('b') => '\x08',
            Some('f') => '\x0c',
            Some('n') => '\n',
            Some('r') => '\r',
            Some('t') => '\t',
            Some('v') => '\x0b',
            Some('0') => '\0',
            Some('x') => {
                let hex: String = chars.by_ref().take(2).collect();
                match u8::from_str_radix(&hex, 16) {
                    Ok(b) if hex.len() == 2 && b < 0x80 => char::from(b),
                    Ok(_) if hex.len() == 2 => {
                        return Err(format!(
                            "`\\x{hex}`: only ASCII bytes (below \\x80) can be escaped"
                        ))
                    }
                    _ => return Err("`\\x` needs two hex digits".into()),
                }
            }
            Some(other) => return Err(format!("unknown escape `\\{other}` in a string")),
            None => return Err("a string ends with a lone backslash".into()),
        };
        out.push(decoded);
    }
    Ok(out)
}

/// Parses a hex blob (Fast Open cookie, MD5 digest) into bytes.
fn hex_bytes(text: &str, what: &str) -> Result<Vec<u8>, String> {
    if !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(format!("{what} `{text}` is not a hex string"));
    }
    if !text.len().is_multiple_of(2) {
        return Err(format!("{what} `{text}` has an odd number of hex digits"));
    }
    (0..text.len())
        .step_by(2)
        .map(|i| {
            u8::from_str_radix(text.get(i..i + 2).unwrap_or("zz"), 16)
                .map_err(|_| format!("{what} `{text}` is not a hex string"))
        })
        .collect()
}

/// The wire length of a TCP option.
fn tcp_opt_len(o: &TcpOpt) -> usize {
    match o {
        TcpOpt::Nop | TcpOpt::Eol => 1,
        TcpOpt::Mss(_) => 4,
        TcpOpt::SackOk => 2,
        TcpOpt::Sack(blocks) => 2 + 8 * blocks.len(),
        TcpOpt::Timestamp { .. } => 10,
        TcpOpt::Wscale(_) => 3,
        TcpOpt::Md5 => 18,
        TcpOpt::FastOpen { exp, cookie } => (if *exp { 4 } else { 2 }) + cookie.len(),
        TcpOpt::Generic { data, .. } => 2 + data.len(),
    }
}

/// The recursive-descent parser, with a token look-ahead buffer.
struct Parser<'a> {
    src: &'a str,
    lexer: Lexer<'a>,
    ahead: VecDeque<Token>,
    /// The -D / --define definitions, values already parsed.
    defines: HashMap<String, Expr>,
    /// The line of the event being parsed, for errors at the end of input.
    event_line: Option<usize>,
    /// The line of the last token consumed.
    last_line: usize,
    /// Nesting depth of lists, structs and calls.
    depth: usize,
}

type PResult<T> = Result<T, ParseError>;

impl<'a> Parser<'a> {
    fn new(src: &'a str) -> Self {
        Parser {
            src,
            lexer: Lexer::new(src),
            ahead: VecDeque::new(),
            defines: HashMap::new(),
            event_line: None,
            last_line: 1,
            depth: 0,
        }
    }

    /// Adds a define (VALUE parsed as an expression; a symbol if that
    /// fails).
    fn add_define(&mut self, name: &str, value: &str) {
        let mut sub = Parser::new(value);
        let parsed = sub
            .expr()
            .ok()
            .filter(|_| matches!(sub.peek().map(|t| &t.tok), Ok(Tok::Eof)));
        let expr = parsed.unwrap_or_else(|| Expr::Symbol(value.trim().to_string()));
        self.defines.insert(name.to_string(), expr);
    }

    fn peek_at(&mut self, n: usize) -> PResult<&Token> {
        while self.ahead.len() <= n {
            let t = self.lexer.next_token()?;
            self.ahead.push_back(t);
        }
        self.ahead.get(n).ok_or_else(|| ParseError {
            line: self.last_line,
            msg: "internal error: look-ahead".into(),
        })
    }

    fn peek(&mut self) -> PResult<&Token> {
        self.peek_at(0)
    }

    fn bump(&mut self) -> PResult<Token> {
        self.peek()?;
        let t = self.ahead.pop_front().ok_or_else(|| ParseError {
            line: self.last_line,
            msg: "internal error: look-ahead".into(),
        })?;
        self.last_line = t.line;
        Ok(t)
    }

    fn peek_punct(&mut self, c: char) -> PResult<bool> {
        Ok(self.peek()?.is_punct(c))
    }

    /// An error about `tok`: at its line, or at the unfinished event's line
    /// if the script ended.
    fn err_at(&self, tok: &Token, msg: impl Into<String>) -> ParseError {
        let msg = msg.into();
        match (&tok.tok, self.event_line) {
            (Tok::Eof, Some(line)) => ParseError {
                line,
                msg: format!("the script ends inside this event: {msg}"),
            },
            _ => ParseError {
                line: tok.line,
                msg,
            },
        }
    }

    /// "expected X, found Y" about the next token.
    fn unexpected<T>(&mut self, expected: &str) -> PResult<T> {
        let t = self.peek()?.clone();
        Err(self.err_at(&t, format!("expected {expected}, found {}", t.describe())))
    }

    fn expect_punct(&mut self, c: char, expected: &str) -> PResult<Token> {
        if self.peek_punct(c)? {
            self.bump()
        } else {
            self.unexpected(expected)
        }
    }

    fn enter(&mut self, tok: &Token) -> PResult<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.err_at(tok, "expression nested too deeply"));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    // ---- script level ----

    fn script(&mut self) -> PResult<Script> {
        let mut script = Script::default();
        self.options(&mut script)?;

        let mut seen_timed = false;
        let mut init_line: Option<usize> = None;
        let mut cleanup_line: Option<usize> = None;
        let mut prev_end_line: Option<usize> = None;
        loop {
            let t = self.peek()?.clone();
            if t.tok == Tok::Eof {
                break;
            }
            if let Some(line) = cleanup_line {
                return Err(ParseError {
                    line,
                    msg: "a command without a time may only be the first or the last \
                          statement; give it a time (e.g. `+0`)"
                        .into(),
                });
            }
            match &t.tok {
                Tok::Opt(name) => {
                    return Err(self.err_at(
                        &t,
                        format!("option `--{name}` must come before everything else"),
                    ))
                }
                Tok::Backquote(text) => {
                    if seen_timed {
                        cleanup_line = Some(t.line);
                    } else if init_line.is_some() {
                        return Err(self.err_at(
                            &t,
                            "only one command without a time may come before the first \
                             event; give this one a time (e.g. `+0`)",
                        ));
                    } else {
                        init_line = Some(t.line);
                    }
                    let text = text.clone();
                    self.bump()?;
                    script.events.push(Event {
                        line: t.line,
                        time: Time::Untimed,
                        kind: EventKind::Command(text),
                    });
                }
                Tok::Code(_) => {
                    return Err(self.err_at(&t, "a %{ code }% block needs a time (e.g. `+0`)"))
                }
                _ => {
                    if prev_end_line == Some(t.line) && !self.starts_time(&t) {
                        return Err(self.err_at(
                            &t,
                            format!("unexpected {} after the end of an event", t.describe()),
                        ));
                    }
                    let ev = self.event()?;
                    seen_timed = true;
                    prev_end_line = Some(self.last_line);
                    script.events.push(ev);
                }
            }
        }
        if !seen_timed {
            let line = self.peek()?.line;
            return Err(ParseError {
                line,
                msg: "the script has no events (a time followed by a packet, a system \
                      call, a `command` or %{ code }%)"
                    .into(),
            });
        }
        Ok(script)
    }

    fn starts_time(&self, t: &Token) -> bool {
        matches!(&t.tok, Tok::Float(_) | Tok::Punct('+' | '*'))
            || matches!(&t.tok, Tok::Word(w) if is_decimal(w))
    }

    /// The `--name[=value]` lines at the top.
    fn options(&mut self, script: &mut Script) -> PResult<()> {
        while let Tok::Opt(name) = &self.peek()?.tok {
            let name = name.clone();
            self.bump()?;
            let value = if self.peek_punct('=')? {
                self.bump()?;
                Some(self.option_value(&name)?)
            } else {
                None
            };
            if name == "define" {
                if let Some((n, v)) = value.as_deref().and_then(|v| v.split_once('=')) {
                    if !self.defines.contains_key(n) {
                        self.add_define(n, v);
                    }
                }
            }
            script.options.push((name, value));
        }
        Ok(())
    }

    /// An option's value: the tokens that follow `=` without spaces between.
    fn option_value(&mut self, name: &str) -> PResult<String> {
        let first = self.bump()?;
        if matches!(first.tok, Tok::Eof | Tok::Opt(_)) {
            return Err(self.err_at(&first, format!("option `--{name}=` needs a value")));
        }
        if let Tok::Str(s) = &first.tok {
            let next = self.peek()?;
            if next.start != first.end || next.tok == Tok::Eof {
                return Ok(s.clone());
            }
        }
        let mut end = first.end;
        loop {
            let next = self.peek()?;
            if next.start != end || next.tok == Tok::Eof {
                break;
            }
            end = next.end;
            self.bump()?;
        }
        Ok(self.src.get(first.start..end).unwrap_or("").to_string())
    }

    // ---- events ----

    fn event(&mut self) -> PResult<Event> {
        let first = self.peek()?.clone();
        let line = first.line;
        self.event_line = Some(line);
        let time = self.event_time()?;

        let end = if self.peek()?.tok == Tok::Ellipsis {
            let dots = self.bump()?;
            let plus = self.peek_punct('+')?;
            if plus {
                self.bump()?;
                if !matches!(time, Time::Relative(_)) {
                    return Err(self.err_at(
                        &dots,
                        "a relative end time (`...+N`) needs a relative start time (`+N`)",
                    ));
                }
            }
            let usecs = self.time_value()?;
            let end = match time {
                Time::Relative(_) => Time::Relative(usecs),
                _ => Time::Absolute(usecs),
            };
            if let (Some(s), Some(e)) = (time_usecs(&time), time_usecs(&end)) {
                if e < s {
                    return Err(ParseError {
                        line,
                        msg: "a blocking call's end time is before its start time".into(),
                    });
                }
            }
            Some(end)
        } else {
            None
        };

        let t = self.peek()?.clone();
        let kind = match &t.tok {
            Tok::Punct(c @ ('<' | '>')) => {
                let dir = if *c == '<' { Dir::In } else { Dir::Out };
                self.bump()?;
                EventKind::Packet(self.packet(dir)?)
            }
            Tok::Backquote(text) => {
                self.bump()?;
                EventKind::Command(text.clone())
            }
            Tok::Code(text) => {
                self.bump()?;
                EventKind::Code(text.clone())
            }
            Tok::Word(_) if t.word().is_some() => EventKind::Syscall(self.syscall(end.clone())?),
            _ => return self.unexpected(
                "a packet (`<` or `>`), a system call, a `command` or %{ code }% after the time",
            ),
        };
        if end.is_some() && !matches!(kind, EventKind::Syscall(_)) {
            return Err(ParseError {
                line,
                msg: "a `...` end time is only for (blocking) system calls".into(),
            });
        }
        let outbound = matches!(&kind, EventKind::Packet(p) if p.dir == Dir::Out);
        match time {
            Time::Any if !outbound => {
                return Err(ParseError {
                    line,
                    msg: "the time `*` can only be used with outbound (`>`) packets".into(),
                })
            }
            Time::Range(..) if !outbound => {
                return Err(ParseError {
                    line,
                    msg: "a time range can only be used with outbound (`>`) packets".into(),
                })
            }
            _ => {}
        }
        self.event_line = None;
        Ok(Event { line, time, kind })
    }

    /// `0`, `1.5`, `+.1`, `*`, `0.1~0.2`, `+0.1~+0.2`.
    fn event_time(&mut self) -> PResult<Time> {
        let t = self.peek()?.clone();
        let line = t.line;
        let time = match &t.tok {
            Tok::Punct('*') => {
                self.bump()?;
                return Ok(Time::Any);
            }
            Tok::Punct('+') => {
                self.bump()?;
                let start = self.time_value()?;
                if self.peek_punct('~')? {
                    self.bump()?;
                    if !self.peek_punct('+')? {
                        return self
                            .unexpected("`+` after `~`: a relative range is written `+0.1~+0.2`");
                    }
                    self.bump()?;
                    let end = self.time_value()?;
                    Time::Range(
                        Box::new(Time::Relative(start)),
                        Box::new(Time::Relative(end)),
                    )
                } else {
                    Time::Relative(start)
                }
            }
            Tok::Punct('-') => return Err(self.err_at(&t, "negative time")),
            Tok::Float(_) | Tok::Word(_) if self.starts_time(&t) => {
                let start = self.time_value()?;
                if self.peek_punct('~')? {
                    self.bump()?;
                    if self.peek_punct('+')? {
                        return self.unexpected(
                            "an absolute end time after `~` (an absolute range is written \
                             `0.1~0.2`)",
                        );
                    }
                    let end = self.time_value()?;
                    Time::Range(
                        Box::new(Time::Absolute(start)),
                        Box::new(Time::Absolute(end)),
                    )
                } else {
                    Time::Absolute(start)
                }
            }
            _ => {
                return self.unexpected(
                    "an event: a time (like `0`, `+0.1` or `*`) followed by a packet, \
                     a system call, a `command` or %{ code }%",
                )
            }
        };
        if let Time::Range(a, b) = &time {
            if time_usecs(b) < time_usecs(a) {
                return Err(ParseError {
                    line,
                    msg: "the time range is backwards".into(),
                });
            }
        }
        Ok(time)
    }

    /// A time in decimal seconds, as microseconds.
    fn time_value(&mut self) -> PResult<i64> {
        let t = self.bump()?;
        let text = match &t.tok {
            Tok::Float(f) => f.clone(),
            Tok::Word(w) if is_decimal(w) => w.clone(),
            Tok::Punct('-') => return Err(self.err_at(&t, "negative time")),
            _ => {
                return Err(self.err_at(
                    &t,
                    format!("expected a time in decimal seconds, found {}", t.describe()),
                ))
            }
        };
        secs_to_usecs(&text).map_err(|m| self.err_at(&t, m))
    }

    // ---- system calls ----

    fn syscall(&mut self, end: Option<Time>) -> PResult<Syscall> {
        let name_tok = self.bump()?;
        let name = name_tok.word().unwrap_or_default().to_string();
        self.expect_punct('(', &format!("`(` after the system call name `{name}`"))?;
        let args = self.expr_list(')')?;
        self.expect_punct(
            '=',
            &format!("`=` and the expected return value after `{name}(...)`"),
        )?;
        let value = self.expr()?;
        let errno = match self.peek()?.word() {
            Some(w) => {
                let w = w.to_string();
                self.bump()?;
                match self.defines.get(&w) {
                    Some(Expr::Symbol(s)) => Some(s.clone()),
                    _ => Some(w),
                }
            }
            None => None,
        };
        let note = if self.peek_punct('(')? {
            Some(self.note()?)
        } else {
            None
        };
        Ok(Syscall {
            name,
            args,
            ret: Expected { value, errno, note },
            end,
        })
    }

    /// `(text up to the closing parenthesis)`, whitespace collapsed.
    fn note(&mut self) -> PResult<String> {
        let open = self.bump()?;
        loop {
            let t = self.bump()?;
            match t.tok {
                Tok::Punct(')') => {
                    let raw = self.src.get(open.end..t.start).unwrap_or("");
                    return Ok(raw.split_whitespace().collect::<Vec<_>>().join(" "));
                }
                Tok::Eof => return Err(self.err_at(&t, "unterminated `(` note")),
                _ => {}
            }
        }
    }

    // ---- expressions ----

    /// Comma-separated expressions up to `close` (consumed); may be empty.
    fn expr_list(&mut self, close: char) -> PResult<Vec<Expr>> {
        let mut items = Vec::new();
        if self.peek_punct(close)? {
            self.bump()?;
            return Ok(items);
        }
        loop {
            items.push(self.expr()?);
            if self.list_separator(close)? {
                return Ok(items);
            }
        }
    }

    /// After an item: consumes `,` (false) or `close` (true).
    fn list_separator(&mut self, close: char) -> PResult<bool> {
        let t = self.bump()?;
        match t.tok {
            Tok::Punct(',') => Ok(false),
            Tok::Punct(c) if c == close => Ok(true),
            Tok::Punct('=') => {
                Err(self.err_at(&t, "`name=value` fields are only allowed inside `{...}`"))
            }
            _ => Err(self.err_at(
                &t,
                format!("expected `,` or `{close}`, found {}", t.describe()),
            )),
        }
    }

    fn expr(&mut self) -> PResult<Expr> {
        let first = self.term()?;
        self.or_tail(first)
    }

    /// `first | b | c`.
    fn or_tail(&mut self, first: Expr) -> PResult<Expr> {
        if !self.peek_punct('|')? {
            return Ok(first);
        }
        let mut parts = vec![first];
        while self.peek_punct('|')? {
            self.bump()?;
            parts.push(self.term()?);
        }
        Ok(Expr::BitOr(parts))
    }

    fn int(&self, t: &Token, text: &str, negative: bool) -> PResult<i64> {
        let v = if is_hex(text) {
            u64::from_str_radix(&text[2..], 16).map(|v| v as i64).ok()
        } else if negative {
            format!("-{text}").parse::<i64>().ok()
        } else {
            text.parse::<i64>().ok()
        };
        v.ok_or_else(|| self.err_at(t, format!("integer `{text}` is out of range")))
    }

    fn term(&mut self) -> PResult<Expr> {
        let t = self.bump()?;
        match &t.tok {
            Tok::Ellipsis => Ok(Expr::Ellipsis),
            Tok::Punct('-') => {
                let n = self.peek()?.clone();
                match &n.tok {
                    Tok::Word(w) if is_decimal(w) && n.start == t.end => {
                        self.bump()?;
                        Ok(Expr::Int(self.int(&n, w, true)?))
                    }
                    _ => Err(self.err_at(&t, "`-` must be followed by a decimal number")),
                }
            }
            Tok::Word(w) if is_decimal(w) || is_hex(w) => Ok(Expr::Int(self.int(&t, w, false)?)),
            Tok::Word(w) if t.word().is_none() => {
                Err(self.err_at(&t, format!("malformed number `{w}`")))
            }
            Tok::Word(w) => {
                if self.peek_punct('(')? {
                    self.enter(&t)?;
                    self.bump()?;
                    let args = self.expr_list(')');
                    self.leave();
                    Ok(Expr::Call(w.clone(), args?))
                } else if let Some(v) = self.defines.get(w) {
                    Ok(v.clone())
                } else {
                    Ok(Expr::Symbol(w.clone()))
                }
            }
            Tok::Str(s) => {
                let mut text = unescape(s).map_err(|m| self.err_at(&t, m))?;
                while let Tok::Str(more) = &self.peek()?.tok {
                    let more = more.clone();
                    let mt = self.bump()?;
                    text.push_str(&unescape(&more).map_err(|m| self.err_at(&mt, m))?);
                }
                if self.peek()?.tok == Tok::Ellipsis {
                    let e = self.peek()?.clone();
                    return Err(self.err_at(&e, "a string prefix (`\"text\"...`) is not supported"));
                }
                Ok(Expr::Str(text))
            }
            Tok::Punct('[') => {
                self.enter(&t)?;
                let items = self.expr_list(']');
                self.leave();
                Ok(Expr::List(items?))
            }
            Tok::Punct('{') => {
                self.enter(&t)?;
                let fields = self.struct_fields();
                self.leave();
                Ok(Expr::Struct(fields?))
            }
            Tok::Float(f) => Err(self.err_at(
                &t,
                format!("`{f}`: only integers are allowed in expressions"),
            )),
            _ => Err(self.err_at(
                &t,
                format!("expected an expression, found {}", t.describe()),
            )),
        }
    }

    /// The fields of `{...}` after the `{`, up to and including `}`.
    fn struct_fields(&mut self) -> PResult<Vec<(Option<String>, Expr)>> {
        let mut fields = Vec::new();
        if self.peek_punct('}')? {
            let t = self.peek()?.clone();
            return Err(self.err_at(&t, "empty struct `{}`"));
        }
        loop {
            let t = self.peek()?.clone();
            let field = match t.word() {
                Some(name) if self.peek_at(1)?.is_punct('=') => {
                    let name = name.to_string();
                    self.bump()?;
                    self.bump()?;
                    (Some(name), self.expr()?)
                }
                Some(name) if self.peek_at(1)?.is_punct('(') => {
                    let name = name.to_string();
                    let call = self.term()?;
                    if self.peek_punct('=')? {
                        self.bump()?;
                        let value = self.expr()?;
                        match call {
                            Expr::Call(_, mut args) if args.len() == 1 => {
                                let arg = args.pop().unwrap_or(Expr::Ellipsis);
                                (Some(name), Expr::Sized(Box::new(arg), Box::new(value)))
                            }
                            _ => {
                                return Err(self.err_at(
                                    &t,
                                    format!(
                                        "`{name}(...)=`: exactly one argument is allowed \
                                         in the parentheses"
                                    ),
                                ))
                            }
                        }
                    } else {
                        (None, self.or_tail(call)?)
                    }
                }
                _ => (None, self.expr()?),
            };
            fields.push(field);
            let sep = self.bump()?;
            match sep.tok {
                Tok::Punct(',') => {}
                Tok::Punct('}') => return Ok(fields),
                _ => {
                    return Err(self.err_at(
                        &sep,
                        format!("expected `,` or `}}`, found {}", sep.describe()),
                    ))
                }
            }
        }
    }

    // ---- packets ----

    /// A decimal number no larger than `max`.
    fn number(&mut self, what: &str, max: u64) -> PResult<u64> {
        let t = self.bump()?;
        let text = match &t.tok {
            Tok::Word(w) if is_decimal(w) => w.clone(),
            _ => {
                return Err(self.err_at(
                    &t,
                    format!(
                        "expected a decimal number for {what}, found {}",
                        t.describe()
                    ),
                ))
            }
        };
        match text.parse::<u64>() {
            Ok(v) if v <= max => Ok(v),
            _ => Err(self.err_at(&t, format!("{what} {text} is out of range (at most {max})"))),
        }
    }

    /// A `0x` hex number no larger than `max`; returns its text too.
    fn hex_number(&mut self, what: &str, max: u64) -> PResult<String> {
        let t = self.bump()?;
        match &t.tok {
            Tok::Word(w) if is_hex(w) => match u64::from_str_radix(&w[2..], 16) {
                Ok(v) if v <= max => Ok(w.clone()),
                _ => Err(self.err_at(&t, format!("{what} {w} is out of range (at most {max:#x})"))),
            },
            _ => Err(self.err_at(
                &t,
                format!(
                    "expected a hex number (0x...) for {what}, found {}",
                    t.describe()
                ),
            )),
        }
    }

    fn packet(&mut self, dir: Dir) -> PResult<Packet> {
        let t = self.peek()?.clone();
        if let Some(w) = t.word() {
            if matches!(w, "ipv4" | "ipv6" | "gre" | "GREv0" | "mpls") {
                return Err(self.err_at(
                    &t,
                    format!("encapsulation (`{w} ...:` before the packet) is not supported"),
                ));
            }
        }
        let (ecn, ip_extra) = self.ip_info()?;
        if ecn.as_deref() == Some("ect01") && dir != Dir::Out {
            return Err(self.err_at(&t, "[ect01] can only be used with outbound packets"));
        }
        let t = self.peek()?.clone();
        let body = match t.word() {
            Some("dccp") => PacketBody::Dccp(self.dccp_text()?),
            Some("udp") => {
                if ecn.is_some() {
                    return Err(self.err_at(&t, "ECN marks can only be used with TCP packets"));
                }
                self.bump()?;
                self.no_ports()?;
                PacketBody::Udp(self.udp_len()?)
            }
            Some("icmp") => {
                self.bump()?;
                PacketBody::Icmp(self.icmp()?)
            }
            _ => PacketBody::Tcp(self.tcp(dir)?),
        };
        Ok(Packet {
            dir,
            ecn,
            ip_extra,
            body,
        })
    }

    /// `[ect0]`, `(tos 0x10)`, `[ce, flowlabel 0x1]`, `(ttl 64)`...
    fn ip_info(&mut self) -> PResult<(Option<String>, Option<String>)> {
        let close = match self.peek()?.tok {
            Tok::Punct('[') => ']',
            Tok::Punct('(') => ')',
            _ => return Ok((None, None)),
        };
        self.bump()?;
        let t = self.peek()?.clone();
        let mut ecn = None;
        let mut extra: Vec<String> = Vec::new();
        let mut may_add_flowlabel = true;
        match t.word() {
            Some(w @ ("noecn" | "ect0" | "ect1" | "ce" | "ect01")) => {
                ecn = Some(w.to_string());
                self.bump()?;
            }
            Some("tos") => {
                self.bump()?;
                let v = self.hex_number("tos", 0xff)?;
                extra.push(format!("tos {v}"));
            }
            Some("flowlabel") => {
                self.bump()?;
                let v = self.hex_number("flowlabel", 0xfffff)?;
                extra.push(format!("flowlabel {v}"));
                may_add_flowlabel = false;
            }
            Some("ttl") => {
                self.bump()?;
                let v = self.number("ttl", 255)?;
                extra.push(format!("ttl {v}"));
                may_add_flowlabel = false;
            }
            _ => {
                return self.unexpected(
                    "an IP mark after the bracket: noecn, ect0, ect1, ce, ect01, \
                     tos 0x.., flowlabel 0x.. or ttl N",
                )
            }
        }
        if may_add_flowlabel && self.peek_punct(',')? {
            self.bump()?;
            if !self.peek()?.is_word("flowlabel") {
                return self.unexpected("`flowlabel 0x...` after the `,`");
            }
            self.bump()?;
            let v = self.hex_number("flowlabel", 0xfffff)?;
            extra.push(format!("flowlabel {v}"));
        }
        self.expect_punct(close, &format!("`{close}` to close the IP marks"))?;
        let extra = (!extra.is_empty()).then(|| extra.join(", "));
        Ok((ecn, extra))
    }

    /// The raw text of a DCCP line, from `dccp` to the end of its line.
    fn dccp_text(&mut self) -> PResult<String> {
        let first = self.bump()?;
        let mut end = first.end;
        loop {
            let t = self.peek()?;
            if t.tok == Tok::Eof || t.line != first.line {
                break;
            }
            end = t.end;
            self.bump()?;
        }
        Ok(self
            .src
            .get(first.start..end)
            .unwrap_or("")
            .trim()
            .to_string())
    }

    /// Refuses `src>dst` port numbers (not supported).
    fn no_ports(&mut self) -> PResult<()> {
        let t = self.peek()?.clone();
        if t.number().is_some() && self.peek_at(1)?.is_punct('>') {
            return Err(self.err_at(&t, "explicit ports (`1234>8080`) are not supported"));
        }
        Ok(())
    }

    /// `(N)` of a UDP line.
    fn udp_len(&mut self) -> PResult<UdpLine> {
        self.expect_punct('(', "`(` and the UDP payload length")?;
        let len = self.number("the UDP payload length", 65535)? as u32;
        self.expect_punct(')', "`)` after the UDP payload length")?;
        Ok(UdpLine { len })
    }

    /// `start:end(len)`.
    fn seq(&mut self) -> PResult<(u32, u32, u32)> {
        let start_tok = self.peek()?.clone();
        let start = self.number("the start sequence number", u64::from(u32::MAX))?;
        self.expect_punct(':', "`:` in `start:end(len)`")?;
        let end = self.number("the end sequence number", u64::from(u32::MAX))?;
        self.expect_punct('(', "`(` in `start:end(len)`")?;
        let len = self.number("the payload length", 65535)?;
        self.expect_punct(')', "`)` in `start:end(len)`")?;
        if start + len != end {
            return Err(self.err_at(
                &start_tok,
                format!("inconsistent sequence numbers: {start} + {len} is not {end}"),
            ));
        }
        Ok((start as u32, end as u32, len as u32))
    }

    fn tcp(&mut self, dir: Dir) -> PResult<TcpLine> {
        self.no_ports()?;
        let flags = self.tcp_flags()?;
        let (seq, end_seq, len) = self.seq()?;
        let max32 = u64::from(u32::MAX);
        let mut ack = None;
        let mut win = None;
        let mut urg = None;
        if self.peek()?.is_word("ack") {
            self.bump()?;
            ack = Some(self.number("ack", max32)? as u32);
        }
        if self.peek()?.is_word("win") {
            self.bump()?;
            win = Some(self.number("win", 65535)? as u32);
        }
        if self.peek()?.is_word("urg") {
            self.bump()?;
            urg = Some(self.number("urg", 65535)? as u32);
        }
        let t = self.peek()?.clone();
        if let Some(w @ ("ack" | "win" | "urg")) = t.word() {
            return Err(self.err_at(
                &t,
                format!("`{w}` is out of place: write ack, win, urg and <options> in this order"),
            ));
        }
        let options = if t.is_punct('<') {
            self.bump()?;
            self.tcp_options()?
        } else {
            Some(Vec::new())
        };
        let t = self.peek()?.clone();
        if t.is_punct('{') {
            return Err(self.err_at(&t, "packet fuzzing (`{...}`) is not supported"));
        }
        if dir == Dir::In {
            let line = self.event_line.unwrap_or(t.line);
            if win.is_none() {
                return Err(ParseError {
                    line,
                    msg: "an inbound (`<`) TCP packet needs `win N`".into(),
                });
            }
            if options.is_none() {
                return Err(ParseError {
                    line,
                    msg: "`<...>` (options not checked) can only be used with outbound packets"
                        .into(),
                });
            }
        }
        Ok(TcpLine {
            flags,
            seq,
            end_seq,
            len,
            ack,
            win,
            urg,
            options,
        })
    }

    /// `S`, `S.`, `.`, `-`, `P.`, `FEW`, `S.2` (AccECN ACE)...
    fn tcp_flags(&mut self) -> PResult<String> {
        let t = self.peek()?.clone();
        let flags = match &t.tok {
            Tok::Punct('.') => {
                self.bump()?;
                ".".to_string()
            }
            Tok::Punct('-') => {
                self.bump()?;
                String::new()
            }
            Tok::Float(f) if f.starts_with('.') => {
                self.bump()?;
                f.clone()
            }
            Tok::Word(w) if t.word().is_some() => {
                self.bump()?;
                let mut s = w.clone();
                match &self.peek()?.tok {
                    Tok::Punct('.') => {
                        self.bump()?;
                        s.push('.');
                    }
                    Tok::Float(f) if f.starts_with('.') => {
                        s.push_str(&f.clone());
                        self.bump()?;
                    }
                    _ => {}
                }
                s
            }
            _ => {
                return self.unexpected(
                    "TCP flags (like `S`, `S.`, `.`, `P.`, `F.`, `R` or `-`), `udp`, `icmp` \
                     or `dccp` after the direction",
                )
            }
        };
        let mut ecn = false;
        let mut ace = false;
        for c in flags.chars() {
            if !".FSRPEWAU01234567".contains(c) {
                return Err(self.err_at(
                    &t,
                    format!("invalid TCP flag `{c}` in `{flags}` (valid: . F S R P E W A U 0-7)"),
                ));
            }
            let conflict = if "EWA".contains(c) {
                let c2 = ace;
                ecn = true;
                c2
            } else if c.is_ascii_digit() {
                let c2 = ecn || ace;
                ace = true;
                c2
            } else {
                false
            };
            if conflict {
                return Err(self.err_at(&t, format!("conflicting TCP flag `{c}` in `{flags}`")));
            }
        }
        Ok(flags)
    }

    /// The options after `<`, up to and including `>`; None for `<...>`.
    fn tcp_options(&mut self) -> PResult<Option<Vec<TcpOpt>>> {
        let open_line = self.last_line;
        if self.peek()?.tok == Tok::Ellipsis {
            self.bump()?;
            self.expect_punct('>', "`>` after `<...`")?;
            return Ok(None);
        }
        let mut opts = Vec::new();
        if self.peek_punct('>')? {
            self.bump()?;
            return Ok(Some(opts));
        }
        loop {
            opts.push(self.tcp_option()?);
            let sep = self.bump()?;
            match sep.tok {
                Tok::Punct(',') => {}
                Tok::Punct('>') => break,
                _ => {
                    return Err(self.err_at(
                        &sep,
                        format!(
                            "expected `,` or `>` in the TCP options, found {}",
                            sep.describe()
                        ),
                    ))
                }
            }
        }
        let total: usize = opts.iter().map(tcp_opt_len).sum();
        if total > 40 {
            return Err(ParseError {
                line: open_line,
                msg: format!("the TCP options take {total} bytes; at most 40 fit"),
            });
        }
        if !total.is_multiple_of(4) {
            return Err(ParseError {
                line: open_line,
                msg: format!(
                    "the TCP options take {total} bytes, not a multiple of 4: pad them \
                     with nop or eol"
                ),
            });
        }
        Ok(Some(opts))
    }

    fn tcp_option(&mut self) -> PResult<TcpOpt> {
        let t = self.bump()?;
        let Some(name) = t.word() else {
            return Err(self.err_at(&t, format!("expected a TCP option, found {}", t.describe())));
        };
        let max32 = u64::from(u32::MAX);
        Ok(match name {
            "nop" => TcpOpt::Nop,
            "eol" => TcpOpt::Eol,
            "sackOK" => TcpOpt::SackOk,
            "mss" => TcpOpt::Mss(self.number("mss", 65535)? as u16),
            "wscale" => TcpOpt::Wscale(self.number("wscale", 255)? as u8),
            "sack" => {
                let mut blocks = Vec::new();
                while self.peek()?.number().is_some() || blocks.is_empty() {
                    let left = self.number("a SACK block's left edge", max32)? as u32;
                    self.expect_punct(':', "`:` in the SACK block `left:right`")?;
                    let right = self.number("a SACK block's right edge", max32)? as u32;
                    blocks.push((left, right));
                }
                TcpOpt::Sack(blocks)
            }
            "TS" => {
                if !self.peek()?.is_word("val") {
                    return self.unexpected("`val` after `TS` (`TS val N ecr N`)");
                }
                self.bump()?;
                let val = self.number("TS val", max32)? as u32;
                if !self.peek()?.is_word("ecr") {
                    return self.unexpected("`ecr` in `TS val N ecr N`");
                }
                self.bump()?;
                let ecr = self.number("TS ecr", max32)? as u32;
                TcpOpt::Timestamp { val, ecr }
            }
            "md5" => {
                let b = self.bump()?;
                let Tok::Word(blob) = &b.tok else {
                    return Err(self.err_at(
                        &b,
                        format!(
                            "expected the MD5 digest in hex after `md5`, found {}",
                            b.describe()
                        ),
                    ));
                };
                let digest = hex_bytes(blob, "the MD5 digest").map_err(|m| self.err_at(&b, m))?;
                if digest.len() != 16 {
                    return Err(self.err_at(
                        &b,
                        format!(
                            "the MD5 digest has {} bytes; write 16 (32 hex digits)",
                            digest.len()
                        ),
                    ));
                }
                TcpOpt::Md5
            }
            "FO" | "FOEXP" => {
                let exp = name == "FOEXP";
                let b = self.peek()?.clone();
                let cookie = match &b.tok {
                    Tok::Word(blob) => {
                        self.bump()?;
                        hex_bytes(blob, "the Fast Open cookie").map_err(|m| self.err_at(&b, m))?
                    }
                    _ => Vec::new(),
                };
                if cookie.len() > 16 {
                    return Err(self.err_at(
                        &b,
                        format!(
                            "the Fast Open cookie has {} bytes; at most 16",
                            cookie.len()
                        ),
                    ));
                }
                TcpOpt::FastOpen { exp, cookie }
            }
            other => {
                return Err(self.err_at(
                    &t,
                    format!(
                        "unknown TCP option `{other}` (known: nop, eol, mss, wscale, sackOK, \
                         sack, TS, md5, FO, FOEXP)"
                    ),
                ))
            }
        })
    }

    /// After `icmp`: type, code, `mtu N`, `[quoted packet]`.
    fn icmp(&mut self) -> PResult<IcmpLine> {
        let t = self.bump()?;
        let Some(icmp_type) = t.word().map(str::to_string) else {
            return Err(self.err_at(
                &t,
                format!(
                    "expected the ICMP type after `icmp`, found {}",
                    t.describe()
                ),
            ));
        };
        let code = match self.peek()?.word() {
            Some(w) if w != "mtu" && w != "id" => {
                let w = w.to_string();
                self.bump()?;
                Some(w)
            }
            _ => None,
        };
        let mtu = if self.peek()?.is_word("mtu") {
            self.bump()?;
            Some(self.number("mtu", u64::from(u32::MAX))? as u32)
        } else {
            None
        };
        let t = self.peek()?.clone();
        if t.is_word("id") {
            return Err(self.err_at(&t, "ICMP echo `id N` is not supported"));
        }
        let quoted = if t.is_punct('[') {
            self.bump()?;
            let q = self.peek()?.clone();
            let body = if q.is_word("udp") {
                self.bump()?;
                PacketBody::Udp(self.udp_len()?)
            } else if q.is_word("raw") {
                return Err(self.err_at(&q, "a quoted `raw (N)` packet is not supported"));
            } else if q.number().is_some() {
                let (seq, end_seq, len) = self.seq()?;
                PacketBody::Tcp(TcpLine {
                    flags: String::new(),
                    seq,
                    end_seq,
                    len,
                    ack: None,
                    win: None,
                    urg: None,
                    options: Some(Vec::new()),
                })
            } else {
                return self
                    .unexpected("the quoted packet: `start:end(len)` or `udp (N)` after `[`");
            };
            self.expect_punct(']', "`]` after the quoted packet")?;
            Some(Box::new(body))
        } else {
            None
        };
        Ok(IcmpLine {
            icmp_type,
            code,
            mtu,
            quoted,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(src: &str) -> Script {
        match parse(src, &[]) {
            Ok(s) => s,
            Err(e) => panic!("parse failed: {e}\n{src}"),
        }
    }

    /// The kind of the only timed event of `line`.
    fn one(line: &str) -> Event {
        let s = ok(line);
        assert_eq!(s.events.len(), 1, "{s:?}");
        s.events.into_iter().next().expect("one event")
    }

    fn err(src: &str) -> ParseError {
        match parse(src, &[]) {
            Ok(s) => panic!("parse succeeded: {s:?}\n{src}"),
            Err(e) => e,
        }
    }

    fn sym(s: &str) -> Expr {
        Expr::Symbol(s.into())
    }

    fn field(name: &str, e: Expr) -> (Option<String>, Expr) {
        (Some(name.into()), e)
    }

    fn syscall(e: Event) -> Syscall {
        match e.kind {
            EventKind::Syscall(s) => s,
            k => panic!("not a syscall: {k:?}"),
        }
    }

    fn packet(e: Event) -> Packet {
        match e.kind {
            EventKind::Packet(p) => p,
            k => panic!("not a packet: {k:?}"),
        }
    }

    fn tcp(e: Event) -> TcpLine {
        match packet(e).body {
            PacketBody::Tcp(t) => t,
            b => panic!("not tcp: {b:?}"),
        }
    }

    #[test]
    fn comments_options_and_commands() {
        let s = ok("// a comment\n/* block\n comment */ --ip_version=ipv4\n\
                    --local_ip=192.168.0.1 --remote_ip=fd3d:fa7b:d17d::1\n--verbose\n\
                    --define=CC=\"reno\" --name=\"a b\"\n\
                    `./defaults.sh\n./set_sysctls.py /proc/x=1`\n\
                    0 `echo hi` // trailing\n\
                    +0 %{ assert tcpi_snd_cwnd == 10, tcpi_snd_cwnd }%\n\
                    `/tmp/cleanup.sh`\n");
        assert_eq!(
            s.options,
            vec![
                ("ip_version".into(), Some("ipv4".into())),
                ("local_ip".into(), Some("192.168.0.1".into())),
                ("remote_ip".into(), Some("fd3d:fa7b:d17d::1".into())),
                ("verbose".into(), None),
                ("define".into(), Some("CC=\"reno\"".into())),
                ("name".into(), Some("a b".into())),
            ]
        );
        let kinds: Vec<_> = s
            .events
            .iter()
            .map(|e| (e.line, &e.time, &e.kind))
            .collect();
        assert_eq!(
            kinds,
            vec![
                (
                    7,
                    &Time::Untimed,
                    &EventKind::Command("./defaults.sh\n./set_sysctls.py /proc/x=1".into())
                ),
                (9, &Time::Absolute(0), &EventKind::Command("echo hi".into())),
                (
                    10,
                    &Time::Relative(0),
                    &EventKind::Code("assert tcpi_snd_cwnd == 10, tcpi_snd_cwnd".into())
                ),
                (
                    11,
                    &Time::Untimed,
                    &EventKind::Command("/tmp/cleanup.sh".into())
                ),
            ]
        );
    }

    #[test]
    fn times() {
        let t = |src: &str| one(&format!("{src} > . 1:1(0) ack 1")).time;
        assert_eq!(t("0"), Time::Absolute(0));
        assert_eq!(t("1.5"), Time::Absolute(1_500_000));
        assert_eq!(t(".1"), Time::Absolute(100_000));
        assert_eq!(t("1.001"), Time::Absolute(1_001_000));
        assert_eq!(t("+0"), Time::Relative(0));
        assert_eq!(t("+.01"), Time::Relative(10_000));
        assert_eq!(t("+1.5"), Time::Relative(1_500_000));
        assert_eq!(t("+ 2"), Time::Relative(2_000_000));
        assert_eq!(t("*"), Time::Any);
        assert_eq!(
            t("0.1~0.2"),
            Time::Range(
                Box::new(Time::Absolute(100_000)),
                Box::new(Time::Absolute(200_000))
            )
        );
        assert_eq!(
            t("+0.1~+0.2"),
            Time::Range(
                Box::new(Time::Relative(100_000)),
                Box::new(Time::Relative(200_000))
            )
        );
        assert_eq!(err("0.2~0.1 > . 1:1(0)").msg, "the time range is backwards");
        assert!(err("+0.1~0.2 > . 1:1(0)").msg.contains("`+0.1~+0.2`"));
        assert!(err("0.0000001 > . 1:1(0)").msg.contains("microsecond"));
        assert_eq!(err("-1 > . 1:1(0)").msg, "negative time");
        assert!(err("* socket(..., 1) = 3").msg.contains("`*`"));
        assert!(err("0~1 socket(..., 1) = 3").msg.contains("range"));
        assert!(err("0~1 < . 1:1(0) win 1").msg.contains("outbound"));
    }

    #[test]
    fn blocking_calls() {
        let e = one("+0...0.1 connect(4, ..., ...) = 0");
        assert_eq!(e.time, Time::Relative(0));
        let s = syscall(e);
        assert_eq!(
            s,
            Syscall {
                name: "connect".into(),
                args: vec![Expr::Int(4), Expr::Ellipsis, Expr::Ellipsis],
                ret: Expected {
                    value: Expr::Int(0),
                    errno: None,
                    note: None
                },
                end: Some(Time::Relative(100_000)),
            }
        );
        let e = one("0...0 connect(4, ..., ...) = 0");
        assert_eq!(e.time, Time::Absolute(0));
        assert_eq!(syscall(e).end, Some(Time::Absolute(0)));
        let e = one("+0...+0.2 accept(3, ..., ...) = 4");
        assert_eq!(syscall(e).end, Some(Time::Relative(200_000)));
        assert!(err("0...+1 accept(3, ..., ...) = 4")
            .msg
            .contains("relative start"));
        assert!(err("1...0.5 accept(3, ..., ...) = 4")
            .msg
            .contains("before"));
        assert!(err("0...1 > . 1:1(0)").msg.contains("system calls"));
    }

    #[test]
    fn errno_and_note() {
        let s = syscall(one(
            "+0 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)",
        ));
        assert_eq!(
            s.ret,
            Expected {
                value: Expr::Int(-1),
                errno: Some("EINPROGRESS".into()),
                note: Some("Operation now in progress".into()),
            }
        );
        let s = syscall(one("+0 fcntl(3, F_GETFL) = 0x2 (flags  O_RDWR)"));
        assert_eq!(s.args, vec![Expr::Int(3), sym("F_GETFL")]);
        assert_eq!(
            s.ret,
            Expected {
                value: Expr::Int(2),
                errno: None,
                note: Some("flags O_RDWR".into()),
            }
        );
        let s = ok("+0 read(3, ..., 10) = -1 EAGAIN\n+0 close(3) = ...");
        assert_eq!(
            syscall(s.events[0].clone()).ret.errno.as_deref(),
            Some("EAGAIN")
        );
        assert_eq!(syscall(s.events[1].clone()).ret.value, Expr::Ellipsis);
        let s = syscall(one("+0 getpid() = PID"));
        assert_eq!((s.args, s.ret.value), (vec![], sym("PID")));
    }

    #[test]
    fn expressions() {
        let s = syscall(one(
            "+0 f(..., 10, 0x10, -5, 0xffffffffffffffff, A|B|0x4, \"a\\tb\" \"c\", [1], [ ], \
             [{fd=3, events=POLLIN, revents=0}, {events=EPOLLIN, fd=3}], \
             {l_onoff=1, l_linger=0}, \
             {sin_family=AF_INET, sin_port=htons(8080), sin_addr=inet_addr(\"192.0.2.1\")}, \
             {..., 1000}) = 0",
        ));
        assert_eq!(
            s.args,
            vec![
                Expr::Ellipsis,
                Expr::Int(10),
                Expr::Int(16),
                Expr::Int(-5),
                Expr::Int(-1),
                Expr::BitOr(vec![sym("A"), sym("B"), Expr::Int(4)]),
                Expr::Str("a\tbc".into()),
                Expr::List(vec![Expr::Int(1)]),
                Expr::List(vec![]),
                Expr::List(vec![
                    Expr::Struct(vec![
                        field("fd", Expr::Int(3)),
                        field("events", sym("POLLIN")),
                        field("revents", Expr::Int(0)),
                    ]),
                    Expr::Struct(vec![
                        field("events", sym("EPOLLIN")),
                        field("fd", Expr::Int(3))
                    ]),
                ]),
                Expr::Struct(vec![
                    field("l_onoff", Expr::Int(1)),
                    field("l_linger", Expr::Int(0))
                ]),
                Expr::Struct(vec![
                    field("sin_family", sym("AF_INET")),
                    field(
                        "sin_port",
                        Expr::Call("htons".into(), vec![Expr::Int(8080)])
                    ),
                    field(
                        "sin_addr",
                        Expr::Call("inet_addr".into(), vec![Expr::Str("192.0.2.1".into())])
                    ),
                ]),
                Expr::Struct(vec![(None, Expr::Ellipsis), (None, Expr::Int(1000))]),
            ]
        );
    }

    #[test]
    fn inq_client_recvmsg_exact() {
        let s = syscall(one("   +0\trecvmsg(3, {msg_name(...)=...,\n\
             \t\t    msg_iov(1)=[{..., 1000}],\n\
             \t\t    msg_flags=0,\n\
             \t\t    msg_control=[{cmsg_level=SOL_TCP,\n\
             \t\t\t\t  cmsg_type=TCP_CM_INQ,\n\
             \t\t\t\t  cmsg_data=9000}]}, 0) = 1000\n"));
        let msghdr = Expr::Struct(vec![
            field(
                "msg_name",
                Expr::Sized(Box::new(Expr::Ellipsis), Box::new(Expr::Ellipsis)),
            ),
            field(
                "msg_iov",
                Expr::Sized(
                    Box::new(Expr::Int(1)),
                    Box::new(Expr::List(vec![Expr::Struct(vec![
                        (None, Expr::Ellipsis),
                        (None, Expr::Int(1000)),
                    ])])),
                ),
            ),
            field("msg_flags", Expr::Int(0)),
            field(
                "msg_control",
                Expr::List(vec![Expr::Struct(vec![
                    field("cmsg_level", sym("SOL_TCP")),
                    field("cmsg_type", sym("TCP_CM_INQ")),
                    field("cmsg_data", Expr::Int(9000)),
                ])]),
            ),
        ]);
        assert_eq!(
            s,
            Syscall {
                name: "recvmsg".into(),
                args: vec![Expr::Int(3), msghdr, Expr::Int(0)],
                ret: Expected {
                    value: Expr::Int(1000),
                    errno: None,
                    note: None
                },
                end: None,
            }
        );
    }

    #[test]
    fn defines() {
        let src = "+0 recvmsg(4, {msg_control=[{cmsg_level=CMSG_LEVEL_IP, \
                   cmsg_type=CMSG_TYPE_RECVERR, cmsg_data={ee_errno=0, ee_data=N}}]}, F) = -1 ERR";
        let defs: Vec<(String, String)> = [
            ("CMSG_LEVEL_IP", "SOL_IP"),
            ("CMSG_TYPE_RECVERR", "IP_RECVERR"),
            ("N", "0x10"),
            ("F", "MSG_ERRQUEUE|MSG_DONTWAIT"),
            ("ERR", "EAGAIN"),
        ]
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
        let s = parse(src, &defs).expect("parses");
        let s = syscall(s.events[0].clone());
        assert_eq!(
            s.args[1],
            Expr::Struct(vec![field(
                "msg_control",
                Expr::List(vec![Expr::Struct(vec![
                    field("cmsg_level", sym("SOL_IP")),
                    field("cmsg_type", sym("IP_RECVERR")),
                    field(
                        "cmsg_data",
                        Expr::Struct(vec![
                            field("ee_errno", Expr::Int(0)),
                            field("ee_data", Expr::Int(16))
                        ])
                    ),
                ])])
            )])
        );
        assert_eq!(
            s.args[2],
            Expr::BitOr(vec![sym("MSG_ERRQUEUE"), sym("MSG_DONTWAIT")])
        );
        assert_eq!(s.ret.errno.as_deref(), Some("EAGAIN"));
        // A script's own --define, overridden by the caller's.
        let src = "--define=X=5\n--define=Y=6\n0 f(X, Y) = 0";
        let s = parse(src, &[("Y".into(), "7".into())]).expect("parses");
        assert_eq!(
            syscall(s.events[0].clone()).args,
            vec![Expr::Int(5), Expr::Int(7)]
        );
    }

    #[test]
    fn tcp_packets() {
        let p = packet(one(
            "+0 < S 0:0(0) win 32792 <mss 1000,sackOK,nop,nop,nop,wscale 7>",
        ));
        assert_eq!(
            p,
            Packet {
                dir: Dir::In,
                ecn: None,
                ip_extra: None,
                body: PacketBody::Tcp(TcpLine {
                    flags: "S".into(),
                    seq: 0,
                    end_seq: 0,
                    len: 0,
                    ack: None,
                    win: Some(32792),
                    urg: None,
                    options: Some(vec![
                        TcpOpt::Mss(1000),
                        TcpOpt::SackOk,
                        TcpOpt::Nop,
                        TcpOpt::Nop,
                        TcpOpt::Nop,
                        TcpOpt::Wscale(7)
                    ]),
                }),
            }
        );
        let t = tcp(one("+0 > P. 1:10001(10000) ack 1"));
        assert_eq!(
            (t.flags.as_str(), t.seq, t.end_seq, t.len, t.ack, t.win),
            ("P.", 1, 10001, 10000, Some(1), None)
        );
        assert_eq!(t.options, Some(vec![]));
        let t = tcp(one("+0 > . 1:1(0) ack 1 <nop,nop,TS val 200 ecr 700>"));
        assert_eq!(t.flags, ".");
        assert_eq!(
            t.options,
            Some(vec![
                TcpOpt::Nop,
                TcpOpt::Nop,
                TcpOpt::Timestamp { val: 200, ecr: 700 }
            ])
        );
        let t = tcp(one("+0 < R 1:1(0) win 0"));
        assert_eq!((t.flags.as_str(), t.win), ("R", Some(0)));
        let t = tcp(one("+0 < F. 10001:20001(10000) ack 1 win 514 urg 3"));
        assert_eq!((t.flags.as_str(), t.urg), ("F.", Some(3)));
        let t = tcp(one("+0 > SEW 0:0(0) <...>"));
        assert_eq!((t.flags.as_str(), t.options), ("SEW", None));
        let t = tcp(one("+0 > - 1:1(0)"));
        assert_eq!(t.flags, "");
        let t = tcp(one("+0 > S.2 0:0(0)"));
        assert_eq!(t.flags, "S.2");
        let t = tcp(one("+0 < . 1:1(0) ack 1 win 5 <sack 1:2 3:4,nop,nop>"));
        assert_eq!(
            t.options,
            Some(vec![
                TcpOpt::Sack(vec![(1, 2), (3, 4)]),
                TcpOpt::Nop,
                TcpOpt::Nop
            ])
        );
        let t = tcp(one(
            "+0 < . 1:1(0) ack 1 win 514 <md5 000102030405060708090a0b0c0d0e0f,nop,nop>",
        ));
        assert_eq!(t.options, Some(vec![TcpOpt::Md5, TcpOpt::Nop, TcpOpt::Nop]));
        let t = tcp(one(
            "+0 > S 0:0(0) <mss 1460,FO,nop,nop,FO abcd1234,FOEXP 12345678,eol,eol,eol,eol,eol,eol>",
        ));
        assert_eq!(
            t.options,
            Some(vec![
                TcpOpt::Mss(1460),
                TcpOpt::FastOpen {
                    exp: false,
                    cookie: vec![]
                },
                TcpOpt::Nop,
                TcpOpt::Nop,
                TcpOpt::FastOpen {
                    exp: false,
                    cookie: vec![0xab, 0xcd, 0x12, 0x34]
                },
                TcpOpt::FastOpen {
                    exp: true,
                    cookie: vec![0x12, 0x34, 0x56, 0x78]
                },
                TcpOpt::Eol,
                TcpOpt::Eol,
                TcpOpt::Eol,
                TcpOpt::Eol,
                TcpOpt::Eol,
                TcpOpt::Eol,
            ])
        );
    }

    #[test]
    fn ecn_marks_and_ip_extras() {
        let p = packet(one("+0 > [ect0] S 0:0(0)"));
        assert_eq!((p.ecn.as_deref(), p.ip_extra), (Some("ect0"), None));
        let p = packet(one("+0 < [noecn] . 1:1(0) win 10"));
        assert_eq!(p.ecn.as_deref(), Some("noecn"));
        let p = packet(one("+0 < [ce] . 1:1(0) win 10"));
        assert_eq!(p.ecn.as_deref(), Some("ce"));
        let p = packet(one("+0 > (ect01) . 1:1(0)"));
        assert_eq!(p.ecn.as_deref(), Some("ect01"));
        let p = packet(one("+0 > (flowlabel 0x1) . 1:1(0)"));
        assert_eq!(
            (p.ecn, p.ip_extra.as_deref()),
            (None, Some("flowlabel 0x1"))
        );
        let p = packet(one("+0 > [ect1, flowlabel 0x12345] . 1:1(0)"));
        assert_eq!(
            (p.ecn.as_deref(), p.ip_extra.as_deref()),
            (Some("ect1"), Some("flowlabel 0x12345"))
        );
        let p = packet(one("+0 > (tos 0x10, flowlabel 0x2) . 1:1(0)"));
        assert_eq!(p.ip_extra.as_deref(), Some("tos 0x10, flowlabel 0x2"));
        let p = packet(one("+0 > (ttl 64) . 1:1(0)"));
        assert_eq!(p.ip_extra.as_deref(), Some("ttl 64"));
        assert!(err("+0 < [ect01] . 1:1(0) win 1").msg.contains("outbound"));
        assert!(err("+0 > [ect2] . 1:1(0)").msg.contains("IP mark"));
        assert!(err("+0 > (tos 0x100) . 1:1(0)")
            .msg
            .contains("out of range"));
    }

    #[test]
    fn udp_icmp_dccp() {
        let p = packet(one("+0 < udp (1000)"));
        assert_eq!(p.body, PacketBody::Udp(UdpLine { len: 1000 }));
        let p = packet(one(
            "+0 < icmp unreachable frag_needed mtu 1200 [1:1461(1460)]",
        ));
        assert_eq!(
            p.body,
            PacketBody::Icmp(IcmpLine {
                icmp_type: "unreachable".into(),
                code: Some("frag_needed".into()),
                mtu: Some(1200),
                quoted: Some(Box::new(PacketBody::Tcp(TcpLine {
                    flags: String::new(),
                    seq: 1,
                    end_seq: 1461,
                    len: 1460,
                    ack: None,
                    win: None,
                    urg: None,
                    options: Some(vec![]),
                }))),
            })
        );
        let p = packet(one("+0 < icmp unreachable port_unreachable [udp (10)]"));
        assert_eq!(
            p.body,
            PacketBody::Icmp(IcmpLine {
                icmp_type: "unreachable".into(),
                code: Some("port_unreachable".into()),
                mtu: None,
                quoted: Some(Box::new(PacketBody::Udp(UdpLine { len: 10 }))),
            })
        );
        let s = ok("+0 > dccp Request seq 0 <ccid 2> // comment\n+0 < [ect0] dccp Response\n");
        assert_eq!(
            packet(s.events[0].clone()).body,
            PacketBody::Dccp("dccp Request seq 0 <ccid 2>".into())
        );
        let p = packet(s.events[1].clone());
        assert_eq!(
            (p.ecn.as_deref(), p.body),
            (Some("ect0"), PacketBody::Dccp("dccp Response".into()))
        );
    }

    #[test]
    fn errors_have_lines() {
        let e =
            err("0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 > S 0:0(0) <mss 1460, bogus 1>\n");
        assert_eq!(e.line, 2);
        assert!(e.msg.contains("unknown TCP option `bogus`"), "{e}");
        let e = err("0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n\n+0 < S 0:0(0) <mss 1000>\n");
        assert_eq!(e.line, 3);
        assert!(e.msg.contains("win"), "{e}");
        let e = err("0 f() = 0\n+0 > S 0:5(0)\n");
        assert_eq!((e.line, e.msg.contains("inconsistent")), (2, true));
        let e = err("0 f() = 0\n+0 recvmsg(3, {msg_iov(1)=[{..., 1000}],\n");
        assert_eq!(e.line, 2);
        assert!(e.msg.contains("ends inside this event"), "{e}");
        let e = err("0 f() = 0\n+0 write(3, \"abc, 10) = 0\n\n");
        assert_eq!((e.line, e.msg.as_str()), (2, "unterminated string"));
        let e = err("0 f() = 0\n/* never closed\n+0 f() = 0\n");
        assert_eq!((e.line, e.msg.as_str()), (2, "unterminated /* comment"));
        let e = err("0 f() = 0\n+0 %{ x = 1\n");
        assert_eq!(e.line, 2);
        let e = err("0 f() = 0 )\n");
        assert_eq!(e.line, 1);
        let e = err("0 f() = 0\n+0 > S 0:0(0) <mss 1460,nop>\n");
        assert!(e.msg.contains("multiple of 4"), "{e}");
        let e = err("0 f() = 0\n+0 > S 0:0(0) <md5 0011>\n");
        assert!(e.msg.contains("16"), "{e}");
        let e = err("0 f() = 0\n+0 > Q 0:0(0)\n");
        assert!(e.msg.contains("invalid TCP flag `Q`"), "{e}");
        let e = err("0 f() = 0\n+0 > SE1 0:0(0)\n");
        assert!(e.msg.contains("conflicting"), "{e}");
        let e = err("0 f() = 0\n+0 f([a=1]) = 0\n");
        assert!(e.msg.contains("only allowed inside"), "{e}");
        let e = err("0 f() = 0\n`a`\n+0 f() = 0\n");
        assert_eq!(e.line, 2);
        let e = err("`a`\n`b`\n0 f() = 0\n");
        assert_eq!(e.line, 2);
        let e = err("0 f() = 0\n--opt=1\n");
        assert_eq!(e.line, 2);
        assert_eq!(err("").line, 1);
        assert_eq!(err("`./defaults.sh`\n").line, 2);
        let e = err("0 f(1.5) = 0");
        assert!(e.msg.contains("only integers"), "{e}");
        let e = err("0 f(99999999999999999999) = 0");
        assert!(e.msg.contains("out of range"), "{e}");
        let e = err("0 > ipv4 1.2.3.4 > 5.6.7.8: . 1:1(0)");
        assert!(e.msg.contains("encapsulation"), "{e}");
        let e = err("0 > 1234>80 . 1:1(0)");
        assert!(e.msg.contains("ports"), "{e}");
        let deep = format!("0 f({}1{}) = 0", "[".repeat(100), "]".repeat(100));
        assert!(err(&deep).msg.contains("too deeply"));
    }

    #[test]
    fn upstream_forms() {
        let s = ok("--tolerance_usecs=6000\n\
                    //`../common/defaults.sh`\n\
                    0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 4\n\
                    +.002 ... 0.052 connect(4, ..., ...) = 0\n\
                    +.002 > SEWA 0:0(0) <mss 1460,sackOK,TS val 100 ecr 0,nop,wscale 8>\n\
                    +0.05 < [ect0] SW. 0:0(0) ack 1 win 32767 <mss 1460,nop,wscale 8>\n\
                    +.002 > [ect0] P.5 1:101(100) ack 1 <...>\n\
                    +0 ...0.010 sendto(4, ..., 1000, MSG_FASTOPEN, ..., ...) = 1000\n\
                    +0...0.010 poll([{fd=3,\n events=POLLIN|POLLOUT,\n revents=POLLOUT}], 1, 100) = 1\n\
                    +.1 < P. 1:11(10) ack 1 win 257 \n");
        assert_eq!(
            s.options,
            vec![("tolerance_usecs".into(), Some("6000".into()))]
        );
        assert_eq!(s.events.len(), 8);
        assert_eq!(s.events[1].time, Time::Relative(2000));
        assert_eq!(
            syscall(s.events[1].clone()).end,
            Some(Time::Relative(52_000))
        );
        assert_eq!(tcp(s.events[2].clone()).flags, "SEWA");
        let p = packet(s.events[3].clone());
        assert_eq!(p.ecn.as_deref(), Some("ect0"));
        let t = tcp(s.events[4].clone());
        assert_eq!((t.flags.as_str(), t.options), ("P.5", None));
        assert_eq!(
            syscall(s.events[5].clone()).end,
            Some(Time::Relative(10_000))
        );
        assert_eq!(
            syscall(s.events[6].clone()).args[0],
            Expr::List(vec![Expr::Struct(vec![
                field("fd", Expr::Int(3)),
                field("events", Expr::BitOr(vec![sym("POLLIN"), sym("POLLOUT")])),
                field("revents", sym("POLLOUT")),
            ])])
        );
    }

    #[test]
    fn refused_forms() {
        for (src, msg) in [
            ("0 < . 1:1(0) win 1 <...>", "outbound"),
            ("0 < [ect0] udp (10)", "only be used with TCP"),
            ("0 < icmp echo_reply id 5", "not supported"),
            ("0 < icmp unreachable [raw (10)]", "not supported"),
            ("0 > . 1:1(0) {mut ip ihl}", "fuzzing"),
            (
                "0 > . 1:1(0) <ECN e0b 1 ceb 0 e1b 1,nop>",
                "unknown TCP option `ECN`",
            ),
            ("0 write(3, \"ab\"..., 2) = 2", "string prefix"),
            ("0 f({}) = 0", "empty struct"),
            ("0 > . 1:1(0) win 1 ack 1", "out of place"),
            (
                "0 > S 0:0(0) <FO 0102030405060708090a0b0c0d0e0f1011>",
                "at most 16",
            ),
        ] {
            let e = err(src);
            assert!(e.msg.contains(msg), "{src}: {e}");
        }
    }

    #[test]
    fn display() {
        let e = ParseError {
            line: 7,
            msg: "bad".into(),
        };
        assert_eq!(e.to_string(), "7: bad");
    }

    #[test]
    fn never_panics_on_odd_bytes() {
        for src in [
            "0 f(\u{e9}) = 0",
            "\u{e9}",
            "0 f(\"\\",
            "0 f(\"\\x\") = 0",
            "0 f(\"\\xff\") = 0",
            "0 `\\",
            "%{",
            "--",
            "--=",
            "--a=",
            "0 > S 0:0(0) <FO 1>",
            "0 > S 0:0(0) <sack>",
            "0 > S 0:0(0) <TS val>",
            "0 f() = 0 (",
            "0...",
            "+",
            "0 < icmp",
            "0 < icmp a [",
            "0 < [",
            "0 f({a(1, 2)=3}) = 0",
            "0 f(-) = 0",
            "0 f(-0x1) = 0",
        ] {
            assert!(parse(src, &[]).is_err(), "{src:?}");
        }
    }
}
