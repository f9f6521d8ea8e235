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

/// Tasks on the runtime's rayon pool, each started by the task that finished its last input.
pub(super) struct Parallel<'c> {
    pub(super) ctx: &'c Context<'c>,
}

impl Driver for Parallel<'_> {
    fn drive(&self, run: &RunState<'_, '_, '_>) {
        let ctx = self.ctx;
        ctx.pool.scope(|scope| {
            for i in run.initially_ready() {
                scope.spawn(move |scope| run_from(run, ctx, i, scope));
            }
        });
    }
}

/// Runs node `i`, then keeps going on this worker with one consumer it made ready and hands the
/// others to rayon. A chain therefore runs in one loop, with no spawn per link and no recursion.
/// Results to store are written by separate tasks, off the path of the consumers.
fn run_from<'s>(
    run: &'s RunState<'_, '_, '_>,
    ctx: &'s Context<'s>,
    first: usize,
    scope: &rayon::Scope<'s>,
) {
    let worker = rayon::current_thread_index();
    let mut next = Some(first);
    while let Some(i) = next.take() {
        let job = run_here(run, ctx, i, worker, &mut |c| match next {
            None => next = Some(c),
            Some(_) => scope.spawn(move |scope| run_from(run, ctx, c, scope)),
        });
        if let Some(job) = job {
            scope.spawn(move |_| run.store(job));
        }
    }
}

/// Starts node `i` and, when its body must run, runs it on this thread and finishes it; returns
/// a result to consider storing.
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
