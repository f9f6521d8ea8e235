//! `Delayed<T>`: a lazy value, the handle users hold on a node of the graph.

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

use crate::graph::inspect::Graph;
use crate::graph::node::Node;
use crate::key::Key;

/// A lazy value of type `T`: a node of the graph, computed on demand.
///
/// Calling a `#[delayed]` function returns one; nothing runs until it is computed. Cloning a
/// `Delayed` is cheap and refers to the same node, and two calls with the same function and the
/// same inputs have the same [`key`](Delayed::key), so they are computed once.
///
/// # Examples
///
/// ```
/// use graphchain::{delayed, Delayed};
///
/// #[delayed]
/// fn add(a: i64, b: i64) -> i64 {
///     a + b
/// }
///
/// let x: Delayed<i64> = add(1, 2);
/// let y = add(&x, 10);
/// assert_eq!(y.name(), "add");
/// assert_eq!(y.compute()?, 13);
/// # Ok::<(), graphchain::Error>(())
/// ```
pub struct Delayed<T> {
    node: Arc<Node>,
    _type: PhantomData<fn() -> T>,
}

impl<T> Delayed<T> {
    pub(crate) fn from_node(node: Arc<Node>) -> Self {
        Delayed {
            node,
            _type: PhantomData,
        }
    }

    pub(crate) fn node(&self) -> &Arc<Node> {
        &self.node
    }

    pub(crate) fn into_node(self) -> Arc<Node> {
        self.node
    }

    /// The node's key: the hash chain of its function, its literal inputs and its inputs' keys.
    pub fn key(&self) -> Key {
        self.node.key
    }

    /// This value with a label: pictures ([`visualize`](Delayed::visualize)), reports, `explain`
    /// and the progress bar show it beside the function's name, to tell calls of one function
    /// apart. The key, and so the cache, is the same as without it. A node reading a file
    /// input ([`file()`](crate::file())) is labelled with the file's name unless it is given one.
    ///
    /// # Examples
    ///
    /// ```
    /// use graphchain::{delayed, Runtime};
    ///
    /// #[delayed]
    /// fn read_trips(month: u32) -> Vec<u32> {
    ///     vec![month; 3]
    /// }
    ///
    /// let january = read_trips(1).label("trips 01");
    /// assert_eq!(january.key(), read_trips(1).key());
    /// assert!(january.visualize().to_string().contains("trips 01"));
    /// let (_, report) = Runtime::builder().cache(false).build()?.compute_with_report(&january)?;
    /// assert_eq!(report.nodes()[0].label(), Some("trips 01"));
    /// # Ok::<(), graphchain::Error>(())
    /// ```
    pub fn label(&self, label: impl AsRef<str>) -> Delayed<T> {
        Delayed::from_node(self.node.labelled(label.as_ref().into()))
    }

    /// The name of the function that computes it.
    pub fn name(&self) -> &'static str {
        self.node.info.name
    }

    /// The graph below this value, for inspection: its nodes and edges (dask's `.dask`).
    pub fn graph(&self) -> Graph {
        Graph::new(&[&self.node])
    }
}

impl<T> Clone for Delayed<T> {
    fn clone(&self) -> Self {
        Delayed::from_node(self.node.clone())
    }
}

impl<T> fmt::Debug for Delayed<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Delayed")
            .field("name", &self.node.info.name)
            .field("key", &self.node.key)
            .finish()
    }
}
