// SPDX-License-Identifier: GPL-2.0

//! Marker traits for types that can be read from or written as raw bytes,
//! e.g. in memory shared with a device.

/// Any bit pattern is a valid value of the type.
///
/// # Safety
///
/// Implementors must have no invalid bit patterns (no `bool`, enum,
/// reference or padding-sensitive invariant).
pub unsafe trait FromBytes {}

/// Values of the type have no uninitialised bytes (no padding).
///
/// # Safety
///
/// Implementors must not contain padding or other uninitialised bytes.
pub unsafe trait AsBytes {}

macro_rules! impl_pod {
    ($($t:ty),*) => {
        $(
            // SAFETY: primitive integers have no invalid bit patterns and no padding.
            unsafe impl FromBytes for $t {}
            // SAFETY: as above.
            unsafe impl AsBytes for $t {}
        )*
    };
}

impl_pod!(u8, u16, u32, u64, usize, i8, i16, i32, i64, isize);

// SAFETY: an array of `FromBytes` elements has no invalid bit pattern.
unsafe impl<T: FromBytes, const N: usize> FromBytes for [T; N] {}
// SAFETY: arrays have no padding between elements; elements have none (bound).
unsafe impl<T: AsBytes, const N: usize> AsBytes for [T; N] {}
