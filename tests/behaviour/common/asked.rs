//! A store that remembers which keys the planner asked about (`Store::contains`), in memory.

use std::collections::HashSet;
use std::io;
use std::sync::Mutex;
use std::time::Duration;

use graphchain::{Key, MemoryStore, Store, StoreMeta};

/// A [`MemoryStore`] that records the keys asked about and never lists a group of keys (as a
/// large local store does not), so that every question reaches it.
#[derive(Debug, Default)]
pub(crate) struct Asked {
    inner: MemoryStore,
    asked: Mutex<HashSet<Key>>,
    /// How long each read takes.
    read_delay: Duration,
    /// What [`Store::reads_unasked`] says.
    unasked: bool,
}

impl Asked {
    /// Reads take 20 ms: no result of a cheap task is ever worth keeping, however busy the
    /// machine is.
    pub(crate) fn slow_reads() -> Asked {
        Asked {
            read_delay: Duration::from_millis(20),
            ..Asked::default()
        }
    }

    /// Entries are read without asking about them first, as a local store's are.
    pub(crate) fn read_unasked() -> Asked {
        Asked {
            unasked: true,
            ..Asked::default()
        }
    }

    /// Forgets the keys asked about so far and returns them.
    pub(crate) fn take_asked(&self) -> HashSet<Key> {
        std::mem::take(&mut self.asked.lock().unwrap())
    }
}

impl Store for Asked {
    fn location(&self) -> String {
        "asked".into()
    }
    fn get(&self, key: Key) -> io::Result<Option<Vec<u8>>> {
        std::thread::sleep(self.read_delay);
        self.inner.get(key)
    }
    fn put(&self, key: Key, entry: &[u8]) -> io::Result<()> {
        self.inner.put(key, entry)
    }
    fn contains(&self, key: Key) -> io::Result<bool> {
        self.asked.lock().unwrap().insert(key);
        self.inner.contains(key)
    }
    fn reads_unasked(&self) -> bool {
        self.unasked
    }
    fn remove(&self, key: Key) -> io::Result<bool> {
        self.inner.remove(key)
    }
    fn list(&self) -> io::Result<Vec<Key>> {
        self.inner.list()
    }
    fn metadata(&self, key: Key) -> io::Result<Option<StoreMeta>> {
        self.inner.metadata(key)
    }
}
