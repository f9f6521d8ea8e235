//! Graphviz DOT output of a graph.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use crate::key::{Key, KeyBuildHasher};
use crate::node::Node;

/// A graph ready to be written as Graphviz DOT, one node per task and an edge from each input.
///
/// Returned by [`Delayed::visualize`](crate::Delayed::visualize); its `Display` is the DOT text.
#[derive(Clone, Debug)]
pub struct Dot {
    nodes: Vec<(Key, &'static str)>,
    edges: Vec<(Key, Key)>,
}

impl Dot {
    /// Collects the graph below `roots`, each node once, without recursion.
    pub(crate) fn new(roots: &[&Arc<Node>]) -> Self {
        let mut seen: HashMap<Key, (), KeyBuildHasher> = HashMap::default();
        let mut stack: Vec<&Node> = Vec::new();
        let mut nodes = Vec::new();
        let mut edges = Vec::new();
        for root in roots {
            if seen.insert(root.key, ()).is_none() {
                stack.push(root);
            }
        }
        while let Some(node) = stack.pop() {
            nodes.push((node.key, node.info.name));
            for dep in node.deps() {
                edges.push((dep.key, node.key));
                if seen.insert(dep.key, ()).is_none() {
                    stack.push(dep);
                }
            }
        }
        Dot { nodes, edges }
    }

    /// How many nodes the picture has.
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// How many edges the picture has (one per input slot).
    pub fn edge_count(&self) -> usize {
        self.edges.len()
    }
}

impl fmt::Display for Dot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "digraph graphchain {{")?;
        writeln!(f, "  rankdir=BT;")?;
        writeln!(
            f,
            "  node [shape=box, style=rounded, fontname=\"Helvetica\"];"
        )?;
        for (key, name) in &self.nodes {
            writeln!(
                f,
                "  \"{key}\" [label=\"{}\\n{}\"];",
                escape(name),
                key.short()
            )?;
        }
        for (from, to) in &self.edges {
            writeln!(f, "  \"{from}\" -> \"{to}\";")?;
        }
        writeln!(f, "}}")
    }
}

/// Escapes a string for a double-quoted DOT identifier.
fn escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}
