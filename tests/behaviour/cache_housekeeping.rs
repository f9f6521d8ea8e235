//! Housekeeping through `Cache`: list entries with their metadata, totals per function, prune
//! least recently used entries to a size budget or by age, clear.

use std::time::Duration;

use graphchain::{Cache, Runtime, delayed};

#[delayed(cache = "always")]
fn blob(n: usize) -> Vec<u8> {
    vec![7; n]
}

#[delayed(cache = "always")]
fn length(b: &[u8]) -> usize {
    b.len()
}

/// Sets every entry's last use (its file's modification time) to two minutes ago.
fn used_two_minutes_ago(dir: &std::path::Path) {
    let then = std::time::SystemTime::now() - Duration::from_secs(120);
    for shard in std::fs::read_dir(dir).unwrap() {
        let shard = shard.unwrap().path();
        if !shard.is_dir() {
            continue;
        }
        for file in std::fs::read_dir(shard).unwrap() {
            let file = std::fs::File::options()
                .append(true)
                .open(file.unwrap().path())
                .unwrap();
            file.set_modified(then).unwrap();
        }
    }
}

#[test]
fn list_stats_prune_and_clear() {
    let dir = tempfile::tempdir().unwrap();
    let rt = Runtime::builder().cache_dir(dir.path()).build().unwrap();
    for n in [1_000, 2_000, 3_000] {
        rt.compute(&length(blob(n))).unwrap();
    }
    let cache = rt.cache().unwrap();
    let entries = cache.entries().unwrap();
    assert_eq!(entries.len(), 6);
    assert!(!entries.iter().any(|e| e.is_bookkeeping()));
    assert!(
        entries
            .iter()
            .all(|e| e.created.is_some() && e.compute_time.is_some())
    );
    let stats = cache.stats().unwrap();
    assert_eq!(stats.entries, 6);
    assert_eq!(stats.by_function["blob"].0, 3);
    assert_eq!(stats.by_function["length"].0, 3);
    assert_eq!(stats.by_function.len(), 2);
    assert_eq!(stats.bytes, entries.iter().map(|e| e.size).sum::<u64>());

    // Use the oldest blob again, in a later session: it becomes the most recently used (a load
    // records a use only when the last one recorded is a minute old or more).
    used_two_minutes_ago(dir.path());
    rt.compute(&blob(1_000)).unwrap();
    let recent = blob(1_000).key();
    let recent_size = entries.iter().find(|e| e.key == recent).unwrap().size;
    let report = cache.prune_to_size(recent_size).unwrap();
    assert_eq!(report.kept, 1);
    assert_eq!(report.removed, 5);
    assert_eq!(Cache::open(dir.path()).entries().unwrap()[0].key, recent);

    assert_eq!(
        cache
            .prune_older_than(Duration::from_secs(3600))
            .unwrap()
            .removed,
        0
    );
    assert_eq!(cache.prune_older_than(Duration::ZERO).unwrap().removed, 1);
    rt.compute(&length(blob(5))).unwrap();
    assert_eq!(cache.clear().unwrap().removed, 2);
    assert_eq!(cache.stats().unwrap().entries, 0);
    // Bookkeeping entries went too: the directory is empty.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}
