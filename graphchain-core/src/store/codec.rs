//! Codecs: how a result becomes the bytes of a cache entry and back, and the type fingerprint
//! that keeps an entry from ever decoding into a changed type.

use std::any::TypeId;
use std::collections::HashMap;
use std::sync::{Arc, OnceLock, RwLock};

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::value::{BoxError, Value};

/// Turns values of type `T` into bytes and back: graphchain's custom serializer.
///
/// The default, [`PostcardLz4`], works for every `Serialize + DeserializeOwned` type. Implement
/// this trait to store a type in a format of your own (raw columns, Arrow IPC, Parquet…) and
/// select it with `#[delayed(codec = MyCodec)]`.
///
/// # Examples
///
/// ```
/// use graphchain::{BoxError, Codec, delayed};
///
/// /// Stores a `Vec<f64>` as raw little-endian bytes.
/// struct RawF64;
///
/// impl Codec<Vec<f64>> for RawF64 {
///     const NAME: &'static str = "raw-f64-le";
///     fn encode(value: &Vec<f64>, out: &mut Vec<u8>) -> Result<(), BoxError> {
///         out.extend(value.iter().flat_map(|x| x.to_le_bytes()));
///         Ok(())
///     }
///     fn decode(bytes: &[u8]) -> Result<Vec<f64>, BoxError> {
///         if bytes.len() % 8 != 0 {
///             return Err("length is not a multiple of 8".into());
///         }
///         Ok(bytes.chunks_exact(8).map(|c| f64::from_le_bytes(c.try_into().unwrap())).collect())
///     }
/// }
///
/// #[delayed(codec = RawF64)]
/// fn ramp(n: usize) -> Vec<f64> {
///     (0..n).map(|i| i as f64).collect()
/// }
///
/// assert_eq!(ramp(3).compute()?, vec![0.0, 1.0, 2.0]);
/// # Ok::<(), graphchain::Error>(())
/// ```
pub trait Codec<T>: 'static {
    /// The codec's name, recorded in every entry: an entry written by another codec is a miss.
    const NAME: &'static str;

    /// Appends the encoding of `value` to `out`.
    ///
    /// # Errors
    ///
    /// When the value cannot be encoded; the result is then simply not stored.
    fn encode(value: &T, out: &mut Vec<u8>) -> Result<(), BoxError>;

    /// Decodes a value from exactly the bytes `encode` wrote.
    ///
    /// # Errors
    ///
    /// When the bytes are not a valid encoding; the entry is then treated as a miss.
    fn decode(bytes: &[u8]) -> Result<T, BoxError>;

    /// A fingerprint of `T`'s definition: entries written with another fingerprint are misses.
    ///
    /// The default hashes the full type name; [`PostcardLz4`] hashes the serde structure of the
    /// type (field names, types and order) when it can be traced.
    fn fingerprint() -> [u8; 32] {
        type_name_fingerprint::<T>()
    }
}

/// The default codec: postcard, compressed with lz4 when that pays off.
///
/// A sample of the encoding is compressed first; data that does not shrink (random floats, say)
/// is stored as it is, so that storing and loading run at memory speed.
#[derive(Debug, Clone, Copy, Default)]
pub struct PostcardLz4;

/// First byte of a [`PostcardLz4`] payload.
const RAW: u8 = 0;
const LZ4: u8 = 1;
/// Bytes of the encoding compressed on trial before deciding whether to compress it all.
const SAMPLE: usize = 64 * 1024;
/// lz4 cannot expand data by more than this factor, so a larger claimed size is a lie.
const LZ4_MAX_RATIO: usize = 256;

impl<T: Serialize + DeserializeOwned> Codec<T> for PostcardLz4 {
    const NAME: &'static str = "postcard+lz4";

    fn encode(value: &T, out: &mut Vec<u8>) -> Result<(), BoxError> {
        // Encoded in place, sized up front: a large result is written to memory once.
        let start = out.len();
        out.reserve(1 + postcard::experimental::serialized_size(value)?);
        out.push(RAW);
        let mut out_vec = std::mem::take(out);
        out_vec = postcard::to_extend(value, out_vec)?;
        *out = out_vec;
        let encoded = &out[start + 1..];
        let sample = &encoded[..encoded.len().min(SAMPLE)];
        let worth_it =
            encoded.len() >= 256 && lz4_flex::compress(sample).len() < sample.len() * 9 / 10;
        if worth_it {
            let compressed = lz4_flex::compress(encoded);
            let len = encoded.len() as u64;
            out.truncate(start);
            out.push(LZ4);
            out.extend_from_slice(&len.to_le_bytes());
            out.extend_from_slice(&compressed);
        }
        Ok(())
    }

    fn decode(bytes: &[u8]) -> Result<T, BoxError> {
        match bytes.split_first() {
            Some((&RAW, rest)) => Ok(postcard::from_bytes(rest)?),
            Some((&LZ4, rest)) if rest.len() >= 8 => {
                let (len, compressed) = rest.split_at(8);
                let len = u64::from_le_bytes(len.try_into().expect("8 bytes"));
                let len = usize::try_from(len)
                    .ok()
                    .filter(|&len| len <= compressed.len().saturating_mul(LZ4_MAX_RATIO) + 64)
                    .ok_or("the decompressed size in the payload is impossible")?;
                let mut decoded = vec![0u8; len];
                let written = lz4_flex::decompress_into(compressed, &mut decoded)?;
                if written != len {
                    return Err("the payload decompressed to a different size".into());
                }
                Ok(postcard::from_bytes(&decoded)?)
            }
            _ => Err("unknown payload encoding".into()),
        }
    }

    fn fingerprint() -> [u8; 32] {
        structural_fingerprint::<T>()
    }
}

/// Hashes `T`'s full type name.
pub fn type_name_fingerprint<T: ?Sized>() -> [u8; 32] {
    let mut h = blake3::Hasher::new();
    h.update(b"graphchain-type-name");
    h.update(std::any::type_name::<T>().as_bytes());
    *h.finalize().as_bytes()
}

/// Hashes `T`'s serde structure — every container, field name, field type and variant, as
/// `serde-reflection` traces it — and its full type name. Falls back to the name alone for types
/// the tracer cannot follow (for example, those that deserialize through `deserialize_any`).
pub fn structural_fingerprint<T: DeserializeOwned>() -> [u8; 32] {
    let mut h = blake3::Hasher::new();
    h.update(&type_name_fingerprint::<T>());
    match structure::<T>() {
        Some(structure) => {
            h.update(b"serde-structure");
            h.update(structure.as_bytes());
        }
        None => {
            h.update(b"name-only");
        }
    }
    *h.finalize().as_bytes()
}

/// `T`'s serde structure as text, or `None` when it cannot be traced.
fn structure<T: DeserializeOwned>() -> Option<String> {
    use serde_reflection::{Tracer, TracerConfig};
    let mut tracer = Tracer::new(TracerConfig::default());
    let (format, _) = tracer.trace_simple_type::<T>().ok()?;
    let registry = tracer.registry().ok()?;
    // `Debug` of the formats is deterministic: the registry is a BTreeMap.
    Some(format!("{format:?} {registry:?}"))
}

/// What the cache needs to store and load a node's value, erased over its type and codec.
#[doc(hidden)]
pub struct Storable {
    pub(crate) codec: &'static str,
    type_name: fn() -> &'static str,
    type_id: fn() -> TypeId,
    fingerprint: fn() -> [u8; 32],
    pub(crate) encode: fn(&Value, &mut Vec<u8>) -> Result<(), BoxError>,
    pub(crate) decode: fn(&[u8]) -> Result<Value, BoxError>,
}

impl std::fmt::Debug for Storable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Storable")
            .field("codec", &self.codec)
            .field("type", &(self.type_name)())
            .finish()
    }
}

impl Storable {
    /// The vtable for values of type `T` stored with codec `C`.
    pub const fn of<T: Send + Sync + 'static, C: Codec<T>>() -> Self {
        Storable {
            codec: C::NAME,
            type_name: std::any::type_name::<T>,
            type_id: TypeId::of::<(T, C)>,
            fingerprint: C::fingerprint,
            encode: encode_erased::<T, C>,
            decode: decode_erased::<T, C>,
        }
    }

    /// The fingerprint of the stored type, computed once per type and codec in a process.
    pub(crate) fn fingerprint(&self) -> [u8; 32] {
        // `TypeId` only memoizes within this process; it never reaches a key or an entry.
        static MEMO: OnceLock<RwLock<HashMap<TypeId, [u8; 32]>>> = OnceLock::new();
        thread_local! {
            // Graphs are built node after node of the same few types: the last one asked for
            // is answered without the lock.
            static LAST: std::cell::Cell<Option<(TypeId, [u8; 32])>> =
                const { std::cell::Cell::new(None) };
        }
        let id = (self.type_id)();
        if let Some((last, f)) = LAST.get()
            && last == id
        {
            return f;
        }
        let f = self.fingerprint_locked(&MEMO, id);
        LAST.set(Some((id, f)));
        f
    }

    fn fingerprint_locked(
        &self,
        memo: &OnceLock<RwLock<HashMap<TypeId, [u8; 32]>>>,
        id: TypeId,
    ) -> [u8; 32] {
        let memo = memo.get_or_init(Default::default);
        if let Some(f) = memo.read().unwrap_or_else(|e| e.into_inner()).get(&id) {
            return *f;
        }
        let mut h = blake3::Hasher::new();
        h.update(&(self.fingerprint)());
        h.update(self.codec.as_bytes());
        let f = *h.finalize().as_bytes();
        memo.write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id, f);
        f
    }
}

fn encode_erased<T: Send + Sync + 'static, C: Codec<T>>(
    value: &Value,
    out: &mut Vec<u8>,
) -> Result<(), BoxError> {
    let value = (**value)
        .downcast_ref::<T>()
        .ok_or("value has an unexpected type")?;
    C::encode(value, out)
}

fn decode_erased<T: Send + Sync + 'static, C: Codec<T>>(bytes: &[u8]) -> Result<Value, BoxError> {
    Ok(Arc::new(C::decode(bytes)?))
}

#[cfg(test)]
mod tests;
