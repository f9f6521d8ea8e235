//! Inspecting a graph without running it: nodes in dependency order, edges per input slot.

use graphchain::{Delayed, collect, delayed, delayed_fn};

#[delayed]
fn load(part: u32) -> Vec<u32> {
    vec![part; 3]
}

#[delayed]
fn clean(xs: &[u32], threshold: u32) -> Vec<u32> {
    xs.iter().copied().filter(|&x| x >= threshold).collect()
}

#[delayed]
fn merge(a: &[u32], b: &[u32]) -> usize {
    a.len() + b.len()
}

#[test]
fn a_diamond_lists_each_node_once_inputs_first() {
    let raw = load(1);
    let left = clean(&raw, 0);
    let right = clean(&raw, 2);
    let root = merge(&left, &right);
    let graph = root.graph();
    assert_eq!(graph.len(), 4);
    let order: Vec<_> = graph.nodes().map(|n| n.key).collect();
    let pos = |k: graphchain::Key| order.iter().position(|&o| o == k).unwrap();
    assert_eq!(pos(raw.key()), 0);
    assert!(pos(left.key()) < pos(root.key()) && pos(right.key()) < pos(root.key()));
    assert_eq!(pos(root.key()), 3);

    let node = graph.get(left.key()).unwrap();
    assert_eq!(node.name, "clean");
    assert_eq!(
        node.inputs,
        [Some(raw.key()), None],
        "a node, then a plain value"
    );
    let mut edges: Vec<_> = graph.edges().collect();
    edges.sort();
    let mut expected = vec![
        (raw.key(), left.key()),
        (raw.key(), right.key()),
        (left.key(), root.key()),
        (right.key(), root.key()),
    ];
    expected.sort();
    assert_eq!(edges, expected);
    assert!(graph.get(load(2).key()).is_none());
}

#[test]
fn fan_in_operators_and_wrapped_functions_appear_as_nodes() {
    let parts = collect((0..3).map(load).collect());
    let count = delayed_fn!(|xs: &[Vec<u32>]| xs.len());
    let root = count.call(&parts) * 2usize;
    let graph = root.graph();
    let names: Vec<_> = graph.nodes().map(|n| n.name).collect();
    assert_eq!(names.len(), 6);
    assert_eq!(&names[3..], ["collect", "closure", "mul"]);
    // The wrapped closure has one input: the function itself is not one.
    let closure = graph.nodes().find(|n| n.name == "closure").unwrap();
    assert_eq!(closure.inputs, [Some(parts.key())]);
    assert_eq!(graph.edges().count(), 5);
}

#[test]
fn a_deep_chain_is_inspected_without_recursion() {
    let mut x: Delayed<u32> = Delayed::value(0);
    for _ in 0..200_000 {
        x = x + 1u32;
    }
    let graph = x.graph();
    assert_eq!(graph.len(), 200_001);
    assert_eq!(graph.nodes().last().unwrap().key, x.key());
    assert_eq!(x.compute().unwrap(), 200_000);
}
