// SPDX-License-Identifier: GPL-2.0

// `Devres::access`, which skips the revocation check, needs the device
// in its core context (probe or remove), not merely bound.
//
// A compile-fail case of `make check` (tools/rnet/compile_fail.sh, which
// puts it in a module of its own): the line after the `ERROR` and `OK`
// comments must fail to compile, with the message the `ERROR` comment
// gives; with that line replaced by the code of the `OK` comment, the
// module must build.

use kernel::{devres::Devres, pci};

fn read(res: &Devres<u64>, core: &pci::Device<pci::Core>, bound: &pci::Device<pci::Bound>) {
    // ERROR: mismatched types
    // OK: let v = res.access(core);
    let v = res.access(bound);
}
