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
//! A guard is a read-side critical section of the value's own SRCU
//! domain, not of RCU: its holder may sleep, and `revoke` still waits for
//! it, for this value's guards only. With plain RCU, as upstream uses, a sleep under a guard
//! on a kernel without preemptible RCU ends the grace period `revoke` waits
//! for, and the value is dropped under the guard: a rule the types could
//! not hold. The price is a full memory barrier on entering and leaving a
//! guard, small beside the device register access a guard usually wraps.
//!
//! A guard held forever (leaked with `mem::forget`) makes this value's
//! `revoke` wait forever: a hang, never a use-after-free. Revoking a value
//! while holding one of its own guards is the same deadlock, which lockdep
//! reports (each value is its own lock class).

use crate::{bindings, error::Result, prelude::*};
use core::{
    cell::UnsafeCell,
    ffi::{c_int, c_void},
    marker::PhantomData,
    mem::ManuallyDrop,
    ops::Deref,
    ptr::NonNull,
    sync::atomic::{AtomicBool, Ordering},
};

/// An SRCU domain of its own (with its own lockdep class).
///
/// # Invariants
///
/// `ptr` was returned by `rnet_srcu_new` and is handed to `rnet_srcu_free`
/// only by `drop`.
struct Srcu {
    ptr: NonNull<c_void>,
}

// SAFETY: the SRCU operations may be called from any thread.
unsafe impl Send for Srcu {}
// SAFETY: as above, concurrently too.
unsafe impl Sync for Srcu {}

impl Srcu {
    fn new() -> Result<Self> {
        // SAFETY: process context (allocates with `GFP_KERNEL`).
        let ptr = unsafe { bindings::rnet_srcu_new() };
        // INVARIANT: just returned by `rnet_srcu_new`.
        Ok(Self {
            ptr: NonNull::new(ptr).ok_or(ENOMEM)?,
        })
    }

    fn read_lock(&self) -> c_int {
        // SAFETY: valid (type invariant); any context but NMI.
        unsafe { bindings::rnet_srcu_lock(self.ptr.as_ptr()) }
    }

    /// # Safety
    ///
    /// `idx` is the index of a section of this domain entered by the
    /// current task and not left yet.
    unsafe fn read_unlock(&self, idx: c_int) {
        // SAFETY: valid (type invariant); `idx` by the function's requirement.
        unsafe { bindings::rnet_srcu_unlock(self.ptr.as_ptr(), idx) }
    }

    fn synchronize(&self) {
        // SAFETY: valid (type invariant); process context (documented by the callers).
        unsafe { bindings::rnet_srcu_synchronize(self.ptr.as_ptr()) }
    }
}

impl Drop for Srcu {
    fn drop(&mut self) {
        // SAFETY: valid (type invariant) and given up once, here. The helper defers the
        // teardown, which sleeps, to a work item (any context), and leaks the domain if a
        // section was never left (a guard leaked with `mem::forget`).
        unsafe { bindings::rnet_srcu_free(self.ptr.as_ptr()) }
    }
}

/// A value that can be revoked.
///
/// # Invariants
///
/// - `data` holds a valid `T` while `available` is `true`, and is dropped
///   exactly once: by the caller of [`Revocable::revoke`] that turned
///   `available` from `true` to `false`, after an SRCU grace period.
/// - Every reference to `data` handed out lives in a [`RevocableGuard`],
///   taken inside a read-side critical section of `srcu` that saw
///   `available` set.
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
/// let r = Revocable::new(Reg(17))?;
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
/// drop(Revocable::new(Reg(1))?);
/// assert_eq!(DROPS.load(Relaxed), 2);
/// # Ok::<(), Error>(())
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
/// let r = Revocable::new(Reg)?;
/// let rv = Arc::pin_init(
///     pin_init!(Revoker {
///         r,
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
/// // Each value has its own domain: another one revokes at once meanwhile.
/// let other = Revocable::new(0u32)?;
/// assert!(other.revoke());
/// drop(guard);
/// assert!(sleep_until(&rv.done));
/// assert!(DROPPED.load(SeqCst));
/// assert!(rv.r.try_access().is_none());
/// # Ok::<(), Error>(())
/// ```
pub struct Revocable<T> {
    srcu: Srcu,
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
    /// Wraps `data`, available until revoked. Allocates the value's SRCU
    /// domain (process context); on failure `data` is dropped.
    pub fn new(data: T) -> Result<Self> {
        // INVARIANT: `data` is valid and available.
        Ok(Self {
            srcu: Srcu::new()?,
            available: AtomicBool::new(true),
            data: UnsafeCell::new(ManuallyDrop::new(data)),
        })
    }

    /// Returns a guard giving access to the value, or `None` once it is
    /// revoked. The guard delays revocation: keep it short (it may sleep).
    pub fn try_access(&self) -> Option<RevocableGuard<'_, T>> {
        // The guard (or the early exit below) leaves the section.
        let idx = self.srcu.read_lock();
        if self.available.load(Ordering::Acquire) {
            // INVARIANT: taken inside the read-side section that saw the
            // value available.
            Some(RevocableGuard {
                srcu: &self.srcu,
                data: &self.data,
                idx,
                _not_send: PhantomData,
            })
        } else {
            // SAFETY: leaves the section entered above, with its index.
            unsafe { self.srcu.read_unlock(idx) };
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
        if !self.start_revoke() {
            return false;
        }
        // SAFETY: `start_revoke` returned `true` just now.
        unsafe { self.finish_revoke() };
        true
    }

    /// Stops handing out guards. `true` for the one call that turned the
    /// value unavailable: its caller must then call [`Self::finish_revoke`].
    pub(crate) fn start_revoke(&self) -> bool {
        self.available.swap(false, Ordering::AcqRel)
    }

    /// Waits for the guards in use, then drops the value. Process context.
    ///
    /// # Safety
    ///
    /// The caller's [`Self::start_revoke`] returned `true`, and this is
    /// its one call of this function.
    pub(crate) unsafe fn finish_revoke(&self) {
        self.srcu.synchronize();
        // SAFETY: the caller's requirement, and every guard has ended.
        unsafe { self.finish_revoke_unused() };
    }

    /// Drops the value without waiting for guards: for a caller that knows
    /// none is in use (it holds the only way to make one exclusively).
    ///
    /// # Safety
    ///
    /// The caller's [`Self::start_revoke`] returned `true`, this is its one
    /// call of this function or [`Self::finish_revoke`], and no guard of
    /// this value is in use, nor a reference obtained through one.
    pub(crate) unsafe fn finish_revoke_unused(&self) {
        // SAFETY: the caller turned `available` off (function's requirement), so it is the
        // only one to drop `data`; no guard is in use (function's requirement), and no new one
        // is handed out.
        unsafe { ManuallyDrop::drop(&mut *self.data.get()) };
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
/// of its SRCU domain.
///
/// # Invariants
///
/// The section entered with index `idx` is held, entered when the value
/// was seen available, so the value stays valid until the guard is dropped.
pub struct RevocableGuard<'a, T> {
    srcu: &'a Srcu,
    data: &'a UnsafeCell<ManuallyDrop<T>>,
    idx: c_int,
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
        // SAFETY: the section entered with `idx` by this task (the guard is not `Send`) is held
        // (type invariant); this leaves it.
        unsafe { self.srcu.read_unlock(self.idx) };
    }
}
