// SPDX-License-Identifier: GPL-2.0

//! Direct memory access: coherent allocations (descriptor rings) and
//! streaming mappings of packet buffers.
//!
//! C header: [`include/linux/dma-mapping.h`](srctree/include/linux/dma-mapping.h)

use crate::{
    alloc::Flags,
    bindings, device, pci,
    prelude::*,
    sync::Arc,
    transmute::{AsBytes, FromBytes},
    types::ARef,
};
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// The next [`Binding`]'s id: ids are never reused.
static NEXT_BINDING_ID: AtomicU64 = AtomicU64::new(1);

/// The DMA side of one binding of a device to its driver. Every coherent
/// allocation made for the binding holds it, as does every [`Mapper`];
/// a streaming mapping records its id and is undone through a `Mapper`
/// of the same binding. Memory and mappings go back to the DMA API only
/// while the binding lasts.
///
/// The PCI glue makes one before the driver's probe and puts its
/// revocation among the device's managed resources ahead of the driver's
/// own, so that it runs last when the binding ends (after `remove`, or
/// after a failed probe). What is dropped later than that, say a mapping
/// the driver moved into a global, is leaked instead of being unmapped on
/// a device that another driver, or another binding with a new IOMMU
/// domain, may own by then: a leak is safe, an unmap in the wrong domain is
/// not. "While the binding lasts" means until its managed resources are
/// released, as for C's `dmam_*` allocations: the driver core has already
/// dropped the binding's IOMMU ownership claim (`pci_dma_cleanup`) by then,
/// and the device's DMA configuration is still in place.
///
/// # Invariants
///
/// While `alive` is `true`, `dev` is bound by the binding this was made
/// for. `alive` goes `false` once, in [`Binding::revoke`], which then waits
/// for every read-side section that saw it `true`. No two bindings ever
/// made have the same `id`.
pub(crate) struct Binding {
    dev: ARef<device::Device>,
    alive: AtomicBool,
    id: u64,
}

impl Binding {
    /// A binding of `dev`, which the caller is binding now.
    pub(crate) fn new(dev: &device::Device) -> Result<Arc<Self>> {
        Ok(Arc::new(
            Self {
                dev: dev.into(),
                alive: AtomicBool::new(true),
                // INVARIANT: a 64-bit counter does not wrap in practice.
                id: NEXT_BINDING_ID.fetch_add(1, Ordering::Relaxed),
            },
            GFP_KERNEL,
        )?)
    }

    /// The device, if the binding lasts. Read inside a read-side section
    /// that `revoke` waits for, the answer holds until the section ends.
    #[inline]
    fn bound_dev(&self) -> Option<*mut bindings::device> {
        self.alive
            .load(Ordering::Acquire)
            .then(|| self.dev.as_raw())
    }

    /// Runs `f` with the device if the binding lasts, inside an RCU
    /// read-side section: `f` must not sleep.
    #[inline]
    pub(crate) fn with_bound<R>(&self, f: impl FnOnce(*mut bindings::device) -> R) -> Option<R> {
        // SAFETY: always safe to enter a read-side section; left below.
        unsafe { bindings::rcu_read_lock() };
        let ret = self.bound_dev().map(f);
        // SAFETY: leaves the section entered above.
        unsafe { bindings::rcu_read_unlock() };
        ret
    }

    /// As [`Binding::with_bound`], for an `f` that may sleep (called from
    /// process context).
    pub(crate) fn with_bound_may_sleep<R>(
        &self,
        f: impl FnOnce(*mut bindings::device) -> R,
    ) -> Option<R> {
        // SAFETY: always safe to enter a read-side section outside NMI context; left below.
        let idx = unsafe { bindings::rnet_dma_srcu_read_lock() };
        let ret = self.bound_dev().map(f);
        // SAFETY: leaves the section entered above, with its index.
        unsafe { bindings::rnet_dma_srcu_read_unlock(idx) };
        ret
    }

    /// Ends the binding's DMA: from now on nothing is unmapped or freed,
    /// and every unmap or free under way has finished when this returns.
    /// Process context.
    pub(crate) fn revoke(&self) {
        self.alive.store(false, Ordering::Release);
        // SAFETY: process context (the device's managed resources are released from it).
        unsafe {
            bindings::synchronize_rcu();
            bindings::rnet_dma_synchronize_srcu();
        }
    }
}

/// What a driver makes and undoes streaming mappings through: one
/// reference to its device's binding, held by the structure that holds
/// the mappings (a ring), so that no mapping holds a reference of its own
/// (no shared counter touched per packet).
///
/// A mapping remembers the binding it was made for by its id, and is
/// undone only through a `Mapper` of the same binding, while that binding
/// lasts. A mapping dropped without being undone through its `Mapper` is
/// leaked with its buffer, as after the binding's end: nothing proves the
/// device is done with it. So a structure that holds mappings undoes them
/// in its `Drop`, with the `Mapper` it holds.
#[derive(Clone)]
pub struct Mapper {
    binding: Arc<Binding>,
}

impl Mapper {
    /// A mapper for `dev`'s current binding.
    pub fn new(dev: &pci::Device<pci::Bound>) -> Self {
        Self {
            binding: dev.dma_binding().clone(),
        }
    }

    /// The id of the binding mappings made through `self` belong to.
    #[inline]
    pub(crate) fn id(&self) -> u64 {
        self.binding.id
    }

    /// Runs `f` with the device if the binding lasts, inside an RCU
    /// read-side section: `f` must not sleep.
    #[inline]
    pub(crate) fn with_bound<R>(&self, f: impl FnOnce(*mut bindings::device) -> R) -> Option<R> {
        self.binding.with_bound(f)
    }

    /// As [`Mapper::with_bound`], for a mapping that records `id`: `None`
    /// also if the mapping was made for another binding.
    #[inline]
    pub(crate) fn with_bound_for<R>(
        &self,
        id: u64,
        f: impl FnOnce(*mut bindings::device) -> R,
    ) -> Option<R> {
        if id != self.binding.id {
            return None;
        }
        self.binding.with_bound(f)
    }
}

/// Orders the CPU's reads of DMA memory: what a device wrote (e.g. a
/// descriptor's status) is read before what depends on it.
#[inline]
pub fn rmb() {
    // SAFETY: a barrier, no precondition.
    unsafe { bindings::dma_rmb() }
}

/// Orders the CPU's writes to DMA memory before later writes.
#[inline]
pub fn wmb() {
    // SAFETY: a barrier, no precondition.
    unsafe { bindings::dma_wmb() }
}

/// A coherent DMA allocation of `count` elements of `T`, shared with a
/// device, freed on drop.
///
/// Elements are read and written with volatile accesses, one element at a
/// time, because the device may change the memory at any moment. The type
/// is `Send` but not `Sync`: CPUs sharing it go through a lock.
///
/// The memory is given back when the allocation is dropped while the
/// binding it was made for lasts; dropped later, it is leaked (see
/// `Binding`). The device must stop using the memory before the
/// allocation is dropped (for a ring: the device's DMA engine halted),
/// which types cannot express: a device writing after the free corrupts
/// whatever reuses the pages. That contract stays with the driver, as in C.
///
/// # Invariants
///
/// `cpu_addr` points to `count` elements of `T` allocated with
/// `dma_alloc_coherent` for `binding`'s device, at bus address
/// `dma_handle`, and not freed while `self` lives.
pub struct CoherentAllocation<T: FromBytes + AsBytes> {
    binding: Arc<Binding>,
    dma_handle: bindings::dma_addr_t,
    count: usize,
    cpu_addr: *mut T,
}

impl<T: FromBytes + AsBytes> CoherentAllocation<T> {
    /// Allocates `count` zeroed elements for `dev`, which must be bound
    /// (the DMA configuration belongs to the binding).
    pub fn alloc_zeroed(dev: &pci::Device<pci::Bound>, count: usize, gfp: Flags) -> Result<Self> {
        let binding = dev.dma_binding().clone();
        let dev = dev.as_dev();
        let size = core::mem::size_of::<T>().checked_mul(count).ok_or(ENOMEM)?;
        if size == 0 {
            return Err(EINVAL);
        }
        let mut dma_handle = 0;
        // SAFETY: `dev` is a valid device; `dma_handle` is valid for writes.
        let cpu_addr = unsafe {
            bindings::dma_alloc_coherent(
                dev.as_raw(),
                size,
                &mut dma_handle,
                (gfp | __GFP_ZERO).as_raw(),
            )
        };
        if cpu_addr.is_null() {
            return Err(ENOMEM);
        }
        // INVARIANT: just allocated, for the device of the binding `dev` is in.
        Ok(Self {
            binding,
            dma_handle,
            count,
            cpu_addr: cpu_addr.cast(),
        })
    }

    /// The bus address of element 0, for the device.
    pub fn dma_handle(&self) -> u64 {
        self.dma_handle
    }

    /// The number of elements.
    pub fn count(&self) -> usize {
        self.count
    }

    /// The size in bytes.
    pub fn size(&self) -> usize {
        self.count * core::mem::size_of::<T>()
    }

    /// Reads element `i`.
    #[inline]
    pub fn read(&self, i: usize) -> Result<T> {
        if i >= self.count {
            return Err(EINVAL);
        }
        // SAFETY: `i < count`, so the element is inside the allocation; any bit pattern is a
        // valid `T` (`FromBytes`).
        Ok(unsafe { self.cpu_addr.add(i).read_volatile() })
    }

    /// Writes element `i`.
    #[inline]
    pub fn write(&self, i: usize, value: T) -> Result {
        if i >= self.count {
            return Err(EINVAL);
        }
        // SAFETY: `i < count`, so the element is inside the allocation, which only this object
        // writes from the CPU side.
        unsafe { self.cpu_addr.add(i).write_volatile(value) };
        Ok(())
    }
}

impl<T: FromBytes + AsBytes> Drop for CoherentAllocation<T> {
    fn drop(&mut self) {
        let (size, cpu_addr, handle) = (self.size(), self.cpu_addr, self.dma_handle);
        // After the binding: leaked (`Binding`).
        self.binding.with_bound_may_sleep(|dev| {
            // SAFETY: allocated with these parameters for `dev` (type invariant), which is still
            // bound by the same binding.
            unsafe { bindings::dma_free_coherent(dev, size, cpu_addr.cast(), handle) };
        });
    }
}

// SAFETY: the allocation may be used and freed from any thread; accesses are volatile copies.
unsafe impl<T: FromBytes + AsBytes + Send> Send for CoherentAllocation<T> {}
// Not `Sync`: `read` and `write` take `&self`, and two CPUs writing one
// element through shared references would race (volatile accesses order
// the CPU against the device, not CPUs against each other). Share an
// allocation between CPUs inside a lock, which needs only `Send`.

/// The direction of a streaming mapping.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Direction {
    /// The device reads the buffer (transmit).
    ToDevice,
    /// The device writes the buffer (receive).
    FromDevice,
}

impl Direction {
    pub(crate) fn as_raw(self) -> bindings::dma_data_direction {
        match self {
            Self::ToDevice => bindings::dma_data_direction_DMA_TO_DEVICE,
            Self::FromDevice => bindings::dma_data_direction_DMA_FROM_DEVICE,
        }
    }
}
