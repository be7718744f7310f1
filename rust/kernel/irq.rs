// SPDX-License-Identifier: GPL-2.0

//! Interrupt handlers.
//!
//! C header: [`include/linux/interrupt.h`](srctree/include/linux/interrupt.h)

use crate::{
    bindings,
    devres::Devres,
    error::to_result,
    pci::{self, IrqVectors},
    prelude::*,
    str::CStr,
    sync::Arc,
};
use core::marker::PhantomPinned;

/// What a handler did with an interrupt.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum IrqReturn {
    /// The interrupt was not from this device (shared lines).
    None,
    /// The interrupt was handled.
    Handled,
}

/// An interrupt handler. It runs in hard interrupt context: it must not
/// sleep, and usually only acknowledges the device and schedules NAPI.
pub trait Handler: Sync {
    /// Handles one interrupt.
    fn handle(&self) -> IrqReturn;
}

/// Flags for [`Registration::new`].
#[derive(Clone, Copy)]
pub struct Flags(crate::ffi::c_ulong);

impl Flags {
    /// No flag.
    pub const NONE: Self = Self(0);
    /// The line may be shared with other devices (INTx).
    pub const SHARED: Self = Self(bindings::IRQF_SHARED as _);
}

/// The installed handler's line: freed (`free_irq`) when dropped.
///
/// # Invariants
///
/// A handler is installed on `irq` with `dev_id` until drop.
struct IrqFree {
    irq: u32,
    dev_id: *mut crate::ffi::c_void,
}

impl Drop for IrqFree {
    fn drop(&mut self) {
        // SAFETY: installed with this `dev_id` (type invariant); `free_irq` waits for running
        // handlers, so none runs once it returns.
        unsafe { bindings::free_irq(self.irq, self.dev_id) };
    }
}

// SAFETY: `free_irq` may be called from any thread (in process context, where devres and
// `Registration`'s drop run); `dev_id` is only passed back to it.
unsafe impl Send for IrqFree {}
// SAFETY: `IrqFree` has no method taking `&self`.
unsafe impl Sync for IrqFree {}

/// An installed interrupt handler.
///
/// The line is freed when the registration is dropped, or when the PCI
/// device unbinds, whichever comes first: a registration leaked (or kept
/// in a structure that outlives the binding) stops being called at unbind,
/// and so before the module that holds the handler's code can go. After
/// the line is freed the handler is dropped, then the reference to the
/// vectors. The handler is `'static`: it may not borrow anything, since a
/// leaked registration keeps calling it until the unbind.
///
/// Dropping it sleeps (`free_irq` waits for a running handler): drop it
/// in process context, never from its own handler, which would wait for
/// itself.
///
/// # Invariants
///
/// `handler` is installed on `irq` with its own address as `dev_id` from the
/// end of initialisation until `free` lets go of it (on drop or at unbind);
/// `irq` belongs to `_vectors`.
#[pin_data]
pub struct Registration<T: Handler + 'static> {
    // Field order fixes drop order: the line is freed before the handler
    // it calls is dropped.
    free: Devres<IrqFree>,
    #[pin]
    handler: T,
    _vectors: Arc<IrqVectors>,
    #[pin]
    _pin: PhantomPinned,
}

impl<T: Handler + 'static> Registration<T> {
    /// Installs `handler` on vector `index` of `vectors`, which belong to
    /// `dev` (else `EINVAL`). `dev` being bound is what lets the line be
    /// freed at the unbind: the registration joins `dev`'s managed
    /// resources, released when that binding ends. The initialiser borrows
    /// `dev`, so it can only run while the binding it proves lasts.
    ///
    /// May sleep (`request_threaded_irq`).
    pub fn new<'a>(
        dev: &'a pci::Device<pci::Bound>,
        vectors: Arc<IrqVectors>,
        index: u32,
        flags: Flags,
        name: &'static CStr,
        handler: impl PinInit<T, Error> + 'a,
    ) -> impl PinInit<Self, Error> + 'a {
        let init = move |slot: *mut Self| {
            if !core::ptr::eq(dev.as_dev().as_raw(), vectors.device().as_raw()) {
                return Err(EINVAL);
            }
            let irq = vectors.irq(index)?;
            // SAFETY: `slot` is valid, pinned memory for `Self`.
            let hptr = unsafe { core::ptr::addr_of_mut!((*slot).handler) };
            // SAFETY: `hptr` is valid for writes and pinned.
            unsafe { handler.__pinned_init(hptr)? };
            let dev_id = hptr.cast::<crate::ffi::c_void>();
            // SAFETY: `hptr` points to an initialised, pinned handler that outlives the
            // installation (the line is freed before the handler is dropped); `name` is static.
            let ret = unsafe {
                bindings::request_threaded_irq(
                    irq,
                    Some(handle_callback::<T>),
                    None,
                    flags.0,
                    name.as_char_ptr(),
                    dev_id,
                )
            };
            if let Err(e) = to_result(ret) {
                // SAFETY: initialised above, and not installed.
                unsafe { core::ptr::drop_in_place(hptr) };
                return Err(e);
            }
            // INVARIANT: installed just now; `IrqFree` frees it.
            let free = match Devres::new(dev, IrqFree { irq, dev_id }) {
                Ok(free) => free,
                Err(e) => {
                    // The `IrqFree` was dropped, freeing the line.
                    // SAFETY: initialised above, and no longer installed.
                    unsafe { core::ptr::drop_in_place(hptr) };
                    return Err(e);
                }
            };
            // SAFETY: `slot` is valid for writes; these fields are not pinned.
            unsafe {
                core::ptr::addr_of_mut!((*slot).free).write(free);
                core::ptr::addr_of_mut!((*slot)._vectors).write(vectors);
            }
            Ok(())
        };
        // SAFETY: on success every field is initialised (`_pin` is a ZST); on error the handler
        // was dropped and nothing else was written.
        unsafe { crate::init::pin_init_from_closure(init) }
    }

    /// The handler.
    pub fn handler(&self) -> &T {
        &self.handler
    }
}

/// # Safety
///
/// Only the C core calls this, through the ops table, with valid arguments.
unsafe extern "C" fn handle_callback<T: Handler + 'static>(
    _irq: crate::ffi::c_int,
    dev_id: *mut crate::ffi::c_void,
) -> bindings::irqreturn_t {
    // SAFETY: `dev_id` is the handler's address, valid while installed (type invariant of
    // `Registration`).
    let handler = unsafe { &*dev_id.cast::<T>() };
    match handler.handle() {
        IrqReturn::None => bindings::irqreturn_IRQ_NONE,
        IrqReturn::Handled => bindings::irqreturn_IRQ_HANDLED,
    }
}
