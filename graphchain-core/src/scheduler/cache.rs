//! The cache side of a run: which nodes may use the cache, loading an entry, and storing a result
//! when the cost model says it pays.

use std::collections::HashSet;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use super::{BAD_ENTRY, Done, Exec, LOADED, lock};
use crate::cache::StoreSpeed;
use crate::entry;
use crate::key::Key;
use crate::node::{CachePolicy, Node, Value};
use crate::store::Store;

/// The cache side of a run.
pub(crate) struct CacheContext<'r> {
    pub(crate) store: &'r dyn Store,
    pub(crate) speed: &'r StoreSpeed,
    pub(crate) skip_keys: &'r HashSet<Key>,
    pub(crate) skip_functions: &'r HashSet<String>,
}

impl CacheContext<'_> {
    /// Whether `node`'s result may be read from or written to the cache in this run.
    pub(super) fn eligible(&self, node: &Node) -> bool {
        node.storable.is_some()
            && node.info.cache != CachePolicy::Never
            && !self.skip_keys.contains(&node.key)
            && !self.skip_functions.contains(node.info.name)
    }
}

/// Payloads at least this large are checked and decoded in parallel.
const PARALLEL_CHECK: usize = 1 << 20;

/// A result to consider for the cache once its consumers are on their way.
pub(super) struct StoreJob {
    pub(super) node: usize,
    pub(super) value: Value,
    pub(super) compute: Duration,
    /// Seconds it would take to get this value back without the cache.
    pub(super) recover: f64,
}

impl Exec<'_, '_, '_> {
    pub(super) fn load(&self, i: usize, node: &Node) -> Done {
        let cache = self
            .ctx
            .cache
            .as_ref()
            .expect("loads are planned only with a cache");
        let storable = node
            .storable
            .expect("loads are planned only for storable nodes");
        let start = Instant::now();
        let loaded = cache
            .store
            .get(node.key)
            .map_err(|e| format!("cannot read the entry: {e}"))
            .and_then(|bytes| bytes.ok_or_else(|| "the entry disappeared".to_owned()))
            .and_then(|bytes| {
                let (header, payload) =
                    entry::open_header(&bytes, node.key, storable.codec, storable.fingerprint())
                        .map_err(|e| e.to_string())?;
                let check = || entry::check_payload(&header, payload).map_err(|e| e.to_string());
                let decode = || {
                    (storable.decode)(payload)
                        .map_err(|e| format!("the payload does not decode: {e}"))
                };
                // A large payload is checked and decoded at once; the value is used only if the
                // check passes.
                let value = if payload.len() >= PARALLEL_CHECK {
                    let (checked, value) = rayon::join(check, decode);
                    checked?;
                    value?
                } else {
                    check()?;
                    decode()?
                };
                Ok((value, bytes.len() as u64))
            });
        match loaded {
            Ok((value, bytes)) => {
                let elapsed = start.elapsed();
                cache.speed.observe(bytes, elapsed.as_secs_f64());
                let _ = cache.store.touch(node.key);
                self.recover_ns[i].store(elapsed.as_nanos() as u64, Ordering::Relaxed);
                lock(&self.values[i]).value = Some(value);
                Done {
                    state: LOADED,
                    duration: elapsed,
                    bytes,
                }
            }
            Err(problem) => {
                tracing::warn!(
                    target: "graphchain",
                    function = node.info.name,
                    key = %node.key,
                    location = %cache.store.location(),
                    "discarding a cache entry that cannot be used ({problem}); it will be recomputed"
                );
                let _ = cache.store.remove(node.key);
                lock(&self.bad_entries).push((node.key, problem));
                Done {
                    state: BAD_ENTRY,
                    duration: start.elapsed(),
                    bytes: 0,
                }
            }
        }
    }

    /// Stores a computed result when the policy says it pays off.
    pub(super) fn store(&self, job: StoreJob) {
        let node = self.plan.nodes[job.node];
        let (Some(cache), Some(storable)) = (self.ctx.cache.as_ref(), node.storable) else {
            return;
        };
        let auto = node.info.cache == CachePolicy::Auto;
        // Only the automatic policy needs the store's speed (and so a probe).
        let speed = if auto {
            cache.speed.get(cache.store)
        } else {
            None
        };
        let mut payload = Vec::new();
        if let Err(e) = (storable.encode)(&job.value, &mut payload) {
            tracing::warn!(
                target: "graphchain",
                function = node.info.name,
                key = %node.key.short(),
                "cannot encode the result, not storing it: {e}"
            );
            return;
        }
        drop(job.value);
        let header = entry::header(
            node.key,
            storable.fingerprint(),
            storable.codec,
            node.info.name,
            job.compute.as_nanos() as u64,
            &payload,
        );
        let size = (header.len() + payload.len()) as u64;
        if auto && speed.is_none_or(|s| !s.worth_storing(size, job.recover)) {
            tracing::debug!(
                target: "graphchain",
                function = node.info.name,
                key = %node.key.short(),
                bytes = size,
                reason = "loading it would not beat computing it",
                "skip"
            );
            return;
        }
        let start = Instant::now();
        match cache.store.put_parts(node.key, &[&header, &payload]) {
            Ok(()) => {
                tracing::debug!(
                    target: "graphchain",
                    function = node.info.name,
                    key = %node.key.short(),
                    time = ?start.elapsed(),
                    bytes = size,
                    "store"
                );
                if let Some(records) = &self.records {
                    let mut record = lock(&records[job.node]);
                    record.bytes = size;
                    record.stored = true;
                }
            }
            Err(e) => {
                if !self.write_warned.swap(true, Ordering::Relaxed) {
                    tracing::warn!(
                        target: "graphchain",
                        location = %cache.store.location(),
                        "cannot write to the cache ({e}); results are still returned but not stored"
                    );
                }
            }
        }
    }
}
