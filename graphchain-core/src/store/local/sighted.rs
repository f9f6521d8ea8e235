//! What a local store saw of the entries a run's planner found (see `Store::contains_to_load`):
//! a regular file's size and modification time, so that the load that follows opens and reads
//! the file without asking for them again.

use std::collections::HashMap;
use std::io::Read;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::SystemTime;

use super::files::open_nonblocking;
use super::{EntryBytes, EntryCheck, LocalStore};
use crate::key::{Key, KeyBuildHasher};

/// At most this many entries are remembered at once.
const MAX_ENTRIES: usize = 1 << 16;

/// A regular file under an entry's name, as the planner saw it.
#[derive(Clone, Copy, Debug)]
pub(super) struct Sight {
    pub(super) size: u64,
    pub(super) modified: Option<SystemTime>,
}

/// The entries found for a planner and not loaded yet.
#[derive(Debug, Default)]
pub(super) struct Sighted(Mutex<HashMap<Key, Sight, KeyBuildHasher>>);

impl Sighted {
    fn lock(&self) -> MutexGuard<'_, HashMap<Key, Sight, KeyBuildHasher>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Remembers what the entry under `key` was seen to be. When full, what was remembered
    /// before is forgotten (sights of runs that ended before loading them, or the first of a
    /// huge plan): those loads only ask again.
    pub(super) fn note(&self, key: Key, sight: Sight) {
        let mut seen = self.lock();
        if seen.len() >= MAX_ENTRIES {
            seen.clear();
        }
        seen.insert(key, sight);
    }

    /// What the entry under `key` was seen to be, forgotten.
    pub(super) fn take(&self, key: Key) -> Option<Sight> {
        let mut seen = self.lock();
        if seen.is_empty() {
            return None;
        }
        seen.remove(&key)
    }
}

impl LocalStore {
    /// The entry under `key` read as the planner saw it a moment ago, a regular file of
    /// `sight.size` bytes (at most 64 KiB): opened without blocking and read in one call of one
    /// byte more, with no `fstat`. `None` unless exactly that many bytes came (the file was
    /// replaced, removed or cut meanwhile, or is not a regular file now): the caller then reads
    /// it as any entry is read, regular-file check and all.
    pub(super) fn read_sighted(
        &self,
        key: Key,
        sight: Sight,
        check: &mut EntryCheck<'_>,
    ) -> Option<EntryBytes> {
        let size = usize::try_from(sight.size).ok()?;
        let path = self.entry_path(key);
        let mut file = open_nonblocking(std::fs::File::options().read(true), &path, true).ok()?;
        let mut bytes = vec![0; size + 1];
        if file.read(&mut bytes).ok()? != size {
            return None;
        }
        bytes.truncate(size);
        check(&bytes, sight.size).ok()?;
        Some(EntryBytes::from(bytes).used_at(sight.modified))
    }
}
