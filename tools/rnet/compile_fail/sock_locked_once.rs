// SPDX-License-Identifier: GPL-2.0

// A socket's `Locked` proof is not copied: there is one holder of its
// protocol state at a time.
//
// A compile-fail case of `make check` (tools/rnet/compile_fail.sh, which
// puts it in a module of its own): the line after the `ERROR` and `OK`
// comments must fail to compile, with the message the `ERROR` comment
// gives; with that line replaced by the code of the `OK` comment, the
// module must build.

use kernel::net::inet::{Locked, Protocol};

fn take<P: Protocol>(_locked: Locked<'_, P>) {}

fn twice<P: Protocol>(locked: Locked<'_, P>) {
    take(locked);
    // ERROR: use of moved value: `locked`
    // OK: let _ = 0;
    take(locked);
}
