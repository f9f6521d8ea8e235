//! A second run of the same graph loads the requested node and nothing upstream of it: no task
//! runs, no other entry is read.

use std::sync::atomic::{AtomicUsize, Ordering};

use graphchain::{Runtime, Status, delayed};

static RUNS: AtomicUsize = AtomicUsize::new(0);

#[delayed(cache = "always")]
fn make(n: u64) -> Vec<u64> {
    RUNS.fetch_add(1, Ordering::SeqCst);
    (0..n).collect()
}

#[delayed(cache = "always")]
fn square_all(xs: &[u64]) -> Vec<u64> {
    RUNS.fetch_add(1, Ordering::SeqCst);
    xs.iter().map(|x| x * x).collect()
}

#[delayed(cache = "always")]
fn total(parts: Vec<Vec<u64>>) -> u64 {
    RUNS.fetch_add(1, Ordering::SeqCst);
    parts.iter().flatten().sum()
}

#[test]
fn second_run_loads_only_the_root() {
    let dir = tempfile::tempdir().unwrap();
    let graph = || total(vec![square_all(make(100)), square_all(make(10))]);
    let expected: u64 =
        (0..100u64).map(|x| x * x).sum::<u64>() + (0..10u64).map(|x| x * x).sum::<u64>();

    let rt = Runtime::builder().cache_dir(dir.path()).build().unwrap();
    let (value, report) = rt.compute_with_report(&graph()).unwrap();
    assert_eq!(value, expected);
    assert_eq!(report.count(Status::Computed), 6, "{report}");
    assert!(
        report
            .nodes()
            .iter()
            .filter(|n| n.name() != "collect")
            .all(|n| n.stored())
    );
    assert_eq!(RUNS.swap(0, Ordering::SeqCst), 5);

    // A new runtime, as a new process would have.
    let rt = Runtime::builder().cache_dir(dir.path()).build().unwrap();
    let (value, report) = rt.compute_with_report(&graph()).unwrap();
    assert_eq!(value, expected);
    assert_eq!(RUNS.load(Ordering::SeqCst), 0, "nothing ran");
    assert_eq!(
        report.nodes().len(),
        1,
        "only the root was visited: {report}"
    );
    assert_eq!(report.nodes()[0].name(), "total");
    assert_eq!(report.nodes()[0].status(), Status::Loaded);
    assert!(report.bytes_read() > 0);
}
