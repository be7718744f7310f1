// SPDX-License-Identifier: GPL-2.0

//! Sleeping for a while.
//!
//! C header: [`include/linux/delay.h`](srctree/include/linux/delay.h)

use crate::bindings;

/// Sleeps for at least `ms` milliseconds (`msleep`), in process context:
/// the caller must be allowed to sleep (not atomic, no spinlock held).
/// Sleeping where it is not allowed is a bug the kernel reports
/// (`CONFIG_DEBUG_ATOMIC_SLEEP`), not memory unsafety.
///
/// # Examples
///
/// ```
/// use kernel::time::Ktime;
///
/// let t0 = Ktime::ktime_get();
/// kernel::delay::msleep(20);
/// // msleep counts jiffies, which may lag the clock by a tick or more
/// // under emulation when the timer interrupt comes late: the sleep
/// // is at least 20 ms less that lag as the clock measures it.
/// assert!(kernel::time::ktime_ms_delta(Ktime::ktime_get(), t0) >= 10);
/// ```
pub fn msleep(ms: u32) {
    // SAFETY: no memory precondition; the context rule is documented above.
    unsafe { bindings::msleep(ms) }
}
