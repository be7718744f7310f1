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
/// use kernel::{time::msecs_to_jiffies, timer::jiffies};
///
/// let j0 = jiffies();
/// kernel::delay::msleep(20);
/// // What msleep promises is in jiffies: at least 20 ms of them passed.
/// // (Under emulation a late timer interrupt makes jiffies catch up in
/// // one step, so the monotonic clock may see a shorter sleep.)
/// assert!(jiffies().wrapping_sub(j0) >= msecs_to_jiffies(20));
/// ```
pub fn msleep(ms: u32) {
    // SAFETY: no memory precondition; the context rule is documented above.
    unsafe { bindings::msleep(ms) }
}
