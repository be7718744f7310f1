// SPDX-License-Identifier: GPL-2.0

//! KUnit suites defined inside a module.
//!
//! C header: [`include/kunit/test.h`](srctree/include/kunit/test.h)
//!
//! 6.12 runs only the `kernel` crate's doc-tests as KUnit; upstream gained
//! `#[kunit_tests]` in 6.15. [`kunit_suite!`](crate::kunit_suite) is the
//! small equivalent used here: it places a `kunit_suite` in the
//! `.kunit_test_suites` section, which KUnit runs when the module (or the
//! kernel, for built-in code) comes up, and reports in KTAP on the console.
//!
//! A test is a plain function returning [`TestResult`]; [`check!`]
//! (crate::kunit_check) returns an error naming the failed condition and
//! its line, and the case is marked failed with that message.

use crate::{bindings, str::CStr};
use core::mem::MaybeUninit;

/// What a test returns: `Err` with a message fails the case.
pub type TestResult = core::result::Result<(), &'static str>;

/// A KUnit case running `run`, named `name`.
pub const fn case(
    name: &'static CStr,
    run: unsafe extern "C" fn(*mut bindings::kunit),
) -> bindings::kunit_case {
    // SAFETY: all-zero is the C initialiser's value for every other field.
    let mut c: bindings::kunit_case = unsafe { MaybeUninit::zeroed().assume_init() };
    c.run_case = Some(run);
    c.name = name.as_char_ptr();
    c
}

/// The all-zero case that ends a case array.
pub const fn end() -> bindings::kunit_case {
    // SAFETY: all-zero is the terminator KUnit looks for.
    unsafe { MaybeUninit::zeroed().assume_init() }
}

/// A suite named `name` (at most 255 bytes) running the zero-terminated
/// `cases`.
pub const fn suite(name: &'static CStr, cases: *mut bindings::kunit_case) -> bindings::kunit_suite {
    // SAFETY: all-zero is the C initialiser's value for every other field.
    let mut s: bindings::kunit_suite = unsafe { MaybeUninit::zeroed().assume_init() };
    let bytes = name.as_bytes_with_nul();
    let mut i = 0;
    // Copy up to the NUL, keeping the last byte of the array a NUL.
    while i + 1 < bytes.len() && i < s.name.len() - 1 {
        // CAST: a byte of the name, as C's `char`.
        s.name[i] = bytes[i] as crate::ffi::c_char;
        i += 1;
    }
    s.test_cases = cases;
    s
}

/// Runs a test for KUnit: on `Err`, prints the message and marks the case
/// failed.
///
/// # Safety
///
/// `test` must be the `struct kunit` KUnit passes to the running case.
pub unsafe fn run(test: *mut bindings::kunit, name: &str, f: fn() -> TestResult) {
    if let Err(msg) = f() {
        crate::kunit::err(format_args!("    # {}: {}\n", name, msg));
        // SAFETY: `test` is the running case's context (guaranteed by the caller); this is
        // what `kunit_set_failure` does.
        unsafe {
            core::ptr::write_volatile(
                core::ptr::addr_of_mut!((*test).status),
                bindings::kunit_status_KUNIT_FAILURE,
            )
        };
    }
}

/// A pointer to a suite, as the `.kunit_test_suites` section holds them.
#[repr(transparent)]
pub struct SuitePtr(pub *mut bindings::kunit_suite);

// SAFETY: only KUnit reads the pointer, once, when it runs the suite.
unsafe impl Sync for SuitePtr {}

/// Fails the current test with the condition's text and line unless it holds.
#[macro_export]
macro_rules! kunit_check {
    ($cond:expr) => {
        if !$cond {
            return Err(concat!(file!(), ":", line!(), ": ", stringify!($cond)));
        }
    };
}

/// Defines a KUnit suite `$name` of the given test functions, each
/// `fn() -> TestResult`.
///
/// # Examples
///
/// ```ignore
/// use kernel::{kunit_check, kunit_suite::TestResult};
///
/// fn adds() -> TestResult {
///     kunit_check!(1 + 1 == 2);
///     Ok(())
/// }
///
/// kernel::kunit_suite!(my_suite, "my_driver_logic", [adds]);
/// ```
#[macro_export]
macro_rules! kunit_suite {
    ($mod:ident, $name:literal, [$($test:ident),+ $(,)?]) => {
        mod $mod {
            use $crate::bindings;
            use $crate::kunit_suite::{case, end, suite, SuitePtr};

            $(
                #[allow(non_snake_case)]
                unsafe extern "C" fn $test(test: *mut bindings::kunit) {
                    // SAFETY: KUnit calls this with the running case's context.
                    unsafe { $crate::kunit_suite::run(test, stringify!($test), super::$test) };
                }
            )+

            static mut CASES: [bindings::kunit_case; [$(stringify!($test)),+].len() + 1] = [
                $(case($crate::c_str!(stringify!($test)), $test),)+
                end(),
            ];

            // Only the addresses of these statics are taken, and KUnit alone
            // uses them.
            static mut SUITE: bindings::kunit_suite =
                suite($crate::c_str!($name), ::core::ptr::addr_of_mut!(CASES).cast());

            #[used]
            #[link_section = ".kunit_test_suites"]
            static SUITES: [SuitePtr; 1] = [SuitePtr(::core::ptr::addr_of_mut!(SUITE))];
        }
    };
}
