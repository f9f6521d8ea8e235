//! Deduplication: identical calls are one node, and its body runs once per run.

use std::sync::atomic::{AtomicUsize, Ordering};

use graphchain::{Runtime, Status, delayed};

static LOADS: AtomicUsize = AtomicUsize::new(0);

#[delayed]
fn load(n: u64) -> Vec<u64> {
    LOADS.fetch_add(1, Ordering::SeqCst);
    (0..n).collect()
}

#[delayed]
fn sum(xs: &[u64]) -> u64 {
    xs.iter().sum()
}

#[delayed]
fn max(xs: &[u64]) -> u64 {
    xs.iter().copied().max().unwrap_or(0)
}

#[test]
fn identical_calls_share_one_node_within_and_across_outputs() {
    // No cache: every run computes what it needs, so the count is the count of computations.
    let rt = Runtime::builder().threads(2).cache(false).build().unwrap();
    let before = LOADS.load(Ordering::SeqCst);
    let a = load(100);
    let b = load(100); // a second, independent call with the same argument
    assert_eq!(a.key(), b.key());
    let (s, m) = rt.compute_many((&sum(&a), &max(&b))).unwrap();
    assert_eq!((s, m), (4950, 99));
    assert_eq!(LOADS.load(Ordering::SeqCst) - before, 1, "load ran once");

    let (_, report) = rt
        .compute_with_report(&sum(vec![sum(load(100)), max(load(100)), sum(load(7))]))
        .unwrap();
    assert_eq!(
        report.by_name("load").count(),
        2,
        "two distinct loads in the report"
    );
    assert!(
        report
            .nodes()
            .iter()
            .all(|n| n.status() == Status::Computed)
    );
}
