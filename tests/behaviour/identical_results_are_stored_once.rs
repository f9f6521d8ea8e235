//! Content-addressed payloads: a large result is stored once, whatever key reached it; an edit
//! that keeps a step's output adds pointers to the cache, not copies; a damaged shared payload
//! is a miss, recomputed and stored again.

use std::sync::Arc;

use graphchain::{Cache, Delayed, MemoryStore, Runtime, Status, Store, delayed};

use crate::common::noise;

/// Elements of the large values below: 400 KB of incompressible `u64`s.
const LEN: usize = 50_000;

#[delayed(cache = "always")]
fn load(seed: u64) -> Vec<u64> {
    noise(seed, LEN)
}

// Two versions of one step, as an edit leaves it (one name, so the cache knows it as one
// function): the second is written differently and gives the same values.
#[delayed(cache = "always", name = "clean")]
fn clean_v1(xs: &[u64]) -> Vec<u64> {
    xs.iter().map(|x| x >> 1).collect()
}

#[delayed(cache = "always", name = "clean")]
fn clean_v2(xs: &[u64]) -> Vec<u64> {
    xs.iter().map(|x| x / 2).collect()
}

#[delayed(cache = "always")]
fn scale(xs: &[u64]) -> Vec<u64> {
    xs.iter().map(|x| x.wrapping_mul(3)).collect()
}

fn pipeline(clean: fn(Delayed<Vec<u64>>) -> Delayed<Vec<u64>>) -> Delayed<Vec<u64>> {
    scale(clean(load(7)))
}

#[test]
fn an_edit_that_keeps_the_output_writes_no_second_copy() {
    let dir = tempfile::tempdir().unwrap();
    let rt = Runtime::builder().cache_dir(dir.path()).build().unwrap();
    let cache = rt.cache().unwrap();
    let first = rt.compute(&pipeline(clean_v1)).unwrap();
    let before = cache.stats().unwrap();
    assert_eq!((before.entries, before.payloads), (3, 3), "{before:?}");
    assert!(before.payload_bytes > 3 * 8 * LEN as u64, "{before:?}");

    // `clean` runs again and comes out the same; `scale` is found through its inputs' content.
    let (again, report) = rt.compute_with_report(&pipeline(clean_v2)).unwrap();
    assert_eq!(again, first);
    assert_eq!(
        report.by_name("clean").next().unwrap().status(),
        Status::Computed
    );
    assert_eq!(
        report.by_name("scale").next().unwrap().status(),
        Status::Loaded
    );
    let after = cache.stats().unwrap();
    assert_eq!(after.entries, 5, "{after:?}");
    assert_eq!(
        (after.payloads, after.payload_bytes),
        (before.payloads, before.payload_bytes),
        "no payload was written again"
    );
    // Two pointers and the records early cutoff keeps: a few hundred bytes each.
    let grown = after.total_bytes() - before.total_bytes();
    assert!(grown < 2_000, "the cache grew by {grown} bytes: {after:?}");
    assert_eq!(Cache::open(dir.path()).verify().unwrap(), Vec::new());
}

#[delayed(cache = "always")]
fn from_disk(seed: u64) -> Vec<u64> {
    noise(seed, LEN)
}

#[delayed(cache = "always")]
fn from_network(seed: u64) -> Vec<u64> {
    noise(seed, LEN)
}

#[test]
fn two_functions_returning_the_same_big_value_share_one_payload() {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let rt = Runtime::builder().store(store.clone()).build().unwrap();
    let (a, b) = rt.compute_many((&from_disk(3), &from_network(3))).unwrap();
    assert_eq!(a, b);
    let cache = Cache::with_store(store.clone());
    let stats = cache.stats().unwrap();
    assert_eq!((stats.entries, stats.payloads), (2, 1), "{stats:?}");
    assert!(stats.bytes < 600, "two pointers: {stats:?}");
    assert!(stats.payload_bytes > 8 * LEN as u64, "{stats:?}");
    let entries = cache.entries().unwrap();
    assert_eq!(entries[0].shared_payload, entries[1].shared_payload);
    assert!(entries[0].shared_payload.is_some());

    // Each loads back from the one payload.
    let rt2 = Runtime::builder().store(store).build().unwrap();
    for node in [from_disk(3), from_network(3)] {
        let (value, report) = rt2.compute_with_report(&node).unwrap();
        assert_eq!(value, a);
        assert_eq!(report.nodes()[0].status(), Status::Loaded, "{report}");
    }
    drop(rt);
}

#[test]
fn a_damaged_shared_payload_is_recomputed_and_stored_again() {
    let memory = Arc::new(MemoryStore::new());
    let store: Arc<dyn Store> = memory.clone();
    let rt = Runtime::builder().store(store.clone()).build().unwrap();
    let expected = rt.compute(&from_disk(5)).unwrap();
    let cache = Cache::with_store(store.clone());
    let object = cache.entries().unwrap()[0].shared_payload.unwrap();
    let mut bytes = memory.get(object).unwrap().unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    memory.put(object, &bytes).unwrap();
    assert_eq!(
        cache.verify().unwrap().len(),
        2,
        "the pointer and its payload"
    );

    let (value, report) = rt.compute_with_report(&from_disk(5)).unwrap();
    assert_eq!(value, expected);
    assert_eq!(report.discarded().len(), 1, "{report}");
    assert!(
        report.discarded()[0].1.contains("shared payload"),
        "{:?}",
        report.discarded()
    );
    assert_eq!(cache.verify().unwrap(), Vec::new());
    let (_, report) = rt.compute_with_report(&from_disk(5)).unwrap();
    assert_eq!(report.nodes()[0].status(), Status::Loaded, "{report}");
}
