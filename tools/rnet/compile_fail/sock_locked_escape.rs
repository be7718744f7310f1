// SPDX-License-Identifier: GPL-2.0

// A socket's protocol state is reached through `Locked`, the proof that
// its lock is held, and only for as long as that proof lives: a reference
// to it cannot be kept past the callback that was given the socket.
//
// A compile-fail case of `make check` (tools/rnet/compile_fail.sh, which
// puts it in a module of its own): the line after the `ERROR` and `OK`
// comments must fail to compile, with the message the `ERROR` comment
// gives; with that line replaced by the code of the `OK` comment, the
// module must build.

use kernel::net::inet::{Locked, Protocol};

fn stash<S>(_state: &'static mut S) {}

fn callback<P: Protocol>(mut locked: Locked<'_, P>) {
    // ERROR: `locked` does not live long enough
    // OK: let _state = locked.data();
    stash(locked.data());
}
