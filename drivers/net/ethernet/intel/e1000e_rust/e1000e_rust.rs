// SPDX-License-Identifier: GPL-2.0

//! Rust driver for the Intel 82574L gigabit Ethernet controller (8086:10d3),
//! the device QEMU emulates as `e1000e`.
//!
//! Files: `regs.rs` registers, `hw.rs` what they do, `desc.rs` descriptor
//! formats, `ring.rs` rings and buffer ownership, `netdev.rs` device
//! operations, interrupt handler and NAPI, `probe.rs` binds the PCI device.
//!
//! The driver has no `unsafe` code: everything it does to the device, its
//! memory and the stack goes through the `kernel` crate's abstractions.
//! Every file but this one (whose `module!` expansion is the kernel's own
//! glue) and `kunit.rs` (whose suite macro places C tables) says so with
//! `#![forbid(unsafe_code)]`, and `make check`'s static gate finds no
//! `unsafe` in the driver's sources.

mod desc;
mod hw;
#[cfg(CONFIG_KUNIT)]
mod kunit;
mod netdev;
mod probe;
mod regs;
mod ring;

// As the C driver's `IntMode` (drivers/net/ethernet/intel/e1000e/param.c):
// which interrupts to try first; the allocation falls back from there.
kernel::module_param_int!(
    IntMode,
    2,
    "Interrupt Mode: 0 legacy (INTx), 1 MSI, 2 MSI-X (default)"
);

kernel::module_pci_driver! {
    type: probe::E1000eRust,
    name: "e1000e_rust",
    author: "rnet developers",
    description: "Intel(R) 82574L gigabit Ethernet driver (Rust)",
    license: "GPL",
}
