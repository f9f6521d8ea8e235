//! Temporary files that killed writers leave behind are removed by the next run that writes
//! (once an hour old, when their writer is surely dead) and by pruning; fresh ones, which may
//! belong to a live writer, are kept.

use std::path::Path;
use std::time::{Duration, SystemTime};

use graphchain::{Cache, delayed};

use crate::common::cached;

#[delayed(cache = "always")]
fn square(x: u64) -> u64 {
    x * x
}

/// Writes a temporary file as a writer does, last modified `age` ago.
fn leftover(dir: &Path, name: &str, age: Duration) {
    let path = dir.join(name);
    std::fs::write(&path, vec![7u8; 10_000]).unwrap();
    let file = std::fs::File::options().append(true).open(&path).unwrap();
    file.set_modified(SystemTime::now() - age).unwrap();
}

fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.starts_with(".tmp-"))
        .collect();
    names.sort();
    names
}

#[test]
fn a_run_removes_old_leftovers_and_keeps_fresh_ones() {
    let dir = tempfile::tempdir().unwrap();
    leftover(
        dir.path(),
        ".tmp-000000000000-1-0",
        Duration::from_secs(2 * 3600),
    );
    leftover(dir.path(), ".tmp-111111111111-1-0", Duration::from_secs(60));
    let rt = cached(dir.path());
    assert_eq!(rt.compute(&square(3)).unwrap(), 9);
    assert_eq!(names(dir.path()), [".tmp-111111111111-1-0"]);
}

#[test]
fn prune_removes_old_leftovers() {
    let dir = tempfile::tempdir().unwrap();
    let rt = cached(dir.path());
    assert_eq!(rt.compute(&square(4)).unwrap(), 16);
    // Left after this process's first write, as a writer killed now would leave it.
    leftover(
        dir.path(),
        ".tmp-222222222222-9-0",
        Duration::from_secs(2 * 3600),
    );
    leftover(dir.path(), ".tmp-333333333333-9-0", Duration::from_secs(60));
    let cache = Cache::open(dir.path());
    let report = cache.prune_older_than(Duration::from_secs(3600)).unwrap();
    assert_eq!(report.removed, 0);
    assert_eq!(report.leftovers_removed, 1);
    assert_eq!(names(dir.path()), [".tmp-333333333333-9-0"]);
}
