// SPDX-License-Identifier: GPL-2.0
//! DCCP lines at run time: injecting `< dccp ...` and checking
//! `> dccp ...` against the socket under test, as TCP lines are.
//!
//! Sequence numbers as TCP's: the script's own numbers (inbound `seq`,
//! outbound `ack`) are used as written; the kernel's (outbound `seq`,
//! inbound `ack`) are relative to its initial sequence number, learned
//! from its first Request or Response.

use super::{check_sent_time, ecn_values, fail, secs, Failure, Res, Runner, SockState};
use crate::ast::Packet;
use crate::dccp::{self, DccpLine, DccpPkt, SEQ_MASK};
use crate::packet::{self, IpPacket};

impl Runner<'_> {
    /// Injects a DCCP packet from the remote end.
    pub(super) fn inbound_dccp(&mut self, line: usize, p: &Packet, text: &str) -> Res<()> {
        let l = parse(line, text)?;
        l.check_inbound().map_err(|m| Failure { line, msg: m })?;
        // A Request to a listener makes the connection it opens the
        // socket under test.
        if self.open_child(l.ty == dccp::REQUEST, 0) {
            self.dccp_iss = None;
            self.dccp_last_out = None;
        }
        self.dccp_last_in = l.seq;
        let Some(s) = self.sut.as_ref() else {
            return fail(line, "no socket under test");
        };
        let iss = self.dccp_iss.unwrap_or(0);
        let mut opts = Vec::new();
        for o in l.opts.iter().flatten() {
            opts.push(o.encode().map_err(|m| Failure { line, msg: m })?);
        }
        let pkt = DccpPkt {
            sport: s.remote_port,
            dport: s.local_port,
            ccval: l.ccval.unwrap_or(0),
            cscov: l.cscov.unwrap_or(0),
            ty: l.ty,
            x: true,
            seq: l.seq.unwrap_or(0),
            ack: l.ack.map(|a| a.wrapping_add(iss) & SEQ_MASK),
            svc: l.svc,
            reset: l.code.map(|c| (c, [0; 3])),
            opts,
            data: vec![0; l.len as usize],
        };
        self.log(format!("< {}", pkt.show(None)));
        let ip = IpPacket {
            ip: self.ip_hdr(packet::IPPROTO_DCCP, p),
            payload: pkt.encode(),
        };
        self.inject(line, &ip)
    }

    /// Waits for the DCCP packet the line describes from the socket under
    /// test, due between `lo` and `hi`; returns when it was sent.
    pub(super) fn outbound_dccp(
        &mut self,
        line: usize,
        p: &Packet,
        text: &str,
        lo: i64,
        hi: i64,
        tol: i64,
    ) -> Res<i64> {
        let l = parse(line, text)?;
        let deadline = self.deadline(hi, tol);
        let (at, ip, pkt) = loop {
            let Some((at, ip)) = self.next_packet(line, deadline, packet::IPPROTO_DCCP)? else {
                return fail(
                    line,
                    format!(
                        "timed out waiting for outbound packet expected at {} sec: script packet: {}",
                        secs(lo.max(0)),
                        l.show()
                    ),
                );
            };
            let pkt = DccpPkt::decode(&ip.payload).map_err(|e| Failure {
                line,
                msg: format!("bad outbound DCCP packet: {e}"),
            })?;
            if self.owns_dccp(&pkt) {
                self.first_read.get_or_insert((at, false));
                break (at, ip, pkt);
            }
            self.log(format!("ignored: DCCP {}>{}", pkt.sport, pkt.dport));
        };
        // The kernel's ISS is learned once, from its first Request or
        // Response: one sent again must carry a number after it.
        if self.dccp_iss.is_none() && (pkt.ty == dccp::REQUEST || pkt.ty == dccp::RESPONSE) {
            self.dccp_iss = Some(pkt.seq.wrapping_sub(l.seq.unwrap_or(0)) & SEQ_MASK);
        }
        // A Reset may come from the stack, not the connection (an answer
        // to a malformed packet, the socket left open): the last number
        // the connection sent is that of its last other packet.
        if pkt.ty != dccp::RESET {
            self.dccp_last_out = Some(pkt.seq);
        }
        self.log(format!(
            "> {} (sent at {})",
            pkt.show(self.dccp_iss),
            secs(at)
        ));
        self.verify_dccp(line, p, &l, &ip, &pkt, at)?;
        check_sent_time(line, lo, hi, tol, at)?;
        Ok(at)
    }

    /// Whether a packet the kernel sent is the socket under test's (a
    /// connecting socket's Request to the remote port makes it so).
    fn owns_dccp(&mut self, pkt: &DccpPkt) -> bool {
        let Some(s) = self.sut.as_mut() else {
            return false;
        };
        match s.state {
            SockState::Connecting if pkt.dport == s.remote_port && pkt.ty == dccp::REQUEST => {
                s.local_port = pkt.sport;
                s.state = SockState::Connected;
                self.dccp_iss = None;
                self.dccp_last_in = None;
                true
            }
            SockState::Connected => pkt.sport == s.local_port && pkt.dport == s.remote_port,
            _ => false,
        }
    }

    fn verify_dccp(
        &self,
        line: usize,
        p: &Packet,
        l: &DccpLine,
        ip: &IpPacket,
        pkt: &DccpPkt,
        at: i64,
    ) -> Res<()> {
        let iss = self.dccp_iss;
        let mismatch = |field: &str, want: u64, got: u64| {
            Failure {
            line,
            msg: format!(
                "error handling packet: live packet field {field}: expected: {want} ({want:#x}) vs actual: {got} ({got:#x})\nscript packet: {} {}\nactual packet: {} {}",
                secs(at),
                l.show(),
                secs(at),
                pkt.show(iss)
            ),
        }
        };
        if pkt.ty != l.ty {
            return Err(mismatch("dccp_type", l.ty.into(), pkt.ty.into()));
        }
        if !pkt.x {
            return Err(mismatch("dccp_x", 1, 0));
        }
        let rel = pkt.seq.wrapping_sub(iss.unwrap_or(0)) & SEQ_MASK;
        if let Some(w) = l.seq {
            if rel != w {
                return Err(mismatch("dccp_seq", w, rel));
            }
        }
        if let (Some(w), Some(g)) = (l.ack, pkt.ack) {
            if w != g {
                return Err(mismatch("dccp_ack", w, g));
            }
        }
        if let (Some(w), Some(g)) = (l.svc, pkt.svc) {
            if w != g {
                return Err(mismatch("dccp_service_code", w.into(), g.into()));
            }
        }
        if let (Some(w), Some((g, _))) = (l.code, pkt.reset) {
            if w != g {
                return Err(mismatch("dccp_reset_code", w.into(), g.into()));
            }
        }
        // CCVal and CsCov are 0 unless written (full coverage, no CCID
        // 3 window counter), as TCP's reserved bits are.
        let ccval = l.ccval.unwrap_or(0);
        if ccval != pkt.ccval {
            return Err(mismatch("dccp_ccval", ccval.into(), pkt.ccval.into()));
        }
        let cscov = l.cscov.unwrap_or(0);
        if cscov != pkt.cscov {
            return Err(mismatch("dccp_cscov", cscov.into(), pkt.cscov.into()));
        }
        if pkt.data.len() as u32 != l.len {
            return Err(Failure {
                line,
                msg: format!(
                    "live packet payload: expected {} bytes vs actual {} bytes\nscript packet: {}\nactual packet: {}",
                    l.len,
                    pkt.data.len(),
                    l.show(),
                    pkt.show(iss)
                ),
            });
        }
        if let Some(i) = pkt.data.iter().position(|b| *b != 0) {
            return fail(
                line,
                format!(
                    "incorrect outbound data payload: byte {i} is {:#x}, not 0",
                    pkt.data[i]
                ),
            );
        }
        if let Some(e) = p.ecn.as_deref() {
            let want = ecn_values(line, e)?;
            if !want.contains(&ip.ip.ecn) {
                return Err(mismatch("ip_ecn", want[0].into(), ip.ip.ecn.into()));
            }
        }
        let Some(want) = l.opts.as_deref() else {
            return Ok(());
        };
        let bad = |m: String| Failure {
            line,
            msg: format!(
                "bad outbound DCCP options: {m}\nscript packet: {}\nactual packet: {}",
                l.show(),
                pkt.show(iss)
            ),
        };
        if l.partial {
            // Each written option sent, in any order, others beside them
            // (stacks order their options as they please).
            let mut used = vec![false; pkt.opts.len()];
            for w in want {
                let hit = pkt
                    .opts
                    .iter()
                    .enumerate()
                    .position(|(i, (k, d))| !used[i] && w.matches(*k, d));
                match hit {
                    Some(i) => used[i] = true,
                    None => return Err(bad(format!("no `{}`", w.show()))),
                }
            }
            return Ok(());
        }
        for (i, w) in want.iter().enumerate() {
            match pkt.opts.get(i) {
                Some((k, d)) if w.matches(*k, d) => {}
                Some((k, d)) => {
                    return Err(bad(format!(
                        "option {i}: expected `{}`, got `{}`",
                        w.show(),
                        dccp::show_wire_opt(*k, d)
                    )))
                }
                None => {
                    return Err(bad(format!(
                        "option {i}: expected `{}`, got none",
                        w.show()
                    )))
                }
            }
        }
        if let Some((k, d)) = pkt.opts.get(want.len()) {
            return Err(bad(format!(
                "option {}: unexpected `{}`",
                want.len(),
                dccp::show_wire_opt(*k, d)
            )));
        }
        Ok(())
    }
}

impl Runner<'_> {
    /// Resets the DCCP connection under test, if it has one the kernel
    /// sent on: a Reset (code aborted) one past the script's last
    /// sequence number, acknowledging the kernel's last packet other than
    /// a Reset (those sent since the last one checked are read first).
    /// A packet of the connection's that no line checked, already sent
    /// when the script ends, is returned: the run fails with it (a Reset
    /// answered, or a Close sent again, where the script says nothing
    /// more comes).
    pub(super) fn dccp_reset_at_end(&mut self) -> Option<String> {
        let (Some(s), Some(last_in)) = (self.sut.as_ref(), self.dccp_last_in) else {
            return None;
        };
        if s.state != SockState::Connected || self.dccp_last_out.is_none() {
            return None;
        }
        let (local, remote) = (s.local_port, s.remote_port);
        let mut unexpected = None;
        while self.sniffer.readable() {
            let sent = match self.sniffer.read() {
                Ok(Some(sent)) => sent,
                Ok(None) => continue,
                Err(_) => break,
            };
            let Ok(ip) = IpPacket::decode_opt(&sent.frame, false) else {
                continue;
            };
            if ip.ip.proto != packet::IPPROTO_DCCP {
                continue;
            }
            if let Ok(p) = DccpPkt::decode(&ip.payload) {
                if p.sport == local && p.dport == remote {
                    unexpected.get_or_insert_with(|| p.show(self.dccp_iss));
                    if p.ty != dccp::RESET {
                        self.dccp_last_out = Some(p.seq);
                    }
                }
            }
        }
        let pkt = DccpPkt {
            sport: remote,
            dport: local,
            ty: dccp::RESET,
            x: true,
            seq: last_in.wrapping_add(1) & SEQ_MASK,
            ack: self.dccp_last_out,
            reset: Some((2, [0; 3])),
            ..Default::default()
        };
        self.log(format!("< {} (the end)", pkt.show(None)));
        let ip = IpPacket {
            ip: self.ip_hdr(packet::IPPROTO_DCCP, &end_packet()),
            payload: pkt.encode(),
        };
        let _ = self.inject(0, &ip);
        unexpected
    }
}

/// A packet line with no IP marks, for the runner's own packets.
fn end_packet() -> Packet {
    Packet {
        dir: crate::ast::Dir::In,
        ecn: None,
        ip_extra: None,
        body: crate::ast::PacketBody::Dccp(String::new()),
    }
}

fn parse(line: usize, text: &str) -> Res<DccpLine> {
    dccp::parse_line(text).map_err(|m| Failure {
        line,
        msg: format!("bad DCCP line: {m}"),
    })
}
