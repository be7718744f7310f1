// SPDX-License-Identifier: GPL-2.0

//! The proof that RTNL is held stays with the task that took it: it
//! cannot be sent to another (which would release a lock it does not hold).
//!
//! A compile-fail case of `make check` (tools/rnet/compile_fail.sh): the
//! line after the `ERROR` and `OK` comments must fail to compile, with the
//! message the `ERROR` comment gives; with that line replaced by the code
//! of the `OK` comment, the module must build.

#![allow(dead_code, unused_variables)]

use kernel::prelude::*;

module! {
    type: Case,
    name: "cf_rtnl_guard_send",
    author: "rnet developers",
    description: "rnet compile-fail case",
    license: "GPL",
}

struct Case;

impl kernel::Module for Case {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        Ok(Case)
    }
}

use kernel::net::dev::rtnl_lock;

fn send<T: Send>(value: T) -> T {
    value
}

fn elsewhere() {
    // ERROR: cannot be sent between threads safely
    // OK: let guard = rtnl_lock();
    let guard = send(rtnl_lock());
}
