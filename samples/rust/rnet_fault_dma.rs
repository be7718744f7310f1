// SPDX-License-Identifier: GPL-2.0

//! A deliberately faulty module for `make check`'s fault suite: a PCI
//! driver for the 82574L (which has no other driver
//! in the fault guest) whose probe maps a receive buffer and keeps the
//! mapping past its binding, a driver bug. On load it registers the driver
//! (binding the NICs), unregisters it (ending the bindings), and checks
//! that the abstractions refuse the kept mapping (`copy_into` and `unmap`
//! fail with `ENODEV`) and leak it rather than unmap it on an unbound device. The
//! leak is what `CONFIG_DMA_API_DEBUG` reports at the unbind ("pending DMA
//! allocations while released from device"), which the console scan must
//! turn into a failure. Loading fails if the mapping was not refused.
//!
//! With `wrong_size=1` it does what the abstractions make impossible
//! without `unsafe`: it allocates coherent DMA memory for the first
//! 82574L (bound or not) and frees it with half the size, which
//! `CONFIG_DMA_API_DEBUG` reports at once ("frees DMA memory with
//! different size"). Both sizes round up to one page, so nothing is
//! freed wrongly.
//!
//! With `drop_mapped=1` (both flavours) the probe drops a receive
//! mapping while the device is bound, without undoing it: the
//! abstractions leak the buffer and say so once ("a DMA-mapped buffer
//! was dropped without unmapping"), which the console scan must turn into
//! a failure where no DMA-API debugging reports the leak. With
//! `drop_mapped=2` the mapping dropped is a transmit one (`dma_map_tx`),
//! said in words of its own ("a DMA-mapped transmit buffer").
//!
//! Never load it in a kernel you care about.

use core::sync::atomic::{AtomicPtr, AtomicU32, Ordering::SeqCst};
use kernel::{
    bindings, c_str,
    dma::{Direction, Mapper},
    net::skb::{MappedSkb, SkBuff, TxFragPool},
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

kernel::module_param_int!(
    wrong_size,
    0,
    "1: free coherent DMA memory with the wrong size instead (DMA-API report)"
);
kernel::module_param_int!(
    drop_mapped,
    0,
    "1: drop a receive mapping while bound instead, 2: a transmit one (rnet's own leak warnings)"
);

/// Allocates 256 bytes of coherent DMA memory for the first 82574L and
/// frees them as 128: the bad free DMA-API debugging must report.
fn free_wrong_size() -> Result {
    // SAFETY: a search from the start of the device list; the reference
    // it returns, if any, is put below.
    let pdev = unsafe { bindings::pci_get_device(0x8086, 0x10d3, core::ptr::null_mut()) };
    if pdev.is_null() {
        pr_err!("no 82574L to allocate for\n");
        return Err(ENODEV);
    }
    // SAFETY: `pdev` is a live device: a reference is held.
    let dev = unsafe { core::ptr::addr_of_mut!((*pdev).dev) };
    let mut handle: bindings::dma_addr_t = 0;
    // SAFETY: `dev` is live, PCI set its coherent mask at enumeration.
    let cpu = unsafe { bindings::dma_alloc_attrs(dev, 256, &mut handle, bindings::GFP_KERNEL, 0) };
    let res = if cpu.is_null() {
        Err(ENOMEM)
    } else {
        // SAFETY: the wrong size on purpose, the one fault of this call:
        // 128 and 256 bytes are both one page to the allocator, so the
        // memory allocated above is what is freed, once.
        unsafe { bindings::dma_free_attrs(dev, 128, cpu, handle, 0) };
        pr_info!("freed 256 bytes of coherent DMA memory as 128\n");
        Ok(())
    };
    // SAFETY: the reference taken by `pci_get_device`.
    unsafe { bindings::pci_dev_put(pdev) };
    res
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
        if drop_mapped.get() == 2 {
            let mut pool = TxFragPool::new(1, GFP_KERNEL)?;
            let mut skb = SkBuff::alloc(256, GFP_KERNEL)?;
            skb.put(64)?;
            // Neither unmapped nor kept: leaked, with a warning.
            drop(skb.dma_map_tx(&mapper, &mut pool)?);
            return Ok(KBox::pin(Keeper, GFP_KERNEL)?);
        }
        let mapped =
            SkBuff::alloc(256, GFP_KERNEL)?.dma_map(&mapper, 256, Direction::FromDevice)?;
        if drop_mapped.get() == 1 {
            // Neither unmapped nor kept: leaked, with a warning.
            drop(mapped);
            return Ok(KBox::pin(Keeper, GFP_KERNEL)?);
        }
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
        if wrong_size.get() == 1 {
            free_wrong_size()?;
            return Ok(Self);
        }
        // Binds the NICs, then unbinds them: the kept mappings outlive
        // their bindings.
        drop(KBox::pin_init(
            pci::Registration::<Keeper>::new(module),
            GFP_KERNEL,
        )?);
        if drop_mapped.get() != 0 {
            if PROBED.load(SeqCst) == 0 {
                pr_err!("no 82574L was probed\n");
                return Err(ENODEV);
            }
            pr_info!("dropped a mapping while bound\n");
            return Ok(Self);
        }
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
