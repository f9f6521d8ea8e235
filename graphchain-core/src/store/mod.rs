//! Layer 1, storage: where cache entries live (the `Store` trait, a local directory and an
//! in-memory store), the entry format, codecs, the measured cost model and housekeeping.
//!
//! A store holds opaque entries by key; it knows nothing of codecs or types (see `entry.rs`).
//! The trait assumes nothing that only a local disk offers: no rename visible to callers, no
//! file handles, no directory walks beyond `list` — an object store can implement it.

use std::fmt;
use std::io::{self, Read};
use std::time::{Duration, SystemTime};

use crate::key::Key;

pub(crate) mod codec;
pub(crate) mod entry;
#[cfg(feature = "polars")]
pub(crate) mod frame;
pub(crate) mod housekeeping;
mod local;
pub(crate) mod location;
mod memory;
pub(crate) mod payload;
pub(crate) mod prune;
#[cfg(feature = "remote")]
mod remote;
pub(crate) mod signed;
pub(crate) mod speed;
#[cfg(feature = "remote")]
pub(crate) mod tiered;
pub(crate) mod units;

pub(crate) use local::LEFTOVER_AGE;
pub use local::LocalStore;
pub use memory::MemoryStore;
#[cfg(feature = "remote")]
pub use remote::{RemoteOptions, RemoteStore};

/// The codec (and function name) of early cutoff's trace entries (see `exec/cutoff.rs`).
pub(crate) const TRACE: &str = "graphchain-trace";
/// The codec of early cutoff's function records; their function name is the function they
/// describe, so that pruning can remove a record with the function's last result.
pub(crate) const FUNCTION_RECORD: &str = "graphchain-function";
/// The function name recorded in the cost model's probe entries: a probe left behind by a
/// killed process is a valid entry under this name, never loaded, and pruned after an hour.
pub(crate) const PROBE: &str = "graphchain-probe";
/// Entries the cache writes for itself rather than for a node, by codec (and, for probes, by
/// function name): housekeeping lists them apart.
pub(crate) const BOOKKEEPING: [&str; 3] = [TRACE, FUNCTION_RECORD, PROBE];

/// A load records an entry's use only when its last recorded use is at least this old:
/// least-recently-used pruning needs no finer times, while recording one costs a write to the
/// file system on every load (a third of loading a small entry from a local store). A size
/// budget therefore keeps entries used this long before a run began as used by the run.
pub(crate) const USE_GRANULARITY: Duration = Duration::from_secs(60);

/// Size and last use of one stored entry, as the store knows them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StoreMeta {
    /// The entry's size in bytes.
    pub size: u64,
    /// When the entry was last written or loaded.
    pub last_used: SystemTime,
}

/// An entry opened for reading: its size, as the store knows it, and its bytes from the start.
///
/// Readers check the size against what the entry's header declares before reading more than
/// the header, so that no entry is read (or allocated for) beyond what it says it holds.
pub struct Opened {
    /// The entry's size in bytes.
    pub size: u64,
    /// The entry's bytes; it yields at most `size` of them.
    pub reader: Box<dyn Read + Send>,
}

/// An entry's bytes, from [`Store::read_entry`]: read into memory, or mapped from a file.
pub struct EntryBytes {
    bytes: Bytes,
    /// When the entry was last used, as far as the store tells it with no more work (a local
    /// store: its file's modification time, from the `fstat` it does anyway).
    last_used: Option<SystemTime>,
}

enum Bytes {
    Owned(Vec<u8>),
    Mapped(memmap2::Mmap),
}

impl EntryBytes {
    /// Bytes mapped from a file (see `LocalStore`).
    pub(crate) fn mapped(map: memmap2::Mmap) -> Self {
        EntryBytes {
            bytes: Bytes::Mapped(map),
            last_used: None,
        }
    }

    /// These bytes, of an entry last used at `time`.
    pub(crate) fn used_at(self, time: Option<SystemTime>) -> Self {
        EntryBytes {
            last_used: time,
            ..self
        }
    }

    /// When the entry was last used, when the store said.
    pub(crate) fn last_used(&self) -> Option<SystemTime> {
        self.last_used
    }
}

impl From<Vec<u8>> for EntryBytes {
    fn from(bytes: Vec<u8>) -> Self {
        EntryBytes {
            bytes: Bytes::Owned(bytes),
            last_used: None,
        }
    }
}

impl std::ops::Deref for EntryBytes {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match &self.bytes {
            Bytes::Owned(bytes) => bytes,
            Bytes::Mapped(map) => map,
        }
    }
}

impl fmt::Debug for EntryBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let how = match self.bytes {
            Bytes::Owned(_) => "in memory",
            Bytes::Mapped(_) => "mapped",
        };
        write!(f, "EntryBytes({} bytes {how})", self.len())
    }
}

/// What [`Store::read_entry`] asks of an entry before reading it whole: given its first bytes
/// and its size, an error when it must not be read.
pub type EntryCheck<'a> = dyn FnMut(&[u8], u64) -> io::Result<()> + 'a;

impl fmt::Debug for Opened {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Opened").field("size", &self.size).finish()
    }
}

/// The right to compute the result under one key while other processes that want it wait for
/// it, from [`Store::try_lease`]; given up when dropped.
pub struct Lease(#[allow(dead_code)] Option<Box<dyn Send + Sync>>);

impl Lease {
    /// A lease that guards nothing: for stores that do not coordinate processes.
    pub fn unguarded() -> Lease {
        Lease(None)
    }

    /// A lease held as long as `guard` lives (a locked file, say).
    pub fn new(guard: impl Send + Sync + 'static) -> Lease {
        Lease(Some(Box::new(guard)))
    }
}

impl fmt::Debug for Lease {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_some() {
            "Lease"
        } else {
            "Lease(unguarded)"
        })
    }
}

/// A place to keep cache entries: a local directory, memory, or an object store.
///
/// Implementations must make [`put`](Store::put) atomic — a concurrent or later
/// [`get`](Store::get) sees the whole entry or none, even if the writer crashes — and make
/// concurrent `put`s of one key harmless. Entries carry their own checksums, so a store need not
/// verify them.
pub trait Store: Send + Sync + fmt::Debug + 'static {
    /// Where the entries are, for messages (a path or a URL).
    fn location(&self) -> String;

    /// The whole entry stored under `key`, or `None`.
    ///
    /// # Errors
    ///
    /// When the store cannot be read.
    fn get(&self, key: Key) -> io::Result<Option<Vec<u8>>>;

    /// At most the first `len` bytes of the entry under `key` (for reading headers), or `None`.
    ///
    /// # Errors
    ///
    /// When the store cannot be read.
    fn get_prefix(&self, key: Key, len: usize) -> io::Result<Option<Vec<u8>>> {
        Ok(self.get(key)?.map(|mut bytes| {
            bytes.truncate(len);
            bytes
        }))
    }

    /// The entry under `key`, opened for reading, or `None`. The default reads it whole with
    /// [`get`](Store::get); stores that can read a part without the rest should override it.
    ///
    /// # Errors
    ///
    /// When the store cannot be read, or what is under `key` is not an entry (a local store
    /// opens only regular files).
    fn open(&self, key: Key) -> io::Result<Option<Opened>> {
        Ok(self.get(key)?.map(|bytes| Opened {
            size: bytes.len() as u64,
            reader: Box::new(io::Cursor::new(bytes)),
        }))
    }

    /// The entry under `key`, whole, or `None`: its first `prefix` bytes (fewer when it is
    /// shorter) and its size go to `check` first, and the rest is read only when `check`
    /// accepts them — so that an entry whose header is damaged, or whose size is not what the
    /// header declares, costs no more than its first bytes. The default reads through
    /// [`open`](Store::open); a local store reads a small entry in one call and maps a large one.
    ///
    /// # Errors
    ///
    /// As `open`, what `check` returns, and [`io::ErrorKind::UnexpectedEof`] when the entry
    /// ends before its size.
    fn read_entry(
        &self,
        key: Key,
        prefix: usize,
        check: &mut EntryCheck<'_>,
    ) -> io::Result<Option<EntryBytes>> {
        let Some(opened) = self.open(key)? else {
            return Ok(None);
        };
        let mut reader = opened.reader;
        let head = read_head(&mut reader, prefix, opened.size, check)?;
        read_rest(&mut reader, head, opened.size).map(|bytes| Some(bytes.into()))
    }

    /// Stores `entry` under `key`, atomically, replacing what was there.
    ///
    /// # Errors
    ///
    /// When the store cannot be written (read-only, full, unreachable).
    fn put(&self, key: Key, entry: &[u8]) -> io::Result<()>;

    /// Stores the concatenation of `parts` under `key`, as [`put`](Store::put) does. The default
    /// joins the parts and calls `put`; stores that can write them one after the other avoid the
    /// copy.
    ///
    /// # Errors
    ///
    /// As `put`.
    fn put_parts(&self, key: Key, parts: &[&[u8]]) -> io::Result<()> {
        self.put(key, &parts.concat())
    }

    /// Whether an entry is stored under `key`.
    ///
    /// # Errors
    ///
    /// When the store cannot be read.
    fn contains(&self, key: Key) -> io::Result<bool>;

    /// Whether an entry is stored under `key`, asked by the planner of a run that will load it
    /// if so: a store may keep what it learns of the entry now (a local store: that it is a
    /// regular file, its size and time) for the [`read_entry`](Store::read_entry) that follows,
    /// so that the entry is not asked about twice. The default asks
    /// [`contains`](Store::contains).
    ///
    /// # Errors
    ///
    /// As `contains`.
    fn contains_to_load(&self, key: Key) -> io::Result<bool> {
        self.contains(key)
    }

    /// Whether an entry is best read without asking about it first: reading one that is not
    /// there costs no more than [`contains`](Store::contains), and one that is there is then
    /// found and read in one step. A run's planner then leaves the question to the load for
    /// nodes without node inputs (nothing below them is planned either way), which are
    /// computed when their entry is not there. The default is `false`; a [`LocalStore`] opens
    /// a file either way.
    fn reads_unasked(&self) -> bool {
        false
    }

    /// Removes the entry under `key`; whether there was one.
    ///
    /// # Errors
    ///
    /// When the store cannot be written.
    fn remove(&self, key: Key) -> io::Result<bool>;

    /// Every stored key, in no particular order.
    ///
    /// # Errors
    ///
    /// When the store cannot be read.
    fn list(&self) -> io::Result<Vec<Key>>;

    /// The stored keys whose first byte is `first`, when listing them costs less than asking
    /// [`contains`](Store::contains) about each of the few the caller wants, or `None`: then
    /// it asks key by key. The planner uses it (directly, and through the default
    /// `shard_prefixes`) after a few single lookups, so that a run costs in proportion to its
    /// graph however large the store is. The default is `None`.
    ///
    /// # Errors
    ///
    /// When the store cannot be read.
    fn list_shard(&self, first: u8) -> io::Result<Option<Vec<Key>>> {
        let _ = first;
        Ok(None)
    }

    /// What the planner asks in place of [`list_shard`](Store::list_shard): the 64 bits after
    /// the first byte of each stored key whose first byte is `first`, sorted, or `None`. A
    /// store that keeps listings of its own gives them here, eight bytes a key. The default
    /// takes them from `list_shard`.
    ///
    /// # Errors
    ///
    /// When the store cannot be read.
    #[doc(hidden)]
    fn shard_prefixes(&self, first: u8) -> io::Result<Option<Vec<u64>>> {
        Ok(self.list_shard(first)?.map(|keys| {
            let mut prefixes: Vec<u64> = keys.iter().map(Key::prefix).collect();
            prefixes.sort_unstable();
            prefixes
        }))
    }

    /// Size and last use of the entry under `key`, or `None`.
    ///
    /// # Errors
    ///
    /// When the store cannot be read.
    fn metadata(&self, key: Key) -> io::Result<Option<StoreMeta>>;

    /// Records that the entry under `key` was just used (for least-recently-used pruning).
    ///
    /// A run records the use of an entry it loads only when its last recorded use is a minute
    /// old or more, or unknown (a local store knows it from the file it opens anyway; other
    /// stores are asked on every load).
    ///
    /// # Errors
    ///
    /// When the store cannot be written; callers ignore this.
    fn touch(&self, key: Key) -> io::Result<()> {
        let _ = key;
        Ok(())
    }

    /// Tries to take the lease on computing the result under `key`, so that other processes
    /// wanting it wait for this one instead of computing it too: `Some` when the caller holds
    /// it now, `None` while another process does. A holder that dies gives it up at once. The
    /// default grants every request ([`Lease::unguarded`]): the store does not coordinate.
    ///
    /// # Errors
    ///
    /// When the store cannot be written; callers then compute without a lease.
    fn try_lease(&self, key: Key) -> io::Result<Option<Lease>> {
        let _ = key;
        Ok(Some(Lease::unguarded()))
    }

    /// Removes leftovers of interrupted writes older than `age`; how many.
    ///
    /// # Errors
    ///
    /// When the store cannot be written.
    fn remove_leftovers(&self, age: Duration) -> io::Result<usize> {
        let _ = age;
        Ok(0)
    }

    /// Waits until every entry written so far is durable where the store keeps it (uploaded,
    /// for a store that uploads in the background); every run calls it before it returns. The
    /// default has nothing to wait for.
    ///
    /// # Errors
    ///
    /// What could not be written, once: a later flush reports only later failures.
    fn flush(&self) -> io::Result<()> {
        Ok(())
    }
}

/// Reads the first `prefix` bytes of an entry of `size` bytes from `reader`, and has `check`
/// judge them.
fn read_head(
    reader: &mut dyn Read,
    prefix: usize,
    size: u64,
    check: &mut EntryCheck<'_>,
) -> io::Result<Vec<u8>> {
    let mut head = Vec::with_capacity(prefix);
    reader.take(prefix as u64).read_to_end(&mut head)?;
    check(&head, size)?;
    Ok(head)
}

/// Reads what follows `head` in `reader`, up to `size` bytes in all, into one buffer allocated
/// fallibly (the size is the entry's real one: nothing read from it is trusted for this).
fn read_rest(reader: &mut dyn Read, head: Vec<u8>, size: u64) -> io::Result<Vec<u8>> {
    let len = usize::try_from(size).map_err(io::Error::other)?;
    let mut bytes = head;
    bytes.truncate(len);
    bytes.try_reserve_exact(len - bytes.len())?;
    reader
        .take((len - bytes.len()) as u64)
        .read_to_end(&mut bytes)?;
    if bytes.len() != len {
        return Err(io::ErrorKind::UnexpectedEof.into());
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests;
