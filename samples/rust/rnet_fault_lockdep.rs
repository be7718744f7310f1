// SPDX-License-Identifier: GPL-2.0

//! A deliberately faulty module for `make check`'s fault suite (debug
//! flavour only): on load it takes two spinlocks in one order, then in the
//! other. One thread cannot deadlock itself that way, but lockdep sees the
//! inversion and reports a possible circular locking dependency, which the
//! console scan must turn into a failure. Never load it in a kernel you
//! care about: lockdep turns itself off after its first report.

use kernel::{new_spinlock, prelude::*, sync::SpinLock};

module! {
    type: RnetFaultLockdep,
    name: "rnet_fault_lockdep",
    author: "rnet developers",
    description: "rnet: provokes a lockdep report (test only)",
    license: "GPL",
}

#[pin_data]
struct Pair {
    #[pin]
    a: SpinLock<u32>,
    #[pin]
    b: SpinLock<u32>,
}

struct RnetFaultLockdep {
    _pair: Pin<KBox<Pair>>,
}

impl kernel::Module for RnetFaultLockdep {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let pair = KBox::pin_init(
            pin_init!(Pair {
                a <- new_spinlock!(0, "rnet_fault_lockdep:a"),
                b <- new_spinlock!(0, "rnet_fault_lockdep:b"),
            }),
            GFP_KERNEL,
        )?;
        {
            let _a = pair.a.lock();
            let _b = pair.b.lock();
        }
        {
            let _b = pair.b.lock();
            let _a = pair.a.lock();
        }
        pr_info!("took a then b, then b then a\n");
        Ok(Self { _pair: pair })
    }
}
