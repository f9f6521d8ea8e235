//! Listings answer exactly what the subdirectory holds while every change is logged, and
//! nothing once a change is not.

use super::*;
use crate::store::Store;

/// A key in the subdirectory `0xab`, told apart by `n`.
fn key(n: u8) -> Key {
    let mut bytes = [n; 32];
    bytes[0] = 0xab;
    Key::from_bytes(bytes)
}

/// The prefixes of the keys `ns`, as a listing holds them.
fn prefixes(ns: &[u8]) -> Vec<u64> {
    let mut prefixes: Vec<u64> = ns.iter().map(|&n| key(n).prefix()).collect();
    prefixes.sort_unstable();
    prefixes
}

/// A store holding the entries `ns` in one subdirectory, left to settle, with a snapshot of it.
fn listed(ns: &[u8]) -> (tempfile::TempDir, LocalStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = LocalStore::new(dir.path());
    for &n in ns {
        store.put(key(n), b"entry").unwrap();
    }
    std::thread::sleep(SETTLED * 2);
    assert_eq!(snapshot(&store, 0xab).unwrap(), prefixes(ns));
    (dir, store)
}

/// What the listing says now, if it can be trusted.
fn now(store: &LocalStore) -> Option<Vec<u64>> {
    let modified = fs::metadata(store.shard(0xab)).unwrap().modified().unwrap();
    read(store, 0xab, modified)
}

#[test]
fn logged_writes_and_removals_keep_the_listing_exact() {
    let (_dir, store) = listed(&[1, 2, 3]);
    assert_eq!(now(&store), Some(prefixes(&[1, 2, 3])));
    store.put(key(9), b"entry").unwrap();
    assert!(store.remove(key(2)).unwrap());
    store.put(key(2), b"again").unwrap();
    assert!(store.remove(key(1)).unwrap());
    assert_eq!(now(&store), Some(prefixes(&[2, 3, 9])));
}

#[test]
fn a_change_nobody_logged_makes_the_listing_unusable() {
    let (dir, store) = listed(&[1, 2]);
    let path = store.entry_path(key(7));
    fs::write(&path, b"written by hand").unwrap();
    assert_eq!(now(&store), None, "an entry written without a record");
    // A change logged after it starts from a time the listing does not account for.
    std::thread::sleep(SETTLED);
    store.put(key(9), b"entry").unwrap();
    assert_eq!(now(&store), None, "a logged change does not hide it");
    fs::remove_file(&path).unwrap();
    assert_eq!(now(&store), None, "the time moved on");
    drop(dir);
}

#[test]
fn a_removal_of_what_was_not_there_leaves_the_listing_as_it_was() {
    let (_dir, store) = listed(&[1, 2]);
    assert!(!store.remove(key(7)).unwrap());
    assert_eq!(now(&store), Some(prefixes(&[1, 2])));
}

#[test]
fn a_snapshot_of_a_subdirectory_that_just_changed_is_not_kept() {
    let dir = tempfile::tempdir().unwrap();
    let store = LocalStore::new(dir.path());
    store.put(key(1), b"entry").unwrap();
    assert_eq!(snapshot(&store, 0xab).unwrap(), prefixes(&[1]));
    assert_eq!(now(&store), None);
}

#[test]
fn a_record_cut_short_or_a_special_file_is_no_listing() {
    let (dir, store) = listed(&[1]);
    let log = log_path(dir.path(), 0xab);
    fs::OpenOptions::new()
        .append(true)
        .open(&log)
        .unwrap()
        .write_all(b"+ab")
        .unwrap();
    assert_eq!(now(&store), None, "a partial record");
    // A new snapshot starts after it, and the records that follow are read again.
    std::thread::sleep(SETTLED * 2);
    assert_eq!(snapshot(&store, 0xab).unwrap(), prefixes(&[1]));
    store.put(key(3), b"entry").unwrap();
    assert_eq!(now(&store), Some(prefixes(&[1, 3])));

    // FIFOs where the snapshot and the log belong: nothing waits for a writer or a reader.
    #[cfg(unix)]
    for path in [snapshot_path(dir.path(), 0xab), log] {
        fs::remove_file(&path).unwrap();
        let path = std::ffi::CString::new(path.to_str().unwrap()).unwrap();
        // SAFETY: a NUL-terminated path, alive for the call.
        assert_eq!(unsafe { libc::mkfifo(path.as_ptr(), 0o644) }, 0);
        assert_eq!(now(&store), None);
        store.put(key(5), b"entry").unwrap();
        assert!(store.remove(key(5)).unwrap());
    }
}

#[test]
fn many_records_are_folded_into_a_new_snapshot() {
    let (dir, store) = listed(&[1]);
    let added: Vec<u8> = (100..=100 + COMPACT_AFTER as u8).collect();
    for &n in &added {
        store.put(key(n), b"entry").unwrap();
    }
    let all: Vec<u8> = [1].into_iter().chain(added).collect();
    assert_eq!(
        now(&store),
        Some(prefixes(&all)),
        "read, not compacted, unsettled"
    );
    assert!(fs::metadata(log_path(dir.path(), 0xab)).unwrap().len() > 0);
    std::thread::sleep(SETTLED * 2);
    assert_eq!(now(&store), Some(prefixes(&all)));
    // The records read are in the snapshot now, and the log starts afresh.
    let snapshot = fs::read(snapshot_path(dir.path(), 0xab)).unwrap();
    let logged = u64::from_le_bytes(snapshot[HEADER - 16..HEADER - 8].try_into().unwrap());
    assert_eq!(logged, 0);
    assert_eq!(fs::metadata(log_path(dir.path(), 0xab)).unwrap().len(), 0);
    assert_eq!(now(&store), Some(prefixes(&all)));
    assert!(store.remove(key(100)).unwrap());
    assert_eq!(
        now(&store),
        Some(
            prefixes(&all[..1])
                .into_iter()
                .chain(prefixes(&all[2..]))
                .collect()
        )
    );
}

#[test]
fn forgetting_a_listing_stops_the_records() {
    let (dir, store) = listed(&[1]);
    forget(dir.path(), 0xab).unwrap();
    store.put(key(2), b"entry").unwrap();
    assert!(!log_path(dir.path(), 0xab).exists());
    assert!(!dir.path().join(LISTINGS).exists());
}

#[test]
fn a_key_added_and_removed_at_the_same_time_stays_listed() {
    let (dir, store) = listed(&[1]);
    let now_stamp = stamp(fs::metadata(store.shard(0xab)).unwrap().modified().unwrap()).unwrap();
    // Two processes' changes of one key within one tick of the clock, appended in an order
    // that need not be theirs.
    let mut log = fs::OpenOptions::new()
        .append(true)
        .open(log_path(dir.path(), 0xab))
        .unwrap();
    for op in [b'+', b'-'] {
        let mut record = [0u8; RECORD];
        record[0] = op;
        record[1..33].copy_from_slice(key(5).as_bytes());
        record[33..33 + STAMP].copy_from_slice(&now_stamp);
        record[33 + STAMP..].copy_from_slice(&now_stamp);
        log.write_all(&record).unwrap();
    }
    assert_eq!(now(&store), Some(prefixes(&[1, 5])));
}
