// SPDX-License-Identifier: GPL-2.0

//! CCID 2 (RFC 4341), TCP-like congestion control, and the Ack Vector
//! (RFC 4340 11.4) that carries its acknowledgements: the receiver's
//! history of what arrived, and the sender's window, pipe and loss
//! detection. Plain Rust with no kernel dependency, tested on the host
//! (`tools/rnet/hosttest`) as it is built in the module.
//!
//! Simplifications, each allowed by the RFCs: the receiver remembers the
//! last [`RX_HISTORY`] sequence numbers and reports at most
//! [`MAX_ACK_VECTOR`] bytes of them, instead of keeping everything until
//! an acknowledgement of its Ack arrives; ECN is not used, so an
//! ECN-marked state counts as received. The Ack Ratio (RFC 4341 6.1)
//! lives with the socket (`dccp_rust.rs`): the receiver acknowledges
//! every Ack Ratio data packets, at once after a gap and within a short
//! delay otherwise; the sender asks for half its window, at most 2.

use super::codec::{seq_add, seq_delta};

/// How many sequence numbers, back from the greatest, the receiver
/// remembers.
pub const RX_HISTORY: usize = 256;

/// The most Ack Vector bytes put in one packet.
pub const MAX_ACK_VECTOR: usize = 64;

/// Ack Vector state: received.
pub const STATE_RECEIVED: u8 = 0;
/// Ack Vector state: received, ECN marked.
pub const STATE_ECN: u8 = 1;
/// Ack Vector state: not received.
pub const STATE_NOT_RECEIVED: u8 = 3;

const WORDS: usize = RX_HISTORY / 64;

/// What the receiving half of a connection got: bit `i` of `seen` says
/// whether `head - i` arrived.
///
/// # Invariants
///
/// `span <= RX_HISTORY`; bits at `span` and above are zero; `span` is 0
/// exactly when nothing was recorded.
#[derive(Clone, Copy)]
pub struct RxHistory {
    head: u64,
    seen: [u64; WORDS],
    span: usize,
}

impl Default for RxHistory {
    fn default() -> Self {
        Self::new()
    }
}

impl RxHistory {
    /// An empty history.
    pub const fn new() -> Self {
        Self {
            head: 0,
            seen: [0; WORDS],
            span: 0,
        }
    }

    /// The greatest sequence number recorded (the Ack Number a vector from
    /// [`RxHistory::encode`] goes with), if any.
    pub fn head(&self) -> Option<u64> {
        (self.span > 0).then_some(self.head)
    }

    /// Whether `head - i` was recorded.
    pub fn received(&self, i: usize) -> bool {
        i < self.span && self.seen[i / 64] >> (i % 64) & 1 == 1
    }

    fn set(&mut self, i: usize) {
        self.seen[i / 64] |= 1 << (i % 64);
    }

    /// Moves every bit `d` places up (older), dropping what falls off.
    fn shift(&mut self, d: usize) {
        if d >= RX_HISTORY {
            self.seen = [0; WORDS];
            return;
        }
        let (words, bits) = (d / 64, d % 64);
        for w in (0..WORDS).rev() {
            let lo = w.checked_sub(words).map_or(0, |s| self.seen[s]);
            let below = w.checked_sub(words + 1).map_or(0, |s| self.seen[s]);
            self.seen[w] = if bits == 0 {
                lo
            } else {
                lo << bits | below >> (64 - bits)
            };
        }
    }

    /// Records that `seq` arrived. Numbers more than `RX_HISTORY` before
    /// the greatest one are forgotten.
    pub fn record(&mut self, seq: u64) {
        if self.span == 0 {
            self.head = seq;
            self.seen = [0; WORDS];
            self.set(0);
            self.span = 1;
            return;
        }
        let d = seq_delta(seq, self.head);
        if d > 0 {
            let d = d as usize;
            self.shift(d);
            self.head = seq;
            self.set(0);
            self.span = self.span.saturating_add(d).min(RX_HISTORY);
        } else {
            let i = d.unsigned_abs() as usize;
            if i < RX_HISTORY {
                self.set(i);
                // INVARIANT: `i < RX_HISTORY`.
                self.span = self.span.max(i + 1);
            }
        }
    }

    /// Writes the Ack Vector for [`RxHistory::head`] into `out` (at most
    /// [`MAX_ACK_VECTOR`] bytes): runs of one state, newest first, each a
    /// byte of the state (two bits) and the run length less one (six
    /// bits). Returns the bytes written; 0 if nothing was recorded.
    pub fn encode(&self, out: &mut [u8]) -> usize {
        let cap = out.len().min(MAX_ACK_VECTOR);
        let mut n = 0;
        let mut i = 0;
        while i < self.span && n < cap {
            let got = self.received(i);
            let mut run = 1;
            while run < 64 && i + run < self.span && self.received(i + run) == got {
                run += 1;
            }
            let state = if got {
                STATE_RECEIVED
            } else {
                STATE_NOT_RECEIVED
            };
            // CAST: `run` is 1..=64.
            out[n] = state << 6 | (run - 1) as u8;
            n += 1;
            i += run;
        }
        n
    }
}

/// The runs of an Ack Vector for Ack Number `ack`, newest first: each its
/// state, its newest sequence number and its length.
pub fn runs(ack: u64, vector: &[u8]) -> impl Iterator<Item = (u8, u64, u64)> + '_ {
    let mut newest = ack;
    vector.iter().map(move |b| {
        let len = u64::from(b & 0x3f) + 1;
        let run = (b >> 6, newest, len);
        newest = seq_add(newest, super::codec::SEQ_MOD - len);
        run
    })
}

/// Congestion window ceiling, in packets: the default Sequence Window
/// (100, RFC 4340 7.5.2), which is not negotiated yet. (A run of more
/// than three quarters of it lost puts the next packet past the peer's
/// window, and takes a Sync to recover, RFC 4340 7.5.4.)
pub const MAX_CWND: u32 = 100;
/// Initial window (RFC 4341 5, for a 1400-byte MPS: 4380 bytes).
pub const INIT_CWND: u32 = 3;
/// Acknowledged packets sent after an unacknowledged one that make it
/// lost (RFC 4341 6.2, as TCP's three duplicate acknowledgements).
pub const NUMDUPACK: u32 = 3;
/// Retransmission timeout bounds and start (RFC 6298, 200 ms floor as
/// Linux TCP's).
pub const RTO_MIN_MS: u32 = 200;
/// Initial RTO.
pub const RTO_INIT_MS: u32 = 1000;
/// Largest RTO.
pub const RTO_MAX_MS: u32 = 64_000;

const TX_HISTORY: usize = 128;

/// One data packet sent and not yet known acknowledged or lost.
#[derive(Clone, Copy, Default)]
struct Sent {
    seq: u64,
    /// When it went, in milliseconds (wrapping).
    sent_ms: u32,
    acked: bool,
    lost: bool,
    /// An Ack Vector reported it not received.
    missing: bool,
}

/// What one acknowledgement changed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AckResult {
    /// Packets newly known received.
    pub acked: u32,
    /// Packets newly taken as lost.
    pub lost: u32,
    /// Whether the window was halved.
    pub halved: bool,
}

/// The sending half's CCID 2 state.
///
/// # Invariants
///
/// `hist[(first + k) % TX_HISTORY]` for `k < n` are the data packets sent
/// that are not yet dropped from the history, oldest first, in the order
/// sent; `pipe` counts those neither acknowledged nor lost; `1 <= cwnd <=
/// MAX_CWND`.
#[derive(Clone, Copy)]
pub struct Tx {
    hist: [Sent; TX_HISTORY],
    first: usize,
    n: usize,
    /// Congestion window, in packets.
    pub cwnd: u32,
    /// Slow start threshold.
    pub ssthresh: u32,
    /// Packets in flight: sent, neither acknowledged nor lost.
    pub pipe: u32,
    ca_acked: u32,
    /// Losses of packets up to this one belong to the last halving.
    recovery: Option<u64>,
    /// Times the window was halved for a loss.
    pub halvings: u32,
    /// Retransmission timeouts.
    pub timeouts: u32,
    /// Packets acknowledged, in all.
    pub acked: u64,
    /// Packets taken as lost and not acknowledged since (those a timeout
    /// took as lost are forgotten, and stay counted): every packet sent is
    /// acknowledged, lost or in the pipe.
    pub lost: u64,
    srtt_ms: u32,
    rttvar_ms: u32,
    /// Current retransmission timeout.
    pub rto_ms: u32,
    /// The most one acknowledgement grows the window by in slow start:
    /// the socket keeps it at half its Ack Ratio, rounded up (a receiver
    /// that acknowledges two packets at a time does not make the sender
    /// twice as bursty), as the C CCID 2 does.
    pub slow_start_cap: u32,
}

impl Default for Tx {
    fn default() -> Self {
        Self::new()
    }
}

impl Tx {
    /// A fresh sender.
    pub const fn new() -> Self {
        Self {
            hist: [Sent {
                seq: 0,
                sent_ms: 0,
                acked: false,
                lost: false,
                missing: false,
            }; TX_HISTORY],
            first: 0,
            n: 0,
            cwnd: INIT_CWND,
            ssthresh: MAX_CWND,
            pipe: 0,
            ca_acked: 0,
            recovery: None,
            halvings: 0,
            timeouts: 0,
            acked: 0,
            lost: 0,
            srtt_ms: 0,
            rttvar_ms: 0,
            rto_ms: RTO_INIT_MS,
            slow_start_cap: 1,
        }
    }

    fn at(&self, k: usize) -> &Sent {
        &self.hist[(self.first + k) % TX_HISTORY]
    }

    fn at_mut(&mut self, k: usize) -> &mut Sent {
        &mut self.hist[(self.first + k) % TX_HISTORY]
    }

    /// Whether the window lets one more data packet go.
    pub fn can_send(&self) -> bool {
        self.pipe < self.cwnd && self.n < TX_HISTORY
    }

    /// Whether data packets are in flight (the timeout runs).
    pub fn in_flight(&self) -> bool {
        self.pipe > 0
    }

    /// Smoothed round-trip time, 0 before the first sample.
    pub fn srtt_ms(&self) -> u32 {
        self.srtt_ms
    }

    /// Records data packet `seq`, sent at `now_ms`.
    pub fn on_send(&mut self, seq: u64, now_ms: u32) {
        if self.n == TX_HISTORY {
            // Not reached while `can_send` is honoured; forget the oldest.
            self.drop_oldest();
        }
        let k = self.n;
        self.n += 1;
        *self.at_mut(k) = Sent {
            seq,
            sent_ms: now_ms,
            acked: false,
            lost: false,
            missing: false,
        };
        self.pipe += 1;
    }

    fn drop_oldest(&mut self) {
        if self.n == 0 {
            return;
        }
        let s = *self.at(0);
        if !s.acked && !s.lost {
            self.pipe = self.pipe.saturating_sub(1);
        }
        self.first = (self.first + 1) % TX_HISTORY;
        self.n -= 1;
    }

    fn rtt_sample(&mut self, r: u32) {
        let r = r.max(1);
        if self.srtt_ms == 0 {
            self.srtt_ms = r;
            self.rttvar_ms = r / 2;
        } else {
            let err = self.srtt_ms.abs_diff(r);
            self.rttvar_ms = (3 * self.rttvar_ms + err) / 4;
            self.srtt_ms = (7 * self.srtt_ms + r) / 8;
        }
        self.rto_ms = (self.srtt_ms + 4 * self.rttvar_ms).clamp(RTO_MIN_MS, RTO_MAX_MS);
    }

    fn grow(&mut self, grown: &mut u32) {
        if self.cwnd < self.ssthresh {
            if *grown < self.slow_start_cap {
                self.cwnd += 1;
                *grown += 1;
            }
        } else {
            self.ca_acked += 1;
            if self.ca_acked >= self.cwnd {
                self.cwnd += 1;
                self.ca_acked = 0;
            }
        }
        self.cwnd = self.cwnd.min(MAX_CWND);
    }

    /// Takes an acknowledgement: Ack Number `ack` with its Ack Vector, if
    /// the packet had one (without one, only `ack` itself is known
    /// received), at `now_ms`.
    pub fn on_ack(&mut self, ack: u64, vector: Option<&[u8]>, now_ms: u32) -> AckResult {
        let mut res = AckResult::default();
        let mut grown = 0;
        // Newest packet first, against the runs from `ack` down.
        let mut runs = vector.map(|v| runs(ack, v));
        let mut run = runs.as_mut().and_then(|r| r.next());
        for k in (0..self.n).rev() {
            let s = *self.at(k);
            if seq_delta(s.seq, ack) > 0 {
                continue;
            }
            let got = match runs.as_mut() {
                None => s.seq == ack,
                Some(it) => {
                    // Skip the runs that end after this packet.
                    while let Some((_, newest, len)) = run {
                        if seq_delta(newest, s.seq) < len as i64 {
                            break;
                        }
                        run = it.next();
                    }
                    match run {
                        Some((state, newest, _)) if seq_delta(newest, s.seq) >= 0 => {
                            let got = state == STATE_RECEIVED || state == STATE_ECN;
                            if !got {
                                self.at_mut(k).missing = true;
                            }
                            got
                        }
                        _ => false,
                    }
                }
            };
            if got && !s.acked {
                self.at_mut(k).acked = true;
                if s.lost {
                    // Late, not lost: `sent = acked + lost + pipe` holds.
                    self.lost = self.lost.saturating_sub(1);
                } else {
                    self.pipe = self.pipe.saturating_sub(1);
                    self.grow(&mut grown);
                }
                self.acked += 1;
                res.acked += 1;
                if s.seq == ack {
                    self.rtt_sample(now_ms.wrapping_sub(s.sent_ms));
                }
            }
            if vector.is_none() && seq_delta(s.seq, ack) < 0 {
                break;
            }
        }
        // A packet reported missing with NUMDUPACK acknowledged packets
        // sent after it is lost (RFC 4341 6.2); the losses of one window
        // halve it once. One no vector has reported on yet (a vector cut
        // short, an acknowledgement without one) waits for a report or
        // the timeout.
        let mut newer_acked = 0;
        let mut worst: Option<u64> = None;
        for k in (0..self.n).rev() {
            let s = *self.at(k);
            if s.acked {
                newer_acked += 1;
            } else if !s.lost && s.missing && newer_acked >= NUMDUPACK {
                self.at_mut(k).lost = true;
                self.pipe = self.pipe.saturating_sub(1);
                self.lost += 1;
                res.lost += 1;
                if worst.map_or(true, |w| seq_delta(s.seq, w) > 0) {
                    worst = Some(s.seq);
                }
            }
        }
        if let Some(w) = worst {
            if self.recovery.map_or(true, |r| seq_delta(w, r) > 0) {
                self.ssthresh = (self.cwnd / 2).max(2);
                self.cwnd = self.ssthresh;
                self.ca_acked = 0;
                self.halvings += 1;
                res.halved = true;
                self.recovery = self.newest();
            }
        }
        while self.n > 0 && (self.at(0).acked || self.at(0).lost) {
            self.drop_oldest();
        }
        res
    }

    fn newest(&self) -> Option<u64> {
        self.n.checked_sub(1).map(|k| self.at(k).seq)
    }

    /// The retransmission timeout fired: what is in flight is lost, the
    /// window goes back to one packet and the timeout doubles (RFC 4341
    /// 5, as TCP).
    pub fn on_timeout(&mut self) {
        for k in 0..self.n {
            let s = *self.at(k);
            if !s.acked && !s.lost {
                self.lost += 1;
            }
        }
        self.recovery = self.newest().or(self.recovery);
        self.first = 0;
        self.n = 0;
        self.pipe = 0;
        self.ssthresh = (self.cwnd / 2).max(2);
        self.cwnd = 1;
        self.ca_acked = 0;
        self.timeouts += 1;
        self.rto_ms = self.rto_ms.saturating_mul(2).min(RTO_MAX_MS);
    }
}
