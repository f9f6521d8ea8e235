//! The cache side of a run: which nodes may use the cache, loading an entry, and storing a result
//! when the cost model says it pays.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use rayon::prelude::*;

use super::cutoff::{self, Seen};
use super::plan::function_id;
use super::{BAD_ENTRY, Done, Exec, LOADED, lock};
use crate::exec::report::Reason;
use crate::graph::node::{CachePolicy, Node};
use crate::key::{Key, content_key};
use crate::store::Store;
use crate::store::entry::{self, Header, Payload};
use crate::store::speed::StoreSpeed;
use crate::value::Value;

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
    /// The value's encoding, when it was already encoded for its consumers.
    pub(super) payload: Option<Vec<u8>>,
    pub(super) compute: Duration,
    /// Seconds it would take to get this value back without the cache.
    pub(super) recover: f64,
}

/// What looking a node up through the content of its inputs found.
pub(super) enum Found {
    /// The node's result, loaded.
    Loaded(Done),
    /// A result for these inputs was recorded, but its entry is gone or unusable.
    Gone,
    /// Nothing recorded for these inputs.
    Missing,
}

/// An entry read, checked and decoded.
struct Read {
    value: Value,
    header: Header,
    bytes: Vec<u8>,
    /// Where the payload starts in `bytes`.
    payload_at: usize,
}

impl Exec<'_, '_, '_> {
    /// Reads, checks and decodes the entry under `key` as `node`'s value.
    fn read_entry(&self, cache: &CacheContext<'_>, node: &Node, key: Key) -> Result<Read, String> {
        let storable = node
            .storable
            .expect("entries are read only for storable nodes");
        let bytes = cache
            .store
            .get(key)
            .map_err(|e| format!("cannot read the entry: {e}"))?
            .ok_or_else(|| "the entry disappeared".to_owned())?;
        let (header, payload) =
            entry::open_header(&bytes, key, storable.codec, storable.fingerprint())
                .map_err(|e| e.to_string())?;
        let check = || entry::check_payload(&header, payload).map_err(|e| e.to_string());
        let decode =
            || (storable.decode)(payload).map_err(|e| format!("the payload does not decode: {e}"));
        // A large payload is checked and decoded at once; the value is used only if the check
        // passes.
        let value = if payload.len() >= PARALLEL_CHECK {
            let (checked, value) = rayon::join(check, decode);
            checked?;
            value?
        } else {
            check()?;
            decode()?
        };
        let payload_at = bytes.len() - payload.len();
        Ok(Read {
            value,
            header,
            bytes,
            payload_at,
        })
    }

    /// Makes a value read from the store node `i`'s result.
    fn loaded(&self, i: usize, read: Read, elapsed: Duration, reason: Option<Reason>) -> Done {
        let _ = self.content[i].set(read.header.payload_hash);
        self.recover_ns[i].store(elapsed.as_nanos() as u64, Ordering::Relaxed);
        lock(&self.values[i]).value = Some(read.value);
        Done {
            state: LOADED,
            duration: elapsed,
            bytes: read.bytes.len() as u64,
            reason,
        }
    }

    pub(super) fn load(&self, i: usize, node: &Node) -> Done {
        let cache = self
            .ctx
            .cache
            .as_ref()
            .expect("loads are planned only with a cache");
        let start = Instant::now();
        match self.read_entry(cache, node, node.key) {
            Ok(read) => {
                let elapsed = start.elapsed();
                cache
                    .speed
                    .observe(read.bytes.len() as u64, elapsed.as_secs_f64());
                let _ = cache.store.touch(node.key);
                self.loaded(i, read, elapsed, None)
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
                    reason: None,
                }
            }
        }
    }

    /// Looks node `i` up through the content of its inputs (early cutoff): when a result was
    /// stored for inputs with exactly these values, it is loaded, and stored again under the
    /// node's key so that the next run finds it directly.
    pub(super) fn find_by_content(&self, i: usize, node: &Node, cache: &CacheContext<'_>) -> Found {
        let Some(content) = self.content_key(i, node) else {
            return Found::Missing;
        };
        // A trace to the node's own key says nothing new: the plan looked for that entry.
        let Some(target) = cutoff::trace(cache.store, content).filter(|&target| target != node.key)
        else {
            return Found::Missing;
        };
        let start = Instant::now();
        let read = match self.read_entry(cache, node, target) {
            Ok(read) => read,
            Err(problem) => {
                tracing::debug!(
                    target: "graphchain",
                    function = node.info.name,
                    key = %node.key.short(),
                    "the result stored for the same inputs cannot be used: {problem}"
                );
                return Found::Gone;
            }
        };
        let storable = node.storable.expect("read_entry checked it");
        let header = entry::header_of(
            node.key,
            storable.fingerprint(),
            storable.codec,
            node.info.name,
            read.header.compute_ns,
            Payload {
                len: read.header.payload_len,
                hash: read.header.payload_hash,
            },
        );
        let _ = cache
            .store
            .put_parts(node.key, &[&header, &read.bytes[read.payload_at..]]);
        let elapsed = start.elapsed();
        tracing::debug!(
            target: "graphchain",
            function = node.info.name,
            key = %node.key.short(),
            time = ?elapsed,
            reason = "its inputs were recomputed to the same values",
            "load"
        );
        let reason = self.records.is_some().then_some(Reason::InputsUnchanged);
        Found::Loaded(self.loaded(i, read, elapsed, reason))
    }

    /// Node `i`'s content key, when the content of every one of its inputs is known.
    fn content_key(&self, i: usize, node: &Node) -> Option<Key> {
        let hashes: Option<Vec<[u8; 32]>> = self
            .plan
            .deps_of(i)
            .iter()
            .map(|&j| self.content[j as usize].get().copied())
            .collect();
        Some(content_key(&node.own, &hashes?))
    }

    /// Encodes node `i`'s new value and records its content hash, when a consumer will look
    /// itself up by the content of its inputs; returns the encoding for the store to reuse.
    pub(super) fn hash_for_consumers(
        &self,
        i: usize,
        node: &Node,
        value: &Value,
    ) -> Option<Vec<u8>> {
        if !self.plan.content_wanted(i) {
            return None;
        }
        let mut payload = Vec::new();
        (node.storable?.encode)(value, &mut payload).ok()?;
        let _ = self.content[i].set(*blake3::hash(&payload).as_bytes());
        Some(payload)
    }

    /// Records what this attempt stored, for later runs: a trace from each stored node's
    /// content key to its key (when the content of all its inputs is known), and the code of
    /// each function that stored a result.
    pub(super) fn record_lineage(&self) {
        let Some(cache) = &self.ctx.cache else {
            return;
        };
        let mut traces = Vec::new();
        let mut functions = HashMap::new();
        for i in (0..self.plan.len()).filter(|&i| self.stored[i].load(Ordering::Relaxed)) {
            let node = self.plan.nodes[i];
            if self.plan.seen(node) != Some(Seen::Same) {
                functions.insert(function_id(node.info), node.info);
            }
            if self.plan.deps_of(i).is_empty() {
                continue;
            }
            if let Some(content) = self.content_key(i, node) {
                traces.push((content, node.key));
            }
        }
        for info in functions.into_values() {
            cutoff::record_function(cache.store, info);
        }
        self.ctx.pool.install(|| {
            traces
                .par_iter()
                .for_each(|&(content, key)| cutoff::record_trace(cache.store, content, key));
        });
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
        let payload = match job.payload {
            Some(payload) => payload,
            None => {
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
                payload
            }
        };
        drop(job.value);
        let hash = *self.content[job.node].get_or_init(|| *blake3::hash(&payload).as_bytes());
        let header = entry::header_of(
            node.key,
            storable.fingerprint(),
            storable.codec,
            node.info.name,
            job.compute.as_nanos() as u64,
            Payload {
                len: payload.len() as u64,
                hash,
            },
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
                self.stored[job.node].store(true, Ordering::Relaxed);
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
