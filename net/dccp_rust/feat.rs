// SPDX-License-Identifier: GPL-2.0

//! Feature negotiation (RFC 4340 6): the features this module knows,
//! their values on a connection, the Change options it sends and the
//! Confirm options answering the peer's. Plain Rust with no kernel
//! dependency, tested on the host (`tools/rnet/hosttest`) as it is built
//! in the module.
//!
//! "Local" is a feature located at this end, "remote" one located at the
//! peer: the peer's Change L is about a remote feature, its Change R about
//! a local one. Server-priority features take the first value of the
//! server's preference list that the client's list also holds (6.3.1);
//! non-negotiable ones take the location's value, when valid (6.3.2).

use super::codec::opt;

/// Feature numbers (RFC 4340 6.4).
pub mod feature {
    /// Congestion Control ID (server-priority).
    pub const CCID: u8 = 1;
    /// Allow Short Sequence Numbers (server-priority).
    pub const SHORT_SEQNOS: u8 = 2;
    /// Sequence Window (non-negotiable).
    pub const SEQ_WINDOW: u8 = 3;
    /// ECN Incapable (server-priority).
    pub const ECN_INCAPABLE: u8 = 4;
    /// Ack Ratio (non-negotiable).
    pub const ACK_RATIO: u8 = 5;
    /// Send Ack Vector (server-priority).
    pub const SEND_ACK_VECTOR: u8 = 6;
    /// Send NDP Count (server-priority).
    pub const SEND_NDP_COUNT: u8 = 7;
    /// Minimum Checksum Coverage (server-priority).
    pub const MIN_CSCOV: u8 = 8;
    /// Check Data Checksum (server-priority).
    pub const CHECK_DATA_CSUM: u8 = 9;
}

/// The highest feature number known here.
const LAST: usize = 9;

/// Reset Codes a negotiation failure ends with (RFC 4340 5.6).
pub const RESET_OPTION_ERROR: u8 = 5;
/// A Mandatory option this end cannot honour (RFC 4340 5.8.2).
pub const RESET_MANDATORY_ERROR: u8 = 6;

/// The Sequence Window's valid values (RFC 4340 7.5.2).
pub const SEQ_WINDOW_MIN: u64 = 32;
/// The largest Sequence Window: 2^46 - 1.
pub const SEQ_WINDOW_MAX: u64 = (1 << 46) - 1;

/// The most bytes of feature options kept for one packet: a Confirm for
/// each known feature both ways with this end's longest lists, and the
/// Changes of its own. An answer for a feature replaces the one pending
/// (one per option kind and feature); past the room, an empty Confirm of
/// an unknown feature is dropped.
pub const CONFIRM_ROOM: usize = 160;

/// The widest Sequence Window this end follows the peer to (2^20: about
/// five of the largest windows seen here; far below what would make a
/// blind guess of a valid number likely).
pub const SEQ_WINDOW_FOLLOW_MAX: u64 = 1 << 20;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Server-priority: one-byte values, reconciled from two lists.
    Sp,
    /// Non-negotiable: a number of up to six bytes set by its location.
    Nn,
}

fn kind(f: u8) -> Option<Kind> {
    match f {
        feature::SEQ_WINDOW | feature::ACK_RATIO => Some(Kind::Nn),
        1..=9 => Some(Kind::Sp),
        _ => None,
    }
}

/// RFC 4340 6.4's initial values, indexed by feature number.
const DEFAULTS: [u64; LAST + 1] = [0, 2, 0, 100, 0, 2, 0, 0, 0, 0];

/// Checksum coverages (CsCov, RFC 4340 9.2), for the Minimum Checksum
/// Coverage lists.
static COVERAGES: [u8; 16] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15];

/// This end's preference list for a server-priority feature, located here
/// (`local`) or at the peer: what it can do, best first. It sends full
/// 48-bit numbers and accepts short ones; it sends no NDP Count and no
/// Data Checksum and checks none; it takes any minimum checksum coverage
/// of the peer's (it sends full coverage unless the minimum allows its
/// own, [`Features::send_coverage`]); it always sends Ack Vectors and
/// needs them from the peer, for CCID 2 (RFC 4341 4). Its own minimum
/// coverage is [`Features::prefs`]'.
fn prefs(f: u8, local: bool) -> &'static [u8] {
    match (f, local) {
        (feature::CCID, _) => &[2],
        (feature::SHORT_SEQNOS, _) => &[0, 1],
        (feature::ECN_INCAPABLE, _) => &[0, 1],
        (feature::SEND_ACK_VECTOR, true) => &[1, 0],
        // CCID 2's sender needs the peer's Ack Vectors (RFC 4341 4).
        (feature::SEND_ACK_VECTOR, false) => &[1],
        (feature::SEND_NDP_COUNT, true) => &[0],
        (feature::SEND_NDP_COUNT, false) => &[0, 1],
        (feature::MIN_CSCOV, true) => &[0],
        (feature::MIN_CSCOV, false) => &COVERAGES,
        (feature::CHECK_DATA_CSUM, _) => &[0],
        _ => &[],
    }
}

/// Whether `v` is a valid value of non-negotiable feature `f`.
fn nn_valid(f: u8, v: u64) -> bool {
    match f {
        feature::SEQ_WINDOW => (SEQ_WINDOW_MIN..=SEQ_WINDOW_MAX).contains(&v),
        // Ack Ratio: 16 bits, never zero (RFC 4340 11.3).
        feature::ACK_RATIO => (1..=0xffff).contains(&v),
        _ => false,
    }
}

/// The first value of `server` that `client` holds.
fn reconcile(server: &[u8], client: &[u8]) -> Option<u8> {
    server.iter().copied().find(|v| client.contains(v))
}

/// Feature options waiting to be sent (Confirms answering the peer,
/// Changes of this end's), as bytes.
///
/// # Invariants
///
/// `len <= CONFIRM_ROOM`; `buf[..len]` is a sequence of whole options.
#[derive(Clone, Copy)]
pub struct Confirms {
    buf: [u8; CONFIRM_ROOM],
    len: usize,
}

impl Default for Confirms {
    fn default() -> Self {
        Self::new()
    }
}

impl Confirms {
    /// None.
    pub const fn new() -> Self {
        Self {
            buf: [0; CONFIRM_ROOM],
            len: 0,
        }
    }

    /// The option bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }

    /// Forgets them (they were sent for the last time).
    pub fn clear(&mut self) {
        self.len = 0;
    }

    /// Appends option `kind` for feature `f` with `first` (if any) and
    /// `rest` as its value; false (nothing appended) when it does not fit.
    fn push(&mut self, kind: u8, f: u8, first: Option<&[u8]>, rest: &[u8]) -> bool {
        let vlen = first.map_or(0, |v| v.len()) + rest.len();
        let n = 3 + vlen;
        self.remove(kind, f);
        if n > 255 || self.len + n > CONFIRM_ROOM {
            return false;
        }
        let b = &mut self.buf[self.len..self.len + n];
        b[0] = kind;
        // CAST: at most 255, checked above.
        b[1] = n as u8;
        b[2] = f;
        let mut at = 3;
        if let Some(v) = first {
            b[at..at + v.len()].copy_from_slice(v);
            at += v.len();
        }
        b[at..].copy_from_slice(rest);
        self.len += n;
        true
    }

    /// Drops the pending option `kind` for feature `f`, if any.
    fn remove(&mut self, kind: u8, f: u8) {
        let mut at = 0;
        while at + 3 <= self.len {
            let n = usize::from(self.buf[at + 1]);
            if n < 3 || at + n > self.len {
                // Not written by `push`: the invariant holds.
                return;
            }
            if self.buf[at] == kind && self.buf[at + 2] == f {
                self.buf.copy_within(at + n..self.len, at);
                self.len -= n;
                return;
            }
            at += n;
        }
    }
}

/// The feature values of one connection and the Changes it still waits
/// to see confirmed.
#[derive(Clone, Copy)]
pub struct Features {
    local: [u64; LAST + 1],
    remote: [u64; LAST + 1],
    /// Bit `f`: a Change L (`changing_l`) or Change R of feature `f` was
    /// sent and no Confirm seen yet.
    changing_l: u16,
    changing_r: u16,
    /// Whether this end is the server (its lists win).
    server: bool,
    /// Bit `f`: the open connection carries non-negotiable feature `f`'s
    /// Change L in its Acks and DataAcks until it is confirmed (a widened
    /// Sequence Window, a new Ack Ratio).
    resend: u16,
    /// The value of each non-negotiable feature's pending Change L.
    sent: [u64; LAST + 1],
    /// The checksum coverage the application asked to send with
    /// (`DCCP_SOCKOPT_SEND_CSCOV`) and the least it accepts
    /// (`DCCP_SOCKOPT_RECV_CSCOV`), 0 to 15; 0 is full coverage.
    cscov_send: u8,
    cscov_recv: u8,
}

/// The outcome of reading a packet's feature options: the connection
/// goes on, or must end with a Reset of this code.
pub type Outcome = Result<(), u8>;

impl Features {
    /// The initial values, for a client or a server.
    pub const fn new(server: bool) -> Self {
        Self {
            local: DEFAULTS,
            remote: DEFAULTS,
            changing_l: 0,
            changing_r: 0,
            server,
            resend: 0,
            sent: DEFAULTS,
            cscov_send: 0,
            cscov_recv: 0,
        }
    }

    /// Sets the coverages the application asked for (`send` and
    /// `recv`, at most 15), before the handshake.
    pub fn set_coverage(&mut self, send: u8, recv: u8) {
        self.cscov_send = send.min(15);
        self.cscov_recv = recv.min(15);
    }

    /// The coverages the application asked for: (send, receive).
    pub fn coverage(&self) -> (u8, u8) {
        (self.cscov_send, self.cscov_recv)
    }

    /// The CsCov of the data packets this end sends: the one asked for
    /// when the peer's Minimum Checksum Coverage allows it (RFC 4340
    /// 9.2.1: at least 1, at most it), else full coverage.
    pub fn send_coverage(&self) -> u8 {
        let m = self.remote(feature::MIN_CSCOV);
        if self.cscov_send > 0 && m >= 1 && u64::from(self.cscov_send) >= m {
            self.cscov_send
        } else {
            0
        }
    }

    /// Whether a data packet of CsCov `cscov` is acceptable: full
    /// coverage always, partial at or above this end's Minimum Checksum
    /// Coverage when that is not 0 (RFC 4340 9.2.1).
    pub fn accepts_coverage(&self, cscov: u8) -> bool {
        let m = self.local(feature::MIN_CSCOV);
        cscov == 0 || (m >= 1 && u64::from(cscov) >= m)
    }

    /// This end's preference list for server-priority feature `f`: as
    /// [`prefs`], but its own minimum coverage is what the application
    /// accepts: full coverage only (0) by default, else the least it
    /// accepts and anything above.
    fn prefs(&self, f: u8, local: bool) -> &'static [u8] {
        if f == feature::MIN_CSCOV && local && self.cscov_recv > 0 {
            COVERAGES
                .get(usize::from(self.cscov_recv)..)
                .unwrap_or(&[0])
        } else {
            prefs(f, local)
        }
    }

    /// The value of feature `f` located here.
    pub fn local(&self, f: u8) -> u64 {
        self.local.get(usize::from(f)).copied().unwrap_or(0)
    }

    /// The value of feature `f` located at the peer.
    pub fn remote(&self, f: u8) -> u64 {
        self.remote.get(usize::from(f)).copied().unwrap_or(0)
    }

    /// Whether a Change of `f` (L: located here) awaits its Confirm.
    pub fn changing(&self, f: u8, local: bool) -> bool {
        let bits = if local {
            self.changing_l
        } else {
            self.changing_r
        };
        f <= LAST as u8 && bits & (1 << f) != 0
    }

    /// Appends the Changes this end opens a connection with to `out` and
    /// marks them pending: the client's CCID 2 both ways (in its
    /// Request); Ack Vectors from the peer and an Ack Ratio of 1 for this
    /// end's data (half of CCID 2's initial window of 3 packets, RFC 4341
    /// 6.1.2; [`Features::set_ack_ratio`] changes it as the window
    /// grows), from both ends; and this end's Sequence Window when it is
    /// not the default (`seq_window`). False when they did not all fit.
    pub fn initial_changes(&mut self, seq_window: u64, out: &mut Confirms) -> bool {
        let mut ok = true;
        if !self.server {
            ok &= out.push(
                opt::CHANGE_L,
                feature::CCID,
                None,
                prefs(feature::CCID, true),
            );
            ok &= out.push(
                opt::CHANGE_R,
                feature::CCID,
                None,
                prefs(feature::CCID, false),
            );
            self.changing_l |= 1 << feature::CCID;
            self.changing_r |= 1 << feature::CCID;
        }
        ok &= out.push(opt::CHANGE_R, feature::SEND_ACK_VECTOR, None, &[1]);
        self.changing_r |= 1 << feature::SEND_ACK_VECTOR;
        ok &= out.push(opt::CHANGE_L, feature::ACK_RATIO, None, &[0, 1]);
        self.changing_l |= 1 << feature::ACK_RATIO;
        self.sent[usize::from(feature::ACK_RATIO)] = 1;
        // Partial checksum coverage: this end's minimum, and the peer's
        // minimum its own coverage needs (any from it down to 1).
        if self.cscov_recv > 0 {
            ok &= out.push(
                opt::CHANGE_L,
                feature::MIN_CSCOV,
                None,
                self.prefs(feature::MIN_CSCOV, true),
            );
            self.changing_l |= 1 << feature::MIN_CSCOV;
        }
        if self.cscov_send > 0 {
            // N down to 1, then 0: a peer that takes no partial coverage
            // agrees on 0, and this end sends full coverage.
            let mut down = [0u8; 16];
            let n = usize::from(self.cscov_send);
            for (i, v) in down[..n].iter_mut().enumerate() {
                // CAST: at most 15.
                *v = (n - i) as u8;
            }
            ok &= out.push(opt::CHANGE_R, feature::MIN_CSCOV, None, &down[..=n]);
            self.changing_r |= 1 << feature::MIN_CSCOV;
        }
        // Not below a window the Request made this end follow already.
        let seq_window = seq_window.max(self.local(feature::SEQ_WINDOW));
        if seq_window != DEFAULTS[usize::from(feature::SEQ_WINDOW)]
            && nn_valid(feature::SEQ_WINDOW, seq_window)
        {
            let be = seq_window.to_be_bytes();
            ok &= out.push(opt::CHANGE_L, feature::SEQ_WINDOW, None, &be[2..]);
            self.changing_l |= 1 << feature::SEQ_WINDOW;
            self.sent[usize::from(feature::SEQ_WINDOW)] = seq_window;
        }
        ok
    }

    /// Reads the feature options among `opts` (a header's options, as
    /// [`super::codec::Options`] yields them: kind, mandatory, value),
    /// updates the values and appends the Confirms answering the peer's
    /// Changes to `out`. An error is the Reset Code the connection must
    /// end with: a Mandatory Change this end cannot honour, or a
    /// server-priority feature with no value both ends accept.
    pub fn on_options<'a>(
        &mut self,
        opts: impl Iterator<Item = (u8, bool, &'a [u8])>,
        out: &mut Confirms,
    ) -> Outcome {
        for (k, mandatory, value) in opts {
            match k {
                opt::CHANGE_L | opt::CHANGE_R => {
                    self.on_change(k == opt::CHANGE_R, mandatory, value, out)?
                }
                opt::CONFIRM_L | opt::CONFIRM_R => self.on_confirm(k == opt::CONFIRM_R, value)?,
                _ => {}
            }
        }
        Ok(())
    }

    /// A Change from the peer: of a feature located here (`here`: Change
    /// R) or at the peer (Change L). Answered with Confirm L or R.
    fn on_change(
        &mut self,
        here: bool,
        mandatory: bool,
        value: &[u8],
        out: &mut Confirms,
    ) -> Outcome {
        let Some((&f, vals)) = value.split_first() else {
            // No feature number: a malformed option (RFC 4340 5.8, as the
            // C DCCP reads it), Mandatory or not.
            let _ = mandatory;
            return Err(RESET_OPTION_ERROR);
        };
        let confirm = if here { opt::CONFIRM_L } else { opt::CONFIRM_R };
        let empty = |out: &mut Confirms| {
            // RFC 4340 6.6.7: an unknown feature or an invalid value is
            // answered with an empty Confirm, unless it was Mandatory.
            if mandatory {
                Err(RESET_MANDATORY_ERROR)
            } else {
                out.push(confirm, f, None, &[]);
                Ok(())
            }
        };
        match kind(f) {
            None => empty(out),
            Some(Kind::Nn) => {
                // Only the location changes a non-negotiable feature
                // (Change L); its value is one to six bytes.
                if here || vals.is_empty() || vals.len() > 6 {
                    return empty(out);
                }
                let v = vals.iter().fold(0u64, |a, b| a << 8 | u64::from(*b));
                if !nn_valid(f, v) {
                    return empty(out);
                }
                self.remote[usize::from(f)] = v;
                out.push(confirm, f, None, vals);
                if f == feature::SEQ_WINDOW {
                    self.follow_seq_window(v);
                }
                Ok(())
            }
            Some(Kind::Sp) => {
                if vals.is_empty() {
                    return empty(out);
                }
                let ours = self.prefs(f, here);
                let chosen = if self.server {
                    reconcile(ours, vals)
                } else {
                    reconcile(vals, ours)
                };
                // 6.3.1: no value both ends accept ends the connection;
                // a Change sent Mandatory with Mandatory Error (5.8.2), as
                // the C DCCP does.
                let Some(v) = chosen else {
                    return Err(if mandatory {
                        RESET_MANDATORY_ERROR
                    } else {
                        RESET_OPTION_ERROR
                    });
                };
                if here {
                    self.local[usize::from(f)] = u64::from(v);
                } else {
                    self.remote[usize::from(f)] = u64::from(v);
                }
                out.push(confirm, f, Some(&[v]), ours);
                Ok(())
            }
        }
    }

    /// The peer widened its Sequence Window to `w` (about five of its
    /// windows, RFC 4340 7.5.2): as this end acknowledges the packets it
    /// gets, one in Ack Ratio at the least, it may send about as many
    /// packets a round trip as the peer, and widens its own to match, at once for the acknowledgement numbers
    /// it accepts, and for the peer through a Change L
    /// ([`Features::pending_changes`]) until confirmed.
    fn follow_seq_window(&mut self, w: u64) {
        let i = usize::from(feature::SEQ_WINDOW);
        let w = w.min(SEQ_WINDOW_FOLLOW_MAX);
        if w > self.local[i] {
            self.local[i] = w;
            self.sent[i] = w;
            self.changing_l |= 1 << feature::SEQ_WINDOW;
            self.resend |= 1 << feature::SEQ_WINDOW;
        }
    }

    /// The Ack Ratio this end asks of the peer for its data: the value
    /// of its pending Change L, else the confirmed one.
    pub fn ack_ratio_wanted(&self) -> u64 {
        let f = feature::ACK_RATIO;
        if self.changing(f, true) {
            self.sent[usize::from(f)]
        } else {
            self.local(f)
        }
    }

    /// Asks the peer to acknowledge this end's data every `r` packets
    /// (RFC 4341 6.1.2): a Change L of Ack Ratio, carried by the open
    /// connection's Acks and DataAcks until confirmed. Nothing changes
    /// when `r` is what is asked already, or not a valid Ack Ratio.
    pub fn set_ack_ratio(&mut self, r: u64) {
        let f = feature::ACK_RATIO;
        if r == self.ack_ratio_wanted() || !nn_valid(f, r) {
            return;
        }
        self.sent[usize::from(f)] = r;
        self.changing_l |= 1 << f;
        self.resend |= 1 << f;
    }

    /// Appends the Changes an open connection still waits to see
    /// confirmed (a widened Sequence Window, a new Ack Ratio) to `out`.
    pub fn pending_changes(&self, out: &mut Confirms) {
        for f in [feature::SEQ_WINDOW, feature::ACK_RATIO] {
            if self.resend & 1 << f != 0 && self.changing(f, true) {
                let be = self.sent[usize::from(f)].to_be_bytes();
                // Sequence Window: six bytes; Ack Ratio: two (RFC 4340
                // 7.5.2, 11.3).
                let n = if f == feature::SEQ_WINDOW { 6 } else { 2 };
                out.push(opt::CHANGE_L, f, None, &be[8 - n..]);
            }
        }
    }

    /// A Confirm from the peer, answering our Change L (`here`: Confirm
    /// R) or Change R. One for a feature not being changed is ignored
    /// (RFC 4340 6.6.4); an empty one leaves the value as it was.
    fn on_confirm(&mut self, here: bool, value: &[u8]) -> Outcome {
        let Some((&f, vals)) = value.split_first() else {
            // No feature number: malformed, as an empty Change.
            return Err(RESET_OPTION_ERROR);
        };
        if !self.changing(f, here) {
            return Ok(());
        }
        let i = usize::from(f);
        let done = match kind(f) {
            // The value this end asked for, or an empty Confirm (the peer
            // refused it: the value stays). Another value is an old
            // Confirm of an earlier Change: the latest is still pending.
            Some(Kind::Nn) if here => {
                if vals.is_empty() {
                    true
                } else if vals.len() <= 6
                    && vals.iter().fold(0u64, |a, b| a << 8 | u64::from(*b)) == self.sent[i]
                {
                    self.local[i] = self.sent[i];
                    true
                } else {
                    false
                }
            }
            Some(Kind::Sp) => {
                // The value chosen must be one this end offered (its
                // Changes carry its whole list): else the peer broke the
                // negotiation (RFC 4340 6.6.7), Option Error.
                if let Some(&v) = vals.first() {
                    // (The peer's minimum coverage: one of N down to 0.)
                    let offered = if f == feature::MIN_CSCOV && !here {
                        v <= self.cscov_send
                    } else {
                        self.prefs(f, here).contains(&v)
                    };
                    if !offered {
                        return Err(RESET_OPTION_ERROR);
                    }
                    if here {
                        self.local[i] = u64::from(v);
                    } else {
                        self.remote[i] = u64::from(v);
                    }
                }
                true
            }
            _ => true,
        };
        if done {
            let bit = !(1u16 << f);
            if here {
                self.changing_l &= bit;
            } else {
                self.changing_r &= bit;
            }
        }
        Ok(())
    }
}
