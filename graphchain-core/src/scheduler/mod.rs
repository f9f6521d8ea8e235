//! Planning and executing a graph: the parallel scheduler on rayon and the sequential one.
//!
//! See `README.md` in this folder for how the two share one executor.

use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU8, AtomicU32, Ordering};
use std::time::{Duration, Instant};

use crate::error::{Error, FailureCause, PanicPayload, TaskFailure};
use crate::key::{Key, KeyBuildHasher};
use crate::node::{Args, Edge, Node, Value};
use crate::report::{NodeReport, Report, Status};

/// The nodes a run must visit, deduplicated by key, with their edges as indices.
///
/// Built without recursion: nodes are numbered in the order they are first reached, and the
/// numbering itself is the work list.
pub(crate) struct Plan<'g> {
    nodes: Vec<&'g Node>,
    /// `deps[dep_start[i]..dep_start[i + 1]]`: the plan indices of node `i`'s node inputs, in
    /// slot order (a node read twice appears twice).
    dep_start: Vec<u32>,
    deps: Vec<u32>,
    /// `consumers[cons_start[i]..cons_start[i + 1]]`: the nodes reading node `i`, once per slot.
    cons_start: Vec<u32>,
    consumers: Vec<u32>,
    /// The plan index of each requested output.
    roots: Vec<u32>,
}

impl<'g> Plan<'g> {
    pub(crate) fn new(roots: &[&'g Node]) -> Self {
        let mut index: HashMap<Key, u32, KeyBuildHasher> = HashMap::default();
        let mut nodes: Vec<&'g Node> = Vec::new();
        let mut intern = |node: &'g Node, nodes: &mut Vec<&'g Node>| -> u32 {
            *index.entry(node.key).or_insert_with(|| {
                nodes.push(node);
                (nodes.len() - 1) as u32
            })
        };
        let roots: Vec<u32> = roots.iter().map(|n| intern(n, &mut nodes)).collect();
        let mut dep_start = Vec::with_capacity(nodes.len() + 1);
        let mut deps = Vec::new();
        let mut next = 0;
        while next < nodes.len() {
            dep_start.push(deps.len() as u32);
            let node = nodes[next];
            for dep in node.deps() {
                deps.push(intern(dep, &mut nodes));
            }
            next += 1;
        }
        dep_start.push(deps.len() as u32);

        let mut cons_start = vec![0u32; nodes.len() + 1];
        for &d in &deps {
            cons_start[d as usize + 1] += 1;
        }
        for i in 0..nodes.len() {
            cons_start[i + 1] += cons_start[i];
        }
        let mut fill = cons_start.clone();
        let mut consumers = vec![0u32; deps.len()];
        for i in 0..nodes.len() {
            for &d in &deps[dep_start[i] as usize..dep_start[i + 1] as usize] {
                consumers[fill[d as usize] as usize] = i as u32;
                fill[d as usize] += 1;
            }
        }
        Plan {
            nodes,
            dep_start,
            deps,
            cons_start,
            consumers,
            roots,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.nodes.len()
    }

    fn deps_of(&self, i: usize) -> &[u32] {
        &self.deps[self.dep_start[i] as usize..self.dep_start[i + 1] as usize]
    }

    fn consumers_of(&self, i: usize) -> &[u32] {
        &self.consumers[self.cons_start[i] as usize..self.cons_start[i + 1] as usize]
    }
}

/// A node's result and the number of its readers that have not started yet (plus one per time it
/// was requested): the reader that brings the count to zero takes the value, so it is freed as
/// early as possible.
struct Slot {
    value: Option<Value>,
    uses: u32,
}

const RUNNING: u8 = 0;
const DONE: u8 = 1;
const FAILED: u8 = 2;
const SKIPPED: u8 = 3;

/// The shared state of one run.
///
/// Every counter is per node and touched with single atomic operations, so tasks never wait on
/// each other: a task that finishes decrements its consumers' `pending` counts, and whoever brings
/// a count to zero starts that consumer.
struct Exec<'p, 'g> {
    plan: &'p Plan<'g>,
    /// Node inputs not yet finished.
    pending: Vec<AtomicU32>,
    values: Vec<Mutex<Slot>>,
    state: Vec<AtomicU8>,
    /// Per-node durations and completion order, when a report was asked for.
    timings: Option<Vec<Mutex<(Duration, u32)>>>,
    finished: AtomicU32,
    failures: Mutex<Vec<TaskFailure>>,
}

impl<'p, 'g> Exec<'p, 'g> {
    fn new(plan: &'p Plan<'g>, timed: bool) -> Self {
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
            pending,
            values: uses
                .into_iter()
                .map(|uses| Mutex::new(Slot { value: None, uses }))
                .collect(),
            state: (0..n).map(|_| AtomicU8::new(RUNNING)).collect(),
            timings: timed.then(|| (0..n).map(|_| Mutex::new((Duration::ZERO, 0))).collect()),
            finished: AtomicU32::new(0),
            failures: Mutex::new(Vec::new()),
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

    /// Runs node `i` (or records why it cannot run) and reports each consumer that became ready.
    fn run(&self, i: usize, mut ready: impl FnMut(usize)) {
        let node = self.plan.nodes[i];
        let mut inputs = Vec::with_capacity(node.edges.len());
        let mut input_failed = false;
        let mut deps = self.plan.deps_of(i).iter();
        for edge in &node.edges {
            match edge {
                Edge::Literal(value) => inputs.push(Some(value.clone())),
                Edge::Node(_) => {
                    let j = *deps.next().expect("plan has one index per node input") as usize;
                    let value = self.read(j);
                    input_failed |= value.is_none();
                    inputs.push(value);
                }
            }
        }

        let state = if input_failed {
            SKIPPED
        } else if let Some(message) = &node.invalid {
            self.fail(node, FailureCause::InvalidInput(message.to_string()))
        } else {
            let start = self.timings.as_ref().map(|_| Instant::now());
            let outcome = catch_unwind(AssertUnwindSafe(|| (node.thunk)(&mut Args::new(inputs))));
            if let (Some(t), Some(start)) = (&self.timings, start) {
                lock(&t[i]).0 = start.elapsed();
            }
            match outcome {
                Ok(Ok(value)) => {
                    lock(&self.values[i]).value = Some(value);
                    DONE
                }
                Ok(Err(e)) => self.fail(node, FailureCause::Err(e)),
                Err(panic) => self.fail(node, FailureCause::Panic(PanicPayload::new(panic))),
            }
        };
        self.state[i].store(state, Ordering::Release);
        if let Some(t) = &self.timings {
            lock(&t[i]).1 = self.finished.fetch_add(1, Ordering::Relaxed);
        }

        for &c in self.plan.consumers_of(i) {
            if self.pending[c as usize].fetch_sub(1, Ordering::AcqRel) == 1 {
                ready(c as usize);
            }
        }
    }

    fn fail(&self, node: &Node, cause: FailureCause) -> u8 {
        lock(&self.failures).push(TaskFailure::new(node.info.name, node.key, cause));
        FAILED
    }

    /// Collects the requested values (in request order) and the report, or the failures.
    fn finish(self, started: Instant) -> Result<(Vec<Value>, Report), Error> {
        let failures = std::mem::take(&mut *lock(&self.failures));
        if !failures.is_empty() {
            return Err(Error::TaskFailed(failures));
        }
        let report = match &self.timings {
            None => Report::default(),
            Some(timings) => {
                // Completion order: every input before the nodes that read it.
                let mut order: Vec<usize> = (0..self.plan.len()).collect();
                order.sort_by_key(|&i| lock(&timings[i]).1);
                let nodes = order
                    .into_iter()
                    .map(|i| {
                        let node = self.plan.nodes[i];
                        NodeReport {
                            name: node.info.name,
                            key: node.key,
                            status: match self.state[i].load(Ordering::Acquire) {
                                DONE => Status::Computed,
                                FAILED => Status::Failed,
                                SKIPPED => Status::Skipped,
                                _ => Status::NotNeeded,
                            },
                            duration: lock(&timings[i]).0,
                            bytes: 0,
                        }
                    })
                    .collect();
                Report {
                    nodes,
                    wall: started.elapsed(),
                }
            }
        };
        let values = self
            .plan
            .roots
            .iter()
            .map(|&r| {
                self.read(r as usize)
                    .expect("a run without failures has every output")
            })
            .collect();
        Ok((values, report))
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // Tasks run under `catch_unwind` outside any lock, so poisoning cannot hide a bad state.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

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

/// Runs the graph below `roots` and returns their values in order.
pub(crate) fn execute(
    roots: &[&Node],
    scheduler: Scheduler,
    pool: &rayon::ThreadPool,
    timed: bool,
) -> Result<(Vec<Value>, Report), Error> {
    let started = Instant::now();
    let plan = Plan::new(roots);
    let exec = Exec::new(&plan, timed);
    match scheduler {
        Scheduler::Sequential => {
            let mut stack: Vec<usize> = exec.initially_ready().collect();
            stack.reverse();
            while let Some(i) = stack.pop() {
                exec.run(i, |c| stack.push(c));
            }
        }
        Scheduler::Parallel => {
            pool.scope(|scope| {
                for i in exec.initially_ready() {
                    let exec = &exec;
                    scope.spawn(move |scope| run_from(exec, i, scope));
                }
            });
        }
    }
    exec.finish(started)
}

/// Runs node `i`, then keeps going on this worker with one consumer it made ready and hands the
/// others to rayon. A chain therefore runs in one loop, with no spawn per link and no recursion.
fn run_from<'s>(exec: &'s Exec<'_, '_>, first: usize, scope: &rayon::Scope<'s>) {
    let mut next = Some(first);
    while let Some(i) = next.take() {
        exec.run(i, |c| match next {
            None => next = Some(c),
            Some(_) => scope.spawn(move |scope| run_from(exec, c, scope)),
        });
    }
}

#[cfg(test)]
mod tests;
