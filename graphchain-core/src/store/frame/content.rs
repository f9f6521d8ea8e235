//! The content hash of a `DataFrame`, taken from its columns' memory: no encoding, no copy of
//! fixed-width data.
//!
//! Early cutoff needs the content of every result some step is found through, stored or not.
//! Encoding a frame to hash it costs what storing it does (compression, a buffer the size of the
//! entry); hashing its buffers costs one pass of blake3 over them.
//!
//! The hash is of the frame's logical content, whatever its chunks: the height, then per column
//! its name, its data type (with time unit and zone) and its values — fixed-width values as
//! their bytes, strings and binaries each prefixed by its length, and, in a column with nulls,
//! each value prefixed by whether it is null. Every field has a fixed width or a length before
//! it, so two frames that differ in anything give different input to the hash.

use polars::prelude::{ChunkedArray, Column, DataFrame, DataType, PolarsNumericType};

/// The hash of `frame`'s content; `None` when a column's type is not one hashed here (lists,
/// structs, categoricals, decimals…): the hash of its encoding is used then.
pub(super) fn frame_hash(frame: &DataFrame) -> Option<[u8; 32]> {
    let mut sink = Sink {
        hasher: blake3::Hasher::new_derive_key("graphchain 2026-11 data frame content"),
        scratch: Vec::new(),
    };
    sink.number(frame.height() as u64);
    sink.number(frame.width() as u64);
    for column in frame.columns() {
        sink.column(column)?;
    }
    sink.flush();
    Some(*sink.hasher.finalize().as_bytes())
}

/// The hasher, fed through a small buffer for values hashed one at a time.
struct Sink {
    hasher: blake3::Hasher,
    scratch: Vec<u8>,
}

/// Bytes gathered before they go to the hasher: blake3 is fastest on long inputs.
const SCRATCH: usize = 64 << 10;

/// A column's memory from which it is hashed on rayon's pool: the same hash, on every core.
const PARALLEL: usize = 1 << 20;

impl Sink {
    fn column(&mut self, column: &Column) -> Option<()> {
        let dtype = column.dtype();
        // Codes of categoricals mean nothing without their mapping, which is not hashed.
        let hashed = dtype.is_primitive_numeric()
            || dtype.is_bool()
            || dtype.is_string()
            || dtype.is_binary()
            || dtype.is_temporal()
            || dtype.is_null();
        if !hashed {
            return None;
        }
        self.text(column.name().as_str());
        self.text(&format!("{dtype:?}"));
        let series = column.as_materialized_series();
        let nulls = series.null_count() > 0;
        self.bytes(&[u8::from(nulls)]);
        let physical = series.to_physical_repr();
        let s = physical.as_ref();
        match s.dtype() {
            DataType::Int8 => self.numbers(s.i8().ok()?, nulls),
            DataType::Int16 => self.numbers(s.i16().ok()?, nulls),
            DataType::Int32 => self.numbers(s.i32().ok()?, nulls),
            DataType::Int64 => self.numbers(s.i64().ok()?, nulls),
            DataType::UInt8 => self.numbers(s.u8().ok()?, nulls),
            DataType::UInt16 => self.numbers(s.u16().ok()?, nulls),
            DataType::UInt32 => self.numbers(s.u32().ok()?, nulls),
            DataType::UInt64 => self.numbers(s.u64().ok()?, nulls),
            DataType::Float32 => self.numbers(s.f32().ok()?, nulls),
            DataType::Float64 => self.numbers(s.f64().ok()?, nulls),
            DataType::Boolean => {
                for v in s.bool().ok()?.iter() {
                    self.bytes(&[v.map_or(0, |v| 1 + u8::from(v))]);
                }
            }
            DataType::String => {
                for v in s.str().ok()?.iter() {
                    self.optional(v.map(str::as_bytes), nulls);
                }
            }
            DataType::Binary => {
                for v in s.binary().ok()?.iter() {
                    self.optional(v, nulls);
                }
            }
            // The height says it all.
            DataType::Null => {}
            _ => return None,
        }
        Some(())
    }

    /// A column of fixed-width numbers: their memory, chunk after chunk, when none is null.
    fn numbers<T: PolarsNumericType>(&mut self, values: &ChunkedArray<T>, nulls: bool) {
        if nulls {
            for v in values.iter() {
                match v {
                    Some(v) => {
                        self.bytes(&[1]);
                        self.bytes(bytemuck::bytes_of(&v));
                    }
                    None => self.bytes(&[0]),
                }
            }
        } else {
            self.flush();
            for chunk in values.downcast_iter() {
                let bytes: &[u8] = bytemuck::cast_slice(chunk.values().as_slice());
                if bytes.len() >= PARALLEL {
                    self.hasher.update_rayon(bytes);
                } else {
                    self.hasher.update(bytes);
                }
            }
        }
    }

    /// A variable-width value, prefixed by its length, and by whether it is there when its
    /// column has nulls.
    fn optional(&mut self, value: Option<&[u8]>, nulls: bool) {
        match value {
            Some(v) => {
                if nulls {
                    self.bytes(&[1]);
                }
                self.number(v.len() as u64);
                self.bytes(v);
            }
            None => self.bytes(&[0]),
        }
    }

    fn text(&mut self, text: &str) {
        self.number(text.len() as u64);
        self.bytes(text.as_bytes());
    }

    fn number(&mut self, n: u64) {
        self.bytes(&n.to_le_bytes());
    }

    fn bytes(&mut self, bytes: &[u8]) {
        if self.scratch.len() + bytes.len() > SCRATCH {
            self.flush();
        }
        if bytes.len() > SCRATCH {
            self.hasher.update(bytes);
        } else {
            self.scratch.extend_from_slice(bytes);
        }
    }

    fn flush(&mut self) {
        self.hasher.update(&self.scratch);
        self.scratch.clear();
    }
}
