// SPDX-License-Identifier: GPL-2.0

//! A deliberately faulty module for `make check`'s fault suite: on load it
//! holds its CPU for 12 seconds with preemption off, a grace period being
//! under way, so that RCU reports a CPU stall (with the suite's 3-second
//! stall timeout) which the console scan must turn into a failure. 12
//! seconds stay below the soft-lockup threshold (20 s). Then it returns and
//! can be unloaded. Never load it in a kernel you care about.

use kernel::{bindings, new_spinlock, prelude::*, sync::SpinLock, time::Ktime};

module! {
    type: RnetFaultStall,
    name: "rnet_fault_stall",
    author: "rnet developers",
    description: "rnet: provokes an RCU CPU stall report (test only)",
    license: "GPL",
}

/// How long the CPU is held.
const HOLD_MS: i64 = 12_000;

struct RnetFaultStall;

impl kernel::Module for RnetFaultStall {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let lock: Pin<KBox<SpinLock<()>>> =
            KBox::pin_init(new_spinlock!((), "rnet_fault_stall"), GFP_KERNEL)?;
        // A grace period must be waiting for this CPU for RCU to notice it,
        // and it must have begun after the test lowered the stall timeout
        // (a grace period keeps the timeout it began with): end the one in
        // progress, if any, then start a new one.
        // SAFETY: no precondition; process context (module init).
        unsafe { bindings::synchronize_rcu() };
        // SAFETY: no precondition; the cookie is not needed.
        let _ = unsafe { bindings::start_poll_synchronize_rcu() };
        let t0 = Ktime::ktime_get();
        {
            // Preemption is off while the lock is held: no quiescent state.
            let _guard = lock.lock();
            while kernel::time::ktime_ms_delta(Ktime::ktime_get(), t0) < HOLD_MS {
                core::hint::spin_loop();
            }
        }
        pr_info!("held the CPU for {} ms\n", HOLD_MS);
        Ok(Self)
    }
}
