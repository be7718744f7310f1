// SPDX-License-Identifier: GPL-2.0

//! Memory-mapped I/O.
//!
//! C header: [`include/asm-generic/io.h`](srctree/include/asm-generic/io.h)

use crate::{bindings, error::code::EINVAL, prelude::*};

/// A mapped I/O region of at least `SIZE` bytes, accessed with 32-bit
/// reads and writes.
///
/// Offsets known at compile time are checked at build time (`read32`,
/// `write32`); offsets computed at run time use the `try_` variants, which
/// check them against the region's real length.
///
/// # Invariants
///
/// `addr` is the start of a valid I/O mapping of `len` bytes, with
/// `len >= SIZE`, that stays mapped for the lifetime of this value.
pub struct IoMem<const SIZE: usize = 0> {
    addr: usize,
    len: usize,
}

impl<const SIZE: usize> IoMem<SIZE> {
    /// Wraps an existing mapping.
    ///
    /// # Safety
    ///
    /// `addr` must be the start of an I/O mapping of `len` bytes that stays
    /// valid until the returned value is dropped or forgotten.
    pub(crate) unsafe fn new(addr: usize, len: usize) -> Result<Self> {
        if len < SIZE {
            return Err(EINVAL);
        }
        // INVARIANT: guaranteed by the caller, and `len >= SIZE` was checked.
        Ok(Self { addr, len })
    }

    /// The mapping's address, for the owner that unmaps it.
    pub(crate) fn addr(&self) -> usize {
        self.addr
    }

    /// The length of the mapping in bytes (at least `SIZE`).
    pub fn len(&self) -> usize {
        self.len
    }

    /// Returns `false`: a mapping is never empty (kept for clippy).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    #[inline(always)]
    const fn offset_ok(offset: usize) -> bool {
        // No `offset + 4`: it could wrap where overflow checks are off.
        offset % 4 == 0 && SIZE >= 4 && offset <= SIZE - 4
    }

    #[inline]
    fn checked(&self, offset: usize) -> Result<usize> {
        if offset % 4 == 0 && offset.checked_add(4).is_some_and(|end| end <= self.len) {
            Ok(self.addr + offset)
        } else {
            Err(EINVAL)
        }
    }

    /// Reads the 32-bit register at `offset`, checked at build time.
    #[inline(always)]
    pub fn read32(&self, offset: usize) -> u32 {
        build_assert!(Self::offset_ok(offset), "read32: offset out of the region");
        // SAFETY: by the type invariant the mapping is valid for `SIZE` bytes and the offset is
        // aligned and inside it (build-time check above).
        unsafe { bindings::readl((self.addr + offset) as *const _) }
    }

    /// Writes the 32-bit register at `offset`, checked at build time.
    #[inline(always)]
    pub fn write32(&self, value: u32, offset: usize) {
        build_assert!(Self::offset_ok(offset), "write32: offset out of the region");
        // SAFETY: as in `read32`.
        unsafe { bindings::writel(value, (self.addr + offset) as *mut _) }
    }

    /// Reads the 32-bit register at `offset`, checked at run time.
    #[inline]
    pub fn try_read32(&self, offset: usize) -> Result<u32> {
        let addr = self.checked(offset)?;
        // SAFETY: `checked` proved the access aligned and inside the mapping.
        Ok(unsafe { bindings::readl(addr as *const _) })
    }

    /// Writes the 32-bit register at `offset`, checked at run time.
    #[inline]
    pub fn try_write32(&self, value: u32, offset: usize) -> Result {
        let addr = self.checked(offset)?;
        // SAFETY: `checked` proved the access aligned and inside the mapping.
        unsafe { bindings::writel(value, addr as *mut _) };
        Ok(())
    }
}
