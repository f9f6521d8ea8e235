//! Graphviz DOT output of a graph: one node per task, an edge per input, and, given a runtime or a
//! report, each node coloured by what a run will do or did to it.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use crate::exec::report::{Report, Status};
use crate::graph::delayed::Delayed;
use crate::graph::file::current;
use crate::graph::node::Node;
use crate::key::{Key, KeyBuildHasher};

mod save;

/// A graph ready to be written as Graphviz DOT, one node per task labelled with its function and
/// short key, and an edge from each input.
///
/// Returned by [`Delayed::visualize`](crate::Delayed::visualize); its `Display` is the DOT text.
/// [`Runtime::visualize`](crate::Runtime::visualize) also colours each node by what a run would do
/// to it (load it, compute it, or not need it), and
/// [`Report::visualize`](crate::Report::visualize) by what a run did (failures included), both
/// with a legend. Options are set by chaining: [`rankdir`](Dot::rankdir), [`title`](Dot::title),
/// [`legend`](Dot::legend). [`save`](Dot::save) writes the text, or a picture rendered by
/// Graphviz.
///
/// # Examples
///
/// ```
/// use graphchain::{delayed, RankDir};
///
/// #[delayed]
/// fn load(n: u32) -> Vec<u32> {
///     (0..n).collect()
/// }
///
/// #[delayed]
/// fn total(xs: &[u32]) -> u32 {
///     xs.iter().sum()
/// }
///
/// let dot = total(load(10)).visualize().rankdir(RankDir::LeftRight).title("totals");
/// let text = dot.to_string();
/// assert!(text.contains("rankdir=LR;"));
/// assert!(text.contains("label=\"total\\n"));
/// ```
#[derive(Clone, Debug)]
pub struct Dot {
    nodes: Vec<(Key, &'static str, Option<Arc<str>>)>,
    edges: Vec<(Key, Key)>,
    rankdir: RankDir,
    title: Option<String>,
    legend: bool,
    states: Option<States>,
}

/// The direction edges point in a picture, Graphviz's `rankdir`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Hash)]
#[non_exhaustive]
pub enum RankDir {
    /// Inputs above the tasks that read them.
    TopBottom,
    /// Inputs below the tasks that read them, the result on top (the default).
    #[default]
    BottomTop,
    /// Inputs to the left of the tasks that read them.
    LeftRight,
    /// Inputs to the right of the tasks that read them.
    RightLeft,
}

impl RankDir {
    fn as_dot(self) -> &'static str {
        match self {
            RankDir::TopBottom => "TB",
            RankDir::BottomTop => "BT",
            RankDir::LeftRight => "LR",
            RankDir::RightLeft => "RL",
        }
    }
}

/// Whether the colours say what a run would do or what it did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Phase {
    Planned,
    Ran,
}

/// Each node's status, in the order of `Dot::nodes`.
#[derive(Clone, Debug)]
struct States {
    phase: Phase,
    of: Vec<Status>,
}

/// The statuses in the order the legend lists them.
const LEGEND_ORDER: [Status; 6] = [
    Status::Loaded,
    Status::Computed,
    Status::Failed,
    Status::Skipped,
    Status::Cancelled,
    Status::NotNeeded,
];

/// How a node in `status` is drawn: its DOT attributes and its legend label.
fn style(status: Status, phase: Phase) -> (&'static str, &'static str) {
    let planned = phase == Phase::Planned;
    match status {
        Status::Computed => (
            "fillcolor=\"#ffd8a8\"",
            if planned { "will compute" } else { "computed" },
        ),
        Status::Loaded => (
            "fillcolor=\"#b2f2bb\"",
            if planned { "will load" } else { "loaded" },
        ),
        Status::Failed => ("fillcolor=\"#ff8787\"", "failed"),
        Status::Skipped => (
            "fillcolor=\"#ffe3e3\", style=\"rounded,filled,dashed\"",
            "skipped (an input failed)",
        ),
        Status::Cancelled => (
            "fillcolor=\"#e9ecef\", style=\"rounded,filled,dashed\"",
            "cancelled (fail-fast)",
        ),
        Status::NotNeeded | Status::Discarded => (
            "fillcolor=\"#f1f3f5\", fontcolor=\"#868e96\", color=\"#adb5bd\"",
            "not needed",
        ),
    }
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
            nodes.push((node.key, node.info.name, node.label().cloned()));
            for dep in node.deps() {
                edges.push((dep.key, node.key));
                if seen.insert(dep.key, ()).is_none() {
                    stack.push(dep);
                }
            }
        }
        Dot {
            nodes,
            edges,
            rankdir: RankDir::default(),
            title: None,
            legend: true,
            states: None,
        }
    }

    /// Colours each node by its status in `statuses`; a node missing there was not needed.
    pub(crate) fn with_states(
        mut self,
        phase: Phase,
        statuses: &HashMap<Key, Status, KeyBuildHasher>,
    ) -> Self {
        let of = self
            .nodes
            .iter()
            .map(|(key, ..)| statuses.get(key).copied().unwrap_or(Status::NotNeeded))
            .collect();
        self.states = Some(States { phase, of });
        self
    }

    /// Points the edges in `direction` (default [`RankDir::BottomTop`]: the result on top).
    pub fn rankdir(mut self, direction: RankDir) -> Self {
        self.rankdir = direction;
        self
    }

    /// Writes `title` above the picture.
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }

    /// Shows or hides the legend of the colours (shown by default when nodes are coloured).
    pub fn legend(mut self, show: bool) -> Self {
        self.legend = show;
        self
    }

    /// How many nodes the picture has.
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// How many edges the picture has (one per input slot).
    pub fn edge_count(&self) -> usize {
        self.edges.len()
    }

    /// The status the node with this key is coloured with: from
    /// [`Runtime::visualize`](crate::Runtime::visualize), [`Status::Loaded`] for "will load",
    /// [`Status::Computed`] for "will compute" and [`Status::NotNeeded`]; from
    /// [`Report::visualize`](crate::Report::visualize), what the run did. `None` for an
    /// uncoloured picture or a key that is not in it.
    pub fn status(&self, key: Key) -> Option<Status> {
        let states = self.states.as_ref()?;
        let i = self.nodes.iter().position(|(k, ..)| *k == key)?;
        Some(states.of[i])
    }
}

impl fmt::Display for Dot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "digraph graphchain {{")?;
        writeln!(f, "  rankdir={};", self.rankdir.as_dot())?;
        if let Some(title) = &self.title {
            writeln!(
                f,
                "  label=\"{}\"; labelloc=t; fontname=\"Helvetica\";",
                escape(title)
            )?;
        }
        let filled = if self.states.is_some() { ",filled" } else { "" };
        writeln!(
            f,
            "  node [shape=box, style=\"rounded{filled}\", fontname=\"Helvetica\"];"
        )?;
        for (i, (key, name, label)) in self.nodes.iter().enumerate() {
            write!(f, "  \"{key}\" [label=\"{}", escape(name))?;
            if let Some(label) = label {
                write!(f, "\\n{}", escape(label))?;
            }
            write!(f, "\\n{}\"", key.short())?;
            if let Some(states) = &self.states {
                write!(f, ", {}", style(states.of[i], states.phase).0)?;
            }
            writeln!(f, "];")?;
        }
        for (from, to) in &self.edges {
            writeln!(f, "  \"{from}\" -> \"{to}\";")?;
        }
        if let Some(states) = self.states.as_ref().filter(|_| self.legend) {
            self.write_legend(f, states)?;
        }
        writeln!(f, "}}")
    }
}

impl Dot {
    /// A box listing the colours used, one entry per status present, stacked by invisible edges.
    fn write_legend(&self, f: &mut fmt::Formatter<'_>, states: &States) -> fmt::Result {
        let present: Vec<Status> = LEGEND_ORDER
            .into_iter()
            .filter(|s| states.of.contains(s))
            .collect();
        writeln!(f, "  subgraph cluster_legend {{")?;
        writeln!(
            f,
            "    label=\"legend\"; labelloc=t; style=\"rounded,dashed\"; color=\"#adb5bd\"; \
             fontname=\"Helvetica\";"
        )?;
        for status in &present {
            let (attributes, label) = style(*status, states.phase);
            writeln!(
                f,
                "    \"legend: {label}\" [label=\"{label}\", {attributes}];"
            )?;
        }
        for pair in present.windows(2) {
            writeln!(
                f,
                "    \"legend: {}\" -> \"legend: {}\" [style=invis];",
                style(pair[0], states.phase).1,
                style(pair[1], states.phase).1
            )?;
        }
        writeln!(f, "  }}")
    }
}

/// Escapes a string for a double-quoted DOT identifier.
fn escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

#[cfg(test)]
mod tests;

impl Report {
    /// The graph below `value` as Graphviz DOT, each node coloured by what this run did to it:
    /// loaded, computed, failed, skipped, or not needed. Keep the report of a failed run with a
    /// [`Profiler`](crate::Profiler) to see where it failed.
    ///
    /// # Examples
    ///
    /// ```
    /// use graphchain::{delayed, Runtime, Status};
    ///
    /// #[delayed]
    /// fn inc(x: u32) -> u32 {
    ///     x + 1
    /// }
    ///
    /// let rt = Runtime::builder().cache(false).build()?;
    /// let value = inc(inc(1));
    /// let (_, report) = rt.compute_with_report(&value)?;
    /// let dot = report.visualize(&value);
    /// assert_eq!(dot.status(value.key()), Some(Status::Computed));
    /// assert!(dot.to_string().contains("legend"));
    /// # Ok::<(), graphchain::Error>(())
    /// ```
    pub fn visualize<T>(&self, value: &Delayed<T>) -> Dot {
        let statuses = self.nodes.iter().map(|n| (n.key, n.status)).collect();
        // Keyed as the run keyed it, when a file input changed since `value` was built.
        let root = current(&[value.node()]);
        Dot::new(&[&root[0]]).with_states(Phase::Ran, &statuses)
    }
}

impl<T> Delayed<T> {
    /// The graph below this value as Graphviz DOT; `to_string()` it, or [`save`](Dot::save) it
    /// as `.dot` text or as a rendered `.svg`, `.png` or `.pdf`. [`Runtime::visualize`](crate::Runtime::visualize) colours
    /// the nodes by what a run would do to them.
    ///
    /// # Examples
    ///
    /// ```
    /// use graphchain::delayed;
    ///
    /// #[delayed]
    /// fn one() -> u8 {
    ///     1
    /// }
    ///
    /// #[delayed]
    /// fn inc(x: u8) -> u8 {
    ///     x + 1
    /// }
    ///
    /// let dot = inc(one()).visualize().to_string();
    /// assert!(dot.starts_with("digraph"));
    /// assert!(dot.contains("label=\"inc"));
    /// ```
    pub fn visualize(&self) -> Dot {
        Dot::new(&[self.node()])
    }
}
