// SPDX-License-Identifier: GPL-2.0

//! Per-namespace state with its `/proc/net` file, sysctls, a timer and a
//! delayed work item: the pieces of `kernel::net::pernet`,
//! `kernel::timer` and `kernel::delayed_work` that rnet's protocol modules
//! build on, used together in every network namespace.
//!
//! In each namespace:
//! - `net.rnet_netns.value` (0..=1000) is a plain value;
//! - `net.rnet_netns.interval_ms` (0..=10000) runs a timer every that many
//!   milliseconds (0: stopped), counting its runs; a running timer keeps
//!   the module loaded (write 0 to unload it: the module's exit, which
//!   would stop `init_net`'s, does not run while a timer is pending);
//! - each write of either schedules a delayed work item (50 ms later),
//!   counting its runs (writes close together run it once);
//! - `/proc/net/rnet_netns` shows the namespace's cookie and the counts.
//!
//! With `leak=1`, init also leaks a second registration (its `/proc/net`
//! file is `rnet_netns_leaked`), which the module scope releases when the
//! module goes. With `fail_ms=N`, init arms a timer for N ms, drops its
//! own reference to the timer's object and fails: the loader waits for the
//! timer before it frees the module.

use core::fmt::Write;
use core::sync::atomic::{AtomicI32, AtomicU64, Ordering};
use kernel::delayed_work::{self, DelayedWork, DelayedWorkCallback};
use kernel::net::pernet::{self, Id, IntSysctl, NetCtx, SeqFile};
use kernel::prelude::*;
use kernel::sync::Arc;
use kernel::timer::{self, Timer, TimerCallback};
use kernel::{c_str, new_delayed_work, new_timer};

module! {
    type: RnetNetns,
    name: "rnet_netns",
    author: "rnet developers",
    description: "rnet: per-netns state, /proc/net, sysctl, timer and delayed work sample",
    license: "GPL",
}

kernel::module_param_int!(
    leak,
    0,
    "1: leak a second pernet registration at init (a test of the module scope)"
);
kernel::module_param_int!(
    fail_ms,
    0,
    "N > 0: arm a timer for N ms and fail init (a test of the failed-init wait)"
);

/// What the timer and the work item of one namespace touch.
#[pin_data]
struct Ticker {
    interval_ms: AtomicI32,
    ticks: AtomicU64,
    works: AtomicU64,
    #[pin]
    timer: Timer<Ticker>,
    #[pin]
    work: DelayedWork<Ticker>,
}

impl TimerCallback for Ticker {
    fn timer(&self) -> &Timer<Self> {
        &self.timer
    }

    fn run(this: Arc<Self>) {
        this.ticks.fetch_add(1, Ordering::Relaxed);
        let ms = this.interval_ms.load(Ordering::Relaxed);
        if ms > 0 {
            // Fails only after shutdown (the namespace is going): then the
            // ticking stops, as it should.
            let _ = timer::arm_after(&this, ms as u32);
        }
    }
}

impl DelayedWorkCallback for Ticker {
    fn work(&self) -> &DelayedWork<Self> {
        &self.work
    }

    fn run(this: Arc<Self>) {
        this.works.fetch_add(1, Ordering::Relaxed);
    }
}

static NETNS: Id<NetnsState> = Id::new();

/// One namespace's state.
#[pin_data]
struct NetnsState {
    cookie: u64,
    value: AtomicI32,
    interval_ms: AtomicI32,
    ticker: Arc<Ticker>,
}

impl pernet::Operations for NetnsState {
    const ID: &'static Id<Self> = &NETNS;

    fn init(net: &NetCtx) -> impl PinInit<Self, Error> {
        try_pin_init!(NetnsState {
            cookie: net.cookie(),
            value: AtomicI32::new(0),
            interval_ms: AtomicI32::new(0),
            ticker: Arc::pin_init(
                pin_init!(Ticker {
                    interval_ms: AtomicI32::new(0),
                    ticks: AtomicU64::new(0),
                    works: AtomicU64::new(0),
                    timer <- new_timer!(&THIS_MODULE, "rnet_netns::timer"),
                    work <- new_delayed_work!(&THIS_MODULE, "rnet_netns::work"),
                }),
                GFP_KERNEL,
            )?,
        }? Error)
    }

    fn pre_exit(&self, _net: &NetCtx) {
        // Nothing runs for this namespace once its state is gone: the
        // timer and the work item take no new runs after this (a run in
        // progress holds its own reference to the ticker).
        timer::shutdown(&self.ticker);
        delayed_work::shutdown(&self.ticker);
    }

    const PROC_NAME: Option<&'static CStr> = Some(c_str!("rnet_netns"));

    fn show(&self, m: &mut SeqFile) -> Result {
        let t = &self.ticker;
        let _ = write!(
            m,
            "cookie {}\nvalue {}\ninterval_ms {}\nticks {}\nworks {}\n",
            self.cookie,
            self.value.load(Ordering::Relaxed),
            self.interval_ms.load(Ordering::Relaxed),
            t.ticks.load(Ordering::Relaxed),
            t.works.load(Ordering::Relaxed),
        );
        Ok(())
    }

    const SYSCTL_DIR: Option<&'static CStr> = Some(c_str!("net/rnet_netns"));

    const SYSCTLS: &'static [IntSysctl<Self>] = &[
        IntSysctl {
            name: c_str!("value"),
            mode: 0o644,
            min: 0,
            max: 1000,
            value: |s| &s.value,
        },
        IntSysctl {
            name: c_str!("interval_ms"),
            mode: 0o644,
            min: 0,
            max: 10000,
            value: |s| &s.interval_ms,
        },
    ];

    fn sysctl_written(&self, index: usize, value: i32) {
        let t = &self.ticker;
        if index == 1 {
            t.interval_ms.store(value, Ordering::Relaxed);
            let r = if value > 0 {
                timer::arm_after(t, value as u32)
            } else {
                timer::cancel(t);
                Ok(())
            };
            if r.is_err() {
                pr_warn!("rnet_netns: timer not armed (namespace going)\n");
            }
        }
        if delayed_work::schedule(t, 50).is_err() {
            pr_warn!("rnet_netns: work not scheduled (namespace going)\n");
        }
    }
}

/// A timer armed by an init that then fails.
#[pin_data]
struct InitProbe {
    #[pin]
    timer: Timer<InitProbe>,
}

impl TimerCallback for InitProbe {
    fn timer(&self) -> &Timer<Self> {
        &self.timer
    }

    fn run(_this: Arc<Self>) {
        pr_info!("rnet_netns: the timer of the failed init ran\n");
    }
}

static LEAKED: Id<LeakedState> = Id::new();

/// The state of the registration `leak=1` leaks.
struct LeakedState;

impl pernet::Operations for LeakedState {
    const ID: &'static Id<Self> = &LEAKED;

    fn init(_net: &NetCtx) -> impl PinInit<Self, Error> {
        LeakedState
    }

    const PROC_NAME: Option<&'static CStr> = Some(c_str!("rnet_netns_leaked"));

    fn show(&self, m: &mut SeqFile) -> Result {
        let _ = writeln!(m, "leaked");
        Ok(())
    }
}

struct RnetNetns {
    _reg: Pin<KBox<pernet::Registration<NetnsState>>>,
}

impl kernel::Module for RnetNetns {
    fn init(module: &'static ThisModule) -> Result<Self> {
        let ms = fail_ms.get();
        if ms > 0 {
            // The module is freed when init fails, whatever it holds: the
            // loader must wait for this timer.
            let probe = Arc::pin_init(
                pin_init!(InitProbe {
                    timer <- new_timer!(module, "rnet_netns::init_probe"),
                }),
                GFP_KERNEL,
            )?;
            timer::arm_after(&probe, ms as u32)?;
            // The pending timer keeps the object (and the module) alive.
            drop(probe);
            pr_info!("rnet_netns: failing init with a timer pending\n");
            return Err(EAGAIN);
        }
        let reg = KBox::pin_init(pernet::Registration::new(module), GFP_KERNEL)?;
        if leak.get() == 1 {
            let leaked =
                KBox::pin_init(pernet::Registration::<LeakedState>::new(module), GFP_KERNEL)?;
            core::mem::forget(leaked);
            pr_info!("rnet_netns: leaked a registration on purpose\n");
        }
        pr_info!("rnet_netns: loaded\n");
        Ok(Self { _reg: reg })
    }
}

impl Drop for RnetNetns {
    fn drop(&mut self) {
        pr_info!("rnet_netns: unloading\n");
    }
}
