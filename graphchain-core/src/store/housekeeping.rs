//! The cache as a whole: housekeeping (list, totals, clear, verify); pruning is in `prune.rs`.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::error::Error;
use crate::key::Key;
use crate::store::entry::{self, MAX_HEADER_LEN};
use crate::store::payload::{self, PAYLOAD};
use crate::store::{BOOKKEEPING, LocalStore, PROBE, Store, StoreMeta};

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
    /// The key of the shared payload object holding the encoded value, when it is stored apart
    /// rather than in the entry (see [`EntryInfo::is_payload`]).
    pub shared_payload: Option<Key>,
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

    /// Whether this is a shared payload object: the encoded value of one or more results,
    /// stored once under a key derived from its hash, which their entries point to (see
    /// [`shared_payload`](EntryInfo::shared_payload)). Pruning removes one when no entry points
    /// to it any more.
    pub fn is_payload(&self) -> bool {
        self.codec.as_deref() == Some(PAYLOAD)
    }
}

/// Totals over a cache, as [`Cache::stats`] returns them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CacheStats {
    /// Number of entries.
    pub entries: usize,
    /// Their total size in bytes.
    pub bytes: u64,
    /// Entries and bytes per function name (`"?"` for unreadable headers). The bytes include the
    /// shared payloads the function's entries point to (what loading them reads), each once per
    /// function: a payload that entries of two functions share counts for both, so the
    /// functions' bytes may add up to more than `bytes + payload_bytes`.
    pub by_function: BTreeMap<String, (usize, u64)>,
    /// graphchain's own bookkeeping entries (see [`EntryInfo::is_bookkeeping`]), not counted
    /// in `entries`.
    pub bookkeeping: usize,
    /// Their total size in bytes, not counted in `bytes`.
    pub bookkeeping_bytes: u64,
    /// Entries whose header cannot be read (see [`EntryInfo::header_error`]: a damaged or
    /// truncated entry, or one that cannot be read at all), counted in `entries` under `"?"`.
    pub unreadable: usize,
    /// Shared payload objects (see [`EntryInfo::is_payload`]), not counted in `entries`.
    pub payloads: usize,
    /// Their total size in bytes, not counted in `bytes`.
    pub payload_bytes: u64,
}

impl CacheStats {
    /// The size of the whole cache: results, shared payloads and bookkeeping.
    pub fn total_bytes(&self) -> u64 {
        self.bytes + self.payload_bytes + self.bookkeeping_bytes
    }
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
    pub(super) store: Arc<dyn Store>,
}

impl Cache {
    /// The cache in a local directory.
    pub fn open(dir: impl Into<PathBuf>) -> Self {
        Cache::with_store(Arc::new(LocalStore::new(dir)))
    }

    /// The cache at `url`: `s3://bucket/prefix`, `gs://…`, `az://…` (feature `remote`; the
    /// remote store itself, without a local tier), `file:///path`, `memory://`, or a plain
    /// directory.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] for a location that cannot be used, naming it and what to fix (see
    /// [`RuntimeBuilder::cache_url`](crate::surface::builder::RuntimeBuilder::cache_url)).
    pub fn open_url(url: &str) -> Result<Self, Error> {
        Ok(Cache::with_store(super::location::open_bare(url)?))
    }

    /// The same cache read through a team key (as `RuntimeBuilder::cache_key` and
    /// `GRAPHCHAIN_CACHE_KEY` sign it): headers are read past each entry's MAC, and `verify`
    /// reports entries whose MAC does not match as bad.
    pub fn with_key(self, secret: impl AsRef<[u8]>) -> Self {
        Cache::with_store(Arc::new(super::signed::SignedStore::new(
            self.store,
            secret.as_ref(),
        )))
    }

    /// The cache in any store.
    pub fn with_store(store: Arc<dyn Store>) -> Self {
        Cache { store }
    }

    /// The store behind it.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    pub(super) fn err(&self, op: &'static str) -> impl FnOnce(io::Error) -> Error + '_ {
        move |source| Error::Store {
            op,
            location: self.store.location(),
            source,
        }
    }

    /// Every entry holding a result, with what its header says, in no particular order.
    ///
    /// graphchain's own small bookkeeping entries (see [`EntryInfo::is_bookkeeping`]) and the
    /// shared payload objects results point to (see [`EntryInfo::is_payload`]) are left out
    /// here; [`stats`](Cache::stats) counts them apart, pruning removes them with the results
    /// they serve, and [`clear`](Cache::clear) removes them too. An entry that cannot be read is
    /// listed with its [`read_error`](EntryInfo::read_error).
    ///
    /// # Errors
    ///
    /// [`Error::Store`] when the store cannot be listed.
    pub fn entries(&self) -> Result<Vec<EntryInfo>, Error> {
        let mut entries = self.all_entries()?;
        entries.retain(|e| !e.is_bookkeeping() && !e.is_payload());
        Ok(entries)
    }

    /// Every entry, sorted into results, bookkeeping and shared payloads (by key).
    pub(super) fn listing(&self) -> Result<Listing, Error> {
        let mut listing = Listing::default();
        for e in self.all_entries()? {
            if e.is_payload() {
                listing.payloads.insert(e.key, e);
            } else if e.is_bookkeeping() {
                listing.bookkeeping.push(e);
            } else {
                listing.results.push(e);
            }
        }
        Ok(listing)
    }

    /// Every entry, bookkeeping included.
    pub(super) fn all_entries(&self) -> Result<Vec<EntryInfo>, Error> {
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
            shared_payload: None,
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
            shared_payload: header
                .filter(|h| h.apart)
                .map(|h| payload::key_of(&h.payload_hash)),
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
        let all = self.all_entries()?;
        let payloads: HashMap<Key, u64> = all
            .iter()
            .filter(|e| e.is_payload())
            .map(|e| (e.key, e.size))
            .collect();
        // The payloads already counted for each function.
        let mut counted: HashSet<(String, Key)> = HashSet::new();
        for e in all {
            if e.is_payload() {
                stats.payloads += 1;
                stats.payload_bytes += e.size;
                continue;
            }
            if e.is_bookkeeping() {
                stats.bookkeeping += 1;
                stats.bookkeeping_bytes += e.size;
                continue;
            }
            stats.unreadable += usize::from(e.header_error.is_some());
            stats.entries += 1;
            stats.bytes += e.size;
            let name = e.name.unwrap_or_else(|| "?".to_owned());
            let shared = e
                .shared_payload
                .and_then(|k| Some((k, *payloads.get(&k)?)))
                .filter(|&(k, _)| counted.insert((name.clone(), k)))
                .map_or(0, |(_, size)| size);
            let f = stats.by_function.entry(name).or_default();
            f.0 += 1;
            f.1 += e.size + shared;
        }
        Ok(stats)
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
}

/// A cache's entries, sorted as [`Cache::listing`] sorts them.
#[derive(Debug, Default)]
pub(super) struct Listing {
    pub(super) results: Vec<EntryInfo>,
    pub(super) bookkeeping: Vec<EntryInfo>,
    pub(super) payloads: HashMap<Key, EntryInfo>,
}

#[cfg(test)]
mod tests;
