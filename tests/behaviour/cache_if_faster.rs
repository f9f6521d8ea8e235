//! Cache-if-faster: with the default policy, a result is stored only when loading it back is
//! estimated to beat recomputing it, and a result that is not stored leaves no file at all.

use std::collections::HashSet;
use std::io;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use graphchain::{Cache, Key, MemoryStore, Runtime, Store, delayed};

use crate::common;

#[delayed]
fn cheap(i: u64) -> u64 {
    i + 1
}

#[delayed]
fn add(a: u64, b: u64) -> u64 {
    a + b
}

/// About 200 ms of work with a small result: clearly worth keeping.
#[delayed]
fn expensive(seed: u64) -> u64 {
    let start = std::time::Instant::now();
    let mut x = seed;
    while start.elapsed() < Duration::from_millis(200) {
        for _ in 0..1000 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
        }
    }
    std::hint::black_box(x) & 0xff
}

/// A store that takes 20 ms per read and write, and remembers what was written: slow enough that
/// the decisions below do not depend on how busy the machine is (the other tests of the binary
/// run beside this one), and fast enough next to `expensive`.
#[derive(Debug, Default)]
struct SlowStore {
    inner: MemoryStore,
    written: Mutex<HashSet<Key>>,
}

const DELAY: Duration = Duration::from_millis(20);

impl Store for SlowStore {
    fn location(&self) -> String {
        "slow memory".into()
    }
    fn get(&self, key: Key) -> io::Result<Option<Vec<u8>>> {
        std::thread::sleep(DELAY);
        self.inner.get(key)
    }
    fn put(&self, key: Key, entry: &[u8]) -> io::Result<()> {
        std::thread::sleep(DELAY);
        self.written.lock().unwrap().insert(key);
        self.inner.put(key, entry)
    }
    common::forward_store_lookups!();
}

#[test]
fn only_results_that_load_faster_than_they_compute_are_written() {
    let store = Arc::new(SlowStore::default());
    let rt = Runtime::builder().store(store.clone()).build().unwrap();
    let cheap_sum = (0..200).map(cheap).reduce(add).unwrap();
    let (_, report) = rt.compute_with_report(&cheap_sum).unwrap();
    assert_eq!(report.bytes_written(), 0, "{report}");

    let graph = add(expensive(7), cheap(1));
    let (v, report) = rt.compute_with_report(&graph).unwrap();
    let stored: Vec<_> = report
        .nodes()
        .iter()
        .filter(|n| n.stored())
        .map(|n| n.name())
        .collect();
    // The expensive step is stored; its consumer is not: once its input is in the cache, getting
    // it back means a load and microseconds of work, which a write of its own would not beat.
    assert_eq!(stored, ["expensive"], "{report}");
    let written = store.written.lock().unwrap().clone();
    assert!(written.contains(&expensive(7).key()));
    assert!(!written.contains(&graph.key()));
    assert!(!written.contains(&cheap_sum.key()));
    assert_eq!(rt.compute(&graph).unwrap(), v);
}

#[test]
fn results_that_are_not_stored_leave_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let rt = Runtime::builder().cache_dir(dir.path()).build().unwrap();
    // The first call of a function in a process faults its code in, which in a test build can
    // take tens of microseconds: called once beforehand, it is timed as what it is.
    let warm = Runtime::builder().cache(false).build().unwrap();
    warm.compute(&cheap(0)).unwrap();
    // One task of a few nanoseconds: even as the requested output, loading it could never beat
    // computing it by enough to pay for a write.
    let (_, report) = rt.compute_with_report(&cheap(1)).unwrap();
    assert_eq!(report.bytes_written(), 0, "{report}");
    assert_eq!(Cache::open(dir.path()).stats().unwrap().entries, 0);
    let files = std::fs::read_dir(dir.path())
        .map(|d| d.count())
        .unwrap_or(0);
    assert_eq!(files, 0, "no per-task file, no leftover probe");
}
