// SPDX-License-Identifier: GPL-2.0

//! KUnit suite `e1000e_rust`: what the driver computes without hardware
//! (descriptor encoding, offload contexts, ring arithmetic), run by KUnit
//! when the module loads. `tools/rnet/hosttest` runs similar checks of
//! `desc.rs` on the host.

use crate::{
    desc::{self, dcmd, RawDesc, RxWb},
    ring::{TxOffload, MAX_DESCS_PER_PACKET},
};
use kernel::{kunit_check, kunit_suite::TestResult};

fn word1(d: &RawDesc) -> u64 {
    u64::from_le(d[1])
}

fn ring_arithmetic() -> TestResult {
    kunit_check!(desc::next(255, 256) == 0);
    kunit_check!(desc::prev(0, 256) == 255);
    kunit_check!(desc::unused(0, 0, 256) == 255);
    kunit_check!(desc::unused(255, 0, 256) == 0);
    kunit_check!(desc::unused(5, 10, 256) == 4);
    for i in 0..256 {
        kunit_check!(desc::prev(desc::next(i, 256), 256) == i);
    }
    Ok(())
}

fn tso_context() -> TestResult {
    // Ethernet 14, IPv4 20, TCP 32: a 65226-byte packet of 66 header bytes.
    let tso = TxOffload::Tso {
        network: 14,
        transport: 34,
        hdr_len: 66,
        mss: 1448,
        ipv4: true,
    };
    let Some(c) = tso.context(65226) else {
        return Err("TSO needs a context descriptor");
    };
    let d = desc::tx_context(&c);
    let (w0, w1) = (u64::from_le(d[0]), word1(&d));
    kunit_check!(w0 & 0xff == 14);
    kunit_check!((w0 >> 8) & 0xff == 24);
    kunit_check!((w0 >> 16) & 0xffff == 33);
    kunit_check!((w0 >> 32) & 0xff == 34);
    kunit_check!((w0 >> 40) & 0xff == 50);
    kunit_check!(w1 & 0xf_ffff == 65226 - 66);
    kunit_check!(w1 & 0xff00_0000 == 0x2700_0000);
    kunit_check!((w1 >> 40) & 0xff == 66);
    kunit_check!(w1 >> 48 == 1448);
    let (cmd, popts) = tso.data_bits();
    kunit_check!(cmd & dcmd::TSE != 0);
    kunit_check!(popts == desc::POPTS_TXSM | desc::POPTS_IXSM);
    Ok(())
}

fn csum_context() -> TestResult {
    // UDP over IPv6: the checksum starts at 54 and sits 6 bytes in.
    let csum = TxOffload::Csum {
        start: 54,
        offset: 6,
        tcp: false,
    };
    let Some(c) = csum.context(100) else {
        return Err("checksum offload needs a context descriptor");
    };
    let d = desc::tx_context(&c);
    let w0 = u64::from_le(d[0]);
    kunit_check!((w0 >> 32) & 0xff == 54);
    kunit_check!((w0 >> 40) & 0xff == 60);
    kunit_check!(w0 & 0xffff_ffff == 0);
    kunit_check!(word1(&d) & 0xff00_0000 == 0x2000_0000);
    kunit_check!(TxOffload::None.context(100).is_none());
    Ok(())
}

fn data_descriptor() -> TestResult {
    let d = desc::tx_data(
        0x1234_5000,
        8192,
        dcmd::EOP_TCP | dcmd::RS,
        desc::POPTS_TXSM,
    );
    let w = word1(&d);
    kunit_check!(u64::from_le(d[0]) == 0x1234_5000);
    kunit_check!(w & 0xf_ffff == 8192);
    kunit_check!((w >> 20) & 0xf == 1);
    kunit_check!(w & 0xff00_0000 == 0x2900_0000);
    kunit_check!(desc::tx_status(&d) & desc::STAT_DD == 0);
    Ok(())
}

fn descriptor_budget() -> TestResult {
    kunit_check!(desc::descs_for(desc::MAX_PER_TXD) == 1);
    kunit_check!(desc::descs_for(desc::MAX_PER_TXD + 1) == 2);
    // A 64 KiB packet in 18 segments never needs more than the queue keeps
    // free: one context, one per segment, one per 8 KiB.
    kunit_check!(MAX_DESCS_PER_PACKET == 27);
    Ok(())
}

fn rx_writeback() -> TestResult {
    let wb = |len: u64, status: u64, errors: u64| -> RawDesc {
        [0, (len | (status << 32) | (errors << 40)).to_le()]
    };
    let good = RxWb::decode(&wb(60, 0x23, 0));
    kunit_check!(good.done() && good.good() && good.l4_csum_ok());
    kunit_check!(!RxWb::decode(&wb(60, 0x03, 0x01)).good());
    kunit_check!(!RxWb::decode(&wb(10, 0x03, 0)).good());
    kunit_check!(!RxWb::decode(&wb(60, 0x27, 0)).l4_csum_ok());
    Ok(())
}

kernel::kunit_suite!(
    suite,
    "e1000e_rust",
    [
        ring_arithmetic,
        tso_context,
        csum_context,
        data_descriptor,
        descriptor_budget,
        rx_writeback
    ]
);
