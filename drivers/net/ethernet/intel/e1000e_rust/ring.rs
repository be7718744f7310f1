// SPDX-License-Identifier: GPL-2.0

//! Transmit and receive descriptor rings.
//!
//! Each ring is a coherent array of descriptors plus, per slot, the buffer
//! the device may be using. `next_to_use` is where the driver fills the next
//! descriptor, `next_to_clean` the oldest descriptor not yet reclaimed.
//! Dropping a ring unmaps and frees every buffer in it: the caller stops the
//! device's DMA first.

use crate::desc::{self, RawDesc, RxWb};
use kernel::{
    device::Device,
    dma::{CoherentAllocation, Direction},
    net::skb::{MappedSkb, SkBuff},
    prelude::*,
    types::ARef,
};

/// Receive buffer size: RCTL.BSIZE 2048, enough for a 1522-byte frame.
pub(crate) const RX_BUF_LEN: u32 = 2048;

pub(crate) struct TxRing {
    pub(crate) desc: CoherentAllocation<RawDesc>,
    bufs: KVec<Option<(MappedSkb, u32)>>,
    pub(crate) next_to_use: usize,
    pub(crate) next_to_clean: usize,
}

impl TxRing {
    pub(crate) fn new(dev: &Device, count: usize) -> Result<Self> {
        let desc = CoherentAllocation::alloc_zeroed(dev, count, GFP_KERNEL)?;
        let mut bufs = KVec::with_capacity(count, GFP_KERNEL)?;
        for _ in 0..count {
            bufs.push(None, GFP_KERNEL)?;
        }
        Ok(Self {
            desc,
            bufs,
            next_to_use: 0,
            next_to_clean: 0,
        })
    }

    pub(crate) fn count(&self) -> usize {
        self.bufs.len()
    }

    pub(crate) fn unused(&self) -> usize {
        desc::unused(self.next_to_use, self.next_to_clean, self.count())
    }

    /// Queues a mapped packet of `len` bytes; the caller checked `unused()`.
    pub(crate) fn push(&mut self, buf: MappedSkb, len: u32) -> Result {
        let i = self.next_to_use;
        // CAST: packets are at most 64 KiB (no TSO) and the buffer is linear.
        let d = desc::tx_legacy(
            buf.dma_addr(),
            buf.len() as u16,
            desc::txcmd::EOP | desc::txcmd::IFCS | desc::txcmd::RS,
        );
        self.desc.write(i, d)?;
        self.bufs[i] = Some((buf, len));
        self.next_to_use = desc::next(i, self.count());
        Ok(())
    }

    /// Takes back the oldest transmitted packet, if the device is done with
    /// it: the buffer and its length.
    pub(crate) fn pop_done(&mut self) -> Option<(SkBuff, u32)> {
        let i = self.next_to_clean;
        if i == self.next_to_use {
            return None;
        }
        let d = self.desc.read(i).ok()?;
        if desc::tx_status(&d) & desc::STAT_DD == 0 {
            return None;
        }
        let (buf, len) = self.bufs[i].take()?;
        self.next_to_clean = desc::next(i, self.count());
        Some((buf.unmap(), len))
    }
}

pub(crate) struct RxRing {
    pub(crate) desc: CoherentAllocation<RawDesc>,
    bufs: KVec<Option<MappedSkb>>,
    pub(crate) next_to_clean: usize,
    dma_dev: ARef<Device>,
}

/// One frame taken from the receive ring.
pub(crate) enum RxFrame {
    /// A good frame: its buffer, length and whether the device verified
    /// its TCP/UDP checksum.
    Good(SkBuff, u16, bool),
    /// A frame with errors; dropped.
    Bad,
}

impl RxRing {
    /// A ring of `count` descriptors, every one with a buffer from `alloc`.
    pub(crate) fn new(
        dev: &ARef<Device>,
        count: usize,
        mut alloc: impl FnMut() -> Result<SkBuff>,
    ) -> Result<Self> {
        let desc = CoherentAllocation::alloc_zeroed(dev, count, GFP_KERNEL)?;
        let mut bufs = KVec::with_capacity(count, GFP_KERNEL)?;
        for i in 0..count {
            let buf = alloc()?.dma_map(dev, RX_BUF_LEN, Direction::FromDevice)?;
            desc.write(i, desc::rx_legacy(buf.dma_addr()))?;
            bufs.push(Some(buf), GFP_KERNEL)?;
        }
        Ok(Self {
            desc,
            bufs,
            next_to_clean: 0,
            dma_dev: dev.clone(),
        })
    }

    pub(crate) fn count(&self) -> usize {
        self.bufs.len()
    }

    /// The tail to give the device: every slot but the one at
    /// `next_to_clean`'s predecessor is the device's.
    pub(crate) fn tail(&self) -> usize {
        (self.next_to_clean + self.count() - 1) % self.count()
    }

    /// Takes the next completed frame, if any, and puts a fresh buffer from
    /// `alloc` in its slot. Without a fresh buffer the frame is dropped and
    /// its buffer stays in the ring: nothing is lost from the ring.
    pub(crate) fn pop(
        &mut self,
        alloc: impl FnOnce() -> Result<SkBuff>,
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
        let fresh = if wb.good() {
            alloc().and_then(|skb| skb.dma_map(&self.dma_dev, RX_BUF_LEN, Direction::FromDevice))
        } else {
            Err(EIO)
        };
        let frame = match fresh {
            Ok(new) => {
                let old = self.bufs[i].replace(new);
                old.map(|m| RxFrame::Good(m.unmap(), wb.len, wb.l4_csum_ok()))
            }
            // Keep the old buffer for the device: the frame is dropped.
            Err(e) if wb.good() => return self.rearm(i).map(|()| Err(e)).ok(),
            Err(_) => Some(RxFrame::Bad),
        };
        if self.rearm(i).is_err() {
            return Some(Err(EINVAL));
        }
        frame.map(Ok)
    }

    /// Gives slot `i`'s buffer back to the device with a cleared status.
    fn rearm(&mut self, i: usize) -> Result {
        let addr = self.bufs[i].as_ref().map(|b| b.dma_addr()).ok_or(EINVAL)?;
        self.desc.write(i, desc::rx_legacy(addr))
    }
}
