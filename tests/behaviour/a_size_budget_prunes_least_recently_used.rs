//! A size budget (`GRAPHCHAIN_CACHE_MAX_SIZE` or `cache_max_size`): after a run that wrote to
//! the cache, least-recently-used entries are pruned until the cache fits, never what the run
//! used or wrote while something older can go; a malformed budget is an error naming the
//! variable.

use std::sync::Arc;

use graphchain::store::{CACHE_MAX_SIZE_ENV, Cache, MemoryStore, Store};
use graphchain::{Error, Runtime, Status, delayed};

use crate::common::{self, noise};

/// Elements of each table: 400 KB of incompressible `u64`s.
const LEN: usize = 50_000;

#[delayed(cache = "always")]
fn table(seed: u64) -> Vec<u64> {
    noise(seed, LEN)
}

fn present(cache: &Cache, seed: u64) -> bool {
    cache.entry(table(seed).key()).unwrap().is_some()
}

#[test]
fn least_recently_used_entries_go_first_and_the_run_keeps_what_it_used() {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let cache = Cache::with_store(store.clone());
    Runtime::builder()
        .store(store.clone())
        .build()
        .unwrap()
        .compute(&table(1))
        .unwrap();
    let stats = cache.stats().unwrap();
    // Room for two tables and a half, not three.
    let budget = (stats.bytes + stats.payload_bytes) * 5 / 2;
    let rt = Runtime::builder()
        .store(store.clone())
        .cache_max_size(budget)
        .build()
        .unwrap();
    rt.compute(&table(2)).unwrap();
    assert!(present(&cache, 1) && present(&cache, 2));
    // Loading table 1 makes table 2 the least recently used; a run that only loads writes
    // nothing, and prunes nothing.
    let (_, report) = rt.compute_with_report(&table(1)).unwrap();
    assert_eq!(report.nodes()[0].status(), Status::Loaded);
    rt.compute(&table(3)).unwrap();
    assert!(present(&cache, 1), "used by a recent run");
    assert!(!present(&cache, 2), "the least recently used goes");
    assert!(present(&cache, 3), "just written");
    let stats = cache.stats().unwrap();
    assert!(stats.bytes + stats.payload_bytes <= budget, "{stats:?}");
    assert_eq!(
        stats.payloads, 2,
        "the pruned table's payload went with it: {stats:?}"
    );
}

#[delayed(cache = "always")]
fn pair(a: &[u64], b: &[u64]) -> u64 {
    a.iter()
        .zip(b)
        .fold(0, |acc, (x, y)| acc ^ x.rotate_left(7) ^ y)
}

#[test]
fn what_the_run_used_goes_last() {
    // Budgets of two and a half tables, then of one and a half, for a run that writes two
    // tables and their small result beside an older table.
    for (halves, run_tables_kept) in [(5, 2), (3, 1)] {
        let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
        let cache = Cache::with_store(store.clone());
        let unlimited = Runtime::builder().store(store.clone()).build().unwrap();
        unlimited.compute(&table(9)).unwrap();
        let stats = cache.stats().unwrap();
        let one_table = stats.bytes + stats.payload_bytes;
        let rt = Runtime::builder()
            .store(store.clone())
            .cache_max_size(one_table * halves / 2)
            .build()
            .unwrap();
        let value = rt.compute(&pair(table(10), table(11))).unwrap();
        assert!(!present(&cache, 9), "older than the run: goes first");
        assert!(
            cache
                .entry(pair(table(10), table(11)).key())
                .unwrap()
                .is_some()
        );
        assert_eq!(
            usize::from(present(&cache, 10)) + usize::from(present(&cache, 11)),
            run_tables_kept,
            "budget of {halves} half tables"
        );
        assert_eq!(rt.compute(&pair(table(10), table(11))).unwrap(), value);
    }
}

#[test]
fn the_budget_comes_from_the_environment_and_a_bad_one_is_named() {
    let run = |value: &str| {
        let mut command = common::child(&common::test_name!(child_builds_a_runtime));
        command.env(CACHE_MAX_SIZE_ENV, value);
        common::child_output(&mut command).0
    };
    let out = run("lots");
    assert!(
        out.contains("BUILD ERROR invalid runtime configuration: `GRAPHCHAIN_CACHE_MAX_SIZE=lots` is not a size"),
        "{out}"
    );
    let out = run("500KB");
    assert!(out.contains("PRUNED TO 2 ENTRIES"), "{out}");
}

/// Runs in the children only (a no-op in the normal run of the test binary).
#[test]
fn child_builds_a_runtime() {
    if !common::in_child() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    match Runtime::builder().cache_dir(dir.path()).build() {
        Err(e @ Error::Config(_)) => println!("\nBUILD ERROR {e}"),
        Err(e) => panic!("{e}"),
        Ok(rt) => {
            // 500 KB holds one table; the small results beside it fit too.
            rt.compute(&table(20)).unwrap();
            rt.compute(&pair(table(21), table(21))).unwrap();
            let cache = rt.cache().unwrap();
            println!("\nPRUNED TO {} ENTRIES", cache.stats().unwrap().entries);
        }
    }
}
