//! `visualize()`: valid Graphviz DOT, one node per task labelled with its function, an edge per
//! input; checked by a real `dot` when Graphviz is installed.

use graphchain::delayed;

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

    if let Ok(out) = std::process::Command::new("dot")
        .arg("-Tsvg")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child.stdin.take().unwrap().write_all(text.as_bytes())?;
            child.wait_with_output()
        })
    {
        assert!(
            out.status.success(),
            "dot rejected the output: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(String::from_utf8_lossy(&out.stdout).contains("<svg"));
    }
}
