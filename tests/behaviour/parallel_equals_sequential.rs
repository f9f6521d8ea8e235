//! Property: on random DAGs, the parallel scheduler returns what the sequential one does, and
//! both return what evaluating the graph by hand gives.

use graphchain::{Delayed, Runtime, Scheduler, delayed};
use proptest::prelude::*;

#[delayed]
fn leaf(seed: u64) -> u64 {
    seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 3
}

#[delayed]
fn mix(inputs: Vec<u64>, salt: u64) -> u64 {
    inputs
        .iter()
        .fold(salt, |acc, x| acc.rotate_left(7) ^ x.wrapping_mul(31))
}

/// A DAG: node `i` is a leaf or mixes some of the nodes before it.
#[derive(Debug, Clone)]
pub(crate) struct Dag {
    nodes: Vec<Vec<usize>>,
}

pub(crate) fn dag() -> impl Strategy<Value = Dag> {
    (1usize..60).prop_flat_map(|n| {
        (0..n)
            .map(|i| {
                if i == 0 {
                    Just(Vec::new()).boxed()
                } else {
                    proptest::collection::vec(0..i, 0..4).boxed()
                }
            })
            .collect::<Vec<_>>()
            .prop_map(|nodes| Dag { nodes })
    })
}

pub(crate) fn by_hand(dag: &Dag) -> Vec<u64> {
    let mut values: Vec<u64> = Vec::new();
    for (i, inputs) in dag.nodes.iter().enumerate() {
        let v = if inputs.is_empty() {
            (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 3
        } else {
            inputs.iter().fold(i as u64, |acc, &j| {
                acc.rotate_left(7) ^ values[j].wrapping_mul(31)
            })
        };
        values.push(v);
    }
    values
}

pub(crate) fn build(dag: &Dag) -> Vec<Delayed<u64>> {
    let mut nodes: Vec<Delayed<u64>> = Vec::new();
    for (i, inputs) in dag.nodes.iter().enumerate() {
        let node = if inputs.is_empty() {
            leaf(i as u64)
        } else {
            mix(
                inputs.iter().map(|&j| nodes[j].clone()).collect::<Vec<_>>(),
                i as u64,
            )
        };
        nodes.push(node);
    }
    nodes
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn parallel_equals_sequential_equals_by_hand(dag in dag()) {
        let parallel = Runtime::builder().threads(2).cache(false).build().unwrap();
        let sequential = Runtime::builder().scheduler(Scheduler::Sequential).cache(false).build().unwrap();
        let nodes = build(&dag);
        let expected = by_hand(&dag);
        prop_assert_eq!(parallel.compute_many(&nodes).unwrap(), expected.clone());
        prop_assert_eq!(sequential.compute_many(&nodes).unwrap(), expected.clone());
        // Each output alone, too: a different plan over the same nodes.
        let last = nodes.last().unwrap();
        prop_assert_eq!(parallel.compute(last).unwrap(), *expected.last().unwrap());
    }
}
