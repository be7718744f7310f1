// SPDX-License-Identifier: GPL-2.0

//! Network devices (`struct net_device`).
//!
//! C headers: [`include/linux/netdevice.h`](srctree/include/linux/netdevice.h),
//! [`include/linux/etherdevice.h`](srctree/include/linux/etherdevice.h)
//!
//! A driver's per-device state `T` lives in the device's private area and
//! implements [`DeviceOperations`]; the `#[vtable]` trait becomes the C
//! `net_device_ops` and `ethtool_ops` tables. [`Registration`] allocates the
//! device, initialises `T` in place, registers the device and, on drop,
//! unregisters it (which closes it) before dropping `T` and freeing it.

use crate::build_error;
use crate::{
    bindings,
    devres::Devres,
    error::{from_result, to_result, VTABLE_DEFAULT_ERROR},
    net::{
        napi::{Napi, Poll},
        skb::SkBuff,
    },
    pci,
    prelude::*,
    str::CStr,
    types::{ARef, AlwaysRefCounted, Opaque},
};
use core::{
    marker::PhantomData,
    ptr::NonNull,
    sync::atomic::{AtomicUsize, Ordering},
};

fn eaddrnotavail() -> Error {
    // CAST: errno constants are small positive numbers.
    Error::from_errno(-(bindings::EADDRNOTAVAIL as i32))
}

/// The length of an Ethernet address.
pub const ETH_ALEN: usize = 6;

/// A copy of an interface name (see [`Handle::name`]).
pub struct Name([crate::ffi::c_char; bindings::IFNAMSIZ as usize]);

impl Name {
    /// The name as a C string.
    pub fn as_cstr(&self) -> &CStr {
        // SAFETY: `netdev_copy_name` wrote a NUL-terminated string into the array, which
        // lives as long as `self`.
        unsafe { CStr::from_char_ptr(self.0.as_ptr()) }
    }
}

impl core::fmt::Display for Name {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        core::fmt::Display::fmt(self.as_cstr(), f)
    }
}

/// A network device whose private area holds a `T`, as any holder of a
/// reference sees it (a [`DeviceRef`] kept by an interrupt handler, the
/// not yet registered device of a [`Registration`]).
///
/// # Invariants
///
/// The wrapped `net_device` is valid for the lifetime of the reference and
/// its private area holds an initialised `Private<T>` (it was allocated by
/// [`Registration::new`]).
#[repr(transparent)]
pub struct Handle<T>(Opaque<bindings::net_device>, PhantomData<T>);

/// A network device as its own operations see it: registered by a
/// [`Registration`] held under devres, so its parent PCI device is bound
/// for as long as an operation runs ([`Self::parent`]). Everything a
/// [`Handle`] offers is reachable through `Deref`.
///
/// # Invariants
///
/// As for [`Handle`]; besides, the device's parent is a PCI device that is
/// bound to a driver for the lifetime of the reference.
#[repr(transparent)]
pub struct Device<T>(Handle<T>);

impl<T> Device<T> {
    /// # Safety
    ///
    /// `ptr` must be valid for `'a`, its private area must hold a `T`, and
    /// its parent must be a PCI device bound for `'a` by the driver whose
    /// `Registration::new` made it (so bound through `pci::Registration`).
    pub(crate) unsafe fn from_raw<'a>(ptr: *mut bindings::net_device) -> &'a Self {
        // SAFETY: transparent wrappers; guaranteed by the caller.
        unsafe { &*ptr.cast() }
    }

    // Queue control is only offered here: before registration a queue has
    // no qdisc yet, and waking it would schedule a NULL one.

    /// Allows the stack to transmit.
    pub fn start_queue(&self) {
        // SAFETY: valid and registered device (type invariant): its queues have a qdisc.
        unsafe { bindings::netif_start_queue(self.as_raw()) }
    }

    /// Stops the stack from transmitting.
    pub fn stop_queue(&self) {
        // SAFETY: valid and registered device (type invariant): its queues have a qdisc.
        unsafe { bindings::netif_stop_queue(self.as_raw()) }
    }

    /// Stops the transmit queue and waits until no `start_xmit` runs
    /// (`netif_tx_disable`).
    pub fn tx_disable(&self) {
        // SAFETY: valid and registered device (type invariant): its queues have a qdisc.
        unsafe { bindings::netif_tx_disable(self.as_raw()) }
    }

    /// Lets the stack transmit again, rescheduling the queue.
    pub fn wake_queue(&self) {
        // SAFETY: valid and registered device (type invariant): its queues have a qdisc.
        unsafe { bindings::netif_wake_queue(self.as_raw()) }
    }

    /// Whether the transmit queue is stopped.
    pub fn queue_stopped(&self) -> bool {
        // SAFETY: valid and registered device (type invariant): its queues have a qdisc.
        unsafe { bindings::netif_queue_stopped(self.as_raw()) }
    }

    /// The PCI device this device belongs to, bound: the proof that DMA
    /// mappings and interrupt handlers need.
    #[inline]
    pub fn parent(&self) -> &pci::Device<pci::Bound> {
        // SAFETY: the device is valid (type invariant); `Registration::new` set its parent to
        // the `dev` embedded in a PCI device, so stepping back to the start of that `pci_dev`
        // stays inside it.
        let pdev = unsafe {
            crate::container_of!((*self.as_raw()).dev.parent, bindings::pci_dev, dev).cast_mut()
        };
        // SAFETY: the PCI device is alive (the registration holds a reference to it) and
        // bound for the lifetime of `self` (type invariant), by the driver that made the
        // registration from its `Device<Core>`, so through `pci::Registration`.
        unsafe { pci::Device::from_raw(pdev) }
    }
}

impl<T> core::ops::Deref for Device<T> {
    type Target = Handle<T>;

    fn deref(&self) -> &Handle<T> {
        &self.0
    }
}

impl<T> From<&Device<T>> for ARef<Handle<T>> {
    fn from(dev: &Device<T>) -> Self {
        (&**dev).into()
    }
}

impl<T> Handle<T> {
    /// # Safety
    ///
    /// `ptr` must be valid for `'a` and made by [`Registration::new`] for
    /// `T` (its private area holds a `Private<T>`).
    pub(crate) unsafe fn from_raw<'a>(ptr: *mut bindings::net_device) -> &'a Self {
        // SAFETY: transparent wrapper; guaranteed by the caller.
        unsafe { &*ptr.cast() }
    }

    pub(crate) fn as_raw(&self) -> *mut bindings::net_device {
        self.0.get()
    }

    /// The private area: the reference count of `DeviceRef`s, then `T`.
    fn private(&self) -> &Private<T> {
        // SAFETY: the private area holds an initialised `Private<T>` (type invariant).
        unsafe { &*bindings::netdev_priv(self.as_raw()).cast::<Private<T>>() }
    }

    /// The driver's state.
    pub fn data(&self) -> &T {
        &self.private().data
    }

    /// The interface name, e.g. `eth0`: a copy, taken under the lock that
    /// renames devices (`netdev_copy_name`), since a rename may run at any
    /// time once the device is registered.
    ///
    /// Not from hard interrupt context: the copy retries while a rename is
    /// under way, and an interrupt that arrives in the middle of a rename on
    /// the same CPU would retry forever (a hang, not memory unsafety). A
    /// handler that logs should log the PCI device's name instead.
    pub fn name(&self) -> Name {
        let mut name = Name([0; bindings::IFNAMSIZ as usize]);
        // SAFETY: valid device; `name.0` has room for `IFNAMSIZ` bytes, which
        // `netdev_copy_name` fills with a NUL-terminated name.
        unsafe { bindings::rnet_netdev_copy_name(self.as_raw(), name.0.as_mut_ptr()) };
        name
    }

    /// Marks the link up.
    pub fn carrier_on(&self) {
        // SAFETY: valid device.
        unsafe { bindings::netif_carrier_on(self.as_raw()) }
    }

    /// Marks the link down.
    pub fn carrier_off(&self) {
        // SAFETY: valid device.
        unsafe { bindings::netif_carrier_off(self.as_raw()) }
    }

    /// Whether the link is up.
    pub fn carrier_ok(&self) -> bool {
        // SAFETY: valid device.
        unsafe { bindings::netif_carrier_ok(self.as_raw()) }
    }

    /// Whether the device is up (opened, `netif_running`).
    pub fn is_running(&self) -> bool {
        // SAFETY: valid device.
        unsafe { bindings::netif_running(self.as_raw()) }
    }

    /// The hardware address. Read byte by byte with volatile reads: the
    /// address may change under RTNL while this runs elsewhere (the result
    /// may then mix the old and the new address, as in C).
    pub fn mac(&self) -> [u8; ETH_ALEN] {
        let mut mac = [0u8; ETH_ALEN];
        // SAFETY: valid device (type invariant).
        let addr = unsafe { (*self.as_raw()).dev_addr };
        for (i, b) in mac.iter_mut().enumerate() {
            // SAFETY: `dev_addr` points to at least `ETH_ALEN` bytes in a valid Ethernet device.
            *b = unsafe { addr.add(i).read_volatile() };
        }
        mac
    }

    /// Sets the hardware address.
    ///
    /// # Safety
    ///
    /// The caller holds RTNL, or the device is not registered and not
    /// shared yet (`eth_hw_addr_set` rewrites the device's address list).
    unsafe fn set_hw_addr(&self, mac: &[u8; ETH_ALEN]) -> Result {
        // SAFETY: `mac` is `ETH_ALEN` bytes.
        if !unsafe { bindings::is_valid_ether_addr(mac.as_ptr()) } {
            return Err(eaddrnotavail());
        }
        // SAFETY: valid Ethernet device; RTNL held or not registered (function's requirement).
        unsafe { bindings::eth_hw_addr_set(self.as_raw(), mac.as_ptr()) };
        Ok(())
    }

    /// The MTU.
    pub fn mtu(&self) -> u32 {
        // SAFETY: valid device; a plain read of an `unsigned int`.
        unsafe { core::ptr::addr_of!((*self.as_raw()).mtu).read_volatile() }
    }

    /// Whether the interface is in promiscuous mode.
    pub fn promisc(&self) -> bool {
        // SAFETY: valid device; the helper reads `flags` once (it changes under RTNL while
        // `ndo_set_rx_mode` may run without it).
        unsafe {
            bindings::rnet_netdev_flags(self.as_raw()) & bindings::net_device_flags_IFF_PROMISC != 0
        }
    }

    /// Whether the interface takes all multicast, or has multicast addresses.
    pub fn wants_multicast(&self) -> bool {
        // SAFETY: valid device; the helper reads each field once.
        unsafe {
            bindings::rnet_netdev_flags(self.as_raw()) & bindings::net_device_flags_IFF_ALLMULTI
                != 0
                || bindings::rnet_netdev_mc_count(self.as_raw()) > 0
        }
    }

    /// Whether the stack will hand over more packets right after this one,
    /// so that a driver can postpone its doorbell write.
    pub fn xmit_more() -> bool {
        // SAFETY: reads a per-CPU flag of the transmit path.
        unsafe { bindings::netdev_xmit_more() }
    }

    /// The offloads currently enabled (`ethtool -k`).
    pub fn features(&self) -> Features {
        // SAFETY: valid device; the helper reads `features` once.
        Features(unsafe { bindings::rnet_netdev_features(self.as_raw()) })
    }

    /// Allocates a receive buffer of `len` bytes, IP header aligned, outside
    /// NAPI context.
    pub fn alloc_skb_ip_align(&self, len: u32) -> Result<SkBuff> {
        // SAFETY: valid device.
        let skb = unsafe { bindings::netdev_alloc_skb_ip_align(self.as_raw(), len) };
        // SAFETY: a new buffer we own, or null.
        unsafe { SkBuff::from_raw(skb) }.ok_or(ENOMEM)
    }

    /// Sets `skb`'s protocol from its Ethernet header and pulls the header
    /// (`eth_type_trans`). Fails for a frame shorter than a header.
    pub fn eth_type_trans(&self, skb: &mut SkBuff) -> Result {
        if skb.is_shared() {
            return Err(EBUSY);
        }
        if skb.headlen() < 14 {
            return Err(EINVAL);
        }
        // SAFETY: valid device; the buffer is owned and holds at least a header.
        unsafe { bindings::rnet_eth_type_trans(skb.as_raw(), self.as_raw()) };
        Ok(())
    }
}

/// The private area of a device made by [`Registration::new`].
///
/// `refs` counts the [`DeviceRef`]s alive, exactly (the kernel's per-CPU
/// count cannot be summed reliably while a holder clones on another CPU):
/// [`Registration`]'s drop frees the device only when it is zero.
#[repr(C)]
struct Private<T> {
    refs: AtomicUsize,
    data: T,
}

// SAFETY: net devices are reference counted with `dev_hold`/`dev_put`; `refs` also counts the
// references handed out here, so that `Registration`'s drop knows of every one.
unsafe impl<T> AlwaysRefCounted for Handle<T> {
    fn inc_ref(&self) {
        self.private().refs.fetch_add(1, Ordering::Relaxed);
        // SAFETY: a shared reference proves the count is non-zero.
        unsafe { bindings::dev_hold(self.as_raw()) }
    }

    unsafe fn dec_ref(obj: NonNull<Self>) {
        // SAFETY: the caller gives up a reference it owned, so the device is valid.
        let refs: *const AtomicUsize = unsafe { &obj.as_ref().private().refs };
        // SAFETY: as above. The device and its private area stay valid after `dev_put`:
        // `Registration`'s drop frees them only once `refs` is zero, which happens below.
        unsafe { bindings::dev_put(obj.cast().as_ptr()) };
        // SAFETY: still valid (see above); nothing of the device is touched after this.
        unsafe { (*refs).fetch_sub(1, Ordering::Release) };
    }
}

// SAFETY: the device may be used from any thread; `T` must allow it too.
unsafe impl<T: Send + Sync> Send for Handle<T> {}
// SAFETY: methods taking `&self` are safe to call concurrently; `T` is `Sync`.
unsafe impl<T: Send + Sync> Sync for Handle<T> {}

/// Counters reported by [`DeviceOperations::get_stats64`]. Drivers set
/// fields of the one they are given; more fields may come.
#[derive(Default, Clone, Copy)]
#[allow(missing_docs)]
#[non_exhaustive]
pub struct Stats64 {
    pub rx_packets: u64,
    pub tx_packets: u64,
    pub rx_bytes: u64,
    pub tx_bytes: u64,
    pub rx_errors: u64,
    pub tx_errors: u64,
    pub rx_dropped: u64,
    pub tx_dropped: u64,
    pub multicast: u64,
    pub rx_crc_errors: u64,
    pub rx_length_errors: u64,
    pub rx_over_errors: u64,
    pub rx_missed_errors: u64,
}

/// Driver information for `ethtool -i`.
pub struct DrvInfo<'a> {
    /// Driver name.
    pub driver: &'a CStr,
    /// Driver version.
    pub version: &'a CStr,
    /// Bus address.
    pub bus_info: &'a CStr,
}

/// Ring sizes for `ethtool -g`.
#[derive(Default, Clone, Copy)]
pub struct RingParam {
    /// Largest receive ring.
    pub rx_max: u32,
    /// Largest transmit ring.
    pub tx_max: u32,
    /// Current receive ring.
    pub rx: u32,
    /// Current transmit ring.
    pub tx: u32,
}

/// What `start_xmit` did with a packet.
pub enum NetdevTx {
    /// The driver took the packet (sent, queued or dropped it).
    Ok,
    /// The ring is full: the packet goes back to the stack, to be retried.
    /// Drivers should stop the queue before this can happen.
    ///
    /// It must be the buffer `start_xmit` was given: the core requeues that
    /// one. Any other buffer is freed and the packet counts as taken
    /// (`NETDEV_TX_OK`), since the driver no longer holds the one it got.
    Busy(SkBuff),
}

/// Runs `f` with bottom halves (softirqs) disabled on this CPU.
///
/// State that the transmit path or a NAPI poll also locks (both run as
/// softirqs) must be locked this way from process context, such as `open`
/// and `stop`: a softirq interrupting the lock holder on the same CPU would
/// otherwise spin on the lock forever. Not for hard interrupt context,
/// where bottom halves cannot run anyway.
pub fn with_bh_disabled<R>(f: impl FnOnce() -> R) -> R {
    // SAFETY: no precondition; paired with the enable below.
    unsafe { bindings::local_bh_disable() };
    let r = f();
    // SAFETY: disabled above, on this CPU (the task cannot migrate while bottom halves are
    // off).
    unsafe { bindings::local_bh_enable() };
    r
}

/// A set of offloads (`netdev_features_t`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Features(bindings::netdev_features_t);

impl Features {
    const fn bit(b: u32) -> Self {
        Self(1 << b)
    }

    /// No offload.
    pub const NONE: Self = Self(0);
    /// Scatter/gather: packets may arrive in page fragments.
    pub const SG: Self = Self::bit(bindings::NETIF_F_SG_BIT);
    /// TCP/UDP over IPv4 checksums computed by the device.
    pub const IP_CSUM: Self = Self::bit(bindings::NETIF_F_IP_CSUM_BIT);
    /// TCP/UDP over IPv6 checksums computed by the device.
    pub const IPV6_CSUM: Self = Self::bit(bindings::NETIF_F_IPV6_CSUM_BIT);
    /// TCP segmentation over IPv4.
    pub const TSO: Self = Self::bit(bindings::NETIF_F_TSO_BIT);
    /// TCP segmentation over IPv6.
    pub const TSO6: Self = Self::bit(bindings::NETIF_F_TSO6_BIT);
    /// Received checksums verified by the device.
    pub const RXCSUM: Self = Self::bit(bindings::NETIF_F_RXCSUM_BIT);
    /// DMA to and from high memory.
    pub const HIGHDMA: Self = Self::bit(bindings::NETIF_F_HIGHDMA_BIT);

    /// The offloads of `self` and of `other`.
    pub const fn or(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }

    /// Whether every offload of `other` is in `self`.
    pub const fn contains(self, other: Self) -> bool {
        self.0 & other.0 == other.0
    }
}

impl core::ops::BitOr for Features {
    type Output = Self;
    fn bitor(self, rhs: Self) -> Self {
        Self(self.0 | rhs.0)
    }
}

/// Network device operations, implemented by the driver's per-device state.
#[vtable]
pub trait DeviceOperations: Sized + Send + Sync + 'static {
    /// Brings the interface up (`ndo_open`), under RTNL.
    fn open(_dev: &Device<Self>) -> Result {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// Brings it down (`ndo_stop`), under RTNL; releases what `open` took.
    /// It cannot fail: the core ignores the result and the interface is
    /// down afterwards whatever happened.
    fn stop(_dev: &Device<Self>) {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// Transmits one packet, in BH context with the queue's lock held.
    /// Required: the core calls it without checking.
    fn start_xmit(dev: &Device<Self>, skb: SkBuff) -> NetdevTx;

    /// Fills in the counters. Any context, atomic included (e.g. under a
    /// spinlock from `/proc/net/dev` or a bonding master), and concurrently
    /// with itself on other CPUs: it must not sleep, and counters it
    /// updates must tolerate concurrent callers.
    fn get_stats64(_dev: &Device<Self>, _stats: &mut Stats64) {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// The transmit queue `txqueue` made no progress for the watchdog
    /// period. Called from the watchdog timer (softirq) with every transmit
    /// queue's lock held: it must not sleep, nor call anything that takes a
    /// queue lock, such as [`Device::tx_disable`] (a self-deadlock); stop
    /// the queue with [`Device::stop_queue`] and defer a reset to a work
    /// item.
    fn tx_timeout(_dev: &Device<Self>, _txqueue: u32) {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// Programs a new, already validated unicast address into the hardware;
    /// `dev_addr` is updated after success. Without it, the address cannot
    /// be changed (`EOPNOTSUPP`): the stack must not believe in an address
    /// the hardware does not filter for.
    fn set_mac_address(_dev: &Device<Self>, _mac: &[u8; ETH_ALEN]) -> Result {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// Accepts (or refuses) a new MTU, already within `min_mtu..=max_mtu`.
    fn change_mtu(_dev: &Device<Self>, _new_mtu: u32) -> Result {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// Applies promiscuous/multicast flags, in atomic context: bottom
    /// halves are disabled (the core holds the device's address list lock,
    /// `netif_addr_lock_bh`), so a lock it shares with process context
    /// must be taken there with bottom halves disabled too
    /// ([`with_bh_disabled`]). Not called while the interface is down.
    fn set_rx_mode(_dev: &Device<Self>) {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// `ethtool -i`.
    fn get_drvinfo(_dev: &Device<Self>, _info: &mut dyn FnMut(DrvInfo<'_>)) {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// `ethtool -g`.
    fn get_ringparam(_dev: &Device<Self>) -> RingParam {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// `ethtool -G`, under RTNL: sets the receive and transmit ring sizes
    /// to `rx` and `tx` descriptors, on a running device too. The core
    /// refuses sizes above [`Self::get_ringparam`]'s largest before this
    /// (and so any for the mini and jumbo rings, whose largest is 0), and
    /// nothing else: either may be 0 or below the device's least, and a
    /// size the request left out comes as the current one. Needs
    /// `get_ringparam` (a build error without it).
    fn set_ringparam(_dev: &Device<Self>, _rx: u32, _tx: u32) -> Result {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// `ethtool -r`, under RTNL: restarts autonegotiation.
    fn nway_reset(_dev: &Device<Self>) -> Result {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// The length of the register dump of `ethtool -d`, in 32-bit words
    /// (at most [`MAX_REGS_LEN`]; more is cut).
    const REGS_LEN: usize = 0;

    /// `ethtool -d`, under RTNL: fills `regs`, `REGS_LEN` zeroed words, and
    /// returns the dump's version. Installed only with a non-zero `REGS_LEN`.
    fn get_regs(_dev: &Device<Self>, _regs: &mut [u32]) -> u32 {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// The names of the driver's own counters in `ethtool -S`, in the order
    /// [`DeviceOperations::get_ethtool_stats`] gives their values (at most
    /// [`MAX_STATS_LEN`]; more are left out). A name is cut to 31 bytes.
    const STATS: &'static [&'static CStr] = &[];

    /// `ethtool -S`, under RTNL (process context): fills `stats`, one zeroed
    /// value per name of `STATS`, while the data path may be updating them.
    /// Installed only with `STATS` not empty.
    fn get_ethtool_stats(_dev: &Device<Self>, _stats: &mut [u64]) {
        build_error!(VTABLE_DEFAULT_ERROR)
    }
}

/// The longest register dump, in 32-bit words.
pub const MAX_REGS_LEN: usize = 1 << 16;

/// The most counters `ethtool -S` shows of a driver.
pub const MAX_STATS_LEN: usize = 1 << 10;

struct Adapter<T: DeviceOperations>(PhantomData<T>);

impl<T: DeviceOperations> Adapter<T> {
    /// # Safety
    ///
    /// `dev` must be a device allocated by [`Registration::new`] for `T`,
    /// registered (the core calls operations only then).
    unsafe fn dev<'a>(dev: *mut bindings::net_device) -> &'a Device<T> {
        // SAFETY: the private area of devices with these ops holds a `T`; a registered
        // `Registration` is held under its parent's devres, so the parent stays bound until
        // the device is unregistered, after which the core calls no operation.
        unsafe { Device::from_raw(dev) }
    }

    /// # Safety
    ///
    /// Only the C core calls this, through the ops table, with valid arguments.
    unsafe extern "C" fn open(dev: *mut bindings::net_device) -> crate::ffi::c_int {
        if !T::HAS_OPEN {
            return 0;
        }
        // SAFETY: called by the core on a device with our ops.
        let d = unsafe { Self::dev(dev) };
        // `open` may enable the device's NAPI contexts from now on.
        // SAFETY: a registered device made by `Registration::new` for `T`; its context list no
        // longer changes.
        unsafe { for_each_napi(dev, Napi::allow) };
        from_result(|| {
            T::open(d).inspect_err(|_| {
                // A failed open is not followed by `stop`: no poll may go on
                // running on a device that is not up, nor start later.
                // SAFETY: as above.
                unsafe { for_each_napi(dev, Napi::forbid) };
            })?;
            Ok(0)
        })
    }

    /// # Safety
    ///
    /// Only the C core calls this, through the ops table, with valid arguments.
    unsafe extern "C" fn stop(dev: *mut bindings::net_device) -> crate::ffi::c_int {
        if T::HAS_STOP {
            // SAFETY: called by the core on a device with our ops.
            T::stop(unsafe { Self::dev(dev) });
        }
        // Whatever `stop` did: no poll runs on a device that is down, so
        // none can outlive `unregister_netdev` (which closes the device
        // before it waits for the references a poll might take), and
        // `Napi::enable` refuses until the next `open`.
        // SAFETY: a registered device made by `Registration::new` for `T`; its context list no
        // longer changes.
        unsafe { for_each_napi(dev, Napi::forbid) };
        0
    }

    /// # Safety
    ///
    /// Only the C core calls this, through the ops table, with valid arguments.
    unsafe extern "C" fn start_xmit(
        skb: *mut bindings::sk_buff,
        dev: *mut bindings::net_device,
    ) -> bindings::netdev_tx_t {
        let given = skb;
        // SAFETY: the core hands over a valid buffer it gives to the driver.
        let Some(skb) = (unsafe { SkBuff::from_raw(skb) }) else {
            return bindings::netdev_tx_NETDEV_TX_OK;
        };
        // SAFETY: called by the core on a device with our ops.
        match T::start_xmit(unsafe { Self::dev(dev) }, skb) {
            NetdevTx::Ok => bindings::netdev_tx_NETDEV_TX_OK,
            NetdevTx::Busy(skb) => {
                let back = skb.into_raw();
                if back == given {
                    // The stack keeps its buffer and retries it.
                    bindings::netdev_tx_NETDEV_TX_BUSY
                } else {
                    // Not the buffer the core would requeue: the driver let
                    // go of that one, so it counts as taken; free this one.
                    // SAFETY: `back` was owned by the `SkBuff` given up above.
                    drop(unsafe { SkBuff::from_raw(back) });
                    bindings::netdev_tx_NETDEV_TX_OK
                }
            }
        }
    }

    /// # Safety
    ///
    /// Only the C core calls this, through the ops table, with valid arguments.
    unsafe extern "C" fn get_stats64(
        dev: *mut bindings::net_device,
        out: *mut bindings::rtnl_link_stats64,
    ) {
        let mut s = Stats64::default();
        // SAFETY: called by the core on a device with our ops.
        T::get_stats64(unsafe { Self::dev(dev) }, &mut s);
        // SAFETY: `out` is valid for writes, zeroed by the core.
        let out = unsafe { &mut *out };
        out.rx_packets = s.rx_packets;
        out.tx_packets = s.tx_packets;
        out.rx_bytes = s.rx_bytes;
        out.tx_bytes = s.tx_bytes;
        out.rx_errors = s.rx_errors;
        out.tx_errors = s.tx_errors;
        out.rx_dropped = s.rx_dropped;
        out.tx_dropped = s.tx_dropped;
        out.multicast = s.multicast;
        out.rx_crc_errors = s.rx_crc_errors;
        out.rx_length_errors = s.rx_length_errors;
        out.rx_over_errors = s.rx_over_errors;
        out.rx_missed_errors = s.rx_missed_errors;
    }

    /// # Safety
    ///
    /// Only the C core calls this, through the ops table, with valid arguments.
    unsafe extern "C" fn tx_timeout(dev: *mut bindings::net_device, txqueue: crate::ffi::c_uint) {
        // SAFETY: called by the core on a device with our ops.
        T::tx_timeout(unsafe { Self::dev(dev) }, txqueue)
    }

    /// # Safety
    ///
    /// Only the C core calls this, through the ops table, with valid arguments.
    unsafe extern "C" fn set_mac_address(
        dev: *mut bindings::net_device,
        addr: *mut crate::ffi::c_void,
    ) -> crate::ffi::c_int {
        from_result(|| {
            let mut mac = [0u8; ETH_ALEN];
            // SAFETY: the core passes a `struct sockaddr` whose `sa_data` holds at least
            // `ETH_ALEN` bytes of address.
            unsafe {
                let data = bindings::rnet_sockaddr_data(addr.cast());
                core::ptr::copy_nonoverlapping(data, mac.as_mut_ptr(), ETH_ALEN);
            }
            // SAFETY: called by the core on a device with our ops.
            let dev = unsafe { Self::dev(dev) };
            // SAFETY: `mac` is `ETH_ALEN` bytes.
            if !unsafe { bindings::is_valid_ether_addr(mac.as_ptr()) } {
                return Err(eaddrnotavail());
            }
            T::set_mac_address(dev, &mac)?;
            // SAFETY: the core calls `ndo_set_mac_address` under RTNL.
            unsafe { dev.set_hw_addr(&mac) }?;
            Ok(0)
        })
    }

    /// # Safety
    ///
    /// Only the C core calls this, through the ops table, with valid arguments.
    unsafe extern "C" fn change_mtu(
        dev: *mut bindings::net_device,
        new_mtu: crate::ffi::c_int,
    ) -> crate::ffi::c_int {
        from_result(|| {
            let mtu = u32::try_from(new_mtu).map_err(|_| EINVAL)?;
            // SAFETY: called by the core on a device with our ops.
            T::change_mtu(unsafe { Self::dev(dev) }, mtu)?;
            // SAFETY: under RTNL, as the core calls `ndo_change_mtu`.
            unsafe { core::ptr::addr_of_mut!((*dev).mtu).write_volatile(mtu) };
            Ok(0)
        })
    }

    /// # Safety
    ///
    /// Only the C core calls this, through the ops table, with valid arguments.
    unsafe extern "C" fn set_rx_mode(dev: *mut bindings::net_device) {
        // SAFETY: called by the core on a device with our ops.
        T::set_rx_mode(unsafe { Self::dev(dev) })
    }

    /// # Safety
    ///
    /// Only the C core calls this, through the ops table, with valid arguments.
    unsafe extern "C" fn get_drvinfo(
        dev: *mut bindings::net_device,
        info: *mut bindings::ethtool_drvinfo,
    ) {
        // SAFETY: `info` is valid for writes.
        let info = unsafe { &mut *info };
        let mut fill = |d: DrvInfo<'_>| {
            copy_cstr(&mut info.driver, d.driver);
            copy_cstr(&mut info.version, d.version);
            copy_cstr(&mut info.bus_info, d.bus_info);
        };
        // SAFETY: called by the core on a device with our ops.
        T::get_drvinfo(unsafe { Self::dev(dev) }, &mut fill);
    }

    /// # Safety
    ///
    /// Only the C core calls this, through the ops table, with valid arguments.
    unsafe extern "C" fn get_ringparam(
        dev: *mut bindings::net_device,
        ring: *mut bindings::ethtool_ringparam,
        _kring: *mut bindings::kernel_ethtool_ringparam,
        _extack: *mut bindings::netlink_ext_ack,
    ) {
        // SAFETY: called by the core on a device with our ops.
        let r = T::get_ringparam(unsafe { Self::dev(dev) });
        // SAFETY: `ring` is valid for writes.
        let ring = unsafe { &mut *ring };
        ring.rx_max_pending = r.rx_max;
        ring.tx_max_pending = r.tx_max;
        ring.rx_pending = r.rx;
        ring.tx_pending = r.tx;
    }

    /// # Safety
    ///
    /// Only the C core calls this, through the ops table, with valid arguments.
    unsafe extern "C" fn set_ringparam(
        dev: *mut bindings::net_device,
        ring: *mut bindings::ethtool_ringparam,
        _kring: *mut bindings::kernel_ethtool_ringparam,
        _extack: *mut bindings::netlink_ext_ack,
    ) -> crate::ffi::c_int {
        from_result(|| {
            // SAFETY: `ring` is valid for reads for the call.
            let ring = unsafe { &*ring };
            // The core refuses these already (their largest is 0).
            if ring.rx_mini_pending != 0 || ring.rx_jumbo_pending != 0 {
                return Err(EINVAL);
            }
            // SAFETY: called by the core on a device with our ops.
            T::set_ringparam(unsafe { Self::dev(dev) }, ring.rx_pending, ring.tx_pending)?;
            Ok(0)
        })
    }

    const REGS_WORDS: usize = if T::REGS_LEN < MAX_REGS_LEN {
        T::REGS_LEN
    } else {
        MAX_REGS_LEN
    };

    /// # Safety
    ///
    /// Only the C core calls this, through the ops table, with valid arguments.
    unsafe extern "C" fn get_regs_len(_dev: *mut bindings::net_device) -> crate::ffi::c_int {
        // CAST: at most `MAX_REGS_LEN * 4` bytes, which fits.
        (Self::REGS_WORDS * 4) as crate::ffi::c_int
    }

    /// # Safety
    ///
    /// Only the C core calls this, through the ops table, with valid arguments.
    unsafe extern "C" fn get_regs(
        dev: *mut bindings::net_device,
        regs: *mut bindings::ethtool_regs,
        p: *mut crate::ffi::c_void,
    ) {
        // SAFETY: the core passes a zeroed buffer of `get_regs_len` bytes, `REGS_WORDS`
        // 32-bit words (non-zero: the operation is installed only then), from `vzalloc`, so
        // aligned; nothing else uses it during the call.
        let words = unsafe { core::slice::from_raw_parts_mut(p.cast::<u32>(), Self::REGS_WORDS) };
        // SAFETY: called by the core on a device with our ops.
        let version = T::get_regs(unsafe { Self::dev(dev) }, words);
        // SAFETY: `regs` is valid for writes.
        unsafe { (*regs).version = version };
    }

    const STATS_LEN: usize = if T::STATS.len() < MAX_STATS_LEN {
        T::STATS.len()
    } else {
        MAX_STATS_LEN
    };

    /// Whether `ethtool -S` has anything to show: the three operations
    /// come together or not at all.
    const HAS_STATS: bool = T::HAS_GET_ETHTOOL_STATS && Self::STATS_LEN > 0;

    /// # Safety
    ///
    /// Only the C core calls this, through the ops table, with valid arguments.
    unsafe extern "C" fn get_sset_count(
        _dev: *mut bindings::net_device,
        sset: crate::ffi::c_int,
    ) -> crate::ffi::c_int {
        // CAST: a small enumeration value.
        if sset == bindings::ethtool_stringset_ETH_SS_STATS as crate::ffi::c_int {
            // CAST: at most `MAX_STATS_LEN`, which fits.
            Self::STATS_LEN as crate::ffi::c_int
        } else {
            // CAST: a small errno.
            -(bindings::EOPNOTSUPP as crate::ffi::c_int)
        }
    }

    /// # Safety
    ///
    /// Only the C core calls this, through the ops table, with valid arguments.
    unsafe extern "C" fn get_strings(_dev: *mut bindings::net_device, sset: u32, data: *mut u8) {
        const LEN: usize = bindings::ETH_GSTRING_LEN as usize;
        if sset != bindings::ethtool_stringset_ETH_SS_STATS {
            return;
        }
        // SAFETY: for `ETH_SS_STATS` the core passes room for at least as many
        // `ETH_GSTRING_LEN`-byte strings as `get_sset_count` said, `STATS_LEN` (a constant:
        // the count cannot change between the calls), which nothing else uses during the call.
        // Only `ETH_SS_STATS` has a count here: another string set gets no write (a caller,
        // such as DSA's, may ask for one `get_sset_count` refused).
        let buf = unsafe { core::slice::from_raw_parts_mut(data, Self::STATS_LEN * LEN) };
        for (slot, name) in buf.chunks_exact_mut(LEN).zip(T::STATS.iter()) {
            let bytes = name.as_bytes();
            let n = bytes.len().min(LEN - 1);
            slot[..n].copy_from_slice(&bytes[..n]);
            slot[n..].fill(0);
        }
    }

    /// # Safety
    ///
    /// Only the C core calls this, through the ops table, with valid arguments.
    unsafe extern "C" fn get_ethtool_stats(
        dev: *mut bindings::net_device,
        _stats: *mut bindings::ethtool_stats,
        data: *mut u64,
    ) {
        // SAFETY: the core passes a zeroed, aligned array of at least as many values as
        // `get_sset_count` said for `ETH_SS_STATS`, the constant `STATS_LEN` (not zero: the
        // operation is installed only then); nothing else uses it during the call.
        let stats = unsafe { core::slice::from_raw_parts_mut(data, Self::STATS_LEN) };
        // SAFETY: called by the core on a device with our ops.
        T::get_ethtool_stats(unsafe { Self::dev(dev) }, stats);
    }

    /// # Safety
    ///
    /// Only the C core calls this, through the ops table, with valid arguments.
    unsafe extern "C" fn nway_reset(dev: *mut bindings::net_device) -> crate::ffi::c_int {
        // SAFETY: called by the core on a device with our ops.
        from_result(|| T::nway_reset(unsafe { Self::dev(dev) }).map(|()| 0))
    }

    const NETDEV_OPS: bindings::net_device_ops = bindings::net_device_ops {
        ndo_open: Some(Self::open),
        ndo_stop: Some(Self::stop),
        ndo_start_xmit: Some(Self::start_xmit),
        ndo_get_stats64: if T::HAS_GET_STATS64 {
            Some(Self::get_stats64)
        } else {
            None
        },
        ndo_tx_timeout: if T::HAS_TX_TIMEOUT {
            Some(Self::tx_timeout)
        } else {
            None
        },
        ndo_set_mac_address: if T::HAS_SET_MAC_ADDRESS {
            Some(Self::set_mac_address)
        } else {
            None
        },
        ndo_change_mtu: if T::HAS_CHANGE_MTU {
            Some(Self::change_mtu)
        } else {
            None
        },
        ndo_set_rx_mode: if T::HAS_SET_RX_MODE {
            Some(Self::set_rx_mode)
        } else {
            None
        },
        ndo_validate_addr: Some(bindings::eth_validate_addr),
        // SAFETY: all-zero is "no operation" for every other entry.
        ..unsafe { core::mem::MaybeUninit::zeroed().assume_init() }
    };

    const ETHTOOL_OPS: bindings::ethtool_ops = bindings::ethtool_ops {
        get_drvinfo: if T::HAS_GET_DRVINFO {
            Some(Self::get_drvinfo)
        } else {
            None
        },
        get_ringparam: if T::HAS_GET_RINGPARAM {
            Some(Self::get_ringparam)
        } else {
            None
        },
        set_ringparam: if T::HAS_SET_RINGPARAM {
            // The core checks requests against `get_ringparam`'s largest.
            assert!(T::HAS_GET_RINGPARAM, "set_ringparam needs get_ringparam");
            Some(Self::set_ringparam)
        } else {
            None
        },
        nway_reset: if T::HAS_NWAY_RESET {
            Some(Self::nway_reset)
        } else {
            None
        },
        get_regs_len: if T::HAS_GET_REGS && Self::REGS_WORDS > 0 {
            Some(Self::get_regs_len)
        } else {
            None
        },
        get_regs: if T::HAS_GET_REGS && Self::REGS_WORDS > 0 {
            Some(Self::get_regs)
        } else {
            None
        },
        get_sset_count: if Self::HAS_STATS {
            Some(Self::get_sset_count)
        } else {
            None
        },
        get_strings: if Self::HAS_STATS {
            Some(Self::get_strings)
        } else {
            None
        },
        get_ethtool_stats: if Self::HAS_STATS {
            Some(Self::get_ethtool_stats)
        } else {
            None
        },
        get_link: Some(bindings::ethtool_op_get_link),
        // SAFETY: all-zero is "no operation" for every other entry.
        ..unsafe { core::mem::MaybeUninit::zeroed().assume_init() }
    };
}

fn copy_cstr<const N: usize>(dst: &mut [crate::ffi::c_char; N], src: &CStr) {
    let bytes = src.as_bytes();
    let n = bytes.len().min(N.saturating_sub(1));
    for (d, s) in dst.iter_mut().zip(bytes[..n].iter()) {
        // CAST: byte to `c_char`.
        *d = *s as crate::ffi::c_char;
    }
    if N > 0 {
        dst[n] = 0;
    }
}

/// An Ethernet device with a `T` in its private area.
///
/// Made in `probe`, set up (address, features, NAPI contexts), then
/// registered by [`Self::register`], which puts it under the parent's
/// devres: it is unregistered and freed when the returned [`Devres`] is
/// dropped or when the parent unbinds, whichever comes first. So no
/// operation of the device runs after the binding ends, even if the driver
/// leaks the registration, and operations see their parent as bound.
///
/// Dropping it (or the [`Devres`] of a registered one) unregisters the
/// device, which takes RTNL and sleeps: process context, without an
/// [`RtnlGuard`] held, which would deadlock.
///
/// # Invariants
///
/// `dev` was allocated by `alloc_etherdev` with room for `Private<T>`,
/// holds an initialised `Private<T>` and our operation tables until drop;
/// its parent is `parent`'s device. `registered` says whether it is registered, which
/// happens only inside [`Self::register`], before the registration moves
/// under `parent`'s devres. Every NAPI context on the device's list is a
/// [`Napi`] inside `T`, added with [`Self::add_napi`].
pub struct Registration<T: DeviceOperations> {
    dev: NonNull<bindings::net_device>,
    parent: ARef<pci::Device>,
    registered: bool,
    _p: PhantomData<T>,
}

impl<T: DeviceOperations> Registration<T> {
    /// Allocates an Ethernet device under `parent` and initialises its
    /// private area with `data`. The device is not registered yet: set its
    /// address and features, add its NAPI contexts, then [`Self::register`].
    pub fn new(parent: &pci::Device<pci::Core>, data: impl PinInit<T, Error>) -> Result<Self> {
        // NETDEV_ALIGN is 32: the private area is aligned to it.
        build_assert!(core::mem::align_of::<Private<T>>() <= 32);
        let size = i32::try_from(core::mem::size_of::<Private<T>>()).map_err(|_| EINVAL)?;
        // SAFETY: no precondition.
        let dev = NonNull::new(unsafe { bindings::alloc_etherdev(size) }).ok_or(ENOMEM)?;
        let raw = dev.as_ptr();
        // SAFETY: the private area is `size` bytes, suitably aligned, and never moves.
        let p = unsafe { bindings::netdev_priv(raw).cast::<Private<T>>() };
        // SAFETY: `p` is valid for writes; `data` is initialised in place, pinned.
        let init = unsafe {
            core::ptr::addr_of_mut!((*p).refs).write(AtomicUsize::new(0));
            data.__pinned_init(core::ptr::addr_of_mut!((*p).data))
        };
        if let Err(e) = init {
            // SAFETY: allocated above, never registered or shared; `T` was not initialised.
            unsafe { bindings::free_netdev(raw) };
            return Err(e);
        }
        // SAFETY: `raw` is a valid, unregistered device we own. Its transmit buffers are its
        // own (`start_xmit` takes them as `SkBuff`s it may change): no shared ones.
        unsafe {
            (*raw).netdev_ops = &Adapter::<T>::NETDEV_OPS;
            (*raw).ethtool_ops = &Adapter::<T>::ETHTOOL_OPS;
            (*raw).dev.parent = parent.as_dev().as_raw();
            bindings::rnet_netdev_no_tx_sharing(raw);
        }
        // INVARIANT: allocated and initialised above, under `parent`; no NAPI context yet.
        Ok(Self {
            dev,
            parent: parent.into(),
            registered: false,
            _p: PhantomData,
        })
    }

    /// The device as its registration shows it, registered or not: no
    /// counted reference can be taken from it (see [`RegHandle`]).
    pub fn handle(&self) -> &RegHandle<T> {
        // SAFETY: `RegHandle` is a transparent wrapper of `Handle`.
        unsafe { &*(self.raw_handle() as *const Handle<T>).cast::<RegHandle<T>>() }
    }

    fn raw_handle(&self) -> &Handle<T> {
        // SAFETY: valid and holding a `T` (type invariant).
        unsafe { Handle::from_raw(self.dev.as_ptr()) }
    }

    /// Sets the offloads the device offers (`hw`, which the user may toggle
    /// with `ethtool -K`) and those enabled at first (`on`).
    pub fn set_features(&mut self, hw: Features, on: Features) -> Result {
        // SAFETY: a valid device, not registered yet (only `register` registers, consuming
        // the registration): the core does not read its features yet, and the helper writes
        // them with `WRITE_ONCE` for readers holding a `DeviceRef` (`Handle::features`).
        unsafe { bindings::rnet_netdev_set_features(self.dev.as_ptr(), hw.0, on.0) };
        Ok(())
    }

    /// Sets the hardware address, which must be a valid unicast address.
    /// Afterwards the address changes under RTNL only, through
    /// [`DeviceOperations::set_mac_address`].
    pub fn set_mac(&mut self, mac: &[u8; ETH_ALEN]) -> Result {
        // SAFETY: not registered (only `register` registers, consuming the registration), and
        // `&mut self` excludes any other user of the address through this registration.
        unsafe { self.raw_handle().set_hw_addr(mac) }
    }

    /// Attaches the NAPI context that `napi` picks out of the device's
    /// state, with `T::poll`. Only a context inside `T` (checked), so that
    /// it lives exactly as long as the device. It can be enabled once the
    /// device is registered.
    pub fn add_napi(&mut self, napi: impl FnOnce(&T) -> &Napi) -> Result
    where
        T: Poll,
    {
        let dev = self.raw_handle();
        // Not registered (only `register` registers, consuming `self`).
        napi(dev.data()).add(dev)
    }

    /// Registers the device with the stack, making it visible, and puts
    /// the registration under the parent's devres, among the entries
    /// released first (before any other resource of the binding, so that
    /// no operation runs while they go). `parent` must be the parent the
    /// device was made for (else `EINVAL`): requiring it in its `Core`
    /// context means a registration can only happen while the driver's
    /// probe or remove runs, never after the binding ended. On failure the
    /// device is freed.
    pub fn register(mut self, parent: &pci::Device<pci::Core>) -> Result<Devres<Self>> {
        if !core::ptr::eq(parent.as_dev().as_raw(), self.parent.as_dev().as_raw()) {
            return Err(EINVAL);
        }
        // SAFETY: a valid, unregistered device (type invariant).
        to_result(unsafe { bindings::register_netdev(self.dev.as_ptr()) })?;
        self.registered = true;
        // On failure `self` is dropped, which unregisters the device.
        Devres::new_release_first(parent, self)
    }
}

impl<T: DeviceOperations> Drop for Registration<T> {
    fn drop(&mut self) {
        let raw = self.dev.as_ptr();
        if self.registered {
            // SAFETY: registered (type invariant). Unregistering closes the device (`stop`)
            // and waits for every reference taken with `dev_hold`.
            unsafe { bindings::unregister_netdev(raw) };
        }
        // No poll may run on `T` once it is dropped, whatever `stop` did or
        // whether the device was ever opened: disable every context. (A
        // registered device's were disabled when unregistering closed it.)
        // SAFETY: valid device, no longer registered; its contexts are `Napi`s in `T` (type
        // invariant).
        unsafe { for_each_napi(raw, Napi::forbid) };
        // `free_netdev` frees the device whatever references `dev_hold`
        // gave out; `unregister_netdev` waited for them (`DeviceRef`s
        // included), but read the per-CPU count, which a holder cloning on
        // another CPU can make read low, and nothing waits on a
        // never-registered device. `refs` counts `DeviceRef`s exactly, and the
        // stack's own count must be back to the one `alloc_etherdev` made
        // (nothing can take one now: no operation or poll runs): otherwise
        // leak the device and its `T` rather than free memory in use.
        let held = self.raw_handle().private().refs.load(Ordering::Acquire);
        // SAFETY: valid device.
        let refs = unsafe { bindings::netdev_refcnt_read(raw) };
        if held != 0 || refs != 1 {
            // The holders may outlive the module: none of its code may be
            // reached through the device any more (link watch reads its
            // operations, say).
            // SAFETY: valid device, unregistered, no operation running.
            unsafe { bindings::rnet_netdev_orphan_ops(raw) };
            pr_err!(
                "net: device {} dropped with references held ({} DeviceRef, {} in all); leaking it\n",
                self.raw_handle().name(),
                held,
                refs
            );
            return;
        }
        // SAFETY: valid (type invariant); nothing uses `T` any more: the device is unregistered
        // (no operation runs), its NAPI contexts are disabled (no poll runs) and no reference
        // is held elsewhere.
        unsafe {
            core::ptr::drop_in_place(bindings::netdev_priv(raw).cast::<Private<T>>());
            bindings::free_netdev(raw);
        }
    }
}

// SAFETY: the registration may be dropped on any thread; `T` is `Send + Sync`.
unsafe impl<T: DeviceOperations> Send for Registration<T> {}
// SAFETY: `&Registration` only hands out `&Handle<T>`, which is `Sync`.
unsafe impl<T: DeviceOperations> Sync for Registration<T> {}

/// Proof that this task holds RTNL, the lock that serialises network
/// configuration: made by [`rtnl_lock`], released when dropped. Not `Send`:
/// the task that took the lock releases it.
pub struct RtnlGuard(PhantomData<*mut ()>);

/// Takes RTNL (`rtnl_lock`); may sleep. Not from a device operation the
/// core calls under RTNL already (it is not recursive), and the guard must
/// be gone before a [`Registration`] (or its [`Devres`]) is dropped, which
/// takes RTNL to unregister the device.
pub fn rtnl_lock() -> RtnlGuard {
    // SAFETY: no precondition beyond process context; released by the guard's drop.
    unsafe { bindings::rnet_rtnl_lock() };
    RtnlGuard(PhantomData)
}

impl Drop for RtnlGuard {
    fn drop(&mut self) {
        // SAFETY: taken by `rtnl_lock` in this task (the guard is not `Send`).
        unsafe { bindings::rnet_rtnl_unlock() };
    }
}

/// Runs `f` on every NAPI context of `raw`.
///
/// # Safety
///
/// `raw` is a valid device made by [`Registration::new`], whose contexts are
/// all [`Napi`]s inside its live `T`, and whose context list does not change
/// meanwhile (it changes only before registration, under `&mut`).
unsafe fn for_each_napi(raw: *mut bindings::net_device, f: impl Fn(&Napi)) {
    // SAFETY: valid device (function's requirement).
    let mut napi = unsafe { bindings::rnet_netdev_napi_next(raw, core::ptr::null_mut()) };
    while !napi.is_null() {
        // SAFETY: every context on the list is a live `Napi` (function's requirement).
        f(unsafe { Napi::from_raw(napi) });
        // SAFETY: `napi` is on the device's list.
        napi = unsafe { bindings::rnet_netdev_napi_next(raw, napi) };
    }
}

/// A device as its [`Registration`] shows it, before or after registering.
///
/// It offers what a driver does with its device in `probe` and `remove`,
/// but no counted reference ([`DeviceRef`]): `free_netdev` does not wait for
/// references, and the per-CPU count cannot be read reliably while a holder
/// clones one on another CPU, so the registration must know that nobody but
/// the stack holds one. References come from [`Device`], as operations see
/// the device, which `unregister_netdev` waits for.
#[repr(transparent)]
pub struct RegHandle<T>(Handle<T>);

impl<T> RegHandle<T> {
    /// The driver's state.
    pub fn data(&self) -> &T {
        self.0.data()
    }

    /// The interface name (see [`Handle::name`]).
    pub fn name(&self) -> Name {
        self.0.name()
    }

    /// Marks the link up.
    pub fn carrier_on(&self) {
        self.0.carrier_on()
    }

    /// Marks the link down.
    pub fn carrier_off(&self) {
        self.0.carrier_off()
    }

    /// Whether the link is up.
    pub fn carrier_ok(&self) -> bool {
        self.0.carrier_ok()
    }

    /// Whether the device is up.
    pub fn is_running(&self) -> bool {
        self.0.is_running()
    }

    /// The hardware address.
    pub fn mac(&self) -> [u8; ETH_ALEN] {
        self.0.mac()
    }

    /// Opens the device (`dev_open`), as `ip link set up` does, with RTNL
    /// held (`rtnl`). `EINVAL` unless the device is registered.
    pub fn open(&self, _rtnl: &RtnlGuard) -> Result {
        // SAFETY: valid device; its registration state changes only under RTNL, which is held.
        if !unsafe { bindings::rnet_netdev_registered(self.0.as_raw()) } {
            return Err(EINVAL);
        }
        // SAFETY: a registered device, RTNL held (the guard proves it); no extack.
        to_result(unsafe { bindings::dev_open(self.0.as_raw(), core::ptr::null_mut()) })
    }
}

/// A counted reference to a device, e.g. for an interrupt handler.
///
/// Held inside the device's own `T` for good, it keeps the device from
/// being freed: [`Registration`]'s drop then waits in `unregister_netdev`
/// forever (the kernel warns every 10 s). Drop such references in `stop`.
pub type DeviceRef<T> = ARef<Handle<T>>;
