//! A dry run: what a run would load and compute, worked out without running anything.

use std::fmt;

use crate::exec::report::{Reason, Status};
use crate::key::Key;

/// What a run of a graph would do, planned against the cache without running a task: what
/// [`Runtime::plan`](crate::Runtime::plan) returns.
///
/// A node is either loaded ([`Status::Loaded`]: its key is in the cache, and its inputs are not
/// visited) or computed ([`Status::Computed`]), with the [`Reason`] the run would give.
/// A node to compute whose function is unchanged may still be found through the content of its
/// inputs once they are computed ([`PlannedNode::may_cut_off`]): a dry run cannot know whether
/// an input will come out the same, so it counts such nodes as computed.
#[derive(Clone, Debug, Default)]
pub struct RunPlan {
    pub(crate) nodes: Vec<PlannedNode>,
}

/// One node of a [`RunPlan`].
#[derive(Clone, Debug)]
pub struct PlannedNode {
    pub(crate) name: &'static str,
    pub(crate) key: Key,
    pub(crate) status: Status,
    pub(crate) reason: Option<Reason>,
    pub(crate) may_cut_off: bool,
}

impl PlannedNode {
    /// The function's name.
    pub fn name(&self) -> &'static str {
        self.name
    }
    /// The node's key.
    pub fn key(&self) -> Key {
        self.key
    }
    /// [`Status::Loaded`] or [`Status::Computed`].
    pub fn status(&self) -> Status {
        self.status
    }
    /// Why it would be computed; `None` for a node that would be loaded.
    pub fn reason(&self) -> Option<&Reason> {
        self.reason.as_ref()
    }
    /// Whether it may be loaded after all, if its recomputed inputs come out as before.
    pub fn may_cut_off(&self) -> bool {
        self.may_cut_off
    }
}

impl RunPlan {
    /// Every node the run would visit, inputs before the nodes that read them. Nodes below a
    /// loaded node are not visited, so they are not listed.
    pub fn nodes(&self) -> &[PlannedNode] {
        &self.nodes
    }

    /// How many nodes would end with `status`.
    pub fn count(&self, status: Status) -> usize {
        self.nodes.iter().filter(|n| n.status == status).count()
    }

    /// The nodes of the function named `name`.
    pub fn by_name<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a PlannedNode> + 'a {
        self.nodes.iter().filter(move |n| n.name == name)
    }
}

impl fmt::Display for RunPlan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} nodes: {} to compute, {} to load",
            self.nodes.len(),
            self.count(Status::Computed),
            self.count(Status::Loaded),
        )?;
        for n in &self.nodes {
            write!(f, "  {:<24} {}  ", n.name, n.key.short())?;
            match &n.reason {
                None => writeln!(f, "load")?,
                Some(reason) if n.may_cut_off => {
                    writeln!(f, "compute: {reason} (may be cut off)")?;
                }
                Some(reason) => writeln!(f, "compute: {reason}")?,
            }
        }
        Ok(())
    }
}
