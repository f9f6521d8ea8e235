//! `visualize()`: valid Graphviz DOT, one node per task labelled with its function, an edge per
//! input; checked by a real `dot` when Graphviz is installed.

use graphchain::delayed;

use crate::common::graphviz;

#[delayed]
fn load(n: u32) -> Vec<u32> {
    (0..n).collect()
}

#[delayed(name = "sum \"all\"")]
fn sum(parts: Vec<Vec<u32>>) -> u32 {
    parts.iter().flatten().sum()
}

#[test]
fn dot_has_a_node_per_task_and_an_edge_per_input() {
    let a = load(3);
    let b = load(4);
    let total = sum(vec![a.clone(), b.clone(), a.clone()]);
    let dot = total.visualize();
    // sum, collect, and two distinct loads.
    assert_eq!(dot.node_count(), 4);
    // collect reads three slots, sum reads one.
    assert_eq!(dot.edge_count(), 4);
    let text = dot.to_string();
    assert!(text.starts_with("digraph graphchain {"), "{text}");
    assert!(text.trim_end().ends_with('}'));
    assert!(text.contains(&format!(
        "\"{}\" [label=\"load\\n{}\"]",
        a.key(),
        a.key().short()
    )));
    assert!(
        text.contains("label=\"sum \\\"all\\\""),
        "labels are escaped: {text}"
    );
    assert!(text.contains(&format!("\"{}\" -> ", b.key())));

    if let Some(svg) = graphviz::svg_if_installed(&text) {
        assert!(svg.contains("<svg"));
    }
}
