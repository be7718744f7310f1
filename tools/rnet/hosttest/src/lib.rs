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
