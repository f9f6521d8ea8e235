//! Codecs for polars' `DataFrame` (feature `polars`): Arrow IPC, the default for a `DataFrame`
//! result, and Parquet by choice.
//!
//! Both go through polars' own writers and readers, so a frame is encoded once, column by column,
//! with no serde in between; an IPC file is compressed as it is written, in one LZ4 frame. Before
//! encoding, an IPC frame is cut into record batches at fixed rows (a Parquet one gathered into
//! one chunk), so that equal frames give equal bytes. Early cutoff knows a frame by a hash of its
//! columns' memory (`content.rs`), so a frame the cache does not store is never encoded.

use std::any::Any;
use std::io::{Cursor, Read, Write};
use std::marker::PhantomData;
use std::panic::{AssertUnwindSafe, catch_unwind};

use lz4_flex::frame::{BlockMode, BlockSize, FrameDecoder, FrameEncoder, FrameInfo};
use polars::prelude::{
    CompatLevel, DataFrame, IpcReader, IpcWriter, ParquetCompression, ParquetReader, ParquetWriter,
    SchemaExt, SerReader, SerWriter, SortMultipleOptions,
};
use polars_arrow::io::ipc::write::default_ipc_fields;

use crate::store::codec::Codec;
use crate::value::BoxError;

/// Stores a `DataFrame` as an Arrow IPC file compressed in one LZ4 frame: `lz4 -d` gives the
/// IPC file back, for any Arrow reader.
///
/// This is the codec of every `#[delayed]` function whose return type is written `DataFrame`
/// (or `PolarsResult<DataFrame>`, `Result<DataFrame, E>`…): nothing needs to be named. It
/// encodes at about 700 MB/s of frame and decodes at about 1.5 GB/s (a frame of 200,000 taxi
/// trips, 29 MB in memory: 41 ms and 19 ms, into 9 MB).
///
/// # Examples
///
/// ```
/// use graphchain::delayed;
/// use polars::prelude::*;
///
/// #[delayed]
/// fn squares(n: i64) -> PolarsResult<DataFrame> {
///     df!("x" => (0..n).collect::<Vec<_>>(), "x2" => (0..n).map(|x| x * x).collect::<Vec<_>>())
/// }
///
/// let frame = squares(4).compute()?;
/// assert_eq!(frame.height(), 4);
/// # Ok::<(), graphchain::Error>(())
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Ipc;

/// Stores a `DataFrame` as a Parquet file compressed with zstd: about half the size of
/// [`Ipc`]'s entries for typical tables, for about twice the encoding time.
///
/// Choose it for results that are large and cheap to recompute relative to the disk or
/// network they are kept on — a shared remote cache, say: `#[delayed(codec =
/// graphchain::frame::Parquet)]`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Parquet;

/// A codec whose content hash ignores the order of the rows: `Unordered<Ipc>` or
/// `Unordered<Parquet>`.
///
/// Early cutoff compares the content of a recomputed result with what it was before. A group by
/// or a join in polars returns its rows in an order that may change from run to run, so the
/// same rows would count as a new value and everything downstream would run again. With
/// `#[delayed(codec = graphchain::frame::Unordered<graphchain::frame::Ipc>)]` the hash is taken
/// over the rows sorted by every column, so any order of the same rows gives the same hash. The
/// entry itself keeps the rows as they were returned.
///
/// The cost is a sort of the frame by all its columns each time the result is hashed (about
/// the cost of the group by that made it, for a frame of a million rows). Values that differ
/// still differ: floats summed in another order may differ in their last bits, so round such
/// columns in the step if they should compare equal.
#[derive(Debug, Clone, Copy, Default)]
pub struct Unordered<C>(PhantomData<C>);

impl Codec<DataFrame> for Ipc {
    const NAME: &'static str = "arrow-ipc.lz4";

    fn value_hash(frame: &DataFrame) -> Option<[u8; 32]> {
        content::frame_hash(frame)
    }

    fn size_hint(frame: &DataFrame) -> Option<u64> {
        Some(frame.estimated_size() as u64)
    }

    fn encode(frame: &DataFrame, out: &mut Vec<u8>) -> Result<(), BoxError> {
        out.reserve(room_for(frame.estimated_size() / EXPANSION));
        let mut ipc = Counted {
            inner: FrameEncoder::with_frame_info(lz4_frame(), &mut *out),
            written: 0,
        };
        write_ipc(frame, &mut ipc)?;
        let written = ipc.written;
        ipc.inner.finish()?;
        out.extend_from_slice(&IPC_SIZE_MAGIC.to_le_bytes());
        out.extend_from_slice(&8u32.to_le_bytes());
        out.extend_from_slice(&written.to_le_bytes());
        Ok(())
    }

    fn decode(bytes: &[u8]) -> Result<DataFrame, BoxError> {
        let ipc = unframe(bytes)?;
        guarded("Arrow IPC", || {
            IpcReader::new(Cursor::new(&ipc))
                .set_rechunk(false)
                .finish()
        })
    }
}

impl Codec<DataFrame> for Parquet {
    const NAME: &'static str = "parquet+zstd";

    fn value_hash(frame: &DataFrame) -> Option<[u8; 32]> {
        content::frame_hash(frame)
    }

    fn size_hint(frame: &DataFrame) -> Option<u64> {
        Some(frame.estimated_size() as u64)
    }

    fn encode(frame: &DataFrame, out: &mut Vec<u8>) -> Result<(), BoxError> {
        let mut frame = one_chunk(frame);
        out.reserve(room_for(frame.estimated_size()));
        ParquetWriter::new(out)
            .with_compression(ParquetCompression::Zstd(None))
            .finish(&mut frame)?;
        Ok(())
    }

    fn decode(bytes: &[u8]) -> Result<DataFrame, BoxError> {
        guarded("Parquet", || {
            ParquetReader::new(Cursor::new(bytes))
                .set_rechunk(false)
                .finish()
        })
    }
}

impl<C: Codec<DataFrame>> Codec<DataFrame> for Unordered<C> {
    // The rows are stored as returned, so entries are shared with the ordered codec's.
    const NAME: &'static str = C::NAME;

    fn encode(frame: &DataFrame, out: &mut Vec<u8>) -> Result<(), BoxError> {
        C::encode(frame, out)
    }

    fn decode(bytes: &[u8]) -> Result<DataFrame, BoxError> {
        C::decode(bytes)
    }

    fn fingerprint() -> [u8; 32] {
        C::fingerprint()
    }

    fn size_hint(frame: &DataFrame) -> Option<u64> {
        C::size_hint(frame)
    }

    /// The hash of the rows sorted by every column; the hash of the frame as it is (as for `C`)
    /// when it cannot be sorted (a column of lists, say).
    fn value_hash(frame: &DataFrame) -> Option<[u8; 32]> {
        match frame.sort(frame.get_column_names(), SortMultipleOptions::default()) {
            Ok(sorted) => content::frame_hash(&sorted),
            Err(_) => C::value_hash(frame),
        }
    }
}

/// Writes `frame` as an uncompressed Arrow IPC file into `out`, in record batches of
/// [`BATCH_ROWS`] rows whatever its chunks: equal frames give equal batches, and so equal bytes.
/// A window across chunks is copied, one at a time: the frame is never copied whole. (The IPC
/// writer packs the strings a window shares with other rows into buffers of its own.)
fn write_ipc(frame: &DataFrame, out: impl Write) -> Result<(), BoxError> {
    let level = CompatLevel::newest();
    let fields = default_ipc_fields(frame.schema().to_arrow(level).iter_values());
    let mut writer = IpcWriter::new(out)
        .with_compat_level(level)
        .batched(frame.schema(), fields)?;
    for start in (0..frame.height()).step_by(BATCH_ROWS) {
        let mut window = frame.slice(start as i64, BATCH_ROWS);
        window.rechunk_mut();
        writer.write_batch(&window)?;
    }
    writer.finish()?;
    Ok(())
}

/// The LZ4 frame an IPC entry is written in: blocks compressed independently, with no checksum
/// of its own (the entry's blake3 checksum is checked before decoding).
///
/// Compressing the whole file in one LZ4 frame, rather than each buffer with Arrow's own LZ4
/// compression, took a 200,000-row frame of taxi trips from 53 to 41 ms to encode and from 22
/// to 19 ms to decode, at the same size (9 MB for 29 MB in memory; in `cargo bench -p taxi
/// --bench frames`, 16.1 to 14.6 ms and 9.9 to 7.4 ms): Arrow's compression starts an LZ4
/// frame, with a checksum of its content, for every buffer of every batch.
fn lz4_frame() -> FrameInfo {
    FrameInfo::new()
        .block_size(BlockSize::Max256KB)
        .block_mode(BlockMode::Independent)
}

/// About how many bytes of IPC a byte of its LZ4 frame holds, to size the encoding's buffer.
const EXPANSION: usize = 3;

/// The magic number of the LZ4 skippable frame that ends an IPC entry (one of the sixteen the
/// LZ4 frame format sets apart for data of the user's, which LZ4 decoders skip). Its eight bytes
/// are the IPC file's size, so that a load decompresses it into a buffer of the right size.
const IPC_SIZE_MAGIC: u32 = 0x184D_2A5A;

/// The bytes of the skippable frame that ends an IPC entry.
const IPC_SIZE_TRAILER: usize = 16;

/// An IPC entry's LZ4 frame and the size of the IPC file it holds, checked against the largest
/// size so many compressed bytes can hold (LZ4 expands at most 255 times).
fn split_ipc_size(bytes: &[u8]) -> Result<(&[u8], usize), BoxError> {
    let invalid = || -> BoxError { "not a valid Arrow IPC frame: no IPC size at its end".into() };
    let (lz4, trailer) = bytes
        .split_at_checked(
            bytes
                .len()
                .checked_sub(IPC_SIZE_TRAILER)
                .ok_or_else(invalid)?,
        )
        .ok_or_else(invalid)?;
    let word = |at: usize| u32::from_le_bytes(trailer[at..at + 4].try_into().expect("4 bytes"));
    if word(0) != IPC_SIZE_MAGIC || word(4) != 8 {
        return Err(invalid());
    }
    let size = u64::from_le_bytes(trailer[8..].try_into().expect("8 bytes"));
    match usize::try_from(size) {
        Ok(size) if size <= lz4.len().saturating_mul(255) => Ok((lz4, size)),
        _ => Err(format!(
            "not a valid Arrow IPC frame: an IPC size of {size} bytes in {} bytes of LZ4",
            lz4.len()
        )
        .into()),
    }
}

/// The IPC file an entry holds, decompressed from its LZ4 frame into a buffer of the size its
/// end gives. A size no allocation can give, an LZ4 frame that does not decompress to exactly
/// that size, or a panic of the decoder is an error: the entry is then a miss.
fn unframe(bytes: &[u8]) -> Result<Vec<u8>, BoxError> {
    let invalid =
        |what: String| -> BoxError { format!("not a valid Arrow IPC frame: {what}").into() };
    let (lz4, size) = split_ipc_size(bytes)?;
    // The IPC file is read from memory, whole: its reader seeks to the footer first.
    let mut ipc = Vec::new();
    ipc.try_reserve_exact(size)
        .map_err(|e| invalid(format!("{size} bytes of IPC cannot be allocated ({e})")))?;
    let read = catch_unwind(AssertUnwindSafe(|| {
        FrameDecoder::new(lz4)
            .take(size as u64 + 1)
            .read_to_end(&mut ipc)
    }));
    match read {
        Ok(Ok(_)) => {}
        Ok(Err(e)) => return Err(invalid(format!("its LZ4 frame is corrupt ({e})"))),
        Err(panic) => {
            let message = panic_message(&*panic);
            return Err(invalid(format!("the LZ4 decoder panicked ({message})")));
        }
    }
    if ipc.len() != size {
        let more = if ipc.len() > size { " or more" } else { "" };
        let held = ipc.len();
        return Err(invalid(format!(
            "its LZ4 frame holds {held}{more} bytes, its end says {size}"
        )));
    }
    Ok(ipc)
}

/// A writer that counts the bytes written through it.
struct Counted<W> {
    inner: W,
    written: u64,
}

impl<W: Write> Write for Counted<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.written += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Rows per record batch of an IPC entry. The IPC writer encodes a batch at a time into a
/// buffer of its own, so a frame written as one batch took a second buffer the size of the
/// frame; batches of this size take a couple of megabytes.
const BATCH_ROWS: usize = 1 << 14;

/// The frame with each column in one chunk: equal frames then encode to equal bytes.
fn one_chunk(frame: &DataFrame) -> DataFrame {
    // Columns are reference-counted: the clone copies no data, and a frame already in one chunk
    // is written as it is.
    let mut frame = frame.clone();
    frame.rechunk_mut_par();
    frame
}

/// The room to reserve for the encoding of a frame of `size` bytes in memory, which an encoding
/// seldom exceeds: the buffer is then not grown (and copied) by doubling, and pages never written
/// are never touched.
///
/// A buffer of a megabyte or more is given at least [`LARGE_BUFFER`]: glibc's allocator serves
/// such a request from its own mapping, and when one smaller than that is freed, it raises the
/// size below which it serves later requests from its heaps — to as much as 32 MiB. Every column
/// polars allocates after that stays in the heaps, which hold on to freed memory: a polars
/// pipeline storing its frames peaked a quarter higher than with buffers of this size, which are
/// unmapped when freed and leave the threshold alone.
fn room_for(size: usize) -> usize {
    let room = size + 4096;
    if room >= 1 << 20 {
        room.max(LARGE_BUFFER)
    } else {
        room
    }
}

/// Above glibc's largest dynamic mmap threshold (32 MiB), so that freeing does not move it.
const LARGE_BUFFER: usize = (32 << 20) + (1 << 20);

/// Runs a polars reader on entry bytes: whatever it does with bytes it does not expect — an
/// error or a panic — is a decoding error, so the entry is a miss and the task runs again.
fn guarded(
    format: &str,
    read: impl FnOnce() -> polars::prelude::PolarsResult<DataFrame>,
) -> Result<DataFrame, BoxError> {
    match catch_unwind(AssertUnwindSafe(read)) {
        Ok(Ok(frame)) => Ok(frame),
        Ok(Err(e)) => Err(format!("not a valid {format} frame: {e}").into()),
        Err(panic) => Err(format!(
            "not a valid {format} frame: the reader panicked ({})",
            panic_message(&*panic)
        )
        .into()),
    }
}

fn panic_message(panic: &(dyn Any + Send)) -> &str {
    panic
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("no message")
}

mod content;
#[cfg(test)]
mod tests;
