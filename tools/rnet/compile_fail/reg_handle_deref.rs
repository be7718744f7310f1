// SPDX-License-Identifier: GPL-2.0

// A device that is not registered yet gives no `Handle`, whose references
// are counted (`ARef<Handle<T>>`): `RegHandle` does not deref to one, so
// no counted reference escapes the refcount check made before a
// never-registered device is freed (reg_handle_aref.rs: nor directly).
//
// A compile-fail case of `make check` (tools/rnet/compile_fail.sh, which
// puts it in a module of its own): the line after the `ERROR` and `OK`
// comments must fail to compile, with the message the `ERROR` comment
// gives; with that line replaced by the code of the `OK` comment, the
// module must build.

use kernel::net::dev::{DeviceOperations, Handle, Registration};

fn peek<T: DeviceOperations>(reg: &Registration<T>) -> Option<&Handle<T>> {
    // ERROR: mismatched types
    // OK: let _ = reg.handle();
    let _: &Handle<T> = reg.handle();
    None
}
