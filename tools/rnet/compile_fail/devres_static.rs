// SPDX-License-Identifier: GPL-2.0

// A `Devres` cannot hold a borrow: it may be leaked and then dropped at
// the unbind, after the borrowed value is gone.
//
// A compile-fail case of `make check` (tools/rnet/compile_fail.sh, which
// puts it in a module of its own): the line after the `ERROR` and `OK`
// comments must fail to compile, with the message the `ERROR` comment
// gives; with that line replaced by the code of the `OK` comment, the
// module must build.

use kernel::{devres::Devres, pci};

fn keep(dev: &pci::Device<pci::Bound>) -> Result {
    let local = 5u64;
    // ERROR: `local` does not live long enough
    // OK: let res = Devres::new(dev, local)?;
    let res = Devres::new(dev, &local)?;
    core::mem::forget(res);
    Ok(())
}
