//! A remote cache, S3 on the test server: a second machine — a runtime with an empty local
//! directory — loads the root from the remote store without running anything, and keeps it in
//! its local tier, so a third run there reads it locally.

use std::sync::atomic::{AtomicUsize, Ordering};

use crate::common::s3::test_s3;
use graphchain::store::{LocalStore, Store};
use graphchain::{Runtime, Status, delayed};

static RUNS: AtomicUsize = AtomicUsize::new(0);

#[delayed(cache = "always")]
fn square(x: u64) -> u64 {
    RUNS.fetch_add(1, Ordering::SeqCst);
    x * x
}

#[delayed(cache = "always")]
fn total(parts: Vec<u64>) -> u64 {
    RUNS.fetch_add(1, Ordering::SeqCst);
    parts.iter().sum()
}

#[test]
fn remote_caches_are_warm_on_a_second_machine() {
    let Some(url) = test_s3("warm") else {
        return;
    };
    let graph = || total((0..8).map(square).collect::<Vec<_>>());
    let machine = |dir: &std::path::Path| {
        Runtime::builder()
            .cache_url(&url)
            .cache_dir(dir)
            .threads(2)
            .build()
            .unwrap()
    };
    let (first, second) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());

    let (value, report) = machine(first.path()).compute_with_report(&graph()).unwrap();
    assert_eq!(value, 140);
    assert_eq!(RUNS.swap(0, Ordering::SeqCst), 9, "{report}");
    // The run returned once its uploads were done: the remote store has the root.
    let root = graph().key();
    let remote = graphchain::store::Cache::open_url(&url).unwrap();
    assert!(remote.store().contains(root).unwrap());

    let (value, report) = machine(second.path())
        .compute_with_report(&graph())
        .unwrap();
    assert_eq!(value, 140);
    assert_eq!(RUNS.load(Ordering::SeqCst), 0, "nothing ran: {report}");
    assert_eq!(report.nodes().len(), 1, "{report}");
    assert_eq!(report.nodes()[0].status(), Status::Loaded);
    assert!(
        LocalStore::new(second.path()).contains(root).unwrap(),
        "the loaded root is kept in the local tier"
    );
    assert_eq!(
        machine(second.path()).compute(&graph()).unwrap(),
        140,
        "read from the local tier"
    );
    assert_eq!(RUNS.load(Ordering::SeqCst), 0);
}
