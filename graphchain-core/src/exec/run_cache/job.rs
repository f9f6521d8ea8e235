//! A result on its way to the store, and what it holds meanwhile.

use std::time::Duration;

use crate::store::Lease;
use crate::value::Value;

/// The size in memory from which a result to store is large: its encoding takes megabytes.
const LARGE: u64 = 1 << 20;

/// A result to consider for the cache once its consumers are on their way.
pub(crate) struct StoreJob {
    pub(in crate::exec) node: usize,
    /// The lease this process holds on the result, given up once it is stored: the job is then
    /// run at once by the worker that computed it, so that no other process waits on a job
    /// queued behind workers that themselves wait (see [`RunCache::lease`](super::RunCache::lease)).
    pub(in crate::exec) lease: Option<Lease>,
    /// Whether a driver process waits for this result (this process is a worker, and the
    /// result is one it was sent): it is stored at once, before the worker takes another task.
    pub(super) for_driver: bool,
    pub(super) value: Value,
    /// The value's encoding and its blake3 hash (the entry's checksum), when it was already
    /// encoded for its consumers.
    pub(super) payload: Option<(Vec<u8>, Option<[u8; 32]>)>,
    pub(super) compute: Duration,
    /// Seconds it would take to get this value back without the cache.
    pub(super) recover: f64,
    /// The value's size in memory, when its codec says
    /// ([`size_hint`](crate::store::codec::Codec::size_hint)).
    pub(super) in_memory: Option<u64>,
}

impl StoreJob {
    /// Whether the job must be stored at once by the thread that computed it: it holds a lease,
    /// or a driver process waits for it (a worker killed in its next task would lose it).
    pub(in crate::exec) fn at_once(&self) -> bool {
        self.lease.is_some() || self.for_driver
    }

    /// Whether the value is large: [`LARGE`] bytes or more in memory, and so is its encoding.
    pub(in crate::exec) fn large(&self) -> bool {
        self.in_memory.is_some_and(|bytes| bytes >= LARGE)
    }
}

/// What a store job holds of its value once the encoding is made: nothing, so that the
/// memory of a value no consumer reads any more is given back before the write.
pub(super) fn released() -> Value {
    static NOTHING: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
    NOTHING.get_or_init(|| std::sync::Arc::new(())).clone()
}
