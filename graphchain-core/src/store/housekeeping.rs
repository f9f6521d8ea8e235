//! The cache as a whole: housekeeping (list, totals, prune, clear, verify).

use std::collections::{BTreeMap, HashSet};
use std::io;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::error::Error;
use crate::key::Key;
use crate::store::entry::{self, MAX_HEADER_LEN};
use crate::store::{
    BOOKKEEPING, FUNCTION_RECORD, LEFTOVER_AGE, LocalStore, PROBE, Store, StoreMeta, TRACE,
};

/// One cache entry, as [`Cache::entries`] lists it: what the store and the entry's header say.
///
/// The header fields are `None` when the header cannot be read (the entry is corrupt, foreign,
/// or written for another key); [`header_error`](EntryInfo::header_error) then says why. When
/// the entry cannot be read at all (it is not a regular file, a symbolic link loop, or not
/// readable by this user), [`read_error`](EntryInfo::read_error) says why as well.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntryInfo {
    /// The node's key.
    pub key: Key,
    /// The function that computed it, or `None` when the header cannot be read.
    pub name: Option<String>,
    /// The codec that encoded it.
    pub codec: Option<String>,
    /// Size on the store, in bytes.
    pub size: u64,
    /// When it was written.
    pub created: Option<SystemTime>,
    /// When it was last written or loaded.
    pub last_used: SystemTime,
    /// How long computing it took.
    pub compute_time: Option<Duration>,
    /// The fingerprint of the value's type (its serde structure, or its name).
    pub type_fingerprint: Option<[u8; 32]>,
    /// Length of the encoded value after the header, in bytes.
    pub payload_len: Option<u64>,
    /// The blake3 hash of the encoded value, as the header records it.
    pub payload_checksum: Option<[u8; 32]>,
    /// Why the header cannot be read, when it cannot.
    pub header_error: Option<String>,
    /// Why the entry cannot be read at all, when it cannot: an error of this entry alone, which
    /// housekeeping reports and carries on from.
    pub read_error: Option<String>,
}

impl EntryInfo {
    /// Whether this is one of graphchain's own small bookkeeping entries rather than a result:
    /// the records early cutoff and explanations rely on (codecs `graphchain-trace` and
    /// `graphchain-function`), or a leftover probe of the store's speed. Pruning removes them
    /// with, or after, the results they describe (see [`Cache::plan_prune`]); a run that misses
    /// one only loses an early cutoff or an explanation.
    pub fn is_bookkeeping(&self) -> bool {
        self.codec
            .as_deref()
            .is_some_and(|codec| BOOKKEEPING.contains(&codec))
            || self.name.as_deref() == Some(PROBE)
    }
}

/// Totals over a cache, as [`Cache::stats`] returns them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CacheStats {
    /// Number of entries.
    pub entries: usize,
    /// Their total size in bytes.
    pub bytes: u64,
    /// Entries and bytes per function name (`"?"` for unreadable headers).
    pub by_function: BTreeMap<String, (usize, u64)>,
    /// graphchain's own bookkeeping entries (see [`EntryInfo::is_bookkeeping`]), not counted
    /// in `entries`.
    pub bookkeeping: usize,
    /// Their total size in bytes, not counted in `bytes`.
    pub bookkeeping_bytes: u64,
    /// Entries that cannot be read at all (see [`EntryInfo::read_error`]), counted in
    /// `entries` under `"?"`.
    pub unreadable: usize,
}

/// What a prune or a clear removed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PruneReport {
    /// Entries removed.
    pub removed: usize,
    /// Bytes freed.
    pub bytes: u64,
    /// Entries kept.
    pub kept: usize,
    /// Bookkeeping entries removed (not counted in `removed` and `bytes`).
    pub bookkeeping_removed: usize,
    /// Temporary files of interrupted writes removed.
    pub leftovers_removed: usize,
    /// Entries that could not be removed, with why; the others were removed all the same.
    pub failed: Vec<(Key, String)>,
}

/// Which entries a prune removes and which it keeps, as [`Cache::plan_prune`] works it out.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PrunePlan {
    /// The entries to remove.
    pub remove: Vec<EntryInfo>,
    /// The entries to keep.
    pub keep: Vec<EntryInfo>,
    /// The bookkeeping entries to remove with them: traces to results that are removed or
    /// gone, records of functions none of whose results is kept, and speed probes left by
    /// killed processes.
    pub bookkeeping: Vec<EntryInfo>,
}

/// A handle on a cache's entries, for housekeeping.
///
/// # Examples
///
/// ```
/// use graphchain::{Cache, Runtime, delayed};
///
/// #[delayed(cache = "always")]
/// fn square(x: u64) -> u64 {
///     x * x
/// }
///
/// let dir = tempfile::tempdir().unwrap();
/// let rt = Runtime::builder().cache_dir(dir.path()).build()?;
/// rt.compute(&square(4))?;
/// let cache: Cache = rt.cache().expect("caching is on");
/// assert_eq!(cache.stats()?.entries, 1);
/// cache.prune_to_size(0)?;
/// assert_eq!(cache.stats()?.entries, 0);
/// # Ok::<(), graphchain::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Cache {
    store: Arc<dyn Store>,
}

impl Cache {
    /// The cache in a local directory.
    pub fn open(dir: impl Into<PathBuf>) -> Self {
        Cache::with_store(Arc::new(LocalStore::new(dir)))
    }

    /// The cache in any store.
    pub fn with_store(store: Arc<dyn Store>) -> Self {
        Cache { store }
    }

    /// The store behind it.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    fn err(&self, op: &'static str) -> impl FnOnce(io::Error) -> Error + '_ {
        move |source| Error::Store {
            op,
            location: self.store.location(),
            source,
        }
    }

    /// Every entry holding a result, with what its header says, in no particular order.
    ///
    /// graphchain's own small bookkeeping entries (see [`EntryInfo::is_bookkeeping`]) are left
    /// out here; [`stats`](Cache::stats) counts them apart, pruning removes them with the
    /// results they describe, and [`clear`](Cache::clear) removes them too. An entry that
    /// cannot be read is listed with its [`read_error`](EntryInfo::read_error).
    ///
    /// # Errors
    ///
    /// [`Error::Store`] when the store cannot be listed.
    pub fn entries(&self) -> Result<Vec<EntryInfo>, Error> {
        let mut entries = self.all_entries()?;
        entries.retain(|e| !e.is_bookkeeping());
        Ok(entries)
    }

    /// Every entry, bookkeeping included.
    fn all_entries(&self) -> Result<Vec<EntryInfo>, Error> {
        let keys = self.store.list().map_err(self.err("list"))?;
        let mut entries = Vec::with_capacity(keys.len());
        for key in keys {
            // `None`: removed meanwhile.
            entries.extend(self.entry(key)?);
        }
        Ok(entries)
    }

    /// An entry that exists but cannot be read.
    fn unreadable(key: Key, meta: Option<StoreMeta>, e: io::Error) -> EntryInfo {
        let reason = entry::ReadError::from(e).to_string();
        EntryInfo {
            key,
            name: None,
            codec: None,
            size: meta.map_or(0, |m| m.size),
            created: None,
            last_used: meta.map_or(UNIX_EPOCH, |m| m.last_used),
            compute_time: None,
            type_fingerprint: None,
            payload_len: None,
            payload_checksum: None,
            header_error: Some(reason.clone()),
            read_error: Some(reason),
        }
    }

    /// One entry, with what its header says, or `None` when there is no entry under `key`.
    ///
    /// Reads only the header, never the value: [`verify`](Cache::verify) checks the rest.
    ///
    /// # Examples
    ///
    /// ```
    /// use graphchain::{Runtime, delayed};
    ///
    /// #[delayed(cache = "always")]
    /// fn square(x: u64) -> u64 {
    ///     x * x
    /// }
    ///
    /// let dir = tempfile::tempdir().unwrap();
    /// let rt = Runtime::builder().cache_dir(dir.path()).build()?;
    /// rt.compute(&square(4))?;
    /// let cache = rt.cache().expect("caching is on");
    /// let info = cache.entry(square(4).key())?.expect("stored");
    /// assert_eq!(info.name.as_deref(), Some("square"));
    /// assert!(cache.entry(square(5).key())?.is_none());
    /// # Ok::<(), graphchain::Error>(())
    /// ```
    ///
    /// An entry that is there but cannot be read (not a regular file, a symbolic link loop,
    /// not readable by this user) is returned with its [`read_error`](EntryInfo::read_error).
    ///
    /// # Errors
    ///
    /// None yet: the `Result` leaves room for stores that fail as a whole.
    pub fn entry(&self, key: Key) -> Result<Option<EntryInfo>, Error> {
        let meta = match self.store.metadata(key) {
            Ok(None) => return Ok(None),
            Ok(Some(meta)) => meta,
            Err(e) => return Ok(Some(Cache::unreadable(key, None, e))),
        };
        let prefix = match self.store.get_prefix(key, MAX_HEADER_LEN) {
            Ok(None) => return Ok(None), // removed meanwhile
            Ok(Some(prefix)) => prefix,
            Err(e) => return Ok(Some(Cache::unreadable(key, Some(meta), e))),
        };
        let header = entry::decode_header(&prefix).and_then(|(header, _)| {
            if header.key == key {
                Ok(header)
            } else {
                Err(entry::EntryError::KeyMismatch)
            }
        });
        let (header, header_error) = match header {
            Ok(header) => (Some(header), None),
            Err(e) => (None, Some(e.to_string())),
        };
        let header = header.as_ref();
        Ok(Some(EntryInfo {
            key,
            name: header.map(|h| h.name.clone()),
            codec: header.map(|h| h.codec.clone()),
            size: meta.size,
            created: header.map(|h| UNIX_EPOCH + Duration::from_millis(h.created_ms)),
            last_used: meta.last_used,
            compute_time: header.map(|h| Duration::from_nanos(h.compute_ns)),
            type_fingerprint: header.map(|h| h.fingerprint),
            payload_len: header.map(|h| h.payload_len),
            payload_checksum: header.map(|h| h.payload_hash),
            header_error,
            read_error: None,
        }))
    }

    /// The keys of the stored entries whose hex form starts with `prefix` (in any case), in
    /// order: how a person names an entry by the first few digits of its key.
    ///
    /// # Examples
    ///
    /// ```
    /// use graphchain::{Runtime, delayed};
    ///
    /// #[delayed(cache = "always")]
    /// fn square(x: u64) -> u64 {
    ///     x * x
    /// }
    ///
    /// let dir = tempfile::tempdir().unwrap();
    /// let rt = Runtime::builder().cache_dir(dir.path()).build()?;
    /// rt.compute(&square(4))?;
    /// let key = square(4).key();
    /// let cache = rt.cache().expect("caching is on");
    /// assert_eq!(cache.keys_with_prefix(&key.short())?, vec![key]);
    /// # Ok::<(), graphchain::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Store`] when the store cannot be read.
    pub fn keys_with_prefix(&self, prefix: &str) -> Result<Vec<Key>, Error> {
        let prefix = prefix.to_ascii_lowercase();
        let mut keys: Vec<Key> = self
            .store
            .list()
            .map_err(self.err("list"))?
            .into_iter()
            .filter(|key| key.to_string().starts_with(&prefix))
            .collect();
        keys.sort_unstable();
        Ok(keys)
    }

    /// Entries, bytes, and both per function.
    ///
    /// # Errors
    ///
    /// [`Error::Store`] when the store cannot be read.
    pub fn stats(&self) -> Result<CacheStats, Error> {
        let mut stats = CacheStats::default();
        for e in self.all_entries()? {
            if e.is_bookkeeping() {
                stats.bookkeeping += 1;
                stats.bookkeeping_bytes += e.size;
                continue;
            }
            stats.unreadable += usize::from(e.read_error.is_some());
            stats.entries += 1;
            stats.bytes += e.size;
            let f = stats
                .by_function
                .entry(e.name.unwrap_or_else(|| "?".to_owned()))
                .or_default();
            f.0 += 1;
            f.1 += e.size;
        }
        Ok(stats)
    }

    /// Removes least recently used entries until the rest fit in `max_bytes`.
    ///
    /// # Errors
    ///
    /// [`Error::Store`] when the store cannot be read or written.
    pub fn prune_to_size(&self, max_bytes: u64) -> Result<PruneReport, Error> {
        self.prune(&self.plan_prune(Some(max_bytes), None)?)
    }

    /// Removes entries not used for `age` or longer.
    ///
    /// # Errors
    ///
    /// [`Error::Store`] when the store cannot be read or written.
    pub fn prune_older_than(&self, age: Duration) -> Result<PruneReport, Error> {
        self.prune(&self.plan_prune(None, Some(age))?)
    }

    /// Works out which entries a prune would remove, without removing anything.
    ///
    /// Entries that cannot be read at all (see [`EntryInfo::read_error`]) always go, and
    /// entries not used for `older_than` or longer go first; then, of the rest, the least
    /// recently used go until what is left fits in `max_bytes` (an entry too large for the room
    /// left goes, and smaller, older ones may stay). `None` leaves that limit out; with both
    /// `None` only unreadable entries go. [`prune`](Cache::prune) carries the plan out, so that a caller can
    /// show it first (a dry run).
    ///
    /// Bookkeeping entries go with, or after, the results they describe: a trace goes when the
    /// result it points to goes or is gone, a function's record when none of its results is
    /// kept, and a speed probe (which lives for milliseconds) when it is an hour old.
    ///
    /// # Examples
    ///
    /// ```
    /// use graphchain::{Runtime, delayed};
    ///
    /// #[delayed(cache = "always")]
    /// fn square(x: u64) -> u64 {
    ///     x * x
    /// }
    ///
    /// let dir = tempfile::tempdir().unwrap();
    /// let rt = Runtime::builder().cache_dir(dir.path()).build()?;
    /// rt.compute(&square(4))?;
    /// let cache = rt.cache().expect("caching is on");
    /// let plan = cache.plan_prune(Some(0), None)?;
    /// assert_eq!(plan.remove.len(), 1);
    /// assert_eq!(cache.stats()?.entries, 1); // nothing removed yet
    /// assert_eq!(cache.prune(&plan)?.removed, 1);
    /// assert_eq!(cache.stats()?.entries, 0);
    /// # Ok::<(), graphchain::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Store`] when the store cannot be read.
    pub fn plan_prune(
        &self,
        max_bytes: Option<u64>,
        older_than: Option<Duration>,
    ) -> Result<PrunePlan, Error> {
        let now = SystemTime::now();
        let (bookkeeping, results): (Vec<_>, Vec<_>) = self
            .all_entries()?
            .into_iter()
            .partition(EntryInfo::is_bookkeeping);
        let (mut remove, rest): (Vec<_>, Vec<_>) = results.into_iter().partition(|e| {
            e.read_error.is_some()
                || older_than
                    .is_some_and(|age| now.duration_since(e.last_used).unwrap_or_default() >= age)
        });
        let keep = match max_bytes {
            None => rest,
            Some(max_bytes) => {
                let mut rest = rest;
                rest.sort_by_key(|e| std::cmp::Reverse(e.last_used));
                let mut kept_bytes = 0u64;
                let mut keep = Vec::new();
                for e in rest {
                    if kept_bytes + e.size <= max_bytes {
                        kept_bytes += e.size;
                        keep.push(e);
                    } else {
                        remove.push(e);
                    }
                }
                keep
            }
        };
        let bookkeeping = self.stale_bookkeeping(bookkeeping, &keep, now);
        Ok(PrunePlan {
            remove,
            keep,
            bookkeeping,
        })
    }

    /// The bookkeeping entries that describe nothing in `keep` (see [`Cache::plan_prune`]).
    fn stale_bookkeeping(
        &self,
        bookkeeping: Vec<EntryInfo>,
        keep: &[EntryInfo],
        now: SystemTime,
    ) -> Vec<EntryInfo> {
        let kept_keys: HashSet<Key> = keep.iter().map(|e| e.key).collect();
        let kept_names: HashSet<&str> = keep.iter().filter_map(|e| e.name.as_deref()).collect();
        bookkeeping
            .into_iter()
            .filter(|e| match e.codec.as_deref() {
                Some(TRACE) => trace_target(&*self.store, e.key)
                    .is_none_or(|target| !kept_keys.contains(&target)),
                // Records written before they were named after their function describe any.
                Some(FUNCTION_RECORD) => match e.name.as_deref() {
                    Some(FUNCTION_RECORD) | None => keep.is_empty(),
                    Some(name) => !kept_names.contains(name),
                },
                _ => now.duration_since(e.last_used).unwrap_or_default() >= LEFTOVER_AGE,
            })
            .collect()
    }

    /// Removes the entries `plan` selected, then its bookkeeping entries and temporary files of
    /// writers killed more than an hour ago; what was removed (entries already gone are not
    /// counted). An entry that cannot be removed is recorded in
    /// [`failed`](PruneReport::failed), and the others are removed all the same.
    ///
    /// # Errors
    ///
    /// [`Error::Store`] when the store's temporary files cannot be listed.
    pub fn prune(&self, plan: &PrunePlan) -> Result<PruneReport, Error> {
        self.remove_with_bookkeeping(
            &plan.remove,
            &plan.bookkeeping,
            plan.keep.len(),
            LEFTOVER_AGE,
        )
    }

    /// Removes `results`, then `bookkeeping`, then leftovers older than `age`.
    fn remove_with_bookkeeping(
        &self,
        results: &[EntryInfo],
        bookkeeping: &[EntryInfo],
        kept: usize,
        age: Duration,
    ) -> Result<PruneReport, Error> {
        let mut report = self.remove_all(results, kept);
        let bookkeeping = self.remove_all(bookkeeping, 0);
        report.bookkeeping_removed = bookkeeping.removed;
        report.failed.extend(bookkeeping.failed);
        report.leftovers_removed = self
            .store
            .remove_leftovers(age)
            .map_err(self.err("clean"))?;
        Ok(report)
    }

    /// Removes every entry, bookkeeping included, and leftovers of interrupted writes; the report
    /// counts the results removed. What cannot be removed is recorded in
    /// [`failed`](PruneReport::failed), and the rest is removed all the same.
    ///
    /// # Errors
    ///
    /// [`Error::Store`] when the store cannot be listed.
    pub fn clear(&self) -> Result<PruneReport, Error> {
        let (bookkeeping, results): (Vec<_>, Vec<_>) = self
            .all_entries()?
            .into_iter()
            .partition(EntryInfo::is_bookkeeping);
        self.remove_with_bookkeeping(&results, &bookkeeping, 0, Duration::ZERO)
    }

    /// Removes one entry; whether it was there.
    ///
    /// # Errors
    ///
    /// [`Error::Store`] when the store cannot be written.
    pub fn remove(&self, key: Key) -> Result<bool, Error> {
        self.store.remove(key).map_err(self.err("remove"))
    }

    /// Checks every entry's checksums; returns the bad ones with what is wrong with each. An
    /// entry that cannot be read is bad; an entry of a newer format than this program reads is
    /// left alone (it is not bad, only unknown here).
    ///
    /// # Errors
    ///
    /// [`Error::Store`] when the store cannot be listed.
    pub fn verify(&self) -> Result<Vec<(Key, String)>, Error> {
        let mut bad = Vec::new();
        for key in self.store.list().map_err(self.err("list"))? {
            match entry::read(&*self.store, key, None) {
                Ok(_) | Err(entry::ReadError::Entry(entry::EntryError::Newer(_))) => {}
                Err(e) => bad.push((key, e.to_string())),
            }
        }
        Ok(bad)
    }

    /// Removes `doomed`, recording each entry that cannot be removed and carrying on.
    fn remove_all(&self, doomed: &[EntryInfo], kept: usize) -> PruneReport {
        let mut report = PruneReport {
            kept,
            ..PruneReport::default()
        };
        for e in doomed {
            match self.store.remove(e.key) {
                Ok(true) => {
                    report.removed += 1;
                    report.bytes += e.size;
                }
                Ok(false) => {}
                Err(why) => report
                    .failed
                    .push((e.key, format!("cannot remove the entry: {why}"))),
            }
        }
        report
    }
}

/// The key a trace entry points to, or `None` when it cannot be read (see `exec/cutoff.rs`).
fn trace_target(store: &dyn Store, key: Key) -> Option<Key> {
    let checked = entry::read(store, key, Some((TRACE, [0; 32]))).ok()??;
    Some(Key::from_bytes(checked.payload().try_into().ok()?))
}

#[cfg(test)]
mod tests;
