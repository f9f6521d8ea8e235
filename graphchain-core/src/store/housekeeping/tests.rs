//! Unit tests of housekeeping: one entry's header, key prefixes, and prune plans.

use std::fs;
use std::path::Path;

use super::*;

/// Where the entry under `key` is in a local store in `dir`, with its subdirectory made.
fn entry_path(dir: &Path, key: Key) -> std::path::PathBuf {
    let path = LocalStore::new(dir).entry_path(key);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    path
}

/// Writes a valid entry for `key` with a payload of `len` bytes, last used `age` ago.
fn put(dir: &Path, key: Key, name: &str, len: usize, age: Duration) {
    let bytes = entry::encode(key, [9; 32], "postcard", name, 1_500, &vec![1; len]);
    let path = entry_path(dir, key);
    fs::write(&path, bytes).unwrap();
    let file = fs::File::options().append(true).open(&path).unwrap();
    file.set_modified(SystemTime::now() - age).unwrap();
}

fn key(first: u8, rest: u8) -> Key {
    let mut bytes = [rest; 32];
    bytes[0] = first;
    Key::from_bytes(bytes)
}

#[test]
fn entry_reads_what_the_header_says() {
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::open(dir.path());
    let k = key(0xab, 1);
    assert_eq!(cache.entry(k).unwrap(), None);
    put(dir.path(), k, "load", 100, Duration::from_secs(60));
    let info = cache.entry(k).unwrap().unwrap();
    assert_eq!(info.key, k);
    assert_eq!(info.name.as_deref(), Some("load"));
    assert_eq!(info.codec.as_deref(), Some("postcard"));
    assert_eq!(info.compute_time, Some(Duration::from_nanos(1_500)));
    assert_eq!(info.type_fingerprint, Some([9; 32]));
    assert_eq!(info.payload_len, Some(100));
    assert_eq!(
        info.payload_checksum,
        Some(*blake3::hash(&[1; 100]).as_bytes())
    );
    assert_eq!(info.header_error, None);
    assert!(info.size > 100);
    assert!(info.created.is_some());
    assert_eq!(cache.entries().unwrap(), vec![info]);
}

#[test]
fn an_unreadable_header_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::open(dir.path());
    let k = key(0xab, 1);
    fs::write(entry_path(dir.path(), k), b"not an entry at all").unwrap();
    let info = cache.entry(k).unwrap().unwrap();
    assert_eq!(info.name, None);
    assert_eq!(info.payload_len, None);
    assert_eq!(info.size, 19);
    assert_eq!(
        info.header_error.as_deref(),
        Some("not a graphchain entry (bad magic)")
    );

    // A whole entry under another key's name is not that key's entry.
    let other = key(0xcd, 2);
    put(dir.path(), k, "load", 10, Duration::ZERO);
    fs::rename(entry_path(dir.path(), k), entry_path(dir.path(), other)).unwrap();
    let info = cache.entry(other).unwrap().unwrap();
    assert_eq!(info.name, None);
    assert_eq!(
        info.header_error.as_deref(),
        Some("entry is for another key")
    );
}

#[test]
fn keys_with_prefix_match_in_any_case_and_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::open(dir.path());
    let (a, b, c) = (key(0xab, 2), key(0xab, 1), key(0xcd, 1));
    for k in [a, b, c] {
        put(dir.path(), k, "f", 1, Duration::ZERO);
    }
    assert_eq!(cache.keys_with_prefix("ab").unwrap(), vec![b, a]);
    assert_eq!(cache.keys_with_prefix("AB02").unwrap(), vec![a]);
    assert_eq!(cache.keys_with_prefix(&c.to_string()).unwrap(), vec![c]);
    assert_eq!(cache.keys_with_prefix("ef").unwrap(), vec![]);
    assert_eq!(cache.keys_with_prefix("").unwrap().len(), 3);
}

#[test]
fn a_plan_removes_old_entries_then_the_least_recently_used() {
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::open(dir.path());
    let hour = Duration::from_secs(3600);
    let (fresh, recent, older, ancient) = (key(1, 0), key(2, 0), key(3, 0), key(4, 0));
    put(dir.path(), fresh, "f", 100, Duration::ZERO);
    put(dir.path(), recent, "f", 100, hour);
    put(dir.path(), older, "f", 100, 2 * hour);
    put(dir.path(), ancient, "f", 100, 48 * hour);
    let size = cache.entry(fresh).unwrap().unwrap().size;
    let keys = |entries: &[EntryInfo]| {
        let mut keys: Vec<Key> = entries.iter().map(|e| e.key).collect();
        keys.sort();
        keys
    };

    let plan = cache.plan_prune(None, None).unwrap();
    assert!(plan.remove.is_empty());
    assert_eq!(plan.keep.len(), 4);

    let plan = cache.plan_prune(None, Some(24 * hour)).unwrap();
    assert_eq!(keys(&plan.remove), vec![ancient]);

    let plan = cache.plan_prune(Some(2 * size), None).unwrap();
    assert_eq!(keys(&plan.remove), vec![older, ancient]);
    assert_eq!(keys(&plan.keep), vec![fresh, recent]);

    // The age limit first, then the size limit over what is left.
    let plan = cache.plan_prune(Some(size), Some(24 * hour)).unwrap();
    assert_eq!(keys(&plan.remove), vec![recent, older, ancient]);
    assert_eq!(keys(&plan.keep), vec![fresh]);

    // Planning removes nothing; carrying the plan out does.
    assert_eq!(cache.entries().unwrap().len(), 4);
    let report = cache.prune(&plan).unwrap();
    assert_eq!(report.removed, 3);
    assert_eq!(report.bytes, 3 * size);
    assert_eq!(report.kept, 1);
    assert_eq!(keys(&cache.entries().unwrap()), vec![fresh]);
    // Entries already gone are not counted again.
    assert_eq!(cache.prune(&plan).unwrap().removed, 0);
}

#[test]
fn speed_probes_left_by_killed_processes_are_pruned_after_an_hour() {
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::open(dir.path());
    put(
        dir.path(),
        key(1, 1),
        PROBE,
        10,
        Duration::from_secs(2 * 3600),
    );
    put(dir.path(), key(2, 2), PROBE, 10, Duration::from_secs(60));
    put(dir.path(), key(3, 3), "load", 10, Duration::from_secs(60));
    let stats = cache.stats().unwrap();
    assert_eq!((stats.entries, stats.bookkeeping), (1, 2));
    let plan = cache.plan_prune(None, None).unwrap();
    assert_eq!(plan.remove, vec![]);
    let stale: Vec<Key> = plan.bookkeeping.iter().map(|e| e.key).collect();
    assert_eq!(stale, vec![key(1, 1)]);
    let report = cache.prune(&plan).unwrap();
    assert_eq!((report.removed, report.bookkeeping_removed), (0, 1));
    assert_eq!(cache.stats().unwrap().bookkeeping, 1);
}
