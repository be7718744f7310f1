// SPDX-License-Identifier: GPL-2.0

//! A deliberately faulty module for `make check`'s fault suite (debug
//! flavour only): on load it maps 256 bytes for the first 82574L (which
//! has no driver in the fault guest) and unmaps 128, the wrong size, which
//! `CONFIG_DMA_API_DEBUG` reports and the console scan must turn into a
//! failure. The device never sees the mapping. Never load it in a kernel
//! you care about.

use kernel::{bindings, prelude::*};

module! {
    type: RnetFaultDma,
    name: "rnet_fault_dma",
    author: "rnet developers",
    description: "rnet: provokes a DMA-API debugging report (test only)",
    license: "GPL",
}

struct RnetFaultDma;

impl kernel::Module for RnetFaultDma {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        // SAFETY: no precondition; the reference taken is put below.
        let pdev = unsafe { bindings::pci_get_device(0x8086, 0x10d3, core::ptr::null_mut()) };
        if pdev.is_null() {
            pr_err!("no 82574L\n");
            return Err(ENODEV);
        }
        // SAFETY: `pdev` is a valid PCI device we hold a reference to.
        let dev = unsafe { core::ptr::addr_of_mut!((*pdev).dev) };
        let dir = bindings::dma_data_direction_DMA_TO_DEVICE;
        let ret = match KBox::new([0u8; 256], GFP_KERNEL) {
            Ok(buf) => {
                // SAFETY: `buf` is 256 bytes that outlive the mapping; the device has no driver
                // and never reads it.
                let addr =
                    unsafe { bindings::dma_map_single(dev, buf.as_ptr() as *mut _, 256, dir) };
                // SAFETY: `addr` was just returned for `dev`.
                if unsafe { bindings::dma_mapping_error(dev, addr) } != 0 {
                    pr_err!("cannot map a buffer\n");
                    Err(EIO)
                } else {
                    // The fault: half the mapped size.
                    // SAFETY: a live mapping for `dev`; the API checks the size and reports it.
                    unsafe { bindings::dma_unmap_single(dev, addr, 128, dir) };
                    pr_info!("unmapped 128 of 256 mapped bytes\n");
                    Ok(Self)
                }
            }
            Err(e) => Err(e.into()),
        };
        // SAFETY: the reference `pci_get_device` took.
        unsafe { bindings::pci_dev_put(pdev) };
        ret
    }
}
