//! A store in memory, for tests and for runs that should leave nothing on disk.

use std::collections::HashMap;
use std::io;
use std::sync::{Arc, RwLock};
use std::time::SystemTime;

use super::{Opened, Store, StoreMeta};
use crate::key::Key;

/// Entries by key, each with its last use.
type Entries = HashMap<Key, (Arc<[u8]>, SystemTime)>;

/// Cache entries in a map in memory; shared by clones of the `Arc` that holds it.
#[derive(Debug, Default)]
pub struct MemoryStore {
    entries: RwLock<Entries>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Entries> {
        self.entries.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Entries> {
        self.entries.write().unwrap_or_else(|e| e.into_inner())
    }
}

impl Store for MemoryStore {
    fn location(&self) -> String {
        // Each store is its own place.
        format!("memory:{:p}", self)
    }

    fn get(&self, key: Key) -> io::Result<Option<Vec<u8>>> {
        Ok(self.read().get(&key).map(|(bytes, _)| bytes.to_vec()))
    }

    fn open(&self, key: Key) -> io::Result<Option<Opened>> {
        // The shared bytes themselves: a reader copies them once, as `get` does.
        Ok(self.read().get(&key).map(|(bytes, _)| Opened {
            size: bytes.len() as u64,
            reader: Box::new(io::Cursor::new(Arc::clone(bytes))),
        }))
    }

    fn put(&self, key: Key, entry: &[u8]) -> io::Result<()> {
        self.write().insert(key, (entry.into(), SystemTime::now()));
        Ok(())
    }

    fn contains(&self, key: Key) -> io::Result<bool> {
        Ok(self.read().contains_key(&key))
    }

    fn remove(&self, key: Key) -> io::Result<bool> {
        Ok(self.write().remove(&key).is_some())
    }

    fn list(&self) -> io::Result<Vec<Key>> {
        Ok(self.read().keys().copied().collect())
    }

    fn metadata(&self, key: Key) -> io::Result<Option<StoreMeta>> {
        Ok(self.read().get(&key).map(|(bytes, t)| StoreMeta {
            size: bytes.len() as u64,
            last_used: *t,
        }))
    }

    fn touch(&self, key: Key) -> io::Result<()> {
        if let Some(entry) = self.write().get_mut(&key) {
            entry.1 = SystemTime::now();
        }
        Ok(())
    }
}
