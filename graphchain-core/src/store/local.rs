//! A store in a local directory: one file per entry, in one of 256 subdirectories by the key's
//! first byte, written to a temporary file and renamed.

use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime};

use super::{EntryBytes, EntryCheck, Lease, Opened, Store, StoreMeta};
use crate::key::Key;
use files::{LeaseFile, key_of, kind, not_found_is_none, shard_name, shard_of};
use listing::Asking;
use sighted::{Sight, Sighted};

/// Entries of at most this many bytes are read in one call, header and payload together.
const READ_WHOLE: usize = 64 << 10;
/// Entries of at least this many bytes are mapped into memory rather than read: decoding then
/// reads the page cache directly, without first copying the entry into fresh memory.
const MAP_FROM: usize = 1 << 20;

/// A subdirectory at most this large (in the size its file system gives a directory) is
/// listed for the planner rather than asked about key by key: at most a hundred entries or so.
const LISTED_SHARD_BYTES: u64 = 8 << 10;

/// File name extension of entries.
const EXTENSION: &str = "gce";
/// File name prefix of entries being written.
const TEMP_PREFIX: &str = ".tmp-";
/// The name of a lease file is this and the key: a file locked by the process computing that
/// key's result (see `Store::try_lease`).
const LEASE_PREFIX: &str = ".lease-";
/// Temporary files older than this are leftovers of killed writers: a writer renames its file
/// as soon as it has written it, and every write moves the file's modification time, so only
/// a writer stalled for an hour in the middle of one entry could lose its file (its rename then
/// fails, and the result is simply not stored).
pub(crate) const LEFTOVER_AGE: Duration = Duration::from_secs(3600);

/// Cache entries as files in a directory, `<first two hex digits of the key>/<key>.gce`.
///
/// The 256 subdirectories (made when first written to) keep each directory small in a cache of
/// millions of entries, as git and sccache do. Entries of the earlier flat layout
/// (`<key>.gce` in the directory itself) are moved into their subdirectory the first time a
/// store is used; a program of that earlier layout sharing the cache then misses them.
///
/// Writes go to a temporary file in the directory, then are renamed into place: readers in
/// any thread or process see a whole entry or none, and concurrent writers of one key are
/// harmless (the last rename wins, and both wrote the same value). The directory is created on
/// the first write, and again if it was removed in the meantime; the first write through each
/// store also removes temporary files that killed writers left more than an hour ago, and
/// [`remove_leftovers`](Store::remove_leftovers) (run by every prune and clear) removes empty
/// subdirectories as well.
///
/// Only regular files (or symbolic links to them) named `<key>.gce`, with the key in lower
/// case, in the subdirectory of the key, are entries. Anything else under such a name (a
/// directory, a FIFO, a device, a dangling link or a loop) is an entry that cannot be read: an
/// error for that key alone, never a blocked or unbounded read. Files are opened without blocking and read only up to the
/// size they had when opened.
///
/// Entries of 1 MiB or more are mapped into memory while they are checked and decoded, rather
/// than copied: loading one then runs at the speed of decoding. Their files must not be
/// truncated in place meanwhile (graphchain never does: it replaces an entry by renaming a new
/// file over it, and removes it by unlinking it, both harmless to a reader); a file cut short
/// under a reader by another program stops that process with `SIGBUS`, as it would any
/// program reading a mapped file (git, ripgrep).
#[derive(Debug)]
pub struct LocalStore {
    dir: PathBuf,
    created: AtomicBool,
    /// Set once entries of the flat layout have been moved into their subdirectories.
    migrated: OnceLock<()>,
    sync: bool,
    /// Small entries a run's planner found, until they are loaded.
    sighted: Sighted,
    /// Time spent asking about keys one by one, and making listings (see `list_shard`).
    asking: Asking,
}

impl LocalStore {
    /// A store in `dir` (created when first written to), not syncing writes (see
    /// [`sync_writes`](LocalStore::sync_writes)).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        LocalStore {
            dir: dir.into(),
            created: AtomicBool::new(false),
            migrated: OnceLock::new(),
            sync: false,
            sighted: Sighted::default(),
            asking: Asking::default(),
        }
    }

    /// Whether each entry is flushed to the disk before it is renamed into place, and the
    /// directory after, so that an entry written before a power loss is still there after it.
    ///
    /// Off by default. Without it, a power loss may leave an entry empty, partial or missing,
    /// and that is safe: no entry is used unless its size, its header checksum and its
    /// payload's blake3 hash all match, so such an entry is a miss, and the value is computed
    /// again. Syncing costs a disk flush per entry (measured with `cargo bench --bench cache`
    /// on ext4: an 8-byte entry took 1.9 ms to store instead of 0.45 ms, a 1 MiB one 13.9 ms
    /// instead of 1.9 ms), which would also make cache-if-faster store fewer results. Turn it
    /// on for results that are expensive to recompute on a machine that may lose power.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use graphchain::{LocalStore, Runtime};
    ///
    /// let dir = tempfile::tempdir().unwrap();
    /// let store = LocalStore::new(dir.path()).sync_writes(true);
    /// let rt = Runtime::builder().store(Arc::new(store)).build()?;
    /// # Ok::<(), graphchain::Error>(())
    /// ```
    pub fn sync_writes(mut self, enabled: bool) -> Self {
        self.sync = enabled;
        self
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file of the entry under `key`, whether or not there is one.
    ///
    /// # Examples
    ///
    /// ```
    /// use graphchain::{Key, LocalStore};
    ///
    /// let store = LocalStore::new("/tmp/cache");
    /// let key: Key = "ab".repeat(32).parse().unwrap();
    /// let path = store.entry_path(key);
    /// assert_eq!(path, std::path::Path::new("/tmp/cache/ab").join(format!("{key}.gce")));
    /// ```
    pub fn entry_path(&self, key: Key) -> PathBuf {
        self.migrate();
        // Made in one allocation, with no formatting: every look at an entry makes its path.
        let mut name = [0u8; 64 + 1 + EXTENSION.len()];
        name[..64].copy_from_slice(&key.hex());
        name[64] = b'.';
        name[65..].copy_from_slice(EXTENSION.as_bytes());
        let name = std::str::from_utf8(&name).expect("hex digits and the extension are ASCII");
        let mut path = PathBuf::with_capacity(self.dir.as_os_str().len() + 4 + name.len());
        path.push(&self.dir);
        path.push(&name[..2]);
        path.push(name);
        path
    }

    fn path(&self, key: Key) -> PathBuf {
        self.entry_path(key)
    }

    /// A new temporary file in the directory, named after `what` it will become: unique in
    /// this process and among processes, and removed as a leftover if its writer is killed.
    fn temp_path(&self, what: &str) -> PathBuf {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        self.dir.join(format!(
            "{TEMP_PREFIX}{what}-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ))
    }

    /// The subdirectory of the entries whose key starts with `first`.
    fn shard(&self, first: u8) -> PathBuf {
        self.dir.join(shard_name(first))
    }

    /// Moves entries of the flat layout into their subdirectories, once per store: the
    /// directory itself then holds only subdirectories, temporary files and leases.
    fn migrate(&self) {
        self.migrated.get_or_init(|| {
            let Ok(items) = fs::read_dir(&self.dir) else {
                return;
            };
            for item in items.flatten() {
                let name = item.file_name();
                let Some(key) = name.to_str().and_then(key_of) else {
                    continue;
                };
                let (from, shard) = (item.path(), self.shard(key.as_bytes()[0]));
                // Moved as it is, whatever it is: an unreadable entry stays one.
                if fs::rename(&from, shard.join(&name)).is_err() {
                    let _ = fs::create_dir_all(&shard)
                        .and_then(|()| fs::rename(&from, shard.join(&name)));
                }
            }
        });
    }

    /// The keys of the entries in the subdirectory of `first`, which is there.
    fn shard_keys(&self, first: u8, keys: &mut Vec<Key>) -> io::Result<()> {
        let Some(items) = not_found_is_none(fs::read_dir(self.shard(first)))? else {
            return Ok(());
        };
        for item in items {
            let name = item?.file_name();
            // A file in another key's subdirectory is not where that entry is looked for.
            if let Some(key) = name
                .to_str()
                .and_then(key_of)
                .filter(|k| k.as_bytes()[0] == first)
            {
                keys.push(key);
            }
        }
        Ok(())
    }

    /// The entry under `key` if it is a regular file, with its metadata; `None` if there is
    /// none.
    fn open_file(&self, key: Key) -> io::Result<Option<(fs::File, fs::Metadata)>> {
        let Some(file) = files::open_entry(&self.path(key))? else {
            return Ok(None);
        };
        let meta = file.metadata()?;
        if !meta.is_file() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("the entry is not a regular file but {}", kind(&meta)),
            ));
        }
        Ok(Some((file, meta)))
    }
}

impl Store for LocalStore {
    fn location(&self) -> String {
        self.dir.display().to_string()
    }

    fn get(&self, key: Key) -> io::Result<Option<Vec<u8>>> {
        let Some((mut file, meta)) = self.open_file(key)? else {
            return Ok(None);
        };
        // Sized from the file itself, never from the entry's contents, and fallibly.
        super::read_rest(&mut file, Vec::new(), meta.len()).map(Some)
    }

    fn get_prefix(&self, key: Key, len: usize) -> io::Result<Option<Vec<u8>>> {
        let Some((file, meta)) = self.open_file(key)? else {
            return Ok(None);
        };
        let len = meta.len().min(len as u64);
        let mut bytes = Vec::with_capacity(len as usize);
        file.take(len).read_to_end(&mut bytes)?;
        Ok(Some(bytes))
    }

    fn open(&self, key: Key) -> io::Result<Option<Opened>> {
        Ok(self.open_file(key)?.map(|(file, meta)| Opened {
            size: meta.len(),
            reader: Box::new(file.take(meta.len())),
        }))
    }

    fn read_entry(
        &self,
        key: Key,
        prefix: usize,
        check: &mut EntryCheck<'_>,
    ) -> io::Result<Option<EntryBytes>> {
        if let Some(entry) = self
            .sighted
            .take(key)
            .and_then(|sight| self.read_sighted(key, sight, check))
        {
            return Ok(Some(entry));
        }
        let asked = Instant::now();
        let Some((mut file, meta)) = self.open_file(key)? else {
            // A load of an entry not asked about first (`reads_unasked`) is a question too.
            self.asking.asked(asked.elapsed());
            return Ok(None);
        };
        // The file's modification time is its last use (see `touch`).
        let (size, used) = (meta.len(), meta.modified().ok());
        if size <= READ_WHOLE as u64 {
            // Small: read in one call (bounded by the file's size), then checked.
            let bytes = super::read_rest(&mut file, Vec::new(), size)?;
            check(&bytes, size)?;
            return Ok(Some(EntryBytes::from(bytes).used_at(used)));
        }
        let head = super::read_head(&mut file, prefix, size, check)?;
        if size < MAP_FROM as u64 {
            let bytes = super::read_rest(&mut file, head, size)?;
            return Ok(Some(EntryBytes::from(bytes).used_at(used)));
        }
        let len = usize::try_from(size).map_err(io::Error::other)?;
        // SAFETY: the map is read-only and private to this process, of a regular file (checked
        // by `open_file`) that graphchain never changes in place: entries are written to a
        // temporary file and renamed over the old one, whose inode stays intact for its readers.
        // Only another program truncating the entry's file in place, while it is being loaded,
        // could make a read of the map fault (see the type's documentation).
        let map = unsafe { memmap2::MmapOptions::new().len(len).populate().map(&file)? };
        Ok(Some(EntryBytes::mapped(map).used_at(used)))
    }

    fn put(&self, key: Key, entry: &[u8]) -> io::Result<()> {
        self.put_parts(key, &[entry])
    }

    fn put_parts(&self, key: Key, parts: &[&[u8]]) -> io::Result<()> {
        if !self.created.load(Ordering::Relaxed) {
            fs::create_dir_all(&self.dir)?;
            if !self.created.swap(true, Ordering::Relaxed) {
                // Once per store (so once per runtime): what killed writers left behind.
                let _ = files::remove_stale(&self.dir, LEFTOVER_AGE);
            }
        }
        let temp = self.temp_path(&key.short());
        let mut pending = None;
        // The directory may have been removed since it was created (by `rm -rf` while a
        // long-lived process runs): make it again rather than fail every later write.
        let file = match fs::File::create(&temp) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                fs::create_dir_all(&self.dir)?;
                fs::File::create(&temp)
            }
            file => file,
        };
        let written = file
            .and_then(|mut file| {
                parts.iter().try_for_each(|part| file.write_all(part))?;
                // The data reaches the disk before the name does: a power loss then leaves the
                // old entry, or none, or the whole new one.
                if self.sync {
                    file.sync_data()?;
                }
                Ok(())
            })
            .and_then(|()| {
                let path = self.path(key);
                pending = listing::before_change(self, key);
                match fs::rename(&temp, &path) {
                    // The entry's subdirectory is made by its first write (and again if a prune
                    // removed it meanwhile).
                    Err(e) if e.kind() == io::ErrorKind::NotFound => {
                        fs::create_dir_all(self.shard(key.as_bytes()[0]))?;
                        fs::rename(&temp, &path)
                    }
                    renamed => renamed,
                }
            });
        if written.is_err() {
            let _ = fs::remove_file(&temp);
        } else if let Some(pending) = pending {
            listing::after_change(self, pending, key, listing::Change::Added);
        }
        if written.is_ok() && self.sync {
            // The rename itself, so that a stored entry stays stored. Best effort: some file
            // systems cannot sync a directory, and the entry is in place either way.
            let _ = fs::File::open(self.shard(key.as_bytes()[0])).and_then(|dir| dir.sync_all());
        }
        written
    }

    fn contains(&self, key: Key) -> io::Result<bool> {
        let asked = Instant::now();
        let found = not_found_is_none(fs::symlink_metadata(self.path(key)))?.is_some();
        self.asking.asked(asked.elapsed());
        Ok(found)
    }

    fn reads_unasked(&self) -> bool {
        true
    }

    fn contains_to_load(&self, key: Key) -> io::Result<bool> {
        let asked = Instant::now();
        let meta = not_found_is_none(fs::symlink_metadata(self.path(key)));
        self.asking.asked(asked.elapsed());
        let Some(meta) = meta? else {
            return Ok(false);
        };
        // A small regular file is remembered for the load (a link, or anything else, is
        // looked at again then).
        if meta.is_file() && meta.len() <= READ_WHOLE as u64 {
            let modified = meta.modified().ok();
            let size = meta.len();
            self.sighted.note(key, Sight { size, modified });
        }
        Ok(true)
    }

    fn remove(&self, key: Key) -> io::Result<bool> {
        let pending = listing::before_change(self, key);
        let removed = not_found_is_none(fs::remove_file(self.path(key)))?.is_some();
        if let Some(pending) = pending.filter(|_| removed) {
            listing::after_change(self, pending, key, listing::Change::Removed);
        }
        // The subdirectory goes with its last entry (a writer finding it gone makes it again),
        // and its listing with it.
        if fs::remove_dir(self.shard(key.as_bytes()[0])).is_ok() {
            let _ = listing::forget(&self.dir, key.as_bytes()[0]);
        }
        Ok(removed)
    }

    fn list(&self) -> io::Result<Vec<Key>> {
        self.migrate();
        let Some(dir) = not_found_is_none(fs::read_dir(&self.dir))? else {
            return Ok(Vec::new());
        };
        let mut keys = Vec::new();
        for item in dir {
            let name = item?.file_name();
            if let Some(first) = name.to_str().and_then(shard_of) {
                self.shard_keys(first, &mut keys)?;
            }
        }
        Ok(keys)
    }

    fn list_shard(&self, first: u8) -> io::Result<Option<Vec<Key>>> {
        Ok(match listing::shard_size(self, first)? {
            listing::ShardSize::Small(keys) => Some(keys),
            listing::ShardSize::Large(_) => None,
        })
    }

    fn shard_prefixes(&self, first: u8) -> io::Result<Option<Vec<u64>>> {
        match listing::shard_size(self, first)? {
            listing::ShardSize::Small(keys) => {
                let mut prefixes: Vec<u64> = keys.iter().map(Key::prefix).collect();
                prefixes.sort_unstable();
                Ok(Some(prefixes))
            }
            listing::ShardSize::Large(meta) => listing::of_large(self, first, &meta),
        }
    }

    fn metadata(&self, key: Key) -> io::Result<Option<StoreMeta>> {
        let path = self.path(key);
        // A link to nothing, or a loop, has the link's own size and time.
        let meta = fs::metadata(&path).or_else(|_| fs::symlink_metadata(&path));
        Ok(not_found_is_none(meta)?.map(|m| StoreMeta {
            size: m.len(),
            last_used: m.modified().unwrap_or(SystemTime::UNIX_EPOCH),
        }))
    }

    fn touch(&self, key: Key) -> io::Result<()> {
        files::touch(&self.path(key))
    }

    fn try_lease(&self, key: Key) -> io::Result<Option<Lease>> {
        if !self.created.load(Ordering::Relaxed) {
            fs::create_dir_all(&self.dir)?;
        }
        let path = self.dir.join(format!("{LEASE_PREFIX}{key}"));
        let file = fs::File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)?;
        match file.try_lock() {
            // Locked after it was removed: another process may hold the file now under its
            // name, and this one waits for it as for any holder.
            Ok(()) if !files::still_named(&file, &path)? => Ok(None),
            Ok(()) => Ok(Some(Lease::new(LeaseFile { path, _file: file }))),
            Err(fs::TryLockError::WouldBlock) => Ok(None),
            Err(fs::TryLockError::Error(e)) => Err(e),
        }
    }

    fn remove_leftovers(&self, age: Duration) -> io::Result<usize> {
        let removed = files::remove_stale(&self.dir, age)?;
        // Subdirectories left empty by removals; one in use is not empty, or is made again by
        // the writer that finds it gone.
        for first in 0..=u8::MAX {
            let shard = self.shard(first);
            let _ = fs::remove_dir(&shard);
            if !shard.exists() {
                let _ = listing::forget(&self.dir, first);
            }
        }
        Ok(removed)
    }
}

mod files;
mod listing;
mod sighted;
