//! Async tasks (`#[delayed] async fn`, feature `async`): started on a tokio runtime beside the
//! CPU tasks on the worker threads, at most `io_limit` at a time, ready ones before CPU ones.
//!
//! The parallel driver of a plan with async tasks runs a loop on the calling thread: it starts
//! async tasks on tokio, and finishes them when their futures complete (through a channel),
//! queueing the CPU tasks they make ready for the workers. Workers send it the async tasks they
//! make ready. Tokio never touches the run's state: a future owns its inputs and sends back only
//! its result, so everything else happens on the loop's thread or on the workers.

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::pin::Pin;
use std::sync::Mutex;
use std::sync::mpsc::{self, Receiver, Sender};
use std::task::{Context as TaskContext, Poll};
use std::time::{Duration, Instant};

use tokio::runtime::Handle;

use super::Context;
use super::drive::{CpuItems, Driver, run_here};
use super::state::RunState;
use super::task::Task;
use super::task::{Outcome, retrying};
use super::workers::{Crew, Work};
use crate::graph::body::{Args, AsyncThunk, Body, TaskFuture};
use crate::graph::node::{FnInfo, Node};
use crate::key::Key;
use crate::value::BoxError;

/// How many async tasks may be in flight at once unless configured.
pub(crate) const DEFAULT_IO_LIMIT: usize = 64;

/// Worker threads of the tokio runtime a `Runtime` starts for its async tasks: they mostly wait.
const IO_THREADS: usize = 2;

/// The tokio runtime a `Runtime` owns, started the first time a run needs it, and the limit on
/// async tasks in flight.
#[derive(Debug)]
pub(crate) struct AsyncRuntime {
    owned: Mutex<Option<tokio::runtime::Runtime>>,
    limit: usize,
}

impl AsyncRuntime {
    pub(crate) fn new(limit: usize) -> Self {
        AsyncRuntime {
            owned: Mutex::new(None),
            limit,
        }
    }

    pub(crate) fn limit(&self) -> usize {
        self.limit
    }

    /// A handle on the owned runtime, starting it if needed.
    pub(crate) fn handle(&self) -> std::io::Result<Handle> {
        let mut owned = super::lock(&self.owned);
        if let Some(runtime) = &*owned {
            return Ok(runtime.handle().clone());
        }
        // Every driver compiled into tokio (timers, sockets…), so that tasks can use them.
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(IO_THREADS)
            .thread_name("graphchain-async")
            .enable_all()
            .build()?;
        let handle = runtime.handle().clone();
        *owned = Some(runtime);
        Ok(handle)
    }
}

impl Drop for AsyncRuntime {
    /// Stops the owned runtime without waiting for it: dropping it the usual way panics in async
    /// code (a `Runtime` dropped at the end of `#[tokio::main]`, say).
    fn drop(&mut self) {
        let owned = self.owned.get_mut().unwrap_or_else(|e| e.into_inner());
        if let Some(runtime) = owned.take() {
            runtime.shutdown_background();
        }
    }
}

/// Where the async tasks of one run go.
pub(crate) struct AsyncContext<'r> {
    pub(crate) runtime: &'r AsyncRuntime,
    /// The caller's tokio runtime, for a run from async code (`Runtime::compute_async`).
    pub(crate) caller: Option<Handle>,
}

impl AsyncContext<'_> {
    fn handle(&self) -> std::io::Result<Handle> {
        match &self.caller {
            Some(handle) => Ok(handle.clone()),
            None => self.runtime.handle(),
        }
    }
}

/// Whether the plan of `run` computes any async task.
pub(super) fn any(run: &RunState<'_, '_, '_>) -> bool {
    (0..run.plan.len()).any(|i| run.is_async(i))
}

/// The sequential scheduler's way to run an async task: on tokio, waiting for it on
/// this thread (with a channel, not `block_on`, which panics inside a runtime).
pub(super) fn run_blocking(
    ctx: &Context<'_>,
    node: &Node,
    body: AsyncThunk,
    args: Args,
) -> Outcome {
    let handle = match ctx.tokio.handle() {
        Ok(handle) => handle,
        Err(e) => return Ok(Err(no_runtime(&e))),
    };
    let (tx, rx) = mpsc::sync_channel(1);
    let (info, key) = (node.info, node.key);
    handle.spawn(async move {
        let _ = tx.send(attempt(info, key, body, args).await);
    });
    rx.recv().unwrap_or_else(|_| Ok(Err(shut_down())))
}

fn no_runtime(e: &std::io::Error) -> BoxError {
    format!("cannot start the async runtime: {e}").into()
}

fn shut_down() -> BoxError {
    "the async runtime shut down before the task ended".into()
}

/// Runs an async task's body, catching a panic; with `retries`, runs it again after an `Err` or
/// a panic, its inputs kept for every attempt but the last (as the synchronous `attempt`).
async fn attempt(info: &'static FnInfo, key: Key, body: AsyncThunk, mut args: Args) -> Outcome {
    for attempt in 0..info.retries {
        args.keep_inputs(true);
        match run_once(body, &mut args).await {
            Ok(Ok(value)) => return Ok(Ok(value)),
            failed => retrying(info, key, attempt, &failed),
        }
    }
    args.keep_inputs(false);
    run_once(body, &mut args).await
}

async fn run_once(body: AsyncThunk, args: &mut Args) -> Outcome {
    // Taking the inputs happens before the future is made, and may panic too.
    let future = catch_unwind(AssertUnwindSafe(|| body(args)))?;
    CatchUnwind(future).await
}

/// A task's future, with a panic in any poll caught and returned, its payload kept.
struct CatchUnwind(TaskFuture);

impl Future for CatchUnwind {
    type Output = Outcome;

    fn poll(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Outcome> {
        match catch_unwind(AssertUnwindSafe(|| self.0.as_mut().poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(result)) => Poll::Ready(Ok(result)),
            Err(panic) => Poll::Ready(Err(panic)),
        }
    }
}

/// What the loop of the parallel driver is told.
pub(super) enum Event {
    /// A worker made async task `i` ready.
    Ready(usize),
    /// An async task's future completed after `elapsed`.
    Done {
        node: usize,
        outcome: Outcome,
        elapsed: Duration,
    },
    /// A worker ended the last task of the plan.
    Finished,
    /// A worker panicked (in a callback): nothing more will finish.
    Panicked,
}

/// The parallel driver for a plan with async tasks: CPU tasks on the worker threads, async ones
/// on tokio, both started and ended through the same seam of the run state.
pub(super) struct AsyncLoop<'c> {
    pub(super) ctx: &'c Context<'c>,
}

impl Driver for AsyncLoop<'_> {
    fn drive(&self, run: &RunState<'_, '_, '_>) {
        let ctx = self.ctx;
        let (tx, rx) = mpsc::channel();
        let items = CpuItems {
            run,
            ctx,
            events: Some(&tx),
        };
        let crew = Crew::new(ctx.workers, &items);
        let mut tasks = AsyncQueue {
            run,
            crew: &crew,
            handle: ctx.tokio.handle(),
            tx: &tx,
            limit: ctx.tokio.runtime.limit(),
            queue: VecDeque::new(),
            running: HashMap::new(),
        };
        let mut cpu = Vec::new();
        for i in run.initially_ready() {
            if run.is_async(i) {
                tasks.queue.push_back(i);
            } else {
                cpu.push(i);
            }
        }
        tasks.start_ready(&mut cpu);
        crew.push_all(cpu.drain(..).map(Work::Node));
        while !run.all_finished() {
            match next_event(&rx, &crew) {
                Event::Ready(i) => tasks.queue.push_back(i),
                Event::Done {
                    node,
                    outcome,
                    elapsed,
                } => tasks.complete(node, outcome, elapsed, &mut cpu),
                Event::Finished => {}
                // `wait` re-raises the panic once the items under way have ended.
                Event::Panicked => break,
            }
            tasks.start_ready(&mut cpu);
            crew.push_all(cpu.drain(..).map(Work::Node));
        }
        crew.wait();
    }
}

/// The loop's side of the async tasks: those waiting for a slot, and those in flight.
struct AsyncQueue<'e, 'p, 'g, 'c> {
    run: &'e RunState<'p, 'g, 'c>,
    crew: &'e Crew<'e>,
    handle: std::io::Result<Handle>,
    tx: &'e Sender<Event>,
    limit: usize,
    /// Ready async tasks, started in order while fewer than `limit` are in flight.
    queue: VecDeque<usize>,
    /// Async tasks in flight (their inputs moved into their futures).
    running: HashMap<usize, Task<'g>>,
}

impl<'g> AsyncQueue<'_, '_, 'g, '_> {
    /// Starts queued async tasks while there is room; CPU tasks they make ready (by ending at
    /// once) go to `cpu`.
    fn start_ready(&mut self, cpu: &mut Vec<usize>) {
        while self.running.len() < self.limit {
            let Some(i) = self.queue.pop_front() else {
                break;
            };
            self.start(i, cpu);
        }
    }

    fn start(&mut self, i: usize, cpu: &mut Vec<usize>) {
        let run = self.run;
        let queue = &mut self.queue;
        let mut ready = |c| route(run, c, queue, cpu);
        let Some(mut task) = run.start(i, None, &mut ready) else {
            return;
        };
        let handle = match &self.handle {
            Ok(handle) => handle,
            Err(e) => {
                let failed = Ok(Err(no_runtime(e)));
                // A failed task leaves nothing to store.
                let _ = run.finish(task, failed, Duration::ZERO, &mut ready);
                return;
            }
        };
        let Body::Async(body) = task.body() else {
            unreachable!("only async tasks are queued")
        };
        let args = std::mem::take(&mut task.args);
        let (info, key, tx) = (task.node.info, task.node.key, self.tx.clone());
        handle.spawn(async move {
            let start = Instant::now();
            let outcome = attempt(info, key, body, args).await;
            let elapsed = start.elapsed();
            // The run is gone only if a callback panicked: nothing to tell.
            let _ = tx.send(Event::Done {
                node: i,
                outcome,
                elapsed,
            });
        });
        self.running.insert(i, task);
    }

    /// Finishes async task `i` whose future completed; a result to store is queued for the
    /// workers.
    fn complete(&mut self, i: usize, outcome: Outcome, elapsed: Duration, cpu: &mut Vec<usize>) {
        let run = self.run;
        let task = self
            .running
            .remove(&i)
            .expect("a completed task was running");
        let queue = &mut self.queue;
        let job = run.finish(task, outcome, elapsed, &mut |c| route(run, c, queue, cpu));
        match job {
            // Stored at once when other processes wait for it.
            Some(job) if job.at_once() => run.store(job),
            Some(job) => self.crew.push(Work::Store(job)),
            None => {}
        }
    }
}

/// Where the loop puts a task that became ready: async ones join the queue, CPU ones `cpu`.
fn route(run: &RunState<'_, '_, '_>, c: usize, queue: &mut VecDeque<usize>, cpu: &mut Vec<usize>) {
    if run.is_async(c) {
        queue.push_back(c);
    } else {
        cpu.push(c);
    }
}

/// The workers' side: as the plain driver's chain, but async tasks made ready go to the loop,
/// which is told when the last task ends or when this worker panics.
pub(super) fn run_chain(
    items: &CpuItems<'_, '_, '_, '_>,
    crew: &Crew<'_>,
    first: usize,
    worker: usize,
    events: &Sender<Event>,
) {
    let run = items.run;
    let result = catch_unwind(AssertUnwindSafe(|| {
        let mut next = Some(first);
        while let Some(i) = next.take() {
            let job = run_here(run, items.ctx, i, Some(worker), &mut |c| {
                if run.is_async(c) {
                    let _ = events.send(Event::Ready(c));
                } else if next.is_none() {
                    next = Some(c);
                } else {
                    crew.push(Work::Node(c));
                }
            });
            if let Some(job) = job {
                super::drive::store_from_worker(run, crew, job);
            }
        }
    }));
    match result {
        Ok(()) if run.all_finished() => {
            let _ = events.send(Event::Finished);
        }
        Ok(()) => {}
        Err(panic) => {
            let _ = events.send(Event::Panicked);
            resume_unwind(panic);
        }
    }
}

/// The loop's next event. On a worker (a run started from inside a task) it executes the run's
/// own queued CPU tasks while it waits, so that they are not stuck behind it.
fn next_event(rx: &Receiver<Event>, crew: &Crew<'_>) -> Event {
    let Some(worker) = crew.worker() else {
        return rx.recv().expect("the loop holds a sender");
    };
    loop {
        if let Ok(event) = rx.try_recv() {
            return event;
        }
        match crew.take_own() {
            Some(work) => crew.execute(work, worker),
            None => {
                if let Ok(event) = rx.recv_timeout(Duration::from_micros(200)) {
                    return event;
                }
            }
        }
    }
}
