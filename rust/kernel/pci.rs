// SPDX-License-Identifier: GPL-2.0

//! PCI devices and drivers.
//!
//! C header: [`include/linux/pci.h`](srctree/include/linux/pci.h)
//!
//! A driver implements [`Driver`] and registers with [`module_pci_driver!`].
//! Its `probe` receives a [`Device<Core>`]: only with that proof of a device
//! being bound can a driver enable the device, map a BAR ([`Bar`]), allocate
//! interrupt vectors ([`IrqVectors`]) or set DMA masks. The driver's data,
//! returned from `probe`, is dropped when the device unbinds, and with it
//! every resource it owns. What the binding took is given back when it
//! ends, even after a failed probe or with the driver's data leaked: the
//! device's managed resources (devres) unmap the BARs, free the vectors
//! and disable the device (bus mastering off) once per enable.

use crate::{
    bindings, device,
    devres::Devres,
    dma,
    error::{from_result, to_result},
    io::IoMem,
    prelude::*,
    str::CStr,
    sync::Arc,
    types::{ARef, AlwaysRefCounted, ForeignOwnable, Opaque},
    ThisModule,
};
use core::{
    marker::PhantomData,
    ops::Deref,
    ptr::NonNull,
    sync::atomic::{AtomicU64, Ordering},
};

/// The context a [`Device`] reference was handed out in.
pub trait DeviceContext: private::Sealed {}

/// Any reference to a PCI device: nothing can be assumed about its binding.
pub struct Normal;
/// The device is bound to a driver for as long as the reference lives:
/// what needs a bound device (DMA mappings, interrupt handlers) takes a
/// `&Device<Bound>` as proof. Handed out by [`Core`] and by callbacks that
/// only run while the driver is bound (the operations of a net device
/// registered under devres, see [`crate::net::dev::Device::parent`]).
pub struct Bound;
/// The device is being probed or removed by its driver: it is bound, and
/// the PCI core holds its device lock.
pub struct Core;

mod private {
    pub trait Sealed {}
    impl Sealed for super::Normal {}
    impl Sealed for super::Bound {}
    impl Sealed for super::Core {}
}
impl DeviceContext for Normal {}
impl DeviceContext for Bound {}
impl DeviceContext for Core {}

/// A PCI device (`struct pci_dev`).
///
/// # Invariants
///
/// The wrapped `pci_dev` is valid and its reference count is non-zero for
/// the lifetime of the reference. A `Device<Core>` is only handed out by the
/// PCI core's `probe` and `remove` callbacks, during which the device is
/// bound to the calling driver. A `Device<Bound>` or `Device<Core>` is bound
/// to a driver registered with [`Registration`], and its driver data is that
/// binding's `BindingData`, for the lifetime of the reference.
#[repr(transparent)]
pub struct Device<Ctx: DeviceContext = Normal>(Opaque<bindings::pci_dev>, PhantomData<Ctx>);

impl<Ctx: DeviceContext> Device<Ctx> {
    fn as_raw(&self) -> *mut bindings::pci_dev {
        self.0.get()
    }

    /// # Safety
    ///
    /// `ptr` must point to a valid `pci_dev` for `'a`; for `Ctx = Bound`, the
    /// device must be bound for `'a` to a driver registered with
    /// [`Registration`], its driver data that binding's `BindingData`; for
    /// `Ctx = Core`, the same, the driver being the caller's, with the
    /// device lock held for `'a`.
    pub(crate) unsafe fn from_raw<'a>(ptr: *mut bindings::pci_dev) -> &'a Self {
        // SAFETY: `Device` is a transparent wrapper of `pci_dev`; validity is guaranteed by the
        // caller.
        unsafe { &*ptr.cast() }
    }

    /// The vendor ID.
    pub fn vendor_id(&self) -> u16 {
        // SAFETY: by the type invariant the `pci_dev` is valid.
        unsafe { (*self.as_raw()).vendor }
    }

    /// The device ID.
    pub fn device_id(&self) -> u16 {
        // SAFETY: by the type invariant the `pci_dev` is valid.
        unsafe { (*self.as_raw()).device }
    }

    /// The PCI address, e.g. `0000:00:03.0`.
    pub fn name(&self) -> &CStr {
        // SAFETY: `pci_name` returns the NUL-terminated device name, which lives as long as
        // the device.
        unsafe { CStr::from_char_ptr(bindings::pci_name(self.as_raw())) }
    }

    /// Whether the device is enabled (`pci_is_enabled`).
    pub fn is_enabled(&self) -> bool {
        // SAFETY: by the type invariant the `pci_dev` is valid.
        unsafe { bindings::pci_is_enabled(self.as_raw()) }
    }

    /// Whether bus mastering is on, as the command register says.
    pub fn is_bus_master(&self) -> bool {
        let mut cmd = 0u16;
        // SAFETY: by the type invariant the `pci_dev` is valid; `cmd` is valid for writes.
        let ret = unsafe {
            bindings::pci_read_config_word(self.as_raw(), bindings::PCI_COMMAND as i32, &mut cmd)
        };
        // CAST: the flag is bit 2 of the 16-bit command register.
        ret == 0 && cmd & (bindings::PCI_COMMAND_MASTER as u16) != 0
    }

    /// The generic device.
    pub fn as_dev(&self) -> &device::Device {
        // SAFETY: `dev` is embedded in a valid `pci_dev` and shares its lifetime.
        unsafe { device::Device::as_ref(core::ptr::addr_of_mut!((*self.as_raw()).dev)) }
    }
}

impl Device<Bound> {
    /// The DMA side of the binding, which the binding's allocations and
    /// mappings hold.
    #[inline]
    pub(crate) fn dma_binding(&self) -> &Arc<dma::Binding> {
        // SAFETY: the driver data is this binding's `BindingData` for as long as `self` lives
        // (type invariant), and `dma` is not written after `probe_callback` made it.
        unsafe { &(*bindings::pci_get_drvdata(self.as_raw()).cast::<BindingData>()).dma }
    }
}

impl Device<Core> {
    /// Enables the device's memory space (`pci_enable_device_mem`).
    ///
    /// Each enable is undone (`pci_disable_device`, which also turns bus
    /// mastering off) when the binding ends, after the driver's data is
    /// dropped, or right after a probe that fails: enabling twice is
    /// balanced, and a device enabled by someone else stays enabled.
    pub fn enable_device_mem(&self) -> Result {
        // SAFETY: by the type invariant the device is valid and bound; the helper registers
        // the matching disable with the device's managed resources.
        to_result(unsafe { bindings::rnet_pci_enable_device_mem(self.as_raw()) })
    }

    /// Lets the device master the bus, needed for DMA; undone when the
    /// binding ends (before the DMA side of the binding ends), whatever else
    /// keeps the device enabled. `ENOMEM` (and bus mastering off) if the
    /// undo cannot be registered.
    pub fn set_master(&self) -> Result {
        // SAFETY: by the type invariant the device is valid and bound; the helper registers
        // the matching `pci_clear_master` with the device's managed resources.
        to_result(unsafe { bindings::rnet_pci_set_master(self.as_raw()) })
    }

    /// Sets the streaming and coherent DMA masks to `bits` bits.
    pub fn dma_set_mask_and_coherent(&self, bits: u32) -> Result {
        if bits > 64 {
            return Err(EINVAL);
        }
        let mask = if bits == 64 {
            u64::MAX
        } else {
            (1u64 << bits) - 1
        };
        // SAFETY: the generic device is valid and bound.
        to_result(unsafe { bindings::dma_set_mask_and_coherent(self.as_dev().as_raw(), mask) })
    }

    /// Requests memory BAR `bar` for `name` and maps it; the mapping must be
    /// at least `SIZE` bytes long. An I/O port BAR is refused (`EINVAL`):
    /// its cookie is not memory that `readl` may touch. The mapping is
    /// revoked (unmapped and the region released) when the device unbinds,
    /// even if the driver still holds the returned [`Devres`]; accesses
    /// after that fail.
    pub fn iomap_region<const SIZE: usize>(
        &self,
        bar: u32,
        name: &'static CStr,
    ) -> Result<Devres<Bar<SIZE>>> {
        Devres::new(self, self.map_bar(bar, name)?)
    }

    fn map_bar<const SIZE: usize>(&self, bar: u32, name: &'static CStr) -> Result<Bar<SIZE>> {
        if bar > 5 {
            return Err(EINVAL);
        }
        // CAST: `bar` is at most 5.
        let bar_i = bar as i32;
        // SAFETY: the device is valid and bound; `bar_i` is a BAR index.
        if !unsafe { bindings::rnet_pci_bar_is_mem(self.as_raw(), bar_i) } {
            return Err(EINVAL);
        }
        // SAFETY: the device is valid and bound.
        let len = unsafe { bindings::pci_resource_len(self.as_raw(), bar_i) };
        // CAST: resource lengths fit in `usize` on 64-bit machines.
        let len = len as usize;
        if len < SIZE {
            return Err(ENODEV);
        }
        // SAFETY: the device is valid and bound; `name` is a static C string.
        to_result(unsafe {
            bindings::pci_request_region(self.as_raw(), bar_i, name.as_char_ptr())
        })?;
        // SAFETY: the region was requested above.
        let addr = unsafe { bindings::pci_iomap(self.as_raw(), bar_i, 0) };
        if addr.is_null() {
            // SAFETY: requested above.
            unsafe { bindings::pci_release_region(self.as_raw(), bar_i) };
            return Err(ENOMEM);
        }
        // SAFETY: `addr` maps `len` bytes until `Bar::drop` unmaps it.
        let io = match unsafe { IoMem::new(addr as usize, len) } {
            Ok(io) => io,
            Err(e) => {
                // SAFETY: mapped and requested above.
                unsafe {
                    bindings::pci_iounmap(self.as_raw(), addr);
                    bindings::pci_release_region(self.as_raw(), bar_i);
                }
                return Err(e);
            }
        };
        // INVARIANT: the region is requested and mapped by this `Bar` alone.
        Ok(Bar {
            pdev: self.into(),
            io,
            bar: bar_i,
        })
    }

    /// Allocates between `min` and `max` interrupt vectors of the allowed
    /// `types`, preferring MSI-X, then MSI, then INTx.
    ///
    /// A device has one set of vectors at a time: while one [`IrqVectors`]
    /// is alive, another allocation fails with `EBUSY` (freeing either
    /// would free the other's). The vectors are freed when the last
    /// reference goes or when the binding ends, whichever comes first
    /// (interrupt handlers on them are freed before, see
    /// [`crate::irq::Registration`]).
    pub fn alloc_irq_vectors(
        &self,
        min: u32,
        max: u32,
        types: IrqTypes,
    ) -> Result<Arc<IrqVectors>> {
        static NEXT_ID: AtomicU64 = AtomicU64::new(1);
        let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        // SAFETY: the device is valid and bound; the helper refuses a second set and puts
        // this one under the device's managed resources, tagged with `id`.
        let n =
            unsafe { bindings::rnet_pci_alloc_irq_vectors(self.as_raw(), min, max, types.0, id) };
        if n < 0 {
            return Err(Error::from_errno(n));
        }
        // SAFETY: the device is valid and bound.
        let (msix, msi) = unsafe {
            (
                bindings::pci_dev_msix_enabled(self.as_raw()),
                bindings::pci_dev_msi_enabled(self.as_raw()),
            )
        };
        let kind = if msix {
            IrqKind::MsiX
        } else if msi {
            IrqKind::Msi
        } else {
            IrqKind::Intx
        };
        // CAST: `n` is positive here.
        let vectors = IrqVectors {
            pdev: self.into(),
            count: n as u32,
            kind,
            id,
        };
        // On failure `vectors` is dropped, which frees the vectors.
        Ok(Arc::new(vectors, GFP_KERNEL)?)
    }
}

impl Deref for Device<Core> {
    type Target = Device<Bound>;

    fn deref(&self) -> &Device<Bound> {
        // SAFETY: same layout; a device being probed or removed by a `Registration`'s driver is
        // bound by it, with its `BindingData` in place.
        unsafe { Device::from_raw(self.as_raw()) }
    }
}

impl Deref for Device<Bound> {
    type Target = Device;

    fn deref(&self) -> &Device {
        // SAFETY: `Device<Bound>` and `Device` have the same layout; dropping the context only
        // drops a capability.
        unsafe { Device::from_raw(self.as_raw()) }
    }
}

impl From<&Device<Core>> for ARef<Device> {
    fn from(dev: &Device<Core>) -> Self {
        (&***dev).into()
    }
}

impl From<&Device<Bound>> for ARef<Device> {
    fn from(dev: &Device<Bound>) -> Self {
        (&**dev).into()
    }
}

// SAFETY: PCI devices are reference counted with `pci_dev_get`/`pci_dev_put`.
unsafe impl AlwaysRefCounted for Device {
    fn inc_ref(&self) {
        // SAFETY: a shared reference proves the count is non-zero.
        unsafe { bindings::pci_dev_get(self.as_raw()) };
    }

    unsafe fn dec_ref(obj: NonNull<Self>) {
        // SAFETY: the caller gives up a reference it owned.
        unsafe { bindings::pci_dev_put(obj.cast().as_ptr()) }
    }
}

// SAFETY: a `pci_dev` may be used and released from any thread.
unsafe impl Send for Device {}
// SAFETY: the methods of `Device` take `&self` and are safe to call concurrently.
unsafe impl Sync for Device {}

/// Interrupt types that [`Device::alloc_irq_vectors`] may use.
#[derive(Clone, Copy)]
pub struct IrqTypes(u32);

impl IrqTypes {
    /// Legacy INTx.
    pub const INTX: Self = Self(bindings::PCI_IRQ_INTX);
    /// MSI.
    pub const MSI: Self = Self(bindings::PCI_IRQ_MSI);
    /// MSI-X.
    pub const MSIX: Self = Self(bindings::PCI_IRQ_MSIX);
    /// Any of them.
    pub const ALL: Self =
        Self(bindings::PCI_IRQ_INTX | bindings::PCI_IRQ_MSI | bindings::PCI_IRQ_MSIX);
}

impl core::ops::BitOr for IrqTypes {
    type Output = Self;
    fn bitor(self, rhs: Self) -> Self {
        Self(self.0 | rhs.0)
    }
}

/// Which kind of interrupt the device got.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum IrqKind {
    /// MSI-X.
    MsiX,
    /// MSI.
    Msi,
    /// Legacy INTx.
    Intx,
}

/// Interrupt vectors allocated for a device; freed when the last reference
/// goes, or at unbind. Dropping the last reference may sleep (it frees the
/// vectors): drop it in process context. An [`crate::irq::Registration`] keeps one, so the
/// vectors cannot be freed while a handler is installed on them (at unbind,
/// handlers go first: their devres entries are younger).
///
/// # Invariants
///
/// `count` vectors of `kind` were allocated for `pdev`, held by the devres
/// entry tagged `id` for as long as that entry exists.
pub struct IrqVectors {
    pdev: ARef<Device>,
    count: u32,
    kind: IrqKind,
    id: u64,
}

impl IrqVectors {
    /// The number of vectors.
    pub fn count(&self) -> u32 {
        self.count
    }

    /// The kind of interrupt.
    pub fn kind(&self) -> IrqKind {
        self.kind
    }

    /// The device the vectors belong to.
    pub(crate) fn device(&self) -> &device::Device {
        self.pdev.as_dev()
    }

    /// The Linux IRQ number of vector `index`. Fails with `ENODEV` once the
    /// binding that allocated the vectors has ended. May sleep.
    pub fn irq(&self, index: u32) -> Result<u32> {
        if index >= self.count {
            return Err(EINVAL);
        }
        // SAFETY: the device is valid.
        if !unsafe { bindings::rnet_pci_irq_vectors_live(self.pdev.as_raw(), self.id) } {
            return Err(ENODEV);
        }
        // CAST: `index < count`, which fits in `c_uint`.
        // SAFETY: the device is valid and the vectors are allocated (type invariant).
        let irq = unsafe { bindings::pci_irq_vector(self.pdev.as_raw(), index) };
        if irq < 0 {
            return Err(Error::from_errno(irq));
        }
        // CAST: non-negative here.
        Ok(irq as u32)
    }
}

impl Drop for IrqVectors {
    fn drop(&mut self) {
        // SAFETY: the device is valid. The helper frees the vectors only if this set's devres
        // entry still exists (not after the unbind freed them, nor another binding's set); no
        // handler holds them any more: each `irq::Registration` keeps a reference to this
        // object.
        unsafe { bindings::rnet_pci_free_irq_vectors(self.pdev.as_raw(), self.id) };
    }
}

/// A requested and mapped memory BAR, unmapped and released on drop.
///
/// # Invariants
///
/// `io` maps BAR `bar` of `pdev`, whose region is requested by this value.
pub struct Bar<const SIZE: usize> {
    pdev: ARef<Device>,
    io: IoMem<SIZE>,
    bar: i32,
}

impl<const SIZE: usize> Deref for Bar<SIZE> {
    type Target = IoMem<SIZE>;

    fn deref(&self) -> &IoMem<SIZE> {
        &self.io
    }
}

impl<const SIZE: usize> Drop for Bar<SIZE> {
    fn drop(&mut self) {
        // SAFETY: by the type invariant the region is mapped and requested by `self`.
        unsafe {
            bindings::pci_iounmap(self.pdev.as_raw(), self.io.addr() as *mut _);
            bindings::pci_release_region(self.pdev.as_raw(), self.bar);
        }
    }
}

/// One PCI ID a driver binds to.
#[repr(transparent)]
#[derive(Clone, Copy)]
pub struct DeviceId(bindings::pci_device_id);

impl DeviceId {
    const PCI_ANY_ID: u32 = !0;

    /// Matches `vendor:device`, any subsystem.
    pub const fn new(vendor: u16, device: u16) -> Self {
        Self(bindings::pci_device_id {
            vendor: vendor as u32,
            device: device as u32,
            subvendor: Self::PCI_ANY_ID,
            subdevice: Self::PCI_ANY_ID,
            class: 0,
            class_mask: 0,
            driver_data: 0,
            override_only: 0,
        })
    }

    /// The vendor ID.
    pub const fn vendor(&self) -> u16 {
        // CAST: built from a `u16`.
        self.0.vendor as u16
    }

    /// The device ID.
    pub const fn device(&self) -> u16 {
        // CAST: built from a `u16`.
        self.0.device as u16
    }
}

/// A zero-terminated table of [`DeviceId`]s, as the PCI core wants it.
#[repr(C)]
pub struct IdArray<const N: usize> {
    ids: [DeviceId; N],
    sentinel: bindings::pci_device_id,
}

impl<const N: usize> IdArray<N> {
    /// Builds the table.
    pub const fn new(ids: [DeviceId; N]) -> Self {
        // SAFETY: all-zero is a valid `pci_device_id` (the terminator).
        let sentinel = unsafe { core::mem::zeroed() };
        Self { ids, sentinel }
    }

    /// The table as a driver names it in [`Driver::ID_TABLE`].
    pub const fn as_table(&'static self) -> IdTable {
        IdTable(&self.ids)
    }
}

/// A reference to a zero-terminated ID table.
///
/// # Invariants
///
/// The slice is the start of an [`IdArray`], so an all-zero entry follows it.
#[derive(Clone, Copy)]
pub struct IdTable(&'static [DeviceId]);

impl IdTable {
    fn as_ptr(&self) -> *const bindings::pci_device_id {
        self.0.as_ptr().cast()
    }
}

/// A PCI driver.
///
/// # Examples
///
/// Two drivers for QEMU's 82574L, registered in turn while nothing else is
/// bound to it (KUnit runs the kernel crate's examples at boot, before the
/// e1000e modules load). The first one's probe takes what a driver takes,
/// checks what must be refused, leaves a NAPI context polling, has a
/// second net device's open fail with its NAPI context polling, and fails;
/// the second driver's probe then finds the device as it was before. The
/// test holds a PCI enable of its own across the first binding, so that
/// only the binding's own undo of `set_master` can clear bus mastering.
///
/// ```
/// use core::sync::atomic::{AtomicU32, Ordering::Relaxed};
/// use kernel::{
///     c_str,
///     dma::{Direction, Mapper},
///     net::{
///         dev::{rtnl_lock, with_bh_disabled, Device, DeviceOperations, NetdevTx, Registration},
///         napi::{Napi, Poll, PollCtx, PollDone},
///         skb::SkBuff,
///     },
///     pci, ThisModule,
/// };
///
/// static PROBED: AtomicU32 = AtomicU32::new(0);
/// static REFUSED: AtomicU32 = AtomicU32::new(0);
/// static POLLING: AtomicU32 = AtomicU32::new(0);
/// static POLLS: AtomicU32 = AtomicU32::new(0);
/// static CLEAN: AtomicU32 = AtomicU32::new(0);
/// static MAPPED: AtomicU32 = AtomicU32::new(0);
/// static FREED: AtomicU32 = AtomicU32::new(0);
/// static WRONG_NAPI: AtomicU32 = AtomicU32::new(0);
/// static OPEN_FAILED: AtomicU32 = AtomicU32::new(0);
///
/// const IDS: pci::IdArray<1> = pci::IdArray::new([pci::DeviceId::new(0x8086, 0x10d3)]);
/// static IDS_STATIC: pci::IdArray<1> = IDS;
/// // SAFETY: code built into the kernel has no module structure.
/// static THIS: ThisModule = unsafe { ThisModule::from_ptr(core::ptr::null_mut()) };
///
/// // Counts the net device states freed (not leaked) in `FREED`.
/// struct Freed;
/// impl Drop for Freed {
///     fn drop(&mut self) {
///         FREED.fetch_add(1, Relaxed);
///     }
/// }
///
/// // A net device whose poll always uses its whole budget, so it stays
/// // scheduled until it is disabled. It enables polling in `open` and
/// // has no `stop`: the core's close must disable it all the same, and
/// // so must a failed open (`fail_open`), after which no `stop` comes.
/// #[pin_data]
/// struct Spin {
///     #[pin]
///     napi: Napi,
///     polls: AtomicU32,
///     fail_open: bool,
///     _freed: Freed,
/// }
///
/// #[vtable]
/// impl DeviceOperations for Spin {
///     fn open(dev: &Device<Self>) -> Result {
///         dev.data().napi.enable()?;
///         // Softirqs run when bottom halves come back on: the poll has
///         // run once this returns, and stays scheduled.
///         with_bh_disabled(|| dev.data().napi.schedule());
///         if dev.data().fail_open {
///             return Err(EIO);
///         }
///         Ok(())
///     }
///
///     fn start_xmit(_dev: &Device<Self>, skb: SkBuff) -> NetdevTx {
///         drop(skb);
///         NetdevTx::Ok
///     }
/// }
///
/// impl Poll for Spin {
///     fn poll<'a>(dev: &Device<Self>, ctx: PollCtx<'a>) -> PollDone<'a> {
///         dev.data().polls.fetch_add(1, Relaxed);
///         POLLS.fetch_add(1, Relaxed);
///         // The poll knows which context it polls.
///         if !core::ptr::eq(ctx.napi(), &dev.data().napi) {
///             WRONG_NAPI.fetch_add(1, Relaxed);
///         }
///         if !dev.is_running() {
///             // A poll of a closed device takes references (a link watch
///             // event): one running on after `unregister_netdev` waited
///             // for them would make the device be freed under them.
///             dev.carrier_off();
///             dev.carrier_on();
///         }
///         let budget = ctx.budget();
///         ctx.complete(budget)
///     }
/// }
///
/// struct Failing;
///
/// impl pci::Driver for Failing {
///     const NAME: &'static CStr = c_str!("rnet_doctest_failing");
///     const ID_TABLE: pci::IdTable = IDS_STATIC.as_table();
///
///     fn probe(dev: &pci::Device<pci::Core>, id: &pci::DeviceId) -> Result<Pin<KBox<Self>>> {
///         assert_eq!(dev.vendor_id(), id.vendor());
///         PROBED.fetch_add(1, Relaxed);
///         dev.enable_device_mem()?;
///         dev.set_master()?;
///         dev.dma_set_mask_and_coherent(64)?;
///         let mut refused = 0;
///         // The 82574L's BAR 2 is an I/O port BAR: not mappable as memory.
///         if dev.iomap_region::<4>(2, c_str!("rnet_doctest")).err() == Some(EINVAL) {
///             refused += 1;
///         }
///         let _vectors = dev.alloc_irq_vectors(1, 1, pci::IrqTypes::ALL)?;
///         // A second set would free the first one's vectors when dropped.
///         if dev.alloc_irq_vectors(1, 1, pci::IrqTypes::INTX).err() == Some(EBUSY) {
///             refused += 1;
///         }
///         // The device may not write into data a clone shares.
///         let skb = SkBuff::alloc(2048, GFP_KERNEL)?;
///         let clone = skb.try_clone(GFP_KERNEL)?;
///         let mapper = Mapper::new(dev);
///         if skb.dma_map(&mapper, 2048, Direction::FromDevice).err() == Some(EBUSY) {
///             refused += 1;
///         }
///         drop(clone);
///         if refused == 3 {
///             REFUSED.fetch_add(1, Relaxed);
///         }
///         // A receive mapping, usable while the device is bound. (One kept
///         // past the binding is refused and leaked: the fault suite's
///         // `rnet_fault_dma` shows that, and that the leak is reported.)
///         let mapped =
///             SkBuff::alloc(256, GFP_KERNEL)?.dma_map(&mapper, 256, Direction::FromDevice)?;
///         let mut copy = SkBuff::alloc(256, GFP_KERNEL)?;
///         let copied = mapped.copy_into(&mapper, &mut copy, 16);
///         if mapped.unmap(&mapper).is_ok() && copied.is_ok() {
///             MAPPED.fetch_add(1, Relaxed);
///         }
///         let spin = try_pin_init!(Spin {
///             napi <- Napi::new(),
///             polls: AtomicU32::new(0),
///             fail_open: false,
///             _freed: Freed,
///         }? Error);
///         let mut netdev = Registration::new(dev, spin)?;
///         netdev.set_mac(&[0x02, 0, 0, 0, 0, 1])?;
///         netdev.add_napi(|s| &s.napi)?;
///         // Not registered, so not up: polling cannot start.
///         let refused_early = netdev.handle().data().napi.enable() == Err(EINVAL);
///         let netdev = netdev.register(dev)?;
///         let handle = netdev.access(dev)?.handle();
///         // Registered but down: still refused.
///         let refused_down = handle.data().napi.enable() == Err(EINVAL);
///         handle.open(&rtnl_lock())?;
///         if refused_early && refused_down && handle.data().polls.load(Relaxed) > 0 {
///             POLLING.fetch_add(1, Relaxed);
///         }
///         // An open that fails with its poll scheduled: the poll must be
///         // stopped by the time the open returns, no `stop` following.
///         let failing = try_pin_init!(Spin {
///             napi <- Napi::new(),
///             polls: AtomicU32::new(0),
///             fail_open: true,
///             _freed: Freed,
///         }? Error);
///         let mut netdev2 = Registration::new(dev, failing)?;
///         netdev2.set_mac(&[0x02, 0, 0, 0, 0, 2])?;
///         netdev2.add_napi(|s| &s.napi)?;
///         let netdev2 = netdev2.register(dev)?;
///         let handle2 = netdev2.access(dev)?.handle();
///         let failed = handle2.open(&rtnl_lock()) == Err(EIO);
///         let polls = handle2.data().polls.load(Relaxed);
///         kernel::delay::msleep(50);
///         if failed
///             && polls > 0
///             && handle2.data().polls.load(Relaxed) == polls
///             && !handle2.is_running()
///         {
///             OPEN_FAILED.fetch_add(1, Relaxed);
///         }
///         // Failing now drops `netdev`, which unregisters the device (the
///         // close disables its poll, though it has no `stop`) and frees its
///         // state, no reference being left; then the binding's managed
///         // resources go: the vectors, and the enable is undone.
///         Err(ENODEV)
///     }
/// }
///
/// struct Checking;
///
/// impl pci::Driver for Checking {
///     const NAME: &'static CStr = c_str!("rnet_doctest_checking");
///     const ID_TABLE: pci::IdTable = IDS_STATIC.as_table();
///
///     fn probe(dev: &pci::Device<pci::Core>, _id: &pci::DeviceId) -> Result<Pin<KBox<Self>>> {
///         let before = !dev.is_enabled() && !dev.is_bus_master();
///         // The failed binding's vectors are gone too.
///         if before && dev.alloc_irq_vectors(1, 1, pci::IrqTypes::ALL).is_ok() {
///             CLEAN.fetch_add(1, Relaxed);
///         }
///         Err(ENODEV)
///     }
/// }
///
/// // The test's own enable of each 82574L, held across the binding: the
/// // binding's `pci_disable_device` does not reach a count of zero, so
/// // it does not clear bus mastering.
/// let mut held = KVec::new();
/// let mut pdev = core::ptr::null_mut();
/// loop {
///     // SAFETY: `pdev` is null or the device of the previous round, whose
///     // reference this call puts.
///     pdev = unsafe { kernel::bindings::pci_get_device(0x8086, 0x10d3, pdev) };
///     if pdev.is_null() {
///         break;
///     }
///     // SAFETY: a live device: `pci_get_device` took a reference.
///     assert_eq!(unsafe { kernel::bindings::pci_enable_device(pdev) }, 0);
///     // SAFETY: as above; a reference for `held`, put below.
///     held.push(unsafe { kernel::bindings::pci_dev_get(pdev) }, GFP_KERNEL)?;
/// }
/// drop(KBox::pin_init(pci::Registration::<Failing>::new(&THIS), GFP_KERNEL)?);
/// let probed = PROBED.load(Relaxed);
/// assert!(probed > 0);
/// assert_eq!(held.len(), probed as usize);
/// for pdev in held {
///     let mut cmd = 0u16;
///     // SAFETY: a live device (a reference is held); `cmd` is valid for writes.
///     unsafe {
///         kernel::bindings::pci_read_config_word(
///             pdev,
///             kernel::bindings::PCI_COMMAND as i32,
///             &mut cmd,
///         )
///     };
///     // Still enabled (the test's enable), no longer a bus master.
///     assert_eq!(u32::from(cmd) & kernel::bindings::PCI_COMMAND_MASTER, 0);
///     // SAFETY: the test's enable and reference, each undone once.
///     unsafe {
///         kernel::bindings::pci_disable_device(pdev);
///         kernel::bindings::pci_dev_put(pdev);
///     }
/// }
/// assert_eq!(REFUSED.load(Relaxed), probed);
/// assert_eq!(POLLING.load(Relaxed), probed);
/// assert_eq!(OPEN_FAILED.load(Relaxed), probed);
/// // No poll runs once the failed probe's net device is gone.
/// let polls = POLLS.load(Relaxed);
/// // SAFETY: process context.
/// unsafe { kernel::bindings::msleep(100) };
/// assert_eq!(POLLS.load(Relaxed), polls);
/// // Every device's state was freed: no reference was left to leak it for.
/// assert_eq!(FREED.load(Relaxed), 2 * probed);
/// assert_eq!(WRONG_NAPI.load(Relaxed), 0);
/// assert_eq!(MAPPED.load(Relaxed), probed);
/// drop(KBox::pin_init(pci::Registration::<Checking>::new(&THIS), GFP_KERNEL)?);
/// assert_eq!(CLEAN.load(Relaxed), probed);
/// # Ok::<(), Error>(())
/// ```
pub trait Driver: Send + Sync + Sized + 'static {
    /// The driver's name in sysfs.
    const NAME: &'static CStr;

    /// The IDs the driver binds to.
    const ID_TABLE: IdTable;

    /// Binds the driver to `dev`. The returned data lives until the device
    /// unbinds.
    fn probe(dev: &Device<Core>, id: &DeviceId) -> Result<Pin<KBox<Self>>>;

    /// Called when the device unbinds, before the driver's data is dropped.
    fn unbind(&self, _dev: &Device<Core>) {}
}

impl IdTable {
    /// The number of IDs in the table.
    pub const fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the table has no ID.
    pub const fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// The driver data of a device bound through [`Registration`]: the DMA
/// side of the binding, then the driver's own data.
///
/// # Invariants
///
/// `driver` is null during `probe`, then the foreign form of the driver's
/// `Pin<KBox<T>>` until `remove` takes it back.
struct BindingData {
    dma: Arc<dma::Binding>,
    driver: *const core::ffi::c_void,
}

struct Adapter<T: Driver>(PhantomData<T>);

impl<T: Driver> Adapter<T> {
    /// Ends the DMA side of a binding, as the device's last managed
    /// resource of it.
    ///
    /// # Safety
    ///
    /// `ptr` is a reference to a `dma::Binding` leaked by `probe_callback`,
    /// given back once.
    unsafe extern "C" fn release_dma(ptr: *mut core::ffi::c_void) {
        // SAFETY: by the function's safety requirement.
        let binding = unsafe { Arc::<dma::Binding>::from_raw(ptr.cast_const().cast()) };
        binding.revoke();
    }

    /// Makes the binding's DMA side and puts it in the driver data, its
    /// revocation among the device's managed resources, ahead of anything
    /// the driver adds: it is released last.
    fn bind(pdev: *mut bindings::pci_dev, dev: &device::Device) -> Result {
        let dma = dma::Binding::new(dev)?;
        let ptr = dma.clone().into_raw();
        // SAFETY: `dev` is valid; `release_dma` gets back `ptr`, the reference leaked above,
        // once, when the binding ends.
        let ret = unsafe {
            bindings::rnet_devres_add(
                dev.as_raw(),
                Some(Self::release_dma),
                ptr.cast_mut().cast(),
                false,
            )
        };
        if let Err(e) = to_result(ret) {
            // SAFETY: not registered: the leaked reference is still ours.
            drop(unsafe { Arc::from_raw(ptr) });
            return Err(e);
        }
        let data = KBox::new(
            BindingData {
                dma,
                driver: core::ptr::null(),
            },
            GFP_KERNEL,
        )?;
        // SAFETY: the device is valid; the box is taken back in `unbind_data`.
        unsafe { bindings::pci_set_drvdata(pdev, KBox::into_raw(data).cast()) };
        Ok(())
    }

    /// Takes the driver data back from the device.
    ///
    /// # Safety
    ///
    /// `bind` succeeded for `pdev`, and no `Device<Bound>` of it is used
    /// after this.
    unsafe fn unbind_data(pdev: *mut bindings::pci_dev) -> KBox<BindingData> {
        // SAFETY: `bind` stored a `KBox<BindingData>` (function's requirement).
        let data = unsafe { KBox::from_raw(bindings::pci_get_drvdata(pdev).cast()) };
        // SAFETY: the device is valid.
        unsafe { bindings::pci_set_drvdata(pdev, core::ptr::null_mut()) };
        data
    }

    /// # Safety
    ///
    /// Only the C core calls this, through the ops table, with valid arguments.
    unsafe extern "C" fn probe_callback(
        pdev: *mut bindings::pci_dev,
        id: *const bindings::pci_device_id,
    ) -> crate::ffi::c_int {
        from_result(|| {
            // SAFETY: the PCI core calls `probe` with a valid device being bound to this driver.
            let gdev = unsafe { device::Device::as_ref(core::ptr::addr_of_mut!((*pdev).dev)) };
            Self::bind(pdev, gdev)?;
            // SAFETY: the device is being bound to this driver, its device lock held, and its
            // driver data is the binding's `BindingData` (set just now) until `probe` fails or
            // the device is removed.
            let dev = unsafe { Device::<Core>::from_raw(pdev) };
            // SAFETY: `id` points into `T::ID_TABLE`, made of `DeviceId`s (transparent).
            let id = unsafe { &*id.cast::<DeviceId>() };
            let data = T::probe(dev, id).inspect_err(|_| {
                // SAFETY: the device is valid; its "first" managed entries (registered net
                // devices) go before the driver core releases the rest, among them the DMA
                // side of the binding, last.
                unsafe { bindings::rnet_devres_release_first(dev.as_dev().as_raw()) };
                // SAFETY: `bind` succeeded; `dev` is not used after this.
                drop(unsafe { Self::unbind_data(pdev) });
            })?;
            // SAFETY: the driver data is the `BindingData` `bind` stored; nothing else reads or
            // writes `driver` until `remove_callback`, which the driver core runs after this
            // probe has returned, takes it back.
            unsafe {
                (*bindings::pci_get_drvdata(pdev).cast::<BindingData>()).driver =
                    data.into_foreign()
            };
            Ok(0)
        })
    }

    /// # Safety
    ///
    /// Only the C core calls this, through the ops table, with valid arguments.
    unsafe extern "C" fn remove_callback(pdev: *mut bindings::pci_dev) {
        // SAFETY: the PCI core calls `remove` with the valid device bound to this driver.
        let dev = unsafe { Device::<Core>::from_raw(pdev) };
        // SAFETY: the driver data is the `BindingData` of a successful probe.
        let foreign = unsafe { (*bindings::pci_get_drvdata(pdev).cast::<BindingData>()).driver };
        // SAFETY: `probe_callback` stored the result of `into_foreign` of a `Pin<KBox<T>>`.
        let data = unsafe { Pin::<KBox<T>>::from_foreign(foreign) };
        data.unbind(dev);
        drop(data);
        // What the driver leaked of its net devices goes now, while every
        // other resource of the binding is in place; the rest (leftover BAR
        // mappings, vectors, one disable per enable, and last the DMA side of
        // the binding) after this returns.
        // SAFETY: the device is valid and being unbound.
        unsafe { bindings::rnet_devres_release_first(dev.as_dev().as_raw()) };
        // SAFETY: `bind` succeeded at probe; `dev` is not used after this.
        drop(unsafe { Self::unbind_data(pdev) });
    }
}

/// The registration of a PCI driver; unregisters on drop.
///
/// # Invariants
///
/// `drv` is registered with the PCI core for the lifetime of the value.
#[pin_data(PinnedDrop)]
pub struct Registration<T: Driver> {
    #[pin]
    drv: Opaque<bindings::pci_driver>,
    _p: PhantomData<T>,
}

impl<T: Driver> Registration<T> {
    /// Registers `T` as the PCI driver of `module`.
    pub fn new(module: &'static ThisModule) -> impl PinInit<Self, Error> {
        let init = move |slot: *mut Self| {
            // SAFETY: `slot` is valid, pinned, uninitialised memory for `Self`.
            let drv = unsafe { Opaque::raw_get(core::ptr::addr_of!((*slot).drv)) };
            // SAFETY: `drv` is valid for writes; all-zero is the default `pci_driver` and the
            // fields set below are the ones the PCI core reads.
            unsafe {
                drv.write(core::mem::zeroed());
                (*drv).name = T::NAME.as_char_ptr();
                (*drv).probe = Some(Adapter::<T>::probe_callback);
                (*drv).remove = Some(Adapter::<T>::remove_callback);
                (*drv).id_table = T::ID_TABLE.as_ptr();
            }
            // SAFETY: `drv` is initialised and pinned; it is unregistered in `drop`.
            to_result(unsafe {
                bindings::__pci_register_driver(drv, module.as_ptr(), T::NAME.as_char_ptr())
            })
        };
        // SAFETY: on success the closure initialised `drv` (the only non-ZST field); on error
        // nothing needs dropping.
        unsafe { crate::init::pin_init_from_closure(init) }
    }
}

#[pinned_drop]
impl<T: Driver> PinnedDrop for Registration<T> {
    fn drop(self: Pin<&mut Self>) {
        // SAFETY: registered (type invariant).
        unsafe { bindings::pci_unregister_driver(self.drv.get()) };
    }
}

// SAFETY: the registration is only touched at module init and exit.
unsafe impl<T: Driver> Sync for Registration<T> {}
// SAFETY: as above; the PCI core's own locking covers the driver structure.
unsafe impl<T: Driver> Send for Registration<T> {}

/// The module type [`module_pci_driver!`] declares: it owns the registration.
pub struct Module<T: Driver> {
    _reg: Pin<KBox<Registration<T>>>,
}

impl<T: Driver> crate::Module for Module<T> {
    fn init(module: &'static ThisModule) -> Result<Self> {
        Ok(Self {
            _reg: KBox::try_pin_init(Registration::new(module), GFP_KERNEL)?,
        })
    }
}

/// Declares a module whose whole job is a PCI driver.
///
/// ```ignore
/// kernel::module_pci_driver! {
///     type: MyDriver,
///     name: "my_driver",
///     author: "...",
///     description: "...",
///     license: "GPL",
/// }
/// ```
#[macro_export]
macro_rules! module_pci_driver {
    (type: $type:ty, $($rest:tt)*) => {
        type __RnetPciModule = $crate::pci::Module<$type>;
        $crate::prelude::module! {
            type: __RnetPciModule,
            $($rest)*
        }
    };
}
