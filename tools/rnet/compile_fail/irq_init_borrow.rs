// SPDX-License-Identifier: GPL-2.0

// An interrupt registration's initialiser borrows the bound device: it
// cannot be kept to run after the binding it proves has ended.
//
// A compile-fail case of `make check` (tools/rnet/compile_fail.sh, which
// puts it in a module of its own): the line after the `ERROR` and `OK`
// comments must fail to compile, with the message the `ERROR` comment
// gives; with that line replaced by the code of the `OK` comment, the
// module must build.

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
