//! Planning does not ask the store about the nodes of a function whose record says none of its
//! results is kept (cache-if-faster left them all out): on a large store each question is a
//! search of a big directory, and the answer is known to be no.

use std::sync::Arc;

use graphchain::{Runtime, Status, delayed};

use crate::common;
use crate::common::asked::Asked;

#[delayed]
fn tiny(i: u64) -> u64 {
    i ^ 1
}

#[delayed]
fn join(a: u64, b: u64) -> u64 {
    a.wrapping_add(b)
}

/// The requested output, always stored: so the run leaves its records.
#[delayed(cache = "always")]
fn kept(x: u64) -> u64 {
    x
}

/// `tiny(i)` for `i` in `ids`, summed pairwise by `join`, kept.
fn summed(ids: std::ops::Range<u64>) -> graphchain::Delayed<u64> {
    kept(common::pairwise(ids.map(tiny).collect(), join))
}

#[test]
fn nodes_of_a_function_that_stores_nothing_are_not_asked_about() {
    let store = Arc::new(Asked::slow_reads());
    let rt = Runtime::builder().store(store.clone()).build().unwrap();
    let (_, report) = rt.compute_with_report(&summed(0..300)).unwrap();
    let stored = report.by_name("tiny").filter(|n| n.stored()).count();
    assert_eq!(stored, 0, "no `tiny` result is worth keeping: {report}");

    // Fresh leaves: nothing of this graph is stored, and `tiny`'s record says none of its
    // results is kept, so its 300 nodes are asked about only among the first few questions.
    store.take_asked();
    let (value, report) = rt.compute_with_report(&summed(1000..1300)).unwrap();
    assert_eq!(value, (1000..1300).map(|i| i ^ 1).sum::<u64>());
    assert_eq!(report.count(Status::Computed), 600, "{report}");
    let asked = store.take_asked();
    let leaves_asked = (1000..1300)
        .filter(|&i| asked.contains(&tiny(i).key()))
        .count();
    assert!(
        leaves_asked < 100,
        "{leaves_asked} of the 300 `tiny` nodes were looked up"
    );
}
