//! Content hashing of plain argument values: a serde `Serializer` that streams into blake3.
//!
//! Every value is written as a self-delimiting sequence of tagged parts, so that no two different
//! values of any types write the same bytes (`"ab", "c"` differs from `"a", "bc"`; `1u32` from
//! `1u64`). Maps and hash sets are hashed independently of their iteration order: each entry is
//! hashed on its own, the entry hashes are sorted, and the sorted list is what enters the stream.
//! That makes a `HashMap` literal give the same key on every run, whatever its random seed.

use std::fmt;

use serde::ser::{self, Serialize};

use crate::key::{INLINE_MAX, LiteralPart};
use buffered::Buffered;

/// Hashes a value by its content, as a literal argument's part of a key.
///
/// # Errors
///
/// Fails when the value's `Serialize` implementation reports an error.
pub fn content_hash<T: Serialize + ?Sized>(value: &T) -> Result<[u8; 32], HashError> {
    let mut content = Buffered::new();
    write_content(value, &mut content)?;
    Ok(content.finalize())
}

/// A literal argument's part of a key: its content as it is when short, its content hash
/// otherwise.
pub(crate) fn literal_part<T: Serialize + ?Sized>(value: &T) -> Result<LiteralPart, HashError> {
    let mut content = Buffered::new();
    write_content(value, &mut content)?;
    if let Some(short) = content.written().and_then(|w| w.get(PREFIX.len()..))
        && short.len() <= INLINE_MAX
    {
        let mut bytes = [0; INLINE_MAX];
        bytes[..short.len()].copy_from_slice(short);
        return Ok(LiteralPart::Inline {
            len: short.len() as u8,
            bytes,
        });
    }
    Ok(LiteralPart::Hashed(content.finalize()))
}

/// What every content hash starts with.
const PREFIX: &[u8] = b"graphchain-content-v1";

/// Writes the content of `value` after [`PREFIX`] into `hasher`, a new one.
fn write_content<T: Serialize + ?Sized>(value: &T, hasher: &mut Buffered) -> Result<(), HashError> {
    hasher.update(PREFIX);
    value.serialize(&mut Sink(hasher))
}

/// A value could not be hashed because its `Serialize` implementation failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HashError(String);

impl fmt::Display for HashError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot hash value: {}", self.0)
    }
}

impl std::error::Error for HashError {}

impl ser::Error for HashError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        HashError(msg.to_string())
    }
}

mod tag {
    pub(super) const BOOL: u8 = 1;
    pub(super) const I8: u8 = 2;
    pub(super) const I16: u8 = 3;
    pub(super) const I32: u8 = 4;
    pub(super) const I64: u8 = 5;
    pub(super) const I128: u8 = 6;
    pub(super) const U8: u8 = 7;
    pub(super) const U16: u8 = 8;
    pub(super) const U32: u8 = 9;
    pub(super) const U64: u8 = 10;
    pub(super) const U128: u8 = 11;
    pub(super) const F32: u8 = 12;
    pub(super) const F64: u8 = 13;
    pub(super) const CHAR: u8 = 14;
    pub(super) const STR: u8 = 15;
    pub(super) const BYTES: u8 = 16;
    pub(super) const NONE: u8 = 17;
    pub(super) const SOME: u8 = 18;
    pub(super) const UNIT: u8 = 19;
    pub(super) const UNIT_STRUCT: u8 = 20;
    pub(super) const UNIT_VARIANT: u8 = 21;
    pub(super) const NEWTYPE_STRUCT: u8 = 22;
    pub(super) const NEWTYPE_VARIANT: u8 = 23;
    pub(super) const SEQ: u8 = 24;
    pub(super) const TUPLE: u8 = 25;
    pub(super) const TUPLE_STRUCT: u8 = 26;
    pub(super) const TUPLE_VARIANT: u8 = 27;
    pub(super) const MAP: u8 = 28;
    pub(super) const STRUCT: u8 = 29;
    pub(super) const STRUCT_VARIANT: u8 = 30;
    pub(super) const SET: u8 = 31;
    pub(super) const END: u8 = 32;
    pub(super) const FIELD: u8 = 33;
}

struct Sink<'h>(&'h mut Buffered);

impl Sink<'_> {
    fn tag(&mut self, tag: u8) {
        self.0.update(&[tag]);
    }
    fn len(&mut self, len: usize) {
        self.0.update(&(len as u64).to_le_bytes());
    }
    fn text(&mut self, s: &str) {
        self.len(s.len());
        self.0.update(s.as_bytes());
    }
    fn variant(&mut self, name: &str, index: u32, variant: &str) {
        self.text(name);
        self.0.update(&index.to_le_bytes());
        self.text(variant);
    }
    /// Writes an unordered collection: the sorted hashes of its entries.
    fn unordered(&mut self, tag: u8, mut entries: Vec<[u8; 32]>) {
        entries.sort_unstable();
        self.tag(tag);
        self.len(entries.len());
        for entry in &entries {
            self.0.update(entry);
        }
    }
}

/// Hashes one entry of an unordered collection on its own.
fn entry_hash<T: Serialize + ?Sized>(value: &T) -> Result<[u8; 32], HashError> {
    let mut hasher = Buffered::new();
    value.serialize(&mut Sink(&mut hasher))?;
    Ok(hasher.finalize())
}

/// Whether a sequence handed to `collect_seq` comes from a hash set, whose iteration order is
/// random. serde serializes sets as sequences, so the iterator's type is the only witness.
fn is_hash_set<I>() -> bool {
    let name = std::any::type_name::<I>().trim_start_matches('&');
    name.starts_with("std::collections::hash::set::HashSet<")
        || name.starts_with("hashbrown::set::HashSet<")
}

macro_rules! primitive {
    ($($method:ident($ty:ty) => $tag:ident;)*) => {
        $(fn $method(self, v: $ty) -> Result<(), HashError> {
            self.tag(tag::$tag);
            self.0.update(&v.to_le_bytes());
            Ok(())
        })*
    };
}

impl<'s, 'h> ser::Serializer for &'s mut Sink<'h> {
    type Ok = ();
    type Error = HashError;
    type SerializeSeq = Ordered<'s, 'h>;
    type SerializeTuple = Ordered<'s, 'h>;
    type SerializeTupleStruct = Ordered<'s, 'h>;
    type SerializeTupleVariant = Ordered<'s, 'h>;
    type SerializeMap = Unordered<'s, 'h>;
    type SerializeStruct = Ordered<'s, 'h>;
    type SerializeStructVariant = Ordered<'s, 'h>;

    fn is_human_readable(&self) -> bool {
        false
    }

    fn serialize_bool(self, v: bool) -> Result<(), HashError> {
        self.tag(tag::BOOL);
        self.0.update(&[u8::from(v)]);
        Ok(())
    }

    primitive! {
        serialize_i8(i8) => I8;
        serialize_i16(i16) => I16;
        serialize_i32(i32) => I32;
        serialize_i64(i64) => I64;
        serialize_i128(i128) => I128;
        serialize_u8(u8) => U8;
        serialize_u16(u16) => U16;
        serialize_u32(u32) => U32;
        serialize_u64(u64) => U64;
        serialize_u128(u128) => U128;
        serialize_f32(f32) => F32;
        serialize_f64(f64) => F64;
    }

    fn serialize_char(self, v: char) -> Result<(), HashError> {
        self.tag(tag::CHAR);
        self.0.update(&u32::from(v).to_le_bytes());
        Ok(())
    }

    fn serialize_str(self, v: &str) -> Result<(), HashError> {
        self.tag(tag::STR);
        self.text(v);
        Ok(())
    }

    fn serialize_bytes(self, v: &[u8]) -> Result<(), HashError> {
        self.tag(tag::BYTES);
        self.len(v.len());
        self.0.update(v);
        Ok(())
    }

    fn serialize_none(self) -> Result<(), HashError> {
        self.tag(tag::NONE);
        Ok(())
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), HashError> {
        self.tag(tag::SOME);
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result<(), HashError> {
        self.tag(tag::UNIT);
        Ok(())
    }

    fn serialize_unit_struct(self, name: &'static str) -> Result<(), HashError> {
        self.tag(tag::UNIT_STRUCT);
        self.text(name);
        Ok(())
    }

    fn serialize_unit_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
    ) -> Result<(), HashError> {
        self.tag(tag::UNIT_VARIANT);
        self.variant(name, index, variant);
        Ok(())
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        value: &T,
    ) -> Result<(), HashError> {
        self.tag(tag::NEWTYPE_STRUCT);
        self.text(name);
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), HashError> {
        self.tag(tag::NEWTYPE_VARIANT);
        self.variant(name, index, variant);
        value.serialize(self)
    }

    fn collect_seq<I>(self, iter: I) -> Result<(), HashError>
    where
        I: IntoIterator,
        I::Item: Serialize,
    {
        if is_hash_set::<I>() {
            let entries = iter
                .into_iter()
                .map(|item| entry_hash(&item))
                .collect::<Result<Vec<_>, _>>()?;
            self.unordered(tag::SET, entries);
            return Ok(());
        }
        let mut seq = ser::Serializer::serialize_seq(self, None)?;
        for item in iter {
            ser::SerializeSeq::serialize_element(&mut seq, &item)?;
        }
        ser::SerializeSeq::end(seq)
    }

    fn serialize_seq(self, _len: Option<usize>) -> Result<Ordered<'s, 'h>, HashError> {
        // The length is written at the end, where it is always known.
        Ok(Ordered::start(self, tag::SEQ))
    }

    fn serialize_tuple(self, _len: usize) -> Result<Ordered<'s, 'h>, HashError> {
        Ok(Ordered::start(self, tag::TUPLE))
    }

    fn serialize_tuple_struct(
        self,
        name: &'static str,
        _len: usize,
    ) -> Result<Ordered<'s, 'h>, HashError> {
        let ordered = Ordered::start(self, tag::TUPLE_STRUCT);
        ordered.sink.text(name);
        Ok(ordered)
    }

    fn serialize_tuple_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Ordered<'s, 'h>, HashError> {
        let ordered = Ordered::start(self, tag::TUPLE_VARIANT);
        ordered.sink.variant(name, index, variant);
        Ok(ordered)
    }

    fn serialize_map(self, _len: Option<usize>) -> Result<Unordered<'s, 'h>, HashError> {
        Ok(Unordered {
            sink: self,
            entries: Vec::new(),
            pending: None,
        })
    }

    fn serialize_struct(
        self,
        name: &'static str,
        _len: usize,
    ) -> Result<Ordered<'s, 'h>, HashError> {
        let ordered = Ordered::start(self, tag::STRUCT);
        ordered.sink.text(name);
        Ok(ordered)
    }

    fn serialize_struct_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Ordered<'s, 'h>, HashError> {
        let ordered = Ordered::start(self, tag::STRUCT_VARIANT);
        ordered.sink.variant(name, index, variant);
        Ok(ordered)
    }
}

/// A sequence, tuple or struct: elements in order, then an end marker with their count.
#[doc(hidden)]
pub struct Ordered<'s, 'h> {
    sink: &'s mut Sink<'h>,
    count: usize,
}

impl<'s, 'h> Ordered<'s, 'h> {
    fn start(sink: &'s mut Sink<'h>, tag: u8) -> Self {
        sink.tag(tag);
        Ordered { sink, count: 0 }
    }
    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), HashError> {
        self.count += 1;
        value.serialize(&mut *self.sink)
    }
    fn field<T: Serialize + ?Sized>(&mut self, name: &str, value: &T) -> Result<(), HashError> {
        self.sink.tag(tag::FIELD);
        self.sink.text(name);
        self.element(value)
    }
    fn finish(self) -> Result<(), HashError> {
        self.sink.tag(tag::END);
        self.sink.len(self.count);
        Ok(())
    }
}

impl fmt::Debug for Ordered<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ordered")
            .field("count", &self.count)
            .finish()
    }
}

macro_rules! ordered_impl {
    ($($trait:ident :: $method:ident;)*) => {
        $(impl ser::$trait for Ordered<'_, '_> {
            type Ok = ();
            type Error = HashError;
            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), HashError> {
                self.element(value)
            }
            fn end(self) -> Result<(), HashError> {
                self.finish()
            }
        })*
    };
}

ordered_impl! {
    SerializeSeq::serialize_element;
    SerializeTuple::serialize_element;
    SerializeTupleStruct::serialize_field;
    SerializeTupleVariant::serialize_field;
}

macro_rules! field_impl {
    ($($trait:ident;)*) => {
        $(impl ser::$trait for Ordered<'_, '_> {
            type Ok = ();
            type Error = HashError;
            fn serialize_field<T: Serialize + ?Sized>(
                &mut self,
                key: &'static str,
                value: &T,
            ) -> Result<(), HashError> {
                self.field(key, value)
            }
            fn end(self) -> Result<(), HashError> {
                self.finish()
            }
        })*
    };
}

field_impl! {
    SerializeStruct;
    SerializeStructVariant;
}

/// A map: every entry hashed on its own, written sorted at the end.
#[doc(hidden)]
pub struct Unordered<'s, 'h> {
    sink: &'s mut Sink<'h>,
    entries: Vec<[u8; 32]>,
    pending: Option<Buffered>,
}

impl fmt::Debug for Unordered<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Unordered")
            .field("entries", &self.entries.len())
            .finish()
    }
}

impl ser::SerializeMap for Unordered<'_, '_> {
    type Ok = ();
    type Error = HashError;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), HashError> {
        let mut hasher = Buffered::new();
        key.serialize(&mut Sink(&mut hasher))?;
        self.pending = Some(hasher);
        Ok(())
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), HashError> {
        let mut hasher = self
            .pending
            .take()
            .ok_or_else(|| <HashError as ser::Error>::custom("map value without a key"))?;
        value.serialize(&mut Sink(&mut hasher))?;
        self.entries.push(hasher.finalize());
        Ok(())
    }

    fn end(self) -> Result<(), HashError> {
        if self.pending.is_some() {
            return Err(<HashError as ser::Error>::custom("map key without a value"));
        }
        self.sink.unordered(tag::MAP, self.entries);
        Ok(())
    }
}

mod buffered;

#[cfg(test)]
mod tests;
