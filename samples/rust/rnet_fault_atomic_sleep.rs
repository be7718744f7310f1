// SPDX-License-Identifier: GPL-2.0

//! A deliberately faulty module for `make check`'s fault suite (debug
//! flavour only): on load it takes a mutex, which may sleep, while it holds
//! a spinlock. The mutex is free, so nothing blocks, but
//! `CONFIG_DEBUG_ATOMIC_SLEEP` reports the sleeping function called from
//! atomic context, which the console scan must turn into a failure. Never
//! load it in a kernel you care about.

use kernel::{
    new_mutex, new_spinlock,
    prelude::*,
    sync::{Mutex, SpinLock},
};

module! {
    type: RnetFaultAtomicSleep,
    name: "rnet_fault_atomic_sleep",
    author: "rnet developers",
    description: "rnet: provokes a sleep-in-atomic report (test only)",
    license: "GPL",
}

#[pin_data]
struct Pair {
    #[pin]
    spin: SpinLock<u32>,
    #[pin]
    mutex: Mutex<u32>,
}

struct RnetFaultAtomicSleep {
    _pair: Pin<KBox<Pair>>,
}

impl kernel::Module for RnetFaultAtomicSleep {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let pair = KBox::pin_init(
            pin_init!(Pair {
                spin <- new_spinlock!(0, "rnet_fault_atomic_sleep:spin"),
                mutex <- new_mutex!(0, "rnet_fault_atomic_sleep:mutex"),
            }),
            GFP_KERNEL,
        )?;
        {
            let _spin = pair.spin.lock();
            let _mutex = pair.mutex.lock();
        }
        pr_info!("took a mutex under a spinlock\n");
        Ok(Self { _pair: pair })
    }
}
