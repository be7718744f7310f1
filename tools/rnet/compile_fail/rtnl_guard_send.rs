// SPDX-License-Identifier: GPL-2.0

// The proof that RTNL is held stays with the task that took it: it
// cannot be sent to another (which would release a lock it does not hold).
//
// A compile-fail case of `make check` (tools/rnet/compile_fail.sh, which
// puts it in a module of its own): the line after the `ERROR` and `OK`
// comments must fail to compile, with the message the `ERROR` comment
// gives; with that line replaced by the code of the `OK` comment, the
// module must build.

use kernel::net::dev::rtnl_lock;

fn send<T: Send>(value: T) -> T {
    value
}

fn elsewhere() {
    // ERROR: cannot be sent between threads safely
    // OK: let guard = rtnl_lock();
    let guard = send(rtnl_lock());
}
