// SPDX-License-Identifier: GPL-2.0

// A poll call cannot end with the `PollDone` of a context that lives
// shorter than its own either: the brand is neither covariant nor
// contravariant.
//
// A compile-fail case of `make check` (tools/rnet/compile_fail.sh, which
// puts it in a module of its own): the line after the `ERROR` and `OK`
// comments must fail to compile, with the message the `ERROR` comment
// gives; with that line replaced by the code of the `OK` comment, the
// module must build.

use kernel::net::napi::{PollCtx, PollDone};

fn swap<'a: 'b, 'b>(mine: PollCtx<'a>, other: PollCtx<'b>) -> PollDone<'a> {
    let _ = mine;
    // ERROR: lifetime may not live long enough
    // OK: mine.complete(0)
    other.complete(0)
}
