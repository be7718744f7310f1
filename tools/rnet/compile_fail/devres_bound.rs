// SPDX-License-Identifier: GPL-2.0

// A `Devres` needs a bound device: an entry on an unbound one would be
// released only when the device goes, maybe after the module's code.
//
// A compile-fail case of `make check` (tools/rnet/compile_fail.sh, which
// puts it in a module of its own): the line after the `ERROR` and `OK`
// comments must fail to compile, with the message the `ERROR` comment
// gives; with that line replaced by the code of the `OK` comment, the
// module must build.

use kernel::{devres::Devres, pci};

fn keep(dev: &pci::Device, bound: &pci::Device<pci::Bound>) -> Result<Devres<u64>> {
    // ERROR: mismatched types
    // OK: Devres::new(bound, 5u64)
    Devres::new(dev, 5u64)
}
