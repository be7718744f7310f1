// SPDX-License-Identifier: GPL-2.0

//! NAPI: interrupt-mitigated polling of a device's rings.
//!
//! C header: [`include/linux/netdevice.h`](srctree/include/linux/netdevice.h)
//!
//! A [`Napi`] lives inside the driver's state in a net device's private area
//! and is attached to that device with [`Napi::add`]; the core deletes it
//! when the device is freed. The poll function gets a [`PollCtx`], the only
//! way to reach what is valid in poll context alone: allocating receive
//! buffers from the per-CPU cache, handing packets to GRO, completing.

use crate::{
    bindings,
    net::{
        dev::{Device, DeviceOperations},
        skb::SkBuff,
    },
    prelude::*,
    types::Opaque,
};
use core::{
    marker::PhantomData,
    sync::atomic::{AtomicBool, Ordering},
};

/// The poll function of a device's NAPI context.
pub trait Poll: DeviceOperations {
    /// Does at most `ctx.budget()` units of receive work (transmit
    /// completions do not count) and returns the work done. Returning less
    /// than the budget after [`PollCtx::complete_done`] returned `true` means
    /// the driver re-enabled its interrupts.
    fn poll(dev: &Device<Self>, ctx: &mut PollCtx<'_>) -> i32;
}

/// A NAPI context (`struct napi_struct`).
///
/// # Invariants
///
/// Once `added` is set, `napi` is on the `napi_list` of the device whose
/// private area contains it, with `Adapter::<T>::poll` for that device's `T`.
/// `enabled` mirrors `napi_enable`/`napi_disable`.
#[pin_data]
pub struct Napi {
    #[pin]
    napi: Opaque<bindings::napi_struct>,
    added: AtomicBool,
    enabled: AtomicBool,
}

// SAFETY: the NAPI core serialises polling; the flags are atomics.
unsafe impl Send for Napi {}
// SAFETY: as above; `schedule` may be called from any context.
unsafe impl Sync for Napi {}

impl Napi {
    /// A NAPI context not attached to any device yet.
    pub fn new() -> impl PinInit<Self> {
        pin_init!(Self {
            // SAFETY: all-zero is the state `netif_napi_add` expects.
            napi <- Opaque::ffi_init(|p: *mut bindings::napi_struct| unsafe { p.write_bytes(0, 1) }),
            added: AtomicBool::new(false),
            enabled: AtomicBool::new(false),
        })
    }

    #[inline]
    fn raw(&self) -> *mut bindings::napi_struct {
        self.napi.get()
    }

    /// Attaches this context to `dev`, with `T::poll`. It must be a field of
    /// `dev`'s own state (checked), so that it lives exactly as long as the
    /// device; the core deletes it in `free_netdev`.
    pub fn add<T: Poll>(&self, dev: &Device<T>) -> Result {
        let start = dev.data() as *const T as usize;
        let me = self as *const Self as usize;
        if me < start || me + core::mem::size_of::<Self>() > start + core::mem::size_of::<T>() {
            return Err(EINVAL);
        }
        if self.added.swap(true, Ordering::AcqRel) {
            return Err(EBUSY);
        }
        // SAFETY: `dev` is valid; the context is zeroed, pinned inside `dev`'s private area
        // (checked above) and added once.
        unsafe { bindings::netif_napi_add(dev.as_raw(), self.raw(), Some(Adapter::<T>::poll)) };
        Ok(())
    }

    /// Enables polling (`napi_enable`); does nothing if already enabled.
    pub fn enable(&self) {
        if self.added.load(Ordering::Acquire) && !self.enabled.swap(true, Ordering::AcqRel) {
            // SAFETY: added and disabled (invariant).
            unsafe { bindings::napi_enable(self.raw()) };
        }
    }

    /// Disables polling, waiting for a running poll to finish
    /// (`napi_disable`); does nothing if not enabled. May sleep.
    pub fn disable(&self) {
        if self.enabled.swap(false, Ordering::AcqRel) {
            // SAFETY: added and enabled (invariant).
            unsafe { bindings::napi_disable(self.raw()) };
        }
    }

    /// Schedules a poll, e.g. from the interrupt handler. Returns whether
    /// this call scheduled it (it was not scheduled yet and is enabled).
    #[inline]
    pub fn schedule(&self) -> bool {
        if !self.enabled.load(Ordering::Acquire) {
            return false;
        }
        // SAFETY: added; scheduling is valid in any context.
        unsafe { bindings::napi_schedule(self.raw()) }
    }
}

/// What the poll function may do, for one poll call.
pub struct PollCtx<'a> {
    napi: *mut bindings::napi_struct,
    budget: i32,
    _p: PhantomData<&'a Napi>,
}

impl PollCtx<'_> {
    /// The most receive work this poll may do.
    #[inline]
    pub fn budget(&self) -> i32 {
        self.budget
    }

    /// Allocates a receive buffer of `len` bytes from the per-CPU NAPI cache.
    #[inline]
    pub fn alloc_skb(&self, len: u32) -> Result<SkBuff> {
        // SAFETY: in poll context for this NAPI.
        let skb = unsafe { bindings::napi_alloc_skb(self.napi, len) };
        // SAFETY: a new buffer we own, or null.
        unsafe { SkBuff::from_raw(skb) }.ok_or(ENOMEM)
    }

    /// Hands a received packet to the stack, through GRO.
    #[inline]
    pub fn gro_receive(&self, skb: SkBuff) {
        // SAFETY: in poll context; the buffer is given away.
        unsafe { bindings::napi_gro_receive(self.napi, skb.into_raw()) };
    }

    /// Frees a transmitted buffer in poll context (batched).
    #[inline]
    pub fn consume_skb(&self, skb: SkBuff) {
        // SAFETY: in poll context; `budget` tells the core it is NAPI.
        unsafe { bindings::napi_consume_skb(skb.into_raw(), self.budget) };
    }

    /// Ends polling after `work_done` (< budget) units of work. Returns
    /// `true` if polling is over and the driver should re-enable its
    /// interrupts.
    #[inline]
    pub fn complete_done(&self, work_done: i32) -> bool {
        // SAFETY: in poll context for this NAPI.
        unsafe { bindings::napi_complete_done(self.napi, work_done) }
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
        // `T` (invariant of `Napi`).
        let dev = unsafe { Device::<T>::from_raw((*napi).dev) };
        let mut ctx = PollCtx {
            napi,
            budget,
            _p: PhantomData,
        };
        let done = T::poll(dev, &mut ctx);
        done.clamp(0, budget)
    }
}
