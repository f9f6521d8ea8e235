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
mod memory;
pub(crate) mod prune;
pub(crate) mod speed;

pub(crate) use local::LEFTOVER_AGE;
pub use local::LocalStore;
pub use memory::MemoryStore;

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

    /// Size and last use of the entry under `key`, or `None`.
    ///
    /// # Errors
    ///
    /// When the store cannot be read.
    fn metadata(&self, key: Key) -> io::Result<Option<StoreMeta>>;

    /// Records that the entry under `key` was just used (for least-recently-used pruning).
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
}

#[cfg(test)]
mod tests;
