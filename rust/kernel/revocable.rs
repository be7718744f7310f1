// SPDX-License-Identifier: GPL-2.0

//! Values whose access can be revoked.
//!
//! C header: [`include/linux/rcupdate.h`](srctree/include/linux/rcupdate.h)
//!
//! A [`Revocable`] hands out short-lived access guards until it is revoked;
//! revoking waits for the guards in use (an RCU grace period) and then drops
//! the value. [`Devres`](crate::devres::Devres) uses it to take a device's
//! resources (a mapped BAR) away from a driver when the device unbinds,
//! whoever still holds a reference. Upstream gained the same type in 6.13.
//!
//! A guard must not be held across anything that sleeps: a guard is an RCU
//! read-side critical section, and on a kernel without preemptible RCU (as
//! rnet's are) a sleep inside it ends the grace period that `revoke` waits
//! for, which then drops the value under the guard. The kernel reports the
//! sleep ("sleeping function called from invalid context", with
//! `DEBUG_ATOMIC_SLEEP`), but Rust's types cannot forbid it; upstream leaves
//! it to the klint lint. It is the one rule of this module that stays with
//! the caller.

use crate::bindings;
use core::{
    cell::UnsafeCell,
    marker::PhantomData,
    mem::ManuallyDrop,
    ops::Deref,
    sync::atomic::{AtomicBool, Ordering},
};

/// A value that can be revoked.
///
/// # Invariants
///
/// - `data` holds a valid `T` while `available` is `true`, and is dropped
///   exactly once: by the caller of [`Revocable::revoke`] that turned
///   `available` from `true` to `false`, after an RCU grace period.
/// - Every reference to `data` handed out lives in a [`RevocableGuard`],
///   taken inside an RCU read-side critical section that saw `available`
///   set.
///
/// # Examples
///
/// ```
/// use core::sync::atomic::{AtomicU32, Ordering::Relaxed};
/// use kernel::revocable::Revocable;
///
/// static DROPS: AtomicU32 = AtomicU32::new(0);
/// struct Reg(u32);
/// impl Drop for Reg {
///     fn drop(&mut self) {
///         DROPS.fetch_add(1, Relaxed);
///     }
/// }
///
/// let r = Revocable::new(Reg(17));
/// assert_eq!(r.try_access().map(|v| v.0), Some(17));
/// assert!(r.revoke());
/// assert_eq!(DROPS.load(Relaxed), 1);
/// assert!(r.try_access().is_none());
/// // A second revocation, and dropping the husk, drop nothing more.
/// assert!(!r.revoke());
/// drop(r);
/// assert_eq!(DROPS.load(Relaxed), 1);
///
/// // Never revoked: dropped with the `Revocable`.
/// drop(Revocable::new(Reg(1)));
/// assert_eq!(DROPS.load(Relaxed), 2);
/// ```
pub struct Revocable<T> {
    available: AtomicBool,
    data: UnsafeCell<ManuallyDrop<T>>,
}

// SAFETY: a `Revocable<T>` moves its `T` with it, and may drop it on any
// thread that revokes it.
unsafe impl<T: Send> Send for Revocable<T> {}

// SAFETY: other threads get `&T` (through guards), so `T: Sync` is needed,
// and any thread may drop the value through `revoke`, so `T: Send` too.
unsafe impl<T: Send + Sync> Sync for Revocable<T> {}

impl<T> Revocable<T> {
    /// Wraps `data`, available until revoked.
    pub fn new(data: T) -> Self {
        // INVARIANT: `data` is valid and available.
        Self {
            available: AtomicBool::new(true),
            data: UnsafeCell::new(ManuallyDrop::new(data)),
        }
    }

    /// Returns a guard giving access to the value, or `None` once it is
    /// revoked. The guard holds the RCU read lock: keep it short and do not
    /// sleep while holding it.
    pub fn try_access(&self) -> Option<RevocableGuard<'_, T>> {
        // SAFETY: always safe to enter a read-side critical section; the
        // guard (or the early exit below) leaves it.
        unsafe { bindings::rcu_read_lock() };
        if self.available.load(Ordering::Acquire) {
            // INVARIANT: taken inside the read-side section that saw the
            // value available.
            Some(RevocableGuard {
                data: &self.data,
                _rcu: PhantomData,
            })
        } else {
            // SAFETY: leaves the section entered above.
            unsafe { bindings::rcu_read_unlock() };
            None
        }
    }

    /// The value, without the RCU read lock, unless it was revoked.
    ///
    /// # Safety
    ///
    /// The value must not be revoked for `'a`: the caller knows that
    /// nothing calls [`Self::revoke`] meanwhile.
    pub(crate) unsafe fn access_unlocked<'a>(&'a self) -> Option<&'a T> {
        if self.available.load(Ordering::Acquire) {
            // SAFETY: available, so not dropped, and not revoked for `'a` (function's
            // requirement).
            Some(unsafe { &*self.data.get() })
        } else {
            None
        }
    }

    /// Revokes access: no new guard is handed out, and the value is dropped
    /// once every guard in use is gone. Returns `true` if this call revoked
    /// it, `false` if it was already revoked.
    ///
    /// Waits for an RCU grace period, so it must be called from a context
    /// that can sleep.
    pub fn revoke(&self) -> bool {
        if !self.available.swap(false, Ordering::AcqRel) {
            return false;
        }
        // SAFETY: called from process context (documented requirement).
        unsafe { bindings::synchronize_rcu() };
        // SAFETY: this call turned `available` off, so it is the only one to
        // drop `data`; the grace period ended every guard, and no new one is
        // handed out.
        unsafe { ManuallyDrop::drop(&mut *self.data.get()) };
        true
    }
}

impl<T> Drop for Revocable<T> {
    fn drop(&mut self) {
        // Nobody else can hold a guard (we have `&mut self`): drop the value
        // if it is still there, without a grace period.
        if *self.available.get_mut() {
            *self.available.get_mut() = false;
            // SAFETY: still available, so not dropped yet; exclusive access.
            unsafe { ManuallyDrop::drop(self.data.get_mut()) };
        }
    }
}

/// Access to a [`Revocable`]'s value, inside an RCU read-side critical
/// section.
///
/// # Invariants
///
/// The RCU read lock is held, taken when the value was seen available, so
/// the value stays valid until the guard is dropped.
pub struct RevocableGuard<'a, T> {
    data: &'a UnsafeCell<ManuallyDrop<T>>,
    // The read lock belongs to this CPU's context: not `Send`.
    _rcu: PhantomData<*const ()>,
}

impl<T> Deref for RevocableGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: by the type invariant the value is valid while the guard
        // lives, and only shared references to it exist.
        unsafe { &*self.data.get() }
    }
}

impl<T> Drop for RevocableGuard<'_, T> {
    fn drop(&mut self) {
        // SAFETY: the read lock is held (type invariant); this releases it.
        unsafe { bindings::rcu_read_unlock() };
    }
}
