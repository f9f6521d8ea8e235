//! Planning and executing a graph: the parallel scheduler on rayon and the sequential one.
//!
//! See `README.md` in this folder for how the two share one executor, and how the cache fits in.

use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU32, AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use crate::error::{Error, FailureCause, PanicPayload, TaskFailure};
use crate::exec::callback::{Callback, RunInfo, TaskAction, TaskInfo, TaskOutcome};
use crate::exec::report::{NodeReport, Reason, Report, Status};
use crate::graph::node::{Args, CachePolicy, Edge, FnInfo, Node};
use crate::key::{Key, KeyBuildHasher};
use crate::value::{BoxError, Value};

#[cfg(feature = "async")]
mod async_tasks;
pub(crate) mod callback;
mod cutoff;
pub(crate) mod dry_run;
mod plan;
pub(crate) mod report;
mod run_cache;

#[cfg(feature = "async")]
pub(crate) use async_tasks::{DEFAULT_IO_LIMIT, IoContext, IoRuntime};
use cutoff::Seen;
pub(crate) use plan::{Plan, Source, plan};
pub(crate) use run_cache::CacheContext;
use run_cache::{Found, StoreJob};

/// How a run is carried out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Scheduler {
    /// Tasks run on the runtime's rayon pool, each as soon as its inputs are ready.
    #[default]
    Parallel,
    /// Tasks run one at a time on the calling thread, in a fixed order: for debugging.
    Sequential,
}

/// Everything a run needs from its runtime.
pub(crate) struct Context<'r> {
    pub(crate) scheduler: Scheduler,
    pub(crate) pool: &'r rayon::ThreadPool,
    pub(crate) cache: Option<CacheContext<'r>>,
    /// Whether to record a full report (the runtime asks for one when the user has callbacks).
    pub(crate) timed: bool,
    /// Stop starting tasks after the first failure.
    pub(crate) fail_fast: bool,
    pub(crate) callbacks: &'r [&'r dyn Callback],
    /// Where `async fn` tasks run.
    #[cfg(feature = "async")]
    pub(crate) io: IoContext<'r>,
}

/// A node's result and the number of its readers that have not started yet (plus one per time it
/// was requested): the reader that brings the count to zero takes the value, so it is freed as
/// early as possible.
struct Slot {
    value: Option<Value>,
    uses: u32,
}

const RUNNING: u8 = 0;
const COMPUTED: u8 = 1;
const LOADED: u8 = 2;
const IN_MEMORY: u8 = 3;
const FAILED: u8 = 4;
const SKIPPED: u8 = 5;
/// The cache entry could not be used; the node must be computed in another attempt.
const BAD_ENTRY: u8 = 6;
/// Not started: fail-fast stopped the run after a failure.
const CANCELLED: u8 = 7;

/// What one node did, for the report.
#[derive(Default)]
struct Record {
    duration: Duration,
    bytes: u64,
    stored: bool,
    order: u32,
    /// When the node's task started and ended, from the start of the run.
    start: Duration,
    end: Duration,
    worker: Option<usize>,
    reason: Option<Reason>,
}

/// How a node's task ended: its state, the time and bytes its compute or load took, and why it
/// ran (when the run keeps a report).
struct Done {
    state: u8,
    duration: Duration,
    bytes: u64,
    reason: Option<Reason>,
}

/// A task under way: when it started, and what the callbacks are told about it.
struct Begun {
    start: Option<Instant>,
    task: Option<TaskInfo>,
    worker: Option<usize>,
}

/// What a task does once begun: end at once (cancelled, reused, loaded, skipped), or compute.
enum Step {
    Ended(Done),
    Compute,
}

impl Done {
    fn untimed(state: u8) -> Self {
        Done {
            state,
            duration: Duration::ZERO,
            bytes: 0,
            reason: None,
        }
    }
}

/// The shared state of one attempt at a run.
///
/// Every counter is per node and touched with single atomic operations, so tasks never wait on
/// each other: a task that finishes decrements its consumers' `pending` counts, and whoever brings
/// a count to zero starts that consumer.
struct Exec<'p, 'g, 'c> {
    plan: &'p Plan<'g>,
    ctx: &'c Context<'c>,
    memo: &'p HashMap<Key, Value, KeyBuildHasher>,
    /// Keys whose entries an earlier attempt found unusable, and why.
    bad: &'p HashMap<Key, String>,
    /// When the run (its first attempt) started: the origin of the report's timestamps.
    started: Instant,
    /// Node inputs not yet finished.
    pending: Vec<AtomicU32>,
    values: Vec<Mutex<Slot>>,
    state: Vec<AtomicU8>,
    /// Seconds to get each node's value back without the cache, in nanoseconds.
    recover_ns: Vec<AtomicU64>,
    /// The content hash of each node's value (its encoding's blake3), when it is known: from
    /// the entry it was loaded from, from storing it, or encoded for a consumer that looks itself
    /// up by the content of its inputs. Set before the node's consumers start, or not at all.
    /// Empty when the run has no cache.
    content: Vec<OnceLock<[u8; 32]>>,
    /// Whether each node's result was written to the store in this attempt; empty without a
    /// cache.
    stored: Vec<AtomicBool>,
    records: Option<Vec<Mutex<Record>>>,
    finished: AtomicU32,
    failures: Mutex<Vec<TaskFailure>>,
    bad_entries: Mutex<Vec<(Key, String)>>,
    write_warned: AtomicBool,
    /// Set by the first failure of a fail-fast run.
    stopped: AtomicBool,
}

impl<'p, 'g, 'c> Exec<'p, 'g, 'c> {
    fn new(
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
        Exec {
            plan,
            ctx,
            memo,
            bad,
            started,
            pending,
            values: uses
                .into_iter()
                .map(|uses| Mutex::new(Slot { value: None, uses }))
                .collect(),
            state: (0..n).map(|_| AtomicU8::new(RUNNING)).collect(),
            recover_ns: (0..n).map(|_| AtomicU64::new(0)).collect(),
            // Without a cache nothing is looked up by content, loaded or stored.
            content: (0..n)
                .filter(|_| ctx.cache.is_some())
                .map(|_| OnceLock::new())
                .collect(),
            stored: (0..n)
                .filter(|_| ctx.cache.is_some())
                .map(|_| AtomicBool::new(false))
                .collect(),
            records: ctx
                .timed
                .then(|| (0..n).map(|_| Mutex::new(Record::default())).collect()),
            finished: AtomicU32::new(0),
            failures: Mutex::new(Vec::new()),
            bad_entries: Mutex::new(Vec::new()),
            write_warned: AtomicBool::new(false),
            stopped: AtomicBool::new(false),
        }
    }

    /// Nodes whose inputs are all ready at the start.
    fn initially_ready(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.plan.len()).filter(|&i| self.plan.deps_of(i).is_empty())
    }

    /// Hands out node `j`'s value to one reader: the last reader takes it.
    fn read(&self, j: usize) -> Option<Value> {
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

    /// Runs node `i` on `worker` (the rayon index of the thread, `None` on the calling thread),
    /// or records why it cannot run, and reports each consumer that became ready; returns a
    /// result to consider storing.
    fn run(&self, i: usize, worker: Option<usize>, ready: impl FnMut(usize)) -> Option<StoreJob> {
        let begun = self.begin(i, worker);
        let mut job = None;
        let done = match self.step(i, &begun) {
            Step::Ended(done) => done,
            Step::Compute => {
                let (done, stored) = self.compute(i, self.plan.nodes[i]);
                job = stored;
                done
            }
        };
        self.end(i, &begun, done, ready);
        job
    }

    /// Starts the clock and the callbacks' view of node `i`'s task.
    fn begin(&self, i: usize, worker: Option<usize>) -> Begun {
        let node = self.plan.nodes[i];
        let source = self.plan.sources[i];
        // Built only when someone listens: without callbacks a task costs nothing more.
        let task = if self.ctx.callbacks.is_empty() || source == Source::Memory {
            None
        } else {
            Some(TaskInfo {
                name: node.info.name,
                key: node.key,
                action: match source {
                    Source::Load => TaskAction::Load,
                    _ => TaskAction::Compute,
                },
                worker,
            })
        };
        Begun {
            start: self.records.is_some().then(Instant::now),
            task,
            worker,
        }
    }

    /// Does what node `i` needs short of computing it: nothing when the run was stopped, take
    /// its value from memory, load it, or skip it after a failed input. Calls `before_task` on
    /// tasks that load or compute.
    fn step(&self, i: usize, begun: &Begun) -> Step {
        let node = self.plan.nodes[i];
        let before = || {
            if let Some(task) = &begun.task {
                self.ctx.callbacks.iter().for_each(|c| c.before_task(task));
            }
        };
        Step::Ended(match self.plan.sources[i] {
            Source::Compute | Source::Load if self.stopped.load(Ordering::Relaxed) => {
                for &j in self.plan.deps_of(i) {
                    self.release(j as usize);
                }
                Done::untimed(CANCELLED)
            }
            Source::Memory => {
                lock(&self.values[i]).value = self.memo.get(&node.key).cloned();
                Done::untimed(IN_MEMORY)
            }
            Source::Load => {
                before();
                self.load(i, node)
            }
            Source::Compute => {
                let deps = self.plan.deps_of(i);
                let input_failed = deps.iter().any(|&j| {
                    matches!(
                        self.state[j as usize].load(Ordering::Acquire),
                        FAILED | SKIPPED | BAD_ENTRY | CANCELLED
                    )
                });
                if !input_failed {
                    before();
                    return Step::Compute;
                }
                for &j in deps {
                    self.release(j as usize);
                }
                Done::untimed(SKIPPED)
            }
        })
    }

    /// Records how node `i`'s task ended, tells the callbacks, and reports each consumer that
    /// became ready.
    fn end(&self, i: usize, begun: &Begun, done: Done, mut ready: impl FnMut(usize)) {
        let node = self.plan.nodes[i];
        self.state[i].store(done.state, Ordering::Release);
        let order = self.finished.fetch_add(1, Ordering::Relaxed);
        if let (Some(records), Some(start)) = (&self.records, begun.start) {
            let end = Instant::now();
            *lock(&records[i]) = Record {
                duration: done.duration,
                bytes: done.bytes,
                stored: false,
                order,
                start: start - self.started,
                end: end - self.started,
                worker: begun.worker,
                reason: done.reason.clone(),
            };
        }
        log(node, &done);
        if let Some(task) = &begun.task {
            let outcome = TaskOutcome {
                status: status_of(done.state).expect("a task ends computed, loaded, or not at all"),
                duration: done.duration,
                bytes: done.bytes,
            };
            self.ctx
                .callbacks
                .iter()
                .for_each(|c| c.after_task(task, &outcome));
        }

        for &c in self.plan.consumers_of(i) {
            if self.pending[c as usize].fetch_sub(1, Ordering::AcqRel) == 1 {
                ready(c as usize);
            }
        }
    }

    fn compute(&self, i: usize, node: &Node) -> (Done, Option<StoreJob>) {
        let (args, inputs_recover, reason) = match self.inputs(i, node) {
            Ok(inputs) => inputs,
            Err(done) => return (done, None),
        };
        let cache = self.ctx.cache.as_ref().filter(|c| c.eligible(node));
        let timed = self.records.is_some()
            || cache.is_some()
            || tracing::enabled!(target: "graphchain", tracing::Level::DEBUG);
        let start = timed.then(Instant::now);
        #[cfg(feature = "async")]
        let outcome = match node.io {
            Some(body) => async_tasks::run_blocking(self.ctx, node, body, args),
            None => attempt(node, args),
        };
        #[cfg(not(feature = "async"))]
        let outcome = attempt(node, args);
        let elapsed = start.map_or(Duration::ZERO, |s| s.elapsed());
        self.complete(i, node, outcome, elapsed, inputs_recover, reason, cache)
    }

    /// Reads node `i`'s inputs, with the time it would take to recover them without the cache
    /// and why the node runs (when the run keeps a report); ends the task when an argument was
    /// invalid, or when the node was found through the content of its inputs (early cutoff).
    fn inputs(&self, i: usize, node: &Node) -> Result<(Args, u64, Option<Reason>), Done> {
        let mut inputs = Vec::with_capacity(node.edges.len());
        let mut deps = self.plan.deps_of(i).iter();
        let mut inputs_recover = 0u64;
        for edge in &node.edges {
            match edge {
                Edge::Literal(value) | Edge::Code(value) => inputs.push(Some(value.clone())),
                Edge::Node(_) => {
                    let j = *deps.next().expect("plan has one index per node input") as usize;
                    inputs_recover += self.recover_ns[j].load(Ordering::Relaxed);
                    inputs.push(self.read(j));
                }
            }
        }
        let mut reason = self.records.is_some().then(|| self.why(i, node));
        if let Some(message) = &node.invalid {
            let state = self.fail(node, FailureCause::InvalidInput(message.to_string()));
            return Err(Done {
                reason,
                ..Done::untimed(state)
            });
        }
        let cache = self.ctx.cache.as_ref().filter(|c| c.eligible(node));
        if let Some(cache) = cache.filter(|_| self.plan.candidate(i)) {
            match self.find_by_content(i, node, cache) {
                Found::Loaded(done) => return Err(done),
                Found::Gone => reason = reason.map(|_| Reason::Evicted),
                Found::Missing => {}
            }
        }
        Ok((Args::new(inputs), inputs_recover, reason))
    }

    /// Ends a computation that took `elapsed`: keeps the value (and decides whether it is a
    /// candidate for the cache) or records the failure.
    #[allow(clippy::too_many_arguments)]
    fn complete(
        &self,
        i: usize,
        node: &Node,
        outcome: std::thread::Result<Result<Value, BoxError>>,
        elapsed: Duration,
        inputs_recover: u64,
        reason: Option<Reason>,
        cache: Option<&CacheContext<'_>>,
    ) -> (Done, Option<StoreJob>) {
        let done = |state| Done {
            state,
            duration: elapsed,
            bytes: 0,
            reason,
        };
        match outcome {
            Ok(Ok(value)) => {
                let payload = self.hash_for_consumers(i, node, &value);
                let mut recover = inputs_recover.saturating_add(elapsed.as_nanos() as u64);
                // Decide now, before consumers start, whether this result is a candidate for the
                // cache, and if so let them count on loading it rather than recomputing it.
                let job = cache.and_then(|cache| {
                    let recover_s = recover as f64 * 1e-9;
                    if node.info.cache == CachePolicy::Auto {
                        let speed = cache.speed.get(cache.store)?;
                        if !speed.worth_storing(0, recover_s) {
                            tracing::debug!(
                                target: "graphchain",
                                function = node.info.name,
                                key = %node.key.short(),
                                reason = "computing it is faster than loading it",
                                "skip"
                            );
                            return None;
                        }
                        recover = recover.min((speed.latency * 1e9) as u64);
                    }
                    Some(StoreJob {
                        node: i,
                        value: value.clone(),
                        payload,
                        compute: elapsed,
                        recover: recover_s,
                    })
                });
                self.recover_ns[i].store(recover, Ordering::Relaxed);
                lock(&self.values[i]).value = Some(value);
                (done(COMPUTED), job)
            }
            Ok(Err(e)) => (done(self.fail(node, FailureCause::Err(e))), None),
            Err(panic) => (
                done(self.fail(node, FailureCause::Panic(PanicPayload::new(panic)))),
                None,
            ),
        }
    }

    /// Why node `i`, about to run, runs; before any lookup through the content of its inputs.
    fn why(&self, i: usize, node: &Node) -> Reason {
        why(self.plan, self.ctx, self.bad, i, node, |j| {
            self.state[j].load(Ordering::Acquire) == COMPUTED
        })
    }

    fn fail(&self, node: &Node, cause: FailureCause) -> u8 {
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
        FAILED
    }

    /// The report of this attempt: every node but those already reported by an earlier one.
    fn report(&self) -> Vec<NodeReport> {
        let Some(records) = &self.records else {
            return Vec::new();
        };
        let mut order: Vec<usize> = (0..self.plan.len()).collect();
        order.sort_by_key(|&i| lock(&records[i]).order);
        order
            .into_iter()
            .filter_map(|i| {
                let node = self.plan.nodes[i];
                let status = match status_of(self.state[i].load(Ordering::Acquire))? {
                    // Listed in `Report::discarded`, and reported again by a further attempt.
                    Status::Discarded => return None,
                    status => status,
                };
                let record = lock(&records[i]);
                Some(NodeReport {
                    name: node.info.name,
                    key: node.key,
                    status,
                    duration: record.duration,
                    bytes: record.bytes,
                    stored: record.stored,
                    start: record.start,
                    end: record.end,
                    worker: record.worker,
                    reason: record.reason.clone(),
                })
            })
            .collect()
    }
}

/// Why node `i` of `plan` runs, from what the plan and the cache's records say; `computed`
/// tells whether an input (by plan index) is, or was, computed in this run.
fn why(
    plan: &Plan<'_>,
    ctx: &Context<'_>,
    bad: &HashMap<Key, String>,
    i: usize,
    node: &Node,
    computed: impl Fn(usize) -> bool,
) -> Reason {
    if !node.info.pure {
        return Reason::Impure;
    }
    let Some(cache) = &ctx.cache else {
        return Reason::NotCached;
    };
    if node.storable.is_none() || node.info.cache == CachePolicy::Never {
        return Reason::NotCached;
    }
    if !cache.eligible(node) {
        return Reason::SkippedByRequest;
    }
    if let Some(why) = bad.get(&node.key) {
        return Reason::EntryUnusable(why.clone());
    }
    match plan.seen(node) {
        None | Some(Seen::New) => Reason::NewFunction,
        Some(Seen::CodeChanged) => Reason::CodeChanged,
        Some(Seen::HelperChanged) => Reason::HelperChanged,
        Some(Seen::Same) => {
            let slots = node
                .edges
                .iter()
                .enumerate()
                .filter(|(_, edge)| matches!(edge, Edge::Node(_)))
                .map(|(slot, _)| slot);
            slots
                .zip(plan.deps_of(i))
                .find(|&(_, &j)| computed(j as usize))
                .map_or(Reason::NoEntry, |(slot, &j)| Reason::InputChanged {
                    input: plan.nodes[j as usize].info.name,
                    slot,
                })
        }
    }
}

/// What a run of the graph below `roots` would do, planned with the cache and nothing run.
pub(crate) fn dry_run(roots: &[&Node], ctx: &Context<'_>) -> crate::exec::dry_run::RunPlan {
    let bad = HashMap::new();
    let plan = plan(roots, ctx, &HashMap::default(), &bad);
    // Inputs before the nodes that read them, as a report lists them.
    let mut pending: Vec<usize> = (0..plan.len()).map(|i| plan.deps_of(i).len()).collect();
    let mut order: Vec<usize> = (0..plan.len()).filter(|&i| pending[i] == 0).collect();
    let mut next = 0;
    while next < order.len() {
        for &c in plan.consumers_of(order[next]) {
            pending[c as usize] -= 1;
            if pending[c as usize] == 0 {
                order.push(c as usize);
            }
        }
        next += 1;
    }
    let nodes = order
        .into_iter()
        .map(|i| {
            let node = plan.nodes[i];
            let computed = plan.sources[i] == Source::Compute;
            let reason = computed.then(|| {
                why(&plan, ctx, &bad, i, node, |j| {
                    plan.sources[j] == Source::Compute
                })
            });
            crate::exec::dry_run::PlannedNode {
                name: node.info.name,
                key: node.key,
                status: if computed {
                    Status::Computed
                } else {
                    Status::Loaded
                },
                reason,
                may_cut_off: plan.candidate(i),
            }
        })
        .collect();
    crate::exec::dry_run::RunPlan { nodes }
}

/// Runs a task's body, catching a panic; a task with `retries` runs again after an `Err` or a
/// panic, its inputs kept for every attempt but the last.
fn attempt(node: &Node, mut args: Args) -> std::thread::Result<Result<Value, BoxError>> {
    let retries = node.info.retries;
    for attempt in 0..retries {
        args.keep_inputs(true);
        match catch_unwind(AssertUnwindSafe(|| (node.thunk)(&mut args))) {
            Ok(Ok(value)) => return Ok(Ok(value)),
            failed => retrying(node.info, node.key, attempt, &failed),
        }
    }
    args.keep_inputs(false);
    catch_unwind(AssertUnwindSafe(|| (node.thunk)(&mut args)))
}

/// Logs that attempt `attempt` (from 0) of a task with retries failed and it runs again.
fn retrying(
    info: &FnInfo,
    key: Key,
    attempt: u32,
    failed: &std::thread::Result<Result<Value, BoxError>>,
) {
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
fn log(node: &Node, done: &Done) {
    // Field values are evaluated only when a subscriber wants the event.
    let function = node.info.name;
    match done.state {
        LOADED => tracing::debug!(
            target: "graphchain",
            function,
            key = %node.key.short(),
            time = ?done.duration,
            bytes = done.bytes,
            "load"
        ),
        COMPUTED => tracing::debug!(
            target: "graphchain",
            function,
            key = %node.key.short(),
            time = ?done.duration,
            "compute"
        ),
        SKIPPED => tracing::debug!(
            target: "graphchain",
            function,
            key = %node.key.short(),
            reason = "an input failed",
            "skip"
        ),
        _ => {}
    }
}

/// The status a node's final state is reported with; `None` for a value reused from memory, or a
/// node never reached.
fn status_of(state: u8) -> Option<Status> {
    Some(match state {
        COMPUTED => Status::Computed,
        LOADED => Status::Loaded,
        FAILED => Status::Failed,
        SKIPPED => Status::Skipped,
        BAD_ENTRY => Status::Discarded,
        CANCELLED => Status::Cancelled,
        _ => return None,
    })
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // Tasks run under `catch_unwind` outside any lock, so poisoning cannot hide a bad state.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Runs the graph below `roots` and returns their values in order, with the run's report.
///
/// A cache entry that turns out unusable when loaded is removed, and the run is attempted again
/// with that key planned for computing; every value produced so far is kept in memory for the
/// next attempt, so nothing is computed twice. Each attempt excludes at least one more key, so
/// this ends.
/// Runs the graph below `roots`; the report covers every attempt, failed runs included.
pub(crate) fn execute(roots: &[&Node], ctx: &Context<'_>) -> (Result<Vec<Value>, Error>, Report) {
    let started = Instant::now();
    let mut memo: HashMap<Key, Value, KeyBuildHasher> = HashMap::default();
    let mut bad: HashMap<Key, String> = HashMap::new();
    let mut report = Report::default();
    let mut attempt = 0;
    loop {
        let plan = plan(roots, ctx, &memo, &bad);
        if !ctx.callbacks.is_empty() {
            let info = run_info(&plan, ctx, attempt);
            ctx.callbacks.iter().for_each(|c| c.on_start(&info));
        }
        let exec = Exec::new(&plan, ctx, &memo, &bad, started);
        drive(&exec, ctx);
        exec.record_lineage();
        report.nodes.extend(exec.report());
        let failures = std::mem::take(&mut *lock(&exec.failures));
        let bad_entries = std::mem::take(&mut *lock(&exec.bad_entries));
        if !failures.is_empty() || bad_entries.is_empty() {
            report.discarded.extend(bad_entries);
            report.wall = started.elapsed();
            ctx.callbacks.iter().for_each(|c| c.on_finish(&report));
            if !failures.is_empty() {
                return (Err(Error::TaskFailed(failures)), report);
            }
            let values = plan
                .roots
                .iter()
                .map(|&r| {
                    exec.read(r as usize)
                        .expect("a run without failures has every output")
                })
                .collect();
            return (Ok(values), report);
        }
        // Keep every value still held, and plan the bad keys for computing.
        let mut next_memo: HashMap<Key, Value, KeyBuildHasher> = HashMap::default();
        for (i, slot) in exec.values.iter().enumerate() {
            if let Some(value) = lock(slot).value.take() {
                next_memo.insert(plan.nodes[i].key, value);
            }
        }
        drop(exec);
        bad.extend(bad_entries.iter().cloned());
        report.discarded.extend(bad_entries);
        memo = next_memo;
        attempt += 1;
    }
}

/// What an attempt is about to do, for the callbacks.
fn run_info(plan: &Plan<'_>, ctx: &Context<'_>, attempt: u32) -> RunInfo {
    let count = |source| plan.sources.iter().filter(|&&s| s == source).count();
    RunInfo {
        attempt,
        to_compute: count(Source::Compute),
        to_load: count(Source::Load),
        threads: match ctx.scheduler {
            Scheduler::Parallel => ctx.pool.current_num_threads(),
            Scheduler::Sequential => 1,
        },
        scheduler: ctx.scheduler,
    }
}

fn drive(exec: &Exec<'_, '_, '_>, ctx: &Context<'_>) {
    match ctx.scheduler {
        Scheduler::Sequential => {
            let mut stack: Vec<usize> = exec.initially_ready().collect();
            stack.reverse();
            while let Some(i) = stack.pop() {
                if let Some(job) = exec.run(i, None, |c| stack.push(c)) {
                    exec.store(job);
                }
            }
        }
        Scheduler::Parallel => {
            #[cfg(feature = "async")]
            if async_tasks::any(exec) {
                return async_tasks::drive(exec, ctx);
            }
            ctx.pool.scope(|scope| {
                for i in exec.initially_ready() {
                    scope.spawn(move |scope| run_from(exec, i, scope));
                }
            });
        }
    }
}

/// Runs node `i`, then keeps going on this worker with one consumer it made ready and hands the
/// others to rayon. A chain therefore runs in one loop, with no spawn per link and no recursion.
/// Results to store are written by separate tasks, off the path of the consumers.
fn run_from<'s>(exec: &'s Exec<'_, '_, '_>, first: usize, scope: &rayon::Scope<'s>) {
    let worker = rayon::current_thread_index();
    let mut next = Some(first);
    while let Some(i) = next.take() {
        let job = exec.run(i, worker, |c| match next {
            None => next = Some(c),
            Some(_) => scope.spawn(move |scope| run_from(exec, c, scope)),
        });
        if let Some(job) = job {
            scope.spawn(move |_| exec.store(job));
        }
    }
}

#[cfg(test)]
mod tests;
