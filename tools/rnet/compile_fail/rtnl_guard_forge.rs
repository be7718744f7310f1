// SPDX-License-Identifier: GPL-2.0

// The proof that RTNL is held is made only by taking the lock: it
// cannot be built by hand.
//
// A compile-fail case of `make check` (tools/rnet/compile_fail.sh, which
// puts it in a module of its own): the line after the `ERROR` and `OK`
// comments must fail to compile, with the message the `ERROR` comment
// gives; with that line replaced by the code of the `OK` comment, the
// module must build.

use core::marker::PhantomData;
use kernel::net::dev::{rtnl_lock, RtnlGuard};

fn forge() {
    // ERROR: cannot initialize a tuple struct which contains private fields
    // OK: let guard: RtnlGuard = rtnl_lock();
    let guard: RtnlGuard = RtnlGuard(PhantomData);
}
