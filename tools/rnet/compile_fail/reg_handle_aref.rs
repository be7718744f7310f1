// SPDX-License-Identifier: GPL-2.0

// A device that is not registered yet gives no counted reference: its
// refcount is checked before it is freed, and a reference cloned on
// another CPU meanwhile could escape that check. (`RegHandle` has no
// `Deref` to `Handle` either, whose references are counted.)
//
// A compile-fail case of `make check` (tools/rnet/compile_fail.sh, which
// puts it in a module of its own): the line after the `ERROR` and `OK`
// comments must fail to compile, with the message the `ERROR` comment
// gives; with that line replaced by the code of the `OK` comment, the
// module must build.

use kernel::{
    net::dev::{DeviceOperations, Handle, Registration},
    types::ARef,
};

fn keep<T: DeviceOperations>(reg: &Registration<T>) -> Option<ARef<Handle<T>>> {
    // ERROR: `RegHandle<T>: AlwaysRefCounted` is not satisfied
    // OK: let _ = reg.handle().data();
    let _ = ARef::from(reg.handle());
    None
}
