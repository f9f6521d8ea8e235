//! The runtime: worker threads, scheduler choice, cache location, and the entry points that run
//! a graph.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::SystemTime;

use crate::error::Error;
use crate::exec::callback::{Callback, Callbacks};
use crate::exec::report::Report;
use crate::exec::{self, CacheContext, Context, Executor, Role, Scheduler};
use crate::graph::delayed::Delayed;
use crate::graph::file::current;
use crate::graph::node::Node;
use crate::key::Key;
use crate::store::Store;
use crate::store::housekeeping::Cache;
use crate::store::speed::StoreSpeed;
use crate::surface::budget;
use crate::surface::builder::RuntimeBuilder;
use crate::surface::dot::{Dot, Phase};
use crate::surface::outputs::{Outputs, only, take_value};
use crate::surface::switch::switch_from_env;
use crate::value::Value;

/// The environment variable that overrides the default cache directory.
pub const CACHE_DIR_ENV: &str = "GRAPHCHAIN_CACHE_DIR";

/// The environment variable that sets the number of worker threads of a runtime whose builder
/// was not given [`threads`](RuntimeBuilder::threads) (default: one per core).
///
/// `GRAPHCHAIN_THREADS=1` suits a pipeline whose every step keeps all cores busy in a pool of its
/// own (polars with `POLARS_MAX_THREADS` unset): steps then run one at a time, as plain calls
/// would, holding one step's frames in memory, while results are stored on a thread of their own.
pub const THREADS_ENV: &str = "GRAPHCHAIN_THREADS";

/// The environment variable that forces the progress bar on (`1`) or off (`0`).
///
/// By default a run draws a progress bar on stderr once it has lasted a second, when stderr is a
/// terminal. With `GRAPHCHAIN_PROGRESS=1` every run draws one from its start, as plain lines when
/// stderr is not a terminal; with `0` none does. Without the `progress` feature there is no bar.
pub const PROGRESS_ENV: &str = "GRAPHCHAIN_PROGRESS";

/// The environment variable that makes every run print why each node ran (`1`, `true`, `on` or
/// `yes`).
///
/// With `GRAPHCHAIN_EXPLAIN=1`, each run writes [`Report::explain`] to stderr when it ends: one
/// line per node that ran, with its [`Reason`](crate::Reason).
pub const EXPLAIN_ENV: &str = "GRAPHCHAIN_EXPLAIN";

/// The cache directory used when nothing else is configured, relative to the working directory.
pub const DEFAULT_CACHE_DIR: &str = "__graphchain_cache__";

/// Runs graphs: owns the worker threads and knows where the cache lives.
///
/// [`Delayed::compute`] and `compute!` use a global runtime with the defaults; build your own to
/// choose the number of threads, the scheduler or the cache directory. A `Runtime` is cheap to
/// clone and can be shared between threads.
///
/// # Examples
///
/// ```
/// use graphchain::{delayed, Runtime, Scheduler};
///
/// #[delayed]
/// fn square(x: u64) -> u64 {
///     x * x
/// }
///
/// let parallel = Runtime::builder().threads(2).build()?;
/// let sequential = Runtime::builder().scheduler(Scheduler::Sequential).build()?;
/// assert_eq!(parallel.compute(&square(12))?, 144);
/// assert_eq!(sequential.compute(&square(12))?, 144);
/// # Ok::<(), graphchain::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Runtime {
    pub(super) inner: Arc<Inner>,
}

/// What a runtime is made of, shared by its clones; built by [`RuntimeBuilder::build`].
#[derive(Debug)]
pub(super) struct Inner {
    pub(super) workers: exec::Workers,
    pub(super) scheduler: Scheduler,
    pub(super) executor: Executor,
    pub(super) cache_dir: PathBuf,
    pub(super) store: Option<Arc<dyn Store>>,
    /// The cache's size budget, kept after each run that wrote to it.
    pub(super) max_size: Option<u64>,
    pub(super) speed: StoreSpeed,
    pub(super) skip_keys: HashSet<Key>,
    pub(super) skip_functions: HashSet<String>,
    pub(super) fail_fast: bool,
    pub(super) callbacks: Callbacks,
    #[cfg(feature = "async")]
    pub(super) tokio: exec::AsyncRuntime,
}

/// What a run gives back besides its values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Reporting {
    /// The values; a report only as far as callbacks or `GRAPHCHAIN_EXPLAIN` need one.
    Values,
    /// A full report of every node, for the caller.
    Full,
}

impl Runtime {
    /// Starts configuring a runtime.
    pub fn builder() -> RuntimeBuilder {
        RuntimeBuilder::new()
    }

    /// How many worker threads run tasks.
    pub fn threads(&self) -> usize {
        self.inner.workers.threads()
    }

    /// The scheduler this runtime uses.
    pub fn scheduler(&self) -> Scheduler {
        self.inner.scheduler
    }

    /// Where this runtime's tasks run: in this process, or in worker processes.
    pub fn executor(&self) -> &Executor {
        &self.inner.executor
    }

    /// The configured cache directory (used unless another store was given, or caching is off).
    pub fn cache_dir(&self) -> &Path {
        &self.inner.cache_dir
    }

    /// A handle on this runtime's cache, for housekeeping; `None` when caching is off.
    pub fn cache(&self) -> Option<Cache> {
        self.inner.store.clone().map(Cache::with_store)
    }

    /// Computes `node` and returns its value.
    ///
    /// # Errors
    ///
    /// [`Error::TaskFailed`] when a task needed for the result fails, listing every failed task;
    /// every task that does not depend on a failed one still runs.
    pub fn compute<T: Send + Sync + 'static>(&self, node: &Delayed<T>) -> Result<T, Error> {
        let (values, _) = self.run(&[node.node()], Reporting::Values);
        Ok(take_value(only(values?)))
    }

    /// Computes `node` and returns its value with a [`Report`] of what happened to each node.
    ///
    /// # Errors
    ///
    /// As [`Runtime::compute`].
    pub fn compute_with_report<T: Send + Sync + 'static>(
        &self,
        node: &Delayed<T>,
    ) -> Result<(T, Report), Error> {
        let (values, report) = self.run(&[node.node()], Reporting::Full);
        Ok((take_value(only(values?)), report))
    }

    /// Like [`compute_with_report`](Runtime::compute_with_report), but the report comes back
    /// whatever happens: when tasks fail it says which failed, which were skipped because an
    /// input failed, which were cancelled, and what was computed, loaded and stored before.
    ///
    /// # Examples
    ///
    /// ```
    /// use graphchain::{delayed, Runtime, Status};
    ///
    /// #[delayed]
    /// fn parse(text: &str) -> Result<u32, std::num::ParseIntError> {
    ///     text.parse()
    /// }
    ///
    /// #[delayed]
    /// fn double(x: u32) -> u32 {
    ///     2 * x
    /// }
    ///
    /// let rt = Runtime::builder().cache(false).build()?;
    /// let (result, report) = rt.try_compute_with_report(&double(parse("x")));
    /// assert!(result.is_err());
    /// assert_eq!(report.count(Status::Failed), 1);
    /// assert_eq!(report.count(Status::Skipped), 1);
    /// # Ok::<(), graphchain::Error>(())
    /// ```
    pub fn try_compute_with_report<T: Send + Sync + 'static>(
        &self,
        node: &Delayed<T>,
    ) -> (Result<T, Error>, Report) {
        let (values, report) = self.run(&[node.node()], Reporting::Full);
        (values.map(|values| take_value(only(values))), report)
    }

    /// The graph below `value` as Graphviz DOT, each node coloured by what computing it on this
    /// runtime would do now: load it from the cache, compute it, or not need it (because a node
    /// it feeds is loaded), with a legend. Nothing runs: the picture comes from the same plan a
    /// run makes.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// use graphchain::{delayed, MemoryStore, Runtime, Status};
    ///
    /// #[delayed(cache = "always")]
    /// fn load(n: u32) -> Vec<u32> {
    ///     (0..n).collect()
    /// }
    ///
    /// #[delayed]
    /// fn total(xs: &[u32]) -> u32 {
    ///     xs.iter().sum()
    /// }
    ///
    /// let rt = Runtime::builder().store(Arc::new(MemoryStore::new())).build()?;
    /// let data = load(10);
    /// let sum = total(&data);
    /// assert_eq!(rt.visualize(&sum).status(data.key()), Some(Status::Computed));
    /// rt.compute(&data)?; // now `load(10)` is in the cache
    /// let dot = rt.visualize(&sum).title("total of a stored list");
    /// assert_eq!(dot.status(data.key()), Some(Status::Loaded));
    /// assert!(dot.to_string().contains("will load"));
    /// # Ok::<(), graphchain::Error>(())
    /// ```
    pub fn visualize<T>(&self, value: &Delayed<T>) -> Dot {
        let ctx = self.context(Reporting::Values, &[]);
        let roots = current(&[value.node()]);
        let nodes: Vec<&Node> = roots.iter().map(|n| &**n).collect();
        let plan = exec::plan(&nodes, &ctx, &HashMap::default(), &HashMap::new(), false);
        let roots: Vec<&Arc<Node>> = roots.iter().collect();
        Dot::new(&roots).with_states(Phase::Planned, &plan.statuses())
    }

    /// What computing `value` would do, without running anything: which nodes would be loaded
    /// from the cache, which computed and why (a dry run). Nodes below a loaded node are not
    /// visited.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// use graphchain::{delayed, MemoryStore, Reason, Runtime, Status};
    ///
    /// #[delayed(cache = "always")]
    /// fn load(n: u32) -> Vec<u32> {
    ///     (0..n).collect()
    /// }
    ///
    /// #[delayed(cache = "always")]
    /// fn total(xs: &[u32]) -> u32 {
    ///     xs.iter().sum()
    /// }
    ///
    /// let rt = Runtime::builder().store(Arc::new(MemoryStore::new())).build()?;
    /// rt.compute(&load(10))?;
    /// let plan = rt.plan(&total(load(10)));
    /// assert_eq!(plan.count(Status::Loaded), 1);
    /// assert_eq!(plan.by_name("total").next().unwrap().reason(), Some(&Reason::NewFunction));
    /// # Ok::<(), graphchain::Error>(())
    /// ```
    pub fn plan<T>(&self, value: &Delayed<T>) -> crate::exec::dry_run::RunPlan {
        let roots = current(&[value.node()]);
        let nodes: Vec<&Node> = roots.iter().map(|n| &**n).collect();
        exec::dry_run::dry_run(&nodes, &self.context(Reporting::Values, &[]))
    }

    /// Computes several outputs in one run; shared inputs are computed once.
    ///
    /// Accepts tuples of up to twelve `&Delayed` of any types, arrays and `Vec`s of `&Delayed<T>`
    /// (see [`Outputs`]). `compute!` is the shorthand on the global runtime.
    ///
    /// # Errors
    ///
    /// As [`Runtime::compute`].
    pub fn compute_many<O: Outputs>(&self, outputs: O) -> Result<O::Values, Error> {
        let nodes = outputs.nodes();
        let roots: Vec<&Arc<Node>> = nodes.iter().map(|n| n.0).collect();
        let (values, _) = self.run(&roots, Reporting::Values);
        Ok(O::values(values?))
    }

    /// Computes `value` and returns a lazy value that holds the result in memory (dask's
    /// `persist`): graphs built on it start from the result, and have the same keys as graphs
    /// built on `value`, so they share the cache. The graph below `value` is no longer referenced
    /// by the result.
    ///
    /// # Errors
    ///
    /// [`Error::TaskFailed`] when a task it depends on fails.
    ///
    /// # Examples
    ///
    /// ```
    /// use graphchain::{delayed, Runtime};
    ///
    /// #[delayed]
    /// fn load(n: u64) -> Vec<u64> {
    ///     (0..n).collect()
    /// }
    ///
    /// #[delayed]
    /// fn total(xs: &[u64]) -> u64 {
    ///     xs.iter().sum()
    /// }
    ///
    /// let rt = Runtime::builder().cache(false).build()?;
    /// let data = rt.persist(&load(1_000))?;      // computed now, held in memory
    /// assert_eq!(data.key(), load(1_000).key());
    /// assert_eq!(rt.compute(&total(&data))?, 499_500); // `load` does not run again
    /// # Ok::<(), graphchain::Error>(())
    /// ```
    pub fn persist<T: Send + Sync + 'static>(
        &self,
        value: &Delayed<T>,
    ) -> Result<Delayed<T>, Error> {
        // Keyed as the node it holds the value of: with its file inputs as they are now.
        let node = &current(&[value.node()])[0];
        let (values, _) = self.run_current(&[node], Reporting::Values, None, |_| {});
        Ok(Delayed::from_node(Node::persisted(node, only(values?))))
    }

    /// Runs the graph below `roots` and returns their values, untyped, with the report `reporting`
    /// asks for: the one way every entry point runs a graph.
    pub(crate) fn run(
        &self,
        roots: &[&Arc<Node>],
        reporting: Reporting,
    ) -> (Result<Vec<Value>, Error>, Report) {
        self.run_with(roots, reporting, None, |_| {})
    }

    /// As [`run`](Runtime::run), stopping early once `cancel` is set.
    pub(crate) fn run_cancellable(
        &self,
        roots: &[&Arc<Node>],
        reporting: Reporting,
        cancel: &AtomicBool,
    ) -> (Result<Vec<Value>, Error>, Report) {
        self.run_with(roots, reporting, Some(cancel), |_| {})
    }

    /// As [`run`](Runtime::run), from a thread of the caller's tokio runtime `caller` (or of the
    /// owned one), with async tasks on it.
    #[cfg(feature = "async")]
    pub(crate) fn run_on(
        &self,
        roots: &[&Arc<Node>],
        reporting: Reporting,
        caller: Option<tokio::runtime::Handle>,
    ) -> (Result<Vec<Value>, Error>, Report) {
        self.run_with(roots, reporting, None, |ctx| ctx.tokio.caller = caller)
    }

    /// The runtime's tokio runtime for async tasks, and their limit.
    #[cfg(feature = "async")]
    pub(crate) fn async_runtime(&self) -> &exec::AsyncRuntime {
        &self.inner.tokio
    }

    /// Runs with the context of a run, adjusted by `adjust`: the user's callbacks, which get a
    /// full report, and the progress bar; prints why nodes ran when `GRAPHCHAIN_EXPLAIN=1`.
    fn run_with(
        &self,
        roots: &[&Arc<Node>],
        reporting: Reporting,
        cancel: Option<&AtomicBool>,
        adjust: impl FnOnce(&mut Context<'_>),
    ) -> (Result<Vec<Value>, Error>, Report) {
        let roots = current(roots);
        let roots: Vec<&Arc<Node>> = roots.iter().collect();
        self.run_current(&roots, reporting, cancel, adjust)
    }

    /// As [`run_with`](Runtime::run_with), on roots whose file inputs were just stamped.
    fn run_current(
        &self,
        roots: &[&Arc<Node>],
        reporting: Reporting,
        cancel: Option<&AtomicBool>,
        adjust: impl FnOnce(&mut Context<'_>),
    ) -> (Result<Vec<Value>, Error>, Report) {
        let roots: Vec<&Node> = roots.iter().map(|n| &***n).collect();
        let user = &self.inner.callbacks.0;
        static WARNED: std::sync::Once = std::sync::Once::new();
        let explain = switch_from_env(EXPLAIN_ENV, &WARNED) == Some(true);
        // The user's callbacks and explanations get a full report; the progress bar needs none.
        let reporting = if explain || !user.is_empty() {
            Reporting::Full
        } else {
            reporting
        };
        let progress = self.progress();
        let callbacks: Vec<&dyn Callback> = user
            .iter()
            .map(|c| &**c)
            .chain(progress.as_deref())
            .collect();
        let mut ctx = self.context(reporting, &callbacks);
        ctx.cancel = cancel;
        adjust(&mut ctx);
        if ctx.executor.is_remote() {
            ctx.remote_run = exec::next_run();
            if let Some(role) = Role::from_env() {
                if role.run == ctx.remote_run {
                    serve(&roots, ctx, &role);
                }
                // An earlier run of the program than the one this worker serves: run it here.
                ctx.executor = &Executor::Local;
            }
        }
        let started = SystemTime::now();
        let (values, report) = exec::execute(&roots, &ctx);
        let wrote = ctx
            .cache
            .as_ref()
            .is_some_and(|c| c.wrote.load(Ordering::Relaxed));
        if let (true, Some(max), Some(store)) = (wrote, self.inner.max_size, &self.inner.store) {
            budget::keep_within(store, max, started);
        }
        if explain {
            eprint!("{}", report.explain());
        }
        (values, report)
    }

    /// The progress bar of a run, when it is on (see [`PROGRESS_ENV`]).
    fn progress(&self) -> Option<Box<dyn Callback>> {
        #[cfg(feature = "progress")]
        return crate::surface::progress::Progress::for_run(self.threads())
            .map(|p| Box::new(p) as Box<dyn Callback>);
        #[cfg(not(feature = "progress"))]
        None
    }

    fn context<'r>(
        &'r self,
        reporting: Reporting,
        callbacks: &'r [&'r dyn Callback],
    ) -> Context<'r> {
        let inner = &*self.inner;
        Context {
            scheduler: inner.scheduler,
            executor: &inner.executor,
            remote_run: 0,
            workers: &inner.workers,
            cache: inner.store.as_deref().map(|store| CacheContext {
                store,
                speed: &inner.speed,
                skip_keys: &inner.skip_keys,
                skip_functions: &inner.skip_functions,
                wrote: AtomicBool::new(false),
                store_outputs: false,
            }),
            reporting: reporting == Reporting::Full,
            fail_fast: inner.fail_fast,
            callbacks,
            cancel: None,
            #[cfg(feature = "async")]
            tokio: exec::AsyncContext {
                runtime: &inner.tokio,
                caller: None,
            },
        }
    }
}

/// In a worker process, serves the run it was started for with the graph below `roots` and
/// ends the process: tasks run here, stored whatever the cost model says, with a report to
/// answer from, and the failure policy is the driver's.
fn serve(roots: &[&Node], mut ctx: Context<'_>, role: &Role) -> ! {
    ctx.executor = &Executor::Local;
    ctx.reporting = true;
    ctx.fail_fast = false;
    ctx.callbacks = &[];
    if let Some(cache) = &mut ctx.cache {
        cache.store_outputs = true;
    }
    exec::serve(roots, &ctx, role)
}
