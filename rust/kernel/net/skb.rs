// SPDX-License-Identifier: GPL-2.0

//! Socket buffers (`struct sk_buff`).
//!
//! C header: [`include/linux/skbuff.h`](srctree/include/linux/skbuff.h)
//!
//! An [`SkBuff`] owns one buffer. It is freed exactly once: given away to
//! the stack ([`crate::net::napi::PollCtx::gro_receive`]), consumed after a
//! successful transmission ([`SkBuff::consume`]), dropped with a reason
//! ([`SkBuff::drop_with`]), or, if nothing else happened, freed on drop as an
//! unspecified drop. A [`MappedSkb`] is an `SkBuff` lent to a device through
//! a streaming DMA mapping; unmapping gives the buffer back, so a double
//! unmap or a CPU access while the device owns the buffer cannot be written
//! in safe code.

use crate::{bindings, device, dma::Direction, prelude::*, types::ARef};
use core::{mem::ManuallyDrop, ptr::NonNull};

/// Why a buffer was dropped, as reported to drop monitors.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum DropReason {
    /// No particular reason.
    NotSpecified,
    /// The device or driver could not take it (e.g. DMA mapping failed).
    DevReady,
    /// A frame with a bad checksum or length from the device.
    DevHdr,
    /// Out of memory.
    NoMem,
}

impl DropReason {
    fn as_raw(self) -> bindings::skb_drop_reason {
        match self {
            Self::NotSpecified => bindings::skb_drop_reason_SKB_DROP_REASON_NOT_SPECIFIED,
            Self::DevReady => bindings::skb_drop_reason_SKB_DROP_REASON_DEV_READY,
            Self::DevHdr => bindings::skb_drop_reason_SKB_DROP_REASON_DEV_HDR,
            Self::NoMem => bindings::skb_drop_reason_SKB_DROP_REASON_NOMEM,
        }
    }
}

/// An owned socket buffer.
///
/// # Invariants
///
/// `self.0` points to a valid `sk_buff` owned by this value alone.
pub struct SkBuff(NonNull<bindings::sk_buff>);

// SAFETY: an owned `sk_buff` may move between CPUs; it is freed with the `_any` variants, valid
// in every context.
unsafe impl Send for SkBuff {}

impl SkBuff {
    /// Takes ownership of `ptr`.
    ///
    /// # Safety
    ///
    /// `ptr` must be a valid `sk_buff` that the caller owns and gives away.
    pub(crate) unsafe fn from_raw(ptr: *mut bindings::sk_buff) -> Option<Self> {
        NonNull::new(ptr).map(Self)
    }

    /// Gives up ownership.
    pub(crate) fn into_raw(self) -> *mut bindings::sk_buff {
        ManuallyDrop::new(self).0.as_ptr()
    }

    fn raw(&self) -> *mut bindings::sk_buff {
        self.0.as_ptr()
    }

    /// The buffer, still owned by `self`.
    pub(crate) fn as_raw(&mut self) -> *mut bindings::sk_buff {
        self.0.as_ptr()
    }

    /// The length of the whole packet.
    pub fn len(&self) -> u32 {
        // SAFETY: valid (type invariant).
        unsafe { (*self.raw()).len }
    }

    /// Whether the packet is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The length of the linear part.
    pub fn headlen(&self) -> u32 {
        // SAFETY: valid (type invariant).
        unsafe { bindings::skb_headlen(self.raw()) }
    }

    /// Whether part of the packet is in page fragments.
    pub fn is_nonlinear(&self) -> bool {
        // SAFETY: valid (type invariant).
        unsafe { bindings::skb_is_nonlinear(self.raw()) }
    }

    /// The linear part of the packet.
    pub fn data(&self) -> &[u8] {
        // SAFETY: `data` points to `headlen` initialised bytes owned by the buffer.
        unsafe { core::slice::from_raw_parts((*self.raw()).data, self.headlen() as usize) }
    }

    /// Room left after the linear data.
    fn tailroom(&self) -> usize {
        // SAFETY: valid (type invariant); `end` and `tail` are offsets on 64-bit kernels.
        let (end, tail) = unsafe { ((*self.raw()).end as usize, (*self.raw()).tail as usize) };
        end.saturating_sub(tail)
    }

    /// Grows the linear data by `len` bytes at the tail (`skb_put`).
    pub fn put(&mut self, len: u32) -> Result {
        if self.is_nonlinear() || (len as usize) > self.tailroom() {
            return Err(EINVAL);
        }
        // SAFETY: linear and with enough tailroom, checked above.
        unsafe { bindings::skb_put(self.raw(), len) };
        Ok(())
    }

    /// Pads the packet with zeroes to at least `len` bytes. On error the
    /// buffer has been freed (as `skb_padto` does).
    pub fn pad_to(self, len: u32) -> Result<Self> {
        let raw = self.into_raw();
        // SAFETY: we own `raw`; `skb_padto` frees it on error and keeps it otherwise.
        if unsafe { bindings::skb_padto(raw, len) } != 0 {
            return Err(ENOMEM);
        }
        // SAFETY: still owned on success.
        unsafe { Self::from_raw(raw) }.ok_or(ENOMEM)
    }

    /// Whether the stack asked the device to compute the transport checksum
    /// (`CHECKSUM_PARTIAL`); if so, where: `(start, offset)` from the start
    /// of the data.
    pub fn checksum_partial(&self) -> Option<(u32, u32)> {
        let (mut start, mut offset) = (0u32, 0u32);
        // SAFETY: valid (type invariant); the out-pointers are valid for writes.
        let partial =
            unsafe { bindings::rnet_skb_csum_partial(self.raw(), &mut start, &mut offset) };
        partial.then_some((start, offset))
    }

    /// Tells the stack the device verified the transport checksum.
    pub fn set_checksum_unnecessary(&mut self) {
        // SAFETY: valid and owned (type invariant).
        unsafe { bindings::rnet_skb_set_csum_unnecessary(self.raw()) };
    }

    /// Frees the buffer after a successful transmission.
    pub fn consume(self) {
        // SAFETY: owned; valid in any context.
        unsafe { bindings::dev_consume_skb_any(self.into_raw()) };
    }

    /// Frees the buffer as dropped, with `reason`.
    pub fn drop_with(self, reason: DropReason) {
        // SAFETY: owned; valid in any context.
        unsafe { bindings::dev_kfree_skb_any_reason(self.into_raw(), reason.as_raw()) };
    }

    /// Lends `len` bytes from the start of the data to `dev` through a
    /// streaming DMA mapping. For [`Direction::FromDevice`] the bytes are the
    /// tailroom a receive buffer offers; for [`Direction::ToDevice`] `len`
    /// must not exceed the linear data. On error the buffer is dropped.
    pub fn dma_map(
        self,
        dev: &ARef<device::Device>,
        len: u32,
        dir: Direction,
    ) -> Result<MappedSkb> {
        let room = match dir {
            Direction::ToDevice => self.headlen() as usize,
            Direction::FromDevice => self.headlen() as usize + self.tailroom(),
        };
        if len as usize > room || len == 0 {
            self.drop_with(DropReason::DevReady);
            return Err(EINVAL);
        }
        // SAFETY: valid (type invariant).
        let data = unsafe { (*self.raw()).data };
        // SAFETY: `data..data + len` lies in the buffer (checked above); the buffer stays alive
        // and untouched by the CPU until unmapped, because `MappedSkb` owns it.
        let addr = unsafe {
            bindings::dma_map_single(dev.as_raw(), data.cast(), len as usize, dir.as_raw())
        };
        // SAFETY: `addr` was just returned for `dev`.
        if unsafe { bindings::dma_mapping_error(dev.as_raw(), addr) } != 0 {
            self.drop_with(DropReason::DevReady);
            return Err(ENOMEM);
        }
        // INVARIANT: mapped just now, and the buffer moves into the mapping.
        Ok(MappedSkb {
            skb: ManuallyDrop::new(self),
            dev: dev.clone(),
            addr,
            len,
            dir,
        })
    }
}

impl Drop for SkBuff {
    fn drop(&mut self) {
        // SAFETY: owned (type invariant); valid in any context.
        unsafe {
            bindings::dev_kfree_skb_any_reason(
                self.raw(),
                bindings::skb_drop_reason_SKB_DROP_REASON_NOT_SPECIFIED,
            )
        };
    }
}

/// A buffer lent to a device by a streaming DMA mapping.
///
/// # Invariants
///
/// `len` bytes from `skb`'s data are mapped for `dev` at `addr` in
/// direction `dir`, until `unmap` or drop.
pub struct MappedSkb {
    skb: ManuallyDrop<SkBuff>,
    dev: ARef<device::Device>,
    addr: bindings::dma_addr_t,
    len: u32,
    dir: Direction,
}

impl MappedSkb {
    /// The bus address for the device.
    pub fn dma_addr(&self) -> u64 {
        self.addr
    }

    /// The mapped length.
    pub fn len(&self) -> u32 {
        self.len
    }

    /// Whether the mapping is empty (never: mapping checks `len > 0`).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn unmap_now(&mut self) {
        // SAFETY: mapped with these parameters (type invariant); called once, by `unmap` or
        // `drop`.
        unsafe {
            bindings::dma_unmap_single(
                self.dev.as_raw(),
                self.addr,
                self.len as usize,
                self.dir.as_raw(),
            )
        };
    }

    /// Ends the mapping and gives the buffer back to the CPU.
    pub fn unmap(self) -> SkBuff {
        let mut this = ManuallyDrop::new(self);
        this.unmap_now();
        // SAFETY: `this` is never used or dropped again; the buffer and the device reference
        // are moved out exactly once.
        unsafe {
            core::ptr::drop_in_place(&mut this.dev);
            ManuallyDrop::take(&mut this.skb)
        }
    }
}

impl Drop for MappedSkb {
    fn drop(&mut self) {
        self.unmap_now();
        // SAFETY: the buffer is dropped once, here (`unmap` forgets `self`).
        unsafe { ManuallyDrop::drop(&mut self.skb) };
    }
}
