//! Entries a local store read while the planner looked for them, kept for the load that follows
//! (see `Store::contains_to_load`): the file is opened once, not looked at and then opened.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::SystemTime;

use crate::key::{Key, KeyBuildHasher};

/// At most this many bytes of entries are kept at once; past it, entries are read when loaded.
const BUDGET: usize = 16 << 20;

/// The entries read for a planner and not loaded yet, with their files' modification times.
#[derive(Debug, Default)]
pub(super) struct Prefetched(Mutex<Kept>);

#[derive(Debug, Default)]
struct Kept {
    entries: HashMap<Key, (Vec<u8>, Option<SystemTime>), KeyBuildHasher>,
    bytes: usize,
}

impl Prefetched {
    fn lock(&self) -> MutexGuard<'_, Kept> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether an entry of `len` bytes may be kept.
    pub(super) fn has_room(&self, len: u64) -> bool {
        (self.lock().bytes as u64).saturating_add(len) <= BUDGET as u64
    }

    /// Keeps `bytes`, the whole entry under `key`, last used at `used`.
    pub(super) fn keep(&self, key: Key, bytes: Vec<u8>, used: Option<SystemTime>) {
        let mut kept = self.lock();
        kept.bytes += bytes.len();
        if let Some((old, _)) = kept.entries.insert(key, (bytes, used)) {
            kept.bytes -= old.len();
        }
    }

    /// The entry kept under `key`, no longer kept.
    pub(super) fn take(&self, key: Key) -> Option<(Vec<u8>, Option<SystemTime>)> {
        let mut kept = self.lock();
        let taken = kept.entries.remove(&key)?;
        kept.bytes -= taken.0.len();
        Some(taken)
    }
}
