//! Codecs: how a result becomes the bytes of a cache entry and back, and the type fingerprint
//! that keeps an entry from ever decoding into a changed type.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::value::BoxError;

mod bulk;
mod identity;
mod storable;
mod trace;

pub use identity::{ByName, ByStructure, TypeProbe, name_identity};
pub use storable::Storable;

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
    /// type (field names, types and order, every variant of every enum in it).
    fn fingerprint() -> [u8; 32] {
        type_name_fingerprint::<T>()
    }

    /// [`fingerprint`](Codec::fingerprint), or why no fingerprint of `T` can be trusted to
    /// change whenever `T` does. Results of such a type are neither stored nor loaded, and a
    /// warning names the type once per process.
    ///
    /// The default trusts `fingerprint`: a codec of your own vouches for its own fingerprint.
    ///
    /// # Errors
    ///
    /// [`PostcardLz4`] returns an error for types whose structure cannot be traced (see
    /// [`type_structure`]).
    fn checked_fingerprint() -> Result<[u8; 32], UntraceableType> {
        Ok(Self::fingerprint())
    }

    /// The content hash early cutoff knows `value` by, given its encoding `encoded`: two values
    /// with the same content hash are the same to every step that reads them, so a step whose
    /// inputs come out with the hashes they had is loaded rather than run again.
    ///
    /// `None`, the default, stands for the blake3 hash of the encoding — byte-for-byte equal
    /// encodings are the same content — which the cache computes anyway as the entry's
    /// checksum, so it costs nothing more. Override it when values that encode differently are
    /// the same for your program (a set kept in a `Vec`, rows whose order does not matter,
    /// floats summed in varying order and rounded), so that recomputing one to an equal value
    /// still spares the steps after it. Whatever the hash ignores, a step found through it
    /// sees as it was when its result was stored: ignore only what no step depends on.
    ///
    /// An override costs what it computes, for each value whose consumers may be found through
    /// the content of their inputs: once when the value is computed, once when it is stored
    /// and once when it is loaded (on the decoded value). An entry's checksum is always the
    /// hash of its bytes.
    ///
    /// # Examples
    ///
    /// ```
    /// use graphchain::{BoxError, Codec, PostcardLz4};
    ///
    /// /// Tags kept in a `Vec`, in any order: the order is not part of their content.
    /// struct TagSet;
    ///
    /// impl Codec<Vec<String>> for TagSet {
    ///     const NAME: &'static str = "tag-set";
    ///     fn encode(value: &Vec<String>, out: &mut Vec<u8>) -> Result<(), BoxError> {
    ///         <PostcardLz4 as Codec<Vec<String>>>::encode(value, out)
    ///     }
    ///     fn decode(bytes: &[u8]) -> Result<Vec<String>, BoxError> {
    ///         <PostcardLz4 as Codec<Vec<String>>>::decode(bytes)
    ///     }
    ///     /// The hash of the sorted tags: a sort (n log n comparisons) and one pass of blake3.
    ///     fn content_hash(value: &Vec<String>, _encoded: &[u8]) -> Option<[u8; 32]> {
    ///         let mut sorted: Vec<&String> = value.iter().collect();
    ///         sorted.sort_unstable();
    ///         graphchain::content_hash(&sorted).ok()
    ///     }
    /// }
    ///
    /// let ab = vec!["a".to_owned(), "b".to_owned()];
    /// let ba = vec!["b".to_owned(), "a".to_owned()];
    /// assert_eq!(TagSet::content_hash(&ab, &[]), TagSet::content_hash(&ba, &[]));
    /// ```
    fn content_hash(value: &T, encoded: &[u8]) -> Option<[u8; 32]> {
        let _ = encoded;
        Self::value_hash(value)
    }

    /// The content hash of `value` taken from the value alone, when the codec can give one
    /// without encoding it: `None`, the default, leaves the content hash to
    /// [`content_hash`](Codec::content_hash) and the encoding.
    ///
    /// The cache needs the content of every result a later step may be found through, also of
    /// results it does not store; with this hash, such a result is never encoded at all. The
    /// DataFrame codecs hash the columns' memory, which costs a pass of blake3 rather than an
    /// encoding. When you override both, `content_hash` must return what this returns.
    fn value_hash(value: &T) -> Option<[u8; 32]> {
        let _ = value;
        None
    }

    /// About how many bytes `value` takes in memory, when that is cheap to know (`None`, the
    /// default, when not).
    ///
    /// Under the automatic cache policy, the cache learns from a result of a function how its
    /// size in memory compares with the size of its encoding and the time encoding took. A later
    /// result that, at half the size and half the time this predicts, would still not be worth
    /// storing is left out without being encoded.
    fn size_hint(value: &T) -> Option<u64> {
        let _ = value;
        None
    }
}

/// The default codec: postcard, compressed with lz4 when that pays off.
///
/// A sample of the encoding is compressed first; data that does not shrink (random floats, say)
/// is stored as it is, so that storing and loading run at memory speed. Vectors of `f64`, `f32`,
/// `u8` and `i8` are encoded and decoded as one copy of their memory (the same bytes postcard
/// writes element by element).
#[derive(Debug, Clone, Copy, Default)]
pub struct PostcardLz4;

/// First byte of a [`PostcardLz4`] payload.
const RAW: u8 = 0;
const LZ4: u8 = 1;
/// Bytes of the encoding compressed on trial before deciding whether to compress it all.
const SAMPLE: usize = 64 * 1024;
/// lz4 cannot expand data by more than this factor, so a larger claimed size is a lie.
const LZ4_MAX_RATIO: usize = 256;

impl<T: Serialize + DeserializeOwned + 'static> Codec<T> for PostcardLz4 {
    const NAME: &'static str = "postcard+lz4";

    fn encode(value: &T, out: &mut Vec<u8>) -> Result<(), BoxError> {
        // Encoded in place, sized up front: a large result is written to memory once.
        let start = out.len();
        let len = match bulk::encoded_len(value) {
            Some(len) => len,
            None => postcard::experimental::serialized_size(value)?,
        };
        out.reserve(1 + len);
        out.push(RAW);
        if !bulk::encode(value, out) {
            let mut out_vec = std::mem::take(out);
            out_vec = postcard::to_extend(value, out_vec)?;
            *out = out_vec;
        }
        let encoded = &out[start + 1..];
        if compresses(&encoded[..encoded.len().min(SAMPLE)], encoded.len()) {
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
            Some((&RAW, rest)) => from_postcard(rest),
            Some((&LZ4, rest)) if rest.len() >= 8 => {
                let (len, compressed) = rest.split_at(8);
                let len = u64::from_le_bytes(len.try_into().expect("8 bytes"));
                let len = usize::try_from(len)
                    .ok()
                    .filter(|&len| len <= compressed.len().saturating_mul(LZ4_MAX_RATIO) + 64)
                    .ok_or("the decompressed size in the payload is impossible")?;
                // The size is covered by the payload checksum, checked before any decoding, and
                // bounded by the compressed bytes; it is allocated fallibly all the same, so that
                // a forged entry under a memory limit is an error rather than an abort.
                let mut decoded = Vec::new();
                decoded
                    .try_reserve_exact(len)
                    .map_err(|_| "cannot allocate the decompressed size")?;
                decoded.resize(len, 0);
                let written = lz4_flex::decompress_into(compressed, &mut decoded)?;
                if written != len {
                    return Err("the payload decompressed to a different size".into());
                }
                from_postcard(&decoded)
            }
            _ => Err("unknown payload encoding".into()),
        }
    }

    fn fingerprint() -> [u8; 32] {
        structural_fingerprint::<T>()
    }

    fn checked_fingerprint() -> Result<[u8; 32], UntraceableType> {
        type_structure::<T>().map(|structure| structure_fingerprint::<T>(&structure))
    }
}

/// Whether an encoding of `len` bytes starting with `sample` (its first [`SAMPLE`] bytes) is
/// worth compressing: the sample shrinks by a tenth.
fn compresses(sample: &[u8], len: usize) -> bool {
    len >= 256 && lz4_flex::compress(sample).len() < sample.len() * 9 / 10
}

/// An encoding as two parts, the second borrowed from the value: written and hashed as the
/// bytes they make together, without first copying the value into them.
#[derive(Debug)]
pub(crate) struct Parts<'v> {
    head: [u8; 11],
    head_len: usize,
    body: &'v [u8],
}

impl Parts<'_> {
    /// The encoding's bytes, in two pieces.
    pub(crate) fn slices(&self) -> [&[u8]; 2] {
        [&self.head[..self.head_len], self.body]
    }
}

/// What codec `C` writes for `value`, as parts borrowed from it, when `C` is [`PostcardLz4`],
/// `value` a vector that [`bulk`] copies whole, and its encoding stored as it is (not
/// compressed): exactly the bytes `C::encode` appends.
pub(crate) fn borrowed_parts<T: 'static, C: 'static>(value: &T) -> Option<Parts<'_>> {
    if std::any::TypeId::of::<C>() != std::any::TypeId::of::<PostcardLz4>() {
        return None;
    }
    let ((varint, varint_len), body) = bulk::parts(value)?;
    let mut sample = Vec::with_capacity(SAMPLE);
    sample.extend_from_slice(&varint[..varint_len]);
    sample.extend_from_slice(&body[..body.len().min(SAMPLE - varint_len)]);
    if compresses(&sample, varint_len + body.len()) {
        return None;
    }
    let mut head = [RAW; 11];
    head[1..=varint_len].copy_from_slice(&varint[..varint_len]);
    Some(Parts {
        head,
        head_len: 1 + varint_len,
        body,
    })
}

/// Decodes postcard's encoding of a `T`: in one copy when it is a vector of fixed-width numbers.
fn from_postcard<T: DeserializeOwned + 'static>(bytes: &[u8]) -> Result<T, BoxError> {
    match bulk::decode(bytes) {
        Some(decoded) => Ok(decoded?),
        None => Ok(postcard::from_bytes(bytes)?),
    }
}

/// The default encoding for a type graphchain cannot trace, vouched for by you: its fingerprint
/// is its name, `VERSION` and its structure as far as it can be traced, so bump `VERSION`
/// whenever the type changes.
///
/// A result whose type cannot be traced (see [`type_structure`]) is not cached with
/// [`PostcardLz4`]: nothing would tell an entry of the old definition from one of the new.
/// Select this codec to cache it anyway, on your word.
///
/// # Examples
///
/// ```
/// use graphchain::codec::Vouched;
/// use graphchain::delayed;
///
/// # #[derive(serde::Serialize)]
/// # struct Scored { address: String, score: u32 }
/// # impl<'de> serde::Deserialize<'de> for Scored {
/// #     fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
/// #         struct V;
/// #         impl<'de> serde::de::Visitor<'de> for V {
/// #             type Value = Scored;
/// #             fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
/// #                 f.write_str("an address and a score")
/// #             }
/// #             fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut s: A) -> Result<Scored, A::Error> {
/// #                 use serde::de::Error;
/// #                 let address: String = s.next_element()?.ok_or(A::Error::custom("no address"))?;
/// #                 if !address.contains('@') {
/// #                     return Err(A::Error::custom("not an address"));
/// #                 }
/// #                 let score = s.next_element()?.ok_or(A::Error::custom("no score"))?;
/// #                 Ok(Scored { address, score })
/// #             }
/// #         }
/// #         d.deserialize_tuple(2, V)
/// #     }
/// # }
/// // `Scored`'s `Deserialize`, written by hand, rejects an address without `@` before it reads
/// // the score: graphchain cannot trace it.
/// assert!(graphchain::codec::type_structure::<Scored>().is_err());
///
/// // Version 1 of `Scored`: bump it whenever `Scored` changes.
/// #[delayed(codec = Vouched<1>)]
/// fn best(address: &str) -> Scored {
///     Scored { address: address.to_owned(), score: 10 }
/// }
///
/// assert_eq!(best("ada@example.com").compute()?.score, 10);
/// # Ok::<(), graphchain::Error>(())
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Vouched<const VERSION: u32>;

impl<T: Serialize + DeserializeOwned + 'static, const VERSION: u32> Codec<T> for Vouched<VERSION> {
    const NAME: &'static str = "postcard+lz4";

    fn encode(value: &T, out: &mut Vec<u8>) -> Result<(), BoxError> {
        <PostcardLz4 as Codec<T>>::encode(value, out)
    }

    fn decode(bytes: &[u8]) -> Result<T, BoxError> {
        <PostcardLz4 as Codec<T>>::decode(bytes)
    }

    fn fingerprint() -> [u8; 32] {
        let mut h = blake3::Hasher::new();
        h.update(b"graphchain-vouched");
        h.update(&VERSION.to_le_bytes());
        h.update(&structural_fingerprint::<T>());
        *h.finalize().as_bytes()
    }
}

/// Hashes `T`'s full type name.
pub fn type_name_fingerprint<T: ?Sized>() -> [u8; 32] {
    let mut h = blake3::Hasher::new();
    h.update(b"graphchain-type-name");
    h.update(std::any::type_name::<T>().as_bytes());
    *h.finalize().as_bytes()
}

/// Hashes `T`'s serde structure — every container, field name, field type and variant of every
/// enum, as [`type_structure`] traces it — and its full type name.
///
/// For a type whose structure cannot be traced, the hash of its name and a marker: such a
/// fingerprint does not change when the type does, which is why [`PostcardLz4`] does not cache
/// such types (see [`Codec::checked_fingerprint`]).
pub fn structural_fingerprint<T: DeserializeOwned>() -> [u8; 32] {
    match type_structure::<T>() {
        Ok(structure) => structure_fingerprint::<T>(&structure),
        Err(_) => untraceable_fingerprint(std::any::type_name::<T>()),
    }
}

/// Version of the structure text [`type_structure`] writes, hashed into every fingerprint.
const STRUCTURE_VERSION: &[u8] = b"graphchain-structure-2";

fn structure_fingerprint<T: ?Sized>(structure: &str) -> [u8; 32] {
    let mut h = blake3::Hasher::new();
    h.update(&type_name_fingerprint::<T>());
    h.update(STRUCTURE_VERSION);
    h.update(structure.as_bytes());
    *h.finalize().as_bytes()
}

pub(super) fn untraceable_fingerprint(type_name: &str) -> [u8; 32] {
    let mut h = blake3::Hasher::new();
    h.update(b"graphchain-type-name");
    h.update(type_name.as_bytes());
    h.update(STRUCTURE_VERSION);
    h.update(b"untraceable");
    *h.finalize().as_bytes()
}

/// `T`'s serde structure as text: what the default codec reads for a value of `T`, container by
/// container, with every variant of every enum it reaches.
///
/// Traced by deserializing made-up values (as `serde-reflection` does, but through every
/// variant of nested enums, with generic types told apart by their type, and with other samples
/// where the type rejects one before the rest of it is read: `NonZeroU32` fields,
/// `#[serde(try_from = …)]` types). A hand-written `Deserialize` whose structure depends on the
/// values it reads is traced for the values it is given only.
///
/// # Examples
///
/// ```
/// #[derive(serde::Deserialize)]
/// enum Unit { Metres, Feet }
///
/// #[derive(serde::Deserialize)]
/// struct Length { value: u32, unit: Option<Unit> }
///
/// let text = graphchain::codec::type_structure::<Length>().unwrap();
/// assert!(text.contains(r#""Feet""#), "{text}");
/// assert!(graphchain::codec::type_structure::<serde_json_like::Value>().is_err());
/// # mod serde_json_like {
/// #     pub struct Value;
/// #     impl<'de> serde::Deserialize<'de> for Value {
/// #         fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
/// #             struct V;
/// #             impl<'de> serde::de::Visitor<'de> for V {
/// #                 type Value = Value;
/// #                 fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
/// #                     f.write_str("anything")
/// #                 }
/// #             }
/// #             d.deserialize_any(V)
/// #         }
/// #     }
/// # }
/// ```
///
/// # Errors
///
/// When the structure cannot be determined: the type asks the format what comes next
/// (`deserialize_any`: `serde_json::Value`, untagged or internally tagged enums, `flatten`), or
/// rejects every sample value it is given before the rest of it is read.
pub fn type_structure<T: DeserializeOwned>() -> Result<String, UntraceableType> {
    trace::structure::<T>().map_err(|reason| UntraceableType {
        type_name: std::any::type_name::<T>(),
        reason,
    })
}

/// A type whose serde structure cannot be traced, and why: see [`type_structure`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UntraceableType {
    type_name: &'static str,
    reason: String,
}

impl UntraceableType {
    /// The full name of the type.
    pub fn type_name(&self) -> &'static str {
        self.type_name
    }

    /// Why its structure cannot be traced.
    pub fn reason(&self) -> &str {
        &self.reason
    }
}

impl std::fmt::Display for UntraceableType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (name, reason) = (self.type_name, &self.reason);
        write!(f, "the structure of `{name}` cannot be traced: {reason}")
    }
}

impl std::error::Error for UntraceableType {}

#[cfg(test)]
mod tests;
