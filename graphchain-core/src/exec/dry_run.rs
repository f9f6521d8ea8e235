//! A dry run: what a run would load and compute, worked out without running anything.

use std::collections::HashMap;
use std::fmt;
use std::ops::Deref;

use super::plan::{Source, plan};
use super::report::{NodeReport, Report, Status};
use super::{Context, why};
use crate::graph::node::Node;

/// What a run of a graph would do, planned against the cache without running a task: what
/// [`Runtime::plan`](crate::Runtime::plan) returns.
///
/// A node is either loaded ([`Status::Loaded`]: its key is in the cache, and its inputs are not
/// visited) or computed ([`Status::Computed`]), with the [`Reason`](crate::Reason) the run would
/// give. A node to compute whose function is unchanged may still be found through the content of
/// its inputs once they are computed ([`NodeReport::may_cut_off`]): a dry run cannot know whether
/// an input will come out the same, so it counts such nodes as computed.
///
/// A plan is the [`Report`] of a run that has not happened: it dereferences to one, so
/// [`nodes`](Report::nodes), [`count`](Report::count) and [`by_name`](Report::by_name) work on
/// it, and its nodes are [`NodeReport`]s without times or sizes.
#[derive(Clone, Debug, Default)]
pub struct RunPlan {
    report: Report,
}

/// One node of a [`RunPlan`]: a [`NodeReport`] with no time or size yet.
pub type PlannedNode = NodeReport;

impl Deref for RunPlan {
    type Target = Report;

    fn deref(&self) -> &Report {
        &self.report
    }
}

impl fmt::Display for RunPlan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} nodes: {} to compute, {} to load",
            self.nodes().len(),
            self.count(Status::Computed),
            self.count(Status::Loaded),
        )?;
        for n in self.nodes() {
            write!(f, "  {:<24} {}  ", n.name(), n.key().short())?;
            match n.reason() {
                None => writeln!(f, "load")?,
                Some(reason) if n.may_cut_off() => {
                    writeln!(f, "compute: {reason} (may be cut off)")?;
                }
                Some(reason) => writeln!(f, "compute: {reason}")?,
            }
        }
        Ok(())
    }
}

/// What a run of the graph below `roots` would do, planned with the cache and nothing run.
pub(crate) fn dry_run(roots: &[&Node], ctx: &Context<'_>) -> RunPlan {
    let bad = HashMap::new();
    let plan = plan(roots, ctx, &HashMap::default(), &bad, false);
    // Inputs before the nodes that read them, as a report lists them.
    let order = plan.topological();
    let nodes = order
        .into_iter()
        .map(|i| {
            let node = plan.nodes[i];
            let mut planned = NodeReport::new(node);
            if plan.sources[i] == Source::Compute {
                let computed = |j| plan.sources[j] == Source::Compute;
                planned.reason = Some(why::why(&plan, ctx, &bad, i, node, computed, |_| false));
                planned.may_cut_off = plan.candidate(i);
            } else {
                planned.status = Status::Loaded;
            }
            planned
        })
        .collect();
    RunPlan {
        report: Report {
            nodes,
            ..Report::default()
        },
    }
}
