//! A custom codec (graphchain's custom serializer): a numeric table stored as raw little-endian
//! columns, next to the same table stored with the default codec (postcard, lz4 when it pays).
//!
//! Run it twice with `cargo run --release --example custom_codec`: the first run computes and
//! stores both tables, the second loads them, and the report shows the bytes and times of each.

use graphchain::{BoxError, Codec, Runtime, Status, delayed};
use serde::{Deserialize, Serialize};

/// A table of named `f64` columns of equal length.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Table {
    names: Vec<String>,
    columns: Vec<Vec<f64>>,
}

/// Stores a [`Table`] as: column count (u32), row count (u64), each name (u32 length + UTF-8),
/// then every column's values as raw little-endian `f64`.
#[derive(Debug)]
pub struct RawColumns;

impl Codec<Table> for RawColumns {
    const NAME: &'static str = "raw-columns-v1";

    fn encode(table: &Table, out: &mut Vec<u8>) -> Result<(), BoxError> {
        let rows = table.columns.first().map_or(0, Vec::len);
        if table.columns.iter().any(|c| c.len() != rows) {
            return Err("columns have different lengths".into());
        }
        out.reserve(16 + rows * 8 * table.columns.len());
        out.extend_from_slice(&(table.columns.len() as u32).to_le_bytes());
        out.extend_from_slice(&(rows as u64).to_le_bytes());
        for name in &table.names {
            out.extend_from_slice(&(name.len() as u32).to_le_bytes());
            out.extend_from_slice(name.as_bytes());
        }
        for column in &table.columns {
            for x in column {
                out.extend_from_slice(&x.to_le_bytes());
            }
        }
        Ok(())
    }

    fn decode(bytes: &[u8]) -> Result<Table, BoxError> {
        let mut at = 0;
        let mut take = |n: usize| -> Result<&[u8], BoxError> {
            let s = bytes.get(at..at + n).ok_or("table is truncated")?;
            at += n;
            Ok(s)
        };
        let cols = u32::from_le_bytes(take(4)?.try_into()?) as usize;
        let rows = u64::from_le_bytes(take(8)?.try_into()?) as usize;
        // Check the claimed sizes against the bytes that are there before allocating.
        if cols.saturating_mul(rows).saturating_mul(8) > bytes.len() {
            return Err("table claims more values than it holds".into());
        }
        let mut names = Vec::with_capacity(cols);
        for _ in 0..cols {
            let len = u32::from_le_bytes(take(4)?.try_into()?) as usize;
            names.push(String::from_utf8(take(len)?.to_vec())?);
        }
        let mut columns = Vec::with_capacity(cols);
        for _ in 0..cols {
            let raw = take(rows * 8)?;
            columns.push(
                raw.chunks_exact(8)
                    .map(|c| f64::from_le_bytes(c.try_into().expect("8 bytes")))
                    .collect(),
            );
        }
        Ok(Table { names, columns })
    }
}

fn make_table(rows: usize, cols: usize) -> Table {
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let columns = (0..cols)
        .map(|_| {
            (0..rows)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    (state >> 11) as f64 / (1u64 << 53) as f64
                })
                .collect()
        })
        .collect();
    let names = (0..cols).map(|c| format!("c{c}")).collect();
    Table { names, columns }
}

/// A large table, stored with the default codec.
#[delayed(cache = "always")]
fn table_postcard(rows: usize, cols: usize) -> Table {
    make_table(rows, cols)
}

/// The same table, stored as raw columns.
#[delayed(cache = "always", codec = RawColumns)]
fn table_raw(rows: usize, cols: usize) -> Table {
    make_table(rows, cols)
}

fn main() -> Result<(), graphchain::Error> {
    let (rows, cols) = (1_000_000, 8);
    let rt = Runtime::builder().build()?;
    for (label, node) in [
        ("postcard+lz4", table_postcard(rows, cols)),
        ("raw columns ", table_raw(rows, cols)),
    ] {
        let (table, report) = rt.compute_with_report(&node)?;
        let n = &report.nodes()[0];
        let verb = match n.status() {
            Status::Loaded => "loaded",
            _ if n.stored() => "computed and stored",
            _ => "computed",
        };
        println!(
            "{label}: {verb} {} × {} in {:.1?} ({:.1} MB in the cache entry)",
            table.columns[0].len(),
            table.columns.len(),
            n.duration(),
            n.bytes() as f64 / 1e6
        );
    }
    println!("Run again to load both from {}.", rt.cache_dir().display());
    Ok(())
}
