//! Hooks into a run (dask's `Callback`): told when a run starts, before and after each task, and
//! when it finishes. The progress bar and the [`Profiler`](crate::Profiler) are built on them.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::exec::Scheduler;
use crate::exec::report::{Report, Status};
use crate::key::Key;

/// Code that runs at points of every run of a runtime: its start, before and after each task, and
/// its end.
///
/// Register one with [`RuntimeBuilder::callback`](crate::RuntimeBuilder::callback). Every method
/// does nothing by default, so implement only those you need. They are called on the worker
/// threads while tasks run, so keep them short: a slow callback slows the run. A runtime without
/// callbacks calls nothing and pays nothing.
///
/// The calls of one run come in this order:
///
/// 1. [`on_start`](Callback::on_start), once the run is planned and before any task.
/// 2. For each task of the plan: [`before_task`](Callback::before_task) just before it loads
///    or computes, on the thread that runs it (for an async task, the thread that called the
///    run, which starts and finishes it), then [`after_task`](Callback::after_task) once it
///    is done. A task skipped because an input failed gets `after_task` only. A task's
///    `after_task` comes before the `before_task` of any task that reads it.
/// 3. [`on_finish`](Callback::on_finish) with the run's [`Report`], also when tasks failed.
///
/// A cache entry found unusable while loading ends its task with [`Status::Discarded`]; the run
/// is then planned again without it, and a new `on_start` (with
/// [`RunInfo::attempt`] one higher) announces the tasks that are left.
///
/// Runs of one runtime on several threads at once call the same callbacks concurrently. A panic in
/// a callback is not caught: it reaches the caller of the run (with the parallel scheduler, once
/// the tasks already started have finished), and `on_finish` is not called.
///
/// # Examples
///
/// ```
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use std::sync::Arc;
///
/// use graphchain::{delayed, Callback, Runtime, TaskInfo, TaskOutcome};
///
/// #[derive(Default)]
/// struct CountTasks(AtomicUsize);
///
/// impl Callback for CountTasks {
///     fn after_task(&self, _task: &TaskInfo, _outcome: &TaskOutcome) {
///         self.0.fetch_add(1, Ordering::Relaxed);
///     }
/// }
///
/// #[delayed]
/// fn inc(x: u32) -> u32 {
///     x + 1
/// }
///
/// let count = Arc::new(CountTasks::default());
/// let rt = Runtime::builder().cache(false).callback(count.clone()).build()?;
/// assert_eq!(rt.compute(&inc(inc(1)))?, 3);
/// assert_eq!(count.0.load(Ordering::Relaxed), 2);
/// # Ok::<(), graphchain::Error>(())
/// ```
pub trait Callback: Send + Sync {
    /// A run (or a further attempt of it) is planned and about to start its tasks.
    fn on_start(&self, run: &RunInfo) {
        let _ = run;
    }

    /// `task` is about to load or compute.
    fn before_task(&self, task: &TaskInfo) {
        let _ = task;
    }

    /// `task` is done.
    fn after_task(&self, task: &TaskInfo, outcome: &TaskOutcome) {
        let _ = (task, outcome);
    }

    /// The run is over; `report` says what happened to every node.
    fn on_finish(&self, report: &Report) {
        let _ = report;
    }
}

/// What a run is about to do, for [`Callback::on_start`].
#[derive(Clone, Debug)]
pub struct RunInfo {
    pub(crate) attempt: u32,
    pub(crate) to_compute: usize,
    pub(crate) to_load: usize,
    pub(crate) threads: usize,
    pub(crate) scheduler: Scheduler,
}

impl RunInfo {
    /// 0 for the run's plan, then 1, 2… for each further attempt after unusable cache entries.
    pub fn attempt(&self) -> u32 {
        self.attempt
    }
    /// How many tasks this attempt will run: [`to_compute`](RunInfo::to_compute) plus
    /// [`to_load`](RunInfo::to_load).
    pub fn tasks(&self) -> usize {
        self.to_compute + self.to_load
    }
    /// How many tasks are planned to compute (some may be skipped when an input fails).
    pub fn to_compute(&self) -> usize {
        self.to_compute
    }
    /// How many tasks are planned to load their result from the cache. On a store read without
    /// asking first ([`Store::reads_unasked`](crate::Store::reads_unasked): a local one), a task
    /// without node inputs whose entry the planner did not look up counts here, and computes if
    /// its entry is not there: its [`TaskInfo::action`] then says so.
    pub fn to_load(&self) -> usize {
        self.to_load
    }
    /// How many worker threads the runtime has.
    pub fn threads(&self) -> usize {
        self.threads
    }
    /// The scheduler running the tasks.
    pub fn scheduler(&self) -> Scheduler {
        self.scheduler
    }
}

/// What a task does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TaskAction {
    /// It runs its function.
    Compute,
    /// It loads its result from the cache.
    Load,
}

/// One task of a run, for [`Callback::before_task`] and [`Callback::after_task`].
#[derive(Clone, Debug)]
pub struct TaskInfo {
    pub(crate) name: &'static str,
    pub(crate) label: Option<Arc<str>>,
    pub(crate) key: Key,
    pub(crate) action: TaskAction,
    pub(crate) worker: Option<usize>,
}

impl TaskInfo {
    /// The function's name.
    pub fn name(&self) -> &'static str {
        self.name
    }
    /// The label of this call ([`Delayed::label`](crate::Delayed::label), or the name of the
    /// file it reads), if it has one.
    pub fn label(&self) -> Option<&str> {
        self.label.as_deref()
    }
    /// The node's key.
    pub fn key(&self) -> Key {
        self.key
    }
    /// Whether it computes or loads.
    pub fn action(&self) -> TaskAction {
        self.action
    }
    /// The worker thread running it, numbered from 0; `None` on the calling thread, and for an
    /// async task (`#[delayed] async fn`), which runs on tokio.
    pub fn worker(&self) -> Option<usize> {
        self.worker
    }
}

/// How a task ended, for [`Callback::after_task`].
#[derive(Clone, Copy, Debug)]
pub struct TaskOutcome {
    pub(crate) status: Status,
    pub(crate) duration: Duration,
    pub(crate) bytes: u64,
}

impl TaskOutcome {
    /// [`Status::Computed`], [`Status::Loaded`], [`Status::Failed`], [`Status::Skipped`] or
    /// [`Status::Discarded`].
    pub fn status(&self) -> Status {
        self.status
    }
    /// How long its function ran, or its load took.
    pub fn duration(&self) -> Duration {
        self.duration
    }
    /// Bytes read from the cache for it (0 unless loaded).
    pub fn bytes(&self) -> u64 {
        self.bytes
    }
}

/// The callbacks registered with a runtime.
#[derive(Clone, Default)]
pub(crate) struct Callbacks(pub(crate) Vec<Arc<dyn Callback>>);

impl fmt::Debug for Callbacks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} callbacks", self.0.len())
    }
}
