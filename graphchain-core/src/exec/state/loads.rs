//! The run state's loads: a node planned to load, and one left to its load
//! ([`Source::Try`](crate::exec::plan::Source)), computed when its entry is not there.

use std::sync::atomic::Ordering;

use super::{Prepared, RunState};
use crate::exec::callback::TaskAction;
use crate::exec::lock;
use crate::exec::node_state::{Done, NodeState};
use crate::exec::report::Reason;
use crate::exec::run_cache::{Loaded, RunCache};
use crate::exec::task::Begun;
use crate::graph::node::Node;

impl RunState<'_, '_, '_> {
    /// Loads node `i` from its entry; one that cannot be used ends the node as a bad entry.
    pub(super) fn load(&self, i: usize, node: &Node) -> Done {
        match self.run_cache().load(i, node) {
            Ok(loaded) => self.loaded(i, loaded, None),
            Err(elapsed) => Done {
                duration: elapsed,
                ..Done::untimed(NodeState::BadEntry)
            },
        }
    }

    /// Loads node `i` when its entry is there, and reads its inputs to compute it when not.
    /// The entry is read first: `before` tells the callbacks of the task once it is known to
    /// load or to compute.
    pub(super) fn load_or_compute(
        &self,
        i: usize,
        node: &Node,
        begun: &mut Begun,
        before: impl Fn(&Begun),
    ) -> Result<Prepared, Done> {
        let found = self.run_cache().try_load(i, node);
        if let (Ok(None), Some(action)) = (&found, &mut begun.action) {
            *action = TaskAction::Compute;
        }
        before(begun);
        match found {
            Ok(Some(loaded)) => Err(self.loaded(i, loaded, None)),
            Ok(None) => self.inputs(i, node),
            Err(elapsed) => Err(Done {
                duration: elapsed,
                ..Done::untimed(NodeState::BadEntry)
            }),
        }
    }

    /// Makes a value read from the store node `i`'s result.
    pub(super) fn loaded(&self, i: usize, loaded: Loaded, reason: Option<Reason>) -> Done {
        self.recover_ns[i].store(loaded.elapsed.as_nanos() as u64, Ordering::Relaxed);
        lock(&self.values[i]).value = Some(loaded.value);
        Done {
            state: NodeState::Loaded,
            duration: loaded.elapsed,
            bytes: loaded.bytes,
            reason,
        }
    }

    fn run_cache(&self) -> &RunCache<'_> {
        self.cache
            .as_ref()
            .expect("loads are planned only with a cache")
    }
}
