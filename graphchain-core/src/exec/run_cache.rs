//! The cache side of a run: which nodes may use the cache, loading an entry, early cutoff's
//! lookup through the content of a node's inputs, and storing a result when the cost model says
//! it pays. The run state hands it results and gets back loaded values; it keeps what the cache
//! needs across an attempt (content hashes, what was stored, unusable entries).

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use rayon::prelude::*;

use super::cutoff::{self, Seen};
use super::lock;
use super::plan::{Plan, function_id};
use crate::graph::node::{CachePolicy, Node};
use crate::key::{Key, content_key};
use crate::store::entry::{self, Header, Payload};
use crate::store::speed::StoreSpeed;
use crate::store::{Lease, Store};
use crate::value::Value;

/// What a run knows of its cache: the store, its measured speed, and the skip lists.
pub(crate) struct CacheContext<'r> {
    pub(crate) store: &'r dyn Store,
    pub(crate) speed: &'r StoreSpeed,
    pub(crate) skip_keys: &'r HashSet<Key>,
    pub(crate) skip_functions: &'r HashSet<String>,
    /// Store every requested output the cache may hold, whatever the cost model says: set in
    /// a worker process, whose results the driver reads back from the store.
    pub(crate) store_outputs: bool,
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

/// A result to consider for the cache once its consumers are on their way.
pub(crate) struct StoreJob {
    pub(super) node: usize,
    /// The lease this process holds on the result, given up once it is stored: the job is then
    /// run at once by the worker that computed it, so that no other process waits on a job
    /// queued behind workers that themselves wait (see [`RunCache::lease`]).
    pub(super) lease: Option<Lease>,
    value: Value,
    /// The value's encoding, when it was already encoded for its consumers.
    payload: Option<Vec<u8>>,
    compute: Duration,
    /// Seconds it would take to get this value back without the cache.
    recover: f64,
}

impl StoreJob {
    /// Whether the job holds a lease, and must be stored at once by the thread that computed it.
    pub(super) fn leased(&self) -> bool {
        self.lease.is_some()
    }
}

/// A value loaded from the store: what the run state makes the node's result.
pub(super) struct Loaded {
    pub(super) value: Value,
    /// The entry's size.
    pub(super) bytes: u64,
    pub(super) elapsed: Duration,
}

/// What asking for the lease on a node's result gave.
pub(super) enum Leased {
    /// This process holds it: compute, store, and give it up.
    Held(Lease),
    /// Another process computed and stored the result meanwhile: here it is.
    Loaded(Loaded),
    /// No lease (the store failed, or the holder took too long): compute all the same.
    Free,
}

/// How long a process waits for another that holds the lease on a result it needs; then it
/// computes the result itself.
const MAX_LEASE_WAIT: Duration = Duration::from_secs(60);

/// What looking a node up through the content of its inputs found.
pub(super) enum Found {
    /// The node's result, loaded.
    Loaded(Loaded),
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

/// The cache side of one attempt.
pub(super) struct RunCache<'c> {
    ctx: &'c CacheContext<'c>,
    /// The content hash of each node's value (its encoding's blake3), when it is known: from
    /// the entry it was loaded from, from storing it, or encoded for a consumer that looks itself
    /// up by the content of its inputs. Set before the node's consumers start, or not at all.
    content: Vec<OnceLock<[u8; 32]>>,
    /// Whether each node's result was written to the store in this attempt.
    stored: Vec<AtomicBool>,
    /// Entries found unusable, and why.
    bad_entries: Mutex<Vec<(Key, String)>>,
    write_warned: AtomicBool,
}

impl<'c> RunCache<'c> {
    pub(super) fn new(ctx: &'c CacheContext<'c>, nodes: usize) -> Self {
        RunCache {
            ctx,
            content: (0..nodes).map(|_| OnceLock::new()).collect(),
            stored: (0..nodes).map(|_| AtomicBool::new(false)).collect(),
            bad_entries: Mutex::new(Vec::new()),
            write_warned: AtomicBool::new(false),
        }
    }

    pub(super) fn eligible(&self, node: &Node) -> bool {
        self.ctx.eligible(node)
    }

    /// The entries found unusable in this attempt, with the reason.
    pub(super) fn take_bad_entries(&self) -> Vec<(Key, String)> {
        std::mem::take(&mut *lock(&self.bad_entries))
    }

    /// Reads, checks and decodes the entry under `key` as `node`'s value: the payload is
    /// decoded only once its checksum matched.
    fn read_entry(&self, node: &Node, key: Key) -> Result<Read, String> {
        let storable = node
            .storable
            .expect("entries are read only for storable nodes");
        let checked = entry::read(
            self.ctx.store,
            key,
            Some((storable.codec, storable.fingerprint())),
        )
        .map_err(|e| e.to_string())?
        .ok_or_else(|| "the entry disappeared".to_owned())?;
        let value = (storable.decode)(checked.payload())
            .map_err(|e| format!("the payload does not decode: {e}"))?;
        Ok(Read {
            value,
            header: checked.header,
            bytes: checked.bytes,
            payload_at: checked.payload_at,
        })
    }

    /// Loads node `i` from its entry. An entry that cannot be used is removed and recorded as
    /// bad; the error is the time that took.
    pub(super) fn load(&self, i: usize, node: &Node) -> Result<Loaded, Duration> {
        let start = Instant::now();
        match self.read_entry(node, node.key) {
            Ok(read) => {
                let elapsed = start.elapsed();
                self.ctx
                    .speed
                    .observe(read.bytes.len() as u64, elapsed.as_secs_f64());
                let _ = self.ctx.store.touch(node.key);
                Ok(self.loaded(i, read, elapsed))
            }
            Err(problem) => {
                tracing::warn!(
                    target: "graphchain",
                    function = node.info.name,
                    key = %node.key,
                    location = %self.ctx.store.location(),
                    "discarding a cache entry that cannot be used ({problem}); it will be recomputed"
                );
                entry::discard(self.ctx.store, node.key);
                lock(&self.bad_entries).push((node.key, problem));
                Err(start.elapsed())
            }
        }
    }

    fn loaded(&self, i: usize, read: Read, elapsed: Duration) -> Loaded {
        let _ = self.content[i].set(read.header.payload_hash);
        Loaded {
            value: read.value,
            bytes: read.bytes.len() as u64,
            elapsed,
        }
    }

    /// Takes the lease on computing node `i`'s result, so that processes sharing the store
    /// compute it once: while another process holds it, waits (polling, 5 to 50 ms apart) until
    /// the result is stored — then loads it — or the lease is free, at most [`MAX_LEASE_WAIT`].
    /// A holder that dies gives the lease up at once. Only results that are surely stored
    /// (`cache = "always"`) are leased: the others may never be written, and waiting for them
    /// would only add the wait.
    pub(super) fn lease(&self, i: usize, node: &Node) -> Leased {
        let store = self.ctx.store;
        let deadline = Instant::now() + MAX_LEASE_WAIT;
        let mut pause = Duration::from_millis(5);
        loop {
            let lease = match store.try_lease(node.key) {
                Ok(lease) => lease,
                Err(_) => return Leased::Free,
            };
            // Stored by another process, perhaps just before it gave the lease up. What the plan
            // found unusable may still be there (an entry of a newer format is left alone): it
            // is read quietly, and a miss here means computing.
            if store.contains(node.key).unwrap_or(false) {
                let start = Instant::now();
                if let Ok(read) = self.read_entry(node, node.key) {
                    return Leased::Loaded(self.loaded(i, read, start.elapsed()));
                }
            }
            match lease {
                Some(lease) => return Leased::Held(lease),
                None if Instant::now() >= deadline => return Leased::Free,
                None => {
                    std::thread::sleep(pause);
                    pause = (pause * 2).min(Duration::from_millis(50));
                }
            }
        }
    }

    /// Looks node `i` up through the content of its inputs (early cutoff): when a result was
    /// stored for inputs with exactly these values, it is loaded, and stored again under the
    /// node's key so that the next run finds it directly.
    pub(super) fn find_by_content(&self, plan: &Plan<'_>, i: usize, node: &Node) -> Found {
        let Some(content) = self.content_key(plan, i, node) else {
            return Found::Missing;
        };
        let store = self.ctx.store;
        // A trace to the node's own key says nothing new: the plan looked for that entry.
        let Some(target) = cutoff::trace(store, content).filter(|&target| target != node.key)
        else {
            return Found::Missing;
        };
        let start = Instant::now();
        let read = match self.read_entry(node, target) {
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
        let _ = entry::put(store, node.key, &[&header, &read.bytes[read.payload_at..]]);
        let elapsed = start.elapsed();
        tracing::debug!(
            target: "graphchain",
            function = node.info.name,
            key = %node.key.short(),
            time = ?elapsed,
            reason = "its inputs were recomputed to the same values",
            "load"
        );
        Found::Loaded(self.loaded(i, read, elapsed))
    }

    /// Node `i`'s content key, when the content of every one of its inputs is known.
    fn content_key(&self, plan: &Plan<'_>, i: usize, node: &Node) -> Option<Key> {
        let hashes: Option<Vec<[u8; 32]>> = plan
            .deps_of(i)
            .iter()
            .map(|&j| self.content[j as usize].get().copied())
            .collect();
        Some(content_key(&node.own, &hashes?))
    }

    /// Takes node `i`'s new `value`, computed in `elapsed`, whose recovery without the cache
    /// costs `recover` nanoseconds: records its content hash when a consumer will look itself
    /// up by the content of its inputs, and decides — before consumers start — whether it is a
    /// candidate for the cache, so that they may count on loading it rather than recomputing
    /// it. Returns the job for the store and the recovery cost to keep.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn consider(
        &self,
        plan: &Plan<'_>,
        i: usize,
        node: &Node,
        value: &Value,
        elapsed: Duration,
        mut recover: u64,
        lease: Option<Lease>,
    ) -> (Option<StoreJob>, u64) {
        let payload = self.hash_for_consumers(plan, i, node, value);
        if !self.eligible(node) {
            return (None, recover);
        }
        let recover_s = recover as f64 * 1e-9;
        if self.weighs_cost(plan, i, node) {
            let Some(speed) = self.ctx.speed.get(self.ctx.store) else {
                return (None, recover);
            };
            if !speed.worth_storing(0, recover_s, plan.is_root(i)) {
                tracing::debug!(
                    target: "graphchain",
                    function = node.info.name,
                    key = %node.key.short(),
                    reason = "computing it is faster than loading it",
                    "skip"
                );
                return (None, recover);
            }
            recover = recover.min((speed.latency * 1e9) as u64);
        }
        let job = StoreJob {
            node: i,
            lease,
            value: value.clone(),
            payload,
            compute: elapsed,
            recover: recover_s,
        };
        (Some(job), recover)
    }

    /// Encodes node `i`'s new value and records its content hash, when a consumer will look
    /// itself up by the content of its inputs; returns the encoding for the store to reuse.
    fn hash_for_consumers(
        &self,
        plan: &Plan<'_>,
        i: usize,
        node: &Node,
        value: &Value,
    ) -> Option<Vec<u8>> {
        if !plan.content_wanted(i) {
            return None;
        }
        let mut payload = Vec::new();
        (node.storable?.encode)(value, &mut payload).ok()?;
        let _ = self.content[i].set(*blake3::hash(&payload).as_bytes());
        Some(payload)
    }

    /// Stores a computed result when the policy says it pays off; returns the entry's size
    /// when it was written.
    /// Whether node `i`'s result is stored only when the cost model says it pays: under the
    /// automatic policy, unless this process is a worker and `i` is what it was sent (another
    /// process reads it, whatever it costs).
    fn weighs_cost(&self, plan: &Plan<'_>, i: usize, node: &Node) -> bool {
        node.info.cache == CachePolicy::Auto && !(self.ctx.store_outputs && plan.is_root(i))
    }

    pub(super) fn store(&self, plan: &Plan<'_>, job: StoreJob) -> Option<u64> {
        let node = plan.nodes[job.node];
        let storable = node.storable?;
        let (store, speed) = (self.ctx.store, self.ctx.speed);
        let auto = self.weighs_cost(plan, job.node, node);
        // Only the automatic policy needs the store's speed (and so a probe).
        let speed = if auto { speed.get(store) } else { None };
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
                    return None;
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
        if auto && speed.is_none_or(|s| !s.worth_storing(size, job.recover, plan.is_root(job.node)))
        {
            tracing::debug!(
                target: "graphchain",
                function = node.info.name,
                key = %node.key.short(),
                bytes = size,
                reason = "loading it would not beat computing it",
                "skip"
            );
            return None;
        }
        let start = Instant::now();
        match entry::put(store, node.key, &[&header, &payload]) {
            // An entry of a newer format is there: left for the program that wrote it.
            Ok(false) => None,
            Ok(true) => {
                self.stored[job.node].store(true, Ordering::Relaxed);
                tracing::debug!(
                    target: "graphchain",
                    function = node.info.name,
                    key = %node.key.short(),
                    time = ?start.elapsed(),
                    bytes = size,
                    "store"
                );
                Some(size)
            }
            Err(e) => {
                if !self.write_warned.swap(true, Ordering::Relaxed) {
                    tracing::warn!(
                        target: "graphchain",
                        location = %store.location(),
                        "cannot write to the cache ({e}); results are still returned but not stored"
                    );
                }
                None
            }
        }
    }

    /// Records what this attempt stored, for later runs: a trace from each stored node's
    /// content key to its key (when the content of all its inputs is known), and the code of
    /// each function that stored a result.
    pub(super) fn record_lineage(&self, plan: &Plan<'_>) {
        let store = self.ctx.store;
        let mut traces = Vec::new();
        let mut functions = HashMap::new();
        for i in (0..plan.len()).filter(|&i| self.stored[i].load(Ordering::Relaxed)) {
            let node = plan.nodes[i];
            if plan.seen(node) != Some(Seen::Same) {
                functions.insert(function_id(node.info), node.info);
            }
            if plan.deps_of(i).is_empty() {
                continue;
            }
            if let Some(content) = self.content_key(plan, i, node) {
                traces.push((content, node.key));
            }
        }
        for info in functions.into_values() {
            cutoff::record_function(store, info);
        }
        traces
            .par_iter()
            .for_each(|&(content, key)| cutoff::record_trace(store, content, key));
    }
}
