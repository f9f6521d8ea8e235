//! The cache side of a run: which nodes may use the cache, loading an entry, early cutoff's
//! lookup through the content of a node's inputs, and storing a result when the cost model says
//! it pays. The run state hands it results and gets back loaded values; it keeps what the cache
//! needs across an attempt (content hashes, what was stored, unusable entries).

use std::collections::HashSet;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime};

use super::content::Contents;
use super::lock;
use super::plan::Plan;
use crate::graph::node::{CachePolicy, Node};
use crate::key::Key;
use crate::store::entry::{self, Header};
use crate::store::payload::{self, Described};
use crate::store::speed::StoreSpeed;
use crate::store::{EntryBytes, Lease, Store};
use crate::value::Value;

mod encoding;
mod job;
mod lineage;
mod load;

pub(crate) use job::StoreJob;
use job::released;
pub(super) use lineage::Found;

/// What a run knows of its cache: the store, its measured speed, and the skip lists.
pub(crate) struct CacheContext<'r> {
    pub(crate) store: &'r dyn Store,
    pub(crate) speed: &'r StoreSpeed,
    pub(crate) skip_keys: &'r HashSet<Key>,
    pub(crate) skip_functions: &'r HashSet<String>,
    /// Set when the run wrote a result to the store (the size budget is checked after such runs).
    pub(crate) wrote: AtomicBool,
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

/// An entry read, checked and decoded.
struct Read {
    value: Value,
    header: Header,
    bytes: EntryBytes,
    /// Where the payload starts in `bytes`.
    payload_at: usize,
    /// When the entry was last used, when the store said.
    last_used: Option<SystemTime>,
}

/// The cache side of one attempt.
pub(super) struct RunCache<'c> {
    ctx: &'c CacheContext<'c>,
    /// The content of each node's value, when it is known (see [`Contents`]).
    content: Contents,
    /// Whether each node's result was written to the store in this attempt.
    stored: Vec<AtomicBool>,
    /// Whether cache-if-faster left each node's result out of the store in this attempt.
    skipped: Vec<AtomicBool>,
    /// Entries found unusable, and why.
    bad_entries: Mutex<Vec<(Key, String)>>,
    write_warned: AtomicBool,
}

impl<'c> RunCache<'c> {
    pub(super) fn new(ctx: &'c CacheContext<'c>, plan: &Plan<'_>) -> Self {
        RunCache {
            ctx,
            content: Contents::new(plan),
            stored: (0..plan.len()).map(|_| AtomicBool::new(false)).collect(),
            skipped: (0..plan.len()).map(|_| AtomicBool::new(false)).collect(),
            bad_entries: Mutex::new(Vec::new()),
            write_warned: AtomicBool::new(false),
        }
    }

    pub(super) fn eligible(&self, node: &Node) -> bool {
        self.ctx.eligible(node)
    }

    /// Whether cache-if-faster left node `i`'s result out of the store in this attempt (as far
    /// as decided: before its consumers start, or when its store job ran) with nothing to
    /// compare its value with: its content is hashed from the value, and no earlier run
    /// recorded such a hash of it.
    pub(super) fn not_stored(&self, plan: &Plan<'_>, i: usize) -> bool {
        self.left_out(i) && !plan.derives(i)
    }

    /// Whether cache-if-faster left node `i`'s result out of the store in this attempt, as far
    /// as decided (before its consumers start, or when its store job ran).
    pub(super) fn left_out(&self, i: usize) -> bool {
        self.skipped[i].load(Ordering::Relaxed)
    }

    /// The entries found unusable in this attempt, with the reason.
    pub(super) fn take_bad_entries(&self) -> Vec<(Key, String)> {
        std::mem::take(&mut *lock(&self.bad_entries))
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
                    return Leased::Loaded(self.loaded(i, node, read, start.elapsed()));
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
        let in_memory = node.storable.and_then(|s| (s.size_hint)(value));
        if self.weighs_cost(plan, i, node) {
            let Some(speed) = self.ctx.speed.get(self.ctx.store) else {
                return (None, recover);
            };
            // A result still to encode is judged by the encoding the function's last one (or
            // else the last one of its type and codec) predicts, halved so that only a clear
            // loss is left unencoded.
            let (bytes, encode) = payload
                .is_none()
                .then(|| self.predicted(plan, i, node, value, in_memory?))
                .flatten()
                .map_or((0, 0.0), |p| (p.bytes / 2, p.seconds / 2.0));
            if !speed.worth_storing(bytes, recover_s, encode, plan.is_root(i)) {
                self.skipped[i].store(true, Ordering::Relaxed);
                self.know_unencoded(plan, i, node, value);
                tracing::debug!(
                    target: "graphchain",
                    function = node.info.name,
                    key = %node.key.short(),
                    bytes,
                    reason = "computing it is faster than loading it",
                    "skip"
                );
                return (None, recover);
            }
            recover = recover.min((speed.latency * 1e9) as u64);
        }
        let job = StoreJob {
            in_memory,
            node: i,
            lease,
            for_driver: self.ctx.store_outputs && plan.is_root(i),
            value: value.clone(),
            payload,
            compute: elapsed,
            recover: recover_s,
        };
        (Some(job), recover)
    }

    /// Whether node `i`'s result is stored only when the cost model says it pays: under the
    /// automatic policy, unless this process is a worker and `i` is what it was sent (another
    /// process reads it, whatever it costs).
    fn weighs_cost(&self, plan: &Plan<'_>, i: usize, node: &Node) -> bool {
        node.info.cache == CachePolicy::Auto && !(self.ctx.store_outputs && plan.is_root(i))
    }

    /// Stores a computed result when the policy says it pays off; returns the entry's size
    /// when it was written.
    pub(super) fn store(&self, plan: &Plan<'_>, mut job: StoreJob) -> Option<u64> {
        let node = plan.nodes[job.node];
        let storable = node.storable?;
        let auto = self.weighs_cost(plan, job.node, node);
        // The content of a value the plan reads further, for the traces of its readers.
        let readers = self.content.has_readers(job.node) && self.content.get(job.node).is_none();
        let in_memory = job.in_memory.filter(|_| auto);
        // A value the codec gives as parts of its own memory (a large vector) is written and
        // hashed from there, never copied into an encoding first.
        if job.payload.is_none()
            && !readers
            && let Some(parts) = (storable.encode_parts)(&job.value)
        {
            let payload = parts.slices();
            let hash = entry::parts_hash(&payload);
            return self.write_out(plan, &job, &payload, hash, in_memory, 0.0);
        }
        let (encoded, checksum, encoding) = match job.payload.take() {
            Some((payload, hash)) => (payload, hash, 0.0),
            None => {
                let start = Instant::now();
                let mut encoded = Vec::new();
                if let Err(e) = (storable.encode)(&job.value, &mut encoded) {
                    tracing::warn!(
                        target: "graphchain",
                        function = node.info.name,
                        key = %node.key.short(),
                        "cannot encode the result, not storing it: {e}"
                    );
                    return None;
                }
                (encoded, None, start.elapsed().as_secs_f64())
            }
        };
        let own = readers
            .then(|| (storable.content_hash)(&job.value, &encoded))
            .flatten();
        // The encoding is all the write needs: a large value is released before it, not after.
        job.value = released();
        let payload = [&encoded[..], &[]];
        let hash = checksum.unwrap_or_else(|| entry::parts_hash(&payload));
        if readers {
            self.content.set(job.node, own.unwrap_or(hash));
        }
        self.write_out(plan, &job, &payload, hash, in_memory, encoding)
    }

    /// Writes the encoded `payload` (blake3 hash `hash`) of `job`'s result when the policy says
    /// it pays off, learning how the result encoded (`in_memory` bytes in `encoding` seconds);
    /// returns the entry's size when it was written.
    fn write_out(
        &self,
        plan: &Plan<'_>,
        job: &StoreJob,
        payload: &[&[u8]; 2],
        hash: [u8; 32],
        in_memory: Option<u64>,
        encoding: f64,
    ) -> Option<u64> {
        let node = plan.nodes[job.node];
        let storable = node.storable?;
        let (store, speed) = (self.ctx.store, self.ctx.speed);
        let auto = self.weighs_cost(plan, job.node, node);
        // Only the automatic policy needs the store's speed (and so a probe).
        let speed = if auto { speed.get(store) } else { None };
        let described = Described {
            key: node.key,
            fingerprint: storable.fingerprint(),
            codec: storable.codec,
            name: node.info.name,
            compute_ns: job.compute.as_nanos() as u64,
        };
        let size = payload::loaded_size(&described, payload[0].len() + payload[1].len());
        if let Some(in_memory) = in_memory {
            let (identity, kind) = (&node.info.identity, storable.kind());
            self.ctx
                .speed
                .learn(identity, kind, in_memory, size, encoding);
        }
        let output = plan.is_root(job.node);
        if auto && speed.is_none_or(|s| !s.worth_storing(size, job.recover, 0.0, output)) {
            if speed.is_some() {
                self.skipped[job.node].store(true, Ordering::Relaxed);
            }
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
        match payload::put_result(store, &described, payload, hash) {
            // An entry of a newer format is there: left for the program that wrote it.
            Ok(None) => None,
            Ok(Some(written)) => {
                self.stored[job.node].store(true, Ordering::Relaxed);
                self.ctx.wrote.store(true, Ordering::Relaxed);
                tracing::debug!(
                    target: "graphchain",
                    function = node.info.name,
                    key = %node.key.short(),
                    time = ?start.elapsed(),
                    bytes = size,
                    written,
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

    /// Waits until what this attempt stored is durable (uploaded, for a store that uploads in
    /// the background); what could not be written is reported, and the results are still
    /// returned.
    pub(super) fn flush(&self) {
        if let Err(e) = self.ctx.store.flush() {
            tracing::warn!(
                target: "graphchain",
                location = %self.ctx.store.location(),
                "results are returned but not all were stored: {e}"
            );
        }
    }
}
