//! What the commands print: aligned tables for people, and JSON with stable field names for
//! scripts (documented in `JSON_HELP` in `main.rs`).

use std::io::Write;

use graphchain_core::EntryInfo;
use serde::Serialize;

use crate::Failure;
use crate::units::{hex, unix_ms};

/// An entry, as `ls`, `show` and `prune` print it in JSON.
#[derive(Debug, Serialize)]
pub(crate) struct EntryJson {
    key: String,
    function: Option<String>,
    codec: Option<String>,
    size_bytes: u64,
    created_unix_ms: Option<u64>,
    last_used_unix_ms: u64,
    compute_time_ns: Option<u64>,
    type_fingerprint: Option<String>,
    payload_bytes: Option<u64>,
    payload_blake3: Option<String>,
    shared_payload: Option<String>,
    header_error: Option<String>,
    read_error: Option<String>,
}

impl From<&EntryInfo> for EntryJson {
    fn from(e: &EntryInfo) -> Self {
        EntryJson {
            key: e.key.to_string(),
            function: e.name.clone(),
            codec: e.codec.clone(),
            size_bytes: e.size,
            created_unix_ms: e.created.map(unix_ms),
            last_used_unix_ms: unix_ms(e.last_used),
            compute_time_ns: e
                .compute_time
                .map(|d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)),
            type_fingerprint: e.type_fingerprint.map(|f| hex(&f)),
            payload_bytes: e.payload_len,
            payload_blake3: e.payload_checksum.map(|c| hex(&c)),
            shared_payload: e.shared_payload.map(|k| k.to_string()),
            header_error: e.header_error.clone(),
            read_error: e.read_error.clone(),
        }
    }
}

/// `stats` in JSON.
#[derive(Debug, Serialize)]
pub(crate) struct StatsJson {
    pub(crate) entries: usize,
    pub(crate) bytes: u64,
    pub(crate) functions: Vec<FunctionJson>,
    pub(crate) bookkeeping_entries: usize,
    pub(crate) bookkeeping_bytes: u64,
    pub(crate) payloads: usize,
    pub(crate) payload_bytes: u64,
    pub(crate) unreadable: usize,
}

/// One function's share in `stats`.
#[derive(Debug, Serialize)]
pub(crate) struct FunctionJson {
    pub(crate) function: String,
    pub(crate) entries: usize,
    pub(crate) bytes: u64,
}

/// `verify` in JSON.
#[derive(Debug, Serialize)]
pub(crate) struct VerifyJson {
    pub(crate) checked: usize,
    pub(crate) bad: Vec<BadJson>,
    pub(crate) removed: usize,
    /// Bad entries `--remove` could not remove, with why.
    pub(crate) failed: Vec<FailedJson>,
}

/// One bad entry in `verify`.
#[derive(Debug, Serialize)]
pub(crate) struct BadJson {
    pub(crate) key: String,
    pub(crate) function: Option<String>,
    pub(crate) size_bytes: Option<u64>,
    pub(crate) reason: String,
}

/// `prune` in JSON.
#[derive(Debug, Serialize)]
pub(crate) struct PruneJson {
    pub(crate) dry_run: bool,
    pub(crate) removed: Vec<EntryJson>,
    pub(crate) freed_bytes: u64,
    pub(crate) kept_entries: usize,
    pub(crate) kept_bytes: u64,
    pub(crate) bookkeeping_removed: usize,
    pub(crate) payloads_removed: usize,
    pub(crate) leftovers_removed: usize,
    pub(crate) failed: Vec<FailedJson>,
}

/// An entry that could not be removed, in `prune`.
#[derive(Debug, Serialize)]
pub(crate) struct FailedJson {
    pub(crate) key: String,
    pub(crate) reason: String,
}

/// Writes `value` as indented JSON and a newline.
pub(crate) fn write_json(out: &mut dyn Write, value: &impl Serialize) -> Result<(), Failure> {
    serde_json::to_writer_pretty(&mut *out, value)?;
    writeln!(out)?;
    Ok(())
}

/// Rows of text in aligned columns, two spaces apart.
#[derive(Debug)]
pub(crate) struct Table {
    /// Which columns are aligned to the right (numbers).
    right: Vec<bool>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table whose columns are aligned to the right where `right` says so.
    pub(crate) fn new(right: &[bool]) -> Self {
        Table {
            right: right.to_vec(),
            rows: Vec::new(),
        }
    }

    /// Adds a row; it has as many cells as there are columns.
    pub(crate) fn row<S: Into<String>>(&mut self, cells: impl IntoIterator<Item = S>) {
        let row: Vec<String> = cells.into_iter().map(Into::into).collect();
        debug_assert_eq!(row.len(), self.right.len());
        self.rows.push(row);
    }

    /// Writes the rows, without trailing spaces.
    pub(crate) fn write(&self, out: &mut dyn Write) -> std::io::Result<()> {
        let mut widths = vec![0; self.right.len()];
        for row in &self.rows {
            for (width, cell) in widths.iter_mut().zip(row) {
                *width = (*width).max(cell.chars().count());
            }
        }
        for row in &self.rows {
            let mut line = String::new();
            for (i, cell) in row.iter().enumerate() {
                if i > 0 {
                    line.push_str("  ");
                }
                let pad = widths[i] - cell.chars().count();
                if self.right[i] {
                    line.extend(std::iter::repeat_n(' ', pad));
                    line.push_str(cell);
                } else {
                    line.push_str(cell);
                    line.extend(std::iter::repeat_n(' ', pad));
                }
            }
            writeln!(out, "{}", line.trim_end())?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align_columns_without_trailing_spaces() {
        let mut table = Table::new(&[false, true, false]);
        table.row(["KEY", "SIZE", "NOTE"]);
        table.row(["ab", "1.5 µs", ""]);
        table.row(["abcdef", "3 B", "x"]);
        let mut out = Vec::new();
        table.write(&mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "KEY       SIZE  NOTE\nab      1.5 µs\nabcdef     3 B  x\n"
        );
    }
}
