// SPDX-License-Identifier: GPL-2.0

//! 82574L registers used by the driver: offsets in BAR0 and their fields.
//!
//! Offsets and bits follow the Intel 82574 datasheet and the C driver's
//! `regs.h`/`defines.h` (drivers/net/ethernet/intel/e1000e/).

#![forbid(unsafe_code)]

/// Size of the BAR0 register window.
pub(crate) const BAR0_SIZE: usize = 0x20000;

/// Device control.
pub(crate) const CTRL: usize = 0x0000;
/// Device status (read only).
pub(crate) const STATUS: usize = 0x0008;
/// Extended device control.
pub(crate) const CTRL_EXT: usize = 0x0018;
/// Interrupt cause read (read to clear without MSI-X; with MSI-X, written
/// with ones to clear).
pub(crate) const ICR: usize = 0x00c0;
/// Interrupt throttling: minimum gap between interrupts, in 256 ns units.
pub(crate) const ITR: usize = 0x00c4;
/// Interrupt cause set: raises the causes written (write only).
pub(crate) const ICS: usize = 0x00c8;
/// Interrupt mask set.
pub(crate) const IMS: usize = 0x00d0;
/// Interrupt mask clear.
pub(crate) const IMC: usize = 0x00d8;
/// MSI-X: causes cleared from ICR, and masked, when their vector fires.
pub(crate) const EIAC: usize = 0x00dc;
/// MSI-X: which vector each cause raises.
pub(crate) const IVAR: usize = 0x00e4;

/// MSI-X vector `n`'s interrupt throttling, as ITR.
pub(crate) const fn eitr(n: usize) -> usize {
    0x00e8 + 4 * n
}
/// Receive control.
pub(crate) const RCTL: usize = 0x0100;
/// Transmit control.
pub(crate) const TCTL: usize = 0x0400;
/// Transmit inter-packet gap.
pub(crate) const TIPG: usize = 0x0410;
/// Receive descriptor ring 0: base low/high, length, head, tail.
pub(crate) const RDBAL: usize = 0x2800;
pub(crate) const RDBAH: usize = 0x2804;
pub(crate) const RDLEN: usize = 0x2808;
pub(crate) const RDH: usize = 0x2810;
pub(crate) const RDT: usize = 0x2818;
/// Receive interrupt delay timer and absolute delay.
pub(crate) const RDTR: usize = 0x2820;
/// RDTR/TIDV: flush partial descriptor blocks (write back now).
pub(crate) const DTR_FPD: u32 = 1 << 31;
pub(crate) const RADV: usize = 0x282c;
/// Transmit descriptor ring 0: base low/high, length, head, tail.
pub(crate) const TDBAL: usize = 0x3800;
pub(crate) const TDBAH: usize = 0x3804;
pub(crate) const TDLEN: usize = 0x3808;
pub(crate) const TDH: usize = 0x3810;
pub(crate) const TDT: usize = 0x3818;
/// Transmit interrupt delay.
pub(crate) const TIDV: usize = 0x3820;
/// Transmit descriptor control.
pub(crate) const TXDCTL: usize = 0x3828;
/// Transmit arbitration counter 0. Bit 10 must stay set: QEMU's model only
/// transmits with it (its reset value has it).
pub(crate) const TARC0: usize = 0x3840;
/// Receive checksum control.
pub(crate) const RXCSUM: usize = 0x5000;
/// Receive filter control (bit 15, EXTEN, selects extended descriptors).
pub(crate) const RFCTL: usize = 0x5008;
/// Receive address 0, low and high.
pub(crate) const RAL0: usize = 0x5400;
pub(crate) const RAH0: usize = 0x5404;
/// MDI control: reads and writes PHY registers.
pub(crate) const MDIC: usize = 0x0020;

/// MDIC fields and the PHY registers used through it.
pub(crate) mod mdic {
    /// Shift of the PHY register number.
    pub(crate) const REG_SHIFT: u32 = 16;
    /// The 82574L's PHY, at address 1.
    pub(crate) const PHY_ADDR: u32 = 1 << 21;
    /// Opcodes: write, read.
    pub(crate) const OP_WRITE: u32 = 1 << 26;
    pub(crate) const OP_READ: u32 = 2 << 26;
    /// The transaction is done.
    pub(crate) const READY: u32 = 1 << 28;
    /// The transaction failed.
    pub(crate) const ERROR: u32 = 1 << 30;
    /// PHY control register, and its autonegotiation bits.
    pub(crate) const PHY_CTRL: u32 = 0;
    pub(crate) const CTRL_AUTONEG_EN: u16 = 1 << 12;
    pub(crate) const CTRL_RESTART_AUTONEG: u16 = 1 << 9;
}

/// Receive statistics, all cleared on read: CRC errors, alignment errors,
/// receive errors, missed packets (no descriptor), carrier extension
/// errors, undersize and oversize frames.
pub(crate) const CRCERRS: usize = 0x4000;
pub(crate) const ALGNERRC: usize = 0x4004;
pub(crate) const RXERRC: usize = 0x400c;
pub(crate) const MPC: usize = 0x4010;
pub(crate) const CEXTERR: usize = 0x403c;
pub(crate) const RUC: usize = 0x40a4;
pub(crate) const ROC: usize = 0x40ac;

/// The registers of the `ethtool -d` dump (version [`DUMP_VERSION`]), in
/// order; the last two are the receive throttling (ITR without MSI-X, the
/// receive vector's EITR with it).
pub(crate) const DUMP: [usize; 22] = [
    CTRL,
    STATUS,
    CTRL_EXT,
    RCTL,
    TCTL,
    RXCSUM,
    RFCTL,
    IVAR,
    IMS,
    TARC0,
    RDBAL,
    RDBAH,
    RDLEN,
    RDH,
    RDT,
    TDBAL,
    TDBAH,
    TDLEN,
    TDH,
    TDT,
    ITR,
    // CAST: vector numbers are below 5.
    eitr(crate::hw::VEC_RX as usize),
];
/// The layout version of the dump.
pub(crate) const DUMP_VERSION: u32 = 2;

/// CTRL fields.
pub(crate) mod ctrl {
    /// Set link up.
    pub(crate) const SLU: u32 = 1 << 6;
    /// Global device reset (self-clearing).
    pub(crate) const RST: u32 = 1 << 26;
}

/// CTRL_EXT fields.
pub(crate) mod ctrl_ext {
    /// Auto-mask (IAM) on an ICR read or write.
    pub(crate) const IAME: u32 = 1 << 27;
    /// Auto-mask (IAM) when an MSI-X vector fires.
    pub(crate) const EIAME: u32 = 1 << 24;
    /// Clear a vector's pending bit when its causes are unmasked.
    pub(crate) const PBA_CLR: u32 = 1 << 31;
}

/// IVAR fields: a 4-bit entry per cause, valid bit and vector number.
pub(crate) mod ivar {
    /// The entry is valid.
    pub(crate) const VALID: u32 = 1 << 3;
    /// Shift of the receive queue 0 entry.
    pub(crate) const RXQ0_SHIFT: u32 = 0;
    /// Shift of the transmit queue 0 entry.
    pub(crate) const TXQ0_SHIFT: u32 = 8;
    /// Shift of the entry for other causes (link, overrun).
    pub(crate) const OTHER_SHIFT: u32 = 16;
    /// Raise the transmit cause on every descriptor write-back.
    pub(crate) const TX_EVERY_WB: u32 = 1 << 31;
}

/// STATUS fields.
pub(crate) mod status {
    /// Link up.
    pub(crate) const LU: u32 = 1 << 1;
}

/// Interrupt causes, shared by ICR, IMS and IMC.
pub(crate) mod int {
    /// Transmit descriptor written back.
    pub(crate) const TXDW: u32 = 1 << 0;
    /// Link status change.
    pub(crate) const LSC: u32 = 1 << 2;
    /// Receive descriptors below the minimum threshold.
    pub(crate) const RXDMT0: u32 = 1 << 4;
    /// Receiver overrun.
    pub(crate) const RXO: u32 = 1 << 6;
    /// Receive timer expired (packets received).
    pub(crate) const RXT0: u32 = 1 << 7;
    /// MSI-X: receive queue 0.
    pub(crate) const RXQ0: u32 = 1 << 20;
    /// MSI-X: transmit queue 0.
    pub(crate) const TXQ0: u32 = 1 << 22;
    /// MSI-X: one of the other causes (LSC, RXO, ...).
    pub(crate) const OTHER: u32 = 1 << 24;
    /// Every cause.
    pub(crate) const ALL: u32 = !0;
    /// The causes the driver handles with MSI or INTx.
    pub(crate) const ENABLED: u32 = TXDW | LSC | RXDMT0 | RXO | RXT0;
    /// With MSI-X: the queue causes, auto-cleared by their vectors.
    pub(crate) const QUEUES: u32 = RXQ0 | TXQ0;
    /// With MSI-X: the causes of the "other" vector.
    pub(crate) const OTHERS: u32 = OTHER | LSC | RXO;
}

/// RCTL fields.
pub(crate) mod rctl {
    /// Receiver enable.
    pub(crate) const EN: u32 = 1 << 1;
    /// Unicast promiscuous.
    pub(crate) const UPE: u32 = 1 << 3;
    /// Multicast promiscuous.
    pub(crate) const MPE: u32 = 1 << 4;
    /// Accept broadcast.
    pub(crate) const BAM: u32 = 1 << 15;
    /// Long packet reception: must stay clear (see [`rx_bits`]).
    pub(crate) const LPE: u32 = 1 << 5;
    /// Store bad packets: must stay clear (see [`rx_bits`]).
    pub(crate) const SBP: u32 = 1 << 2;
    /// Strip the Ethernet CRC.
    pub(crate) const SECRC: u32 = 1 << 26;
    // Buffer size 2048: BSIZE = 00 with BSEX clear, the reset value.

    /// `bits` as written to RCTL: never with long packet reception or bad
    /// packets stored, the two settings under which the device writes
    /// frames longer than 1522 bytes, the receive buffers' length
    /// (`ring::RX_BUF_LEN`), though it is told they hold 2048.
    pub(crate) const fn rx_bits(bits: u32) -> u32 {
        bits & !(LPE | SBP)
    }
}

/// TCTL fields.
pub(crate) mod tctl {
    /// Transmitter enable.
    pub(crate) const EN: u32 = 1 << 1;
    /// Pad short packets.
    pub(crate) const PSP: u32 = 1 << 3;
    /// Collision threshold (15, the datasheet's value).
    pub(crate) const CT_15: u32 = 0x0f << 4;
    /// Collision distance (63, full duplex).
    pub(crate) const COLD_63: u32 = 0x3f << 12;
    /// Re-transmit on late collision.
    pub(crate) const RTLC: u32 = 1 << 24;
}

/// TIPG for copper links: IPGT 8, IPGR1 8, IPGR2 6 (the C driver's defaults).
pub(crate) const TIPG_COPPER: u32 = 8 | (8 << 10) | (6 << 20);

/// TXDCTL: write back descriptors one at a time, descriptor granularity.
pub(crate) const TXDCTL_WTHRESH_1_GRAN: u32 = (1 << 16) | (1 << 24);

/// TARC0 bit that must stay set.
pub(crate) const TARC0_ENABLE: u32 = 1 << 10;

/// RAH: address valid.
pub(crate) const RAH_AV: u32 = 1 << 31;

/// RXCSUM: IP (bit 8) and TCP/UDP (bit 9) checksum offload on receive.
pub(crate) const RXCSUM_IPOFL_TUOFL: u32 = (1 << 8) | (1 << 9);

/// RFCTL: extended receive descriptors.
pub(crate) const RFCTL_EXTEN: u32 = 1 << 15;

/// Interrupt throttling: 195 x 256 ns, at most about 20000 interrupts/s.
pub(crate) const ITR_20K: u32 = 195;
/// Interrupt throttling: 976 x 256 ns, at most about 4000 interrupts/s.
pub(crate) const ITR_4K: u32 = 976;
