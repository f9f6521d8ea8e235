//! Vectors of fixed-width numbers in the default codec, copied whole rather than element by
//! element: postcard writes a `Vec<f64>` as its length (a varint) and then each element's
//! little-endian bytes, which on a little-endian machine are the vector's memory as it is.
//!
//! Serde's `Vec` goes through one call per element, growing the vector as it goes: decoding a
//! 64 MiB `Vec<f64>` that way took longer than reading its bytes from the page cache. Here it
//! is one copy into memory allocated once. The bytes are exactly postcard's, so entries are the
//! same whichever way they were written, and anything the copy does not recognise (another
//! type, a non-canonical length, bytes left over) goes through postcard, which decides.

use std::any::Any;

/// Numbers whose postcard encoding is their little-endian bytes, of a fixed width.
///
/// # Safety
///
/// `Self` has no padding and every bit pattern of its size is a valid value of it.
unsafe trait Fixed: Copy + 'static {}

// SAFETY: plain numbers: no padding, and every bit pattern is a number (a NaN at worst).
unsafe impl Fixed for f64 {}
// SAFETY: as for `f64`.
unsafe impl Fixed for f32 {}
// SAFETY: one byte, any value.
unsafe impl Fixed for u8 {}
// SAFETY: one byte, any value.
unsafe impl Fixed for i8 {}

/// Calls `$body` with `$v` bound to `$value` downcast to the first `Vec<$t>` it is.
macro_rules! each_fixed {
    ($value:expr, |$v:ident| $body:expr) => {{
        let value: &dyn Any = $value;
        if let Some($v) = value.downcast_ref::<Vec<f64>>() {
            Some($body)
        } else if let Some($v) = value.downcast_ref::<Vec<f32>>() {
            Some($body)
        } else if let Some($v) = value.downcast_ref::<Vec<u8>>() {
            Some($body)
        } else if let Some($v) = value.downcast_ref::<Vec<i8>>() {
            Some($body)
        } else {
            None
        }
    }};
}

/// The length of postcard's encoding of `value` when it is a vector of fixed-width numbers.
pub(super) fn encoded_len<T: 'static>(value: &T) -> Option<usize> {
    each_fixed!(value, |v| varint_len(v.len() as u64)
        + std::mem::size_of_val(&v[..]))
}

/// Appends postcard's encoding of `value` to `out` in one copy, when `value` is a vector of
/// fixed-width numbers on a little-endian machine; `false` (and nothing appended) otherwise.
pub(super) fn encode<T: 'static>(value: &T, out: &mut Vec<u8>) -> bool {
    cfg!(target_endian = "little") && each_fixed!(value, |v| put(v, out)).is_some()
}

/// Decodes `bytes` as postcard's encoding of `T` in one copy, when `T` is a vector of
/// fixed-width numbers on a little-endian machine and `bytes` is exactly a canonical length
/// and that many elements; `None` when postcard is to decode it.
///
/// The vector is allocated fallibly, for as many elements as `bytes` holds and no more.
pub(super) fn decode<T: 'static>(bytes: &[u8]) -> Option<Result<T, &'static str>> {
    if !cfg!(target_endian = "little") {
        return None;
    }
    let decoded: Result<Box<dyn Any>, &'static str> = if is::<T, Vec<f64>>() {
        take::<f64>(bytes)?.map(|v| Box::new(v) as Box<dyn Any>)
    } else if is::<T, Vec<f32>>() {
        take::<f32>(bytes)?.map(|v| Box::new(v) as Box<dyn Any>)
    } else if is::<T, Vec<u8>>() {
        take::<u8>(bytes)?.map(|v| Box::new(v) as Box<dyn Any>)
    } else if is::<T, Vec<i8>>() {
        take::<i8>(bytes)?.map(|v| Box::new(v) as Box<dyn Any>)
    } else {
        return None;
    };
    Some(decoded.map(|v| *v.downcast::<T>().expect("the type was checked")))
}

/// Postcard's encoding of `value`, when it is a vector of fixed-width numbers on a
/// little-endian machine, as its length (a varint, in the first bytes of the array) and the
/// vector's own memory: what [`encode`] would append, without copying it.
pub(super) fn parts<T: 'static>(value: &T) -> Option<(Varint, &[u8])> {
    if !cfg!(target_endian = "little") {
        return None;
    }
    each_fixed!(value, |v| (length(v.len()), as_bytes(v)))
}

/// A postcard varint: its bytes are the first `.1` of the array.
pub(super) type Varint = ([u8; 10], usize);

/// `n` as postcard's varint.
fn length(n: usize) -> Varint {
    let mut bytes = Vec::with_capacity(10);
    put_varint(n as u64, &mut bytes);
    let mut head = [0; 10];
    head[..bytes.len()].copy_from_slice(&bytes);
    (head, bytes.len())
}

fn as_bytes<N: Fixed>(v: &[N]) -> &[u8] {
    // SAFETY: `N` has no padding (`Fixed`), so its elements' memory is `size_of_val(v)`
    // initialised bytes, borrowed for as long as `v` is.
    unsafe { std::slice::from_raw_parts(v.as_ptr().cast::<u8>(), size_of_val(v)) }
}

fn is<T: 'static, U: 'static>() -> bool {
    std::any::TypeId::of::<T>() == std::any::TypeId::of::<U>()
}

fn put<N: Fixed>(v: &[N], out: &mut Vec<u8>) {
    put_varint(v.len() as u64, out);
    out.extend_from_slice(as_bytes(v));
}

/// The vector `bytes` encodes: `None` unless they are a canonical varint length `n` followed by
/// exactly `n` elements.
fn take<N: Fixed>(bytes: &[u8]) -> Option<Result<Vec<N>, &'static str>> {
    let (n, at) = varint(bytes)?;
    let n = usize::try_from(n).ok()?;
    let data = &bytes[at..];
    if Some(data.len()) != n.checked_mul(size_of::<N>()) {
        return None;
    }
    let mut v = Vec::<N>::new();
    if v.try_reserve_exact(n).is_err() {
        return Some(Err("cannot allocate the decoded vector"));
    }
    huge_pages(v.as_mut_ptr().cast::<u8>(), data.len());
    // SAFETY: `v` has room for `n` elements, which is `data.len()` bytes; the regions are
    // distinct (`v` was just allocated); every bit pattern is a valid `N` (`Fixed`), so the `n`
    // elements are initialised once the bytes are copied.
    unsafe {
        std::ptr::copy_nonoverlapping(data.as_ptr(), v.as_mut_ptr().cast::<u8>(), data.len());
        v.set_len(n);
    }
    Some(Ok(v))
}

/// Asks Linux to back the `len` fresh bytes at `start` with huge pages where it can: a large
/// vector then costs one page fault per 2 MiB rather than per 4 KiB as it is filled (a quarter of
/// the time of loading a 64 MiB vector went to those faults). Advice only: nothing changes if it
/// is not taken.
fn huge_pages(start: *mut u8, len: usize) {
    #[cfg(target_os = "linux")]
    {
        const HUGE: usize = 2 << 20;
        if len < 2 * HUGE {
            return;
        }
        let from = (start as usize).next_multiple_of(HUGE);
        let to = (start as usize + len) / HUGE * HUGE;
        if to > from {
            // SAFETY: `from..to` lies within the `len` bytes allocated at `start`, which nothing
            // else refers to yet; `MADV_HUGEPAGE` changes how they are backed, never their
            // contents or their validity.
            unsafe {
                libc::madvise(from as *mut libc::c_void, to - from, libc::MADV_HUGEPAGE);
            }
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = (start, len);
}

/// Postcard's varint: seven bits a byte, least significant first, the top bit set on every
/// byte but the last.
fn put_varint(mut n: u64, out: &mut Vec<u8>) {
    while n >= 0x80 {
        out.push(n as u8 | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

fn varint_len(n: u64) -> usize {
    (64 - (n | 1).leading_zeros() as usize).div_ceil(7)
}

/// The varint at the start of `bytes` and its length, when it is the canonical (shortest)
/// encoding of a `u64`.
fn varint(bytes: &[u8]) -> Option<(u64, usize)> {
    let mut n = 0u64;
    for (i, &b) in bytes.iter().enumerate().take(10) {
        let bits = u64::from(b & 0x7f);
        if i == 9 && b > 1 {
            return None;
        }
        n |= bits << (7 * i);
        if b & 0x80 == 0 {
            return (varint_len(n) == i + 1).then_some((n, i + 1));
        }
    }
    None
}

#[cfg(test)]
mod tests;
