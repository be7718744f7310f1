// SPDX-License-Identifier: GPL-2.0

//! Timers that call back the object they belong to.
//!
//! C header: [`include/linux/timer.h`](srctree/include/linux/timer.h)
//!
//! An object kept in an [`Arc`] holds a [`Timer`] and implements
//! [`TimerCallback`]. [`arm`] and [`arm_after`] make the timer pending;
//! when it expires, [`TimerCallback::run`] gets an [`Arc`] of the object.
//! [`cancel`] takes a pending timer back; [`shutdown`] does too and makes
//! every later arming fail with `ESHUTDOWN`.
//!
//! # What a pending timer holds
//!
//! Each time the timer becomes pending it takes one reference to its
//! object and one to the module given to [`Timer::new`]; each time it
//! stops being pending they are given back once: to the callback when the
//! timer expires, or by the [`cancel`] or [`shutdown`] that took it back.
//! So:
//!
//! - Dropping an object never waits for its timer: while the timer is
//!   pending the object has a reference besides the dropped one, and a
//!   running callback holds one of its own. (A callback may drop the last
//!   one; neither it nor the kernel touches the timer afterwards.)
//! - A module cannot be unloaded while one of its timers is pending:
//!   `rmmod` says the module is in use (`EWOULDBLOCK`), and the module's
//!   exit does not run. This holds for state that only the exit would
//!   stop, too (a periodic timer of `init_net`'s pernet state): such a
//!   timer is stopped through the interface that started it (a sysctl
//!   written back to 0) before the module can go. Stop
//!   timers ([`shutdown`]) where the object's use ends (a device's removal,
//!   an interface going down, a namespace's `pre_exit`), not in the
//!   module's exit. A timer that keeps re-arming itself, or the pending
//!   timer of an object that was leaked (`mem::forget`, a reference
//!   cycle), keeps its module loaded: it never runs the module's code after
//!   the module is gone.
//! - A module whose init fails is freed whatever references it holds.
//!   When timers armed during its init are still pending, the module
//!   loader waits (in a module notifier, with a warning) until they ran;
//!   they cannot be armed again once the module is going. A timer armed
//!   for far in the future keeps the failed load waiting that long (a
//!   hang, not memory unsafety): arm timers after init can no longer fail.
//!
//! [`TimerCallback::timer`] must return the same field on every call: a
//! timer it stops returning cannot be cancelled or shut down any more
//! (its accounting stays right; it only keeps running and the module
//! loaded). Arming and cancelling work in any context but NMI.
//!
//! The kernel calls a C function of `rust/helpers/rnet_timer.c` (in
//! vmlinux, not in the module), which calls the module's code and drops
//! the module reference once that code has returned.
//!
//! # Context
//!
//! [`TimerCallback::run`] runs in softirq context: it must not sleep. The
//! object's drop may run there too, when the callback drops the last
//! reference. [`arm`], [`arm_after`], [`cancel`] and [`shutdown`] may be
//! called from any context, hard interrupts included, and from the
//! timer's own callback: none of them waits for a running callback.
//!
//! # Examples
//!
//! A timer that runs once; cancelling, re-arming and shutting it down; and
//! every reference it took given back:
//!
//! ```
//! use core::sync::atomic::{AtomicU32, Ordering::SeqCst};
//! use kernel::sync::Arc;
//! use kernel::timer::{self, Timer, TimerCallback};
//! use kernel::{new_timer, ThisModule};
//!
//! // SAFETY: code built into the kernel has no module structure.
//! static THIS: ThisModule = unsafe { ThisModule::from_ptr(core::ptr::null_mut()) };
//! // Callbacks done with their reference to the object.
//! static DONE: AtomicU32 = AtomicU32::new(0);
//!
//! #[pin_data]
//! struct Counter {
//!     runs: AtomicU32,
//!     #[pin]
//!     timer: Timer<Counter>,
//! }
//!
//! impl TimerCallback for Counter {
//!     fn timer(&self) -> &Timer<Self> {
//!         &self.timer
//!     }
//!
//!     fn run(this: Arc<Self>) {
//!         this.runs.fetch_add(1, SeqCst);
//!         drop(this);
//!         DONE.fetch_add(1, SeqCst);
//!     }
//! }
//!
//! // Waits up to two seconds for `cond`.
//! fn wait_for(cond: impl Fn() -> bool) -> bool {
//!     for _ in 0..200 {
//!         if cond() {
//!             return true;
//!         }
//!         kernel::delay::msleep(10);
//!     }
//!     cond()
//! }
//!
//! let c = Arc::pin_init(
//!     pin_init!(Counter {
//!         runs: AtomicU32::new(0),
//!         timer <- new_timer!(&THIS, "doctest::Counter::timer"),
//!     }),
//!     GFP_KERNEL,
//! )?;
//!
//! // Not pending: nothing to take back.
//! assert!(!timer::cancel(&c));
//! // Armed twice, pending once: one cancel takes it back.
//! timer::arm_after(&c, 10_000)?;
//! timer::arm_after(&c, 20_000)?;
//! assert!(timer::cancel(&c));
//! assert!(!timer::cancel(&c));
//!
//! // Runs once.
//! timer::arm_after(&c, 10)?;
//! assert!(wait_for(|| DONE.load(SeqCst) == 1));
//! kernel::delay::msleep(50);
//! assert_eq!(c.runs.load(SeqCst), 1);
//! assert!(!timer::cancel(&c));
//!
//! // Absolute expiry.
//! timer::arm(&c, timer::jiffies().wrapping_add(kernel::time::msecs_to_jiffies(10)))?;
//! assert!(wait_for(|| DONE.load(SeqCst) == 2));
//! assert_eq!(c.runs.load(SeqCst), 2);
//!
//! // Shut down while pending: taken back, and never armed again.
//! timer::arm_after(&c, 10_000)?;
//! timer::shutdown(&c);
//! assert!(!timer::cancel(&c));
//! let shut = -(kernel::bindings::ESHUTDOWN as i32);
//! assert_eq!(timer::arm_after(&c, 10).map_err(|e| e.to_errno()), Err(shut));
//! assert!(!timer::cancel(&c));
//! kernel::delay::msleep(50);
//! assert_eq!(c.runs.load(SeqCst), 2);
//!
//! // Every reference a pending state took was given back.
//! assert!(c.into_unique_or_drop().is_some());
//! # Ok::<(), Error>(())
//! ```

use crate::{
    bindings,
    error::to_result,
    ffi::{c_int, c_uint, c_void},
    prelude::*,
    str::CStr,
    sync::{Arc, LockClassKey},
    time::{msecs_to_jiffies, Jiffies},
    types::Opaque,
    ThisModule,
};
use core::marker::PhantomData;

/// Creates a [`Timer`] initialiser for `module` (`&THIS_MODULE`), with the
/// given name (else one made of the source location) and a new lock class.
///
/// # Examples
///
/// ```ignore
/// timer <- new_timer!(&THIS_MODULE, "my_driver::watchdog"),
/// ```
#[macro_export]
macro_rules! new_timer {
    ($module:expr $(, $name:literal)? $(,)?) => {
        $crate::timer::Timer::new(
            $module,
            $crate::optional_name!($($name)?),
            $crate::static_lock_class!(),
        )
    };
}
pub use new_timer;

/// An object whose [`Timer`] calls it back.
///
/// The object lives in an [`Arc`]; its timer is one of its fields (of the
/// object itself, not behind a pointer: [`arm`] refuses others with
/// `EINVAL`).
///
/// # Examples
///
/// A callback that re-arms its timer until it ran five times, then shuts
/// it down; arming from the callback after that fails:
///
/// ```
/// use core::sync::atomic::{AtomicU32, Ordering::SeqCst};
/// use kernel::sync::Arc;
/// use kernel::timer::{self, Timer, TimerCallback};
/// use kernel::{new_timer, ThisModule};
///
/// // SAFETY: code built into the kernel has no module structure.
/// static THIS: ThisModule = unsafe { ThisModule::from_ptr(core::ptr::null_mut()) };
/// // Callbacks done with their reference to the object.
/// static DONE: AtomicU32 = AtomicU32::new(0);
/// // Arming results that were not as expected.
/// static WRONG: AtomicU32 = AtomicU32::new(0);
///
/// #[pin_data]
/// struct Repeat {
///     runs: AtomicU32,
///     #[pin]
///     timer: Timer<Repeat>,
/// }
///
/// impl TimerCallback for Repeat {
///     fn timer(&self) -> &Timer<Self> {
///         &self.timer
///     }
///
///     fn run(this: Arc<Self>) {
///         if this.runs.fetch_add(1, SeqCst) + 1 < 5 {
///             if timer::arm_after(&this, 1).is_err() {
///                 WRONG.fetch_add(1, SeqCst);
///             }
///         } else {
///             timer::shutdown(&this);
///             if timer::arm_after(&this, 1).is_ok() {
///                 WRONG.fetch_add(1, SeqCst);
///             }
///         }
///         drop(this);
///         DONE.fetch_add(1, SeqCst);
///     }
/// }
///
/// let r = Arc::pin_init(
///     pin_init!(Repeat {
///         runs: AtomicU32::new(0),
///         timer <- new_timer!(&THIS),
///     }),
///     GFP_KERNEL,
/// )?;
/// timer::arm_after(&r, 1)?;
/// for _ in 0..200 {
///     if DONE.load(SeqCst) == 5 {
///         break;
///     }
///     kernel::delay::msleep(10);
/// }
/// kernel::delay::msleep(50);
/// assert_eq!(DONE.load(SeqCst), 5);
/// assert_eq!(r.runs.load(SeqCst), 5);
/// assert_eq!(WRONG.load(SeqCst), 0);
/// assert!(timer::arm_after(&r, 1).is_err());
/// assert!(!timer::cancel(&r));
/// assert!(r.into_unique_or_drop().is_some());
/// # Ok::<(), Error>(())
/// ```
pub trait TimerCallback: Send + Sync + Sized + 'static {
    /// The object's timer.
    fn timer(&self) -> &Timer<Self>;

    /// Called when the timer expires, with the reference its pending state
    /// held. Runs in softirq context: it must not sleep.
    fn run(this: Arc<Self>);
}

/// The C layout of `struct rnet_timer` (`rust/helpers/rnet_timer.c`).
///
/// Only the C helpers read and write it.
#[repr(C)]
#[allow(dead_code)]
struct RawTimer {
    timer: bindings::timer_list,
    run: Option<unsafe extern "C" fn(*mut c_void)>,
    owner: *mut bindings::module,
    data: *mut c_void,
    dead: c_int,
}

// The helpers' functions take the `timer_list`, the start of the structure.
static_assert!(core::mem::offset_of!(RawTimer, timer) == 0);

/// A timer, a field of the object it calls back (see [`TimerCallback`]).
///
/// # Invariants
///
/// - `raw` was initialised by `rnet_timer_init`, with `run_shim::<T>` as its
///   run function and a module that holds `run_shim::<T>`'s code (or NULL
///   for built-in code).
/// - The timer becomes pending only in [`arm`], for an `Arc<T>` whose
///   object contains it: each time it does, it takes one reference to that
///   object (leaked with [`Arc::into_raw`], its pointer in `data`, always
///   the same one) and one to the module; each time it stops being pending
///   both are given back once (see the module documentation).
#[pin_data]
pub struct Timer<T> {
    #[pin]
    raw: Opaque<RawTimer>,
    _t: PhantomData<T>,
}

// SAFETY: the timer is only used through the C helpers, which may be called from any thread; the
// object it calls back is `Send + Sync` (`TimerCallback`).
unsafe impl<T: TimerCallback> Send for Timer<T> {}
// SAFETY: as above, concurrently too: the helpers synchronise through the timer's base lock and
// atomic accesses.
unsafe impl<T: TimerCallback> Sync for Timer<T> {}

impl<T: TimerCallback> Timer<T> {
    /// Creates a timer initialiser. `module` is the module of the calling
    /// code (`&THIS_MODULE`; [`new_timer!`] passes the rest): a pending
    /// timer holds a reference to it. `name` and `key` are its lockdep
    /// name and class.
    pub fn new(
        module: &'static ThisModule,
        name: &'static CStr,
        key: &'static LockClassKey,
    ) -> impl PinInit<Self> {
        pin_init!(Self {
            raw <- Opaque::ffi_init(move |slot: *mut RawTimer| {
                // SAFETY: `slot` is valid for writes and stays pinned, and `timer` is at its start
                // (see the `static_assert!`); the helper initialises all of it. `name` and `key`
                // are static; `run_shim::<T>` takes the `data` of a pending state that ended, as
                // the helper passes it; `module` holds the code calling this, which holds
                // `run_shim::<T>`.
                unsafe {
                    bindings::rnet_timer_init(
                        slot.cast::<bindings::timer_list>(),
                        name.as_char_ptr(),
                        key.as_ptr(),
                        Some(run_shim::<T>),
                        module.as_ptr(),
                    )
                }
            }),
            _t: PhantomData,
        })
    }
}

/// The C timer of `this`'s [`Timer`], which must lie inside `*this`.
fn raw_of<T: TimerCallback>(this: &Arc<T>) -> Result<*mut bindings::timer_list> {
    let timer = this.timer();
    let object = &**this as *const T as usize;
    let at = timer as *const Timer<T> as usize;
    let inside = at
        .checked_sub(object)
        .and_then(|offset| offset.checked_add(core::mem::size_of::<Timer<T>>()))
        .is_some_and(|end| end <= core::mem::size_of::<T>());
    if !inside {
        return Err(EINVAL);
    }
    Ok(timer.raw.get().cast::<bindings::timer_list>())
}

/// Drops `count` references to the object at `data`.
///
/// # Safety
///
/// `count` references to that object, each leaked with [`Arc::into_raw`],
/// belong to the caller, who gives them up.
unsafe fn put_refs<T>(data: *const T, count: c_uint) {
    for _ in 0..count {
        // SAFETY: one of the `count` references the caller gives up.
        drop(unsafe { Arc::from_raw(data) });
    }
}

/// The run function of `Timer<T>`s, called by `rnet_timer_fn`.
///
/// # Safety
///
/// `data` is the object reference of a pending state of the timer that
/// just ended on expiry, which now belongs to this call.
unsafe extern "C" fn run_shim<T: TimerCallback>(data: *mut c_void) {
    // SAFETY: a reference to an `Arc<T>`'s object leaked with `Arc::into_raw` by `arm` (type
    // invariant of `Timer`), handed over by the caller.
    let this = unsafe { Arc::from_raw(data.cast_const().cast::<T>()) };
    <T as TimerCallback>::run(this);
}

/// Returns the current time, in jiffies.
pub fn jiffies() -> Jiffies {
    // SAFETY: no precondition (reads `jiffies`).
    unsafe { bindings::rnet_jiffies() }
}

/// Arms `this`'s timer to expire at `expires` (absolute, in jiffies), or
/// moves its expiry if it is pending.
///
/// Fails with `ESHUTDOWN` after [`shutdown`] (the timer is then never left
/// pending), with `EINVAL` when the timer is not inside `*this`, with
/// `ENODEV` when its module is being unloaded, and with `ENOMEM` when,
/// during its module's init, the record of the reference cannot be
/// allocated.
///
/// # Examples
///
/// A timer that is not a field of the object it would call back is
/// refused:
///
/// ```
/// use kernel::sync::Arc;
/// use kernel::timer::{self, Timer, TimerCallback};
/// use kernel::{new_timer, ThisModule};
///
/// // SAFETY: code built into the kernel has no module structure.
/// static THIS: ThisModule = unsafe { ThisModule::from_ptr(core::ptr::null_mut()) };
///
/// struct Stray {
///     timer: Pin<KBox<Timer<Stray>>>,
/// }
///
/// impl TimerCallback for Stray {
///     fn timer(&self) -> &Timer<Self> {
///         &self.timer
///     }
///
///     fn run(_this: Arc<Self>) {}
/// }
///
/// let t = KBox::pin_init(new_timer!(&THIS), GFP_KERNEL)?;
/// let s = Arc::new(Stray { timer: t }, GFP_KERNEL)?;
/// assert_eq!(timer::arm(&s, timer::jiffies()), Err(EINVAL));
/// assert_eq!(timer::arm_after(&s, 1), Err(EINVAL));
/// assert!(!timer::cancel(&s));
/// timer::shutdown(&s);
/// # Ok::<(), Error>(())
/// ```
pub fn arm<T: TimerCallback>(this: &Arc<T>, expires: Jiffies) -> Result {
    let timer = raw_of(this)?;
    // The reference a pending state takes over.
    let data = Arc::into_raw(this.clone());
    let mut put: c_uint = 0;
    // SAFETY: `timer` belongs to a `Timer<T>` inside `*this` (checked by `raw_of`), initialised
    // (type invariant) and alive while `this` is; `data` is that object with a reference leaked
    // just above, which the helper hands to the pending state or counts in `put`.
    let ret = unsafe { bindings::rnet_timer_arm(timer, expires, data.cast_mut().cast(), &mut put) };
    // SAFETY: the helper left `put` references to the object to the caller, each leaked with
    // `Arc::into_raw` (the one above, or a pending state's it took back); `this` holds another.
    unsafe { put_refs(data, put) };
    to_result(ret)
}

/// Arms `this`'s timer to expire in `delay_ms` milliseconds, as [`arm`].
pub fn arm_after<T: TimerCallback>(this: &Arc<T>, delay_ms: u32) -> Result {
    arm(this, jiffies().wrapping_add(msecs_to_jiffies(delay_ms)))
}

/// Takes `this`'s timer back if it is pending: true if it was.
///
/// A callback already running is not waited for, and keeps its own
/// reference; the timer may be armed again afterwards.
pub fn cancel<T: TimerCallback>(this: &Arc<T>) -> bool {
    // A timer outside `*this` was never armed for it.
    let Ok(timer) = raw_of(this) else {
        return false;
    };
    // SAFETY: as in `arm`.
    let data = unsafe { bindings::rnet_timer_cancel(timer) };
    if data.is_null() {
        return false;
    }
    // SAFETY: the helper handed over the object reference of the pending state it ended.
    unsafe { put_refs(data.cast_const().cast::<T>(), 1) };
    true
}

/// Takes `this`'s timer back if it is pending, and makes every later
/// [`arm`] fail with `ESHUTDOWN`.
///
/// A callback already running is not waited for; it may still run (once)
/// after this returns if an [`arm`] was in progress on another CPU, but it
/// cannot arm the timer again. Callable from the timer's own callback.
pub fn shutdown<T: TimerCallback>(this: &Arc<T>) {
    let Ok(timer) = raw_of(this) else {
        return;
    };
    // SAFETY: as in `arm`.
    let data = unsafe { bindings::rnet_timer_shutdown(timer) };
    if !data.is_null() {
        // SAFETY: as in `cancel`.
        unsafe { put_refs(data.cast_const().cast::<T>(), 1) };
    }
}
