//! Skip lists (graphchain's `skip_keys`): skipped nodes are neither read from nor written to the
//! cache; `cache = "never"` and `pure = false` functions never are.

use std::sync::Arc;

use graphchain::{MemoryStore, Runtime, Status, delayed};

#[delayed(cache = "always")]
fn base(n: u64) -> u64 {
    n * 10
}

#[delayed(cache = "always")]
fn top(x: u64) -> u64 {
    x + 1
}

#[delayed(cache = "never")]
fn never(x: u64) -> u64 {
    x + 2
}

#[delayed(pure = false)]
fn impure(x: u64) -> u64 {
    x + 3
}

fn stored_names(report: &graphchain::Report) -> Vec<&'static str> {
    let mut v: Vec<_> = report
        .nodes()
        .iter()
        .filter(|n| n.stored())
        .map(|n| n.name())
        .collect();
    v.sort();
    v
}

#[test]
fn skipped_keys_are_neither_written_nor_read() {
    let store = Arc::new(MemoryStore::new());
    let skip = top(base(1)).key();
    let rt = Runtime::builder()
        .store(store.clone())
        .skip_keys([skip])
        .build()
        .unwrap();
    let (v, report) = rt.compute_with_report(&top(base(1))).unwrap();
    assert_eq!(v, 11);
    assert_eq!(stored_names(&report), ["base"]);

    // The same graph on a runtime that stores everything, then the skipping one again: the
    // skipped node is computed although its entry exists, from its loaded input.
    Runtime::builder()
        .store(store.clone())
        .build()
        .unwrap()
        .compute(&top(base(1)))
        .unwrap();
    let (_, report) = rt.compute_with_report(&top(base(1))).unwrap();
    let statuses: Vec<_> = report
        .nodes()
        .iter()
        .map(|n| (n.name(), n.status()))
        .collect();
    assert_eq!(
        statuses,
        [("base", Status::Loaded), ("top", Status::Computed)]
    );
}

#[test]
fn skipped_functions_are_neither_written_nor_read() {
    let store = Arc::new(MemoryStore::new());
    let rt = Runtime::builder()
        .store(store.clone())
        .skip_functions(["base"])
        .build()
        .unwrap();
    let (_, report) = rt.compute_with_report(&top(base(2))).unwrap();
    assert_eq!(stored_names(&report), ["top"]);
}

#[test]
fn never_and_impure_functions_are_never_stored() {
    let store = Arc::new(MemoryStore::new());
    let rt = Runtime::builder().store(store.clone()).build().unwrap();
    let (v, report) = rt.compute_with_report(&impure(never(base(3)))).unwrap();
    assert_eq!(v, 35);
    assert_eq!(stored_names(&report), ["base"]);
    let (_, report) = rt.compute_with_report(&impure(never(base(3)))).unwrap();
    let statuses: Vec<_> = report
        .nodes()
        .iter()
        .map(|n| (n.name(), n.status()))
        .collect();
    assert_eq!(
        statuses,
        [
            ("base", Status::Loaded),
            ("never", Status::Computed),
            ("impure", Status::Computed)
        ]
    );
}
