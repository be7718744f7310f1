// SPDX-License-Identifier: GPL-2.0

//! Host tests of the rnet files that are plain Rust with no kernel
//! dependency: the very source the kernel builds, included by path.

#[allow(dead_code)]
#[path = "../../../../drivers/net/ethernet/intel/e1000e_rust/desc.rs"]
mod desc;

#[allow(dead_code)]
#[path = "../../../../net/dccp_rust/codec.rs"]
mod codec;

#[allow(dead_code)]
#[path = "../../../../net/dccp_rust/ccid2.rs"]
mod ccid2;

#[allow(dead_code)]
#[path = "../../../../net/dccp_rust/feat.rs"]
mod feat;

#[cfg(test)]
mod dccp_feat {
    use super::codec::{opt, Options};
    use super::feat::*;

    /// Runs `f`'s negotiation over the options in `bytes`.
    fn negotiate(f: &mut Features, bytes: &[u8]) -> (Outcome, Vec<u8>) {
        let mut out = Confirms::new();
        let opts: Vec<_> = Options::new(bytes)
            .map(|o| o.expect("well-formed options"))
            .map(|o| (o.kind, o.mandatory, o.value))
            .collect();
        let r = f.on_options(opts.into_iter(), &mut out);
        (r, out.bytes().to_vec())
    }

    // The Changes of a Request from the C DCCP with its defaults: CCID 2
    // both ways, then Mandatory Short Seqnos 0, ECN Incapable 1 and Send
    // Ack Vector 1 both ways.
    const C_REQUEST: [u8; 28] = [
        32, 4, 1, 2, 34, 4, 1, 2, 1, 32, 4, 2, 0, 1, 32, 4, 4, 1, 1, 34, 4, 6, 1, 1, 32, 4, 6, 1,
    ];

    #[test]
    fn server_confirms_every_change_of_a_request() {
        let mut f = Features::new(true);
        let (r, out) = negotiate(&mut f, &C_REQUEST);
        assert_eq!(r, Ok(()));
        // Each Confirm: the value chosen, then this end's list.
        assert_eq!(
            out,
            [
                35, 5, 1, 2, 2, // Confirm R(CCID 2)
                33, 5, 1, 2, 2, // Confirm L(CCID 2)
                35, 6, 2, 0, 0, 1, // Confirm R(Short Seqnos 0)
                35, 6, 4, 1, 0, 1, // Confirm R(ECN Incapable 1)
                33, 6, 6, 1, 1, 0, // Confirm L(Send Ack Vector 1)
                35, 5, 6, 1, 1, // Confirm R(Send Ack Vector 1)
            ]
        );
        assert_eq!(f.remote(feature::ECN_INCAPABLE), 1);
        assert_eq!(f.local(feature::SEND_ACK_VECTOR), 1);
        assert_eq!(f.remote(feature::SEND_ACK_VECTOR), 1);
        assert_eq!(f.local(feature::CCID), 2);
    }

    #[test]
    fn no_common_value_is_a_reset() {
        // CCID 3 only: the server has none of it.
        let mut f = Features::new(true);
        assert_eq!(negotiate(&mut f, &[32, 4, 1, 3]).0, Err(RESET_OPTION_ERROR));
        // Sent Mandatory: Mandatory Error (RFC 4340 5.8.2).
        let mut f = Features::new(true);
        assert_eq!(
            negotiate(&mut f, &[1, 32, 4, 1, 3]).0,
            Err(RESET_MANDATORY_ERROR)
        );
        let mut f = Features::new(false);
        assert_eq!(
            negotiate(&mut f, &[34, 5, 1, 3, 4]).0,
            Err(RESET_OPTION_ERROR)
        );
        // Send NDP Count 1 asked of this end, which sends none.
        let mut f = Features::new(true);
        assert_eq!(negotiate(&mut f, &[34, 4, 7, 1]).0, Err(RESET_OPTION_ERROR));
    }

    #[test]
    fn server_list_wins() {
        // The server (the peer here) prefers ECN Incapable 1, then 0; this
        // client prefers 0: the server's order decides.
        let mut f = Features::new(false);
        let (r, out) = negotiate(&mut f, &[32, 5, 4, 1, 0]);
        assert_eq!(r, Ok(()));
        assert_eq!(out, [35, 6, 4, 1, 0, 1]);
        assert_eq!(f.remote(feature::ECN_INCAPABLE), 1);
        // As server, this end's order decides.
        let mut f = Features::new(true);
        assert_eq!(negotiate(&mut f, &[32, 5, 4, 1, 0]).0, Ok(()));
        assert_eq!(f.remote(feature::ECN_INCAPABLE), 0);
    }

    #[test]
    fn unknown_feature_gets_an_empty_confirm() {
        let mut f = Features::new(true);
        let (r, out) = negotiate(&mut f, &[32, 4, 200, 1, 34, 3, 10]);
        assert_eq!(r, Ok(()));
        assert_eq!(out, [35, 3, 200, 33, 3, 10]);
        // Mandatory: the connection cannot go on.
        assert_eq!(
            negotiate(&mut f, &[1, 32, 4, 200, 1]).0,
            Err(RESET_MANDATORY_ERROR)
        );
    }

    #[test]
    fn sequence_window_change() {
        let mut f = Features::new(false);
        assert_eq!(f.remote(feature::SEQ_WINDOW), 100);
        // The C CCID 2's Change L(Sequence Window 50), six bytes.
        let (r, out) = negotiate(&mut f, &[32, 9, 3, 0, 0, 0, 0, 0, 50]);
        assert_eq!(r, Ok(()));
        assert_eq!(out, [35, 9, 3, 0, 0, 0, 0, 0, 50]);
        assert_eq!(f.remote(feature::SEQ_WINDOW), 50);
        // Below 32, or asked of the non-location (Change R): refused with
        // an empty Confirm, the value kept.
        let (_, out) = negotiate(&mut f, &[32, 4, 3, 10, 34, 4, 3, 64]);
        assert_eq!(out, [35, 3, 3, 33, 3, 3]);
        assert_eq!(f.remote(feature::SEQ_WINDOW), 50);
        assert_eq!(f.local(feature::SEQ_WINDOW), 100);
        // Ack Ratio 0 is no ratio.
        let (_, out) = negotiate(&mut f, &[32, 5, 5, 0, 0]);
        assert_eq!(out, [35, 3, 5]);
    }

    #[test]
    fn widens_its_window_with_the_peer() {
        let mut f = Features::new(false);
        // The peer widens its Sequence Window to 800: this end follows,
        // at once for what it accepts, and asks the peer with a Change L
        // until it is confirmed.
        let (r, out) = negotiate(&mut f, &[32, 9, 3, 0, 0, 0, 0, 3, 32]);
        assert_eq!((r, out), (Ok(()), vec![35, 9, 3, 0, 0, 0, 0, 3, 32]));
        assert_eq!(f.local(feature::SEQ_WINDOW), 800);
        let mut c = Confirms::new();
        f.pending_changes(&mut c);
        assert_eq!(c.bytes(), [32, 9, 3, 0, 0, 0, 0, 3, 32]);
        // A Confirm of another value is not the answer to it.
        assert_eq!(negotiate(&mut f, &[35, 9, 3, 0, 0, 0, 0, 1, 144]).0, Ok(()));
        assert!(f.changing(feature::SEQ_WINDOW, true));
        assert_eq!(negotiate(&mut f, &[35, 9, 3, 0, 0, 0, 0, 3, 32]).0, Ok(()));
        assert!(!f.changing(feature::SEQ_WINDOW, true));
        let mut c = Confirms::new();
        f.pending_changes(&mut c);
        assert!(c.bytes().is_empty());
        // A narrower one is taken for the peer's packets only.
        assert_eq!(negotiate(&mut f, &[32, 4, 3, 64]).0, Ok(()));
        assert_eq!(f.remote(feature::SEQ_WINDOW), 64);
        assert_eq!(f.local(feature::SEQ_WINDOW), 800);
    }

    #[test]
    fn ack_ratio_follows_the_sender() {
        let mut f = Features::new(false);
        let mut out = Confirms::new();
        assert!(f.initial_changes(100, &mut out));
        // The handshake asks for 1 (Change L, feature 5, two bytes).
        assert!(out.bytes().windows(5).any(|w| w == [32, 5, 5, 0, 1]));
        assert_eq!(f.ack_ratio_wanted(), 1);
        // The same value again, or an invalid one, changes nothing.
        f.set_ack_ratio(1);
        f.set_ack_ratio(0);
        let mut c = Confirms::new();
        f.pending_changes(&mut c);
        assert!(c.bytes().is_empty());
        // The window grew: 2, carried until confirmed; a late Confirm of
        // the handshake's 1 is not its answer.
        f.set_ack_ratio(2);
        assert_eq!(f.ack_ratio_wanted(), 2);
        let mut c = Confirms::new();
        f.pending_changes(&mut c);
        assert_eq!(c.bytes(), [32, 5, 5, 0, 2]);
        assert_eq!(negotiate(&mut f, &[35, 5, 5, 0, 1]).0, Ok(()));
        assert!(f.changing(feature::ACK_RATIO, true));
        assert_eq!(negotiate(&mut f, &[35, 5, 5, 0, 2]).0, Ok(()));
        assert!(!f.changing(feature::ACK_RATIO, true));
        assert_eq!(f.local(feature::ACK_RATIO), 2);
        let mut c = Confirms::new();
        f.pending_changes(&mut c);
        assert!(c.bytes().is_empty());
        // The peer's Change L sets the ratio this end acknowledges with.
        assert_eq!(f.remote(feature::ACK_RATIO), 2);
        let (r, out) = negotiate(&mut f, &[32, 5, 5, 0, 3]);
        assert_eq!((r, out), (Ok(()), vec![35, 5, 5, 0, 3]));
        assert_eq!(f.remote(feature::ACK_RATIO), 3);
    }

    #[test]
    fn confirm_of_a_value_not_offered_is_a_reset() {
        let mut f = Features::new(false);
        let mut out = Confirms::new();
        assert!(f.initial_changes(100, &mut out));
        // Send Ack Vector 0 answering our Change R [1].
        assert_eq!(
            negotiate(&mut f, &[33, 5, 6, 0, 0]).0,
            Err(RESET_OPTION_ERROR)
        );
        // CCID 3 answering our Change L [2].
        let mut f = Features::new(false);
        assert!(f.initial_changes(100, &mut out));
        assert_eq!(
            negotiate(&mut f, &[35, 5, 1, 3, 3]).0,
            Err(RESET_OPTION_ERROR)
        );
    }

    #[test]
    fn one_answer_per_feature_is_kept() {
        // The same Change on three packets before anything went back: one
        // Confirm, of the latest value.
        let mut f = Features::new(false);
        let mut out = Confirms::new();
        for w in [200u8, 220, 240] {
            let bytes = [32, 9, 3, 0, 0, 0, 0, 0, w];
            let o: Vec<_> = Options::new(&bytes)
                .map(|o| o.expect("well-formed options"))
                .map(|o| (o.kind, o.mandatory, o.value))
                .collect();
            assert_eq!(f.on_options(o.into_iter(), &mut out), Ok(()));
        }
        assert_eq!(out.bytes(), [35, 9, 3, 0, 0, 0, 0, 0, 240]);
        assert_eq!(f.remote(feature::SEQ_WINDOW), 240);
        // Followed, but only so far.
        let (r, _) = negotiate(&mut f, &[32, 9, 3, 0, 0, 0, 0x20, 0, 0]);
        assert_eq!(r, Ok(()));
        assert_eq!(f.local(feature::SEQ_WINDOW), SEQ_WINDOW_FOLLOW_MAX);
    }

    #[test]
    fn checksum_coverage() {
        // A server that accepts only full coverage (the default) cannot
        // take a client's minimum 4 to 1: Reset.
        let mut f = Features::new(true);
        assert_eq!(
            negotiate(&mut f, &[34, 7, 8, 4, 3, 2, 1]).0,
            Err(RESET_OPTION_ERROR)
        );
        assert!(f.accepts_coverage(0) && !f.accepts_coverage(1));
        // With 0 in the list (as this end offers it), they agree on 0.
        let mut f = Features::new(true);
        let (r, out) = negotiate(&mut f, &[34, 8, 8, 4, 3, 2, 1, 0]);
        assert_eq!((r, out), (Ok(()), vec![33, 5, 8, 0, 0]));
        // One accepting 2 and above takes 2 (its list first).
        let mut f = Features::new(true);
        f.set_coverage(0, 2);
        let (r, out) = negotiate(&mut f, &[34, 7, 8, 4, 3, 2, 1]);
        assert_eq!(r, Ok(()));
        assert_eq!(out[..5], [33, 18, 8, 2, 2]);
        assert_eq!(f.local(feature::MIN_CSCOV), 2);
        assert!(f.accepts_coverage(0) && !f.accepts_coverage(1));
        assert!(f.accepts_coverage(2) && f.accepts_coverage(15));
        // The client asks for it, sends coverage 4 once confirmed.
        let mut f = Features::new(false);
        f.set_coverage(4, 0);
        let mut out = Confirms::new();
        assert!(f.initial_changes(100, &mut out));
        assert!(out.bytes().ends_with(&[34, 8, 8, 4, 3, 2, 1, 0]));
        assert_eq!(f.send_coverage(), 0);
        assert_eq!(negotiate(&mut f, &[33, 6, 8, 2, 2, 3]).0, Ok(()));
        assert_eq!(f.send_coverage(), 4);
        // A minimum it did not offer: Option Error.
        let mut f = Features::new(false);
        f.set_coverage(4, 0);
        let mut out = Confirms::new();
        assert!(f.initial_changes(100, &mut out));
        assert_eq!(
            negotiate(&mut f, &[33, 5, 8, 5, 5]).0,
            Err(RESET_OPTION_ERROR)
        );
        // A minimum above what it sends: full coverage.
        let mut f = Features::new(false);
        f.set_coverage(4, 0);
        assert_eq!(negotiate(&mut f, &[32, 4, 8, 5]).0, Ok(()));
        assert_eq!(f.send_coverage(), 0);
    }

    #[test]
    fn initial_changes_and_their_confirms() {
        let mut f = Features::new(false);
        let mut out = Confirms::new();
        assert!(f.initial_changes(100, &mut out));
        assert_eq!(
            out.bytes(),
            [32, 4, 1, 2, 34, 4, 1, 2, 34, 4, 6, 1, 32, 5, 5, 0, 1]
        );
        assert!(f.changing(feature::ACK_RATIO, true));
        assert!(f.changing(feature::SEND_ACK_VECTOR, false));
        // A Confirm of something not being changed is ignored.
        assert_eq!(negotiate(&mut f, &[35, 9, 3, 0, 0, 0, 0, 0, 200]).0, Ok(()));
        assert_eq!(f.local(feature::SEQ_WINDOW), 100);
        // The Confirms of the Response.
        let (r, out) = negotiate(
            &mut f,
            &[35, 5, 5, 0, 1, 33, 5, 6, 1, 1, 33, 4, 1, 2, 35, 4, 1, 2],
        );
        assert_eq!((r, out.len()), (Ok(()), 0));
        assert_eq!(f.local(feature::ACK_RATIO), 1);
        assert_eq!(f.remote(feature::SEND_ACK_VECTOR), 1);
        assert!(!f.changing(feature::ACK_RATIO, true));
        assert!(!f.changing(feature::CCID, true) && !f.changing(feature::CCID, false));
        // A server asks for no CCID; a Sequence Window other than 100 is
        // asked for.
        let mut f = Features::new(true);
        let mut out = Confirms::new();
        assert!(f.initial_changes(1000, &mut out));
        assert_eq!(
            out.bytes(),
            [34, 4, 6, 1, 32, 5, 5, 0, 1, 32, 9, 3, 0, 0, 0, 0, 3, 232]
        );
        assert_eq!(negotiate(&mut f, &[35, 9, 3, 0, 0, 0, 0, 3, 232]).0, Ok(()));
        assert_eq!(f.local(feature::SEQ_WINDOW), 1000);
    }

    #[test]
    fn confirms_are_bounded() {
        let mut f = Features::new(true);
        let mut bytes = Vec::new();
        for _ in 0..40 {
            bytes.extend_from_slice(&[opt::CHANGE_L, 4, 200, 1]);
        }
        let (r, out) = negotiate(&mut f, &bytes);
        assert_eq!(r, Ok(()));
        assert!(out.len() <= CONFIRM_ROOM && out.len() % 3 == 0);
        // An option with no feature number is malformed, Mandatory or
        // not (a Change or a Confirm).
        assert_eq!(negotiate(&mut f, &[32, 2]).0, Err(RESET_OPTION_ERROR));
        assert_eq!(negotiate(&mut f, &[1, 32, 2]).0, Err(RESET_OPTION_ERROR));
        assert_eq!(negotiate(&mut f, &[35, 2]).0, Err(RESET_OPTION_ERROR));
    }
}

#[cfg(test)]
mod dccp_ccid2 {
    use super::ccid2::*;

    fn vector(h: &RxHistory) -> Vec<u8> {
        let mut out = [0u8; 255];
        let n = h.encode(&mut out);
        out[..n].to_vec()
    }

    #[test]
    fn in_order_is_one_run() {
        let mut h = RxHistory::new();
        assert_eq!(h.head(), None);
        assert_eq!(h.encode(&mut [0u8; 8]), 0);
        for s in 100..110 {
            h.record(s);
        }
        assert_eq!(h.head(), Some(109));
        assert_eq!(vector(&h), [0x09]);
    }

    #[test]
    fn gap_and_late_arrival() {
        let mut h = RxHistory::new();
        for s in [1, 2, 3, 5, 6] {
            h.record(s);
        }
        // 6, 5 received; 4 not; 3, 2, 1 received.
        assert_eq!(vector(&h), [0x01, 0xc0, 0x02]);
        h.record(4);
        assert_eq!(vector(&h), [0x05]);
        // A duplicate changes nothing.
        h.record(6);
        assert_eq!(vector(&h), [0x05]);
    }

    #[test]
    fn long_runs_split_and_history_is_bounded() {
        let mut h = RxHistory::new();
        for s in 0..200 {
            h.record(s);
        }
        assert_eq!(vector(&h), [0x3f, 0x3f, 0x3f, 0x07]);
        // A jump past the history forgets everything before it.
        h.record(1000);
        assert!(h.received(0));
        assert!(!h.received(800));
        let v = vector(&h);
        assert_eq!(v[0], 0x00);
        assert!(v[1..].iter().all(|b| b >> 6 == STATE_NOT_RECEIVED));
        // Bounded by the history and by the vector's cap.
        let mut g = RxHistory::new();
        for s in (0..1000u64).step_by(2) {
            g.record(s);
        }
        assert_eq!(vector(&g).len(), MAX_ACK_VECTOR);
    }

    #[test]
    fn shift_across_words() {
        let mut h = RxHistory::new();
        h.record(1000);
        h.record(1100);
        h.record(1070);
        assert!(h.received(0) && h.received(30) && h.received(100));
        assert!(!h.received(1) && !h.received(99) && !h.received(101));
        // Older than the history: ignored.
        h.record(1100 - RX_HISTORY as u64 - 1);
        assert!(!h.received(RX_HISTORY));
        assert_eq!(h.head(), Some(1100));
    }

    #[test]
    fn wraps_at_48_bits() {
        let top = (1u64 << 48) - 2;
        let mut h = RxHistory::new();
        for k in 0..5 {
            h.record((top + k) % (1 << 48));
        }
        assert_eq!(h.head(), Some(2));
        assert_eq!(vector(&h), [0x04]);
    }

    #[test]
    fn runs_decode() {
        let r: Vec<_> = runs(10, &[0x01, 0xc0, 0x02]).collect();
        assert_eq!(r, [(0, 10, 2), (3, 8, 1), (0, 7, 3)]);
        let r: Vec<_> = runs(0, &[0x01]).collect();
        assert_eq!(r, [(0, 0, 2)]);
    }

    /// What the receiver reports, the sender reads back exactly.
    #[test]
    fn receiver_and_sender_agree() {
        let mut x: u64 = 12345;
        for round in 0..200 {
            let mut tx = Tx::new();
            tx.cwnd = MAX_CWND;
            let base = (1u64 << 48) - 30 + round;
            let mut rx = RxHistory::new();
            let mut got = Vec::new();
            for k in 0..40u64 {
                let seq = (base + k) % (1 << 48);
                tx.on_send(seq, 0);
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                if (x >> 33) % 4 != 0 || k == 39 {
                    rx.record(seq);
                    got.push(seq);
                }
            }
            let ack = rx.head().unwrap();
            let v = vector(&rx);
            let res = tx.on_ack(ack, Some(&v), 10);
            assert_eq!(res.acked as usize, got.len(), "round {round}");
        }
    }

    #[test]
    fn slow_start_then_avoidance() {
        let mut tx = Tx::new();
        assert_eq!(tx.cwnd, INIT_CWND);
        let mut seq = 1000;
        let mut rx = RxHistory::new();
        // Each window fully acknowledged by one Ack (a receiver whose Ack
        // Ratio is 24: a cap of 12): doubling until ssthresh.
        tx.ssthresh = 12;
        tx.slow_start_cap = 12;
        for _ in 0..3 {
            while tx.can_send() {
                tx.on_send(seq, 0);
                rx.record(seq);
                seq += 1;
            }
            let v = vector(&rx);
            tx.on_ack(rx.head().unwrap(), Some(&v), 5);
            assert_eq!(tx.pipe, 0);
        }
        // 3 -> 6 -> 12 -> 12 + 12/12 = 13 (one per window past ssthresh).
        assert_eq!(tx.cwnd, 13);
        assert_eq!(tx.halvings, 0);
        assert_eq!(tx.acked, 3 + 6 + 12);
        assert!(tx.rto_ms >= RTO_MIN_MS);
    }

    #[test]
    fn slow_start_growth_per_ack_is_capped() {
        // Two packets an Ack (Ack Ratio 2, a cap of 1): the window grows
        // by one an Ack, half as fast as with one packet an Ack.
        let mut tx = Tx::new();
        let mut rx = RxHistory::new();
        let mut seq = 0;
        for _ in 0..4 {
            for _ in 0..2 {
                tx.on_send(seq, 0);
                rx.record(seq);
                seq += 1;
            }
            let v = vector(&rx);
            assert_eq!(tx.on_ack(seq - 1, Some(&v), 1).acked, 2);
        }
        assert_eq!(tx.cwnd, INIT_CWND + 4);
        // One packet an Ack: one more each.
        for _ in 0..4 {
            tx.on_send(seq, 0);
            rx.record(seq);
            let v = vector(&rx);
            assert_eq!(tx.on_ack(seq, Some(&v), 1).acked, 1);
            seq += 1;
        }
        assert_eq!(tx.cwnd, INIT_CWND + 8);
        // Past ssthresh, congestion avoidance is one per window whatever
        // the cap.
        tx.ssthresh = tx.cwnd;
        let w = tx.cwnd;
        for _ in 0..w {
            tx.on_send(seq, 0);
            rx.record(seq);
            seq += 1;
        }
        let v = vector(&rx);
        tx.on_ack(seq - 1, Some(&v), 1);
        assert_eq!(tx.cwnd, w + 1);
    }

    #[test]
    fn loss_halves_once_per_window() {
        let mut tx = Tx::new();
        // In congestion avoidance: 18 acknowledgements do not grow it.
        (tx.cwnd, tx.ssthresh) = (20, 20);
        let mut rx = RxHistory::new();
        for seq in 1..=20u64 {
            tx.on_send(seq, 0);
            if seq != 5 && seq != 9 {
                rx.record(seq);
            }
        }
        assert!(!tx.can_send());
        let v = vector(&rx);
        let res = tx.on_ack(20, Some(&v), 3);
        assert_eq!(res.acked, 18);
        assert_eq!(res.lost, 2);
        assert!(res.halved);
        assert_eq!(tx.halvings, 1);
        assert_eq!(tx.pipe, 0);
        assert_eq!(tx.cwnd, 10);
        // A loss among packets sent before the halving: no second halving.
        let mut tx2 = tx;
        tx2.on_send(21, 0);
        assert_eq!(tx2.on_ack(21, Some(&[0x00]), 4).halved, false);
        // A loss after it halves again.
        for seq in 22..=26u64 {
            tx.on_send(seq, 0);
        }
        let mut rx = RxHistory::new();
        for seq in [21, 23, 24, 25, 26] {
            rx.record(seq);
        }
        let v = vector(&rx);
        let res = tx.on_ack(26, Some(&v), 6);
        assert!(res.halved);
        assert_eq!(tx.halvings, 2);
        assert_eq!(tx.cwnd, 5);
    }

    #[test]
    fn too_few_later_acks_is_not_a_loss() {
        let mut tx = Tx::new();
        tx.cwnd = 10;
        for seq in 1..=4u64 {
            tx.on_send(seq, 0);
        }
        // 1 missing, 2..4 received: three later ones, lost.
        assert_eq!(tx.on_ack(4, Some(&[0x02, 0xc0]), 1).lost, 1);
        let mut tx = Tx::new();
        tx.cwnd = 10;
        for seq in 1..=3u64 {
            tx.on_send(seq, 0);
        }
        // 1 missing, 2..3 received: not yet.
        let res = tx.on_ack(3, Some(&[0x01, 0xc0]), 1);
        assert_eq!((res.acked, res.lost), (2, 0));
        assert_eq!(tx.pipe, 1);
    }

    #[test]
    fn unreported_is_not_lost() {
        let mut tx = Tx::new();
        tx.cwnd = 10;
        for seq in 1..=6u64 {
            tx.on_send(seq, 0);
        }
        // A vector covering 6..3 only: 1 and 2 are not reported on.
        let res = tx.on_ack(6, Some(&[0x03]), 1);
        assert_eq!((res.acked, res.lost), (4, 0));
        // Acknowledgements without a vector never make a loss.
        let mut tx = Tx::new();
        tx.cwnd = 10;
        for seq in 1..=6u64 {
            tx.on_send(seq, 0);
        }
        for ack in 3..=6u64 {
            assert_eq!(tx.on_ack(ack, None, 1).lost, 0);
        }
        assert_eq!(tx.pipe, 2);
    }

    #[test]
    fn late_arrival_after_loss() {
        let mut tx = Tx::new();
        tx.cwnd = 10;
        for seq in 1..=5u64 {
            tx.on_send(seq, 0);
        }
        // 2 missing, 3..5 received: lost; 1 not reported on.
        let res = tx.on_ack(5, Some(&[0x02, 0xc0]), 1);
        assert_eq!((res.acked, res.lost), (3, 1));
        assert_eq!(tx.acked + tx.lost + u64::from(tx.pipe), 5);
        // 2 came after all, and 1 with it.
        let res = tx.on_ack(5, Some(&[0x04]), 2);
        assert_eq!(res.acked, 2);
        assert_eq!((tx.acked, tx.lost, tx.pipe), (5, 0, 0));
    }

    #[test]
    fn ack_without_vector() {
        let mut tx = Tx::new();
        for seq in 7..10u64 {
            tx.on_send(seq, 100);
        }
        let res = tx.on_ack(8, None, 150);
        assert_eq!(res.acked, 1);
        assert_eq!(tx.pipe, 2);
        assert_eq!(tx.srtt_ms(), 50);
        // An acknowledgement of something never sent changes nothing.
        assert_eq!(tx.on_ack(3, None, 150), AckResult::default());
    }

    #[test]
    fn timeout_collapses_window() {
        let mut tx = Tx::new();
        tx.cwnd = 16;
        for seq in 0..16u64 {
            tx.on_send(seq, 0);
        }
        let rto = tx.rto_ms;
        tx.on_timeout();
        assert_eq!((tx.cwnd, tx.pipe, tx.ssthresh), (1, 0, 8));
        assert_eq!(tx.lost, 16);
        assert_eq!(tx.timeouts, 1);
        assert_eq!(tx.rto_ms, rto * 2);
        assert!(tx.can_send());
        for _ in 0..20 {
            tx.on_timeout();
        }
        assert_eq!(tx.rto_ms, RTO_MAX_MS);
    }
}

#[cfg(test)]
mod dccp_codec {
    use super::codec::*;

    const SRC: [u8; 4] = [10, 0, 0, 1];
    const DST: [u8; 4] = [10, 0, 0, 2];

    fn hdr(ptype: PacketType, x: bool) -> Header {
        Header {
            sport: 5001,
            dport: 6001,
            doff: 0,
            ccval: 3,
            cscov: 0,
            checksum: 0,
            ptype,
            x,
            seq: 0x1234_5678_9abc,
            ack: ptype.has_ack().then_some(0x0000_0000_0042),
            specific: (ptype.specific_len() == 4).then_some(42),
        }
    }

    /// A packet: header with `opts`, then `payload`, checksummed.
    fn packet(h: &Header, opts: &[u8], payload: &[u8]) -> Vec<u8> {
        let mut buf = vec![0u8; 1024];
        let n = encode(h, opts, &mut buf).expect("encodes");
        buf.truncate(n);
        buf.extend_from_slice(payload);
        let c = compute_checksum(&SRC, &DST, &buf).expect("checksum");
        buf[6..8].copy_from_slice(&c.to_be_bytes());
        buf
    }

    /// RFC 1071, byte by byte, independent of the codec's own sum.
    fn reference_checksum(pkt: &[u8], covered: usize) -> u16 {
        let mut bytes = Vec::new();
        bytes.extend_from_slice(&SRC);
        bytes.extend_from_slice(&DST);
        bytes.extend_from_slice(&[0, 33]);
        bytes.extend_from_slice(&(pkt.len() as u16).to_be_bytes());
        bytes.extend_from_slice(&pkt[..6]);
        bytes.extend_from_slice(&[0, 0]);
        bytes.extend_from_slice(&pkt[8..covered]);
        if bytes.len() % 2 == 1 {
            bytes.push(0);
        }
        let mut sum: u64 = 0;
        for c in bytes.chunks(2) {
            sum += u64::from(c[0]) << 8 | u64::from(c[1]);
        }
        while sum >> 16 != 0 {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        !(sum as u16)
    }

    #[test]
    fn dccp_roundtrip_every_type() {
        for t in 0..10u8 {
            let pt = PacketType::from_u8(t).unwrap();
            for x in [true, false] {
                if !x && !pt.allows_short() {
                    continue;
                }
                let mut h = hdr(pt, x);
                if !x {
                    h.seq &= 0xff_ffff;
                    h.ack = h.ack.map(|a| a & 0xff_ffff);
                }
                let p = packet(&h, &[opt::NDP_COUNT, 3, 7], b"hello");
                let got = verify_checksum(&SRC, &DST, &p).expect("valid");
                assert_eq!(got.len(), Header::fixed_len(pt, x) + 4);
                assert_eq!((got.ptype, got.x, got.seq, got.ack), (pt, x, h.seq, h.ack));
                assert_eq!((got.sport, got.dport, got.ccval), (5001, 6001, 3));
                assert_eq!(got.specific, h.specific);
                let o: Vec<_> = Options::new(&p[Header::fixed_len(pt, x)..got.len()]).collect();
                assert_eq!(o.len(), 1);
                assert_eq!(o[0].unwrap().kind, opt::NDP_COUNT);
                assert_eq!(o[0].unwrap().value, &[7]);
            }
        }
    }

    #[test]
    fn dccp_checksum_and_coverage() {
        let payload: Vec<u8> = (0..101u8).collect();
        let mut h = hdr(PacketType::Data, true);
        let p = packet(&h, &[], &payload);
        assert_eq!(
            u16::from_be_bytes([p[6], p[7]]),
            reference_checksum(&p, p.len())
        );
        // Full coverage: any payload byte matters.
        let mut q = p.clone();
        q[p.len() - 1] ^= 1;
        assert_eq!(verify_checksum(&SRC, &DST, &q), Err(Malformed::BadChecksum));
        // CsCov 2: header and 4 payload bytes covered, the rest not.
        h.cscov = 2;
        let p = packet(&h, &[], &payload);
        let hl = Header::fixed_len(PacketType::Data, true);
        assert_eq!(coverage(p.len(), hl, 2), Some(hl + 4));
        assert_eq!(
            u16::from_be_bytes([p[6], p[7]]),
            reference_checksum(&p, hl + 4)
        );
        let mut q = p.clone();
        q[hl + 10] ^= 0xff;
        assert!(verify_checksum(&SRC, &DST, &q).is_ok());
        q[hl + 3] ^= 0xff;
        assert_eq!(verify_checksum(&SRC, &DST, &q), Err(Malformed::BadChecksum));
        // Coverage past the end.
        h.cscov = 15;
        let mut buf = vec![0u8; 64];
        let n = encode(&h, &[], &mut buf).unwrap();
        buf.truncate(n + 8);
        assert_eq!(
            compute_checksum(&SRC, &DST, &buf),
            Err(Malformed::BadCoverage)
        );
    }

    #[test]
    fn dccp_malformed_reasons() {
        let good = packet(&hdr(PacketType::Request, true), &[], &[]);
        assert_eq!(parse(&good[..11]), Err(Malformed::TooShort));
        assert_eq!(parse(&good[..15]), Err(Malformed::TooShort));
        let mut p = good.clone();
        p[8] = (12 << 1) | 1;
        assert_eq!(parse(&p), Err(Malformed::BadType));
        let mut p = good.clone();
        p[8] &= !1;
        assert_eq!(parse(&p), Err(Malformed::ShortSeqNotAllowed));
        let mut p = good.clone();
        p[4] = 4;
        assert_eq!(parse(&p), Err(Malformed::BadDataOffset));
        let mut p = good.clone();
        p[4] = 200;
        assert_eq!(parse(&p), Err(Malformed::BadDataOffset));
        let mut p = good.clone();
        p[0] ^= 1;
        assert_eq!(verify_checksum(&SRC, &DST, &p), Err(Malformed::BadChecksum));
        // Options: a length below 2, one past the end, a lone Mandatory,
        // Mandatory before Mandatory.
        for bad in [
            &[opt::TIMESTAMP, 1][..],
            &[opt::TIMESTAMP, 9, 0, 0],
            &[opt::MANDATORY],
        ] {
            let e = Options::new(bad).find_map(|o| o.err());
            assert!(e.is_some(), "{bad:?}");
        }
        assert_eq!(
            Options::new(&[opt::MANDATORY, opt::MANDATORY, opt::SLOW_RECEIVER]).next(),
            Some(Err(Malformed::BadMandatory))
        );
        // Iteration stops after an error.
        let mut it = Options::new(&[opt::TIMESTAMP, 1, opt::SLOW_RECEIVER]);
        assert!(matches!(it.next(), Some(Err(_))));
        assert_eq!(it.next(), None);
        // Mandatory marks the next option; padding is skipped.
        let o: Vec<_> = Options::new(&[0, opt::MANDATORY, opt::CHANGE_L, 3, 2, 0, 0])
            .map(|o| o.unwrap())
            .collect();
        assert_eq!(
            o,
            [Opt {
                kind: opt::CHANGE_L,
                mandatory: true,
                value: &[2]
            }]
        );
    }

    /// The netfilter hook's way: the head of a packet and the sum built
    /// from the header plus the data in even pieces agree with the whole
    /// packet's parse and checksum, for every split and coverage.
    #[test]
    fn dccp_checksum_in_pieces() {
        let payload: Vec<u8> = (0..3001u32).map(|i| (i * 7 + 3) as u8).collect();
        for cscov in [0u8, 1, 5, 15] {
            let mut h = hdr(PacketType::DataAck, true);
            h.cscov = cscov;
            let p = packet(&h, &[32, 4, 9, 9], &payload);
            let whole = verify_checksum(&SRC, &DST, &p).expect("valid");
            for head_len in [24usize, 28, 100, 1020] {
                let got = parse_head(&p[..head_len.min(p.len())], p.len()).expect("head parses");
                assert_eq!(got, whole);
                let hl = got.len();
                let end = coverage(p.len(), hl, cscov).expect("covered");
                for piece in [2usize, 64, 1020] {
                    let mut s = header_sum(&SRC, &DST, p.len() as u32, &p[..hl]);
                    let mut at = hl;
                    while at < end {
                        let n = (end - at).min(piece);
                        s = csum_add(s, &p[at..at + n]);
                        at += n;
                    }
                    assert_eq!(csum_fold(s), whole.checksum, "cscov {cscov} piece {piece}");
                }
            }
        }
        // A sum over more data than any IPv4 packet holds (an IPv6
        // jumbogram) does not overflow, and equals the byte-wise one.
        let big = vec![0xffu8; 300_001];
        let mut r: u64 = 0xffff;
        for c in big.chunks(2) {
            r += u64::from(c[0]) << 8 | u64::from(*c.get(1).unwrap_or(&0));
        }
        while r >> 16 != 0 {
            r = (r & 0xffff) + (r >> 16);
        }
        assert_eq!(csum_fold(csum_add(0xffff, &big)), !(r as u16));
        // A head shorter than the fixed header of a packet that has one.
        let p = packet(&hdr(PacketType::Request, true), &[], &[]);
        assert_eq!(parse_head(&p[..12], p.len()), Err(Malformed::TooShort));
        assert_eq!(parse_head(&p[..11], 100), Err(Malformed::TooShort));
        assert_eq!(parse_head(&p, 19), Err(Malformed::BadDataOffset));
    }

    #[test]
    fn dccp_encode_refuses() {
        let mut buf = [0u8; 2048];
        let mut h = hdr(PacketType::Request, false);
        assert_eq!(encode(&h, &[], &mut buf), None);
        h.x = true;
        h.ack = Some(1);
        assert_eq!(encode(&h, &[], &mut buf), None);
        h.ack = None;
        assert_eq!(encode(&h, &[0u8; 1010], &mut buf), None);
        assert_eq!(encode(&h, &[], &mut buf[..10]), None);
        assert_eq!(encode(&h, &[opt::SLOW_RECEIVER], &mut buf), Some(24));
    }

    #[test]
    fn dccp_sequence_arithmetic() {
        let top = SEQ_MOD - 1;
        assert_eq!(seq_add(top, 1), 0);
        assert_eq!(seq_add(top, 5), 4);
        assert_eq!(seq_delta(2, top), 3);
        assert_eq!(seq_delta(top, 2), -3);
        assert!(seq_before(top, 2) && !seq_before(2, top));
        assert!(seq_in_window(1, top - 3, 4));
        assert!(!seq_in_window(5, top - 3, 4));
        assert_eq!(seq_delta(SEQ_MOD / 2 - 1, 0), (SEQ_MOD / 2 - 1) as i64);
        assert_eq!(seq_delta(SEQ_MOD / 2, 0), -((SEQ_MOD / 2) as i64));
        // 24-bit numbers extended near the greatest received.
        assert_eq!(seq_extend(0x00_0010, 0x1234_56ff_fff0), 0x1234_5700_0010);
        assert_eq!(seq_extend(0xff_fff0, 0x1234_5700_0010), 0x1234_56ff_fff0);
        assert_eq!(seq_extend(0x00_0005, 0xffff_ffff_fff0), 0x0000_0000_0005);
        assert_eq!(seq_extend(0xff_fff0, 0x0000_0000_0005), 0xffff_ffff_fff0);
        assert_eq!(seq_extend(0x12_3456, 0x0000_0012_3400), 0x0000_0012_3456);
    }
}

#[cfg(test)]
mod tests {
    use super::desc::*;

    #[test]
    fn tx_status_done() {
        let mut d = tx_data(0, 60, dcmd::EOP_TCP | dcmd::RS, 0);
        assert_eq!(tx_status(&d) & STAT_DD, 0);
        d[1] = (u64::from_le(d[1]) | (u64::from(STAT_DD) << 32)).to_le();
        assert_eq!(tx_status(&d) & STAT_DD, STAT_DD);
    }

    fn rx_wb(len: u16, status: u8, errors: u8) -> RawDesc {
        let w = u64::from(len) | (u64::from(status) << 32) | (u64::from(errors) << 40);
        [0, w.to_le()]
    }

    #[test]
    fn rx_writeback_decode() {
        let wb = RxWb::decode(&rx_wb(60, STAT_DD | RXSTAT_EOP, 0));
        assert_eq!(
            wb,
            RxWb {
                len: 60,
                status: 0x3,
                errors: 0
            }
        );
        assert!(wb.done() && wb.good());
    }

    #[test]
    fn rx_bad_frames() {
        assert!(!RxWb::decode(&rx_wb(60, STAT_DD, 0)).good(), "no EOP");
        assert!(
            !RxWb::decode(&rx_wb(60, STAT_DD | RXSTAT_EOP, 1)).good(),
            "CRC error"
        );
        assert!(
            !RxWb::decode(&rx_wb(10, STAT_DD | RXSTAT_EOP, 0)).good(),
            "runt"
        );
        assert!(!RxWb::decode(&rx_wb(0, 0, 0)).done());
    }

    #[test]
    fn rx_checksum_bits() {
        let ok = RxWb::decode(&rx_wb(100, STAT_DD | RXSTAT_EOP | (1 << 5), 0));
        assert!(ok.l4_csum_ok());
        let ignored = RxWb::decode(&rx_wb(100, STAT_DD | RXSTAT_EOP | (1 << 5) | (1 << 2), 0));
        assert!(!ignored.l4_csum_ok());
        let bad = RxWb::decode(&rx_wb(100, STAT_DD | RXSTAT_EOP | (1 << 5), 1 << 5));
        assert!(!bad.l4_csum_ok());
        let not_checked = RxWb::decode(&rx_wb(100, STAT_DD | RXSTAT_EOP, 0));
        assert!(!not_checked.l4_csum_ok());
    }

    #[test]
    fn rx_descriptor_rearm() {
        let d = rx_legacy(0xdead_beef_000);
        assert_eq!(u64::from_le(d[0]), 0xdead_beef_000);
        assert_eq!(d[1], 0, "status cleared for the device");
    }

    #[test]
    fn ring_arithmetic() {
        assert_eq!(next(0, 256), 1);
        assert_eq!(next(255, 256), 0);
        assert_eq!(unused(0, 0, 256), 255, "empty ring keeps one slot");
        assert_eq!(unused(10, 5, 256), 250);
        assert_eq!(unused(5, 10, 256), 4);
        assert_eq!(unused(255, 0, 256), 0, "full");
        // Walking a ring all the way round returns to the start.
        let mut i = 7;
        for _ in 0..256 {
            i = next(i, 256);
        }
        assert_eq!(i, 7);
    }

    #[test]
    fn ring_prev() {
        assert_eq!(prev(0, 256), 255);
        assert_eq!(prev(1, 256), 0);
        for i in 0..256 {
            assert_eq!(prev(next(i, 256), 256), i);
        }
    }

    #[test]
    fn ring_sizes_not_powers_of_two() {
        // `ethtool -G` sizes: multiples of 8 from 64 to 4096, most of them
        // not powers of two (a mask would wrap at the wrong place).
        for n in [64usize, 72, 104, 1000, 4096] {
            assert_eq!(next(n - 1, n), 0, "n = {n}");
            assert_eq!(next(n - 2, n), n - 1, "n = {n}");
            assert_eq!(prev(0, n), n - 1, "n = {n}");
            assert_eq!(unused(0, 0, n), n - 1, "n = {n}");
            assert_eq!(unused(n - 1, 0, n), 0, "n = {n}: full");
            assert_eq!(unused(3, n - 5, n), n - 9, "n = {n}: wrapped");
            let mut i = 0;
            for _ in 0..n {
                assert_eq!(prev(next(i, n), n), i);
                i = next(i, n);
            }
            assert_eq!(i, 0, "n = {n}: all the way round");
        }
    }

    #[test]
    fn tx_context_tso_ipv4_layout() {
        // Ethernet 14, IPv4 20, TCP 32 (timestamps): 66 header bytes.
        let c = TxContext {
            ipcss: 14,
            ipcso: 24,
            ipcse: 33,
            tucss: 34,
            tucso: 50,
            paylen: 65000,
            hdrlen: 66,
            mss: 1448,
            cmd: dcmd::TSE | dcmd::EOP_TCP | dcmd::IFCS_IP,
        };
        let d = tx_context(&c);
        let (w0, w1) = (u64::from_le(d[0]), u64::from_le(d[1]));
        assert_eq!(w0 & 0xff, 14, "IPCSS");
        assert_eq!((w0 >> 8) & 0xff, 24, "IPCSO");
        assert_eq!((w0 >> 16) & 0xffff, 33, "IPCSE");
        assert_eq!((w0 >> 32) & 0xff, 34, "TUCSS");
        assert_eq!((w0 >> 40) & 0xff, 50, "TUCSO");
        assert_eq!(w0 >> 48, 0, "TUCSE 0: to the end");
        assert_eq!(w1 & 0xf_ffff, 65000, "PAYLEN");
        assert_eq!((w1 >> 20) & 0xf, 0, "DTYP context");
        // TCP | IP | TSE | DEXT, the C driver's E1000_TXD_CMD_* bits.
        assert_eq!(w1 & 0xff00_0000, 0x2700_0000);
        assert_eq!((w1 >> 32) & 0xff, 0, "status clear");
        assert_eq!((w1 >> 40) & 0xff, 66, "HDRLEN");
        assert_eq!(w1 >> 48, 1448, "MSS");
    }

    #[test]
    fn tx_data_layout() {
        let d = tx_data(
            0xabcd_0000,
            8192,
            dcmd::EOP_TCP | dcmd::IFCS_IP | dcmd::RS,
            POPTS_TXSM,
        );
        assert_eq!(u64::from_le(d[0]), 0xabcd_0000);
        let w = u64::from_le(d[1]);
        assert_eq!(w & 0xf_ffff, 8192, "DTALEN");
        assert_eq!((w >> 20) & 0xf, 1, "DTYP data");
        // EOP | IFCS | RS | DEXT.
        assert_eq!(w & 0xff00_0000, 0x2b00_0000);
        assert_eq!((w >> 40) & 0xff, 2, "POPTS TXSM");
        assert_eq!(tx_status(&d), 0);
    }

    #[test]
    fn tx_buffer_split() {
        assert_eq!(descs_for(1), 1);
        assert_eq!(descs_for(MAX_PER_TXD), 1);
        assert_eq!(descs_for(MAX_PER_TXD + 1), 2);
        assert_eq!(descs_for(65536), 8);
        assert_eq!(descs_for(0), 0);
    }
}
