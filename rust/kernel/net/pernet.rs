// SPDX-License-Identifier: GPL-2.0

//! Network namespaces and per-namespace state.
//!
//! C headers: [`include/net/net_namespace.h`](srctree/include/net/net_namespace.h),
//! [`include/net/netns/generic.h`](srctree/include/net/netns/generic.h),
//! [`include/linux/proc_fs.h`](srctree/include/linux/proc_fs.h),
//! [`include/linux/sysctl.h`](srctree/include/linux/sysctl.h).
//!
//! A type implementing [`Operations`] is a pernet subsystem's state: a
//! [`Registration`] makes one value of it in every network namespace (the
//! existing ones at registration, each new one as it is created) and drops
//! it when the namespace is dismantled or the registration dropped. The
//! value lives in the namespace's `net_generic` slot, pinned, and is
//! reachable without a global lookup from the per-namespace `/proc/net`
//! file and sysctl entries the type declares (the abstraction creates them
//! with the value and removes them before dropping it), and from any
//! [`Net`] through its [`Id`] under a [`ReadGuard`].
//!
//! Registrations are made and dropped in module init and exit: making or
//! dropping one from a pernet method, a `/proc` show or a sysctl write (or
//! from a drop those run) waits on locks the caller holds, a hang.

use crate::{
    bindings,
    error::{from_result, to_result, Error, Result},
    ffi::{c_int, c_uint, c_void},
    init::PinInit,
    module_scope::ScopeEntry,
    prelude::*,
    str::CStr,
    types::Opaque,
    ThisModule,
};
use core::{
    cell::UnsafeCell,
    marker::PhantomData,
    mem::{offset_of, size_of},
    ptr::{self, NonNull},
    sync::atomic::{AtomicBool, AtomicI32, AtomicUsize, Ordering},
};

/// A network namespace (`struct net`).
///
/// # Invariants
///
/// A `&Net` exists only for a namespace whose setup completed (every
/// registered pernet subsystem's init ran for it) and only while no pernet
/// subsystem's exit method can begin for it: it comes from a counted
/// reference ([`NetRef`]), from
/// `init_net` (never dismantled), or from a context the kernel keeps ahead
/// of the namespace's dismantling (the receive path of a device in it:
/// devices leave a dying namespace before the subsystems' exits run).
/// pernet methods, which run while the namespace is being made or
/// dismantled, get a [`NetCtx`] instead.
#[repr(transparent)]
pub struct Net(Opaque<bindings::net>);

// SAFETY: a namespace is shared by every CPU; the methods below only read
// fields that are fixed for its lifetime or use the kernel's own locking.
unsafe impl Sync for Net {}
// SAFETY: as above; `Net` is only ever used by reference.
unsafe impl Send for Net {}

impl Net {
    /// The initial namespace, which is never dismantled.
    pub fn init_net() -> &'static Net {
        // SAFETY: `init_net` is a static that lives forever and is never
        // dismantled, so the invariant holds for `'static`.
        unsafe { Self::from_raw(bindings::rnet_init_net()) }
    }

    /// Wraps a raw namespace pointer.
    ///
    /// # Safety
    ///
    /// `ptr` is a valid namespace for which the type invariant holds for
    /// `'a`.
    pub unsafe fn from_raw<'a>(ptr: *mut bindings::net) -> &'a Net {
        // SAFETY: `Net` is a transparent wrapper; validity is the caller's.
        unsafe { &*ptr.cast() }
    }

    /// The raw pointer, for other abstractions.
    pub fn as_raw(&self) -> *mut bindings::net {
        self.0.get()
    }

    /// The namespace's cookie: unique for the boot, never reused.
    pub fn cookie(&self) -> u64 {
        // SAFETY: the namespace is valid (type invariant); the cookie is
        // set before the namespace is visible and never changes.
        unsafe { bindings::rnet_net_cookie(self.as_raw()) }
    }

    /// Whether this is the initial namespace.
    pub fn is_init(&self) -> bool {
        ptr::eq(self, Self::init_net())
    }

    /// A counted reference, keeping the namespace alive after `self`'s
    /// lifetime; `None` when its count already reached zero (a namespace on
    /// its way out, seen from a device's receive path).
    pub fn get(&self) -> Option<NetRef> {
        // SAFETY: the namespace's memory is valid (type invariant);
        // `maybe_get_net` only takes a reference from a non-zero count.
        let p = unsafe { bindings::rnet_maybe_get_net(self.as_raw()) };
        NonNull::new(p).map(NetRef)
    }
}

/// A counted reference to a network namespace (`get_net`/`put_net`).
///
/// # Invariants
///
/// Holds one reference of the namespace's count.
pub struct NetRef(NonNull<bindings::net>);

// SAFETY: a namespace reference may be dropped on any CPU (`put_net`).
unsafe impl Send for NetRef {}
// SAFETY: `&NetRef` only gives `&Net`, which is `Sync`.
unsafe impl Sync for NetRef {}

impl core::ops::Deref for NetRef {
    type Target = Net;

    fn deref(&self) -> &Net {
        // SAFETY: the reference keeps the namespace from being dismantled
        // (type invariant), so the `Net` invariant holds while `self` lives.
        unsafe { Net::from_raw(self.0.as_ptr()) }
    }
}

impl Clone for NetRef {
    fn clone(&self) -> Self {
        // SAFETY: we hold a reference, so the count is not zero and
        // `get_net` is allowed; the new reference is owned by the clone.
        unsafe { bindings::rnet_get_net(self.0.as_ptr()) };
        NetRef(self.0)
    }
}

impl Drop for NetRef {
    fn drop(&mut self) {
        // SAFETY: we own one reference (type invariant).
        unsafe { bindings::rnet_put_net(self.0.as_ptr()) };
    }
}

/// A namespace as pernet methods see it: being made (init) or dismantled
/// (pre_exit). It gives no access to other subsystems' state.
#[repr(transparent)]
pub struct NetCtx(Opaque<bindings::net>);

impl NetCtx {
    /// The raw pointer, for other abstractions.
    pub fn as_raw(&self) -> *mut bindings::net {
        self.0.get()
    }

    /// The namespace's cookie.
    pub fn cookie(&self) -> u64 {
        // SAFETY: valid during the pernet method that was given `self`.
        unsafe { bindings::rnet_net_cookie(self.as_raw()) }
    }

    /// Whether this is the initial namespace.
    pub fn is_init(&self) -> bool {
        ptr::eq(self.as_raw(), Net::init_net().as_raw())
    }
}

/// A writable-by-root integer sysctl of a per-namespace state `T`,
/// `/proc/sys/<Operations::SYSCTL_DIR>/<name>`, read and written with
/// `proc_dointvec_minmax` semantics (a value outside `min..=max` is refused
/// with EINVAL). Writers need `CAP_NET_ADMIN` in the namespace's user
/// namespace (EPERM otherwise), besides the file's mode.
pub struct IntSysctl<T> {
    /// The entry's file name.
    pub name: &'static CStr,
    /// Its mode, e.g. 0o644.
    pub mode: u16,
    /// The smallest value a write may set.
    pub min: i32,
    /// The largest value a write may set.
    pub max: i32,
    /// Where the value lives in the state.
    pub value: fn(&T) -> &AtomicI32,
}

/// A list of up to [`IntList::MAX`] integers, set as a whole: the value of
/// an [`IntListSysctl`].
///
/// A reader racing a write may see part of the old list and part of the
/// new one (each entry it sees is a value one of them had); writes do not
/// interleave: one made while another is in progress fails with EBUSY.
pub struct IntList {
    len: AtomicUsize,
    values: [AtomicI32; IntList::MAX],
    writing: AtomicBool,
}

impl IntList {
    /// The most values a list holds.
    pub const MAX: usize = 16;

    /// An empty list.
    pub const fn new() -> Self {
        IntList {
            len: AtomicUsize::new(0),
            values: [const { AtomicI32::new(0) }; IntList::MAX],
            writing: AtomicBool::new(false),
        }
    }

    /// The number of values.
    pub fn len(&self) -> usize {
        self.len.load(Ordering::Acquire).min(Self::MAX)
    }

    /// Whether the list is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The values, in order, into `out`; returns how many were copied.
    pub fn read(&self, out: &mut [i32; IntList::MAX]) -> usize {
        let n = self.len();
        for (o, v) in out.iter_mut().zip(&self.values[..n]) {
            *o = v.load(Ordering::Relaxed);
        }
        n
    }

    /// Whether `v` is one of the values.
    pub fn contains(&self, v: i32) -> bool {
        let n = self.len();
        self.values[..n]
            .iter()
            .any(|x| x.load(Ordering::Relaxed) == v)
    }

    /// Replaces the values with `vals` (EINVAL for more than
    /// [`IntList::MAX`], EBUSY while another write is in progress).
    pub fn set(&self, vals: &[i32]) -> Result {
        if vals.len() > Self::MAX {
            return Err(EINVAL);
        }
        if self.writing.swap(true, Ordering::Acquire) {
            return Err(EBUSY);
        }
        // Shrink first, so that a reader never sees a stale tail as part
        // of the new list; grow after the new values are in place.
        if vals.len() < self.len() {
            self.len.store(vals.len(), Ordering::Release);
        }
        for (d, v) in self.values.iter().zip(vals) {
            d.store(*v, Ordering::Relaxed);
        }
        self.len.store(vals.len(), Ordering::Release);
        self.writing.store(false, Ordering::Release);
        Ok(())
    }
}

impl Default for IntList {
    fn default() -> Self {
        Self::new()
    }
}

/// A writable-by-root sysctl holding an [`IntList`] of the per-namespace
/// state `T`: it reads as the values separated by tabs (nothing for an
/// empty list) and is set by writing up to [`IntList::MAX`] numbers
/// separated by blanks, which replace the whole list (only blanks: empty),
/// in one write from the start of the file shorter than a page.
/// A value outside `min..=max`, more than [`IntList::MAX`] values or
/// anything that is not a number is refused with EINVAL and changes
/// nothing. Writers need `CAP_NET_ADMIN` as for an [`IntSysctl`]. `min`
/// must be above `i32::MIN` (EINVAL at registration).
pub struct IntListSysctl<T> {
    /// The entry's file name.
    pub name: &'static CStr,
    /// Its mode, e.g. 0o644.
    pub mode: u16,
    /// The smallest value a write may set.
    pub min: i32,
    /// The largest value a write may set.
    pub max: i32,
    /// Where the list lives in the state.
    pub values: fn(&T) -> &IntList,
}

/// A `seq_file` being filled by a `/proc` show method; write to it with
/// `core::fmt::Write` (`write!`). Output that does not fit is retried by
/// the seq_file core with a larger buffer.
#[repr(transparent)]
pub struct SeqFile(Opaque<bindings::seq_file>);

impl core::fmt::Write for SeqFile {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        // SAFETY: `self` is the seq_file of a running show method; `s` is
        // valid for `s.len()` bytes. An overflow is recorded in the
        // seq_file, which the core handles by retrying.
        unsafe { bindings::seq_write(self.0.get(), s.as_ptr().cast(), s.len()) };
        Ok(())
    }
}

/// A pernet subsystem's per-namespace state.
pub trait Operations: Send + Sync + Sized + 'static {
    /// The [`Id`] (a `static`) that locates this state in a namespace. A
    /// constant, so that every use finds the same one.
    const ID: &'static Id<Self>;

    /// Makes the state of a new namespace (or of each existing one when
    /// the registration is made). Process context, may sleep.
    fn init(net: &NetCtx) -> impl PinInit<Self, Error>;

    /// Called when the namespace starts being dismantled, before the RCU
    /// grace period that precedes the state's drop (which is the exit).
    fn pre_exit(&self, _net: &NetCtx) {}

    /// The name of a `/proc/net/` file showing the state, if any: one path
    /// component (no `/`, not empty, `.` or `..`; EINVAL at registration
    /// otherwise). A name another file of the namespace has already makes
    /// the registration fail (and the proc core warn).
    const PROC_NAME: Option<&'static CStr> = None;

    /// Fills the `/proc/net/` file (process context).
    fn show(&self, _m: &mut SeqFile) -> Result {
        Ok(())
    }

    /// The sysctl directory of [`Operations::SYSCTLS`], e.g. `net/foo`
    /// (components checked as [`Operations::PROC_NAME`] is).
    const SYSCTL_DIR: Option<&'static CStr> = None;

    /// Integer sysctl entries, one set per namespace (names checked as
    /// [`Operations::PROC_NAME`] is). Each entry's value should be a field
    /// of the state: a global one would let one namespace's root write
    /// what every namespace sees.
    const SYSCTLS: &'static [IntSysctl<Self>] = &[];

    /// List sysctl entries, in the same directory after the integer ones
    /// (names checked as [`Operations::PROC_NAME`] is).
    const LIST_SYSCTLS: &'static [IntListSysctl<Self>] = &[];

    /// Called after a successful write of the sysctl entry `index` of
    /// [`Operations::SYSCTLS`] (process context).
    fn sysctl_written(&self, _index: usize, _value: i32) {}
}

/// A read-side section for [`Id::get`] (SRCU, one domain for every id):
/// the holder may sleep; a registration being dropped waits until every
/// section that began before it ends. Not `Send`: it ends on the task
/// that began it.
pub struct ReadGuard {
    idx: c_int,
    _not_send: PhantomData<*mut ()>,
}

impl ReadGuard {
    /// Begins a read-side section.
    pub fn new() -> Self {
        // SAFETY: no precondition; ended by `drop` with the same index.
        let idx = unsafe { bindings::rnet_pernet_read_lock() };
        Self {
            idx,
            _not_send: PhantomData,
        }
    }
}

impl Default for ReadGuard {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for ReadGuard {
    fn drop(&mut self) {
        // SAFETY: begun by `new` on this task (not `Send`) with this index.
        unsafe { bindings::rnet_pernet_read_unlock(self.idx) };
    }
}

/// Where a subsystem's state lives in each namespace: declare one
/// `static` per [`Operations`] type and name it in [`Operations::ID`].
///
/// # Invariants
///
/// `id` is written only by `register_pernet_subsys` while `claimed` is set
/// and `live` is clear (no reader can pass `get`'s check then); `live` is
/// set only while the registration holding `claimed` is registered, and
/// cleared, followed by a grace period of the [`ReadGuard`] domain, before
/// it unregisters.
pub struct Id<T> {
    id: UnsafeCell<c_uint>,
    claimed: AtomicBool,
    live: AtomicBool,
    _p: PhantomData<fn() -> T>,
}

// SAFETY: `id` is written only while no reader can read it (invariant);
// the flags are atomics.
unsafe impl<T> Sync for Id<T> {}

impl<T> Id<T> {
    /// A new, unregistered id.
    pub const fn new() -> Self {
        Self {
            id: UnsafeCell::new(0),
            claimed: AtomicBool::new(false),
            live: AtomicBool::new(false),
            _p: PhantomData,
        }
    }
}

impl<T> Default for Id<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Operations> Id<T> {
    /// The state of `net`, `None` while no registration of `T` is live.
    /// The state cannot be dropped before the read section ends (the
    /// registration waits for it before unregistering) or before `net` is
    /// dismantled ([`Net`]'s invariant).
    pub fn get<'a>(&self, net: &'a Net, _guard: &'a ReadGuard) -> Option<&'a T> {
        if !self.live.load(Ordering::Acquire) {
            return None;
        }
        // SAFETY: `live` was set after `id` was written, and is cleared,
        // with a grace period, before it can be written again (invariant).
        // `self` is `T::ID` (the only `Id<T>` a registration uses) or
        // another `Id<T>` that was never registered, so never live.
        let id = unsafe { *self.id.get() };
        // SAFETY: `net` is valid and set up (invariant); a live registration
        // made the slot of every such namespace.
        let slot = unsafe { bindings::rnet_net_generic(net.as_raw(), id) } as *const Slot<T>;
        // SAFETY: the slot holds an initialised state until the exit of
        // `net` (not before `'a`, `Net`'s invariant) or the end of the
        // registration (not before `'a`, the RCU section).
        Some(unsafe { &(*slot).state })
    }
}

impl<T: Operations> Id<T> {
    /// The state and the extension words of `net`'s slot.
    ///
    /// # Safety
    ///
    /// A registration of `T` is registered and its init succeeded for
    /// `net`, whose exit for `T` has not run (e.g. in the pernet methods
    /// of a subsystem registered after `T`'s and dropped before it).
    pub(crate) unsafe fn slot_parts(&self, net: *mut bindings::net) -> (*const T, *mut SlotExt) {
        // SAFETY: as the caller promises, `id` is written and the slot
        // initialised.
        let slot = unsafe { bindings::rnet_net_generic(net, *self.id.get()) } as *mut Slot<T>;
        // SAFETY: valid slot (above).
        unsafe { (ptr::addr_of!((*slot).state), ptr::addr_of_mut!((*slot).ext)) }
    }
}

/// A namespace's `net_generic` area for `T`, zeroed by the core.
///
/// # Invariants
///
/// After a successful init trampoline: `state` is initialised and pinned,
/// `net` is the namespace, `proc` and `hdr`/`table` are the `/proc` file
/// and sysctl table made for it (or null when `T` declares none).
#[repr(C)]
struct Slot<T> {
    state: T,
    net: *mut bindings::net,
    proc: *mut bindings::proc_dir_entry,
    hdr: *mut bindings::ctl_table_header,
    table: *mut bindings::ctl_table,
    table_cap: usize,
    ext: SlotExt,
}

/// Words of a slot that another abstraction built on pernet states uses
/// (netfilter keeps its hooks there); zeroed by the core.
pub(crate) type SlotExt = [*mut c_void; 2];

/// A registered pernet subsystem of state `T`; dropping it drops the state
/// of every namespace and unregisters. If it is leaked instead, that
/// happens when its module goes (see [`crate::module_scope`]).
///
/// # Invariants
///
/// While the value exists after a successful init, `ops` is registered
/// and `scope` linked, unless the module notifier released both.
///
/// # Examples
///
/// ```
/// use core::sync::atomic::{AtomicI32, Ordering};
/// use kernel::net::pernet::{self, Id, Net, NetCtx, ReadGuard};
/// use kernel::{c_str, prelude::*, ThisModule};
///
/// // SAFETY: a null module is what built-in code has.
/// static THIS: ThisModule = unsafe { ThisModule::from_ptr(core::ptr::null_mut()) };
/// static ID: Id<Counter> = Id::new();
///
/// struct Counter {
///     value: AtomicI32,
/// }
///
/// impl pernet::Operations for Counter {
///     const ID: &'static Id<Self> = &ID;
///     fn init(net: &NetCtx) -> impl PinInit<Self, Error> {
///         let v = if net.is_init() { 7 } else { 1 };
///         Counter { value: AtomicI32::new(v) }
///     }
/// }
///
/// {
///     let g = ReadGuard::new();
///     assert!(ID.get(Net::init_net(), &g).is_none());
/// }
/// let reg = KBox::pin_init(pernet::Registration::<Counter>::new(&THIS), GFP_KERNEL)?;
/// {
///     let g = ReadGuard::new();
///     let c = ID.get(Net::init_net(), &g).ok_or(EINVAL)?;
///     assert_eq!(c.value.fetch_add(1, Ordering::Relaxed), 7);
/// }
/// // One registration per id.
/// assert!(KBox::pin_init(pernet::Registration::<Counter>::new(&THIS), GFP_KERNEL).is_err());
/// {
///     let g = ReadGuard::new();
///     assert_eq!(ID.get(Net::init_net(), &g).map(|c| c.value.load(Ordering::Relaxed)), Some(8));
/// }
/// drop(reg);
/// {
///     let g = ReadGuard::new();
///     assert!(ID.get(Net::init_net(), &g).is_none());
/// }
/// // A new registration starts from a fresh state.
/// let reg = KBox::pin_init(pernet::Registration::<Counter>::new(&THIS), GFP_KERNEL)?;
/// {
///     let g = ReadGuard::new();
///     assert_eq!(ID.get(Net::init_net(), &g).map(|c| c.value.load(Ordering::Relaxed)), Some(7));
/// }
/// drop(reg);
/// # Ok::<(), Error>(())
/// ```
#[pin_data(PinnedDrop)]
pub struct Registration<T: Operations> {
    #[pin]
    ops: Opaque<bindings::pernet_operations>,
    #[pin]
    scope: ScopeEntry,
    _p: PhantomData<T>,
}

// SAFETY: the registration is only touched by `new` and `drop` (and the
// module notifier, which the C side serialises with `drop`).
unsafe impl<T: Operations> Sync for Registration<T> {}
// SAFETY: as above.
unsafe impl<T: Operations> Send for Registration<T> {}

impl<T: Operations> Registration<T> {
    /// Registers the subsystem: `T::init` runs for every existing namespace
    /// before this returns, and for each new one. Fails with EBUSY when
    /// `T`'s [`Id`] is already registered, or with the error of the first
    /// failing init (nothing stays registered then).
    pub fn new(module: &'static ThisModule) -> impl PinInit<Self, Error> {
        let init = move |this: *mut Self| -> Result {
            let id = T::ID;
            Self::check_names()?;
            if id
                .claimed
                .compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire)
                .is_err()
            {
                return Err(EBUSY);
            }
            // SAFETY: `this` is valid for writes (pin-init contract).
            let ops =
                unsafe { ptr::addr_of_mut!((*this).ops) }.cast::<bindings::pernet_operations>();
            // SAFETY: `ops` is valid for writes; every field is written,
            // the unused ones zeroed.
            unsafe {
                ptr::write_bytes(ops, 0, 1);
                ptr::addr_of_mut!((*ops).init).write(Some(Self::init_tramp));
                ptr::addr_of_mut!((*ops).pre_exit).write(Some(Self::pre_exit_tramp));
                ptr::addr_of_mut!((*ops).exit).write(Some(Self::exit_tramp));
                ptr::addr_of_mut!((*ops).id)
                    .cast::<*mut c_uint>()
                    .write(id.id.get());
                ptr::addr_of_mut!((*ops).size)
                    .cast::<usize>()
                    .write(size_of::<Slot<T>>());
            }
            // SAFETY: `ops` is initialised and pinned for as long as it is
            // registered (until drop, or the module notifier's release).
            if let Err(e) = to_result(unsafe { bindings::register_pernet_subsys(ops) }) {
                id.claimed.store(false, Ordering::Release);
                return Err(e);
            }
            // SAFETY: `this` is pinned until drop or forever; `release`
            // undoes the registration made above.
            let scope = unsafe { ptr::addr_of_mut!((*this).scope) };
            // SAFETY: as above.
            if let Err(e) = unsafe { ScopeEntry::add(scope, module, Self::release_tramp) } {
                // SAFETY: registered just above, nothing else knows it yet.
                unsafe { bindings::unregister_pernet_subsys(ops) };
                id.claimed.store(false, Ordering::Release);
                return Err(e);
            }
            id.live.store(true, Ordering::Release);
            Ok(())
        };
        // SAFETY: on success every field is initialised (`_p` is a ZST);
        // on error nothing stays registered or linked.
        unsafe { crate::init::pin_init_from_closure(init) }
    }

    /// Refuses names the proc and sysctl cores would resolve as paths.
    fn check_names() -> Result {
        fn component(n: &[u8]) -> bool {
            !n.is_empty() && n != b"." && n != b".." && !n.contains(&b'/')
        }
        if let Some(name) = T::PROC_NAME {
            if !component(name.as_bytes()) {
                return Err(EINVAL);
            }
        }
        if let Some(dir) = T::SYSCTL_DIR {
            if !dir.as_bytes().split(|&c| c == b'/').all(component) {
                return Err(EINVAL);
            }
        }
        if T::SYSCTLS.iter().any(|e| !component(e.name.as_bytes())) {
            return Err(EINVAL);
        }
        if T::LIST_SYSCTLS
            .iter()
            .any(|e| !component(e.name.as_bytes()) || e.min == i32::MIN || e.min > e.max)
        {
            return Err(EINVAL);
        }
        Ok(())
    }

    /// Unregisters `ops`: readers through the id first stop and drain.
    ///
    /// # Safety
    ///
    /// `ops` is registered by a `Registration<T>`, and this is its one
    /// release.
    unsafe fn unregister(ops: *mut bindings::pernet_operations) {
        let id = T::ID;
        id.live.store(false, Ordering::Release);
        // SAFETY: no precondition; waits for `Id::get` readers.
        unsafe { bindings::rnet_pernet_sync() };
        // SAFETY: registered (caller); runs every namespace's exit.
        unsafe { bindings::unregister_pernet_subsys(ops) };
        id.claimed.store(false, Ordering::Release);
    }

    /// # Safety
    ///
    /// Called once by the module notifier with the `scope` entry of a
    /// leaked `Registration<T>`.
    unsafe extern "C" fn release_tramp(entry: *mut c_void) {
        // SAFETY: `entry` is the `scope` field of a `Registration<T>`
        // (linked by `new`), whose memory is still valid (leaked).
        let this = unsafe { entry.cast::<u8>().sub(offset_of!(Self, scope)) }.cast::<Self>();
        // SAFETY: the module notifier calls this once, instead of drop.
        unsafe { Self::unregister(ptr::addr_of_mut!((*this).ops).cast()) };
    }

    /// # Safety
    ///
    /// Called by the pernet core with a namespace being made.
    unsafe extern "C" fn init_tramp(net: *mut bindings::net) -> c_int {
        from_result(|| {
            // SAFETY: the core allocated this id's slot (zeroed) for `net`;
            // `id` is written (registration in progress or done).
            let slot = unsafe { bindings::rnet_net_generic(net, *T::ID.id.get()) } as *mut Slot<T>;
            // SAFETY: `net` is valid during the call; `NetCtx` is transparent.
            let ctx = unsafe { &*net.cast::<NetCtx>() };
            // SAFETY: the slot's `state` is valid for writes and pinned until
            // the exit trampoline drops it.
            unsafe { T::init(ctx).__pinned_init(ptr::addr_of_mut!((*slot).state))? };
            // SAFETY: the slot is valid; `net` is the namespace it belongs to.
            unsafe { ptr::addr_of_mut!((*slot).net).write(net) };
            // SAFETY: the state is initialised; on error it is dropped here,
            // since the core calls no exit for a failed init.
            if let Err(e) = unsafe { Self::add_files(slot) } {
                // SAFETY: as above; `add_files` removed what it made.
                unsafe { ptr::drop_in_place(ptr::addr_of_mut!((*slot).state)) };
                return Err(e);
            }
            Ok(0)
        })
    }

    /// Makes the `/proc/net` file and the sysctl table of `slot`.
    ///
    /// # Safety
    ///
    /// `slot` is a zeroed slot whose `state` and `net` are initialised.
    /// On error, nothing it made is left.
    unsafe fn add_files(slot: *mut Slot<T>) -> Result {
        // SAFETY: valid (caller).
        let net = unsafe { (*slot).net };
        if let Some(name) = T::PROC_NAME {
            // SAFETY: `net` is valid; the show trampoline gets `slot` back
            // through the entry's data, and the entry is removed (waiting
            // for readers) before the slot's state is dropped.
            let pde = unsafe {
                bindings::proc_create_net_single(
                    name.as_char_ptr(),
                    0o444,
                    bindings::rnet_proc_net_dir(net),
                    Some(Self::show_tramp),
                    slot.cast(),
                )
            };
            if pde.is_null() {
                return Err(ENOMEM);
            }
            // SAFETY: valid (caller).
            unsafe { (*slot).proc = pde };
        }
        let (Some(dir), n) = (T::SYSCTL_DIR, Self::sysctl_count()) else {
            return Ok(());
        };
        if n == 0 {
            return Ok(());
        }
        let mut table = match KVec::<bindings::ctl_table>::with_capacity(n, GFP_KERNEL) {
            Ok(t) => t,
            Err(_) => {
                // SAFETY: the file made above, if any.
                unsafe { Self::remove_proc(slot) };
                return Err(ENOMEM);
            }
        };
        for e in T::SYSCTLS {
            // SAFETY: all-zero is a valid `ctl_table` (null pointers, no
            // handler), completed below.
            let mut c: bindings::ctl_table = unsafe { core::mem::zeroed() };
            c.procname = e.name.as_char_ptr();
            c.data = slot.cast();
            c.maxlen = size_of::<c_int>() as c_int;
            c.mode = e.mode;
            c.proc_handler = Some(Self::sysctl_tramp);
            c.extra1 = (e as *const IntSysctl<T>).cast_mut().cast();
            // Capacity reserved above: this cannot fail.
            if table.push(c, GFP_KERNEL).is_err() {
                // SAFETY: the file made above, if any.
                unsafe { Self::remove_proc(slot) };
                return Err(ENOMEM);
            }
        }
        for e in T::LIST_SYSCTLS {
            // SAFETY: as above.
            let mut c: bindings::ctl_table = unsafe { core::mem::zeroed() };
            c.procname = e.name.as_char_ptr();
            c.data = slot.cast();
            c.maxlen = (IntList::MAX * size_of::<c_int>()) as c_int;
            c.mode = e.mode;
            c.proc_handler = Some(Self::list_sysctl_tramp);
            c.extra1 = (e as *const IntListSysctl<T>).cast_mut().cast();
            // Capacity reserved above: this cannot fail.
            if table.push(c, GFP_KERNEL).is_err() {
                // SAFETY: the file made above, if any.
                unsafe { Self::remove_proc(slot) };
                return Err(ENOMEM);
            }
        }
        let (tp, len, cap) = table.into_raw_parts();
        // SAFETY: `tp` holds `len` initialised entries that stay valid until
        // the header is unregistered; each entry's data is this namespace's
        // slot, valid as long.
        let hdr = unsafe { bindings::register_net_sysctl_sz(net, dir.as_char_ptr(), tp, len) };
        if hdr.is_null() {
            // SAFETY: the parts of the vector just taken apart.
            drop(unsafe { KVec::from_raw_parts(tp, len, cap) });
            // SAFETY: the file made above, if any.
            unsafe { Self::remove_proc(slot) };
            return Err(ENOMEM);
        }
        // SAFETY: valid (caller).
        unsafe {
            (*slot).hdr = hdr;
            (*slot).table = tp;
            (*slot).table_cap = cap;
        }
        Ok(())
    }

    /// # Safety
    ///
    /// `slot` is valid; its `proc` is null or an entry made by `add_files`.
    unsafe fn remove_proc(slot: *mut Slot<T>) {
        // SAFETY: valid (caller).
        let pde = unsafe { (*slot).proc };
        if !pde.is_null() {
            // SAFETY: made by `add_files`; waits for running readers.
            unsafe { bindings::proc_remove(pde) };
            // SAFETY: valid (caller).
            unsafe { (*slot).proc = ptr::null_mut() };
        }
    }

    /// # Safety
    ///
    /// Called by the pernet core for a namespace whose init succeeded.
    unsafe extern "C" fn pre_exit_tramp(net: *mut bindings::net) {
        // SAFETY: the core calls this for a namespace whose init succeeded,
        // so the slot's state is initialised.
        let slot = unsafe { bindings::rnet_net_generic(net, *T::ID.id.get()) } as *mut Slot<T>;
        // SAFETY: as above; `net` is valid during the call.
        unsafe { (*slot).state.pre_exit(&*net.cast::<NetCtx>()) };
    }

    /// # Safety
    ///
    /// Called by the pernet core, once, for a namespace whose init
    /// succeeded, after its pre_exit and an RCU grace period.
    unsafe extern "C" fn exit_tramp(net: *mut bindings::net) {
        // SAFETY: as in `pre_exit_tramp`.
        let slot = unsafe { bindings::rnet_net_generic(net, *T::ID.id.get()) } as *mut Slot<T>;
        // SAFETY: the slot's invariant holds (init succeeded).
        unsafe {
            if !(*slot).hdr.is_null() {
                // Waits for running handlers; none starts afterwards.
                bindings::unregister_net_sysctl_table((*slot).hdr);
                let n = Self::sysctl_count();
                drop(KVec::from_raw_parts((*slot).table, n, (*slot).table_cap));
            }
            Self::remove_proc(slot);
            ptr::drop_in_place(ptr::addr_of_mut!((*slot).state));
        }
    }

    /// # Safety
    ///
    /// Called by the seq_file core for a file made by `add_files`.
    unsafe extern "C" fn show_tramp(m: *mut bindings::seq_file, _v: *mut c_void) -> c_int {
        from_result(|| {
            // SAFETY: the entry's data is the slot (`add_files`); the entry
            // is removed, waiting for this reader, before the state goes.
            let slot = unsafe { bindings::rnet_seq_pde_data(m) } as *const Slot<T>;
            // SAFETY: `m` is the seq_file of this call; `SeqFile` is
            // transparent and this is its only reference.
            let seq = unsafe { &mut *m.cast::<SeqFile>() };
            // SAFETY: the state is initialised (slot invariant).
            unsafe { (*slot).state.show(seq)? };
            Ok(0)
        })
    }

    /// # Safety
    ///
    /// Called by the sysctl core for an entry made by `add_files`.
    unsafe extern "C" fn sysctl_tramp(
        ctl: *const bindings::ctl_table,
        write: c_int,
        buffer: *mut c_void,
        lenp: *mut usize,
        ppos: *mut bindings::loff_t,
    ) -> c_int {
        from_result(|| {
            // SAFETY: `ctl` is one of the integer entries `add_files` made,
            // in its handler.
            let (slot, state, desc) = unsafe { Self::entry::<IntSysctl<T>>(ctl, write)? };
            let value = (desc.value)(state);
            let mut v: c_int = value.load(Ordering::Relaxed);
            let (mut min, mut max) = (desc.min, desc.max);
            // SAFETY: a copy of the entry pointing at locals that outlive
            // the call below.
            let mut tmp: bindings::ctl_table = unsafe { ptr::read(ctl) };
            tmp.data = ptr::addr_of_mut!(v).cast();
            tmp.maxlen = size_of::<c_int>() as c_int;
            tmp.extra1 = ptr::addr_of_mut!(min).cast();
            tmp.extra2 = ptr::addr_of_mut!(max).cast();
            // SAFETY: `tmp` is a valid table entry for an int; the other
            // arguments come from the sysctl core unchanged.
            to_result(unsafe { bindings::proc_dointvec_minmax(&tmp, write, buffer, lenp, ppos) })?;
            // A write that consumed nothing (an empty one, or one past the
            // start in strict mode) set nothing.
            // SAFETY: `lenp` is valid during the call.
            if write != 0 && unsafe { *lenp } != 0 {
                value.store(v, Ordering::Relaxed);
                // SAFETY: `ctl` is an entry of this slot's table.
                let index = unsafe { ctl.offset_from((*slot).table) };
                state.sysctl_written(index as usize, v);
            }
            Ok(0)
        })
    }
}

impl<T: Operations> Registration<T> {
    /// A sysctl entry's slot, state and descriptor, once a writer passed
    /// the `CAP_NET_ADMIN` check (EPERM otherwise).
    ///
    /// # Safety
    ///
    /// Called from the handler of `ctl`, an entry `add_files` made whose
    /// `extra1` is a `D` of `T`'s static tables; the references do not
    /// outlive the handler call.
    unsafe fn entry<'a, D>(
        ctl: *const bindings::ctl_table,
        write: c_int,
    ) -> Result<(*const Slot<T>, &'a T, &'a D)> {
        // SAFETY: data is the slot, extra1 a `D` (caller).
        let (slot, desc) =
            unsafe { ((*ctl).data as *const Slot<T>, &*((*ctl).extra1 as *const D)) };
        // SAFETY: the table is unregistered, waiting for this handler,
        // before the state is dropped.
        let state = unsafe { &(*slot).state };
        // SAFETY: the slot's namespace is valid while its table is.
        if write != 0 && !unsafe { bindings::rnet_net_admin((*slot).net) } {
            return Err(EPERM);
        }
        Ok((slot, state, desc))
    }

    /// The entries of a namespace's sysctl table: the integer ones, then
    /// the lists.
    fn sysctl_count() -> usize {
        T::SYSCTLS.len() + T::LIST_SYSCTLS.len()
    }

    /// # Safety
    ///
    /// Called by the sysctl core for a list entry made by `add_files`.
    unsafe extern "C" fn list_sysctl_tramp(
        ctl: *const bindings::ctl_table,
        write: c_int,
        buffer: *mut c_void,
        lenp: *mut usize,
        ppos: *mut bindings::loff_t,
    ) -> c_int {
        from_result(|| {
            // SAFETY: `ctl` is one of the list entries `add_files` made, in
            // its handler.
            let (_, state, desc) = unsafe { Self::entry::<IntListSysctl<T>>(ctl, write)? };
            let list = (desc.values)(state);
            let mut v = [0 as c_int; IntList::MAX];
            let (mut min, mut max) = (desc.min, desc.max);
            // SAFETY: a copy of the entry pointing at locals that outlive
            // the call below.
            let mut tmp: bindings::ctl_table = unsafe { ptr::read(ctl) };
            tmp.data = v.as_mut_ptr().cast();
            tmp.extra1 = ptr::addr_of_mut!(min).cast();
            tmp.extra2 = ptr::addr_of_mut!(max).cast();
            if write == 0 {
                let n = list.read(&mut v);
                tmp.maxlen = (n * size_of::<c_int>()) as c_int;
                // SAFETY: `tmp` is a valid entry for `n` ints; the other
                // arguments come from the sysctl core unchanged.
                return to_result(unsafe {
                    bindings::proc_dointvec_minmax(&tmp, write, buffer, lenp, ppos)
                })
                .map(|()| 0);
            }
            // SAFETY: for a write, `buffer` holds `*lenp` bytes of kernel
            // memory (the sysctl core copied them in).
            let given = unsafe { *lenp };
            // SAFETY: as above.
            let text = unsafe { core::slice::from_raw_parts(buffer as *const u8, given) };
            // SAFETY: valid during the call.
            if unsafe { *ppos } != 0 || given >= crate::page::PAGE_SIZE {
                // The whole list is one write, and the C parser reads at
                // most a page less one byte of it.
                return Err(EINVAL);
            }
            if given == 0 {
                return Ok(0);
            }
            // Blanks as C's isspace() has them: the list is emptied.
            if text.iter().all(|c| b" \t\n\x0b\x0c\r".contains(c)) {
                list.set(&[])?;
                return Ok(0);
            }
            // Entries no value was parsed into keep a value no write can
            // set (`min` is above `i32::MIN`).
            v.fill(i32::MIN);
            tmp.maxlen = (IntList::MAX * size_of::<c_int>()) as c_int;
            // SAFETY: as for a read, with room for `IntList::MAX` ints.
            to_result(unsafe { bindings::proc_dointvec_minmax(&tmp, write, buffer, lenp, ppos) })?;
            // SAFETY: valid during the call.
            if unsafe { *lenp } != given {
                // More values than the list holds: nothing is set.
                return Err(EINVAL);
            }
            let n = v.iter().take_while(|&&x| x != i32::MIN).count();
            list.set(&v[..n])?;
            Ok(0)
        })
    }
}

#[pinned_drop]
impl<T: Operations> PinnedDrop for Registration<T> {
    fn drop(self: Pin<&mut Self>) {
        // SAFETY: pinned fields are not moved; only their addresses are used.
        let this = unsafe { self.get_unchecked_mut() };
        // SAFETY: `scope` was linked by `new` (invariant).
        if unsafe { ScopeEntry::take(&mut this.scope) } {
            // SAFETY: registered (invariant); the scope said this is the
            // one release.
            unsafe { Self::unregister(this.ops.get()) };
        }
    }
}
