// SPDX-License-Identifier: GPL-2.0

//! Binding the PCI device: enable it, map BAR 0, take interrupt vectors,
//! reset the MAC, and register the net device.

#![forbid(unsafe_code)]

use crate::{
    hw::{Hw, MSIX_VECTORS},
    netdev::{self, Nic},
    regs,
};
use kernel::{
    c_str,
    devres::Devres,
    net::dev::Registration,
    pci::{self, IrqKind, IrqTypes},
    prelude::*,
};

static IDS: pci::IdArray<1> = pci::IdArray::new([pci::DeviceId::new(0x8086, 0x10d3)]);

/// The driver's data for one bound device.
pub(crate) struct E1000eRust {
    /// Unregistering the net device closes it, which frees the interrupt,
    /// the rings and their buffers; then its state (BAR, vectors) goes.
    /// Held under devres: the unbind does all this even if this is leaked.
    _netdev: Devres<Registration<Nic>>,
}

impl pci::Driver for E1000eRust {
    const NAME: &'static CStr = c_str!("e1000e_rust");
    const ID_TABLE: pci::IdTable = IDS.as_table();

    fn probe(pdev: &pci::Device<pci::Core>, _id: &pci::DeviceId) -> Result<Pin<KBox<Self>>> {
        pdev.enable_device_mem()?;
        pdev.set_master()?;
        pdev.dma_set_mask_and_coherent(64)?;
        let bar = pdev.iomap_region::<{ regs::BAR0_SIZE }>(0, c_str!("e1000e_rust"))?;
        // One vector per queue and one for the rest with MSI-X; else a
        // single MSI or INTx vector for everything. `IntMode` says where to
        // start, as in the C driver; an out-of-range value means MSI-X.
        let mode = match crate::IntMode.get() {
            m @ 0..=2 => m,
            m => {
                pr_warn!(
                    "{}: IntMode {} out of range, using 2 (MSI-X)\n",
                    pdev.name(),
                    m
                );
                2
            }
        };
        let msix = match mode {
            2 => pdev
                .alloc_irq_vectors(MSIX_VECTORS, MSIX_VECTORS, IrqTypes::MSIX)
                .ok(),
            _ => None,
        };
        let vectors = match (msix, mode) {
            (Some(v), _) => v,
            (None, 0) => pdev.alloc_irq_vectors(1, 1, IrqTypes::INTX)?,
            (None, _) => pdev.alloc_irq_vectors(1, 1, IrqTypes::MSI | IrqTypes::INTX)?,
        };
        let kind = vectors.kind();
        let hw = Hw::new(bar, kind == IrqKind::MsiX);
        let mac = {
            let regs = hw.regs();
            regs.reset()?;
            regs.mac()
        };

        let mut netdev = Registration::new(pdev, Nic::new(hw, vectors))?;
        netdev.set_features(netdev::FEATURES, netdev::FEATURES_ON)?;
        netdev.add_napi(|nic| &nic.napi)?;
        if netdev.set_mac(&mac).is_err() {
            pr_warn!("{}: invalid MAC address in RAL0/RAH0\n", pdev.name());
            return Err(EINVAL);
        }
        netdev.handle().carrier_off();
        let netdev = netdev.register(pdev)?;
        pr_info!(
            "{}: {} at {}, {:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}, {:?} interrupt\n",
            netdev.access(pdev)?.handle().name(),
            "82574L",
            pdev.name(),
            mac[0],
            mac[1],
            mac[2],
            mac[3],
            mac[4],
            mac[5],
            kind
        );
        Ok(KBox::pin(Self { _netdev: netdev }, GFP_KERNEL)?)
    }
}
