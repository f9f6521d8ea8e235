//! The run state of one attempt: per-node atomics that let tasks start each other without ever
//! waiting, the values on their way from producers to readers, and what each node did.
//!
//! Drivers go through the seam at the bottom of this file: [`RunState::start`] a node, run the
//! [`Task`] it hands out (here, on tokio, or anywhere else), and [`RunState::finish`] it with the
//! outcome. Nothing here knows which driver runs it.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU32, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use super::callback::{TaskAction, TaskOutcome};
use super::node_state::{Done, NodeState};
use super::plan::{Plan, Source};
use super::report::{NodeReport, Reason, Status};
use super::run_cache::{Found, Leased, RunCache, StoreJob};
use super::task::{self, Begun, Outcome, Task};

mod elsewhere;
mod loads;
use super::{Context, lock, why};
use crate::error::{FailureCause, PanicPayload, TaskFailure};
use crate::graph::body::Args;
use crate::graph::node::{CachePolicy, Edge, Node};
use crate::key::{Key, KeyBuildHasher};
use crate::store::Lease;
use crate::value::Value;

/// A task ready to run its body: its inputs, the nanoseconds to recover them without the cache,
/// why it runs (when the run keeps a report), and the lease this process holds on its result.
type Prepared = (Args, u64, Option<Reason>, Option<Lease>);

/// A node's result and the number of its readers that have not started yet (plus one per time it
/// was requested): the reader that brings the count to zero takes the value, so it is freed as
/// early as possible.
struct Slot {
    value: Option<Value>,
    uses: u32,
}

/// The shared state of one attempt at a run.
///
/// Every counter is per node and touched with single atomic operations, so tasks never wait on
/// each other: a task that finishes decrements its consumers' `pending` counts, and whoever brings
/// a count to zero starts that consumer.
pub(crate) struct RunState<'p, 'g, 'c> {
    pub(super) plan: &'p Plan<'g>,
    pub(super) ctx: &'c Context<'c>,
    memo: &'p HashMap<Key, Value, KeyBuildHasher>,
    /// Keys whose entries an earlier attempt found unusable, and why.
    bad: &'p HashMap<Key, String>,
    /// When the run (its first attempt) started: the origin of the report's timestamps.
    started: Instant,
    /// The cache side of the attempt; `None` without a cache.
    pub(super) cache: Option<RunCache<'c>>,
    /// Node inputs not yet finished.
    pending: Vec<AtomicU32>,
    values: Vec<Mutex<Slot>>,
    state: Vec<AtomicU8>,
    /// Nanoseconds to get each node's value back without the cache.
    recover_ns: Vec<AtomicU64>,
    /// What each node did, in the order nodes ended; `None` unless the run keeps a report.
    records: Option<Vec<Mutex<(u32, NodeReport)>>>,
    finished: AtomicU32,
    failures: Mutex<Vec<TaskFailure>>,
    /// Set by the first failure of a fail-fast run.
    stopped: AtomicBool,
}

impl<'p, 'g, 'c> RunState<'p, 'g, 'c> {
    pub(super) fn new(
        plan: &'p Plan<'g>,
        ctx: &'c Context<'c>,
        memo: &'p HashMap<Key, Value, KeyBuildHasher>,
        bad: &'p HashMap<Key, String>,
        started: Instant,
    ) -> Self {
        let n = plan.len();
        let pending = (0..n)
            .map(|i| AtomicU32::new(plan.deps_of(i).len() as u32))
            .collect();
        let mut uses: Vec<u32> = (0..n).map(|i| plan.consumers_of(i).len() as u32).collect();
        for &r in &plan.roots {
            uses[r as usize] += 1;
        }
        RunState {
            plan,
            ctx,
            memo,
            bad,
            started,
            cache: ctx.cache.as_ref().map(|cache| RunCache::new(cache, plan)),
            pending,
            values: uses
                .into_iter()
                .map(|uses| Mutex::new(Slot { value: None, uses }))
                .collect(),
            state: (0..n)
                .map(|_| AtomicU8::new(NodeState::Running as u8))
                .collect(),
            recover_ns: (0..n).map(|_| AtomicU64::new(0)).collect(),
            records: ctx.reporting.then(|| {
                plan.nodes
                    .iter()
                    .map(|node| Mutex::new((0, NodeReport::new(node))))
                    .collect()
            }),
            finished: AtomicU32::new(0),
            failures: Mutex::new(Vec::new()),
            stopped: AtomicBool::new(false),
        }
    }

    /// Nodes whose inputs are all ready at the start.
    pub(super) fn initially_ready(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.plan.len()).filter(|&i| self.plan.deps_of(i).is_empty())
    }

    /// Whether every node of the plan has ended.
    #[cfg(feature = "async")]
    pub(super) fn all_finished(&self) -> bool {
        self.finished.load(Ordering::Acquire) as usize == self.plan.len()
    }

    /// Whether node `i` is an async task to compute.
    #[cfg(feature = "async")]
    pub(super) fn is_async(&self, i: usize) -> bool {
        self.plan.sources[i] == Source::Compute && self.plan.nodes[i].body.is_async()
    }

    pub(super) fn state(&self, i: usize) -> NodeState {
        NodeState::from_u8(self.state[i].load(Ordering::Acquire))
    }

    /// Hands out node `j`'s value to one reader: the last reader takes it.
    pub(super) fn read(&self, j: usize) -> Option<Value> {
        let mut slot = lock(&self.values[j]);
        slot.uses -= 1;
        if slot.uses == 0 {
            slot.value.take()
        } else {
            slot.value.clone()
        }
    }

    /// Counts a reader that will not run, leaving the value where it is: if the run is attempted
    /// again, nothing already computed is lost.
    fn release(&self, j: usize) {
        lock(&self.values[j]).uses -= 1;
    }

    /// Every value still held, by key: what a further attempt starts from.
    pub(super) fn into_values(self) -> HashMap<Key, Value, KeyBuildHasher> {
        let plan = self.plan;
        self.values
            .into_iter()
            .enumerate()
            .filter_map(|(i, slot)| {
                let slot = slot.into_inner().unwrap_or_else(|e| e.into_inner());
                Some((plan.nodes[i].key, slot.value?))
            })
            .collect()
    }

    pub(super) fn take_failures(&self) -> Vec<TaskFailure> {
        std::mem::take(&mut *lock(&self.failures))
    }

    // The seam between the run state and the drivers.

    /// Starts node `i` on `worker` (the index of the worker thread, `None` elsewhere): ends it at
    /// once when nothing must run (the run was stopped, its value is in memory or in the store,
    /// an input failed, its argument is invalid, or it was found through the content of its
    /// inputs), reporting each consumer that became ready to `ready`; otherwise hands out the
    /// task whose body must run.
    #[inline]
    pub(crate) fn start(
        &self,
        i: usize,
        worker: Option<usize>,
        ready: &mut impl FnMut(usize),
    ) -> Option<Task<'g>> {
        let mut begun = self.begin(i, worker);
        match self.prepare(i, &mut begun) {
            Ok((args, inputs_recover, reason, lease)) => {
                let node = self.plan.nodes[i];
                let timed = self.records.is_some()
                    || self.cache.as_ref().is_some_and(|c| c.eligible(node))
                    || tracing::enabled!(target: "graphchain", tracing::Level::DEBUG);
                Some(Task {
                    index: i,
                    node,
                    args,
                    begun,
                    inputs_recover,
                    reason,
                    timed,
                    lease,
                })
            }
            Err(done) => {
                self.end(i, &begun, done, ready);
                None
            }
        }
    }

    /// Ends `task`, whose body ran and gave `outcome` after `elapsed`: keeps the value (and
    /// decides whether it is a candidate for the cache) or records the failure, then reports each
    /// consumer that became ready. Returns a result to consider storing, which the driver should
    /// hand to [`RunState::store`] off the path of the consumers.
    #[inline]
    pub(crate) fn finish(
        &self,
        task: Task<'_>,
        outcome: Outcome,
        elapsed: Duration,
        ready: &mut impl FnMut(usize),
    ) -> Option<StoreJob> {
        let i = task.index;
        let node = task.node;
        let mut job = None;
        let recover = task.recover(elapsed);
        let mut reason = task.reason;
        let state = match outcome {
            Ok(Ok(value)) => {
                let (kept, recover) = match &self.cache {
                    Some(cache) => {
                        let lease = task.lease;
                        let kept =
                            cache.consider(self.plan, i, node, &value, elapsed, recover, lease);
                        if cache.left_out(i) {
                            reason = reason.map(why::left_out);
                        }
                        kept
                    }
                    None => (None, recover),
                };
                job = kept;
                self.recover_ns[i].store(recover, Ordering::Relaxed);
                lock(&self.values[i]).value = Some(value);
                NodeState::Computed
            }
            Ok(Err(e)) => self.fail(node, FailureCause::Err(e)),
            Err(panic) => self.fail(node, FailureCause::Panic(PanicPayload::new(panic))),
        };
        let done = Done {
            state,
            duration: elapsed,
            bytes: 0,
            reason,
        };
        self.end(i, &task.begun, done, ready);
        job
    }

    /// Stores a computed result when the policy says it pays off, and records that it did.
    pub(crate) fn store(&self, job: StoreJob) {
        let Some(cache) = &self.cache else {
            return;
        };
        let i = job.node;
        if let (Some(size), Some(records)) = (cache.store(self.plan, job), &self.records) {
            let record = &mut lock(&records[i]).1;
            record.bytes = size;
            record.stored = true;
        }
    }

    // The steps of a task.

    /// Starts the clock and the callbacks' view of node `i`'s task.
    fn begin(&self, i: usize, worker: Option<usize>) -> Begun {
        let source = self.plan.sources[i];
        // Only when someone listens: without callbacks a task costs nothing more.
        let action = if self.ctx.callbacks.is_empty() || source == Source::Memory {
            None
        } else {
            // A node left to its load is told apart once its entry is read or missed.
            Some(match source {
                Source::Load | Source::Try => TaskAction::Load,
                _ => TaskAction::Compute,
            })
        };
        Begun {
            start: self.records.is_some().then(Instant::now),
            action,
            worker,
        }
    }

    /// Does what node `i` needs short of running its body: nothing when the run was stopped,
    /// take its value from memory, load it, skip it after a failed input, or read its inputs
    /// (which may end it too). Calls `before_task` on tasks that load or compute.
    fn prepare(&self, i: usize, begun: &mut Begun) -> Result<Prepared, Done> {
        let node = self.plan.nodes[i];
        let before = |begun: &Begun| {
            if let Some(task) = begun.info(node) {
                self.ctx.callbacks.iter().for_each(|c| c.before_task(&task));
            }
        };
        match self.plan.sources[i] {
            Source::Compute | Source::Load | Source::Try
                if self.stopped.load(Ordering::Relaxed) || self.ctx.cancelled() =>
            {
                for &j in self.plan.deps_of(i) {
                    self.release(j as usize);
                }
                Err(Done::untimed(NodeState::Cancelled))
            }
            Source::Memory => {
                lock(&self.values[i]).value = self.memo.get(&node.key).cloned();
                Err(Done::untimed(NodeState::InMemory))
            }
            Source::Load => {
                before(begun);
                Err(self.load(i, node))
            }
            Source::Try => self.load_or_compute(i, node, begun, before),
            Source::Compute => {
                let deps = self.plan.deps_of(i);
                if deps.iter().any(|&j| self.state(j as usize).failed()) {
                    for &j in deps {
                        self.release(j as usize);
                    }
                    return Err(Done::untimed(NodeState::Skipped));
                }
                before(begun);
                self.inputs(i, node)
            }
        }
    }

    /// Reads node `i`'s inputs, with the time it would take to recover them without the cache
    /// and why the node runs (when the run keeps a report); ends the task when an argument was
    /// invalid, or when the node was found through the content of its inputs (early cutoff).
    fn inputs(&self, i: usize, node: &Node) -> Result<Prepared, Done> {
        let mut args = Args::with_capacity(node.edges.len());
        let inputs = &mut args.values;
        let mut deps = self.plan.deps_of(i).iter();
        let mut inputs_recover = 0u64;
        for edge in &node.edges {
            match edge {
                Edge::Literal(value) | Edge::Code(value) => inputs.push(Some(value.clone())),
                Edge::Node(_) => {
                    let j = *deps.next().expect("plan has one index per node input") as usize;
                    // Saturating: in a lattice a shared input counts once per path.
                    inputs_recover =
                        inputs_recover.saturating_add(self.recover_ns[j].load(Ordering::Relaxed));
                    inputs.push(self.read(j));
                }
            }
        }
        let mut reason = self.records.is_some().then(|| {
            let computed = |j| self.state(j) == NodeState::Computed;
            let not_stored = |j| {
                self.cache
                    .as_ref()
                    .is_some_and(|c| c.not_stored(self.plan, j))
            };
            why::why(self.plan, self.ctx, self.bad, i, node, computed, not_stored)
        });
        if let Some(message) = node.invalid() {
            let state = self.fail(node, FailureCause::InvalidInput(message.to_string()));
            return Err(Done {
                reason,
                ..Done::untimed(state)
            });
        }
        let cache = self.cache.as_ref().filter(|c| c.eligible(node));
        if let Some(cache) = cache.filter(|_| self.plan.candidate(i)) {
            match cache.find_by_content(self.plan, i, node) {
                Found::Loaded(loaded) => {
                    let reason = reason.map(|_| Reason::InputsUnchanged);
                    return Err(self.loaded(i, loaded, reason));
                }
                Found::Gone => reason = reason.map(|_| Reason::Evicted),
                Found::Missing => {}
            }
        }
        // Processes sharing the store compute a surely stored result once.
        let mut lease = None;
        if let Some(cache) = cache.filter(|_| node.info.cache == CachePolicy::Always) {
            match cache.lease(i, node) {
                Leased::Held(held) => lease = Some(held),
                Leased::Loaded(loaded) => return Err(self.loaded(i, loaded, None)),
                Leased::Free => {}
            }
        }
        Ok((args, inputs_recover, reason, lease))
    }

    /// Records how node `i`'s task ended, tells the callbacks, and reports each consumer that
    /// became ready.
    fn end(&self, i: usize, begun: &Begun, done: Done, ready: &mut impl FnMut(usize)) {
        let node = self.plan.nodes[i];
        self.state[i].store(done.state as u8, Ordering::Release);
        let order = self.finished.fetch_add(1, Ordering::Relaxed);
        if let (Some(records), Some(start)) = (&self.records, begun.start) {
            let end = Instant::now();
            let (at, record) = &mut *lock(&records[i]);
            *at = order;
            record.duration = done.duration;
            record.bytes = done.bytes;
            record.start = start - self.started;
            record.end = end - self.started;
            record.worker = begun.worker;
            record.reason = done.reason.clone();
        }
        task::log(node, done.state, done.duration, done.bytes);
        if let Some(task) = begun.info(node) {
            let outcome = TaskOutcome {
                status: done
                    .state
                    .status()
                    .expect("a task ends computed, loaded, or not at all"),
                duration: done.duration,
                bytes: done.bytes,
            };
            self.ctx
                .callbacks
                .iter()
                .for_each(|c| c.after_task(&task, &outcome));
        }

        for &c in self.plan.consumers_of(i) {
            if self.pending[c as usize].fetch_sub(1, Ordering::AcqRel) == 1 {
                ready(c as usize);
            }
        }
    }

    pub(super) fn fail(&self, node: &Node, cause: FailureCause) -> NodeState {
        let failure = TaskFailure::new(node.info.name, node.key, cause);
        tracing::debug!(
            target: "graphchain",
            function = node.info.name,
            key = %node.key.short(),
            "fail: {failure}"
        );
        lock(&self.failures).push(failure);
        if self.ctx.fail_fast {
            self.stopped.store(true, Ordering::Relaxed);
        }
        NodeState::Failed
    }

    /// The report of this attempt: every node but those already reported by an earlier one, in
    /// the order they ended.
    pub(super) fn report(&self) -> Vec<NodeReport> {
        let Some(records) = &self.records else {
            return Vec::new();
        };
        let mut nodes: Vec<(u32, NodeReport)> = (0..self.plan.len())
            .filter_map(|i| {
                let status = match self.state(i).status()? {
                    // Listed in `Report::discarded`, and reported again by a further attempt.
                    Status::Discarded => return None,
                    status => status,
                };
                let (order, mut record) = lock(&records[i]).clone();
                record.status = status;
                Some((order, record))
            })
            .collect();
        nodes.sort_by_key(|(order, _)| *order);
        nodes.into_iter().map(|(_, record)| record).collect()
    }
}
