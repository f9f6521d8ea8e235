//! Layer 3, execution: planning a run, its run state, the cache side of a run, the drivers that
//! run tasks, and what a run tells its observers (callbacks and the report).
//!
//! See `README.md` in this folder for how the pieces fit, and ARCHITECTURE.md for the seam
//! between the run state and the drivers.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

#[cfg(feature = "async")]
mod async_tasks;
pub(crate) mod callback;
mod content;
mod cutoff;
mod drive;
pub(crate) mod dry_run;
mod node_state;
mod plan;
mod remote;
pub(crate) mod report;
mod run_cache;
mod state;
mod task;
mod why;
mod workers;

use crate::error::Error;
use crate::graph::node::Node;
use crate::key::{Key, KeyBuildHasher};
use crate::value::Value;
#[cfg(feature = "async")]
pub(crate) use async_tasks::{AsyncContext, AsyncRuntime, DEFAULT_IO_LIMIT};
use callback::{Callback, RunInfo};
use drive::Driver;
pub(crate) use plan::plan;
use plan::{Plan, Source};
pub use remote::{EXECUTOR_ENV, Executor, ParseExecutorError, SBATCH_OPTIONS_ENV, WORKER_ENV};
pub(crate) use remote::{Role, next_run, serve};
use report::Report;
pub(crate) use run_cache::CacheContext;
use state::RunState;
pub(crate) use workers::Workers;

/// How a run is carried out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Scheduler {
    /// Tasks run on the runtime's worker threads, each as soon as its inputs are ready.
    #[default]
    Parallel,
    /// Tasks run one at a time on the calling thread, in a fixed order: for debugging.
    Sequential,
}

/// Everything a run needs from its runtime.
pub(crate) struct Context<'r> {
    pub(crate) scheduler: Scheduler,
    /// Where tasks run: here (as `scheduler` says), or in other processes.
    pub(crate) executor: &'r Executor,
    /// Which run of the program this is, on a remote executor (see [`next_run`]).
    pub(crate) remote_run: u64,
    pub(crate) workers: &'r Workers,
    pub(crate) cache: Option<CacheContext<'r>>,
    /// Whether to keep a full report (asked for by the caller, callbacks or explanations).
    pub(crate) reporting: bool,
    /// Stop starting tasks after the first failure.
    pub(crate) fail_fast: bool,
    pub(crate) callbacks: &'r [&'r dyn Callback],
    /// Set from another thread to stop starting tasks (a cancelled [`RunHandle`]): the run
    /// ends with [`Error::Cancelled`].
    ///
    /// [`RunHandle`]: crate::surface::futures::RunHandle
    pub(crate) cancel: Option<&'r AtomicBool>,
    /// Where `async fn` tasks run.
    #[cfg(feature = "async")]
    pub(crate) tokio: AsyncContext<'r>,
}

impl Context<'_> {
    /// Whether the run was cancelled.
    pub(crate) fn cancelled(&self) -> bool {
        self.cancel.is_some_and(|c| c.load(Ordering::Relaxed))
    }
}

/// Runs the graph below `roots` and returns their values in order, with the run's report, which
/// covers every attempt, failed runs included.
///
/// A cache entry that turns out unusable when loaded is removed, and the run is attempted again
/// with that key planned for computing; every value produced so far is kept in memory for the
/// next attempt, so nothing is computed twice. Each attempt excludes at least one more key, so
/// this ends.
pub(crate) fn execute(roots: &[&Node], ctx: &Context<'_>) -> (Result<Vec<Value>, Error>, Report) {
    let started = Instant::now();
    let mut memo: HashMap<Key, Value, KeyBuildHasher> = HashMap::default();
    let mut bad: HashMap<Key, String> = HashMap::new();
    let mut report = Report::default();
    let mut attempt = 0;
    loop {
        let plan = plan(roots, ctx, &memo, &bad, true);
        if !ctx.callbacks.is_empty() {
            let info = run_info(&plan, ctx, attempt);
            ctx.callbacks.iter().for_each(|c| c.on_start(&info));
        }
        let run = RunState::new(&plan, ctx, &memo, &bad, started);
        drive(&run, ctx);
        let bad_entries = match &run.cache {
            Some(cache) => {
                cache.record_lineage(&plan);
                cache.flush();
                cache.take_bad_entries()
            }
            None => Vec::new(),
        };
        report.nodes.extend(run.report());
        let failures = run.take_failures();
        if !failures.is_empty() || bad_entries.is_empty() {
            report.discarded.extend(bad_entries);
            report.wall = started.elapsed();
            ctx.callbacks.iter().for_each(|c| c.on_finish(&report));
            if ctx.cancelled()
                && plan.roots.iter().any(|&r| {
                    !matches!(
                        run.state(r as usize),
                        node_state::NodeState::Computed
                            | node_state::NodeState::Loaded
                            | node_state::NodeState::InMemory
                    )
                })
            {
                return (Err(Error::Cancelled), report);
            }
            if !failures.is_empty() {
                return (Err(Error::TaskFailed(failures)), report);
            }
            let values = plan
                .roots
                .iter()
                .map(|&r| {
                    run.read(r as usize)
                        .expect("a run without failures has every output")
                })
                .collect();
            return (Ok(values), report);
        }
        // Keep every value still held, and plan the bad keys for computing.
        memo = run.into_values();
        bad.extend(bad_entries.iter().cloned());
        report.discarded.extend(bad_entries);
        attempt += 1;
    }
}

/// Runs every task of an attempt with the driver the context asks for.
fn drive(run: &RunState<'_, '_, '_>, ctx: &Context<'_>) {
    if ctx.executor.is_remote() {
        let run_number = ctx.remote_run;
        return remote::Remote {
            ctx,
            run: run_number,
        }
        .drive(run);
    }
    // A warm run loads its one requested node: handing that to a worker thread would cost two
    // thread wake-ups and nothing would run beside it.
    let one_load = run.plan.len() == 1 && run.plan.sources[0] != Source::Compute;
    match ctx.scheduler {
        Scheduler::Sequential => drive::Sequential { ctx }.drive(run),
        Scheduler::Parallel if one_load => drive::Sequential { ctx }.drive(run),
        Scheduler::Parallel => {
            #[cfg(feature = "async")]
            if async_tasks::any(run) {
                return async_tasks::AsyncLoop { ctx }.drive(run);
            }
            drive::Parallel { ctx }.drive(run);
        }
    }
}

/// What an attempt is about to do, for the callbacks.
fn run_info(plan: &Plan<'_>, ctx: &Context<'_>, attempt: u32) -> RunInfo {
    let count = |source| plan.sources.iter().filter(|&&s| s == source).count();
    RunInfo {
        attempt,
        to_compute: count(Source::Compute),
        to_load: count(Source::Load) + count(Source::Try),
        threads: match ctx.scheduler {
            Scheduler::Parallel => ctx.workers.threads(),
            Scheduler::Sequential => 1,
        },
        scheduler: ctx.scheduler,
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // Tasks run under `catch_unwind` outside any lock, so poisoning cannot hide a bad state.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests;
