//! Depth: building, computing, visualizing and dropping a chain of a million nodes never recurses.

use std::sync::Arc;

use graphchain::{Delayed, MemoryStore, Runtime, Scheduler, delayed};

#[delayed]
fn start() -> u64 {
    0
}

#[delayed]
fn step(x: u64) -> u64 {
    x + 1
}

const N: u64 = 1_000_000;

fn chain() -> Delayed<u64> {
    let mut node = start();
    for _ in 0..N {
        node = step(node);
    }
    node
}

#[test]
fn million_node_chain_builds_computes_and_drops() {
    // With a cache: the demand-driven planner and the store decisions run at this depth too.
    let rt = Runtime::builder()
        .threads(2)
        .store(Arc::new(MemoryStore::new()))
        .build()
        .unwrap();
    let node = chain();
    assert_eq!(rt.compute(&node).unwrap(), N);
    let dot = node.visualize();
    assert_eq!(dot.node_count() as u64, N + 1);
    assert_eq!(dot.edge_count() as u64, N);
    drop(dot);
    drop(node);
}

#[test]
fn million_node_chain_runs_sequentially() {
    let rt = Runtime::builder()
        .scheduler(Scheduler::Sequential)
        .cache(false)
        .build()
        .unwrap();
    assert_eq!(rt.compute(&chain()).unwrap(), N);
}
