//! Listings of a local store's large subdirectories, kept for later runs and kept up to date by
//! every writer, so that a run can plan a large graph against a store of millions of entries
//! without asking about each key (a question about a name that is not there costs several
//! microseconds in a directory of thousands of entries; a kept listing answers it from memory).
//!
//! A subdirectory's listing is a *snapshot* of its keys and a *log* that every process writing
//! or removing an entry of it appends to, once the entry is in place or gone: one record of
//! whether it was added or removed, its key, and the modification time the subdirectory had
//! just before the change and just after. Together they are the subdirectory's keys as long as
//! every change was logged, and that is checked on every read: every change must start from a
//! time the listing accounts for (the snapshot's, or the end of a logged change), and the
//! latest must be the subdirectory's current time, which every change moves. An entry written
//! by a process that does not log, or removed by hand, moves it to a time no record starts
//! from, and makes the listing unusable until it is made again, whatever is logged after.
//! A snapshot is made only of a subdirectory left unchanged for [`SETTLED`] (longer than a tick
//! of the file system's clock), so that no change unlogged in the same tick as the recorded
//! time can go unseen (git's rule for "racily clean" index entries).
//!
//! A listing is a hint: the planner still asks about a key it holds, so a wrong one (the clock
//! set back, an unlogged change in the same tick as a logged one, or between a writer's two
//! looks at the time) costs a question or a recomputation, never a wrong value.
//!
//! Files, in `<dir>/.listings/`, outside the subdirectories whose times they record:
//! `<first two hex digits>` holds magic, the recorded time, the length of the log it includes,
//! the number of keys, then each key's prefix ([`Key::prefix`], eight bytes, little-endian) in
//! ascending order: a million entries list in 8 MB; `<first two hex digits>.log` holds the
//! records, [`RECORD`] bytes each.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::io::{self, Read as _, Seek as _, Write as _};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::files::{not_found_is_none, open_nonblocking, shard_name};
use super::{LISTED_SHARD_BYTES, LocalStore};
use crate::key::Key;

/// How long a subdirectory must have been left unchanged before a snapshot of it is made: more
/// than a tick of the clock file systems stamp times with (a jiffy, at most 10 ms, on Linux),
/// or [`SETTLED_COARSE`] for a time in whole seconds.
const SETTLED: Duration = Duration::from_millis(50);

/// [`SETTLED`] on a file system whose times are whole seconds (or two, FAT's).
const SETTLED_COARSE: Duration = Duration::from_secs(3);

/// The directory of listings, in the store's directory.
const LISTINGS: &str = ".listings";

const MAGIC: &[u8; 8] = b"gclist03";
const STAMP: usize = 12;
const HEADER: usize = MAGIC.len() + STAMP + 8 + 8;
/// A log record: `+` or `-`, the key, the subdirectory's time just before the change and just
/// after it.
const RECORD: usize = 1 + 32 + 2 * STAMP;
/// Larger snapshots are none this store made (a subdirectory of a million entries).
const MAX_KEYS: u64 = 1 << 20;
/// Log records read past the snapshot before the snapshot is made again with them.
const COMPACT_AFTER: usize = 128;

/// Whether an entry was added (written or replaced) or removed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Change {
    Added,
    Removed,
}

/// A subdirectory, as [`shard_size`] finds it.
pub(super) enum ShardSize {
    /// Missing (no keys), or small: its keys.
    Small(Vec<Key>),
    /// Too large to list for a run: its metadata.
    Large(fs::Metadata),
}

/// The subdirectory of `first`: missing, small enough to list (at most a hundred entries or
/// so: its keys), or large. The size of a directory grows with its entries on every common
/// file system (ext4: a 4 KiB block per 50 or so, btrfs: twice the names' length, tmpfs: 20
/// bytes each).
pub(super) fn shard_size(store: &LocalStore, first: u8) -> io::Result<ShardSize> {
    store.migrate();
    match not_found_is_none(fs::metadata(store.shard(first)))? {
        Some(meta) if meta.is_dir() && meta.len() > LISTED_SHARD_BYTES => {
            Ok(ShardSize::Large(meta))
        }
        Some(meta) if meta.is_dir() => {
            let mut keys = Vec::new();
            store.shard_keys(first, &mut keys)?;
            Ok(ShardSize::Small(keys))
        }
        _ => Ok(ShardSize::Small(Vec::new())),
    }
}

/// The prefixes of the stored keys of the large subdirectory of `first` (whose metadata is
/// `meta`), sorted: its
/// listing while that is complete; else a new snapshot, when the subdirectory has settled and
/// `store` has spent less time making snapshots than asking key by key; else `None`, and the
/// caller asks key by key.
pub(super) fn of_large(
    store: &LocalStore,
    first: u8,
    meta: &fs::Metadata,
) -> io::Result<Option<Vec<u64>>> {
    let Ok(modified) = meta.modified() else {
        return Ok(None);
    };
    if let Some(keys) = read(store, first, modified) {
        return Ok(Some(keys));
    }
    if !settled(modified, SystemTime::now()) || !store.asking.may_list() {
        return Ok(None);
    }
    let started = Instant::now();
    let keys = snapshot(store, first);
    store.asking.listed(started.elapsed());
    keys.map(Some)
}

/// A change to the subdirectory of a key about to be made, for its log: the log, open, and the
/// subdirectory's time before the change.
pub(super) struct Pending {
    file: fs::File,
    before: [u8; STAMP],
}

/// Opens the log of `key`'s subdirectory before its entry is written or removed, when that
/// subdirectory has a listing.
pub(super) fn before_change(store: &LocalStore, key: Key) -> Option<Pending> {
    let first = key.as_bytes()[0];
    // Without blocking (a FIFO put there has no reader) and only into a regular file.
    let file = open_log(&store.dir, first, false).ok()?;
    let before = shard_stamp(store, first)?;
    Some(Pending { file, before })
}

/// Appends to the log that `key`'s entry was just added or removed, with the subdirectory's
/// time before and after. Best effort: a change left out makes the listing unusable, which
/// costs questions, never a wrong answer.
pub(super) fn after_change(store: &LocalStore, pending: Pending, key: Key, change: Change) {
    let Pending { mut file, before } = pending;
    let Some(after) = shard_stamp(store, key.as_bytes()[0]) else {
        return;
    };
    let mut record = [0u8; RECORD];
    record[0] = match change {
        Change::Added => b'+',
        Change::Removed => b'-',
    };
    record[1..33].copy_from_slice(key.as_bytes());
    record[33..33 + STAMP].copy_from_slice(&before);
    record[33 + STAMP..].copy_from_slice(&after);
    // One write of the whole record, at the end of the file whatever other writers do.
    let _ = file.write_all(&record);
}

fn shard_stamp(store: &LocalStore, first: u8) -> Option<[u8; STAMP]> {
    fs::metadata(store.shard(first))
        .and_then(|m| m.modified())
        .ok()
        .and_then(stamp)
}

/// Removes the listing of the subdirectory of `first` (which is gone), and the directory of
/// listings once it is empty.
pub(super) fn forget(dir: &Path, first: u8) -> io::Result<()> {
    not_found_is_none(fs::remove_file(snapshot_path(dir, first)))?;
    not_found_is_none(fs::remove_file(log_path(dir, first)))?;
    let _ = fs::remove_dir(dir.join(LISTINGS));
    Ok(())
}

/// Puts a new, empty log in place of the subdirectory of `first`'s (made, then renamed over
/// it): the old one, records and all, is gone, and a writer still holding it open appends
/// where nobody reads.
fn renew_log(store: &LocalStore, first: u8) -> io::Result<()> {
    fs::create_dir_all(store.dir.join(LISTINGS))?;
    let temp = store.temp_path(&format!("log-{}", shard_name(first)));
    let renewed =
        fs::File::create(&temp).and_then(|_| fs::rename(&temp, log_path(&store.dir, first)));
    if renewed.is_err() {
        let _ = fs::remove_file(&temp);
    }
    renewed
}

/// Opens the log of the subdirectory of `first` for appending (made when `create`), without
/// blocking or following a link: an error unless it is a regular file.
fn open_log(dir: &Path, first: u8, create: bool) -> io::Result<fs::File> {
    let mut options = fs::File::options();
    options.append(true).create(create);
    let file = open_nonblocking(&mut options, &log_path(dir, first), false)?;
    if !file.metadata()?.is_file() {
        return Err(io::Error::other("the log is not a regular file"));
    }
    Ok(file)
}

fn snapshot_path(dir: &Path, first: u8) -> PathBuf {
    dir.join(LISTINGS).join(shard_name(first))
}

fn log_path(dir: &Path, first: u8) -> PathBuf {
    dir.join(LISTINGS)
        .join(format!("{}.log", shard_name(first)))
}

/// Whether a subdirectory last changed at `modified` has settled by `now`.
fn settled(modified: SystemTime, now: SystemTime) -> bool {
    let whole = modified
        .duration_since(UNIX_EPOCH)
        .is_ok_and(|d| d.subsec_nanos() == 0);
    modified
        .checked_add(if whole { SETTLED_COARSE } else { SETTLED })
        .is_some_and(|settled| settled <= now)
}

/// Lists the subdirectory of `first` into a new snapshot, and returns its prefixes. A new, empty
/// log is made first, so that every change from then on is logged there, from its start.
fn snapshot(store: &LocalStore, first: u8) -> io::Result<Vec<u64>> {
    let dir = &store.dir;
    renew_log(store, first)?;
    let logged = 0;
    let modified = fs::metadata(store.shard(first))?.modified()?;
    let mut listed = Vec::new();
    store.shard_keys(first, &mut listed)?;
    let mut keys: Vec<u64> = listed.iter().map(Key::prefix).collect();
    keys.sort_unstable();
    if settled(modified, SystemTime::now()) {
        let temp = store.temp_path(&format!("listing-{}", shard_name(first)));
        let _ = write(dir, &temp, first, modified, logged, &keys);
    }
    Ok(keys)
}

/// The listing of the subdirectory of `first`, whose modification time is now `modified`,
/// sorted, when it is complete; `None` when there is none, or it cannot be trusted.
fn read(store: &LocalStore, first: u8, modified: SystemTime) -> Option<Vec<u64>> {
    let dir = &store.dir;
    let (mut file, len) = open_bounded(&snapshot_path(dir, first))?;
    let mut header = [0u8; HEADER];
    file.read_exact(&mut header).ok()?;
    let mut latest = time_of(&header[MAGIC.len()..][..STAMP])?;
    let logged = u64::from_le_bytes(header[HEADER - 16..HEADER - 8].try_into().ok()?);
    let count = u64::from_le_bytes(header[HEADER - 8..].try_into().ok()?);
    if &header[..MAGIC.len()] != MAGIC || count > MAX_KEYS || len != HEADER as u64 + count * 8 {
        return None;
    }
    // Sorted as written; a file that is not costs wrong hints, never wrong values.
    let mut keys = read_prefixes(&mut file, count as usize).ok()?;
    // A log with nothing past the snapshot, the usual case, is not opened.
    let log = log_path(dir, first);
    let log_len = fs::symlink_metadata(&log)
        .ok()
        .filter(|m| m.is_file())?
        .len();
    let records = if log_len == logged {
        Vec::new()
    } else {
        read_bounded(&log, logged, 64 << 20)?
    };
    if records.len() % RECORD != 0 {
        // A record being written, or a log cut short: nothing to go by.
        return None;
    }
    // Every change must start from a time the listing accounts for (the snapshot's, or the end
    // of a logged change): one that starts anywhere else follows a change nobody logged.
    let mut known = HashSet::from([latest]);
    let mut changes: HashMap<u64, (Change, SystemTime, SystemTime)> = HashMap::new();
    for record in records.chunks_exact(RECORD) {
        let change = match record[0] {
            b'+' => Change::Added,
            b'-' => Change::Removed,
            _ => return None,
        };
        let key = Key::from_bytes(record[1..33].try_into().ok()?);
        let before = time_of(&record[33..33 + STAMP])?;
        let after = time_of(&record[33 + STAMP..])?;
        if !known.contains(&before) {
            return None;
        }
        known.insert(after);
        latest = latest.max(after);
        // Records come in the order they were appended, which for changes of one key made at
        // the same time by two processes need not be the order of the changes: such a key is
        // kept listed (a listed key is asked about anyway).
        let overlaps = |&(_, b, a): &(Change, SystemTime, SystemTime)| b <= after && before <= a;
        let change = match changes.get(&key.prefix()) {
            Some(earlier) if earlier.0 != change && overlaps(earlier) => Change::Added,
            _ => change,
        };
        changes.insert(key.prefix(), (change, before, after));
    }
    if latest != modified {
        return None;
    }
    if !changes.is_empty() {
        let changes = changes.into_iter().map(|(k, (c, ..))| (k, c)).collect();
        keys = apply(keys, &changes);
    }
    // Compacted only once the subdirectory has settled: a writer that has just made a change
    // may not have logged it yet, and would log it into the log replaced.
    if records.len() / RECORD >= COMPACT_AFTER && settled(modified, SystemTime::now()) {
        // A new, empty log, then a snapshot of everything read: a record appended to the old
        // log meanwhile (by a writer that changed nothing since the subdirectory settled) is
        // lost, and its change then starts no later record and ends at a time no record names,
        // which makes the listing unusable until it is made again.
        if renew_log(store, first).is_ok() {
            let temp = store.temp_path(&format!("listing-{}", shard_name(first)));
            let _ = write(dir, &temp, first, latest, 0, &keys);
        }
    }
    Some(keys)
}

/// `keys` (sorted) with `changes` made, sorted: the few removed found by binary search, the few
/// added merged in.
fn apply(mut keys: Vec<u64>, changes: &HashMap<u64, Change>) -> Vec<u64> {
    let sorted = |change: Change| {
        let mut these: Vec<u64> = changes
            .iter()
            .filter(|&(_, &c)| c == change)
            .map(|(&k, _)| k)
            .collect();
        these.sort_unstable();
        these
    };
    let (removed, added) = (sorted(Change::Removed), sorted(Change::Added));
    if !removed.is_empty() {
        keys.retain(|k| removed.binary_search(k).is_err());
    }
    let added: Vec<u64> = added
        .into_iter()
        .filter(|k| keys.binary_search(k).is_err())
        .collect();
    if added.is_empty() {
        return keys;
    }
    // Merged in place from the back: no second vector of the listing's size.
    let (mut old, mut new) = (keys.len(), added.len());
    keys.resize(old + new, 0);
    for slot in (0..keys.len()).rev() {
        if new > 0 && (old == 0 || keys[old - 1] < added[new - 1]) {
            new -= 1;
            keys[slot] = added[new];
        } else {
            old -= 1;
            keys[slot] = keys[old];
        }
    }
    keys
}

/// Opens the regular file at `path`, with its size: without blocking, as the cache directory is
/// shared, and a FIFO or a device put there must not stall a run.
fn open_bounded(path: &Path) -> Option<(fs::File, u64)> {
    let file = open_nonblocking(fs::File::options().read(true), path, false).ok()?;
    let meta = file.metadata().ok()?;
    meta.is_file().then_some((file, meta.len()))
}

/// `count` prefixes read from `file` straight into a vector of them: a snapshot of a large
/// store is megabytes, read once per run and not copied again.
fn read_prefixes(file: &mut fs::File, count: usize) -> io::Result<Vec<u64>> {
    let mut prefixes = vec![0u64; count];
    // SAFETY: the vector's `count` numbers are `count * 8` initialized bytes, and any bytes
    // are a number; `u8` needs no alignment.
    let bytes =
        unsafe { std::slice::from_raw_parts_mut(prefixes.as_mut_ptr().cast::<u8>(), count * 8) };
    file.read_exact(bytes)?;
    prefixes.iter_mut().for_each(|p| *p = u64::from_le(*p));
    Ok(prefixes)
}

/// Reads the regular file at `path` from `offset` to its end, if that is at most `max` bytes,
/// and only up to the size it had when opened.
fn read_bounded(path: &Path, offset: u64, max: u64) -> Option<Vec<u8>> {
    let (mut file, len) = open_bounded(path)?;
    let len = len.checked_sub(offset)?;
    if len > max {
        return None;
    }
    file.seek(io::SeekFrom::Start(offset)).ok()?;
    let mut bytes = Vec::with_capacity(len as usize);
    file.take(len).read_to_end(&mut bytes).ok()?;
    (bytes.len() as u64 == len).then_some(bytes)
}

/// Writes the snapshot of the subdirectory of `first`: `keys` (prefixes, sorted), complete at `modified`
/// with the log's first `logged` bytes. Written to `temp` in the store's directory (a leftover
/// of a killed writer is removed with the store's others) and renamed into place.
fn write(
    dir: &Path,
    temp: &Path,
    first: u8,
    modified: SystemTime,
    logged: u64,
    keys: &[u64],
) -> io::Result<()> {
    let Some(recorded) = stamp(modified) else {
        return Ok(());
    };
    let mut bytes = Vec::with_capacity(HEADER + keys.len() * 8);
    bytes.extend_from_slice(MAGIC);
    bytes.extend_from_slice(&recorded);
    bytes.extend_from_slice(&logged.to_le_bytes());
    bytes.extend_from_slice(&(keys.len() as u64).to_le_bytes());
    keys.iter()
        .for_each(|k| bytes.extend_from_slice(&k.to_le_bytes()));
    let written = fs::File::create(temp)
        .and_then(|mut file| file.write_all(&bytes))
        .and_then(|()| fs::rename(temp, snapshot_path(dir, first)));
    if written.is_err() {
        let _ = fs::remove_file(temp);
    }
    written
}

fn stamp(time: SystemTime) -> Option<[u8; STAMP]> {
    let since = time.duration_since(UNIX_EPOCH).ok()?;
    let mut stamp = [0u8; STAMP];
    stamp[..8].copy_from_slice(&since.as_secs().to_le_bytes());
    stamp[8..].copy_from_slice(&since.subsec_nanos().to_le_bytes());
    Some(stamp)
}

fn time_of(stamp: &[u8]) -> Option<SystemTime> {
    let secs = u64::from_le_bytes(stamp[..8].try_into().ok()?);
    let nanos = u32::from_le_bytes(stamp[8..STAMP].try_into().ok()?);
    if nanos >= 1_000_000_000 {
        return None;
    }
    UNIX_EPOCH.checked_add(Duration::new(secs, nanos))
}

/// What a store has spent asking about keys one by one, and making snapshots: a store makes a
/// snapshot only while it has spent less on snapshots than on questions, so that making them
/// at most doubles what questions cost, and a small graph against a large store makes none.
#[derive(Debug, Default)]
pub(super) struct Asking {
    asked_ns: AtomicU64,
    listing_ns: AtomicU64,
}

impl Asking {
    /// Counts a question about one key that took `took`.
    pub(super) fn asked(&self, took: Duration) {
        self.asked_ns.fetch_add(nanos(took), Ordering::Relaxed);
    }

    /// Counts a snapshot that took `took` to make.
    pub(super) fn listed(&self, took: Duration) {
        self.listing_ns.fetch_add(nanos(took), Ordering::Relaxed);
    }

    /// Whether making a snapshot now keeps snapshots within what questions cost.
    pub(super) fn may_list(&self) -> bool {
        self.listing_ns.load(Ordering::Relaxed) < self.asked_ns.load(Ordering::Relaxed)
    }
}

fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests;
