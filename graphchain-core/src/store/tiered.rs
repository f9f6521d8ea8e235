//! Two tiers: a local store in front of a remote one, as Bazel and sccache keep theirs.

use std::collections::{HashMap, HashSet, VecDeque};
use std::io;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

use super::{Lease, Opened, Store, StoreMeta};
use crate::key::Key;

/// How many uploads to the remote tier run at once.
const UPLOADS: usize = 4;
/// How many bytes may wait for upload before a write waits for room.
const MAX_WAITING_BYTES: usize = 256 << 20;

/// A local store (a directory) in front of a remote one.
///
/// Reads look in the local tier first; an entry found only in the remote tier is copied into
/// the local one, so the next run on this machine reads it locally. Writes go to the local tier
/// at once and to the remote one in the background, by at most four uploads at a time (a write
/// waits only when 256 MiB are already waiting): the run does not wait on the network per
/// result, and [`flush`](Store::flush) — which every run calls before it returns — waits until
/// everything written is in the remote tier, or says what could not be.
///
/// Leases are the remote tier's, so that machines sharing it compute a result once; listings
/// are the union of both tiers, and removals remove from both.
pub(crate) struct TieredStore {
    local: Arc<dyn Store>,
    remote: Arc<dyn Store>,
    uploads: Arc<Uploads>,
    /// Keys the remote tier was last seen without (by `contains`, or missing from a `list`):
    /// the header of a result about to be written is not asked of the remote tier again, so
    /// that storing a result costs no request on the worker that stores it.
    absent: Mutex<Absent>,
}

/// What the remote tier was last seen without.
#[derive(Default)]
struct Absent {
    asked: HashSet<Key>,
    /// The keys of the last listing, when there was one.
    listed: Option<HashSet<Key>>,
}

impl Absent {
    fn contains(&self, key: Key) -> bool {
        self.asked.contains(&key) || self.listed.as_ref().is_some_and(|l| !l.contains(&key))
    }
}

impl std::fmt::Debug for TieredStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TieredStore")
            .field("local", &self.local)
            .field("remote", &self.remote)
            .finish_non_exhaustive()
    }
}

/// Entries waiting for upload, and what became of the finished ones.
#[derive(Default)]
struct Queue {
    /// Keys in the order they were written; a key whose bytes are gone was removed (or written
    /// again, and is queued again).
    order: VecDeque<Key>,
    bytes: HashMap<Key, Vec<u8>>,
    waiting_bytes: usize,
    /// The keys being uploaded now.
    in_flight: Vec<Key>,
    /// Uploads that failed since the last flush, with why.
    failed: Vec<(Key, String)>,
    workers: usize,
    closed: bool,
}

#[derive(Default)]
struct Uploads {
    queue: Mutex<Queue>,
    /// Signalled when an entry is queued, an upload ends or the store closes.
    changed: Condvar,
}

impl Uploads {
    fn lock(&self) -> MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn wait<'a>(&self, guard: MutexGuard<'a, Queue>) -> MutexGuard<'a, Queue> {
        self.changed.wait(guard).unwrap_or_else(|e| e.into_inner())
    }

    /// Uploads queued entries until the store closes.
    fn work(&self, remote: &dyn Store) {
        let mut queue = self.lock();
        loop {
            let Some(key) = queue.order.pop_front() else {
                if queue.closed {
                    return;
                }
                queue = self.wait(queue);
                continue;
            };
            let Some(bytes) = queue.bytes.remove(&key) else {
                continue;
            };
            queue.in_flight.push(key);
            drop(queue);
            let result = remote.put(key, &bytes);
            queue = self.lock();
            if let Some(at) = queue.in_flight.iter().position(|&k| k == key) {
                queue.in_flight.swap_remove(at);
            }
            queue.waiting_bytes -= bytes.len();
            if let Err(e) = result {
                queue.failed.push((key, e.to_string()));
            }
            self.changed.notify_all();
        }
    }
}

impl TieredStore {
    /// `local` in front of `remote`.
    pub(crate) fn new(local: Arc<dyn Store>, remote: Arc<dyn Store>) -> Self {
        TieredStore {
            local,
            remote,
            uploads: Arc::default(),
            absent: Mutex::default(),
        }
    }

    fn absent(&self) -> MutexGuard<'_, Absent> {
        self.absent.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn queue_upload(&self, key: Key, entry: Vec<u8>) -> io::Result<()> {
        let mut queue = self.uploads.lock();
        while queue.waiting_bytes > 0 && queue.waiting_bytes + entry.len() > MAX_WAITING_BYTES {
            queue = self.uploads.wait(queue);
        }
        if queue.workers < UPLOADS {
            let (uploads, remote) = (Arc::clone(&self.uploads), Arc::clone(&self.remote));
            std::thread::Builder::new()
                .name("graphchain-upload".into())
                .spawn(move || uploads.work(&*remote))?;
            queue.workers += 1;
        }
        queue.waiting_bytes += entry.len();
        if let Some(previous) = queue.bytes.insert(key, entry) {
            queue.waiting_bytes -= previous.len();
        }
        queue.order.push_back(key);
        self.uploads.changed.notify_all();
        Ok(())
    }

    /// Copies an entry found in the remote tier into the local one (best effort: the local
    /// tier is only a copy).
    fn keep_locally(&self, key: Key, bytes: &[u8]) {
        let _ = self.local.put(key, bytes);
    }
}

/// A lease of the remote tier, given up once the entry under its key is uploaded.
struct UploadedFirst {
    uploads: Arc<Uploads>,
    key: Key,
    _lease: Lease,
}

impl Drop for UploadedFirst {
    fn drop(&mut self) {
        let mut queue = self.uploads.lock();
        while queue.bytes.contains_key(&self.key) || queue.in_flight.contains(&self.key) {
            queue = self.uploads.wait(queue);
        }
    }
}

impl Drop for TieredStore {
    fn drop(&mut self) {
        let _ = self.flush();
        self.uploads.lock().closed = true;
        self.uploads.changed.notify_all();
    }
}

impl Store for TieredStore {
    fn location(&self) -> String {
        format!(
            "{} (local tier {})",
            self.remote.location(),
            self.local.location()
        )
    }

    fn get(&self, key: Key) -> io::Result<Option<Vec<u8>>> {
        if let Ok(Some(bytes)) = self.local.get(key) {
            return Ok(Some(bytes));
        }
        let found = self.remote.get(key)?;
        if let Some(bytes) = &found {
            self.keep_locally(key, bytes);
        }
        Ok(found)
    }

    fn get_prefix(&self, key: Key, len: usize) -> io::Result<Option<Vec<u8>>> {
        if let Ok(Some(bytes)) = self.local.get_prefix(key, len) {
            return Ok(Some(bytes));
        }
        if self.absent().contains(key) {
            return Ok(None);
        }
        self.remote.get_prefix(key, len)
    }

    fn open(&self, key: Key) -> io::Result<Option<Opened>> {
        if let Ok(Some(opened)) = self.local.open(key) {
            return Ok(Some(opened));
        }
        Ok(self.get(key)?.map(|bytes| Opened {
            size: bytes.len() as u64,
            reader: Box::new(io::Cursor::new(bytes)),
        }))
    }

    fn put(&self, key: Key, entry: &[u8]) -> io::Result<()> {
        self.put_parts(key, &[entry])
    }

    fn put_parts(&self, key: Key, parts: &[&[u8]]) -> io::Result<()> {
        // The remote tier is the one that counts: a local tier that cannot be written (full,
        // read-only) only costs this machine its copy.
        let _ = self.local.put_parts(key, parts);
        self.queue_upload(key, parts.concat())
    }

    fn contains(&self, key: Key) -> io::Result<bool> {
        if self.local.contains(key).unwrap_or(false) {
            return Ok(true);
        }
        let there = self.remote.contains(key)?;
        if !there {
            self.absent().asked.insert(key);
        }
        Ok(there)
    }

    fn remove(&self, key: Key) -> io::Result<bool> {
        let waiting = {
            let mut queue = self.uploads.lock();
            let bytes = queue.bytes.remove(&key);
            if let Some(bytes) = &bytes {
                queue.waiting_bytes -= bytes.len();
            }
            // An upload under way would put the entry back after it is removed.
            while queue.in_flight.contains(&key) {
                queue = self.uploads.wait(queue);
            }
            bytes.is_some()
        };
        let local = self.local.remove(key).unwrap_or(false);
        Ok(self.remote.remove(key)? || local || waiting)
    }

    fn list(&self) -> io::Result<Vec<Key>> {
        let mut keys = self.remote.list()?;
        self.absent().listed = Some(keys.iter().copied().collect());
        keys.extend(self.local.list().unwrap_or_default());
        keys.sort_unstable();
        keys.dedup();
        Ok(keys)
    }

    fn metadata(&self, key: Key) -> io::Result<Option<StoreMeta>> {
        if let Ok(Some(meta)) = self.local.metadata(key) {
            return Ok(Some(meta));
        }
        self.remote.metadata(key)
    }

    fn touch(&self, key: Key) -> io::Result<()> {
        self.local.touch(key)
    }

    fn try_lease(&self, key: Key) -> io::Result<Option<Lease>> {
        // Given up only once the result is uploaded: a process on another machine that finds
        // the lease free must find the result too.
        Ok(self.remote.try_lease(key)?.map(|lease| {
            Lease::new(UploadedFirst {
                uploads: Arc::clone(&self.uploads),
                key,
                _lease: lease,
            })
        }))
    }

    fn remove_leftovers(&self, age: std::time::Duration) -> io::Result<usize> {
        let local = self.local.remove_leftovers(age).unwrap_or(0);
        Ok(local + self.remote.remove_leftovers(age)?)
    }

    fn flush(&self) -> io::Result<()> {
        let mut queue = self.uploads.lock();
        while !queue.in_flight.is_empty() || !queue.bytes.is_empty() {
            queue = self.uploads.wait(queue);
        }
        let failed = std::mem::take(&mut queue.failed);
        drop(queue);
        self.remote.flush()?;
        match failed.first() {
            None => Ok(()),
            Some((_, why)) => Err(io::Error::other(format!(
                "{} entr{} could not be uploaded to {} (the first: {why}); {} kept in the \
                 local tier",
                failed.len(),
                if failed.len() == 1 { "y" } else { "ies" },
                self.remote.location(),
                if failed.len() == 1 {
                    "it is"
                } else {
                    "they are"
                },
            ))),
        }
    }
}

#[cfg(test)]
mod tests;
