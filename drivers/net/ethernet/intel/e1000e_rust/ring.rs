// SPDX-License-Identifier: GPL-2.0

//! Transmit and receive descriptor rings.
//!
//! Each ring is a coherent array of descriptors plus, per slot, the buffer
//! the device may be using. `next_to_use` is where the driver fills the next
//! descriptor, `next_to_clean` the oldest descriptor not yet reclaimed.
//! Each ring holds the `Mapper` its buffers are mapped through (no buffer
//! holds a reference of its own). Dropping a ring unmaps and frees every
//! buffer in it: the caller stops the device's DMA first.

#![forbid(unsafe_code)]

use crate::desc::{self, dcmd, RawDesc, RxWb, TxContext};
use kernel::{
    dma::{CoherentAllocation, Direction, Mapper},
    net::skb::{DropReason, MappedSkb, SkBuff, TxFragPool, TxMapping, MAX_TX_SEGS},
    pci::{Bound, Device},
    prelude::*,
};

/// The bytes of a receive buffer that are allocated, zeroed and mapped, as
/// the C driver maps them: the longest frame the device lets through with
/// long packet reception off (RCTL.LPE clear), 1522 bytes (a 1500-byte
/// packet with a VLAN tag and the CRC, which the device strips; QEMU's
/// model counts without the CRC and so writes up to 1522 bytes). The
/// device is told the buffers hold 2048 bytes (RCTL.BSIZE, the smallest
/// size it has) and discards longer frames before they reach memory; a
/// descriptor reporting more than this is refused by the mapping
/// (`unmap_filled`) and the frame dropped.
pub(crate) const RX_BUF_LEN: u32 = 1522;

/// Frames up to this size are copied out of their ring buffer, which goes
/// straight back to the device (no unmap, allocation and map of a full
/// buffer for a 64-byte datagram or a TCP ACK).
pub(crate) const RX_COPYBREAK: u32 = 256;

/// The most descriptors one packet takes: a context descriptor, then data
/// descriptors of at most `MAX_PER_TXD` bytes for at most `MAX_TX_SEGS`
/// segments of a packet of at most 64 KiB.
pub(crate) const MAX_DESCS_PER_PACKET: usize =
    1 + MAX_TX_SEGS + (65536 / desc::MAX_PER_TXD) as usize;

/// Stop the queue when a packet might not fit any more.
pub(crate) const TX_STOP: usize = MAX_DESCS_PER_PACKET;
/// Wake it when at least this many descriptors are free again.
pub(crate) const TX_WAKE: usize = TX_STOP + 32;

/// Whether `start_xmit` must stop the queue with `unused` descriptors free:
/// the next packet might not fit.
pub(crate) fn must_stop(unused: usize) -> bool {
    unused < TX_STOP
}

/// Whether the completion path may wake a stopped queue with `unused`
/// descriptors free (with some room to spare, so that the queue does not
/// flap at every completion).
pub(crate) fn may_wake(unused: usize) -> bool {
    unused >= TX_WAKE
}

/// What queueing a packet takes: the context descriptor to write, if the
/// device does not hold that context already (`cached`), and the number
/// of data descriptors for segments of `seg_lens` bytes. `None` if the
/// packet has no data or the descriptors would not fit in `unused`.
pub(crate) fn plan_tx(
    offload: &TxOffload,
    len: u32,
    seg_lens: impl Iterator<Item = u32>,
    cached: Option<TxContext>,
    unused: usize,
) -> Option<(Option<TxContext>, usize)> {
    let ctx = offload.context(len).filter(|c| Some(*c) != cached);
    let data: usize = seg_lens.map(desc::descs_for).sum();
    let needed = data + usize::from(ctx.is_some());
    if data == 0 || needed > unused {
        return None;
    }
    Some((ctx, data))
}

/// The offload a transmitted packet asks of the device.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TxOffload {
    /// None: the packet goes out as it is.
    None,
    /// Insert the TCP/UDP checksum: computed from `start` to the end, stored
    /// at `start + offset` (bytes from the start of the frame).
    Csum { start: u8, offset: u8, tcp: bool },
    /// Cut a TCP packet into `mss`-byte segments, with IP and TCP checksums.
    Tso {
        network: u8,
        transport: u8,
        hdr_len: u8,
        mss: u16,
        ipv4: bool,
    },
}

impl TxOffload {
    /// The context descriptor for a packet of `len` bytes, if it needs one.
    pub(crate) fn context(&self, len: u32) -> Option<TxContext> {
        match *self {
            Self::None => None,
            Self::Csum { start, offset, tcp } => Some(TxContext {
                tucss: start,
                tucso: start.wrapping_add(offset),
                cmd: if tcp { dcmd::EOP_TCP } else { 0 },
                ..TxContext::default()
            }),
            Self::Tso {
                network,
                transport,
                hdr_len,
                mss,
                ipv4,
            } => Some(TxContext {
                ipcss: network,
                // The IPv4 header checksum is at byte 10 of the header.
                ipcso: if ipv4 { network.wrapping_add(10) } else { 0 },
                ipcse: if ipv4 { u16::from(transport) - 1 } else { 0 },
                tucss: transport,
                // The TCP checksum is at byte 16 of the header.
                tucso: transport.wrapping_add(16),
                paylen: len - u32::from(hdr_len),
                hdrlen: hdr_len,
                mss,
                cmd: dcmd::TSE | dcmd::EOP_TCP | if ipv4 { dcmd::IFCS_IP } else { 0 },
            }),
        }
    }

    /// The data descriptors' command and option bits.
    pub(crate) fn data_bits(&self) -> (u8, u8) {
        match *self {
            Self::None => (dcmd::IFCS_IP, 0),
            Self::Csum { .. } => (dcmd::IFCS_IP, desc::POPTS_TXSM),
            Self::Tso { ipv4, .. } => (
                dcmd::IFCS_IP | dcmd::TSE,
                desc::POPTS_TXSM | if ipv4 { desc::POPTS_IXSM } else { 0 },
            ),
        }
    }
}

/// A packet in the transmit ring, kept at the slot of its first descriptor.
struct TxPacket {
    buf: TxMapping,
    /// The slot of its last descriptor, the one with RS whose DD says done.
    last: usize,
    /// Frames and bytes it becomes on the wire.
    frames: u32,
    bytes: u32,
}

pub(crate) struct TxRing {
    pub(crate) desc: CoherentAllocation<RawDesc>,
    /// What the packets are mapped through.
    pub(crate) mapper: Mapper,
    slots: KVVec<Option<TxPacket>>,
    pub(crate) next_to_use: usize,
    pub(crate) next_to_clean: usize,
    /// The context the device holds: repeated contexts are not sent again.
    context: Option<TxContext>,
    /// Room for the fragment addresses of every packet the ring can hold,
    /// allocated with the ring (as the C driver's `buffer_info`).
    pub(crate) frag_pool: TxFragPool,
}

impl TxRing {
    pub(crate) fn new(dev: &Device<Bound>, count: usize) -> Result<Self> {
        let desc = CoherentAllocation::alloc_zeroed(dev, count, GFP_KERNEL)?;
        let mut slots = KVVec::with_capacity(count, GFP_KERNEL)?;
        for _ in 0..count {
            slots.push(None, GFP_KERNEL)?;
        }
        Ok(Self {
            desc,
            mapper: Mapper::new(dev),
            slots,
            next_to_use: 0,
            next_to_clean: 0,
            context: None,
            frag_pool: TxFragPool::new(count, GFP_KERNEL)?,
        })
    }

    pub(crate) fn count(&self) -> usize {
        self.slots.len()
    }

    pub(crate) fn unused(&self) -> usize {
        desc::unused(self.next_to_use, self.next_to_clean, self.count())
    }

    /// Queues a mapped packet with its offload; it becomes `frames` frames
    /// of `bytes` bytes in all. The caller checked that `unused()` is at
    /// least `MAX_DESCS_PER_PACKET`. On error the ring is unchanged and the
    /// packet dropped.
    pub(crate) fn push(
        &mut self,
        buf: TxMapping,
        offload: TxOffload,
        frames: u32,
        bytes: u32,
    ) -> Result {
        let fail = |buf: TxMapping, mapper: &Mapper, pool: &mut TxFragPool| {
            if let Ok(skb) = buf.unmap(mapper, pool) {
                skb.drop_with(DropReason::DevReady);
            }
            Err(ENOSPC)
        };
        let segs = buf.segs().map(|s| s.len);
        let Some((ctx, data)) = plan_tx(&offload, buf.len(), segs, self.context, self.unused())
        else {
            return fail(buf, &self.mapper, &mut self.frag_pool);
        };
        let first = self.next_to_use;
        let mut i = first;
        if let Some(c) = ctx {
            if self.desc.write(i, desc::tx_context(&c)).is_err() {
                return fail(buf, &self.mapper, &mut self.frag_pool);
            }
            i = desc::next(i, self.count());
        }
        let (cmd, popts) = offload.data_bits();
        let mut last = i;
        let mut left = data;
        for seg in buf.segs() {
            let mut off = 0;
            while off < seg.len {
                let len = (seg.len - off).min(desc::MAX_PER_TXD);
                left -= 1;
                let end = if left == 0 {
                    dcmd::EOP_TCP | dcmd::RS
                } else {
                    0
                };
                let d = desc::tx_data(seg.addr + u64::from(off), len, cmd | end, popts);
                if self.desc.write(i, d).is_err() {
                    // The tail was not moved: the device sees none of this.
                    return fail(buf, &self.mapper, &mut self.frag_pool);
                }
                last = i;
                i = desc::next(i, self.count());
                off += len;
            }
        }
        if ctx.is_some() {
            self.context = ctx;
        }
        self.slots[first] = Some(TxPacket {
            buf,
            last,
            frames,
            bytes,
        });
        self.next_to_use = i;
        Ok(())
    }

    /// Whether packets given to the ring are not reclaimed yet.
    pub(crate) fn in_flight(&self) -> bool {
        self.next_to_clean != self.next_to_use
    }

    /// Takes back the oldest transmitted packet, if the device is done with
    /// it: the buffer (none if the binding ended, which leaks it), and the
    /// frames and bytes it made.
    pub(crate) fn pop_done(&mut self) -> Option<(Option<SkBuff>, u32, u32)> {
        loop {
            let i = self.next_to_clean;
            if i == self.next_to_use {
                return None;
            }
            // Slots of context descriptors hold no packet: skip them.
            let Some(last) = self.slots[i].as_ref().map(|p| p.last) else {
                self.next_to_clean = desc::next(i, self.count());
                continue;
            };
            let d = self.desc.read(last).ok()?;
            if desc::tx_status(&d) & desc::STAT_DD == 0 {
                return None;
            }
            let p = self.slots[i].take()?;
            self.next_to_clean = desc::next(last, self.count());
            let skb = p.buf.unmap(&self.mapper, &mut self.frag_pool).ok();
            return Some((skb, p.frames, p.bytes));
        }
    }
}

impl Drop for TxRing {
    fn drop(&mut self) {
        for slot in self.slots.iter_mut() {
            if let Some(p) = slot.take() {
                // Leaked instead if the binding ended.
                if let Ok(skb) = p.buf.unmap(&self.mapper, &mut self.frag_pool) {
                    skb.drop_with(DropReason::DevReady);
                }
            }
        }
    }
}

// The least rings' tables fit in a page, so `kvmalloc` takes them from
// the slab in one try, logged if it fails (beyond a page its first try is
// quiet and falls back to vmalloc): rust_open_fail_each, which sweeps
// opens at the least rings, takes a quiet slab failure for a swallowed
// error.
const _: () = {
    let (tx, rx) = (
        crate::netdev::TX_RING_MIN as usize,
        crate::netdev::RING_MIN as usize,
    );
    assert!(tx * core::mem::size_of::<Option<TxPacket>>() <= kernel::page::PAGE_SIZE);
    assert!(rx * core::mem::size_of::<Option<MappedSkb>>() <= kernel::page::PAGE_SIZE);
};

/// Receive descriptors given back to the device at a time, as the C
/// driver does: each tail write is a register access (under emulation a
/// trap), and a lone frame would otherwise cost one.
pub(crate) const RX_TAIL_BATCH: usize = 16;

// The device always has all but `RX_TAIL_BATCH` of the least ring.
const _: () = assert!(RX_TAIL_BATCH * 2 <= crate::netdev::RING_MIN as usize);

/// The receive tail the device was last given, and when to give the next:
/// once `RX_TAIL_BATCH` or more descriptors came back since.
///
/// # Invariants
///
/// `given < count` once a ring of `count` (at least 1) descriptors started.
pub(crate) struct RxTail {
    given: usize,
    count: usize,
}

impl RxTail {
    /// For a ring of `count` descriptors, the device given every one but
    /// the last (tail `count - 1`).
    pub(crate) fn new(count: usize) -> Self {
        Self {
            given: desc::prev(0, count),
            count,
        }
    }

    /// Records `tail` as written when the receive unit starts; returns it.
    pub(crate) fn start(&mut self, tail: usize) -> usize {
        self.given = tail % self.count.max(1);
        self.given
    }

    /// The tail last written.
    pub(crate) fn given(&self) -> usize {
        self.given
    }

    /// `tail`, if it is to be written now: `RX_TAIL_BATCH` or more
    /// descriptors came back since the last tail written. A ring drained
    /// whole (`count - 1` back) is always due, as `count` exceeds the batch.
    pub(crate) fn give(&mut self, tail: usize) -> Option<usize> {
        // No division on this path: both indices are below `count`.
        let back = if tail >= self.given {
            tail - self.given
        } else {
            tail + self.count - self.given
        };
        if back < RX_TAIL_BATCH {
            return None;
        }
        self.given = tail;
        Some(tail)
    }
}

pub(crate) struct RxRing {
    pub(crate) desc: CoherentAllocation<RawDesc>,
    /// What the buffers are mapped through.
    mapper: Mapper,
    bufs: KVVec<Option<MappedSkb>>,
    pub(crate) next_to_clean: usize,
    /// The tail last given to the device (by `give_all`, then by
    /// `tail_to_give`): at most `RX_TAIL_BATCH - 1` descriptors behind
    /// `tail()` after each poll.
    tail_given: RxTail,
}

/// One frame taken from the receive ring.
pub(crate) enum RxFrame {
    /// A good frame: its buffer (the frame in its linear data), length and
    /// whether the device verified its TCP/UDP checksum.
    Good(SkBuff, u16, bool),
    /// A frame with errors; dropped.
    Bad,
}

impl RxRing {
    /// A ring of `count` descriptors, every one with a buffer from `alloc`.
    pub(crate) fn new(
        dev: &Device<Bound>,
        count: usize,
        mut alloc: impl FnMut() -> Result<SkBuff>,
    ) -> Result<Self> {
        let mut ring = Self {
            desc: CoherentAllocation::alloc_zeroed(dev, count, GFP_KERNEL)?,
            mapper: Mapper::new(dev),
            bufs: KVVec::with_capacity(count, GFP_KERNEL)?,
            next_to_clean: 0,
            tail_given: RxTail::new(count),
        };
        // On error, dropping `ring` unmaps the buffers mapped so far.
        for i in 0..count {
            let buf = alloc()?.dma_map(&ring.mapper, RX_BUF_LEN, Direction::FromDevice)?;
            let addr = buf.dma_addr();
            ring.bufs.push(Some(buf), GFP_KERNEL)?;
            ring.desc.write(i, desc::rx_legacy(addr))?;
        }
        Ok(ring)
    }

    pub(crate) fn count(&self) -> usize {
        self.bufs.len()
    }

    /// The tail to give the device: every slot but the one at
    /// `next_to_clean`'s predecessor is the device's.
    pub(crate) fn tail(&self) -> usize {
        desc::prev(self.next_to_clean, self.count())
    }

    /// The tail to write when the receive unit starts: every descriptor
    /// but one is the device's.
    pub(crate) fn give_all(&mut self) -> usize {
        let t = self.tail();
        self.tail_given.start(t)
    }

    /// The tail to write to the device, once `RX_TAIL_BATCH` or more
    /// descriptors came back since the last one given; `None` until then.
    pub(crate) fn tail_to_give(&mut self) -> Option<usize> {
        let t = self.tail();
        self.tail_given.give(t)
    }

    /// Takes the next completed frame, if any. A frame of at most
    /// `RX_COPYBREAK` bytes is copied into a buffer of its size from
    /// `alloc` and its ring buffer is given back to the device at once;
    /// a longer frame leaves with its buffer, replaced by a fresh one from
    /// `alloc`. Without a new buffer the frame is dropped and its buffer
    /// stays in the ring: nothing is lost from the ring.
    pub(crate) fn pop(
        &mut self,
        alloc: impl FnOnce(u32) -> Result<SkBuff>,
    ) -> Option<Result<RxFrame>> {
        let i = self.next_to_clean;
        let d = self.desc.read(i).ok()?;
        let wb = RxWb::decode(&d);
        if !wb.done() {
            return None;
        }
        // Read the rest of the descriptor's effects only after DD.
        kernel::dma::rmb();
        self.next_to_clean = desc::next(i, self.count());
        let len = u32::from(wb.len);
        let frame = if !wb.good() {
            Ok(RxFrame::Bad)
        } else if len <= RX_COPYBREAK {
            self.copy_out(i, len, alloc)
                .map(|skb| RxFrame::Good(skb, wb.len, wb.l4_csum_ok()))
        } else {
            self.swap_out(i, len, alloc)
                .map(|skb| RxFrame::Good(skb, wb.len, wb.l4_csum_ok()))
        };
        if self.rearm(i).is_err() {
            return Some(Err(EINVAL));
        }
        Some(frame)
    }

    /// Copies slot `i`'s `len`-byte frame into a new buffer.
    fn copy_out(
        &self,
        i: usize,
        len: u32,
        alloc: impl FnOnce(u32) -> Result<SkBuff>,
    ) -> Result<SkBuff> {
        let buf = self.bufs[i].as_ref().ok_or(EINVAL)?;
        let mut skb = alloc(len)?;
        buf.copy_into(&self.mapper, &mut skb, len)?;
        Ok(skb)
    }

    /// Takes slot `i`'s buffer, holding a `len`-byte frame, and puts a
    /// fresh one in its place.
    fn swap_out(
        &mut self,
        i: usize,
        len: u32,
        alloc: impl FnOnce(u32) -> Result<SkBuff>,
    ) -> Result<SkBuff> {
        let slot = self.bufs.get_mut(i).ok_or(EINVAL)?;
        if slot.is_none() {
            return Err(EINVAL);
        }
        let fresh = alloc(RX_BUF_LEN)?.dma_map(&self.mapper, RX_BUF_LEN, Direction::FromDevice)?;
        slot.replace(fresh)
            .ok_or(EINVAL)?
            .unmap_filled(&self.mapper, len)
    }

    /// Gives slot `i`'s buffer back to the device with a cleared status.
    fn rearm(&mut self, i: usize) -> Result {
        let addr = self.bufs[i].as_ref().map(|b| b.dma_addr()).ok_or(EINVAL)?;
        self.desc.write(i, desc::rx_legacy(addr))
    }
}

impl Drop for RxRing {
    fn drop(&mut self) {
        for slot in self.bufs.iter_mut() {
            // Leaked instead if the binding ended.
            if let Some(buf) = slot.take() {
                drop(buf.unmap(&self.mapper));
            }
        }
    }
}
