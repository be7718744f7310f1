// SPDX-License-Identifier: GPL-2.0

//! A `Devres` cannot hold a borrow: it may be leaked and then dropped at
//! the unbind, after the borrowed value is gone.
//!
//! A compile-fail case of `make check` (tools/rnet/compile_fail.sh): the
//! line after the `ERROR` and `OK` comments must fail to compile, with the
//! message the `ERROR` comment gives; with that line replaced by the code
//! of the `OK` comment, the module must build.

#![allow(dead_code, unused_variables)]

use kernel::prelude::*;

module! {
    type: Case,
    name: "cf_devres_static",
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

use kernel::{devres::Devres, pci};

fn keep(dev: &pci::Device<pci::Bound>) -> Result {
    let local = 5u64;
    // ERROR: `local` does not live long enough
    // OK: let res = Devres::new(dev, local)?;
    let res = Devres::new(dev, &local)?;
    core::mem::forget(res);
    Ok(())
}
