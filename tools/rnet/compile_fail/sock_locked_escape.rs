// SPDX-License-Identifier: GPL-2.0

//! A socket's protocol state is reached through `Locked`, the proof that
//! its lock is held, and only for as long as that proof lives: a reference
//! to it cannot be kept past the callback that was given the socket.
//!
//! A compile-fail case of `make check` (tools/rnet/compile_fail.sh): the
//! line after the `ERROR` and `OK` comments must fail to compile, with the
//! message the `ERROR` comment gives; with that line replaced by the code
//! of the `OK` comment, the module must build.

#![allow(dead_code, unused_variables)]

use kernel::prelude::*;

module! {
    type: Case,
    name: "cf_sock_locked_escape",
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

use kernel::net::inet::{Locked, Protocol};

fn stash<S>(_state: &'static mut S) {}

fn callback<P: Protocol>(mut locked: Locked<'_, P>) {
    // ERROR: `locked` does not live long enough
    // OK: let _state = locked.data();
    stash(locked.data());
}
