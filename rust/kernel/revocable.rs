// SPDX-License-Identifier: GPL-2.0

//! Values whose access can be revoked.
//!
//! C header: [`include/linux/srcu.h`](srctree/include/linux/srcu.h)
//!
//! A [`Revocable`] hands out access guards until it is revoked; revoking
//! waits for the guards in use and then drops the value. [`Devres`](crate::devres::Devres)
//! uses it to take a device's resources (a mapped BAR) away from a driver
//! when the device unbinds, whoever still holds a reference. Upstream gained
//! the same type in 6.13.
//!
//! A guard is a read-side critical section of an SRCU domain (one for all
//! revocable values), not of RCU: its holder may sleep, and `revoke` still
//! waits for it. With plain RCU, as upstream uses, a sleep under a guard
//! on a kernel without preemptible RCU ends the grace period `revoke` waits
//! for, and the value is dropped under the guard: a rule the types could
//! not hold. The price is a full memory barrier on entering and leaving a
//! guard, small beside the device register access a guard usually wraps.
//!
//! A guard held forever (leaked with `mem::forget`) makes `revoke` wait
//! forever: a hang, never a use-after-free.

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
///   `available` from `true` to `false`, after an SRCU grace period.
/// - Every reference to `data` handed out lives in a [`RevocableGuard`],
///   taken inside a read-side critical section of the rnet SRCU domain that
///   saw `available` set.
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
///
/// A guard may be held across a sleep: a revocation on another thread
/// waits for it, and only then drops the value.
///
/// ```
/// use core::sync::atomic::{AtomicBool, Ordering::SeqCst};
/// use kernel::{
///     bindings,
///     revocable::Revocable,
///     sync::Arc,
///     workqueue::{self, impl_has_work, new_work, Work, WorkItem},
/// };
///
/// static DROPPED: AtomicBool = AtomicBool::new(false);
/// struct Reg;
/// impl Drop for Reg {
///     fn drop(&mut self) {
///         DROPPED.store(true, SeqCst);
///     }
/// }
///
/// #[pin_data]
/// struct Revoker {
///     r: Revocable<Reg>,
///     started: AtomicBool,
///     done: AtomicBool,
///     #[pin]
///     work: Work<Revoker>,
/// }
/// impl_has_work! {
///     impl HasWork<Self> for Revoker { self.work }
/// }
/// impl WorkItem for Revoker {
///     type Pointer = Arc<Revoker>;
///     fn run(this: Arc<Revoker>) {
///         this.started.store(true, SeqCst);
///         this.r.revoke();
///         this.done.store(true, SeqCst);
///     }
/// }
/// fn sleep_until(flag: &AtomicBool) -> bool {
///     for _ in 0..1000 {
///         if flag.load(SeqCst) {
///             return true;
///         }
///         // SAFETY: process context.
///         unsafe { bindings::msleep(10) };
///     }
///     false
/// }
///
/// let rv = Arc::pin_init(
///     pin_init!(Revoker {
///         r: Revocable::new(Reg),
///         started: AtomicBool::new(false),
///         done: AtomicBool::new(false),
///         work <- new_work!("Revoker::work"),
///     }),
///     GFP_KERNEL,
/// )?;
/// let guard = rv.r.try_access().ok_or(EINVAL)?;
/// let _ = workqueue::system().enqueue(rv.clone());
/// // Sleep under the guard while the revocation is under way.
/// assert!(sleep_until(&rv.started));
/// // SAFETY: process context.
/// unsafe { bindings::msleep(300) };
/// assert!(!DROPPED.load(SeqCst));
/// assert!(!rv.done.load(SeqCst));
/// drop(guard);
/// assert!(sleep_until(&rv.done));
/// assert!(DROPPED.load(SeqCst));
/// assert!(rv.r.try_access().is_none());
/// # Ok::<(), Error>(())
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
    /// revoked. The guard delays revocation: keep it short (it may sleep).
    pub fn try_access(&self) -> Option<RevocableGuard<'_, T>> {
        // SAFETY: always safe to enter a read-side critical section, from any context but NMI;
        // the guard (or the early exit below) leaves it.
        let idx = unsafe { bindings::rnet_srcu_read_lock() };
        if self.available.load(Ordering::Acquire) {
            // INVARIANT: taken inside the read-side section that saw the
            // value available.
            Some(RevocableGuard {
                data: &self.data,
                idx,
                _not_send: PhantomData,
            })
        } else {
            // SAFETY: leaves the section entered above, with its index.
            unsafe { bindings::rnet_srcu_read_unlock(idx) };
            None
        }
    }

    /// The value, outside any read-side section, unless it was revoked.
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
    /// Waits for the guards in use, so it must be called from a context
    /// that can sleep, and not under a guard (that would wait for itself:
    /// a deadlock, which lockdep reports).
    pub fn revoke(&self) -> bool {
        if !self.available.swap(false, Ordering::AcqRel) {
            return false;
        }
        // SAFETY: called from process context (documented requirement).
        unsafe { bindings::rnet_synchronize_srcu() };
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

/// Access to a [`Revocable`]'s value, inside a read-side critical section
/// of the rnet SRCU domain.
///
/// # Invariants
///
/// The section entered with index `idx` is held, entered when the value
/// was seen available, so the value stays valid until the guard is dropped.
pub struct RevocableGuard<'a, T> {
    data: &'a UnsafeCell<ManuallyDrop<T>>,
    idx: core::ffi::c_int,
    // Left by the task that entered it: not `Send`.
    _not_send: PhantomData<*const ()>,
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
        // SAFETY: the section entered with `idx` is held (type invariant); this leaves it.
        unsafe { bindings::rnet_srcu_read_unlock(self.idx) };
    }
}
