//! Drivers: what runs the tasks of an attempt. Every driver goes through the same seam of the run
//! state — [`RunState::start`] a ready node, run the [`Task`] it hands out, [`RunState::finish`]
//! it, [`RunState::store`] the result off the consumers' path — and differs only in where bodies
//! run and how ready nodes are handed out. A driver that runs bodies elsewhere (another process,
//! a cluster job) plugs in here; ARCHITECTURE.md sketches it.

use std::time::Instant;

use super::Context;
use super::run_cache::StoreJob;
use super::state::RunState;
use super::task::Outcome;
use super::task::Task;
use super::workers::{Crew, Items, Work};
use crate::graph::body::Body;

/// Runs every task of an attempt, each once its inputs are ready, and returns when all ended.
pub(super) trait Driver {
    fn drive(&self, run: &RunState<'_, '_, '_>);
}

/// Tasks one at a time on the calling thread, in a fixed order: for debugging, and the reference
/// the other drivers are tested against.
pub(super) struct Sequential<'c> {
    pub(super) ctx: &'c Context<'c>,
}

impl Driver for Sequential<'_> {
    fn drive(&self, run: &RunState<'_, '_, '_>) {
        let mut stack: Vec<usize> = run.initially_ready().collect();
        stack.reverse();
        while let Some(i) = stack.pop() {
            if let Some(job) = run_here(run, self.ctx, i, None, &mut |c| stack.push(c)) {
                run.store(job);
            }
        }
    }
}

/// Tasks on the runtime's worker threads, each started by the task that finished its last input.
pub(super) struct Parallel<'c> {
    pub(super) ctx: &'c Context<'c>,
}

impl Driver for Parallel<'_> {
    fn drive(&self, run: &RunState<'_, '_, '_>) {
        let items = CpuItems {
            run,
            ctx: self.ctx,
            #[cfg(feature = "async")]
            events: None,
        };
        let crew = Crew::new(self.ctx.workers, &items);
        crew.push_all(run.initially_ready().map(Work::Node));
        crew.wait();
    }
}

/// The CPU tasks of a run, as the worker threads execute them.
pub(super) struct CpuItems<'e, 'p, 'g, 'c> {
    pub(super) run: &'e RunState<'p, 'g, 'c>,
    pub(super) ctx: &'e Context<'e>,
    /// Where async tasks made ready go, when the async driver runs them.
    #[cfg(feature = "async")]
    pub(super) events: Option<&'e std::sync::mpsc::Sender<super::async_tasks::Event>>,
}

impl Items for CpuItems<'_, '_, '_, '_> {
    /// Runs node `first`, then keeps going on this worker with one consumer it made ready and
    /// queues the others. A chain therefore runs in one loop, with no queueing per link. Results
    /// to store are queued as items of their own, off the path of the consumers.
    fn execute(&self, crew: &Crew<'_>, work: Work, worker: usize) {
        let first = match work {
            Work::Store(job) => return self.run.store(job),
            Work::Node(first) => first,
        };
        #[cfg(feature = "async")]
        if let Some(events) = self.events {
            return super::async_tasks::run_chain(self, crew, first, worker, events);
        }
        let run = self.run;
        let mut next = Some(first);
        while let Some(i) = next.take() {
            let job = run_here(run, self.ctx, i, Some(worker), &mut |c| match next {
                None => next = Some(c),
                Some(_) => crew.push(Work::Node(c)),
            });
            if let Some(job) = job {
                store_from_worker(run, crew, job);
            }
        }
    }
}

/// Hands a result computed on a worker to the store: to the writer, or stored here and now when
/// it is leased or a driver process waits for it (see [`StoreJob::at_once`]), or when the writer
/// is busy.
pub(super) fn store_from_worker(run: &RunState<'_, '_, '_>, crew: &Crew<'_>, job: StoreJob) {
    let job = if job.at_once() {
        Some(job)
    } else {
        crew.queue_store(job)
    };
    if let Some(job) = job {
        run.store(job);
    }
}

/// Starts node `i` and, when its body must run, runs it on this thread and finishes it; returns
/// a result to consider storing.
#[inline]
pub(super) fn run_here(
    run: &RunState<'_, '_, '_>,
    ctx: &Context<'_>,
    i: usize,
    worker: Option<usize>,
    ready: &mut impl FnMut(usize),
) -> Option<StoreJob> {
    let mut task = run.start(i, worker, ready)?;
    let (outcome, elapsed) = run_body(ctx, &mut task);
    run.finish(task, outcome, elapsed, ready)
}

/// Runs a task's body on this thread: a synchronous one directly, an async one on tokio while
/// this thread waits for it.
fn run_body(ctx: &Context<'_>, task: &mut Task<'_>) -> (Outcome, std::time::Duration) {
    match task.body() {
        Body::Sync(_) => task.run_here(),
        #[cfg(feature = "async")]
        Body::Async(body) => {
            let start = task.timed.then(Instant::now);
            let args = std::mem::take(&mut task.args);
            let outcome = super::async_tasks::run_blocking(ctx, task.node, body, args);
            (
                outcome,
                start.map_or_else(Default::default, |s| s.elapsed()),
            )
        }
        #[cfg(not(feature = "async"))]
        Body::Async(_) => {
            let _ = (ctx, Instant::now);
            unreachable!("without the `async` feature no async task can be built")
        }
    }
}
