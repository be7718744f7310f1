// SPDX-License-Identifier: GPL-2.0

//! Registrations that cannot outlive their module, leaked or not.
//!
//! A registration guard (a pernet subsystem, a protocol, netfilter hooks)
//! unregisters when it is dropped. A guard that is never dropped (leaked
//! with `mem::forget`, or kept alive by a reference cycle) would leave the
//! kernel calling into its module's code after the module was unloaded.
//! Each such guard therefore links a [`ScopeEntry`] with its module: the
//! entry's release function runs exactly once, either from the guard's
//! drop or, for a guard still linked when its module goes (after the
//! module's `exit`, before its memory is freed), from a module notifier in
//! `rust/helpers/rnet_netns.c`, which says so in the kernel log and keeps
//! the entry on a list of released ones (the leaked memory stays
//! referenced, as it was before).
//!
//! A guard dropped from inside its own release (a reference cycle through
//! the state a pernet exit drops) waits for that release to end: a hang,
//! which lockdep does not see. Registrations are made and dropped from
//! module init and exit, not from the callbacks they register.

use crate::{
    bindings,
    error::to_result,
    ffi::{c_int, c_void},
    prelude::*,
    types::Opaque,
    ThisModule,
};

/// The C layout of `struct rnet_scope_entry` (`rust/helpers/rnet_netns.c`).
#[repr(C)]
pub(crate) struct RawEntry {
    node: bindings::list_head,
    owner: *mut bindings::module,
    release: Option<unsafe extern "C" fn(*mut c_void)>,
    state: c_int,
}

/// One registration's link to its module.
///
/// # Invariants
///
/// Once [`ScopeEntry::add`] succeeded, the entry is linked in the global
/// list until [`ScopeEntry::take`] or the module notifier unlinks it; its
/// memory stays valid until then (it lives in a pinned guard, whose drop
/// calls `take`, or in leaked memory).
#[repr(transparent)]
pub(crate) struct ScopeEntry(Opaque<RawEntry>);

impl ScopeEntry {
    /// Links `entry` for `module`; `release` gets the entry's pointer when
    /// the module goes with the entry still linked.
    ///
    /// # Safety
    ///
    /// `entry` points to memory that stays valid and pinned until
    /// [`ScopeEntry::take`] returned for it, or forever; `release` may be
    /// called once with `entry`, from process context, after the module's
    /// `exit`, and must then release what the entry stands for.
    pub(crate) unsafe fn add(
        entry: *mut Self,
        module: &'static ThisModule,
        release: unsafe extern "C" fn(*mut c_void),
    ) -> Result {
        // SAFETY: `entry` is valid and pinned (caller); `ScopeEntry` is a
        // transparent wrapper of the C layout.
        to_result(unsafe { bindings::rnet_scope_add(entry.cast(), module.as_ptr(), Some(release)) })
    }

    /// Unlinks `entry`: true when the caller must now release what it stands
    /// for, false when it was not linked or the module notifier released it
    /// (in that case this waits until that release returned).
    ///
    /// # Safety
    ///
    /// `entry` is valid, and was either zeroed or passed to
    /// [`ScopeEntry::add`] (whatever it returned).
    pub(crate) unsafe fn take(entry: *mut Self) -> bool {
        // SAFETY: as the caller promises; the C side takes its lock.
        unsafe { bindings::rnet_scope_del(entry.cast()) }
    }
}
