//! `persist()`: compute now, keep the value in memory, and build later graphs on it (dask's
//! `persist`).

use std::sync::atomic::{AtomicUsize, Ordering};

use graphchain::{Runtime, Status, delayed};

static LOADS: AtomicUsize = AtomicUsize::new(0);

#[delayed(cache = "never")]
fn load(n: u64) -> Vec<u64> {
    LOADS.fetch_add(1, Ordering::SeqCst);
    (1..=n).collect()
}

#[delayed(cache = "never")]
fn total(xs: &[u64]) -> u64 {
    xs.iter().sum()
}

#[delayed(cache = "never")]
fn largest(xs: &[u64]) -> u64 {
    xs.iter().copied().max().unwrap_or(0)
}

#[test]
fn later_graphs_start_from_the_persisted_value() {
    let rt = Runtime::builder().cache(false).threads(2).build().unwrap();
    let lazy = load(100);
    let data = rt.persist(&lazy).unwrap();
    assert_eq!(LOADS.load(Ordering::SeqCst), 1);
    assert_eq!(data.key(), lazy.key(), "same key, so the cache is shared");
    assert_eq!(data.name(), "load");

    assert_eq!(rt.compute(&total(&data)).unwrap(), 5050);
    let (max, report) = rt.compute_with_report(&largest(&data)).unwrap();
    assert_eq!(max, 100);
    assert_eq!(LOADS.load(Ordering::SeqCst), 1, "never loaded again");
    assert_eq!(total(&data).key(), total(&lazy).key());
    // The persisted node stands in the graph as a leaf with nothing below it.
    assert_eq!(largest(&data).graph().len(), 2);
    assert!(
        report
            .by_name("load")
            .all(|n| n.status() == Status::Computed)
    );
}

#[test]
fn a_failure_is_returned_not_persisted() {
    #[delayed(cache = "never")]
    fn broken() -> Result<u8, std::fmt::Error> {
        Err(std::fmt::Error)
    }
    let rt = Runtime::builder().cache(false).build().unwrap();
    assert!(rt.persist(&broken()).is_err());
}
