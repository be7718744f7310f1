// SPDX-License-Identifier: GPL-2.0

// Completing a poll consumes its context: nothing valid only in poll
// context (GRO here) can follow.
//
// A compile-fail case of `make check` (tools/rnet/compile_fail.sh, which
// puts it in a module of its own): the line after the `ERROR` and `OK`
// comments must fail to compile, with the message the `ERROR` comment
// gives; with that line replaced by the code of the `OK` comment, the
// module must build.

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
