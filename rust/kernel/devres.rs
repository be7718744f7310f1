// SPDX-License-Identifier: GPL-2.0

//! Resources that live only as long as a device is bound.
//!
//! C header: [`include/linux/device/devres.h`](srctree/include/linux/device/devres.h)
//!
//! A [`Devres`] holds a value (such as a mapped PCI BAR) for a driver and
//! registers with the device's managed resources: when the driver unbinds,
//! the device revokes the value and drops it, even if the driver still holds
//! the `Devres` (say, in data reachable from a net device that outlives
//! `remove`). Afterwards every access through the `Devres` fails instead of
//! touching an unmapped region. Dropping the `Devres` first revokes it then.
//! Whichever of the unbind and the drop comes second waits until the first
//! has dropped the value: once either returns, the value is gone. So an
//! unbind never finishes while a `Devres` dropped on another thread (say, a
//! registered net device dropped from a work item) is still tearing its
//! value down.

use crate::{
    bindings,
    device::Device,
    error::{to_result, Result},
    pci,
    prelude::*,
    revocable::{Revocable, RevocableGuard},
    sync::Arc,
    types::{ARef, Opaque},
};
use core::{
    ffi::c_void,
    sync::atomic::{AtomicPtr, Ordering},
};

#[pin_data]
struct Inner<T> {
    dev: ARef<Device>,
    data: Revocable<T>,
    /// Completed once `data` is revoked and dropped, by whichever of
    /// [`Devres::release`] and [`Devres::drop`] revoked it.
    #[pin]
    dropped: Opaque<bindings::completion>,
    /// The task revoking `data`, once one does (compared, never used).
    revoker: AtomicPtr<bindings::task_struct>,
}

impl<T> Inner<T> {
    /// Revokes `data`, or, if another thread is revoking it, waits until
    /// that thread has dropped it. With `unused`, the caller knows no guard
    /// is in use, and the value is dropped without a grace period.
    fn revoke(&self, unused: bool) {
        // SAFETY: always valid in task context.
        let me = unsafe { bindings::get_current() };
        if self.data.start_revoke() {
            self.revoker.store(me, Ordering::Release);
            if unused {
                // SAFETY: `start_revoke` returned `true` just now; no guard is in use (the
                // caller's word, see `Devres::drop`).
                unsafe { self.data.finish_revoke_unused() };
            } else {
                // SAFETY: `start_revoke` returned `true` just now.
                unsafe { self.data.finish_revoke() };
            }
            // SAFETY: initialised in `Devres::add`; `self` keeps it alive.
            unsafe { bindings::complete_all(self.dropped.get()) };
        } else if self.revoker.load(Ordering::Acquire) != me {
            // SAFETY: as above. The thread that revoked `data` completes it
            // right after dropping the value.
            unsafe { bindings::wait_for_completion(self.dropped.get()) };
        }
        // Otherwise this task is dropping the value further up its stack
        // (the value's own drop dropped this `Devres`): waiting for itself
        // would never end, and the value is gone once that drop returns.
    }
}

// SAFETY: `dropped` is only used through the completion functions, which may be called from
// any thread; the rest is `Send` when `T` is.
unsafe impl<T: Send> Send for Inner<T> {}
// SAFETY: as above; `Revocable<T>` is `Sync` for `T: Send + Sync`.
unsafe impl<T: Send + Sync> Sync for Inner<T> {}

/// A value revoked when its device unbinds, or when this is dropped.
///
/// Dropping it may sleep: it waits for an unbind that took the value
/// meanwhile to finish dropping it, and the value's own drop may sleep
/// (a register window's unmap, an IRQ's `free_irq`). Drop it in process
/// context, never under a spinlock or in an interrupt handler.
///
/// # Invariants
///
/// The device's managed resources hold one reference to `inner` (leaked
/// with [`Arc::into_raw`]) until either [`Devres::release`] takes it back
/// when the device lets go, or [`Drop`] removes the entry and takes it back.
///
/// # Examples
///
/// A driver for QEMU's 82574L, registered while nothing else is bound to it
/// (KUnit runs the kernel crate's examples at boot, before the e1000e
/// modules load). Its probe puts values under the binding; the unbind, when
/// the driver is unregistered, revokes what the driver kept. A register
/// window kept that way reads nothing after the unbind, and its region is
/// released for the next binding, though the `Devres` holding it lives on.
///
/// ```
/// use core::sync::atomic::{AtomicPtr, AtomicU32, Ordering::SeqCst};
/// use kernel::{c_str, devres::Devres, pci, pci::Bar, ThisModule};
///
/// static IDS: pci::IdArray<1> = pci::IdArray::new([pci::DeviceId::new(0x8086, 0x10d3)]);
/// // SAFETY: code built into the kernel has no module structure.
/// static THIS: ThisModule = unsafe { ThisModule::from_ptr(core::ptr::null_mut()) };
///
/// static PROBES: AtomicU32 = AtomicU32::new(0);
/// static GOOD: AtomicU32 = AtomicU32::new(0);
/// static EARLY_DROPPED: AtomicU32 = AtomicU32::new(0);
/// static CYCLES_DROPPED: AtomicU32 = AtomicU32::new(0);
/// static KEPT: AtomicPtr<Devres<u64>> = AtomicPtr::new(core::ptr::null_mut());
/// static NEWER: AtomicPtr<Devres<u64>> = AtomicPtr::new(core::ptr::null_mut());
/// static SLOT: AtomicPtr<Devres<Cycle>> = AtomicPtr::new(core::ptr::null_mut());
/// static BAR: AtomicPtr<Devres<Bar<16>>> = AtomicPtr::new(core::ptr::null_mut());
/// static REMAPPED: AtomicU32 = AtomicU32::new(0);
///
/// // Counts its drops in `EARLY_DROPPED`.
/// struct Early;
/// impl Drop for Early {
///     fn drop(&mut self) {
///         EARLY_DROPPED.fetch_add(1, SeqCst);
///     }
/// }
///
/// // A value whose own drop drops the last handle to its `Devres` (an
/// // ownership cycle): the unbind drops the value, which drops the
/// // `Devres`, which must not wait for the revocation it is part of.
/// struct Cycle;
/// impl Drop for Cycle {
///     fn drop(&mut self) {
///         let p = SLOT.swap(core::ptr::null_mut(), SeqCst);
///         if !p.is_null() {
///             // SAFETY: made by `KBox::into_raw` in `probe`, taken out of `SLOT` once.
///             drop(unsafe { KBox::from_raw(p) });
///         }
///         CYCLES_DROPPED.fetch_add(1, SeqCst);
///     }
/// }
///
/// struct Keeper;
///
/// impl pci::Driver for Keeper {
///     const NAME: &'static CStr = c_str!("rnet_doctest_devres");
///     const ID_TABLE: pci::IdTable = IDS.as_table();
///
///     fn probe(dev: &pci::Device<pci::Core>, _id: &pci::DeviceId) -> Result<Pin<KBox<Self>>> {
///         // The bound device is the proof `new` needs; probe has it.
///         let first = PROBES.fetch_add(1, SeqCst) == 0;
///         // Dropped while the device is bound: the value goes at once.
///         let early = Devres::new(dev, Early)?;
///         let before = EARLY_DROPPED.load(SeqCst);
///         drop(early);
///         let early_gone = EARLY_DROPPED.load(SeqCst) == before + 1;
///
///         let res = Devres::new(dev, 42u64)?;
///         let readable = res.try_access().map(|v| *v) == Some(42)
///             && res.access(dev).copied() == Ok(42);
///         // The device's registers (STATUS at 8: never all ones on a
///         // device that answers).
///         dev.enable_device_mem()?;
///         let bar = dev.iomap_region::<16>(0, c_str!("rnet_doctest_devres"))?;
///         let status = bar.try_access().map(|b| b.try_read32(8));
///         let answers = matches!(status, Some(Ok(v)) if v != u32::MAX);
///         // The region is this binding's while it lasts.
///         let again = dev.iomap_region::<16>(0, c_str!("rnet_doctest_again"));
///         let held = again.err() == Some(EBUSY);
///         if early_gone && readable && answers && held {
///             GOOD.fetch_add(1, SeqCst);
///         }
///         // Two entries of one type: dropping the older takes its own entry
///         // off the device's list, not the newer one's (the first match,
///         // newest first, if entries were known by their type), which the
///         // unbind below must still revoke.
///         let older = Devres::new(dev, 1u64)?;
///         let newer = Devres::new(dev, 2u64)?;
///         drop(older);
///         // Kept past the binding, as a driver may leak them.
///         for (slot, v) in [(&KEPT, res), (&NEWER, newer)] {
///             let old = slot.swap(KBox::into_raw(KBox::new(v, GFP_KERNEL)?), SeqCst);
///             if !old.is_null() {
///                 // SAFETY: made by `KBox::into_raw` above, taken out of the slot once.
///                 drop(unsafe { KBox::from_raw(old) });
///             }
///         }
///         let old = BAR.swap(KBox::into_raw(KBox::new(bar, GFP_KERNEL)?), SeqCst);
///         if !old.is_null() {
///             // SAFETY: as for the slots above.
///             drop(unsafe { KBox::from_raw(old) });
///         }
///         if first {
///             let cycle = KBox::new(Devres::new(dev, Cycle)?, GFP_KERNEL)?;
///             SLOT.store(KBox::into_raw(cycle), SeqCst);
///         }
///         Ok(KBox::pin(Keeper, GFP_KERNEL)?)
///     }
/// }
///
/// // Binds after `Keeper`: the region `Keeper` mapped must be free again.
/// struct Remapper;
///
/// impl pci::Driver for Remapper {
///     const NAME: &'static CStr = c_str!("rnet_doctest_remap");
///     const ID_TABLE: pci::IdTable = IDS.as_table();
///
///     fn probe(dev: &pci::Device<pci::Core>, _id: &pci::DeviceId) -> Result<Pin<KBox<Self>>> {
///         if dev.iomap_region::<16>(0, c_str!("rnet_doctest_remap")).is_ok() {
///             REMAPPED.fetch_add(1, SeqCst);
///         }
///         Err(ENODEV)
///     }
/// }
///
/// let reg = KBox::pin_init(pci::Registration::<Keeper>::new(&THIS), GFP_KERNEL)?;
/// let probes = PROBES.load(SeqCst);
/// assert!(probes > 0);
/// assert_eq!(GOOD.load(SeqCst), probes);
/// assert_eq!(CYCLES_DROPPED.load(SeqCst), 0);
/// // Unregistering the driver unbinds every device it probed.
/// drop(reg);
/// // The last device's window, kept: no register can be reached through
/// // it, and its region was released at the unbind, as another binding
/// // shows while the `Devres` still lives.
/// // SAFETY: made by `KBox::into_raw` in a probe, taken out of `BAR` once.
/// let bar = unsafe { KBox::from_raw(BAR.swap(core::ptr::null_mut(), SeqCst)) };
/// assert!(bar.try_access().is_none());
/// drop(KBox::pin_init(pci::Registration::<Remapper>::new(&THIS), GFP_KERNEL)?);
/// assert_eq!(REMAPPED.load(SeqCst), probes);
/// drop(bar);
/// // SAFETY: made by `KBox::into_raw` in a probe, taken out of `KEPT` once.
/// let kept = unsafe { KBox::from_raw(KEPT.swap(core::ptr::null_mut(), SeqCst)) };
/// assert!(kept.try_access().is_none());
/// drop(kept);
/// // SAFETY: as for `KEPT`.
/// let newer = unsafe { KBox::from_raw(NEWER.swap(core::ptr::null_mut(), SeqCst)) };
/// assert!(newer.try_access().is_none());
/// drop(newer);
/// assert_eq!(CYCLES_DROPPED.load(SeqCst), 1);
/// assert!(SLOT.load(SeqCst).is_null());
/// assert_eq!(EARLY_DROPPED.load(SeqCst), probes);
/// # Ok::<(), Error>(())
/// ```
pub struct Devres<T: Send + Sync + 'static> {
    inner: Arc<Inner<T>>,
}

impl<T: Send + Sync + 'static> Devres<T> {
    /// Puts `data` under the managed resources of `dev`'s binding.
    ///
    /// `dev` must be bound: the entry is released when that binding ends,
    /// while the driver's module is still loaded. An entry added to an
    /// unbound device would be released only when the device goes, maybe
    /// after the module's code is gone. `T` is `'static`: a `Devres` may be
    /// leaked, and its value is then dropped at the unbind, when nothing it
    /// borrowed need exist any more.
    pub fn new(dev: &pci::Device<pci::Bound>, data: T) -> Result<Self> {
        Self::add(dev.as_dev(), data, false)
    }

    /// Puts `data` under `dev`'s managed resources, among those released
    /// first when the binding ends: by the PCI driver's remove and after a
    /// failed probe, while every other resource of the binding is still in
    /// place (a registered net device, whose operations use them).
    pub(crate) fn new_release_first(dev: &pci::Device<pci::Core>, data: T) -> Result<Self> {
        Self::add(dev.as_dev(), data, true)
    }

    fn add(dev: &Device, data: T, first: bool) -> Result<Self> {
        let dev_ref: ARef<Device> = dev.into();
        let data = Revocable::new(data)?;
        let inner = Arc::pin_init(
            pin_init!(Inner {
                dev: dev_ref,
                data,
                // SAFETY: `init_completion` initialises the completion in place.
                dropped <- Opaque::ffi_init(|p| unsafe { bindings::rnet_init_completion(p) }),
                revoker: AtomicPtr::new(core::ptr::null_mut()),
            }),
            crate::alloc::flags::GFP_KERNEL,
        )?;
        let ptr = inner.clone().into_raw();
        // SAFETY: `dev` is a valid device; `release` gets back `ptr`, the
        // reference leaked above, exactly once (or the entry is removed in
        // `drop` and the reference taken back there).
        let ret = unsafe {
            bindings::rnet_devres_add(
                dev.as_raw(),
                Some(Self::release),
                ptr.cast_mut().cast(),
                first,
            )
        };
        if let Err(e) = to_result(ret) {
            // SAFETY: not registered: the leaked reference is still ours.
            drop(unsafe { Arc::from_raw(ptr) });
            return Err(e);
        }
        // INVARIANT: the entry holds the reference leaked above.
        Ok(Self { inner })
    }

    /// Access to the value, or `None` once the device has unbound. The
    /// guard delays the unbind: keep it short (it may sleep).
    pub fn try_access(&self) -> Option<RevocableGuard<'_, T>> {
        self.inner.data.try_access()
    }

    /// The value, for as long as `dev` is borrowed, without a guard. `dev`
    /// must be the device the value was put under (else `EINVAL`), in its
    /// `Core` context: the thread running the driver's probe or remove is
    /// the only one that releases the device's managed resources (first
    /// ones in the bus's remove, the rest right after), so nothing revokes
    /// the value meanwhile but this `Devres`'s drop, which `&self`
    /// excludes. `ENXIO` if the value was revoked already (by an earlier
    /// unbind).
    pub fn access<'a>(&'a self, dev: &'a pci::Device<pci::Core>) -> Result<&'a T> {
        if dev.as_dev().as_raw() != self.inner.dev.as_raw() {
            return Err(EINVAL);
        }
        // SAFETY: revocation happens in `release`, run by the thread that holds `dev` in its
        // `Core` context (which this one does for `'a`), or in `drop`, excluded by `&'a self`.
        unsafe { self.inner.data.access_unlocked() }.ok_or(ENXIO)
    }

    /// Called by the device when it releases its managed resources.
    ///
    /// # Safety
    ///
    /// `ptr` is the reference leaked by `new`, given back once.
    unsafe extern "C" fn release(ptr: *mut c_void) {
        // SAFETY: by the function's safety requirement.
        let inner = unsafe { Arc::<Inner<T>>::from_raw(ptr.cast_const().cast()) };
        inner.revoke(false);
    }
}

impl<T: Send + Sync + 'static> Drop for Devres<T> {
    fn drop(&mut self) {
        // Revoke (or wait for the unbind's revocation) first, while the
        // entry is still on the device's list: an unbind that takes it
        // meanwhile waits in `release` until the value is dropped here.
        // Dropped from another entry's release, this does not wait: the
        // value is revoked here, and this entry's own `release`, later,
        // finds it done. No grace period: every guard and every `access`
        // borrows `self`, which `&mut self` says nobody does any more (a
        // leaked guard's borrow has ended too; only its read-side section
        // stays open, which costs its SRCU domain, see `Revocable`).
        self.inner.revoke(true);
        let ptr: *const Inner<T> = &*self.inner;
        // SAFETY: `dev` is valid (we hold a reference); the data pointer identifies the entry
        // added in `add`.
        let ret =
            unsafe { bindings::rnet_devres_remove(self.inner.dev.as_raw(), ptr.cast_mut().cast()) };
        if ret == 0 {
            // SAFETY: the entry held this reference (type invariant) and
            // will never hand it to `release` now.
            drop(unsafe { Arc::from_raw(ptr) });
        }
        // Otherwise the device took the entry off its list, and its
        // `release` takes the reference back.
    }
}
