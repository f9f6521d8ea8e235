//! `Runtime::plan` tells what a run would load and what it would compute, and why, without
//! running a task or writing to the cache.

use std::sync::atomic::{AtomicUsize, Ordering};

use graphchain::{Reason, Runtime, Status, delayed};

static RAN: AtomicUsize = AtomicUsize::new(0);

#[delayed(cache = "always")]
fn load(n: u32) -> Vec<u32> {
    RAN.fetch_add(1, Ordering::SeqCst);
    (0..n).collect()
}

#[delayed(cache = "always")]
fn total(xs: &[u32]) -> u64 {
    RAN.fetch_add(1, Ordering::SeqCst);
    xs.iter().map(|&x| u64::from(x)).sum()
}

#[test]
fn plan_is_a_dry_run() {
    let dir = tempfile::tempdir().unwrap();
    let rt = Runtime::builder().cache_dir(dir.path()).build().unwrap();

    let cold = rt.plan(&total(load(10)));
    assert_eq!(cold.count(Status::Computed), 2);
    assert_eq!(
        cold.nodes().iter().map(|n| n.name()).collect::<Vec<_>>(),
        ["load", "total"],
        "inputs first"
    );
    assert_eq!(RAN.load(Ordering::SeqCst), 0, "nothing ran");
    assert_eq!(
        std::fs::read_dir(dir.path()).map_or(0, |d| d.count()),
        0,
        "nothing written"
    );

    rt.compute(&load(10)).unwrap();
    let warm = rt.plan(&total(load(10)));
    let load_node = warm.by_name("load").next().unwrap();
    assert_eq!(load_node.status(), Status::Loaded);
    assert_eq!(load_node.reason(), None);
    let total_node = warm.by_name("total").next().unwrap();
    assert_eq!(total_node.status(), Status::Computed);
    assert_eq!(total_node.reason(), Some(&Reason::NewFunction));
    assert!(
        warm.to_string().contains("1 to compute, 1 to load"),
        "{warm}"
    );

    // After a run, the plan of the same graph loads its root and visits nothing below it.
    rt.compute(&total(load(10))).unwrap();
    let done = rt.plan(&total(load(10)));
    assert_eq!(done.nodes().len(), 1);
    assert_eq!(done.count(Status::Loaded), 1);

    // A changed literal: `load` must run, and `total` will run unless `load`'s value is as
    // before, which only the run can tell.
    let changed = rt.plan(&total(load(11)));
    let total_node = changed.by_name("total").next().unwrap();
    assert!(total_node.may_cut_off());
    assert_eq!(
        total_node.reason(),
        Some(&Reason::InputChanged {
            input: "load",
            slot: 0
        })
    );
    assert_eq!(
        changed.by_name("load").next().unwrap().reason(),
        Some(&Reason::NoEntry)
    );
}
