//! Inspecting a graph: its nodes and edges, as plain data (dask's `.dask`).

use std::collections::HashMap;
use std::sync::Arc;

use crate::graph::node::{Edge, Node};
use crate::key::{Key, KeyBuildHasher};

/// One node of a [`Graph`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct GraphNode {
    /// The node's key.
    pub key: Key,
    /// The function (or operation) that computes it.
    pub name: &'static str,
    /// Its input slots in order: `Some(key)` for another node, `None` for a plain value.
    pub inputs: Vec<Option<Key>>,
    /// `false` for `#[delayed(pure = false)]` calls.
    pub pure: bool,
}

impl GraphNode {
    /// The keys of the nodes it reads, in slot order.
    pub fn dependencies(&self) -> impl Iterator<Item = Key> + '_ {
        self.inputs.iter().flatten().copied()
    }
}

/// The graph below one or more lazy values: every node once, inputs before the nodes that read
/// them.
///
/// Returned by [`Delayed::graph`](crate::Delayed::graph).
///
/// # Examples
///
/// ```
/// use graphchain::delayed;
///
/// #[delayed]
/// fn load(n: u32) -> Vec<u32> {
///     (0..n).collect()
/// }
///
/// #[delayed]
/// fn sum(xs: &[u32]) -> u32 {
///     xs.iter().sum()
/// }
///
/// let data = load(10);
/// let total = sum(&data) + sum(&data);           // `sum(&data)` twice is one node
/// let graph = total.graph();
/// let names: Vec<_> = graph.nodes().map(|n| n.name).collect();
/// assert_eq!(names, ["load", "sum", "add"]);
/// assert_eq!(graph.edges().count(), 3);           // load -> sum, sum -> add (twice)
/// assert_eq!(graph.get(data.key()).unwrap().inputs, [None]);
/// ```
#[derive(Clone, Debug)]
pub struct Graph {
    nodes: Vec<GraphNode>,
    index: HashMap<Key, usize, KeyBuildHasher>,
}

impl Graph {
    /// Collects the graph below `roots` without recursion, in dependency order.
    pub(crate) fn new(roots: &[&Arc<Node>]) -> Self {
        let mut index: HashMap<Key, usize, KeyBuildHasher> = HashMap::default();
        let mut nodes = Vec::new();
        // Post-order depth-first walk with an explicit stack: (node, next input slot to visit).
        let mut stack: Vec<(&Node, usize)> = Vec::new();
        for root in roots {
            if index.contains_key(&root.key) {
                continue;
            }
            stack.push((root, 0));
            while let Some((node, slot)) = stack.last_mut() {
                let node: &Node = node;
                let next = node.edges[*slot..].iter().position(|edge| match edge {
                    Edge::Node(dep) => !index.contains_key(&dep.key),
                    Edge::Literal(_) | Edge::Code(_) => false,
                });
                match next {
                    Some(offset) => {
                        *slot += offset + 1;
                        if let Edge::Node(dep) = &node.edges[*slot - 1] {
                            // Mark as seen when pushed, so a shared input is walked once.
                            index.insert(dep.key, usize::MAX);
                            stack.push((dep, 0));
                        }
                    }
                    None => {
                        stack.pop();
                        index.insert(node.key, nodes.len());
                        nodes.push(GraphNode {
                            key: node.key,
                            name: node.info.name,
                            inputs: node
                                .edges
                                .iter()
                                .filter_map(|edge| match edge {
                                    Edge::Node(dep) => Some(Some(dep.key)),
                                    Edge::Literal(_) => Some(None),
                                    Edge::Code(_) => None,
                                })
                                .collect(),
                            pure: node.info.pure,
                        });
                    }
                }
            }
        }
        Graph { nodes, index }
    }

    /// Every node, each once, every node after all of its inputs.
    pub fn nodes(&self) -> impl ExactSizeIterator<Item = &GraphNode> {
        self.nodes.iter()
    }

    /// Every edge as `(input, reader)`, one per input slot (a node read twice by one task gives
    /// two edges).
    pub fn edges(&self) -> impl Iterator<Item = (Key, Key)> + '_ {
        self.nodes
            .iter()
            .flat_map(|node| node.dependencies().map(move |dep| (dep, node.key)))
    }

    /// The node with this key, if it is in the graph.
    pub fn get(&self, key: Key) -> Option<&GraphNode> {
        self.index.get(&key).map(|&i| &self.nodes[i])
    }

    /// How many nodes there are.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Whether there are no nodes (never, for a graph of a value).
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }
}
