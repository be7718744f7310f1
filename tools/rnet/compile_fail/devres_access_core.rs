// SPDX-License-Identifier: GPL-2.0

//! `Devres::access`, which skips the revocation check, needs the device
//! in its core context (probe or remove), not merely bound.
//!
//! A compile-fail case of `make check` (tools/rnet/compile_fail.sh): the
//! line after the `ERROR` and `OK` comments must fail to compile, with the
//! message the `ERROR` comment gives; with that line replaced by the code
//! of the `OK` comment, the module must build.

#![allow(dead_code, unused_variables)]

use kernel::prelude::*;

module! {
    type: Case,
    name: "cf_devres_access_core",
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

fn read(res: &Devres<u64>, core: &pci::Device<pci::Core>, bound: &pci::Device<pci::Bound>) {
    // ERROR: mismatched types
    // OK: let v = res.access(core);
    let v = res.access(bound);
}
