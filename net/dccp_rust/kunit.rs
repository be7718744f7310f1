// SPDX-License-Identifier: GPL-2.0

//! KUnit suite `dccp_rust`: the header codec, sequence arithmetic, the
//! Ack Vector and CCID 2's window, as the module runs them, run by KUnit
//! when the module loads. `tools/rnet/hosttest` tests the same files on
//! the host with more cases.

use crate::ccid2::{self, RxHistory, Tx};
use crate::codec::{self, opt, Header, Malformed, Options, PacketType};
use crate::feat::{self, feature, Confirms, Features};
use kernel::{kunit_check, kunit_suite::TestResult};

const SRC: [u8; 4] = [192, 0, 2, 1];
const DST: [u8; 4] = [192, 0, 2, 2];

fn hdr(ptype: PacketType, x: bool) -> Header {
    Header {
        sport: 40000,
        dport: 5001,
        doff: 0,
        ccval: 0,
        cscov: 0,
        checksum: 0,
        ptype,
        x,
        seq: if x { 0xabcd_0000_1234 } else { 0x12_3456 },
        ack: ptype
            .has_ack()
            .then_some(if x { 0x0000_ffff_0001 } else { 0x65_4321 }),
        specific: (ptype.specific_len() == 4).then_some(0x0102_0304),
    }
}

/// A packet of `h` with `opts` and 5 bytes of data, checksummed.
fn packet(h: &Header, opts: &[u8], out: &mut [u8; 64]) -> Option<usize> {
    let n = codec::encode(h, opts, out)?;
    out[n..n + 5].copy_from_slice(b"hello");
    let c = codec::compute_checksum(&SRC, &DST, &out[..n + 5]).ok()?;
    out[6..8].copy_from_slice(&c.to_be_bytes());
    Some(n + 5)
}

fn dccp_header_roundtrip() -> TestResult {
    for t in 0..10u8 {
        let Some(ptype) = PacketType::from_u8(t) else {
            return Err("a packet type did not decode");
        };
        for x in [true, false] {
            if !x && !ptype.allows_short() {
                continue;
            }
            let h = hdr(ptype, x);
            let mut buf = [0u8; 64];
            let Some(n) = packet(&h, &[], &mut buf) else {
                return Err("a valid header did not encode");
            };
            let Ok(got) = codec::verify_checksum(&SRC, &DST, &buf[..n]) else {
                return Err("an encoded packet did not verify");
            };
            kunit_check!(got.ptype == ptype && got.x == x);
            kunit_check!(got.seq == h.seq && got.ack == h.ack);
            kunit_check!(got.specific == h.specific);
            kunit_check!(got.len() == Header::fixed_len(ptype, x));
        }
    }
    // Formats the codec refuses to write.
    let mut buf = [0u8; 64];
    kunit_check!(codec::encode(&hdr(PacketType::Request, false), &[], &mut buf).is_none());
    let mut no_ack = hdr(PacketType::Ack, true);
    no_ack.ack = None;
    kunit_check!(codec::encode(&no_ack, &[], &mut buf).is_none());
    Ok(())
}

fn dccp_malformed() -> TestResult {
    let mut buf = [0u8; 64];
    let Some(n) = packet(&hdr(PacketType::Request, true), &[], &mut buf) else {
        return Err("a Request did not encode");
    };
    kunit_check!(codec::parse(&buf[..11]) == Err(Malformed::TooShort));
    let mut p = buf;
    p[4] = 30;
    kunit_check!(codec::parse(&p[..n]) == Err(Malformed::BadDataOffset));
    let mut p = buf;
    p[8] = 14 << 1 | 1;
    kunit_check!(codec::parse(&p[..n]) == Err(Malformed::BadType));
    let mut p = buf;
    p[8] &= !1;
    kunit_check!(codec::parse(&p[..n]) == Err(Malformed::ShortSeqNotAllowed));
    let mut p = buf;
    p[n - 1] ^= 0x40;
    kunit_check!(codec::verify_checksum(&SRC, &DST, &p[..n]) == Err(Malformed::BadChecksum));
    let mut p = buf;
    p[5] = 0x0f;
    kunit_check!(codec::compute_checksum(&SRC, &DST, &p[..n]) == Err(Malformed::BadCoverage));
    Ok(())
}

fn dccp_options() -> TestResult {
    // Padding, Mandatory + Ack Vector, a one-byte option.
    let bytes = [0, 1, 38, 4, 0x05, 0xc0, 2];
    let mut it = Options::new(&bytes);
    let Some(Ok(a)) = it.next() else {
        return Err("no Ack Vector");
    };
    kunit_check!(a.kind == opt::ACK_VECTOR_0 && a.mandatory && a.value == [0x05, 0xc0]);
    let Some(Ok(b)) = it.next() else {
        return Err("no Slow Receiver");
    };
    kunit_check!(b.kind == opt::SLOW_RECEIVER && !b.mandatory);
    kunit_check!(it.next().is_none());
    let mut bad = Options::new(&[38, 9, 0]);
    kunit_check!(bad.next() == Some(Err(Malformed::BadOptionLength)));
    kunit_check!(bad.next().is_none());
    let mut bad = Options::new(&[1]);
    kunit_check!(bad.next() == Some(Err(Malformed::BadMandatory)));
    let mut bad = Options::new(&[1, 1, 2]);
    kunit_check!(bad.next() == Some(Err(Malformed::BadMandatory)));
    // Mandatory Padding is honoured (nothing to do), then the rest.
    let mut it = Options::new(&[1, 0, 2]);
    let Some(Ok(c)) = it.next() else {
        return Err("no Slow Receiver after Mandatory Padding");
    };
    kunit_check!(c.kind == opt::SLOW_RECEIVER && !c.mandatory);
    kunit_check!(it.next().is_none());
    Ok(())
}

fn dccp_sequence_numbers() -> TestResult {
    let top = codec::SEQ_MOD - 1;
    kunit_check!(codec::seq_add(top, 1) == 0);
    kunit_check!(codec::seq_delta(0, top) == 1);
    kunit_check!(codec::seq_delta(top, 0) == -1);
    kunit_check!(codec::seq_before(top, 2));
    kunit_check!(codec::seq_in_window(1, top - 5, 3));
    kunit_check!(!codec::seq_in_window(4, top - 5, 3));
    kunit_check!(codec::seq_extend(0x00_0002, 0xff_fffe) == 0x100_0002);
    kunit_check!(codec::seq_extend(0xff_fffe, 0x100_0002) == 0xff_fffe);
    Ok(())
}

fn dccp_ack_vector() -> TestResult {
    let mut rx = RxHistory::new();
    for s in [10u64, 11, 12, 14, 15] {
        rx.record(s);
    }
    let mut v = [0u8; 8];
    let n = rx.encode(&mut v);
    kunit_check!(rx.head() == Some(15));
    kunit_check!(v[..n] == [0x01, 0xc0, 0x02]);
    let mut runs = ccid2::runs(15, &v[..n]);
    kunit_check!(runs.next() == Some((ccid2::STATE_RECEIVED, 15, 2)));
    kunit_check!(runs.next() == Some((ccid2::STATE_NOT_RECEIVED, 13, 1)));
    kunit_check!(runs.next() == Some((ccid2::STATE_RECEIVED, 12, 3)));
    kunit_check!(runs.next().is_none());
    Ok(())
}

fn dccp_ccid2_window() -> TestResult {
    let mut tx = Tx::new();
    kunit_check!(tx.cwnd == ccid2::INIT_CWND && tx.can_send());
    let mut rx = RxHistory::new();
    let mut seq = 100u64;
    // Slow start: one Ack for a whole window grows it by one packet (the
    // cap for an Ack Ratio of 1 or 2).
    while tx.can_send() {
        tx.on_send(seq, 0);
        rx.record(seq);
        seq += 1;
    }
    kunit_check!(tx.pipe == ccid2::INIT_CWND);
    let mut v = [0u8; 8];
    let n = rx.encode(&mut v);
    let res = tx.on_ack(seq - 1, Some(&v[..n]), 10);
    kunit_check!(res.acked == ccid2::INIT_CWND && !res.halved);
    kunit_check!(tx.cwnd == ccid2::INIT_CWND + 1 && tx.pipe == 0);
    // Four sent, the first reported lost, three after it received: one
    // halving.
    for k in 0..4 {
        tx.on_send(seq + k, 20);
    }
    let res = tx.on_ack(seq + 3, Some(&[0x02, 0xc0]), 30);
    kunit_check!(res.acked == 3 && res.lost == 1 && res.halved);
    kunit_check!(tx.halvings == 1 && tx.pipe == 0);
    kunit_check!(tx.cwnd == tx.ssthresh && tx.cwnd >= 2);
    // The timeout: back to one packet, the timeout doubled.
    tx.on_send(seq + 4, 40);
    let rto = tx.rto_ms;
    tx.on_timeout();
    kunit_check!(tx.cwnd == 1 && tx.pipe == 0 && tx.timeouts == 1);
    kunit_check!(tx.rto_ms == (rto * 2).min(ccid2::RTO_MAX_MS));
    Ok(())
}

/// Negotiates over `bytes` (well-formed options) into `out`.
fn negotiate(f: &mut Features, bytes: &[u8], out: &mut Confirms) -> feat::Outcome {
    f.on_options(
        Options::new(bytes)
            .map_while(|o| o.ok())
            .map(|o| (o.kind, o.mandatory, o.value)),
        out,
    )
}

fn dccp_feat_request_confirmed() -> TestResult {
    // A Request's Changes as the C DCCP sends them: CCID 2 both ways,
    // Mandatory Short Seqnos 0, ECN Incapable 1, Send Ack Vector 1.
    let req = [
        32, 4, 1, 2, 34, 4, 1, 2, 1, 32, 4, 2, 0, 1, 32, 4, 4, 1, 1, 34, 4, 6, 1, 1, 32, 4, 6, 1,
    ];
    let mut f = Features::new(true);
    let mut out = Confirms::new();
    kunit_check!(negotiate(&mut f, &req, &mut out).is_ok());
    let want = [
        35, 5, 1, 2, 2, 33, 5, 1, 2, 2, 35, 6, 2, 0, 0, 1, 35, 6, 4, 1, 0, 1, 33, 6, 6, 1, 1, 0,
        35, 5, 6, 1, 1,
    ];
    kunit_check!(out.bytes() == want);
    kunit_check!(f.remote(feature::ECN_INCAPABLE) == 1 && f.local(feature::SEND_ACK_VECTOR) == 1);
    // The server's own Changes follow: Ack Vectors and Ack Ratio 1.
    kunit_check!(f.initial_changes(100, &mut out));
    kunit_check!(out.bytes()[want.len()..] == [34, 4, 6, 1, 32, 5, 5, 0, 1]);
    Ok(())
}

fn dccp_feat_refusals() -> TestResult {
    let mut out = Confirms::new();
    // A server-priority list with no common value: Reset, Option Error.
    let mut f = Features::new(true);
    kunit_check!(negotiate(&mut f, &[32, 4, 1, 3], &mut out) == Err(feat::RESET_OPTION_ERROR));
    // The same Change sent Mandatory: Mandatory Error.
    let mut f = Features::new(true);
    kunit_check!(
        negotiate(&mut f, &[1, 32, 4, 1, 3], &mut out) == Err(feat::RESET_MANDATORY_ERROR)
    );
    let mut f = Features::new(true);
    // An unknown feature: an empty Confirm, a Reset when Mandatory.
    let mut out = Confirms::new();
    kunit_check!(negotiate(&mut f, &[32, 4, 200, 1], &mut out).is_ok());
    kunit_check!(out.bytes() == [35, 3, 200]);
    kunit_check!(
        negotiate(&mut f, &[1, 34, 4, 200, 1], &mut out) == Err(feat::RESET_MANDATORY_ERROR)
    );
    // A Change or Confirm without its feature: Option Error.
    kunit_check!(negotiate(&mut f, &[32, 2], &mut out) == Err(feat::RESET_OPTION_ERROR));
    kunit_check!(negotiate(&mut f, &[35, 2], &mut out) == Err(feat::RESET_OPTION_ERROR));
    // A Sequence Window change, then one below the minimum.
    let mut f = Features::new(false);
    let mut out = Confirms::new();
    kunit_check!(negotiate(&mut f, &[32, 9, 3, 0, 0, 0, 0, 1, 0], &mut out).is_ok());
    kunit_check!(f.remote(feature::SEQ_WINDOW) == 256);
    kunit_check!(negotiate(&mut f, &[32, 3 + 1, 3, 31], &mut out).is_ok());
    kunit_check!(f.remote(feature::SEQ_WINDOW) == 256);
    // One answer per feature: the later (empty) Confirm replaced the first.
    kunit_check!(out.bytes() == [35, 3, 3]);
    // Partial checksum coverage: refused by a server that accepts only
    // full coverage, taken by one that accepts 2 and above.
    let mut f = Features::new(true);
    let mut out = Confirms::new();
    let cov = [34, 7, 8, 4, 3, 2, 1];
    kunit_check!(negotiate(&mut f, &cov, &mut out) == Err(feat::RESET_OPTION_ERROR));
    let mut f = Features::new(true);
    f.set_coverage(0, 2);
    kunit_check!(negotiate(&mut f, &cov, &mut out).is_ok());
    kunit_check!(f.accepts_coverage(2) && !f.accepts_coverage(1) && f.accepts_coverage(0));
    Ok(())
}

kernel::kunit_suite!(
    suite,
    "dccp_rust",
    [
        dccp_header_roundtrip,
        dccp_malformed,
        dccp_options,
        dccp_sequence_numbers,
        dccp_ack_vector,
        dccp_ccid2_window,
        dccp_feat_request_confirmed,
        dccp_feat_refusals
    ]
);
