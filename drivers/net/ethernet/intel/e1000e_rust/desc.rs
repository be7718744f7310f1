// SPDX-License-Identifier: GPL-2.0

//! Descriptor formats and ring index arithmetic.
//!
//! Pure functions over plain integers, so that they are tested on the host
//! as well (tools/rnet/hosttest). A descriptor is 16 bytes: two
//! little-endian 64-bit words as the device reads them.

#![forbid(unsafe_code)]

/// A descriptor as stored in the ring.
pub(crate) type RawDesc = [u64; 2];

/// Extended transmit descriptors: command bits (byte 11 of a context or
/// data descriptor).
pub(crate) mod dcmd {
    /// Data: end of packet. Context: the packet is TCP.
    pub(crate) const EOP_TCP: u8 = 1 << 0;
    /// Data: insert the FCS. Context: the packet is IPv4.
    pub(crate) const IFCS_IP: u8 = 1 << 1;
    /// TCP segmentation.
    pub(crate) const TSE: u8 = 1 << 2;
    /// Report status.
    pub(crate) const RS: u8 = 1 << 3;
    /// Extended descriptor (context or data, not legacy).
    pub(crate) const DEXT: u8 = 1 << 5;
}

/// Data descriptor options (POPTS): insert the IP checksum, insert the
/// TCP/UDP checksum.
pub(crate) const POPTS_IXSM: u8 = 1 << 0;
pub(crate) const POPTS_TXSM: u8 = 1 << 1;

/// Largest buffer one data descriptor carries (the C driver's limit).
pub(crate) const MAX_PER_TXD: u32 = 8192;

/// Descriptors for a buffer of `len` bytes.
pub(crate) fn descs_for(len: u32) -> usize {
    len.div_ceil(MAX_PER_TXD) as usize
}

/// What a transmit context descriptor tells the device about the packets
/// after it: where the checksums go and, for TCP segmentation, how to cut.
/// Offsets are bytes from the start of the frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct TxContext {
    /// IP header checksum: start, where to store it, last byte (IPv4 TSO).
    pub(crate) ipcss: u8,
    pub(crate) ipcso: u8,
    pub(crate) ipcse: u16,
    /// TCP/UDP checksum: start and where to store it (to the frame's end).
    pub(crate) tucss: u8,
    pub(crate) tucso: u8,
    /// Segmentation: payload length, header length and segment size.
    pub(crate) paylen: u32,
    pub(crate) hdrlen: u8,
    pub(crate) mss: u16,
    /// `dcmd` bits besides DEXT: TCP, IP, TSE.
    pub(crate) cmd: u8,
}

/// Encodes a transmit context descriptor.
pub(crate) fn tx_context(c: &TxContext) -> RawDesc {
    let w0 = u64::from(c.ipcss)
        | (u64::from(c.ipcso) << 8)
        | (u64::from(c.ipcse) << 16)
        | (u64::from(c.tucss) << 32)
        | (u64::from(c.tucso) << 40);
    let w1 = u64::from(c.paylen & 0xf_ffff)
        | (u64::from(c.cmd | dcmd::DEXT) << 24)
        | (u64::from(c.hdrlen) << 40)
        | (u64::from(c.mss) << 48);
    [w0.to_le(), w1.to_le()]
}

/// Encodes a transmit data descriptor for `len` bytes at `addr`.
pub(crate) fn tx_data(addr: u64, len: u32, cmd: u8, popts: u8) -> RawDesc {
    const DTYP_DATA: u64 = 1 << 20;
    let w1 = u64::from(len & 0xf_ffff)
        | DTYP_DATA
        | (u64::from(cmd | dcmd::DEXT) << 24)
        | (u64::from(popts) << 40);
    [addr.to_le(), w1.to_le()]
}

/// Descriptor done, in the status byte of both formats.
pub(crate) const STAT_DD: u8 = 1 << 0;
/// End of packet, in a receive descriptor's status.
pub(crate) const RXSTAT_EOP: u8 = 1 << 1;
/// Receive errors that make a frame unusable: CRC, symbol, sequence, RX data.
pub(crate) const RXERR_FRAME: u8 = (1 << 0) | (1 << 1) | (1 << 2) | (1 << 7);

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

/// The index before `i` in a ring of `n` slots.
pub(crate) fn prev(i: usize, n: usize) -> usize {
    if i == 0 {
        n.saturating_sub(1)
    } else {
        i - 1
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
