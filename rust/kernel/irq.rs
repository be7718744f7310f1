// SPDX-License-Identifier: GPL-2.0

//! Interrupt handlers.
//!
//! C header: [`include/linux/interrupt.h`](srctree/include/linux/interrupt.h)

use crate::{bindings, error::to_result, pci::IrqVectors, prelude::*, str::CStr, sync::Arc};
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

/// An installed interrupt handler; `free_irq` runs on drop, after which the
/// handler is dropped, and then the reference to the vectors.
///
/// # Invariants
///
/// `handler` is installed on `irq` with its own address as `dev_id` from the
/// end of initialisation until `drop`; `irq` belongs to `_vectors`.
#[pin_data(PinnedDrop)]
pub struct Registration<T: Handler> {
    #[pin]
    handler: T,
    irq: u32,
    _vectors: Arc<IrqVectors>,
    #[pin]
    _pin: PhantomPinned,
}

impl<T: Handler> Registration<T> {
    /// Installs `handler` on vector `index` of `vectors`.
    pub fn new(
        vectors: Arc<IrqVectors>,
        index: u32,
        flags: Flags,
        name: &'static CStr,
        handler: impl PinInit<T, Error>,
    ) -> impl PinInit<Self, Error> {
        let init = move |slot: *mut Self| {
            let irq = vectors.irq(index)?;
            // SAFETY: `slot` is valid, pinned memory for `Self`.
            let hptr = unsafe { core::ptr::addr_of_mut!((*slot).handler) };
            // SAFETY: `hptr` is valid for writes and pinned.
            unsafe { handler.__pinned_init(hptr)? };
            // SAFETY: `hptr` points to an initialised, pinned handler that outlives the
            // registration (it is freed in `drop` before the handler is dropped); `name` is static.
            let ret = unsafe {
                bindings::request_threaded_irq(
                    irq,
                    Some(handle_callback::<T>),
                    None,
                    flags.0,
                    name.as_char_ptr(),
                    hptr.cast(),
                )
            };
            if let Err(e) = to_result(ret) {
                // SAFETY: initialised above, and not installed.
                unsafe { core::ptr::drop_in_place(hptr) };
                return Err(e);
            }
            // SAFETY: `slot` is valid for writes; these fields are not pinned.
            unsafe {
                core::ptr::addr_of_mut!((*slot).irq).write(irq);
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

#[pinned_drop]
impl<T: Handler> PinnedDrop for Registration<T> {
    fn drop(self: Pin<&mut Self>) {
        // SAFETY: installed with this `dev_id` (type invariant); `free_irq` waits for running
        // handlers, so none runs once it returns.
        unsafe { bindings::free_irq(self.irq, (&self.handler as *const T).cast_mut().cast()) };
    }
}

/// # Safety
///
/// Only the C core calls this, through the ops table, with valid arguments.
unsafe extern "C" fn handle_callback<T: Handler>(
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
