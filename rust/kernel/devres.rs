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
    /// that thread has dropped it.
    fn revoke(&self) {
        // SAFETY: always valid in task context.
        let me = unsafe { bindings::get_current() };
        if self.data.start_revoke() {
            self.revoker.store(me, Ordering::Release);
            // SAFETY: `start_revoke` returned `true` just now.
            unsafe { self.data.finish_revoke() };
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
/// # Invariants
///
/// The device's managed resources hold one reference to `inner` (leaked
/// with [`Arc::into_raw`]) until either [`Devres::release`] takes it back
/// when the device lets go, or [`Drop`] removes the entry and takes it back.
///
/// # Examples
///
/// ```
/// use core::sync::atomic::{AtomicBool, AtomicPtr, Ordering::SeqCst};
/// use kernel::{bindings, c_str, devres::Devres, device::Device};
///
/// // A device that nothing binds to: unregistering it releases its
/// // managed resources, as an unbind does for a bound device.
/// // SAFETY: a valid name; the device is unregistered below.
/// let raw = kernel::error::from_err_ptr(unsafe {
///     bindings::__root_device_register(c_str!("rnet-devres").as_char_ptr(), core::ptr::null_mut())
/// })?;
/// // SAFETY: `raw` is a registered device; this takes a reference to it.
/// let dev = unsafe { Device::get_device(raw) };
///
/// // Dropped while the device is bound: revoked at once, and the device
/// // no longer holds it.
/// let early = Devres::new(&dev, 7u8)?;
/// drop(early);
///
/// let res = Devres::new(&dev, 42u64)?;
/// assert_eq!(res.try_access().map(|v| *v), Some(42));
///
/// // A value whose own drop drops the last handle to its `Devres` (an
/// // ownership cycle): the unbind drops the value, which drops the
/// // `Devres`, which must not wait for the revocation it is part of.
/// static SLOT: AtomicPtr<Devres<Cycle>> = AtomicPtr::new(core::ptr::null_mut());
/// static CYCLE_DROPPED: AtomicBool = AtomicBool::new(false);
/// struct Cycle;
/// impl Drop for Cycle {
///     fn drop(&mut self) {
///         let p = SLOT.swap(core::ptr::null_mut(), SeqCst);
///         if !p.is_null() {
///             // SAFETY: made by `KBox::into_raw` below, taken out of `SLOT` once.
///             drop(unsafe { KBox::from_raw(p) });
///         }
///         CYCLE_DROPPED.store(true, SeqCst);
///     }
/// }
/// let cycle = KBox::new(Devres::new(&dev, Cycle)?, GFP_KERNEL)?;
/// SLOT.store(KBox::into_raw(cycle), SeqCst);
///
/// // SAFETY: registered above, unregistered once.
/// unsafe { bindings::root_device_unregister(raw) };
/// assert!(res.try_access().is_none());
/// assert!(CYCLE_DROPPED.load(SeqCst));
/// assert!(SLOT.load(SeqCst).is_null());
/// # Ok::<(), Error>(())
/// ```
pub struct Devres<T: Send + Sync> {
    inner: Arc<Inner<T>>,
}

impl<T: Send + Sync> Devres<T> {
    /// Puts `data` under `dev`'s managed resources.
    pub fn new(dev: &Device, data: T) -> Result<Self> {
        Self::add(dev, data, false)
    }

    /// Puts `data` under `dev`'s managed resources, among those released
    /// first when the binding ends: by the PCI driver's remove and after a
    /// failed probe, while every other resource of the binding is still in
    /// place (a registered net device, whose operations use them).
    pub(crate) fn new_release_first(dev: &Device, data: T) -> Result<Self> {
        Self::add(dev, data, true)
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
        inner.revoke();
    }
}

impl<T: Send + Sync> Drop for Devres<T> {
    fn drop(&mut self) {
        // Revoke (or wait for the unbind's revocation) first, while the
        // entry is still on the device's list: an unbind that takes it
        // meanwhile waits in `release` until the value is dropped here.
        // Dropped from another entry's release, this does not wait: the
        // value is revoked here, and this entry's own `release`, later,
        // finds it done.
        self.inner.revoke();
        let ptr: *const Inner<T> = &*self.inner;
        // SAFETY: `dev` is valid (we hold a reference); the arguments match
        // the entry added in `new`.
        let ret = unsafe {
            bindings::rnet_devres_remove(
                self.inner.dev.as_raw(),
                Some(Self::release),
                ptr.cast_mut().cast(),
            )
        };
        if ret == 0 {
            // SAFETY: the entry held this reference (type invariant) and
            // will never hand it to `release` now.
            drop(unsafe { Arc::from_raw(ptr) });
        }
        // Otherwise the device took the entry off its list, and its
        // `release` takes the reference back.
    }
}
