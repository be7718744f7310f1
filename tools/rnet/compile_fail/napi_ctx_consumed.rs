// SPDX-License-Identifier: GPL-2.0

//! Completing a poll consumes its context: nothing valid only in poll
//! context (GRO here) can follow.
//!
//! A compile-fail case of `make check` (tools/rnet/compile_fail.sh): the
//! line after the `ERROR` and `OK` comments must fail to compile, with the
//! message the `ERROR` comment gives; with that line replaced by the code
//! of the `OK` comment, the module must build.

#![allow(dead_code, unused_variables)]

use kernel::prelude::*;

module! {
    type: Case,
    name: "cf_napi_ctx_consumed",
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

use kernel::net::{
    napi::{PollCtx, PollDone},
    skb::SkBuff,
};

fn poll<'a>(ctx: PollCtx<'a>, skb: SkBuff) -> PollDone<'a> {
    let done = ctx.complete(1);
    // ERROR: borrow of moved value: `ctx`
    // OK: drop(skb);
    ctx.gro_receive(skb);
    done
}
