// SPDX-License-Identifier: GPL-2.0

//! Delayed work items that call back the object they belong to.
//!
//! C header: [`include/linux/workqueue.h`](srctree/include/linux/workqueue.h)
//!
//! An object kept in an [`Arc`] holds a [`DelayedWork`] and implements
//! [`DelayedWorkCallback`]. [`schedule`] queues the work item on the system
//! workqueue after a delay (or moves the start of a pending one); when it
//! runs, [`DelayedWorkCallback::run`] gets an [`Arc`] of the object.
//! [`cancel`] takes a pending work item back; [`shutdown`] does too and
//! makes every later [`schedule`] fail with `ESHUTDOWN`.
//!
//! This is [`kernel::timer`](crate::timer)'s design for the C
//! `delayed_work`: a pending work item (waiting for its delay, or queued)
//! holds one reference to its object and one to its module, given back
//! once when it starts running or is taken back. Dropping an object never
//! waits; a module cannot be unloaded (`rmmod` says it is in use) while
//! one of its work items is pending, so stop them ([`shutdown`]) where the
//! object's use ends, not in the module's exit; a leaked object's pending
//! work item keeps its module loaded instead of running its code after it
//! is gone. See the [`timer`](crate::timer) documentation for the details.
//!
//! The kernel calls a C function of `rust/helpers/rnet_timer.c` (in
//! vmlinux), which calls the module's code and drops the module reference
//! once that code has returned. The work items' lockdep classes are that
//! file's, not the module's: after the function returns, the worker still
//! uses the lockdep map, when the module may be gone. All of them share
//! one class, which is enough since none is ever flushed or cancelled
//! synchronously.
//!
//! # Context
//!
//! [`DelayedWorkCallback::run`] runs in process context, on the system
//! workqueue: it may sleep (briefly: it shares the workqueue). [`schedule`],
//! [`cancel`] and [`shutdown`] may be called from any context, hard
//! interrupts included, and from the work item's own callback: none of
//! them waits for a running callback.
//!
//! # Examples
//!
//! ```
//! use core::sync::atomic::{AtomicU32, Ordering::SeqCst};
//! use kernel::delayed_work::{self, DelayedWork, DelayedWorkCallback};
//! use kernel::sync::Arc;
//! use kernel::{new_delayed_work, ThisModule};
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
//!     work: DelayedWork<Counter>,
//! }
//!
//! impl DelayedWorkCallback for Counter {
//!     fn work(&self) -> &DelayedWork<Self> {
//!         &self.work
//!     }
//!
//!     fn run(this: Arc<Self>) {
//!         // Process context: sleeping is allowed.
//!         kernel::delay::msleep(1);
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
//!         work <- new_delayed_work!(&THIS, "doctest::Counter::work"),
//!     }),
//!     GFP_KERNEL,
//! )?;
//!
//! // Not pending: nothing to take back.
//! assert!(!delayed_work::cancel(&c));
//! // Scheduled twice, pending once: one cancel takes it back.
//! delayed_work::schedule(&c, 10_000)?;
//! delayed_work::schedule(&c, 20_000)?;
//! assert!(delayed_work::cancel(&c));
//! assert!(!delayed_work::cancel(&c));
//!
//! // Runs once.
//! delayed_work::schedule(&c, 10)?;
//! assert!(wait_for(|| DONE.load(SeqCst) == 1));
//! // At once (no delay).
//! delayed_work::schedule(&c, 0)?;
//! assert!(wait_for(|| DONE.load(SeqCst) == 2));
//! kernel::delay::msleep(50);
//! assert_eq!(c.runs.load(SeqCst), 2);
//!
//! // Shut down while pending: taken back, and never scheduled again.
//! delayed_work::schedule(&c, 10_000)?;
//! delayed_work::shutdown(&c);
//! assert!(!delayed_work::cancel(&c));
//! let shut = -(kernel::bindings::ESHUTDOWN as i32);
//! assert_eq!(delayed_work::schedule(&c, 0).map_err(|e| e.to_errno()), Err(shut));
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
    sync::Arc,
    time::msecs_to_jiffies,
    types::Opaque,
    ThisModule,
};
use core::marker::PhantomData;

/// Creates a [`DelayedWork`] initialiser for `module` (`&THIS_MODULE`).
///
/// The name, if given, only documents the call site: the lock class is
/// shared by all delayed work items (see the module documentation).
///
/// # Examples
///
/// ```ignore
/// work <- new_delayed_work!(&THIS_MODULE, "my_driver::reset"),
/// ```
#[macro_export]
macro_rules! new_delayed_work {
    ($module:expr $(, $name:literal)? $(,)?) => {{
        $(let _: &'static str = $name;)?
        $crate::delayed_work::DelayedWork::new($module)
    }};
}
pub use new_delayed_work;

/// An object whose [`DelayedWork`] calls it back.
///
/// The object lives in an [`Arc`]; its work item is one of its fields (of
/// the object itself, not behind a pointer: [`schedule`] refuses others
/// with `EINVAL`).
pub trait DelayedWorkCallback: Send + Sync + Sized + 'static {
    /// The object's work item.
    fn work(&self) -> &DelayedWork<Self>;

    /// Called when the work item runs, with the reference its pending
    /// state held. Runs in process context, on the system workqueue.
    fn run(this: Arc<Self>);
}

/// The C layout of `struct rnet_dwork` (`rust/helpers/rnet_timer.c`).
///
/// Only the C helpers read and write it.
#[repr(C)]
#[allow(dead_code)]
struct RawDelayedWork {
    dwork: bindings::delayed_work,
    run: Option<unsafe extern "C" fn(*mut c_void)>,
    owner: *mut bindings::module,
    data: *mut c_void,
    dead: c_int,
}

// The helpers' functions take the `delayed_work`, the start of the structure.
static_assert!(core::mem::offset_of!(RawDelayedWork, dwork) == 0);

/// A delayed work item, a field of the object it calls back (see
/// [`DelayedWorkCallback`]).
///
/// # Invariants
///
/// - `raw` was initialised by `rnet_dwork_init`, with `run_shim::<T>` as its
///   run function and a module that holds `run_shim::<T>`'s code (or NULL
///   for built-in code).
/// - The work item becomes pending only in [`schedule`], for an `Arc<T>`
///   whose object contains it: each time it does, it takes one reference
///   to that object (leaked with [`Arc::into_raw`], its pointer in `data`,
///   always the same one) and one to the module; each time it stops being
///   pending (it starts running, or is cancelled) both are given back once.
///   Hence an object whose last reference is dropped has no pending work
///   item, and nothing needs to wait in its drop.
#[pin_data]
pub struct DelayedWork<T> {
    #[pin]
    raw: Opaque<RawDelayedWork>,
    _t: PhantomData<T>,
}

// SAFETY: the work item is only used through the C helpers, which may be called from any thread;
// the object it calls back is `Send + Sync` (`DelayedWorkCallback`).
unsafe impl<T: DelayedWorkCallback> Send for DelayedWork<T> {}
// SAFETY: as above, concurrently too: the helpers synchronise through the work item's pending bit
// and atomic accesses.
unsafe impl<T: DelayedWorkCallback> Sync for DelayedWork<T> {}

impl<T: DelayedWorkCallback> DelayedWork<T> {
    /// Creates a delayed work item initialiser. `module` is the module of
    /// the calling code (`&THIS_MODULE`): a pending work item holds a
    /// reference to it.
    pub fn new(module: &'static ThisModule) -> impl PinInit<Self> {
        pin_init!(Self {
            raw <- Opaque::ffi_init(move |slot: *mut RawDelayedWork| {
                // SAFETY: `slot` is valid for writes and stays pinned, and `dwork` is at its start
                // (see the `static_assert!`); the helper initialises all of it. `run_shim::<T>`
                // takes the `data` of a pending state that ended, as the helper passes it;
                // `module` holds the code calling this, which holds `run_shim::<T>`.
                unsafe {
                    bindings::rnet_dwork_init(
                        slot.cast::<bindings::delayed_work>(),
                        Some(run_shim::<T>),
                        module.as_ptr(),
                    )
                }
            }),
            _t: PhantomData,
        })
    }
}

/// The C work item of `this`'s [`DelayedWork`], which must lie inside
/// `*this`.
fn raw_of<T: DelayedWorkCallback>(this: &Arc<T>) -> Result<*mut bindings::delayed_work> {
    let work = this.work();
    let object = &**this as *const T as usize;
    let at = work as *const DelayedWork<T> as usize;
    let inside = at
        .checked_sub(object)
        .and_then(|offset| offset.checked_add(core::mem::size_of::<DelayedWork<T>>()))
        .is_some_and(|end| end <= core::mem::size_of::<T>());
    if !inside {
        return Err(EINVAL);
    }
    Ok(work.raw.get().cast::<bindings::delayed_work>())
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

/// The run function of `DelayedWork<T>`s, called by `rnet_dwork_fn`.
///
/// # Safety
///
/// `data` is the object reference of a pending state of the work item that
/// just ended as it started running, which now belongs to this call.
unsafe extern "C" fn run_shim<T: DelayedWorkCallback>(data: *mut c_void) {
    // SAFETY: a reference to an `Arc<T>`'s object leaked with `Arc::into_raw` by `schedule` (type
    // invariant of `DelayedWork`), handed over by the caller.
    let this = unsafe { Arc::from_raw(data.cast_const().cast::<T>()) };
    <T as DelayedWorkCallback>::run(this);
}

/// Queues `this`'s work item on the system workqueue to run in `delay_ms`
/// milliseconds (0: at once), or moves the start of a pending one to then.
///
/// Fails with `ESHUTDOWN` after [`shutdown`] (the work item is then never
/// left pending), with `EINVAL` when the work item is not inside `*this`,
/// with `ENODEV` when its module is being unloaded, and with `ENOMEM`
/// when, during its module's init, the record of the reference cannot be
/// allocated.
pub fn schedule<T: DelayedWorkCallback>(this: &Arc<T>, delay_ms: u32) -> Result {
    let work = raw_of(this)?;
    // The reference a pending state takes over.
    let data = Arc::into_raw(this.clone());
    let mut put: c_uint = 0;
    // SAFETY: `work` belongs to a `DelayedWork<T>` inside `*this` (checked by `raw_of`),
    // initialised (type invariant) and alive while `this` is; `data` is that object with a
    // reference leaked just above, which the helper hands to the pending state or counts in `put`.
    let ret = unsafe {
        bindings::rnet_dwork_schedule(
            work,
            msecs_to_jiffies(delay_ms),
            data.cast_mut().cast(),
            &mut put,
        )
    };
    // SAFETY: the helper left `put` references to the object to the caller, each leaked with
    // `Arc::into_raw` (the one above, or a pending state's it took back); `this` holds another.
    unsafe { put_refs(data, put) };
    to_result(ret)
}

/// Takes `this`'s work item back if it is pending: true if it was.
///
/// A callback already running is not waited for, and keeps its own
/// reference; the work item may be scheduled again afterwards.
pub fn cancel<T: DelayedWorkCallback>(this: &Arc<T>) -> bool {
    // A work item outside `*this` was never scheduled for it.
    let Ok(work) = raw_of(this) else {
        return false;
    };
    // SAFETY: as in `schedule`.
    let data = unsafe { bindings::rnet_dwork_cancel(work) };
    if data.is_null() {
        return false;
    }
    // SAFETY: the helper handed over the object reference of the pending state it ended.
    unsafe { put_refs(data.cast_const().cast::<T>(), 1) };
    true
}

/// Takes `this`'s work item back if it is pending, and makes every later
/// [`schedule`] fail with `ESHUTDOWN`.
///
/// A callback already running is not waited for; it may still run (once)
/// after this returns if a [`schedule`] was in progress on another CPU,
/// but it cannot schedule the work item again. Callable from the work
/// item's own callback.
pub fn shutdown<T: DelayedWorkCallback>(this: &Arc<T>) {
    let Ok(work) = raw_of(this) else {
        return;
    };
    // SAFETY: as in `schedule`.
    let data = unsafe { bindings::rnet_dwork_shutdown(work) };
    if !data.is_null() {
        // SAFETY: as in `cancel`.
        unsafe { put_refs(data.cast_const().cast::<T>(), 1) };
    }
}
