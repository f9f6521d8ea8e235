//! A graph of many cheap tasks is worth storing as a whole: the cost model counts what the
//! scheduler spends per task, not only the tasks' bodies, and weighs the write of a requested
//! output against the later runs that load it, so the second run of an unchanged program loads
//! its root and computes nothing; a long chain is checkpointed now and then, so its second run
//! starts a short way below its end at most.

use graphchain::{Delayed, Runtime, Status, delayed};

use crate::common;

#[delayed]
fn leaf(i: u64) -> u64 {
    i
}

#[delayed]
fn add(a: u64, b: u64) -> u64 {
    a.wrapping_add(b)
}

#[delayed]
fn inc(x: u64) -> u64 {
    x + 1
}

/// 10,000 leaves summed pairwise: 19,999 tasks of a few nanoseconds each.
fn fan_in() -> Delayed<u64> {
    common::pairwise((0..10_000).map(leaf).collect(), add)
}

/// 20,000 increments.
fn chain() -> Delayed<u64> {
    (0..20_000).fold(leaf(0), |node, _| inc(node))
}

#[test]
fn second_runs_of_cheap_graphs_load_their_root() {
    let dir = tempfile::tempdir().unwrap();
    let first = Runtime::builder().cache_dir(dir.path()).build().unwrap();
    let (value, report) = first.compute_with_report(&fan_in()).unwrap();
    assert_eq!(report.count(Status::Computed), 19_999);
    // A new runtime, as the next run of the program would have.
    let second = Runtime::builder().cache_dir(dir.path()).build().unwrap();
    let (again, report) = second.compute_with_report(&fan_in()).unwrap();
    assert_eq!(again, value);
    assert_eq!(report.count(Status::Computed), 0, "{report}");
    assert_eq!(report.nodes().len(), 1, "only the root is visited");
    assert_eq!(report.nodes()[0].status(), Status::Loaded);
}

#[test]
fn second_runs_of_long_chains_start_near_their_end() {
    let dir = tempfile::tempdir().unwrap();
    let first = Runtime::builder().cache_dir(dir.path()).build().unwrap();
    let (value, report) = first.compute_with_report(&chain()).unwrap();
    let stored = report.nodes().iter().filter(|n| n.stored()).count();
    // Checkpoints now and then, not a write per link.
    assert!(
        stored > 0 && stored < 2_000,
        "{stored} of 20,001 links stored"
    );
    let second = Runtime::builder().cache_dir(dir.path()).build().unwrap();
    let (again, report) = second.compute_with_report(&chain()).unwrap();
    assert_eq!(again, value);
    // The root itself, or a checkpoint a short way below it: a stored root is likely but not
    // certain, since a checkpoint just below it recovers it almost as fast as loading it would.
    assert_eq!(report.count(Status::Loaded), 1, "{report}");
    assert!(
        report.count(Status::Computed) < 5_000,
        "{} links computed again",
        report.count(Status::Computed)
    );
}
