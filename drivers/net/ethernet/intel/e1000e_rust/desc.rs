// SPDX-License-Identifier: GPL-2.0

//! Legacy descriptor formats and ring index arithmetic.
//!
//! Pure functions over plain integers, so that they are tested on the host
//! as well (tools/rnet/hosttest). A descriptor is 16 bytes: two
//! little-endian 64-bit words as the device reads them.

/// A descriptor as stored in the ring.
pub(crate) type RawDesc = [u64; 2];

/// Transmit command bits (legacy descriptor, byte 11).
pub(crate) mod txcmd {
    /// End of packet.
    pub(crate) const EOP: u8 = 1 << 0;
    /// Insert the Ethernet FCS.
    pub(crate) const IFCS: u8 = 1 << 1;
    /// Report status (write back DD).
    pub(crate) const RS: u8 = 1 << 3;
}

/// Descriptor done, in the status byte of both formats.
pub(crate) const STAT_DD: u8 = 1 << 0;
/// End of packet, in a receive descriptor's status.
pub(crate) const RXSTAT_EOP: u8 = 1 << 1;
/// Receive errors that make a frame unusable: CRC, symbol, sequence, RX data.
pub(crate) const RXERR_FRAME: u8 = (1 << 0) | (1 << 1) | (1 << 2) | (1 << 7);

/// Encodes a legacy transmit descriptor for a `len`-byte buffer at `addr`.
pub(crate) fn tx_legacy(addr: u64, len: u16, cmd: u8) -> RawDesc {
    let w1 = u64::from(len) | (u64::from(cmd) << 24);
    [addr.to_le(), w1.to_le()]
}

/// The status byte of a transmit descriptor.
pub(crate) fn tx_status(d: &RawDesc) -> u8 {
    // CAST: bits 32..40 of the second word.
    (u64::from_le(d[1]) >> 32) as u8
}

/// Encodes a legacy receive descriptor handing the buffer at `addr` to the
/// device, with a cleared status.
pub(crate) fn rx_legacy(addr: u64) -> RawDesc {
    [addr.to_le(), 0]
}

/// What the device wrote back into a legacy receive descriptor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RxWb {
    /// Bytes written to the buffer (CRC stripped when RCTL.SECRC is set).
    pub(crate) len: u16,
    /// Status bits (DD, EOP, ...).
    pub(crate) status: u8,
    /// Error bits.
    pub(crate) errors: u8,
}

impl RxWb {
    /// Decodes the second word of a receive descriptor.
    pub(crate) fn decode(d: &RawDesc) -> Self {
        let w = u64::from_le(d[1]);
        // CAST: the fields are bit ranges of `w`.
        Self {
            len: w as u16,
            status: (w >> 32) as u8,
            errors: (w >> 40) as u8,
        }
    }

    /// The device is done with the descriptor.
    pub(crate) fn done(&self) -> bool {
        self.status & STAT_DD != 0
    }

    /// The device checked the TCP/UDP checksum and found it right: the
    /// checksum was not ignored (IXSM), was computed (TCPCS) and has no
    /// error (TCPE), nor has the IP header checksum (IPE).
    pub(crate) fn l4_csum_ok(&self) -> bool {
        const IXSM: u8 = 1 << 2;
        const TCPCS: u8 = 1 << 5;
        const TCPE: u8 = 1 << 5;
        const IPE: u8 = 1 << 6;
        self.status & (IXSM | TCPCS) == TCPCS && self.errors & (TCPE | IPE) == 0
    }

    /// A whole, error-free frame.
    pub(crate) fn good(&self) -> bool {
        self.status & RXSTAT_EOP != 0 && self.errors & RXERR_FRAME == 0 && self.len >= 14
    }
}

/// The index after `i` in a ring of `n` slots.
pub(crate) fn next(i: usize, n: usize) -> usize {
    if i + 1 == n {
        0
    } else {
        i + 1
    }
}

/// Free slots in a ring of `n` slots with producer `use_` and consumer
/// `clean`, keeping one slot empty so that full and empty differ.
pub(crate) fn unused(use_: usize, clean: usize, n: usize) -> usize {
    if clean > use_ {
        clean - use_ - 1
    } else {
        n - (use_ - clean) - 1
    }
}
