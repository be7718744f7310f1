// SPDX-License-Identifier: GPL-2.0

//! Read-only integer module parameters.
//!
//! C header: [`include/linux/moduleparam.h`](srctree/include/linux/moduleparam.h)
//!
//! 6.12's `module!` macro has no parameters. [`module_param_int!`] declares
//! one as `module_param(name, int, 0444)` does: the loader sets it from the
//! command line (`modprobe mod name=value`) before the module's `init`
//! runs, and it is read-only afterwards (sysfs shows it, nothing writes
//! it), so reading it needs no lock.
//!
//! [`module_param_int!`]: crate::module_param_int

use crate::{bindings, ffi::c_int};
use core::cell::UnsafeCell;

/// The storage of an integer module parameter (see [`crate::module_param_int!`]).
///
/// # Invariants
///
/// Written only by the module loader's parameter parsing, before the
/// module's `init` runs (the parameter's permissions are 0444: no sysfs
/// write); read-only afterwards.
#[repr(transparent)]
pub struct IntParam(UnsafeCell<c_int>);

// SAFETY: written only before the module's code runs (type invariant), then only read.
unsafe impl Sync for IntParam {}

impl IntParam {
    /// A parameter with value `default` until the loader sets it.
    pub const fn new(default: c_int) -> Self {
        Self(UnsafeCell::new(default))
    }

    /// The value.
    pub fn get(&self) -> c_int {
        // SAFETY: no writer once the module's code runs (type invariant); a volatile read, as
        // the C side wrote it.
        unsafe { self.0.get().read_volatile() }
    }

    #[doc(hidden)]
    pub const fn as_ptr(&self) -> *mut core::ffi::c_void {
        self.0.get().cast()
    }
}

/// A `kernel_param` entry in the `__param` section, which the loader reads.
/// Made only by [`int_param`] (the field is private): the loader trusts
/// every pointer in it.
#[doc(hidden)]
#[repr(transparent)]
pub struct ParamEntry(bindings::kernel_param);

// SAFETY: the entry is only read, by the loader and sysfs; its pointers are to statics.
unsafe impl Sync for ParamEntry {}

/// The entry of an `int` parameter named `name` stored in `storage`.
///
/// # Safety
///
/// `name` ends with a NUL byte (the loader reads it as a C string).
#[doc(hidden)]
pub const unsafe fn int_param(name: &'static [u8], storage: &'static IntParam) -> ParamEntry {
    ParamEntry(bindings::kernel_param {
        name: name.as_ptr().cast(),
        mod_: core::ptr::null_mut(),
        ops: core::ptr::addr_of!(bindings::param_ops_int),
        perm: 0o444,
        level: -1,
        flags: 0,
        __bindgen_anon_1: bindings::kernel_param__bindgen_ty_1 {
            arg: storage.as_ptr(),
        },
    })
}

/// Declares a read-only `int` module parameter `$name` with a default and
/// a description (`modinfo` shows both), stored in a static
/// [`IntParam`](crate::module_param::IntParam) of that name. Use it at the
/// top level of a loadable module's crate; read it with `$name.get()`.
///
/// ```ignore
/// kernel::module_param_int!(IntMode, 2, "Interrupt mode: 0 INTx, 1 MSI, 2 MSI-X");
/// ```
#[macro_export]
macro_rules! module_param_int {
    ($name:ident, $default:expr, $desc:literal) => {
        #[allow(non_upper_case_globals)]
        static $name: $crate::module_param::IntParam =
            $crate::module_param::IntParam::new($default);

        const _: () = {
            #[link_section = "__param"]
            #[used(compiler)]
            // SAFETY: the name is NUL-terminated.
            static PARAM: $crate::module_param::ParamEntry = unsafe {
                $crate::module_param::int_param(concat!(stringify!($name), "\0").as_bytes(), &$name)
            };

            #[cfg(MODULE)]
            #[link_section = ".modinfo"]
            #[used(compiler)]
            static PARMTYPE: [u8; concat!("parmtype=", stringify!($name), ":int\0").len()] =
                $crate::module_param::bytes(concat!("parmtype=", stringify!($name), ":int\0"));

            #[cfg(MODULE)]
            #[link_section = ".modinfo"]
            #[used(compiler)]
            static PARM: [u8; concat!("parm=", stringify!($name), ":", $desc, "\0").len()] =
                $crate::module_param::bytes(concat!("parm=", stringify!($name), ":", $desc, "\0"));
        };
    };
}

/// The bytes of `s` as an array (for `.modinfo` strings).
#[doc(hidden)]
pub const fn bytes<const N: usize>(s: &str) -> [u8; N] {
    let b = s.as_bytes();
    let mut out = [0u8; N];
    let mut i = 0;
    while i < N && i < b.len() {
        out[i] = b[i];
        i += 1;
    }
    out
}
