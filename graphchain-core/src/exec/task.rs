//! A task: a node whose body must run, as the run state hands it to a driver; running a
//! synchronous body (catching panics, retrying); and the log events of a task.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::{Duration, Instant};

use super::callback::{TaskAction, TaskInfo};
use super::node_state::NodeState;
use super::report::Reason;
use crate::graph::body::{Args, Body, Thunk};
use crate::graph::node::{FnInfo, Node};
use crate::key::Key;
use crate::store::Lease;
use crate::value::{BoxError, Value};

/// What a task's body gave: its result, or the panic that ended it.
pub(crate) type Outcome = std::thread::Result<Result<Value, BoxError>>;

/// A task under way: when it started, and what the callbacks are told it does. Small, as it
/// moves with the task: the callbacks' [`TaskInfo`] is made from it and the node each time
/// they are called.
pub(super) struct Begun {
    pub(super) start: Option<Instant>,
    /// `None` when no callback listens.
    pub(super) action: Option<TaskAction>,
    pub(super) worker: Option<usize>,
}

impl Begun {
    /// What the callbacks are told about this task of `node`, when any listens.
    pub(super) fn info(&self, node: &Node) -> Option<TaskInfo> {
        Some(TaskInfo {
            name: node.info.name,
            label: node.label().cloned(),
            key: node.key,
            action: self.action?,
            worker: self.worker,
        })
    }
}

/// A node whose body must run: what [`RunState::start`] hands a driver, and what the driver
/// hands back to [`RunState::finish`] with the outcome.
pub(crate) struct Task<'g> {
    pub(super) index: usize,
    pub(super) node: &'g Node,
    /// The inputs, in slot order, for the body.
    pub(super) args: Args,
    pub(super) begun: Begun,
    /// Nanoseconds to get the inputs back without the cache.
    pub(super) inputs_recover: u64,
    pub(super) reason: Option<Reason>,
    /// Whether the body's time is wanted (a report, a cache, or a logging subscriber).
    pub(super) timed: bool,
    /// The lease this process holds on the result, handed to its store job.
    pub(super) lease: Option<Lease>,
}

impl Task<'_> {
    /// Nanoseconds to get the result back without the cache, once its body took `elapsed`.
    pub(super) fn recover(&self, elapsed: Duration) -> u64 {
        self.inputs_recover
            .saturating_add(elapsed.as_nanos() as u64)
            .saturating_add(crate::store::speed::TASK_OVERHEAD_NS)
    }

    /// The node's body.
    pub(super) fn body(&self) -> Body {
        self.node.body
    }

    /// Runs a synchronous body on this thread; returns its outcome and how long it took.
    pub(super) fn run_here(&mut self) -> (Outcome, Duration) {
        let start = self.timed.then(Instant::now);
        let outcome = match self.node.body {
            Body::Sync(thunk) => attempt(self.node, thunk, &mut self.args),
            Body::Async(_) => unreachable!("async bodies run on tokio"),
        };
        (outcome, start.map_or(Duration::ZERO, |s| s.elapsed()))
    }
}

/// Runs a task's body, catching a panic; a task with `retries` runs again after an `Err` or a
/// panic, its inputs kept for every attempt but the last.
pub(super) fn attempt(node: &Node, thunk: Thunk, args: &mut Args) -> Outcome {
    let retries = node.info.retries;
    for attempt in 0..retries {
        args.keep_inputs(true);
        match catch_unwind(AssertUnwindSafe(|| thunk(args))) {
            Ok(Ok(value)) => return Ok(Ok(value)),
            failed => retrying(node.info, node.key, attempt, &failed),
        }
    }
    args.keep_inputs(false);
    catch_unwind(AssertUnwindSafe(|| thunk(args)))
}

/// Logs that attempt `attempt` (from 0) of a task with retries failed and it runs again.
pub(super) fn retrying(info: &FnInfo, key: Key, attempt: u32, failed: &Outcome) {
    match failed {
        Ok(Ok(_)) => {}
        Ok(Err(e)) => tracing::warn!(
            target: "graphchain",
            function = info.name,
            key = %key.short(),
            attempt = attempt + 1,
            "task failed, retrying: {e}"
        ),
        Err(_) => tracing::warn!(
            target: "graphchain",
            function = info.name,
            key = %key.short(),
            attempt = attempt + 1,
            "task panicked, retrying"
        ),
    }
}

/// Logs what became of a node's task: the `load`, `compute` and `skip` events (`store` is logged
/// when the result is written, `fail` when the failure is recorded).
pub(super) fn log(node: &Node, state: NodeState, duration: Duration, bytes: u64) {
    // Field values are evaluated only when a subscriber wants the event.
    let function = node.info.name;
    match state {
        NodeState::Loaded => tracing::debug!(
            target: "graphchain",
            function,
            key = %node.key.short(),
            time = ?duration,
            bytes,
            "load"
        ),
        NodeState::Computed => tracing::debug!(
            target: "graphchain",
            function,
            key = %node.key.short(),
            time = ?duration,
            "compute"
        ),
        NodeState::Skipped => tracing::debug!(
            target: "graphchain",
            function,
            key = %node.key.short(),
            reason = "an input failed",
            "skip"
        ),
        _ => {}
    }
}
