// SPDX-License-Identifier: GPL-2.0

//! Host tests of the e1000e_rust files that are plain Rust with no kernel
//! dependency: the very source the kernel builds, included by path.

#[allow(dead_code)]
#[path = "../../../../drivers/net/ethernet/intel/e1000e_rust/desc.rs"]
mod desc;

#[cfg(test)]
mod tests {
    use super::desc::*;

    #[test]
    fn tx_descriptor_layout() {
        let d = tx_legacy(0x1122_3344_5566_7788, 1514, txcmd::EOP | txcmd::IFCS | txcmd::RS);
        assert_eq!(u64::from_le(d[0]), 0x1122_3344_5566_7788);
        let w = u64::from_le(d[1]);
        assert_eq!(w & 0xffff, 1514, "length in bits 0..16");
        assert_eq!((w >> 24) & 0xff, 0x0b, "EOP|IFCS|RS in the command byte");
        assert_eq!(tx_status(&d), 0, "status starts clear");
    }

    #[test]
    fn tx_status_done() {
        let mut d = tx_legacy(0, 60, txcmd::EOP);
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
        assert_eq!(wb, RxWb { len: 60, status: 0x3, errors: 0 });
        assert!(wb.done() && wb.good());
    }

    #[test]
    fn rx_bad_frames() {
        assert!(!RxWb::decode(&rx_wb(60, STAT_DD, 0)).good(), "no EOP");
        assert!(!RxWb::decode(&rx_wb(60, STAT_DD | RXSTAT_EOP, 1)).good(), "CRC error");
        assert!(!RxWb::decode(&rx_wb(10, STAT_DD | RXSTAT_EOP, 0)).good(), "runt");
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
}
