//! Unwritable cache: when results cannot be stored (the cache directory cannot be created, or the store is full), runs still return the right values and store nothing.

use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use graphchain::{Delayed, Key, MemoryStore, Report, Runtime, Status, Store, delayed};

use crate::common;

fn numbers_plain(n: u64) -> Vec<u64> {
    (0..n)
        .map(|i| i.wrapping_mul(2_654_435_761) % 1_000_003)
        .collect()
}

fn squares_plain(xs: &[u64]) -> Vec<u64> {
    xs.iter().map(|x| x * x).collect()
}

fn total_plain(a: &[u64], b: &[u64]) -> u64 {
    a.iter().chain(b).fold(0u64, |acc, &x| acc.wrapping_add(x))
}

#[delayed(cache = "always")]
fn numbers(n: u64) -> Vec<u64> {
    numbers_plain(n)
}

#[delayed(cache = "always")]
fn squares(xs: &[u64]) -> Vec<u64> {
    squares_plain(xs)
}

#[delayed(cache = "always")]
fn total(a: &[u64], b: &[u64]) -> u64 {
    total_plain(a, b)
}

const N: u64 = 10_000;
/// Every node of the graph is stored with `cache = "always"`: there are this many.
const NODES: usize = 4;

/// numbers(N) and numbers(N + 1), the squares of the first, and the total of the squares and
/// the second.
fn graph() -> Delayed<u64> {
    let xs = numbers(N);
    total(squares(&xs), numbers(N + 1))
}

fn expected() -> u64 {
    total_plain(&squares_plain(&numbers_plain(N)), &numbers_plain(N + 1))
}

/// Every node ran and none was stored.
fn assert_computed_not_stored(report: &Report) {
    assert_eq!(report.nodes().len(), NODES, "{report}");
    for node in report.nodes() {
        assert_eq!(node.status(), Status::Computed, "{report}");
        assert!(!node.stored(), "{} was stored:\n{report}", node.name());
    }
    assert_eq!(report.bytes_written(), 0, "{report}");
    assert_eq!(report.discarded(), &[], "{report}");
}

#[test]
fn cache_dir_that_cannot_be_created() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("afile");
    std::fs::write(&file, b"not a directory").unwrap();
    let dir = file.join("cache");
    let rt = common::cached(&dir);
    // Twice: the second run finds nothing stored either, and still gets the value.
    for _ in 0..2 {
        let (value, report) = rt.compute_with_report(&graph()).unwrap();
        assert_eq!(value, expected());
        assert_computed_not_stored(&report);
    }
    assert_eq!(std::fs::read(&file).unwrap(), b"not a directory");
}

/// A store that holds entries but cannot take new ones: every `put` fails as a full disk does.
#[derive(Debug)]
struct FullStore {
    inner: Arc<MemoryStore>,
    puts: AtomicUsize,
}

impl Store for FullStore {
    fn location(&self) -> String {
        "full memory".to_owned()
    }
    fn get(&self, key: Key) -> io::Result<Option<Vec<u8>>> {
        self.inner.get(key)
    }
    fn put(&self, _key: Key, _entry: &[u8]) -> io::Result<()> {
        self.puts.fetch_add(1, Ordering::Relaxed);
        Err(io::Error::new(
            io::ErrorKind::StorageFull,
            "no space left on device",
        ))
    }
    common::forward_store_lookups!();
}

#[test]
fn store_that_is_full() {
    let memory = Arc::new(MemoryStore::new());
    let full = Arc::new(FullStore {
        inner: memory.clone(),
        puts: AtomicUsize::new(0),
    });

    // A full store: every result is offered to it, none is kept, and the value is right.
    let rt = Runtime::builder()
        .store(full.clone())
        .threads(2)
        .build()
        .unwrap();
    let (value, report) = rt.compute_with_report(&graph()).unwrap();
    assert_eq!(value, expected());
    assert_computed_not_stored(&report);
    assert!(
        full.puts.load(Ordering::Relaxed) >= NODES,
        "only {} writes were attempted",
        full.puts.load(Ordering::Relaxed)
    );
    assert_eq!(memory.list().unwrap(), Vec::new());

    // The same graph on the store behind it, which works: every result is stored there, so the
    // run above stored nothing because the store was full, not because storing is broken.
    let rt = Runtime::builder()
        .store(memory.clone())
        .threads(2)
        .build()
        .unwrap();
    let (value, report) = rt.compute_with_report(&graph()).unwrap();
    assert_eq!(value, expected());
    assert_eq!(report.count(Status::Computed), NODES, "{report}");
    assert!(report.nodes().iter().all(|n| n.stored()), "{report}");
    assert_eq!(
        graphchain::Cache::with_store(memory.clone())
            .entries()
            .unwrap()
            .len(),
        NODES
    );

    // A full store still serves what it holds.
    let rt = Runtime::builder()
        .store(full.clone())
        .threads(2)
        .build()
        .unwrap();
    let (value, report) = rt.compute_with_report(&graph()).unwrap();
    assert_eq!(value, expected());
    assert_eq!(report.count(Status::Computed), 0, "{report}");
    assert_eq!(report.count(Status::Loaded), 1, "{report}");
}
