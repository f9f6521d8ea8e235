//! Pruning a cache: by size (least recently used first) or by age, with the bookkeeping that
//! describes the removed results, the shared payloads no entry points to any more, and the
//! leftovers of interrupted writes.

use std::collections::HashSet;
use std::time::{Duration, SystemTime};

use crate::error::Error;
use crate::key::Key;
use crate::store::entry;
use crate::store::housekeeping::{Cache, EntryInfo};
use crate::store::{FUNCTION_RECORD, LEFTOVER_AGE, Store, TRACE};

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
    /// Shared payload objects removed (not counted in `removed`; their bytes are in `bytes`).
    pub payloads_removed: usize,
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
    /// The shared payload objects to remove: those whose last entry is removed, and those no
    /// entry pointed to for an hour (see [`Cache::plan_prune`]).
    pub payloads: Vec<EntryInfo>,
}

impl Cache {
    /// Removes every entry, bookkeeping included, and leftovers of interrupted writes; the report
    /// counts the results removed. What cannot be removed is recorded in
    /// [`failed`](PruneReport::failed), and the rest is removed all the same.
    ///
    /// # Errors
    ///
    /// [`Error::Store`] when the store cannot be listed.
    pub fn clear(&self) -> Result<PruneReport, Error> {
        let listing = self.listing()?;
        let mut report = self.remove_with_bookkeeping(
            &listing.results,
            &listing.bookkeeping,
            0,
            Duration::ZERO,
        )?;
        let payloads = self.remove_all(&listing.payloads.into_values().collect::<Vec<_>>(), 0);
        report.payloads_removed = payloads.removed;
        report.bytes += payloads.bytes;
        report.failed.extend(payloads.failed);
        Ok(report)
    }

    /// Removes least recently used entries until the rest (with the shared payloads they point
    /// to) fit in `max_bytes`.
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
    /// left goes, and smaller, older ones may stay). An entry's size counts the shared payload
    /// it points to, unless a more recently used entry kept already points to it. `None` leaves
    /// that limit out; with both `None` only unreadable entries go. [`prune`](Cache::prune)
    /// carries the plan out, so that a caller can show it first (a dry run).
    ///
    /// A shared payload goes when the last entry pointing to it goes; one that no entry pointed
    /// to before (its writer may be about to write the entry) goes once it is an hour old.
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
        self.plan_keeping_recent(max_bytes, older_than, None)
    }

    /// As [`plan_prune`](Cache::plan_prune), but entries used since `recent` are the last to go
    /// for `max_bytes`: they are kept before any older one.
    pub(crate) fn plan_keeping_recent(
        &self,
        max_bytes: Option<u64>,
        older_than: Option<Duration>,
        recent: Option<SystemTime>,
    ) -> Result<PrunePlan, Error> {
        let now = SystemTime::now();
        let listing = self.listing()?;
        let (mut remove, rest): (Vec<_>, Vec<_>) = listing.results.into_iter().partition(|e| {
            e.read_error.is_some()
                || older_than
                    .is_some_and(|age| now.duration_since(e.last_used).unwrap_or_default() >= age)
        });
        let payloads = listing.payloads;
        let keep = match max_bytes {
            None => rest,
            Some(max_bytes) => {
                let mut rest = rest;
                let is_recent = |e: &EntryInfo| recent.is_some_and(|t| e.last_used >= t);
                rest.sort_by_key(|e| std::cmp::Reverse((is_recent(e), e.last_used)));
                let mut kept_bytes = 0u64;
                let mut kept_payloads = HashSet::new();
                let mut keep = Vec::new();
                for e in rest {
                    let shared = e
                        .shared_payload
                        .filter(|p| !kept_payloads.contains(p))
                        .and_then(|p| payloads.get(&p))
                        .map_or(0, |p| p.size);
                    if kept_bytes + e.size + shared <= max_bytes {
                        kept_bytes += e.size + shared;
                        kept_payloads.extend(e.shared_payload);
                        keep.push(e);
                    } else {
                        remove.push(e);
                    }
                }
                keep
            }
        };
        let pointed: HashSet<Key> = keep.iter().filter_map(|e| e.shared_payload).collect();
        let freed: HashSet<Key> = remove.iter().filter_map(|e| e.shared_payload).collect();
        let payloads = payloads
            .into_values()
            .filter(|p| {
                !pointed.contains(&p.key)
                    && (freed.contains(&p.key)
                        || now.duration_since(p.last_used).unwrap_or_default() >= LEFTOVER_AGE)
            })
            .collect();
        let bookkeeping = self.stale_bookkeeping(listing.bookkeeping, &keep, now);
        Ok(PrunePlan {
            remove,
            keep,
            bookkeeping,
            payloads,
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

    /// Removes the entries `plan` selected, then its bookkeeping entries, its shared payloads
    /// and temporary files of writers killed more than an hour ago; what was removed (entries
    /// already gone are not counted). An entry that cannot be removed is recorded in
    /// [`failed`](PruneReport::failed), and the others are removed all the same.
    ///
    /// A shared payload touched since the plan was made is left: a writer has claimed it for a
    /// new entry (see the race this guards against in the crate's architecture notes).
    ///
    /// # Errors
    ///
    /// [`Error::Store`] when the store's temporary files cannot be listed.
    pub fn prune(&self, plan: &PrunePlan) -> Result<PruneReport, Error> {
        let mut report = self.remove_with_bookkeeping(
            &plan.remove,
            &plan.bookkeeping,
            plan.keep.len(),
            LEFTOVER_AGE,
        )?;
        for p in &plan.payloads {
            // Checked just before removing it, to leave a writer the smallest window.
            let claimed = !matches!(
                self.store.metadata(p.key),
                Ok(Some(meta)) if meta.last_used <= p.last_used
            );
            if !claimed {
                let removed = self.remove_all(std::slice::from_ref(p), 0);
                report.payloads_removed += removed.removed;
                report.bytes += removed.bytes;
                report.failed.extend(removed.failed);
            }
        }
        Ok(report)
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
