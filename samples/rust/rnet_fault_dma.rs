// SPDX-License-Identifier: GPL-2.0

//! A deliberately faulty module for `make check`'s fault suite (debug
//! flavour only): a PCI driver for the 82574L (which has no other driver
//! in the fault guest) whose probe maps a receive buffer and keeps the
//! mapping past its binding, a driver bug. On load it registers the driver
//! (binding the NICs), unregisters it (ending the bindings), and checks
//! that the abstractions refuse the kept mapping (`copy_into` and `unmap`
//! fail with `ENODEV`) and leak it rather than unmap it on an unbound device. The
//! leak is what `CONFIG_DMA_API_DEBUG` reports at the unbind ("pending DMA
//! allocations while released from device"), which the console scan must
//! turn into a failure. Loading fails if the mapping was not refused.
//! Never load it in a kernel you care about.

use core::sync::atomic::{AtomicPtr, AtomicU32, Ordering::SeqCst};
use kernel::{
    c_str,
    dma::{Direction, Mapper},
    net::skb::{MappedSkb, SkBuff},
    pci,
    prelude::*,
};

module! {
    type: RnetFaultDma,
    name: "rnet_fault_dma",
    author: "rnet developers",
    description: "rnet: keeps a DMA mapping past its binding (test only)",
    license: "GPL",
}

static IDS: pci::IdArray<1> = pci::IdArray::new([pci::DeviceId::new(0x8086, 0x10d3)]);

/// The mappings kept past their binding, with their mapper, one per NIC at
/// most.
static KEPT: [AtomicPtr<(Mapper, MappedSkb)>; 2] = [
    AtomicPtr::new(core::ptr::null_mut()),
    AtomicPtr::new(core::ptr::null_mut()),
];
static PROBED: AtomicU32 = AtomicU32::new(0);

struct Keeper;

impl pci::Driver for Keeper {
    const NAME: &'static CStr = c_str!("rnet_fault_dma");
    const ID_TABLE: pci::IdTable = IDS.as_table();

    fn probe(dev: &pci::Device<pci::Core>, _id: &pci::DeviceId) -> Result<Pin<KBox<Self>>> {
        let slot = KEPT
            .get(PROBED.fetch_add(1, SeqCst) as usize)
            .ok_or(EBUSY)?;
        dev.enable_device_mem()?;
        dev.set_master()?;
        let mapper = Mapper::new(dev);
        let mapped =
            SkBuff::alloc(256, GFP_KERNEL)?.dma_map(&mapper, 256, Direction::FromDevice)?;
        slot.store(
            KBox::into_raw(KBox::new((mapper, mapped), GFP_KERNEL)?),
            SeqCst,
        );
        Ok(KBox::pin(Keeper, GFP_KERNEL)?)
    }
}

struct RnetFaultDma;

impl kernel::Module for RnetFaultDma {
    fn init(module: &'static ThisModule) -> Result<Self> {
        // Binds the NICs, then unbinds them: the kept mappings outlive
        // their bindings.
        drop(KBox::pin_init(
            pci::Registration::<Keeper>::new(module),
            GFP_KERNEL,
        )?);
        let mut kept = 0;
        for slot in &KEPT {
            let p = slot.swap(core::ptr::null_mut(), SeqCst);
            if p.is_null() {
                continue;
            }
            // SAFETY: made by `KBox::into_raw` in `probe`, taken out of its slot once.
            let (mapper, mapped) = KBox::into_inner(unsafe { KBox::from_raw(p) });
            let mut copy = SkBuff::alloc(256, GFP_KERNEL)?;
            let copied = mapped.copy_into(&mapper, &mut copy, 16);
            // Leaked with its buffer if refused: the binding is gone.
            let unmapped = mapped.unmap(&mapper).map(drop);
            match (copied, unmapped) {
                (Err(a), Err(b)) if a == ENODEV && b == ENODEV => kept += 1,
                other => {
                    pr_err!("a mapping past its binding was not refused: {:?}\n", other);
                    return Err(EINVAL);
                }
            }
        }
        if kept == 0 {
            pr_err!("no 82574L was probed\n");
            return Err(ENODEV);
        }
        pr_info!(
            "{} mappings kept past their binding: refused (ENODEV) and leaked\n",
            kept
        );
        Ok(Self)
    }
}
