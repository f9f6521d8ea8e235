//! The cache as a whole: housekeeping (list, totals, prune, clear, verify) and the cost model
//! behind cache-if-faster.

use std::collections::BTreeMap;
use std::io;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::entry::{self, MAX_HEADER_LEN};
use crate::error::Error;
use crate::key::Key;
use crate::store::{LocalStore, Store};

/// One cache entry, as [`Cache::entries`] lists it: what the store and the entry's header say.
///
/// The header fields are `None` when the header cannot be read (the entry is corrupt, foreign,
/// or written for another key); [`header_error`](EntryInfo::header_error) then says why.
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
}

impl EntryInfo {
    /// Whether this is one of graphchain's own small bookkeeping entries rather than a result:
    /// the records early cutoff and explanations rely on (named `graphchain-trace` and
    /// `graphchain-function`), or a leftover probe of the store's speed. They are pruned like
    /// any entry; a run that misses one only loses an early cutoff or an explanation.
    pub fn is_bookkeeping(&self) -> bool {
        self.name
            .as_deref()
            .is_some_and(|name| crate::scheduler::BOOKKEEPING.contains(&name) || name == PROBE_NAME)
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
}

/// Which entries a prune removes and which it keeps, as [`Cache::plan_prune`] works it out.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PrunePlan {
    /// The entries to remove.
    pub remove: Vec<EntryInfo>,
    /// The entries to keep.
    pub keep: Vec<EntryInfo>,
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
    /// out here, from [`stats`](Cache::stats) and from pruning; [`clear`](Cache::clear) removes
    /// them too.
    ///
    /// # Errors
    ///
    /// [`Error::Store`] when the store cannot be read.
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
    /// # Errors
    ///
    /// [`Error::Store`] when the store cannot be read.
    pub fn entry(&self, key: Key) -> Result<Option<EntryInfo>, Error> {
        let Some(meta) = self.store.metadata(key).map_err(self.err("read"))? else {
            return Ok(None);
        };
        let Some(prefix) = self
            .store
            .get_prefix(key, MAX_HEADER_LEN)
            .map_err(self.err("read"))?
        else {
            return Ok(None); // removed meanwhile
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
        for e in self.entries()? {
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
    /// Entries not used for `older_than` or longer go first; then, of the rest, the least
    /// recently used go until what is left fits in `max_bytes` (an entry too large for the room
    /// left goes, and smaller, older ones may stay). `None` leaves that limit out; with both
    /// `None` nothing goes. [`prune`](Cache::prune) carries the plan out, so that a caller can
    /// show it first (a dry run).
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
        let (mut remove, mut rest): (Vec<_>, Vec<_>) = self.entries()?.into_iter().partition(|e| {
            older_than.is_some_and(|age| now.duration_since(e.last_used).unwrap_or_default() >= age)
        });
        let Some(max_bytes) = max_bytes else {
            return Ok(PrunePlan { remove, keep: rest });
        };
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
        Ok(PrunePlan { remove, keep })
    }

    /// Removes the entries `plan` selected; what was removed (entries already gone are not
    /// counted).
    ///
    /// # Errors
    ///
    /// [`Error::Store`] when the store cannot be written.
    pub fn prune(&self, plan: &PrunePlan) -> Result<PruneReport, Error> {
        self.remove_all(&plan.remove, plan.keep.len())
    }

    /// Removes every entry, bookkeeping included, and leftovers of interrupted writes; the report
    /// counts the results removed.
    ///
    /// # Errors
    ///
    /// [`Error::Store`] when the store cannot be read or written.
    pub fn clear(&self) -> Result<PruneReport, Error> {
        let (bookkeeping, results): (Vec<_>, Vec<_>) = self
            .all_entries()?
            .into_iter()
            .partition(EntryInfo::is_bookkeeping);
        let report = self.remove_all(&results, 0)?;
        self.remove_all(&bookkeeping, 0)?;
        self.store
            .remove_leftovers(Duration::ZERO)
            .map_err(self.err("clean"))?;
        Ok(report)
    }

    /// Removes one entry; whether it was there.
    ///
    /// # Errors
    ///
    /// [`Error::Store`] when the store cannot be written.
    pub fn remove(&self, key: Key) -> Result<bool, Error> {
        self.store.remove(key).map_err(self.err("remove"))
    }

    /// Checks every entry's checksums; returns the bad ones with what is wrong with each.
    ///
    /// # Errors
    ///
    /// [`Error::Store`] when the store cannot be read.
    pub fn verify(&self) -> Result<Vec<(Key, String)>, Error> {
        let mut bad = Vec::new();
        for key in self.store.list().map_err(self.err("list"))? {
            if let Some(bytes) = self.store.get(key).map_err(self.err("read"))?
                && let Err(e) = entry::verify(&bytes, key)
            {
                bad.push((key, e.to_string()));
            }
        }
        Ok(bad)
    }

    fn remove_all(&self, doomed: &[EntryInfo], kept: usize) -> Result<PruneReport, Error> {
        let mut report = PruneReport {
            kept,
            ..PruneReport::default()
        };
        for e in doomed {
            if self.store.remove(e.key).map_err(self.err("remove"))? {
                report.removed += 1;
                report.bytes += e.size;
            }
        }
        Ok(report)
    }
}

/// How fast a store answers, measured: the basis of cache-if-faster.
///
/// Starts from a probe (a small and a large entry written and read back) and then follows the
/// loads actually made, so that it tracks what the store really does.
#[derive(Debug, Default)]
pub(crate) struct StoreSpeed {
    measured: OnceLock<Option<Speed>>,
    observed: Mutex<Option<Speed>>,
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct Speed {
    /// Seconds to load an empty entry.
    pub(crate) latency: f64,
    /// Bytes per second beyond that.
    pub(crate) throughput: f64,
    /// Seconds to write an empty entry.
    pub(crate) write_latency: f64,
}

impl Speed {
    /// Estimated seconds to load `bytes`.
    pub(crate) fn load_time(&self, bytes: u64) -> f64 {
        self.latency + bytes as f64 / self.throughput
    }

    /// Estimated seconds to write `bytes`.
    pub(crate) fn write_time(&self, bytes: u64) -> f64 {
        self.write_latency + bytes as f64 / self.throughput
    }

    /// Whether storing a result of `bytes` that takes `recover` seconds to get back without the
    /// cache pays off: loading must beat recovering by more than the write costs, so that a long
    /// chain of cheap steps is checkpointed now and then rather than at every step.
    pub(crate) fn worth_storing(&self, bytes: u64, recover: f64) -> bool {
        recover - self.load_time(bytes) > self.write_time(bytes)
    }
}

const SMALL_PROBE: usize = 256;
const LARGE_PROBE: usize = 4 << 20;

impl StoreSpeed {
    /// The current estimate; probes the store the first time. `None` when the store cannot be
    /// written (nothing will be stored).
    pub(crate) fn get(&self, store: &dyn Store) -> Option<Speed> {
        let probed = *self.measured.get_or_init(|| probe_once(store));
        let observed = *self.observed.lock().unwrap_or_else(|e| e.into_inner());
        observed.or(probed)
    }

    /// Folds in a real load of `bytes` that took `seconds`.
    pub(crate) fn observe(&self, bytes: u64, seconds: f64) {
        let mut observed = self.observed.lock().unwrap_or_else(|e| e.into_inner());
        let Some(base) = observed.or(self.measured.get().copied().flatten()) else {
            return;
        };
        // Small loads tell the latency, large ones the throughput.
        let mut next = base;
        if (bytes as f64) < base.throughput * base.latency {
            next.latency = 0.8 * base.latency + 0.2 * seconds;
        } else {
            let rate = bytes as f64 / (seconds - base.latency).max(1e-9);
            next.throughput = 0.8 * base.throughput + 0.2 * rate;
        }
        *observed = Some(next);
    }
}

/// Probes each store location once per process: runtimes on the same cache share the figures.
fn probe_once(store: &dyn Store) -> Option<Speed> {
    static PROBED: OnceLock<Mutex<std::collections::HashMap<String, Option<Speed>>>> =
        OnceLock::new();
    let location = store.location();
    let probed = PROBED.get_or_init(Default::default);
    if let Some(speed) = probed
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(&location)
    {
        return *speed;
    }
    let speed = probe(store);
    // A store that cannot be written now may be later: only successes are remembered.
    if speed.is_some() {
        probed
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(location, speed);
    }
    speed
}

/// The function name recorded in probe entries: a probe left behind by a killed process is a
/// valid entry under this name, never loaded, and removed by pruning like any other.
pub(crate) const PROBE_NAME: &str = "graphchain-probe";

fn probe(store: &dyn Store) -> Option<Speed> {
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let nonce = format!(
        "graphchain-probe-{}-{}-{:?}",
        std::process::id(),
        COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        SystemTime::now()
    );
    let key = Key::from_bytes(*blake3::hash(nonce.as_bytes()).as_bytes());
    // Seconds to write, then to read back, an entry with a payload of `size` bytes.
    let time = |size: usize| -> Option<(f64, f64)> {
        let payload = vec![0x5au8; size];
        let header = entry::header(key, [0; 32], "probe", PROBE_NAME, 0, &payload);
        let start = Instant::now();
        store.put_parts(key, &[&header, &payload]).ok()?;
        let write = start.elapsed().as_secs_f64();
        let start = Instant::now();
        let back = store.get(key).ok()??;
        let read = start.elapsed().as_secs_f64();
        std::hint::black_box(blake3::hash(&back));
        Some((write, read))
    };
    let measured = time(SMALL_PROBE).and_then(|(small_write, small_read)| {
        let (_, large_read) = time(LARGE_PROBE)?;
        Some(Speed {
            latency: small_read.max(1e-6),
            throughput: LARGE_PROBE as f64 / (large_read - small_read).max(1e-6),
            write_latency: small_write.max(1e-6),
        })
    });
    let _ = store.remove(key);
    if measured.is_none() {
        tracing::warn!(
            target: "graphchain",
            location = %store.location(),
            "the cache cannot be written; results will not be stored"
        );
    }
    measured
}

#[cfg(test)]
mod tests;
