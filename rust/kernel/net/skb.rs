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
//!
//! Bytes are never exposed uninitialised: [`SkBuff::put`] zeroes what it
//! adds, and the area a device may write ([`Direction::FromDevice`]) is
//! zeroed when it is mapped, so whatever the device did or did not write,
//! the CPU reads initialised memory. The data of a cloned buffer is shared
//! with its clones (TCP keeps the original in its retransmit queue): no
//! function here writes packet bytes of a cloned buffer, or lends it to a
//! device for writing.

use crate::{
    bindings,
    dma::{Direction, Mapper},
    error::to_result,
    prelude::*,
};
use core::{
    mem::ManuallyDrop,
    ptr::NonNull,
    sync::atomic::{AtomicBool, Ordering::Relaxed},
};

/// Says once for each kind (`transmit`: a [`TxMapping`]; otherwise a
/// [`MappedSkb`]) that a mapping was dropped without being undone (a driver
/// bug: its buffer is leaked, see [`Mapper`]).
#[cold]
fn dropped_mapped(transmit: bool) {
    static SAID: [AtomicBool; 2] = [AtomicBool::new(false), AtomicBool::new(false)];
    if !SAID[usize::from(transmit)].swap(true, Relaxed) {
        if transmit {
            pr_warn!("a DMA-mapped transmit buffer was dropped without unmapping: leaked\n");
        } else {
            pr_warn!("a DMA-mapped buffer was dropped without unmapping: leaked\n");
        }
    }
}

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
/// `self.0` points to a valid `sk_buff`; this value owns one reference to
/// it. Usually the only one; a buffer `start_xmit` gets may have more
/// (pktgen's), so every operation that would expand or write the buffer
/// refuses a shared one (`EBUSY`).
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
    #[inline]
    pub(crate) unsafe fn from_raw(ptr: *mut bindings::sk_buff) -> Option<Self> {
        NonNull::new(ptr).map(Self)
    }

    /// Gives up ownership.
    #[inline]
    pub(crate) fn into_raw(self) -> *mut bindings::sk_buff {
        ManuallyDrop::new(self).0.as_ptr()
    }

    /// The buffer, for reads by other abstractions.
    #[inline]
    pub(crate) fn raw(&self) -> *mut bindings::sk_buff {
        self.0.as_ptr()
    }

    /// The buffer, still owned by `self`.
    #[inline]
    pub(crate) fn as_raw(&mut self) -> *mut bindings::sk_buff {
        self.0.as_ptr()
    }

    /// The length of the whole packet.
    #[inline]
    pub fn len(&self) -> u32 {
        // SAFETY: valid (type invariant).
        unsafe { (*self.raw()).len }
    }

    /// Whether the packet is empty.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The length of the linear part.
    #[inline]
    pub fn headlen(&self) -> u32 {
        // SAFETY: valid (type invariant).
        unsafe { bindings::skb_headlen(self.raw()) }
    }

    /// Whether part of the packet is in page fragments.
    #[inline]
    pub fn is_nonlinear(&self) -> bool {
        // SAFETY: valid (type invariant).
        unsafe { bindings::skb_is_nonlinear(self.raw()) }
    }

    /// The linear part of the packet.
    #[inline]
    pub fn data(&self) -> &[u8] {
        // SAFETY: `data` points to `headlen` initialised bytes owned by the buffer.
        unsafe { core::slice::from_raw_parts((*self.raw()).data, self.headlen() as usize) }
    }

    /// Allocates a linear buffer with room for `len` bytes and no data
    /// (`alloc_skb`).
    ///
    /// # Examples
    ///
    /// ```
    /// use kernel::net::skb::SkBuff;
    ///
    /// // A buffer full of ones, trimmed back to nothing: its memory still
    /// // holds the ones.
    /// let mut skb = SkBuff::alloc(64, GFP_KERNEL)?;
    /// skb.put_data(&[0xff; 64])?;
    /// skb.trim(0)?;
    /// assert_eq!(skb.len(), 0);
    /// // `put` adds zeroed bytes, never what the memory held before.
    /// skb.put(16)?;
    /// assert_eq!(skb.data(), &[0u8; 16]);
    /// skb.put_data(&[1, 2, 3])?;
    /// assert_eq!(skb.len(), 19);
    /// assert_eq!(&skb.data()[16..], &[1, 2, 3]);
    /// // No room for more than was allocated (rounded up by the allocator).
    /// assert!(skb.put(1 << 20).is_err());
    ///
    /// // A clone shares the data: neither side may write it any more.
    /// let clone = skb.try_clone(GFP_KERNEL)?;
    /// assert!(skb.is_cloned() && clone.is_cloned());
    /// assert_eq!(skb.put(1), Err(EBUSY));
    /// assert_eq!(skb.put_data(&[4]), Err(EBUSY));
    /// drop(clone);
    /// assert!(!skb.is_cloned());
    /// skb.put_data(&[4])?;
    ///
    /// // A received buffer was not asked for a checksum: nothing to help.
    /// assert_eq!(skb.checksum_partial(), None);
    /// assert_eq!(skb.checksum_help(), Err(EINVAL));
    /// assert_eq!(&skb.data()[16..], &[1, 2, 3, 4]);
    ///
    /// // A checksum that starts before the data (its headers pulled since)
    /// // is refused, not summed from a huge offset.
    /// skb.set_partial_checksum(0, 2)?;
    /// skb.pull(4)?;
    /// assert_eq!(skb.checksum_help(), Err(EINVAL));
    /// assert_eq!(skb.pull(64), Err(EINVAL));
    ///
    /// // A segmentation offload buffer is refused too (segmentation sums
    /// // each segment), not warned about.
    /// let mut gso = SkBuff::alloc(128, GFP_KERNEL)?;
    /// gso.put(100)?;
    /// gso.set_partial_checksum(20, 16)?;
    /// let clone = gso.try_clone(GFP_KERNEL)?;
    /// // SAFETY: neither `gso` nor its clone goes to the stack or a device.
    /// assert_eq!(unsafe { gso.mark_tcp_gso(1448) }, Err(EBUSY));
    /// drop(clone);
    /// // SAFETY: as above.
    /// unsafe { gso.mark_tcp_gso(1448) }?;
    /// assert!(gso.tcp_gso().is_some());
    /// assert_eq!(gso.checksum_help(), Err(EINVAL));
    /// assert_eq!(gso.set_partial_checksum(20, 16), Err(EINVAL));
    /// drop(gso);
    ///
    /// // Padding is bounded: `skb_pad` takes an `int`.
    /// assert_eq!(skb.pad_to(u32::MAX).err(), Some(EINVAL));
    /// let short = SkBuff::alloc(64, GFP_KERNEL)?;
    /// let padded = short.pad_to(60)?;
    /// assert_eq!(padded.len(), 0);
    /// # Ok::<(), Error>(())
    /// ```
    pub fn alloc(len: u32, gfp: crate::alloc::Flags) -> Result<Self> {
        // SAFETY: no precondition.
        let skb = unsafe { bindings::alloc_skb(len, gfp.as_raw()) };
        // SAFETY: a new buffer we own, or null.
        unsafe { Self::from_raw(skb) }.ok_or(ENOMEM)
    }

    /// A clone (`skb_clone`): a new `sk_buff` sharing this one's data. Both
    /// become read-only as far as packet bytes go, until the other is gone.
    pub fn try_clone(&self, gfp: crate::alloc::Flags) -> Result<Self> {
        // SAFETY: valid (type invariant); `skb_clone` only takes a reference to the data.
        let skb = unsafe { bindings::skb_clone(self.raw(), gfp.as_raw()) };
        // SAFETY: a new `sk_buff` we own, or null.
        unsafe { Self::from_raw(skb) }.ok_or(ENOMEM)
    }

    /// Whether the data is shared with a clone (`skb_cloned`).
    #[inline]
    pub fn is_cloned(&self) -> bool {
        // SAFETY: valid (type invariant).
        unsafe { bindings::skb_cloned(self.raw()) }
    }

    /// Room left after the linear data.
    #[inline]
    fn tailroom(&self) -> usize {
        // SAFETY: valid (type invariant); `end` and `tail` are offsets on 64-bit kernels.
        let (end, tail) = unsafe { ((*self.raw()).end as usize, (*self.raw()).tail as usize) };
        end.saturating_sub(tail)
    }

    /// Whether another holder has a reference to this `sk_buff`
    /// (`skb_shared`).
    #[inline]
    pub fn is_shared(&self) -> bool {
        // SAFETY: valid (type invariant).
        unsafe { bindings::rnet_skb_shared(self.raw()) }
    }

    /// Checks that `len` more bytes fit at the tail of a linear, unshared
    /// buffer.
    #[inline]
    fn tail_writable(&self, len: usize) -> Result {
        if self.is_cloned() || self.is_shared() {
            return Err(EBUSY);
        }
        if self.is_nonlinear() || len > self.tailroom() {
            return Err(EINVAL);
        }
        Ok(())
    }

    /// Grows the linear data by `len` zeroed bytes at the tail
    /// (`skb_put_zero`). Fails with `EBUSY` on a cloned buffer and `EINVAL`
    /// without room.
    #[inline]
    pub fn put(&mut self, len: u32) -> Result {
        self.tail_writable(len as usize)?;
        // SAFETY: linear, not shared, with enough tailroom (checked above).
        unsafe { bindings::skb_put_zero(self.raw(), len) };
        Ok(())
    }

    /// Appends `bytes` to the linear data (`skb_put_data`). Fails as
    /// [`Self::put`] does.
    #[inline]
    pub fn put_data(&mut self, bytes: &[u8]) -> Result {
        self.tail_writable(bytes.len())?;
        // CAST: at most the tailroom, which fits in `u32`.
        let len = bytes.len() as u32;
        // SAFETY: linear, not shared, with room for `bytes` (checked above); `bytes` is valid
        // for reads of `len` bytes.
        unsafe { bindings::skb_put_data(self.raw(), bytes.as_ptr().cast(), len) };
        Ok(())
    }

    /// Shortens the packet to its first `len` bytes (`skb_trim`), e.g. to
    /// drop a trailer; a packet not longer is left as it is. `EINVAL` for a
    /// non-linear buffer (`skb_trim` cuts linear data only), `EBUSY` if
    /// another holder shares the `sk_buff`. The bytes cut off stay in the
    /// buffer's memory; a later [`Self::put`] zeroes them.
    #[inline]
    pub fn trim(&mut self, len: u32) -> Result {
        if self.is_shared() {
            return Err(EBUSY);
        }
        if self.is_nonlinear() {
            return Err(EINVAL);
        }
        // SAFETY: valid, owned and linear (type invariant, checked above); only the length and
        // the tail move back, never past the data.
        unsafe { bindings::skb_trim(self.raw(), len) };
        Ok(())
    }

    /// Removes `len` bytes from the start of the linear data (`skb_pull`),
    /// e.g. a header that was read. `EINVAL` if the linear data is shorter.
    #[inline]
    pub fn pull(&mut self, len: u32) -> Result {
        if self.is_shared() {
            return Err(EBUSY);
        }
        if len > self.headlen() {
            return Err(EINVAL);
        }
        // SAFETY: valid and owned (type invariant); `len` is within the linear data, so only
        // the data pointer and lengths move.
        unsafe { bindings::skb_pull(self.raw(), len) };
        Ok(())
    }

    /// Makes sure the buffer's memory holds at least `len` bytes of packet,
    /// the bytes past the packet's end zeroed (`skb_padto`), for a device
    /// that sends short frames padded to `len`. The packet's length
    /// ([`Self::len`]) does not change. At most [`MAX_PAD`] bytes past the
    /// current length (`EINVAL`): `skb_pad` takes an `int`. On error the
    /// buffer has been freed (as `skb_padto` does).
    #[inline]
    pub fn pad_to(self, len: u32) -> Result<Self> {
        if len.saturating_sub(self.len()) > MAX_PAD {
            self.drop_with(DropReason::NotSpecified);
            return Err(EINVAL);
        }
        if len > self.len() && self.is_shared() {
            // `skb_pad` may expand the head, which another holder's buffer
            // must not be.
            self.drop_with(DropReason::NotSpecified);
            return Err(EBUSY);
        }
        let raw = self.into_raw();
        // SAFETY: we own `raw`; `skb_padto` frees it on error and keeps it otherwise.
        if unsafe { bindings::skb_padto(raw, len) } != 0 {
            return Err(ENOMEM);
        }
        // SAFETY: still owned on success.
        unsafe { Self::from_raw(raw) }.ok_or(ENOMEM)
    }

    /// Whether the stack asked the device to compute the transport checksum
    /// (`CHECKSUM_PARTIAL`); if so, where, and whether the transport is TCP.
    /// Only such a buffer has network and transport headers the stack set
    /// for the device, so only such a buffer's headers are read.
    #[inline]
    pub fn checksum_partial(&self) -> Option<CsumRequest> {
        let (mut start, mut offset, mut tcp) = (0u32, 0u32, false);
        // SAFETY: valid (type invariant); the out-pointers are valid for writes; the helper
        // reads the headers only of a `CHECKSUM_PARTIAL` buffer.
        let partial = unsafe {
            bindings::rnet_skb_csum_partial(self.raw(), &mut start, &mut offset, &mut tcp)
        };
        partial.then_some(CsumRequest { start, offset, tcp })
    }

    /// Asks for the transport checksum to be inserted on transmit
    /// (`CHECKSUM_PARTIAL`): summed from `start` bytes into the data to the
    /// end, stored `offset` bytes after `start`. `EINVAL` unless both lie in
    /// the linear data (`skb_partial_csum_set`, made for untrusted input),
    /// and for a segmentation offload buffer, whose transport header (which
    /// this moves) segmentation writes through.
    pub fn set_partial_checksum(&mut self, start: u16, offset: u16) -> Result {
        if self.is_shared() {
            return Err(EBUSY);
        }
        // SAFETY: valid (type invariant).
        if unsafe { bindings::skb_is_gso(self.raw()) } {
            return Err(EINVAL);
        }
        // SAFETY: valid and owned (type invariant); the C function checks the offsets against
        // the linear data and changes only the buffer's metadata.
        if unsafe { bindings::skb_partial_csum_set(self.raw(), start, offset) } {
            Ok(())
        } else {
            Err(EINVAL)
        }
    }

    /// Computes a `CHECKSUM_PARTIAL` packet's checksum in software, for a
    /// packet the device cannot checksum. Fails with `EINVAL` for any other
    /// buffer (a received one, say), for a segmentation offload buffer
    /// (segmentation computes the checksums), and for a checksum start or
    /// field outside the linear data; it leaves the bytes of a refused
    /// buffer alone.
    #[inline]
    pub fn checksum_help(&mut self) -> Result {
        // SAFETY: valid and owned (type invariant); the helper refuses a buffer that is not
        // `CHECKSUM_PARTIAL`, and `skb_checksum_help` unshares a cloned one before writing.
        to_result(unsafe { bindings::rnet_skb_checksum_help(self.raw()) })
    }

    /// The number of page fragments after the linear part.
    #[inline]
    pub fn nr_frags(&self) -> u32 {
        // SAFETY: valid (type invariant).
        unsafe { bindings::rnet_skb_nr_frags(self.raw()) }
    }

    /// The segmentation the stack asks for, if this is a TCP segmentation
    /// offload buffer.
    #[inline]
    pub fn tcp_gso(&self) -> Option<TcpGso> {
        let (mut mss, mut segs, mut ipv4) = (0u32, 0u32, false);
        // SAFETY: valid (type invariant); the out-pointers are valid for writes.
        let gso = unsafe { bindings::rnet_skb_tcp_gso(self.raw(), &mut mss, &mut segs, &mut ipv4) };
        gso.then_some(TcpGso { mss, segs, ipv4 })
    }

    /// Marks the buffer as a TCPv4 segmentation offload buffer of
    /// `mss`-byte segments, whatever it holds: for tests of what must refuse
    /// one (see [`SkBuff::alloc`]'s example). `EINVAL` for an `mss` of 0,
    /// `EBUSY` for a cloned or shared buffer (the fields written are shared
    /// with every clone).
    ///
    /// # Safety
    ///
    /// Neither the buffer nor any clone of it is given to the stack or a
    /// device afterwards (no `dma_map_tx` or `dma_map`, no
    /// [`NetdevTx::Busy`](super::dev::NetdevTx::Busy), no receive), which
    /// would segment it by headers it may not have; the other methods may
    /// be used, and it may be dropped.
    #[doc(hidden)]
    pub unsafe fn mark_tcp_gso(&mut self, mss: u16) -> Result {
        // SAFETY: valid and owned (type invariant); the helper writes the shared info's
        // segmentation fields only if no other holder can see them (not cloned, not shared),
        // and the caller keeps them from being acted on.
        to_result(unsafe { bindings::rnet_skb_mark_tcp_gso(self.as_raw(), mss) })
    }

    /// Prepares a TCP segmentation offload buffer's headers for the device
    /// (the IPv4 length and checksum cleared, the TCP checksum seeded with
    /// the pseudo-header sum) and returns where they are. The buffer must be
    /// one for which [`Self::tcp_gso`] is `Some`.
    pub fn tso_prepare(&mut self) -> Result<TsoHeaders> {
        if self.tcp_gso().is_none() {
            return Err(EINVAL);
        }
        let (mut network, mut transport, mut len) = (0u32, 0u32, 0u32);
        // SAFETY: valid and owned (type invariant), a TCP GSO buffer (checked above); the
        // out-pointers are valid for writes.
        to_result(unsafe {
            bindings::rnet_skb_tso_prepare(self.raw(), &mut network, &mut transport, &mut len)
        })?;
        Ok(TsoHeaders {
            network,
            transport,
            len,
        })
    }

    /// Maps the whole packet, linear part and page fragments, for the
    /// device of `mapper`'s binding to read. The fragments' addresses go in a
    /// table from `pool` (allocated here, atomically, only if the pool is
    /// empty). On error the buffer is dropped (`ENODEV` once the binding
    /// ended).
    pub fn dma_map_tx(self, mapper: &Mapper, pool: &mut TxFragPool) -> Result<TxMapping> {
        let frags = self.nr_frags() as usize;
        // SAFETY: valid (type invariant).
        let frag_list = unsafe { bindings::skb_has_frag_list(self.raw()) };
        // A chain of further buffers (`frag_list`) is not mapped: refuse it
        // rather than send part of the packet.
        if frags + 1 > MAX_TX_SEGS || frag_list {
            self.drop_with(DropReason::DevReady);
            return Err(EINVAL);
        }
        // Only a packet with page fragments needs room for their mappings.
        let frag_segs = if frags > 0 {
            match pool.take() {
                Some(b) => Some(b),
                None => match KBox::new(FragSegs::EMPTY, GFP_ATOMIC) {
                    Ok(b) => Some(b),
                    Err(_) => {
                        self.drop_with(DropReason::NoMem);
                        return Err(ENOMEM);
                    }
                },
            }
        } else {
            None
        };
        // Nothing is mapped yet (`head.len == 0`, `n == 0`).
        let mut m = TxMapping {
            skb: ManuallyDrop::new(self),
            binding: mapper.id(),
            head: TxSeg::default(),
            frags: frag_segs,
        };
        let err = match mapper.with_bound(|dev| m.map_all(dev, frags)) {
            // INVARIANT: `head` and `frags` hold the mappings `map_all` made, for the device of
            // the binding `mapper` is for.
            Some(true) => return Ok(m),
            Some(false) => ENOMEM,
            None => ENODEV,
        };
        // `map_all` undid what it mapped, or never ran.
        m.release(pool).drop_with(DropReason::DevReady);
        Err(err)
    }

    /// Tells the stack the device verified the transport checksum.
    #[inline]
    pub fn set_checksum_unnecessary(&mut self) {
        // SAFETY: valid and owned (type invariant).
        unsafe { bindings::rnet_skb_set_csum_unnecessary(self.raw()) };
    }

    /// Frees the buffer after a successful transmission.
    #[inline]
    pub fn consume(self) {
        // SAFETY: owned; valid in any context.
        unsafe { bindings::dev_consume_skb_any(self.into_raw()) };
    }

    /// Frees the buffer as dropped, with `reason`.
    #[inline]
    pub fn drop_with(self, reason: DropReason) {
        // SAFETY: owned; valid in any context.
        unsafe { bindings::dev_kfree_skb_any_reason(self.into_raw(), reason.as_raw()) };
    }

    /// Lends `len` bytes from the start of the data to the device of
    /// `mapper`'s binding through a streaming DMA mapping. For
    /// [`Direction::FromDevice`] the buffer must be an empty, linear,
    /// unshared receive buffer and the bytes are its tailroom, zeroed here;
    /// for [`Direction::ToDevice`] `len` must not exceed the linear data. On
    /// error the buffer is dropped (`ENODEV` once the binding ended).
    pub fn dma_map(self, mapper: &Mapper, len: u32, dir: Direction) -> Result<MappedSkb> {
        let room = match dir {
            Direction::ToDevice => self.headlen() as usize,
            // The device must not write into data a clone shares.
            Direction::FromDevice if self.is_cloned() || self.is_shared() => {
                self.drop_with(DropReason::DevReady);
                return Err(EBUSY);
            }
            Direction::FromDevice if self.is_empty() => self.tailroom(),
            Direction::FromDevice => 0,
        };
        if len as usize > room || len == 0 {
            self.drop_with(DropReason::DevReady);
            return Err(EINVAL);
        }
        // SAFETY: valid (type invariant).
        let data = unsafe { (*self.raw()).data };
        if dir == Direction::FromDevice {
            // SAFETY: `data..data + len` is the tailroom of a buffer we own alone (checked
            // above). Zeroed so that the CPU never reads bytes nobody wrote, whatever the device
            // writes.
            unsafe { core::ptr::write_bytes(data, 0, len as usize) };
        }
        let mapped = mapper.with_bound(|dev| {
            // SAFETY: `data..data + len` lies in the buffer (checked above); the buffer stays
            // alive and untouched by the CPU until unmapped, because `MappedSkb` owns it.
            let addr =
                unsafe { bindings::dma_map_single(dev, data.cast(), len as usize, dir.as_raw()) };
            // SAFETY: `addr` was just returned for `dev`.
            (unsafe { bindings::dma_mapping_error(dev, addr) } == 0).then_some(addr)
        });
        let addr = match mapped {
            Some(Some(addr)) => addr,
            failed => {
                self.drop_with(DropReason::DevReady);
                return Err(if failed.is_none() { ENODEV } else { ENOMEM });
            }
        };
        // INVARIANT: mapped just now for the device of `mapper`'s binding, and the buffer moves
        // into the mapping.
        Ok(MappedSkb {
            skb: ManuallyDrop::new(self),
            binding: mapper.id(),
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
/// The mapping is undone by `unmap` or `unmap_filled`, through the
/// [`Mapper`] it was made with (or one of the same binding), while the
/// binding lasts. After the binding, or when dropped without being undone
/// (a driver bug, said once in the log), it is left in place and so is
/// the buffer: it is leaked, never handed back to the CPU or freed, as
/// [`crate::dma::CoherentAllocation`] leaks its memory, since nothing
/// proves the device stopped using it (the binding's end turns bus
/// mastering off, but a device may be quirky, and another binding may turn
/// it on again).
///
/// # Invariants
///
/// `len` bytes from `skb`'s data are mapped for the device of the binding
/// whose id is `binding`, at `addr` in direction `dir`, until undone.
pub struct MappedSkb {
    skb: ManuallyDrop<SkBuff>,
    binding: u64,
    addr: bindings::dma_addr_t,
    len: u32,
    dir: Direction,
}

impl MappedSkb {
    /// The bus address for the device.
    #[inline]
    pub fn dma_addr(&self) -> u64 {
        self.addr
    }

    /// The mapped length.
    #[inline]
    pub fn len(&self) -> u32 {
        self.len
    }

    /// Whether the mapping is empty (never: mapping checks `len > 0`).
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Copies the first `len` bytes the device wrote into the buffer to the
    /// end of `dst`'s linear data, leaving the buffer mapped for the device
    /// to use again (receive copybreak). The caller passes a buffer the
    /// device is done with (its descriptor written back); should the device
    /// still be writing, or have written fewer bytes, the copy may hold stale
    /// bytes or the zeroes of [`SkBuff::dma_map`], never uninitialised
    /// memory; the memory is copied by C without a Rust reference to it.
    /// Fails with `EBUSY` if `dst` is cloned, `ENODEV` once the binding the
    /// mapping was made for has ended or if `mapper` is another binding's.
    pub fn copy_into(&self, mapper: &Mapper, dst: &mut SkBuff, len: u32) -> Result {
        if self.dir != Direction::FromDevice || len > self.len {
            return Err(EINVAL);
        }
        dst.tail_writable(len as usize)?;
        let (addr, dir, src) = (self.addr, self.dir.as_raw(), self.skb.raw());
        let dst = dst.as_raw();
        mapper
            .with_bound_for(self.binding, |dev| {
                // SAFETY: `addr..addr + len` lies in the mapping for `dev`, bound by the binding
                // it was made in (type invariant, `len` checked).
                unsafe { bindings::dma_sync_single_for_cpu(dev, addr, len as usize, dir) };
                // SAFETY: the source is `len` bytes of the mapped buffer, which `self` keeps
                // alive; `dst` is owned, linear and has `len` bytes of tailroom (checked above).
                unsafe { bindings::skb_put_data(dst, (*src).data.cast(), len) };
                // SAFETY: as for the sync above; the device may use the bytes again.
                unsafe { bindings::dma_sync_single_for_device(dev, addr, len as usize, dir) };
            })
            .ok_or(ENODEV)
    }

    /// Ends a [`Direction::FromDevice`] mapping of a buffer the device
    /// filled with a `len`-byte frame and gives the buffer back with those
    /// `len` bytes as its data. The bytes are initialised whatever the device
    /// wrote: the mapped area was zeroed when it was mapped. On error (not a
    /// receive mapping, or `len` larger than it) the buffer is dropped;
    /// `ENODEV` as for [`MappedSkb::unmap`].
    pub fn unmap_filled(self, mapper: &Mapper, len: u32) -> Result<SkBuff> {
        let ok = self.dir == Direction::FromDevice && len <= self.len;
        let mut skb = self.unmap(mapper)?;
        if !ok {
            skb.drop_with(DropReason::DevReady);
            return Err(EINVAL);
        }
        // SAFETY: the buffer was empty, linear and unshared when mapped (checked by `dma_map`),
        // nothing else could reach it since, and `len` is within the mapped tailroom, whose bytes
        // are initialised (zeroed at mapping, then written by the device).
        unsafe { bindings::skb_put(skb.as_raw(), len) };
        Ok(skb)
    }

    /// Ends the mapping and gives the buffer back to the CPU. `ENODEV`
    /// once the binding the mapping was made for ended, or if `mapper` is
    /// another binding's: the buffer is leaked with its mapping.
    #[inline]
    pub fn unmap(self, mapper: &Mapper) -> Result<SkBuff> {
        let mut this = ManuallyDrop::new(self);
        let (addr, len, dir) = (this.addr, this.len as usize, this.dir.as_raw());
        let unmapped = mapper.with_bound_for(this.binding, |dev| {
            // SAFETY: mapped with these parameters for `dev`, bound by the same binding (type
            // invariant); `self` is consumed, so this runs once.
            unsafe { bindings::dma_unmap_single(dev, addr, len, dir) };
        });
        if unmapped.is_none() {
            // The buffer stays with the device: `this.skb` is never dropped.
            return Err(ENODEV);
        }
        // SAFETY: `this` is never used or dropped again; the buffer is moved out exactly once.
        Ok(unsafe { ManuallyDrop::take(&mut this.skb) })
    }
}

impl Drop for MappedSkb {
    fn drop(&mut self) {
        // Not undone through its `Mapper`: the buffer is leaked with its
        // mapping (see the type's docs).
        dropped_mapped(false);
    }
}

/// The most bytes [`SkBuff::pad_to`] adds: an IP datagram's largest size.
pub const MAX_PAD: u32 = 65535;

/// The most DMA segments of one transmitted packet: the linear part and
/// every page fragment.
pub const MAX_TX_SEGS: usize = bindings::MAX_SKB_FRAGS as usize + 1;

/// Where the stack asks the device to insert a transport checksum
/// ([`SkBuff::checksum_partial`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CsumRequest {
    /// Where the summed bytes start, from the start of the data.
    pub start: u32,
    /// Where the checksum goes, from `start`.
    pub offset: u32,
    /// Whether the transport is TCP (else UDP or another).
    pub tcp: bool,
}

/// What the stack asks of a TCP segmentation offload buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TcpGso {
    /// Payload bytes per segment.
    pub mss: u32,
    /// Segments the packet becomes on the wire.
    pub segs: u32,
    /// IPv4 (else IPv6).
    pub ipv4: bool,
}

/// Where a prepared segmentation offload buffer's headers are, in bytes
/// from the start of the data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TsoHeaders {
    /// The network (IP) header.
    pub network: u32,
    /// The transport (TCP) header.
    pub transport: u32,
    /// The length of all headers, Ethernet to TCP options.
    pub len: u32,
}

/// One DMA segment of a transmitted packet.
#[derive(Clone, Copy, Default, Debug)]
pub struct TxSeg {
    /// Bus address.
    pub addr: u64,
    /// Length in bytes.
    pub len: u32,
}

/// The mappings of a packet's page fragments: `segs[..n]`.
struct FragSegs {
    n: usize,
    segs: [TxSeg; MAX_TX_SEGS - 1],
}

impl FragSegs {
    const EMPTY: Self = Self {
        n: 0,
        segs: [TxSeg { addr: 0, len: 0 }; MAX_TX_SEGS - 1],
    };

    /// The fragment mappings made so far.
    #[inline]
    fn mapped(&self) -> &[TxSeg] {
        self.segs.get(..self.n).unwrap_or(&[])
    }
}

/// Tables for the addresses of transmitted packets' page fragments,
/// allocated ahead (one per ring slot, say, as the C driver keeps a
/// `buffer_info` per descriptor), so that mapping a packet with fragments
/// allocates nothing in the transmit path. [`SkBuff::dma_map_tx`] takes a
/// table from the pool and [`TxMapping::unmap`] gives it back.
///
/// # Invariants
///
/// `tables[..free]` are `Some`, the rest `None`.
pub struct TxFragPool {
    tables: KVVec<Option<KBox<FragSegs>>>,
    free: usize,
}

impl TxFragPool {
    /// A pool of `n` tables. Its table of tables may be in vmalloc memory
    /// (past a page, with flags that may sleep), which `vfree` gives back:
    /// drop the pool where sleeping is allowed or in softirq (where
    /// `vfree` defers), not under a spinlock in process context.
    pub fn new(n: usize, gfp: crate::alloc::Flags) -> Result<Self> {
        let mut tables = KVVec::with_capacity(n, gfp)?;
        for _ in 0..n {
            tables.push(Some(KBox::new(FragSegs::EMPTY, gfp)?), gfp)?;
        }
        // INVARIANT: all `n` tables are there.
        Ok(Self { tables, free: n })
    }

    #[inline]
    fn take(&mut self) -> Option<KBox<FragSegs>> {
        let i = self.free.checked_sub(1)?;
        let t = self.tables.get_mut(i)?.take();
        // INVARIANT: slot `i`, the last `Some`, is `None` now.
        self.free = i;
        t
    }

    #[inline]
    fn give(&mut self, mut t: KBox<FragSegs>) {
        t.n = 0;
        if let Some(slot) = self.tables.get_mut(self.free) {
            *slot = Some(t);
            // INVARIANT: slot `free` was the first `None`.
            self.free += 1;
        }
        // A full pool (tables allocated when it ran dry) frees the table.
    }
}

/// The segments of a [`TxMapping`], in packet order.
pub type TxSegs<'a> = core::iter::Chain<core::slice::Iter<'a, TxSeg>, core::slice::Iter<'a, TxSeg>>;

/// A packet lent to a device for transmission: its linear part and page
/// fragments mapped for the device to read.
///
/// Small on purpose (it is moved into and out of a ring slot for every
/// packet): the linear part's mapping is inline, the fragments' sit in a
/// table from a [`TxFragPool`], taken only for packets that have
/// fragments. As a [`MappedSkb`], it is undone through a [`Mapper`] of its
/// binding, and leaked with its buffer if dropped otherwise.
///
/// # Invariants
///
/// `head` maps the linear part with `dma_map_single` if `head.len > 0` (an
/// empty linear part is not mapped), and `frags`, if any, maps `skb`'s first
/// `n` page fragments in order; all are live mappings in
/// [`Direction::ToDevice`], made for the device of the binding whose id is
/// `binding`. `skb` is owned and not touched by the CPU until every
/// mapping is undone, or left in place (as for [`MappedSkb`]).
pub struct TxMapping {
    skb: ManuallyDrop<SkBuff>,
    binding: u64,
    head: TxSeg,
    frags: Option<KBox<FragSegs>>,
}

impl TxMapping {
    /// The segments, in packet order: the linear part, then the fragments.
    #[inline]
    pub fn segs(&self) -> TxSegs<'_> {
        let head = core::slice::from_ref(&self.head);
        let head = if self.head.len > 0 { head } else { &[] };
        let frags = self.frags.as_deref().map_or(&[][..], FragSegs::mapped);
        Iterator::chain(head.iter(), frags.iter())
    }

    /// The whole packet's length.
    #[inline]
    pub fn len(&self) -> u32 {
        self.skb.len()
    }

    /// Whether the packet is empty.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.skb.is_empty()
    }

    /// Maps the linear part and the first `frags` page fragments for `dev`,
    /// which must be the bound device of the binding `self` records, with
    /// nothing mapped yet. On failure undoes what it mapped and returns
    /// `false`, nothing mapped.
    fn map_all(&mut self, dev: *mut bindings::device, frags: usize) -> bool {
        let headlen = self.skb.headlen();
        if headlen > 0 {
            // SAFETY: valid (type invariant).
            let data = unsafe { (*self.skb.raw()).data };
            // SAFETY: the linear part is `headlen` bytes at `data`; `self` owns the buffer until
            // every mapping is undone.
            let addr = unsafe {
                bindings::dma_map_single(
                    dev,
                    data.cast(),
                    headlen as usize,
                    Direction::ToDevice.as_raw(),
                )
            };
            // SAFETY: `addr` was just returned for `dev`.
            if unsafe { bindings::dma_mapping_error(dev, addr) } != 0 {
                return false;
            }
            self.head = TxSeg { addr, len: headlen };
        }
        let mut failed = false;
        if let Some(table) = self.frags.as_deref_mut() {
            for (i, slot) in table.segs.iter_mut().take(frags).enumerate() {
                let mut len = 0u32;
                // SAFETY: `i` is below `nr_frags` of the valid, owned buffer (the caller's
                // `frags`); `len` is valid for writes. CAST: `i` is below `MAX_SKB_FRAGS`.
                let addr = unsafe {
                    bindings::rnet_skb_frag_dma_map(dev, self.skb.raw(), i as u32, &mut len)
                };
                // SAFETY: `addr` was just returned for `dev`.
                if unsafe { bindings::dma_mapping_error(dev, addr) } != 0 {
                    failed = true;
                    break;
                }
                *slot = TxSeg { addr, len };
                table.n = i + 1;
            }
        }
        if failed {
            // SAFETY: what was mapped above, for `dev`, still bound (the caller's section).
            unsafe { Self::unmap_segs(dev, &mut self.head, self.frags.as_deref_mut()) };
            return false;
        }
        true
    }

    /// Undoes the mappings in `head` and `frags` and marks them empty.
    ///
    /// # Safety
    ///
    /// They are live mappings of `TxMapping` for `dev`, which is bound by
    /// the binding they were made in.
    unsafe fn unmap_segs(
        dev: *mut bindings::device,
        head: &mut TxSeg,
        frags: Option<&mut FragSegs>,
    ) {
        let dir = Direction::ToDevice.as_raw();
        let head = core::mem::take(head);
        if head.len > 0 {
            // SAFETY: mapped by `dma_map_single` with these parameters for `dev`, bound by the
            // same binding (function's requirement); taken out of `head`, so unmapped once.
            unsafe { bindings::dma_unmap_single(dev, head.addr, head.len as usize, dir) };
        }
        if let Some(t) = frags {
            for seg in t.mapped() {
                // SAFETY: a live page fragment mapping for `dev` in `ToDevice` (function's
                // requirement); `n` is cleared below, so it is unmapped once.
                unsafe { bindings::dma_unmap_page_attrs(dev, seg.addr, seg.len as usize, dir, 0) };
            }
            t.n = 0;
        }
    }

    /// Takes the buffer back from a `TxMapping` that holds no live mapping
    /// (none made, or all undone), giving its table to `pool`.
    fn release(self, pool: &mut TxFragPool) -> SkBuff {
        let mut this = ManuallyDrop::new(self);
        // SAFETY: `this` is never used or dropped again; each field is moved out exactly once.
        let (skb, table) = unsafe {
            (
                ManuallyDrop::take(&mut this.skb),
                core::ptr::read(&this.frags),
            )
        };
        if let Some(t) = table {
            pool.give(t);
        }
        skb
    }

    /// Ends the mappings and gives the buffer back to the CPU. `ENODEV`
    /// once the binding the mappings were made for ended, or if `mapper` is
    /// another binding's: the buffer is leaked with them, as
    /// [`MappedSkb::unmap`] does. The fragment table goes back to `pool`.
    #[inline]
    pub fn unmap(mut self, mapper: &Mapper, pool: &mut TxFragPool) -> Result<SkBuff> {
        let (head, frags) = (&mut self.head, self.frags.as_deref_mut());
        let unmapped = mapper.with_bound_for(self.binding, |dev| {
            // SAFETY: live mappings (type invariant) for `dev`, bound by their binding (checked by
            // `with_bound_for`); marked empty by the call.
            unsafe { Self::unmap_segs(dev, head, frags) }
        });
        if unmapped.is_none() {
            // The buffer stays with the device: never dropped. The table
            // only holds addresses, and is freed with `this`.
            let mut this = ManuallyDrop::new(self);
            // SAFETY: `this` is never used or dropped again; the table is dropped once.
            unsafe { core::ptr::drop_in_place(&mut this.frags) };
            return Err(ENODEV);
        }
        // INVARIANT: nothing is mapped any more.
        Ok(self.release(pool))
    }
}

impl Drop for TxMapping {
    fn drop(&mut self) {
        // Not undone through its `Mapper`: the buffer is leaked with its
        // mappings (see `MappedSkb`); the table is freed with `self`.
        dropped_mapped(true);
    }
}
