// SPDX-License-Identifier: GPL-2.0

//! NAPI: interrupt-mitigated polling of a device's rings.
//!
//! C header: [`include/linux/netdevice.h`](srctree/include/linux/netdevice.h)
//!
//! A [`Napi`] lives inside the driver's state in a net device's private area
//! and is attached to that device, before it is registered, with
//! [`Registration::add_napi`]; the core deletes it when the device is freed,
//! and the registration disables it before the state around it is dropped.
//! The poll function gets a [`PollCtx`] by value, the only way to reach what
//! is valid in poll context alone (allocating receive buffers from the
//! per-CPU cache, handing packets to GRO) and consumed by completing, so
//! nothing of it outlives the poll call.
//!
//! [`Registration::add_napi`]: crate::net::dev::Registration::add_napi

use crate::{
    bindings,
    net::{
        dev::{Device, DeviceOperations, Handle},
        skb::SkBuff,
    },
    new_mutex,
    prelude::*,
    sync::Mutex,
    types::Opaque,
};
use core::{
    marker::PhantomData,
    sync::atomic::{AtomicBool, Ordering},
};

/// The poll function of a device's NAPI context.
pub trait Poll: DeviceOperations {
    /// Does at most `ctx.budget()` units of receive work (transmit
    /// completions do not count), then ends the poll with
    /// [`PollCtx::complete`], which consumes the context: nothing that is
    /// valid only while polling can be done after completing. The
    /// [`PollDone`] returned is branded with the context's lifetime, so
    /// only this call's own context can end this call; [`PollCtx::napi`]
    /// tells which of the device's contexts is polled.
    fn poll<'a>(dev: &Device<Self>, ctx: PollCtx<'a>) -> PollDone<'a>;
}

/// A NAPI context (`struct napi_struct`).
///
/// # Invariants
///
/// `napi` is the first field (`repr(C)`), so a pointer to it is a pointer
/// to the `Napi`. Once `added` is set, `napi` is on the `napi_list` of the
/// device whose private area contains it, with `Adapter::<T>::poll` for
/// that device's `T`. `enabled` mirrors `napi_enable`/`napi_disable`, which
/// run only with `lock` held. `allowed` is set (under `lock`) only while
/// the device's `ndo_open` runs or the device is open: the `open`
/// trampoline sets it before calling the driver's `open`, and clears it,
/// disabling the context, when that fails and in the `stop` trampoline;
/// `enabled` implies `allowed`.
#[pin_data]
#[repr(C)]
pub struct Napi {
    #[pin]
    napi: Opaque<bindings::napi_struct>,
    #[pin]
    lock: Mutex<()>,
    added: AtomicBool,
    enabled: AtomicBool,
    allowed: AtomicBool,
}

// SAFETY: the NAPI core serialises polling; the flags are atomics and state changes happen
// under `lock`.
unsafe impl Send for Napi {}
// SAFETY: as above; `schedule` may be called from any context.
unsafe impl Sync for Napi {}

impl Napi {
    /// A NAPI context not attached to any device yet; attach it with
    /// [`crate::net::dev::Registration::add_napi`].
    pub fn new() -> impl PinInit<Self> {
        pin_init!(Self {
            // SAFETY: all-zero is the state `netif_napi_add` expects.
            napi <- Opaque::ffi_init(|p: *mut bindings::napi_struct| unsafe { p.write_bytes(0, 1) }),
            lock <- state_lock(),
            added: AtomicBool::new(false),
            enabled: AtomicBool::new(false),
            allowed: AtomicBool::new(false),
        })
    }

    /// The `Napi` around a context on a device's list.
    ///
    /// # Safety
    ///
    /// `napi` is the `napi_struct` of a live `Napi`, valid for `'a`.
    pub(crate) unsafe fn from_raw<'a>(napi: *mut bindings::napi_struct) -> &'a Self {
        // SAFETY: `napi` is the first field of a `repr(C)` `Napi` (type invariant), live for
        // `'a` (function's requirement).
        unsafe { &*napi.cast::<Self>() }
    }

    #[inline]
    fn raw(&self) -> *mut bindings::napi_struct {
        self.napi.get()
    }

    /// Attaches this context to `dev`, with `T::poll`. It must be a field of
    /// `dev`'s own state (checked), so that it lives exactly as long as the
    /// device; the core deletes it in `free_netdev`. Called by
    /// `Registration::add_napi`, before the device is registered.
    pub(crate) fn add<T: Poll>(&self, dev: &Handle<T>) -> Result {
        let start = dev.data() as *const T as usize;
        let me = self as *const Self as usize;
        if me < start || me + core::mem::size_of::<Self>() > start + core::mem::size_of::<T>() {
            return Err(EINVAL);
        }
        if self.added.swap(true, Ordering::AcqRel) {
            return Err(EBUSY);
        }
        // SAFETY: `dev` is valid and not registered (the caller's state); the context is
        // zeroed, pinned inside `dev`'s private area (checked above) and added once.
        unsafe { bindings::netif_napi_add(dev.as_raw(), self.raw(), Some(Adapter::<T>::poll)) };
        Ok(())
    }

    /// Enables polling (`napi_enable`), typically in `open`. Fails with
    /// `EINVAL` unless the device's `open` is running or the device is open
    /// (so registered: a poll sees its device's parent as bound, which only
    /// a registration guarantees; and a `stop`, or the failure of that
    /// `open`, disables it again, before `unregister_netdev` waits for the
    /// references a poll may take); does nothing if already enabled. May
    /// sleep (it serialises with [`Self::disable`]): process context only,
    /// not from an interrupt handler or a poll.
    pub fn enable(&self) -> Result {
        let _guard = self.lock.lock();
        // `allowed` changes under `lock` only (type invariant).
        if !self.added.load(Ordering::Acquire) || !self.allowed.load(Ordering::Acquire) {
            return Err(EINVAL);
        }
        if !self.enabled.load(Ordering::Acquire) {
            // SAFETY: added and disabled (invariant), and no other state change runs (`lock`).
            unsafe { bindings::napi_enable(self.raw()) };
            self.enabled.store(true, Ordering::Release);
        }
        Ok(())
    }

    /// Disables polling, waiting for a running poll to finish
    /// (`napi_disable`); does nothing if not enabled. May sleep: process
    /// context only, and never from this context's own poll, which it
    /// would wait for forever.
    pub fn disable(&self) {
        let _guard = self.lock.lock();
        self.disable_locked();
    }

    /// `disable`, with `lock` held by the caller.
    fn disable_locked(&self) {
        if self.enabled.load(Ordering::Acquire) {
            self.enabled.store(false, Ordering::Release);
            // SAFETY: added and enabled (invariant), and no other state change runs (`lock`).
            unsafe { bindings::napi_disable(self.raw()) };
        }
    }

    /// Lets [`Self::enable`] work: the device's `open` is about to run.
    /// Called by the `open` trampoline only.
    pub(crate) fn allow(&self) {
        let _guard = self.lock.lock();
        self.allowed.store(true, Ordering::Release);
    }

    /// Disables the context and keeps [`Self::enable`] from working again
    /// until the next `open`. Called by the `open` trampoline when `open`
    /// fails, by the `stop` trampoline and before the state is dropped.
    pub(crate) fn forbid(&self) {
        let _guard = self.lock.lock();
        self.allowed.store(false, Ordering::Release);
        self.disable_locked();
    }

    /// Schedules a poll, e.g. from the interrupt handler. Returns whether
    /// this call scheduled it (it was not scheduled yet and is enabled).
    #[inline]
    pub fn schedule(&self) -> bool {
        if !self.enabled.load(Ordering::Acquire) {
            return false;
        }
        // SAFETY: added; scheduling is valid in any context, and a context being disabled
        // refuses it (`napi_schedule_prep` checks `NAPI_STATE_DISABLE`).
        unsafe { bindings::napi_schedule(self.raw()) }
    }
}

/// The lock serialising a context's `enable` and `disable`. Not inlined:
/// the lock's lockdep class key and its name must both live in this crate.
/// With the initialiser inlined into a module, the name would point into
/// the module's memory while the key stays here, and the next load of the
/// module (or a context made by another crate) would give lockdep the same
/// key with another name, which it reports (and an unloaded module's name).
#[inline(never)]
fn state_lock() -> impl PinInit<Mutex<()>> {
    new_mutex!((), "napi_state")
}

/// Makes a lifetime invariant: a brand that no other lifetime converts to.
type Brand<'a> = PhantomData<fn(&'a ()) -> &'a ()>;

/// What the poll function may do, for one poll call. Consumed by
/// [`PollCtx::complete`], which ends the call.
///
/// # Invariants
///
/// `napi` is the context being polled by the call that made this value,
/// with `budget`; `'a` is that call's own lifetime (invariant), so a
/// [`PollDone<'a>`] cannot come from another call's context.
pub struct PollCtx<'a> {
    napi: *mut bindings::napi_struct,
    budget: i32,
    _p: PhantomData<&'a Napi>,
    _brand: Brand<'a>,
}

/// The end of a poll call, made only by [`PollCtx::complete`] of that
/// call's context: the work done, and whether polling is over.
pub struct PollDone<'a> {
    work: i32,
    rearm: bool,
    _brand: Brand<'a>,
}

impl PollDone<'_> {
    /// Whether polling is over and the driver should turn its interrupts
    /// back on.
    #[inline]
    pub fn rearm(&self) -> bool {
        self.rearm
    }
}

impl<'a> PollCtx<'a> {
    /// The context being polled, one of its device's (compare it with
    /// `core::ptr::eq` to tell a device's contexts apart).
    #[inline]
    pub fn napi(&self) -> &Napi {
        // SAFETY: the context being polled is a live `Napi` inside the device's state (type
        // invariant), which outlives the poll call, and so `self`.
        unsafe { Napi::from_raw(self.napi) }
    }

    /// The most receive work this poll may do.
    #[inline]
    pub fn budget(&self) -> i32 {
        self.budget
    }

    /// Allocates a receive buffer of `len` bytes from the per-CPU NAPI cache.
    /// Fails with `EINVAL` in a poll with a zero budget (netpoll's, which
    /// may run in any context, even hard interrupt: no receive work then).
    #[inline]
    pub fn alloc_skb(&self, len: u32) -> Result<SkBuff> {
        if self.budget == 0 {
            return Err(EINVAL);
        }
        // SAFETY: in poll context for this NAPI, in softirq (a non-zero budget).
        let skb = unsafe { bindings::napi_alloc_skb(self.napi, len) };
        // SAFETY: a new buffer we own, or null.
        unsafe { SkBuff::from_raw(skb) }.ok_or(ENOMEM)
    }

    /// Hands a received packet to the stack, through GRO, as received on
    /// this context's device. In a poll with a zero budget (netpoll) the
    /// packet is dropped instead: no receive work may happen then; so is a
    /// packet without a MAC header (no `eth_type_trans`), which GRO would
    /// compare with the headers of the packets it holds, and a shared or
    /// cloned one (GRO takes the buffer as the driver's alone: it steals
    /// its head and frees it whatever other references exist). What a
    /// transmit path left on a reused buffer is dropped: its socket (whose
    /// memory is given back), route, checksum request and segmentation.
    #[inline]
    pub fn gro_receive(&self, skb: SkBuff) {
        if self.budget == 0 {
            skb.drop_with(crate::net::skb::DropReason::NotSpecified);
            return;
        }
        // SAFETY: in poll context, in softirq (a non-zero budget); the buffer is given away;
        // the helper sets its device to this context's.
        unsafe { bindings::rnet_napi_gro_receive(self.napi, skb.into_raw()) };
    }

    /// Frees a transmitted buffer in poll context (batched).
    #[inline]
    pub fn consume_skb(&self, skb: SkBuff) {
        // SAFETY: in poll context; `budget` tells the core it is NAPI.
        unsafe { bindings::napi_consume_skb(skb.into_raw(), self.budget) };
    }

    /// Ends this poll call after `work_done` units of work. With less work
    /// than the budget, polling ends (`napi_complete_done`) and
    /// [`PollDone::rearm`] says whether the driver should re-enable its
    /// interrupts; with the whole budget used (or a zero budget, as netpoll
    /// gives), the core keeps the context scheduled and polls again.
    #[inline]
    pub fn complete(self, work_done: i32) -> PollDone<'a> {
        let work = work_done.clamp(0, self.budget);
        if work >= self.budget {
            // The core owns the context when the budget is used up: it
            // must not be completed.
            return PollDone {
                work,
                rearm: false,
                _brand: PhantomData,
            };
        }
        // SAFETY: in poll context for this NAPI, with less than the budget done; `self` is
        // consumed, so nothing of the poll context is used after completing.
        let rearm = unsafe { bindings::napi_complete_done(self.napi, work) };
        PollDone {
            work,
            rearm,
            _brand: PhantomData,
        }
    }
}

struct Adapter<T: Poll>(PhantomData<T>);

impl<T: Poll> Adapter<T> {
    /// # Safety
    ///
    /// Only the C core calls this, through the ops table, with valid arguments.
    unsafe extern "C" fn poll(
        napi: *mut bindings::napi_struct,
        budget: crate::ffi::c_int,
    ) -> crate::ffi::c_int {
        // SAFETY: the core polls a context we added to `napi->dev`, whose private area holds a
        // `T` (invariant of `Napi`); a context is enabled only while its device is registered
        // under its parent's devres, and disabled before the registration is gone, so the
        // parent is bound while this runs.
        let dev = unsafe { Device::<T>::from_raw((*napi).dev) };
        // INVARIANT: the context the core polls, with its budget; the lifetime is this call's.
        let ctx = PollCtx {
            napi,
            budget,
            _p: PhantomData,
            _brand: PhantomData,
        };
        T::poll(dev, ctx).work
    }
}
