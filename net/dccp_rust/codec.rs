// SPDX-License-Identifier: GPL-2.0

//! The DCCP wire format (RFC 4340 sections 5, 7.6 and 9): generic header,
//! acknowledgement subheader, the type-specific fields, options, the
//! checksum and its coverage, and 48-bit sequence arithmetic.
//!
//! Plain `core` Rust with no kernel dependency: `dccp_rust` and its
//! netfilter hooks use it in the kernel, and `tools/rnet/hosttest` tests
//! the same file on the host. Parsing never trusts the packet: every
//! length is checked against the buffer, and each way a packet can be
//! malformed has its own [`Malformed`] reason, so that drops can be
//! counted by cause.

/// The largest sequence or acknowledgement number, plus one.
pub const SEQ_MOD: u64 = 1 << 48;

/// Packet types (RFC 4340 5.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PacketType {
    /// DCCP-Request.
    Request = 0,
    /// DCCP-Response.
    Response = 1,
    /// DCCP-Data.
    Data = 2,
    /// DCCP-Ack.
    Ack = 3,
    /// DCCP-DataAck.
    DataAck = 4,
    /// DCCP-CloseReq.
    CloseReq = 5,
    /// DCCP-Close.
    Close = 6,
    /// DCCP-Reset.
    Reset = 7,
    /// DCCP-Sync.
    Sync = 8,
    /// DCCP-SyncAck.
    SyncAck = 9,
}

impl PacketType {
    /// The type of a type field's value; `None` for the reserved 10..15.
    pub fn from_u8(v: u8) -> Option<Self> {
        Some(match v {
            0 => Self::Request,
            1 => Self::Response,
            2 => Self::Data,
            3 => Self::Ack,
            4 => Self::DataAck,
            5 => Self::CloseReq,
            6 => Self::Close,
            7 => Self::Reset,
            8 => Self::Sync,
            9 => Self::SyncAck,
            _ => return None,
        })
    }

    /// Whether the packet carries an acknowledgement subheader (all but
    /// Request and Data).
    pub fn has_ack(self) -> bool {
        !matches!(self, Self::Request | Self::Data)
    }

    /// Whether the type may use 24-bit sequence numbers (X = 0): only
    /// Data, Ack and DataAck (RFC 4340 5.1).
    pub fn allows_short(self) -> bool {
        matches!(self, Self::Data | Self::Ack | Self::DataAck)
    }

    /// The length of the type-specific fields after the acknowledgement
    /// subheader: Service Code (Request, Response) or Reset Code and data.
    pub fn specific_len(self) -> usize {
        match self {
            Self::Request | Self::Response | Self::Reset => 4,
            _ => 0,
        }
    }
}

/// Why a packet was refused. Each is a drop reason of its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Malformed {
    /// Shorter than the generic header its X bit announces.
    TooShort,
    /// Data Offset smaller than the header its type needs, or past the end.
    BadDataOffset,
    /// A reserved packet type (10..15).
    BadType,
    /// A 24-bit sequence number on a type that must use 48 bits.
    ShortSeqNotAllowed,
    /// Checksum coverage reaching past the end of the packet.
    BadCoverage,
    /// The checksum does not match.
    BadChecksum,
    /// An option whose length byte is below 2 or runs past the header.
    BadOptionLength,
    /// An option that may appear only after a Mandatory option, or a
    /// Mandatory option followed by nothing or by another Mandatory.
    BadMandatory,
}

/// The decoded fixed part of a DCCP header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    /// Source port.
    pub sport: u16,
    /// Destination port.
    pub dport: u16,
    /// Data Offset: header length in 32-bit words, options included.
    pub doff: u8,
    /// CCVal (4 bits), for the sender's CCID.
    pub ccval: u8,
    /// Checksum Coverage (4 bits).
    pub cscov: u8,
    /// The checksum field.
    pub checksum: u16,
    /// The packet type.
    pub ptype: PacketType,
    /// Extended (48-bit) sequence numbers.
    pub x: bool,
    /// The sequence number (24 or 48 bits as sent).
    pub seq: u64,
    /// The acknowledgement number, for the types that carry one.
    pub ack: Option<u64>,
    /// Service Code (Request, Response) or the four Reset bytes (Reset
    /// Code, Data 1..3), big endian in one word.
    pub specific: Option<u32>,
}

impl Header {
    /// The length of the fixed part: generic header, acknowledgement
    /// subheader and type-specific fields, without options.
    pub fn fixed_len(ptype: PacketType, x: bool) -> usize {
        let generic = if x { 16 } else { 12 };
        let ack = match (ptype.has_ack(), x) {
            (false, _) => 0,
            (true, true) => 8,
            (true, false) => 4,
        };
        generic + ack + ptype.specific_len()
    }

    /// The header length in bytes (Data Offset x 4).
    pub fn len(&self) -> usize {
        usize::from(self.doff) * 4
    }

    /// Whether the header is empty (never, for a parsed one).
    pub fn is_empty(&self) -> bool {
        self.doff == 0
    }
}

fn be16(b: &[u8], i: usize) -> u16 {
    u16::from_be_bytes([b[i], b[i + 1]])
}

fn be24(b: &[u8], i: usize) -> u64 {
    u64::from(b[i]) << 16 | u64::from(b[i + 1]) << 8 | u64::from(b[i + 2])
}

fn be48(b: &[u8], i: usize) -> u64 {
    u64::from(be16(b, i)) << 32 | u64::from(be32(b, i + 2))
}

fn be32(b: &[u8], i: usize) -> u32 {
    u32::from_be_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]])
}

/// Parses the fixed part of the header at the start of `pkt` (the whole
/// DCCP packet) and checks the Data Offset against the packet; the
/// options are `pkt[Header::fixed_len(..)..header.len()]`. The checksum
/// is not verified here (see [`verify_checksum`]).
pub fn parse(pkt: &[u8]) -> Result<Header, Malformed> {
    parse_head(pkt, pkt.len())
}

/// [`parse`] for a packet of `pkt_len` bytes of which `head` holds the
/// first ones (at least the fixed part of the header when the packet
/// has it: `TooShort` otherwise).
pub fn parse_head(pkt: &[u8], pkt_len: usize) -> Result<Header, Malformed> {
    if pkt_len < 12 || pkt.len() < 12 {
        return Err(Malformed::TooShort);
    }
    let x = pkt[8] & 1 != 0;
    if x && pkt_len < 16 {
        return Err(Malformed::TooShort);
    }
    let ptype = PacketType::from_u8((pkt[8] >> 1) & 0x0f).ok_or(Malformed::BadType)?;
    if !x && !ptype.allows_short() {
        return Err(Malformed::ShortSeqNotAllowed);
    }
    let doff = pkt[4];
    let hlen = usize::from(doff) * 4;
    let fixed = Header::fixed_len(ptype, x);
    if hlen < fixed || hlen > pkt_len {
        return Err(Malformed::BadDataOffset);
    }
    if pkt.len() < fixed {
        return Err(Malformed::TooShort);
    }
    let (seq, mut at) = if x {
        (be48(pkt, 10), 16)
    } else {
        (be24(pkt, 9), 12)
    };
    let ack = if ptype.has_ack() {
        let a = if x {
            be48(pkt, at + 2)
        } else {
            be24(pkt, at + 1)
        };
        at += if x { 8 } else { 4 };
        Some(a)
    } else {
        None
    };
    let specific = if ptype.specific_len() == 4 {
        Some(be32(pkt, at))
    } else {
        None
    };
    Ok(Header {
        sport: be16(pkt, 0),
        dport: be16(pkt, 2),
        doff,
        ccval: pkt[5] >> 4,
        cscov: pkt[5] & 0x0f,
        checksum: be16(pkt, 6),
        ptype,
        x,
        seq,
        ack,
        specific,
    })
}

/// Writes `h`'s fixed part and `options` (padded with zero bytes to a
/// multiple of 4) at the start of `out`, setting the Data Offset and
/// leaving the checksum as `h.checksum`; returns the header length.
/// `None` when `out` is too small, the options make the header longer
/// than 1020 bytes, or `h` breaks the format's own rules (a short
/// sequence number on a type that needs 48 bits, a missing
/// acknowledgement or type-specific field).
pub fn encode(h: &Header, options: &[u8], out: &mut [u8]) -> Option<usize> {
    let fixed = Header::fixed_len(h.ptype, h.x);
    let hlen = (fixed + options.len()).div_ceil(4) * 4;
    if (!h.x && !h.ptype.allows_short())
        || h.ptype.has_ack() != h.ack.is_some()
        || (h.ptype.specific_len() == 4) != h.specific.is_some()
        || hlen > 1020
        || out.len() < hlen
    {
        return None;
    }
    let out = &mut out[..hlen];
    out.fill(0);
    out[0..2].copy_from_slice(&h.sport.to_be_bytes());
    out[2..4].copy_from_slice(&h.dport.to_be_bytes());
    out[4] = (hlen / 4) as u8;
    out[5] = (h.ccval & 0x0f) << 4 | (h.cscov & 0x0f);
    out[6..8].copy_from_slice(&h.checksum.to_be_bytes());
    out[8] = (h.ptype as u8) << 1 | u8::from(h.x);
    let mut at = if h.x {
        out[10..16].copy_from_slice(&(h.seq % SEQ_MOD).to_be_bytes()[2..]);
        16
    } else {
        out[9..12].copy_from_slice(&(h.seq & 0xff_ffff).to_be_bytes()[5..]);
        12
    };
    if let Some(a) = h.ack {
        if h.x {
            out[at + 2..at + 8].copy_from_slice(&(a % SEQ_MOD).to_be_bytes()[2..]);
            at += 8;
        } else {
            out[at + 1..at + 4].copy_from_slice(&(a & 0xff_ffff).to_be_bytes()[5..]);
            at += 4;
        }
    }
    if let Some(s) = h.specific {
        out[at..at + 4].copy_from_slice(&s.to_be_bytes());
        at += 4;
    }
    out[at..at + options.len()].copy_from_slice(options);
    Some(hlen)
}

/// The bytes of `pkt` the checksum covers (RFC 4340 9.2): the header and,
/// for CsCov 0, all the application data, else (CsCov - 1) x 4 bytes of
/// it. `None` when that reaches past the end of the packet.
pub fn coverage(pkt_len: usize, hlen: usize, cscov: u8) -> Option<usize> {
    if cscov == 0 {
        return Some(pkt_len);
    }
    let n = hlen + (usize::from(cscov) - 1) * 4;
    (n <= pkt_len).then_some(n)
}

/// Adds `data` to a one's-complement sum (not yet folded).
pub fn csum_add(sum: u32, data: &[u8]) -> u32 {
    // 64 bits cannot overflow: 2^47 words of any length a slice may have.
    let mut s = u64::from(sum);
    let mut chunks = data.chunks_exact(2);
    for c in &mut chunks {
        s += u64::from(u16::from_be_bytes([c[0], c[1]]));
    }
    if let [b] = chunks.remainder() {
        s += u64::from(*b) << 8;
    }
    // Keep room for more additions: below 2^17.
    while s >> 16 != 0 {
        s = (s & 0xffff) + (s >> 16);
    }
    s as u32
}

/// Folds a sum to the 16-bit checksum field value.
pub fn csum_fold(mut sum: u32) -> u16 {
    while sum >> 16 != 0 {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// The pseudo-header's sum: source and destination addresses (4 bytes
/// each for IPv4, 16 for IPv6), protocol 33 and the DCCP length.
pub fn pseudo_sum(src: &[u8], dst: &[u8], dccp_len: u32) -> u32 {
    let mut s = csum_add(0, src);
    s = csum_add(s, dst);
    s += 33;
    s += dccp_len >> 16;
    s += dccp_len & 0xffff;
    (s & 0xffff) + (s >> 16)
}

/// The checksum of `pkt` (whose checksum field is taken as zero) over the
/// coverage its CsCov gives, with the pseudo-header of `src` and `dst`.
pub fn compute_checksum(src: &[u8], dst: &[u8], pkt: &[u8]) -> Result<u16, Malformed> {
    let h = parse(pkt)?;
    let n = coverage(pkt.len(), h.len(), h.cscov).ok_or(Malformed::BadCoverage)?;
    let s = header_sum(src, dst, pkt.len() as u32, &pkt[..h.len()]);
    Ok(csum_fold(csum_add(s, &pkt[h.len()..n])))
}

/// The sum of the pseudo-header of a packet of `pkt_len` bytes and of its
/// `header` (at least 8 bytes; the checksum field taken as zero), to
/// which the covered data is added with [`csum_add`] (in pieces of even
/// length but the last) before [`csum_fold`].
pub fn header_sum(src: &[u8], dst: &[u8], pkt_len: u32, header: &[u8]) -> u32 {
    let s = csum_add(
        pseudo_sum(src, dst, pkt_len),
        header.get(..6).unwrap_or(&[]),
    );
    csum_add(s, header.get(8..).unwrap_or(&[]))
}

/// Parses `pkt` and checks its coverage and checksum.
pub fn verify_checksum(src: &[u8], dst: &[u8], pkt: &[u8]) -> Result<Header, Malformed> {
    let h = parse(pkt)?;
    if compute_checksum(src, dst, pkt)? != h.checksum {
        return Err(Malformed::BadChecksum);
    }
    Ok(h)
}

/// One option: its type and its value bytes (without type and length).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Opt<'a> {
    /// The option type.
    pub kind: u8,
    /// Whether a Mandatory option came right before it.
    pub mandatory: bool,
    /// The value.
    pub value: &'a [u8],
}

/// Option types (RFC 4340 5.8, RFC 4341).
pub mod opt {
    /// Padding.
    pub const PADDING: u8 = 0;
    /// Mandatory: the next option must be understood.
    pub const MANDATORY: u8 = 1;
    /// Slow Receiver.
    pub const SLOW_RECEIVER: u8 = 2;
    /// Change L (feature negotiation).
    pub const CHANGE_L: u8 = 32;
    /// Confirm L.
    pub const CONFIRM_L: u8 = 33;
    /// Change R.
    pub const CHANGE_R: u8 = 34;
    /// Confirm R.
    pub const CONFIRM_R: u8 = 35;
    /// Init Cookie.
    pub const INIT_COOKIE: u8 = 36;
    /// NDP Count.
    pub const NDP_COUNT: u8 = 37;
    /// Ack Vector, nonce 0.
    pub const ACK_VECTOR_0: u8 = 38;
    /// Ack Vector, nonce 1.
    pub const ACK_VECTOR_1: u8 = 39;
    /// Data Dropped.
    pub const DATA_DROPPED: u8 = 40;
    /// Timestamp.
    pub const TIMESTAMP: u8 = 41;
    /// Timestamp Echo.
    pub const TIMESTAMP_ECHO: u8 = 42;
    /// Elapsed Time.
    pub const ELAPSED_TIME: u8 = 43;
    /// Data Checksum.
    pub const DATA_CHECKSUM: u8 = 44;
}

/// The options of a header: `Options::new(&pkt[fixed..hlen])`, iterated.
/// Padding is skipped; a Mandatory option marks the next one (Padding
/// right after it takes the mark: an option understood, as the C DCCP
/// reads RFC 4340 5.8.2). An option whose length is below 2 or runs past
/// the end, or a Mandatory option that is the last byte or is followed by
/// another Mandatory, ends the iteration with an error.
pub struct Options<'a> {
    rest: &'a [u8],
    failed: bool,
}

impl<'a> Options<'a> {
    /// The options in `bytes`.
    pub fn new(bytes: &'a [u8]) -> Self {
        Self {
            rest: bytes,
            failed: false,
        }
    }

    fn one(&mut self) -> Option<Result<(u8, &'a [u8]), Malformed>> {
        loop {
            let (&kind, tail) = self.rest.split_first()?;
            if kind == opt::PADDING {
                self.rest = tail;
                continue;
            }
            return self.one_raw();
        }
    }

    /// The next option, Padding included.
    fn one_raw(&mut self) -> Option<Result<(u8, &'a [u8]), Malformed>> {
        let (&kind, tail) = self.rest.split_first()?;
        if kind < 32 {
            self.rest = tail;
            return Some(Ok((kind, &[])));
        }
        let Some(&len) = tail.first() else {
            return Some(Err(Malformed::BadOptionLength));
        };
        let len = usize::from(len);
        if len < 2 || len > self.rest.len() {
            return Some(Err(Malformed::BadOptionLength));
        }
        let value = &self.rest[2..len];
        self.rest = &self.rest[len..];
        Some(Ok((kind, value)))
    }
}

impl<'a> Iterator for Options<'a> {
    type Item = Result<Opt<'a>, Malformed>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        let r = loop {
            match self.one()? {
                Ok((opt::MANDATORY, _)) => match self.one_raw() {
                    // Mandatory Padding: nothing to honour.
                    Some(Ok((opt::PADDING, _))) => continue,
                    Some(Ok((k, v))) if k != opt::MANDATORY => {
                        break Ok(Opt {
                            kind: k,
                            mandatory: true,
                            value: v,
                        })
                    }
                    Some(Err(e)) => break Err(e),
                    _ => break Err(Malformed::BadMandatory),
                },
                Ok((k, v)) => {
                    break Ok(Opt {
                        kind: k,
                        mandatory: false,
                        value: v,
                    })
                }
                Err(e) => break Err(e),
            }
        };
        self.failed = r.is_err();
        Some(r)
    }
}

/// `a + b` modulo 2^48.
pub fn seq_add(a: u64, b: u64) -> u64 {
    (a.wrapping_add(b)) % SEQ_MOD
}

/// The signed distance from `b` to `a` in 48-bit circular space:
/// positive when `a` comes after `b`, in -2^47..2^47.
pub fn seq_delta(a: u64, b: u64) -> i64 {
    let d = a.wrapping_sub(b) % SEQ_MOD;
    if d >= SEQ_MOD / 2 {
        d as i64 - SEQ_MOD as i64
    } else {
        d as i64
    }
}

/// Whether `a` comes before `b` (circular).
pub fn seq_before(a: u64, b: u64) -> bool {
    seq_delta(a, b) < 0
}

/// Whether `s` lies in the circular window `[lo, hi]`.
pub fn seq_in_window(s: u64, lo: u64, hi: u64) -> bool {
    seq_delta(s, lo) >= 0 && seq_delta(hi, s) >= 0
}

/// The 48-bit number a 24-bit `short` stands for, near `reference`
/// (RFC 4340 7.6: the value closest to the greatest number received).
pub fn seq_extend(short: u64, reference: u64) -> u64 {
    let short = short & 0xff_ffff;
    let candidate = (reference & !0xff_ffff) | short;
    let d = seq_delta(candidate, reference);
    let c = if d > 0x80_0000 {
        candidate.wrapping_sub(1 << 24)
    } else if d < -0x80_0000 {
        candidate.wrapping_add(1 << 24)
    } else {
        candidate
    };
    c % SEQ_MOD
}
