// SPDX-License-Identifier: GPL-2.0

//! Netfilter hooks, per network namespace.
//!
//! C header: [`include/linux/netfilter.h`](srctree/include/linux/netfilter.h).
//!
//! A [`Hooks`] type is a pernet state ([`pernet::Operations`]) that also
//! sees packets at the hook points it lists. A [`Registration`] registers
//! the state first, then, in every namespace, the hooks with the
//! namespace's state as their private data; a namespace's hooks are
//! unregistered in its `pre_exit` (the core waits for an RCU grace period,
//! which ends every hook call in progress, before any state is dropped),
//! and all of them before the state's own registration is dropped. A hook
//! therefore never runs without its state, and never after its module is
//! gone: the module's exit drops the registration (or, for a leaked one,
//! the module scope releases it), and the module's memory is freed after
//! another grace period.
//!
//! The hook gets the packet as a [`HookSkb`] and must return a [`Verdict`]
//! made from it: accepting, dropping and stealing each consume the
//! `HookSkb`, and a `Verdict<'a>` can only come from the `HookSkb<'a>` of
//! the same call, so no path can both steal a packet and hand it back.
//! Queueing to user space (`NF_QUEUE`) is not offered.

use crate::{
    bindings,
    error::{to_result, Error, Result},
    ffi::{c_int, c_uint, c_void},
    init::PinInit,
    module_scope::ScopeEntry,
    net::{
        pernet::{self, Net},
        skb::SkBuff,
    },
    prelude::*,
    types::Opaque,
    ThisModule,
};
use core::{
    marker::PhantomData,
    mem::{offset_of, ManuallyDrop},
    ptr,
};

/// An address family netfilter hooks into.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    /// IPv4 (`NFPROTO_IPV4`).
    Ipv4,
    /// IPv6 (`NFPROTO_IPV6`).
    Ipv6,
}

impl Family {
    fn raw(self) -> u8 {
        match self {
            Self::Ipv4 => bindings::NFPROTO_IPV4 as u8,
            Self::Ipv6 => bindings::NFPROTO_IPV6 as u8,
        }
    }
}

/// One of the five INET hook points.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HookPoint {
    /// Every packet received, before routing.
    PreRouting,
    /// Received packets routed to this host.
    LocalIn,
    /// Received packets routed to another host.
    Forward,
    /// Packets this host sends, after routing.
    LocalOut,
    /// Every packet leaving, forwarded or local.
    PostRouting,
}

impl HookPoint {
    /// All five, in the order a forwarded packet meets the three it passes.
    pub const ALL: [HookPoint; 5] = [
        Self::PreRouting,
        Self::LocalIn,
        Self::Forward,
        Self::LocalOut,
        Self::PostRouting,
    ];

    /// The index (`NF_INET_PRE_ROUTING` = 0 ... `NF_INET_POST_ROUTING` = 4).
    pub fn index(self) -> usize {
        match self {
            Self::PreRouting => 0,
            Self::LocalIn => 1,
            Self::Forward => 2,
            Self::LocalOut => 3,
            Self::PostRouting => 4,
        }
    }

    fn from_raw(n: u8) -> Option<Self> {
        Self::ALL.get(n as usize).copied()
    }
}

/// Where a hook goes: family, point and priority (lower runs first; the
/// kernel's own tables use e.g. -200 for mangle and 0 for filter).
pub struct HookOps {
    /// The family.
    pub family: Family,
    /// The hook point.
    pub point: HookPoint,
    /// The priority.
    pub priority: i32,
}

/// Whether a packet is an IP fragment, and which.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fragment {
    /// Not a fragment (an IPv6 atomic fragment counts as whole).
    Whole,
    /// The first fragment: the transport header, but not all of the data.
    First,
    /// A later fragment: data only.
    Later,
}

/// The transport layer of a packet, from [`HookSkb::l4`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct L4 {
    /// The IP protocol number (IPv6: after the extension headers).
    pub proto: u8,
    /// The offset, from the network header, of the transport header (of
    /// the fragment's data for a later fragment).
    pub offset: u32,
    /// Whether the packet is a fragment.
    pub fragment: Fragment,
}

/// The packet a hook gets, borrowed for the call.
///
/// # Invariants
///
/// `skb` is the packet of the running hook call `'a` brands (invariant
/// lifetime): valid for the call, owned by the netfilter core unless the
/// hook steals it.
pub struct HookSkb<'a> {
    skb: ManuallyDrop<SkBuff>,
    _brand: PhantomData<fn(&'a ()) -> &'a ()>,
    _not_send: PhantomData<*mut ()>,
}

impl<'a> HookSkb<'a> {
    /// The length of the packet, from the network header.
    pub fn len(&self) -> u32 {
        self.skb.len()
    }

    /// Whether the packet is empty.
    pub fn is_empty(&self) -> bool {
        self.skb.is_empty()
    }

    /// The linear part of the packet, from the network header (read more
    /// with [`HookSkb::copy_bits`]).
    pub fn data(&self) -> &[u8] {
        self.skb.data()
    }

    /// Copies `buf.len()` bytes from `offset` (from the network header)
    /// into `buf`, across fragments; EFAULT when the packet is shorter.
    pub fn copy_bits(&self, offset: u32, buf: &mut [u8]) -> Result {
        let off = c_int::try_from(offset).map_err(|_| EFAULT)?;
        let len = c_int::try_from(buf.len()).map_err(|_| EFAULT)?;
        // SAFETY: the packet is valid for the call (invariant); `buf` is
        // writable for `len` bytes; `skb_copy_bits` checks the bounds.
        to_result(unsafe { bindings::skb_copy_bits(self.raw(), off, buf.as_mut_ptr().cast(), len) })
            .map_err(|_| EFAULT)
    }

    /// `len` bytes at `offset` (from the network header), as
    /// `skb_header_pointer` gives them: borrowed from the linear data when
    /// they are all there, else copied into `buf`; `None` when the packet
    /// or `buf` is shorter. The packet is not changed.
    pub fn header_pointer<'b>(
        &'b self,
        offset: u32,
        len: usize,
        buf: &'b mut [u8],
    ) -> Option<&'b [u8]> {
        let start = usize::try_from(offset).ok()?;
        let end = start.checked_add(len)?;
        if let Some(s) = self.data().get(start..end) {
            return Some(s);
        }
        let b = buf.get_mut(..len)?;
        self.copy_bits(offset, b).ok()?;
        Some(b)
    }

    /// The transport protocol and the offset of its header (from the
    /// network header) of an IPv4 or IPv6 packet, walking IPv6 extension
    /// headers; `None` for a non-first fragment or a malformed header.
    pub fn transport(&self, family: Family) -> Option<(u8, u32)> {
        self.l4(family)
            .filter(|t| t.fragment != Fragment::Later)
            .map(|t| (t.proto, t.offset))
    }

    /// Where the transport layer of an IPv4 or IPv6 packet is, and whether
    /// the packet is an IP fragment; `None` for a malformed IP header.
    pub fn l4(&self, family: Family) -> Option<L4> {
        match family {
            Family::Ipv4 => {
                let mut h = [0u8; 20];
                self.copy_bits(0, &mut h).ok()?;
                let ihl = u32::from(h[0] & 0x0f) * 4;
                let frag = u16::from_be_bytes([h[6], h[7]]);
                if h[0] >> 4 != 4 || ihl < 20 {
                    return None;
                }
                // Offset (13 bits) and More Fragments (0x2000).
                let fragment = if frag & 0x1fff != 0 {
                    Fragment::Later
                } else if frag & 0x2000 != 0 {
                    Fragment::First
                } else {
                    Fragment::Whole
                };
                Some(L4 {
                    proto: h[9],
                    offset: ihl,
                    fragment,
                })
            }
            Family::Ipv6 => {
                let mut h = [0u8; 40];
                self.copy_bits(0, &mut h).ok()?;
                if h[0] >> 4 != 6 {
                    return None;
                }
                let mut nexthdr = h[6];
                let mut frag: u16 = 0;
                // SAFETY: the packet is valid (invariant); the out
                // parameters are locals.
                let off =
                    unsafe { bindings::ipv6_skip_exthdr(self.raw(), 40, &mut nexthdr, &mut frag) };
                if off < 0 {
                    return None;
                }
                let off = off as u32;
                // The Fragment header's offset field: the offset (high 13
                // bits) and More Fragments (bit 0), big endian.
                let frag = u16::from_be(frag);
                if frag & !7 != 0 {
                    // A non-first fragment: the walk stopped at its
                    // Fragment header (8 bytes), whose first byte is the
                    // next header.
                    let mut next = [0u8; 1];
                    self.copy_bits(off, &mut next).ok()?;
                    return Some(L4 {
                        proto: next[0],
                        offset: off + 8,
                        fragment: Fragment::Later,
                    });
                }
                Some(L4 {
                    proto: nexthdr,
                    offset: off,
                    fragment: if frag & 1 != 0 {
                        Fragment::First
                    } else {
                        Fragment::Whole
                    },
                })
            }
        }
    }

    pub(crate) fn raw(&self) -> *mut bindings::sk_buff {
        self.skb.raw()
    }

    /// Lets the packet go on.
    pub fn accept(self) -> Verdict<'a> {
        Verdict::new(bindings::NF_ACCEPT)
    }

    /// Drops the packet: the core frees it (drop reason
    /// `NETFILTER_DROP`), and a local sender gets EPERM.
    pub fn drop_packet(self) -> Verdict<'a> {
        Verdict::new(bindings::NF_DROP)
    }

    /// Takes the packet: the returned [`SkBuff`] owns it, and the core
    /// forgets it (`NF_STOLEN`). What the packet pointed to without a
    /// reference of its own, valid only for the hook call (a socket from
    /// early demux, a route, the input device), and its conntrack and
    /// secpath entries are dropped first, so the buffer can be kept.
    pub fn steal(self) -> (Verdict<'a>, SkBuff) {
        // SAFETY: the packet is valid and, from here, owned by the hook;
        // the call is still inside the hook's RCU section.
        unsafe { bindings::rnet_nf_steal_prepare(self.raw()) };
        (
            Verdict::new(bindings::NF_STOLEN),
            ManuallyDrop::into_inner(self.skb),
        )
    }
}

/// A hook's verdict on the packet of its call.
///
/// # Invariants
///
/// Made only by a [`HookSkb<'a>`] method that consumed it; `'a` is
/// invariant.
pub struct Verdict<'a>(c_uint, PhantomData<fn(&'a ()) -> &'a ()>);

impl<'a> Verdict<'a> {
    fn new(v: c_uint) -> Self {
        Self(v, PhantomData)
    }
}

/// What the core says about a hook call (`struct nf_hook_state`).
#[repr(transparent)]
pub struct HookState(Opaque<bindings::nf_hook_state>);

impl HookState {
    fn raw(&self) -> *mut bindings::nf_hook_state {
        self.0.get()
    }

    /// The hook point.
    pub fn point(&self) -> Option<HookPoint> {
        // SAFETY: valid for the call.
        HookPoint::from_raw(unsafe { (*self.raw()).hook })
    }

    /// The family.
    pub fn family(&self) -> Option<Family> {
        // SAFETY: valid for the call.
        match unsafe { (*self.raw()).pf } as u32 {
            bindings::NFPROTO_IPV4 => Some(Family::Ipv4),
            bindings::NFPROTO_IPV6 => Some(Family::Ipv6),
            _ => None,
        }
    }

    /// The interface index the packet came in on (0: none, e.g. LOCAL_OUT).
    pub fn in_ifindex(&self) -> i32 {
        // SAFETY: valid for the call; `in` is null or a device that lives
        // for the call.
        unsafe {
            let d = (*self.raw()).in_;
            if d.is_null() {
                0
            } else {
                (*d).ifindex
            }
        }
    }

    /// The interface index the packet goes out on (0: none, e.g. LOCAL_IN).
    pub fn out_ifindex(&self) -> i32 {
        // SAFETY: as in `in_ifindex`.
        unsafe {
            let d = (*self.raw()).out;
            if d.is_null() {
                0
            } else {
                (*d).ifindex
            }
        }
    }

    /// The namespace: its hooks, hence its exits, wait for this call.
    pub fn net(&self) -> &Net {
        // SAFETY: the hooks go live after every subsystem's init ran for
        // the namespace (a device subsystem), are unregistered in
        // pre_exit, and a grace period passes before any exit; the call
        // is inside it (`Net` invariant).
        unsafe { Net::from_raw((*self.raw()).net) }
    }
}

/// A pernet state that sees packets at the hook points it lists.
pub trait Hooks: pernet::Operations {
    /// The hooks, registered in every namespace.
    const HOOKS: &'static [HookOps];

    /// Called for each packet at each hook in [`Hooks::HOOKS`], with the
    /// state of the packet's namespace. Inside an RCU read-side section,
    /// in softirq or, for LOCAL_OUT and POST_ROUTING, in process context
    /// with bottom halves enabled: it must not sleep, and a lock it shares
    /// with softirq code must be taken with bottom halves off.
    fn hook<'a>(&self, skb: HookSkb<'a>, state: &HookState) -> Verdict<'a>;
}

/// A registered [`Hooks`] state: its pernet registration and the hooks of
/// every namespace. Dropping it unregisters the hooks, then the state.
///
/// # Invariants
///
/// After a successful init: `state` is registered, then `ops` (the hooks'
/// pernet subsystem, registered after it and so set up after it in each
/// namespace and dismantled before it) and `scope` linked, unless the
/// module notifier released them.
#[pin_data(PinnedDrop)]
pub struct Registration<T: Hooks> {
    #[pin]
    state: pernet::Registration<T>,
    #[pin]
    ops: Opaque<bindings::pernet_operations>,
    #[pin]
    scope: ScopeEntry,
    _p: PhantomData<T>,
}

// SAFETY: touched only by `new` and `drop` (and the module notifier,
// serialised with `drop` by the C side).
unsafe impl<T: Hooks> Sync for Registration<T> {}
// SAFETY: as above.
unsafe impl<T: Hooks> Send for Registration<T> {}

impl<T: Hooks> Registration<T> {
    /// Registers `T`'s state (see [`pernet::Registration::new`]), then its
    /// hooks in every namespace; nothing stays registered on failure.
    pub fn new(module: &'static ThisModule) -> impl PinInit<Self, Error> {
        let init = move |this: *mut Self| -> Result {
            // SAFETY: `this` is valid for writes (pin-init contract); the
            // state registration is pinned there.
            unsafe {
                pernet::Registration::<T>::new(module)
                    .__pinned_init(ptr::addr_of_mut!((*this).state))?
            };
            // SAFETY: `this` is valid for writes.
            let ops =
                unsafe { ptr::addr_of_mut!((*this).ops) }.cast::<bindings::pernet_operations>();
            // SAFETY: `ops` is valid for writes; no id, no per-namespace
            // area (the hooks live in the state's slot).
            unsafe {
                ptr::write_bytes(ops, 0, 1);
                ptr::addr_of_mut!((*ops).init).write(Some(Self::init_tramp));
                ptr::addr_of_mut!((*ops).pre_exit).write(Some(Self::pre_exit_tramp));
                ptr::addr_of_mut!((*ops).exit).write(Some(Self::exit_tramp));
            }
            // SAFETY: `ops` is initialised and pinned while registered. A
            // device subsystem: in a new namespace its init runs after every
            // subsystem's (hooks see only set-up namespaces), its pre_exit
            // before theirs.
            let r = to_result(unsafe { bindings::register_pernet_device(ops) });
            let r = r.and_then(|()| {
                // SAFETY: `this` is pinned until drop or forever; the
                // release undoes the registration above.
                let scope = unsafe { ptr::addr_of_mut!((*this).scope) };
                // SAFETY: as above.
                let r = unsafe { ScopeEntry::add(scope, module, Self::release_tramp) };
                if r.is_err() {
                    // SAFETY: registered just above.
                    unsafe { bindings::unregister_pernet_device(ops) };
                }
                r
            });
            if let Err(e) = r {
                // SAFETY: initialised above; dropping it unregisters it.
                unsafe { ptr::drop_in_place(ptr::addr_of_mut!((*this).state)) };
                return Err(e);
            }
            Ok(())
        };
        // SAFETY: on success every field is initialised; on error nothing
        // stays registered.
        unsafe { crate::init::pin_init_from_closure(init) }
    }

    /// # Safety
    ///
    /// Called once by the module notifier with the `scope` entry of a
    /// leaked `Registration<T>` (whose state registration, linked before
    /// it, is released after it).
    unsafe extern "C" fn release_tramp(entry: *mut c_void) {
        // SAFETY: `entry` is the `scope` field of a `Registration<T>`.
        let this = unsafe { entry.cast::<u8>().sub(offset_of!(Self, scope)) }.cast::<Self>();
        // SAFETY: registered (invariant); this is its one release.
        unsafe { bindings::unregister_pernet_device(ptr::addr_of_mut!((*this).ops).cast()) };
    }

    /// # Safety
    ///
    /// Called by the pernet core for a namespace being set up, after `T`'s
    /// own init succeeded for it.
    unsafe extern "C" fn init_tramp(net: *mut bindings::net) -> c_int {
        // SAFETY: `T`'s registration is registered before this one, so
        // its slot for `net` holds an initialised state.
        let (state, ext) = unsafe { T::ID.slot_parts(net) };
        let ext = ext.cast::<Ext>();
        let n = T::HOOKS.len();
        let mut v = match KVec::<bindings::nf_hook_ops>::with_capacity(n, GFP_KERNEL) {
            Ok(v) => v,
            Err(_) => return ENOMEM.to_errno(),
        };
        for h in T::HOOKS {
            // SAFETY: all-zero is a valid `nf_hook_ops`, completed below.
            let mut o: bindings::nf_hook_ops = unsafe { core::mem::zeroed() };
            o.hook = Some(Self::hook_tramp);
            o.priv_ = state.cast_mut().cast();
            o.pf = h.family.raw();
            o.hooknum = h.point.index() as c_uint;
            o.priority = h.priority;
            if v.push(o, GFP_KERNEL).is_err() {
                return ENOMEM.to_errno();
            }
        }
        let (p, len, cap) = v.into_raw_parts();
        // SAFETY: `p` holds `len` initialised hook ops, kept until the exit
        // trampoline frees them; their private data is the state, dropped
        // only after this subsystem's pre_exit and a grace period.
        let ret = unsafe { bindings::nf_register_net_hooks(net, p, len as c_uint) };
        if ret != 0 {
            // The hooks registered before the one that failed were
            // unregistered, and a hook dump may still read their ops.
            // SAFETY: no precondition; process context.
            unsafe { bindings::synchronize_rcu() };
            // SAFETY: the parts of the vector taken apart above.
            drop(unsafe { KVec::from_raw_parts(p, len, cap) });
            return ret;
        }
        // SAFETY: `ext` is the slot's extension word, for this subsystem.
        unsafe { ext.write(Ext { ops: p, cap }) };
        0
    }

    /// # Safety
    ///
    /// Called by the pernet core for a namespace whose init succeeded.
    unsafe extern "C" fn pre_exit_tramp(net: *mut bindings::net) {
        // SAFETY: the slot is still there (T's exit runs after this).
        let (_, ext) = unsafe { T::ID.slot_parts(net) };
        let ext = ext.cast::<Ext>();
        // SAFETY: written by the init trampoline.
        let e = unsafe { ext.read() };
        if !e.ops.is_null() {
            // SAFETY: registered by the init trampoline; a grace period
            // follows before the exits (and the ops' freeing).
            unsafe { bindings::nf_unregister_net_hooks(net, e.ops, T::HOOKS.len() as c_uint) };
        }
    }

    /// # Safety
    ///
    /// Called by the pernet core after `pre_exit` and a grace period.
    unsafe extern "C" fn exit_tramp(net: *mut bindings::net) {
        // SAFETY: as in `pre_exit_tramp`.
        let (_, ext) = unsafe { T::ID.slot_parts(net) };
        let ext = ext.cast::<Ext>();
        // SAFETY: written by the init trampoline; unregistered in
        // pre_exit, and no reader is left after the grace period.
        unsafe {
            let e = ext.read();
            if !e.ops.is_null() {
                drop(KVec::from_raw_parts(e.ops, T::HOOKS.len(), e.cap));
                ext.write(Ext::NONE);
            }
        }
    }

    /// # Safety
    ///
    /// Called by the netfilter core for a hook registered by the init
    /// trampoline: `priv_` is the state, `skb` the packet, `st` the call's
    /// hook state, all valid for the call.
    unsafe extern "C" fn hook_tramp(
        priv_: *mut c_void,
        skb: *mut bindings::sk_buff,
        st: *const bindings::nf_hook_state,
    ) -> c_uint {
        // SAFETY: the state outlives its hooks (see the module docs).
        let state = unsafe { &*(priv_ as *const T) };
        // SAFETY: the core owns the packet; `ManuallyDrop` keeps it so
        // unless the hook steals it.
        let Some(skb) = (unsafe { SkBuff::from_raw(skb) }) else {
            return bindings::NF_ACCEPT;
        };
        let hs = HookSkb {
            skb: ManuallyDrop::new(skb),
            _brand: PhantomData,
            _not_send: PhantomData,
        };
        // SAFETY: valid for the call; `HookState` is transparent.
        let st = unsafe { &*st.cast::<HookState>() };
        T::hook(state, hs, st).0
    }
}

/// What the hooks keep in their state's slot: the registered ops array.
#[derive(Clone, Copy)]
#[repr(C)]
pub(crate) struct Ext {
    ops: *mut bindings::nf_hook_ops,
    cap: usize,
}

impl Ext {
    pub(crate) const NONE: Ext = Ext {
        ops: ptr::null_mut(),
        cap: 0,
    };
}

// It fits the slot's extension words (zeroed by the core: `NONE`).
const _: () = assert!(core::mem::size_of::<Ext>() == core::mem::size_of::<pernet::SlotExt>());

#[pinned_drop]
impl<T: Hooks> PinnedDrop for Registration<T> {
    fn drop(self: Pin<&mut Self>) {
        // SAFETY: only addresses of pinned fields are used.
        let this = unsafe { self.get_unchecked_mut() };
        // SAFETY: linked by `new` (invariant).
        if unsafe { ScopeEntry::take(&mut this.scope) } {
            // SAFETY: registered (invariant); the scope says this is the
            // one release. The state registration is dropped after this.
            unsafe { bindings::unregister_pernet_device(this.ops.get()) };
        }
    }
}
