// SPDX-License-Identifier: GPL-2.0

//! An interrupt registration's initialiser borrows the bound device: it
//! cannot be kept to run after the binding it proves has ended.
//!
//! A compile-fail case of `make check` (tools/rnet/compile_fail.sh): the
//! line after the `ERROR` and `OK` comments must fail to compile, with the
//! message the `ERROR` comment gives; with that line replaced by the code
//! of the `OK` comment, the module must build.

#![allow(dead_code, unused_variables)]

use kernel::prelude::*;

module! {
    type: Case,
    name: "cf_irq_init_borrow",
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

use kernel::{
    c_str,
    irq::{self, IrqReturn},
    pci::{self, IrqVectors},
    sync::Arc,
};

struct Handler;

impl irq::Handler for Handler {
    fn handle(&self) -> IrqReturn {
        IrqReturn::None
    }
}

fn keep(_init: impl PinInit<irq::Registration<Handler>, Error> + 'static) {}

fn later(dev: &pci::Device<pci::Bound>, vectors: Arc<IrqVectors>) {
    let init = irq::Registration::new(dev, vectors, 0, irq::Flags::NONE, c_str!("cf"), Handler);
    // ERROR: borrowed data escapes outside of function
    // OK: drop(init);
    keep(init);
}
