//! The run state's side of tasks whose bodies run in another process: ending them from the
//! store, and recording where they ran.

use std::sync::atomic::Ordering;
use std::time::Duration;

use super::RunState;
use crate::exec::lock;
use crate::exec::node_state::{Done, NodeState};
use crate::exec::task::Task;

impl RunState<'_, '_, '_> {
    /// Ends `task`, whose body ran in another process that stored its result after `elapsed`:
    /// the node is computed, and its value is loaded from the store when `load` (this process
    /// reads it); an entry that cannot be loaded is a bad entry, computed again in a further
    /// attempt, exactly as a planned load. Reports each consumer that became ready.
    pub(crate) fn finish_stored(
        &self,
        task: Task<'_>,
        elapsed: Duration,
        load: bool,
        ready: &mut impl FnMut(usize),
    ) {
        let i = task.index;
        let recover = task.recover(elapsed);
        let computed = Done {
            state: NodeState::Computed,
            duration: elapsed,
            bytes: 0,
            reason: task.reason.clone(),
        };
        let done = match self.cache.as_ref().filter(|_| load) {
            None => computed,
            Some(cache) => match cache.load(i, task.node) {
                Ok(loaded) => {
                    lock(&self.values[i]).value = Some(loaded.value);
                    Done {
                        bytes: loaded.bytes,
                        ..computed
                    }
                }
                Err(took) => Done {
                    duration: took,
                    ..Done::untimed(NodeState::BadEntry)
                },
            },
        };
        self.recover_ns[i].store(recover, Ordering::Relaxed);
        if let Some(records) = &self.records {
            lock(&records[i]).1.stored = done.state == NodeState::Computed;
        }
        self.end(i, &task.begun, done, ready);
    }

    /// Records where node `i` ran, when it ran in another process (for the report).
    pub(crate) fn ran_on(&self, i: usize, place: &str) {
        if let Some(records) = &self.records {
            lock(&records[i]).1.ran_on = Some(place.into());
        }
    }

    /// Whether an earlier attempt of this run found node `i`'s entry unusable.
    pub(crate) fn was_bad(&self, i: usize) -> bool {
        self.bad.contains_key(&self.plan.nodes[i].key)
    }
}
