//! The runtime: worker threads, scheduler choice, cache location, and the entry points that run
//! a graph.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use crate::error::Error;
use crate::exec::callback::{Callback, Callbacks};
use crate::exec::report::Report;
use crate::exec::{self, CacheContext, Context, Scheduler};
use crate::graph::delayed::Delayed;
use crate::graph::node::{Node, NodeRef};
use crate::key::Key;
use crate::store::housekeeping::Cache;
use crate::store::speed::StoreSpeed;
use crate::store::{LocalStore, Store};
use crate::surface::dot::{Dot, Phase};
use crate::value::Value;

/// The environment variable that overrides the default cache directory.
pub const CACHE_DIR_ENV: &str = "GRAPHCHAIN_CACHE_DIR";

/// The environment variable that forces the progress bar on (`1`) or off (`0`).
///
/// By default a run draws a progress bar on stderr once it has lasted a second, when stderr is a
/// terminal. With `GRAPHCHAIN_PROGRESS=1` every run draws one from its start, as plain lines when
/// stderr is not a terminal; with `0` none does. Without the `progress` feature there is no bar.
pub const PROGRESS_ENV: &str = "GRAPHCHAIN_PROGRESS";

/// The environment variable that makes every run print why each node ran (`1`).
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
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    pool: rayon::ThreadPool,
    scheduler: Scheduler,
    cache_dir: PathBuf,
    store: Option<Arc<dyn Store>>,
    speed: StoreSpeed,
    skip_keys: HashSet<Key>,
    skip_functions: HashSet<String>,
    fail_fast: bool,
    callbacks: Callbacks,
    #[cfg(feature = "async")]
    io: exec::IoRuntime,
}

impl Runtime {
    /// Starts configuring a runtime.
    pub fn builder() -> RuntimeBuilder {
        RuntimeBuilder::new()
    }

    /// The runtime behind [`Delayed::compute`] and `compute!`: all cores, the parallel scheduler,
    /// and the default cache directory.
    ///
    /// # Panics
    ///
    /// If the worker threads cannot be started the first time it is used.
    pub fn global() -> &'static Runtime {
        static GLOBAL: OnceLock<Runtime> = OnceLock::new();
        GLOBAL.get_or_init(|| {
            RuntimeBuilder::new()
                .build()
                .unwrap_or_else(|e| panic!("graphchain: cannot start the global runtime: {e}"))
        })
    }

    /// How many worker threads run tasks.
    pub fn threads(&self) -> usize {
        self.inner.pool.current_num_threads()
    }

    /// The scheduler this runtime uses.
    pub fn scheduler(&self) -> Scheduler {
        self.inner.scheduler
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
        let (mut values, _) = self.run(&[node.node()], false)?;
        Ok(take_value(values.pop().expect("one output")))
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
        let (mut values, report) = self.run(&[node.node()], true)?;
        Ok((take_value(values.pop().expect("one output")), report))
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
        let (values, report) = self.execute_reporting(&[&**node.node()], true);
        let value = values.map(|mut values| take_value(values.pop().expect("one output")));
        (value, report)
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
        let ctx = self.context(false, &[]);
        let root: &Node = value.node();
        let plan = exec::plan(&[root], &ctx, &HashMap::default(), &HashMap::new());
        Dot::new(&[value.node()]).with_states(Phase::Planned, &plan.statuses())
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
        exec::dry_run(&[value.node()], &self.context(false, &[]))
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
        let roots: Vec<&Node> = nodes.iter().map(|n| &**n.0).collect();
        let (values, _) = self.execute(&roots, false)?;
        Ok(O::values(values))
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
        let (mut values, _) = self.run(&[value.node()], false)?;
        let result = values.pop().expect("one value per requested node");
        Ok(Delayed::from_node(Node::persisted(value.node(), result)))
    }

    /// Computes `roots` and returns their values, untyped.
    pub(crate) fn compute_nodes(&self, roots: &[&Arc<Node>]) -> Result<Vec<Value>, Error> {
        self.run(roots, false).map(|(values, _)| values)
    }

    fn run(&self, roots: &[&Arc<Node>], timed: bool) -> Result<(Vec<Value>, Report), Error> {
        let roots: Vec<&Node> = roots.iter().map(|n| &***n).collect();
        self.execute(&roots, timed)
    }

    fn execute(&self, roots: &[&Node], timed: bool) -> Result<(Vec<Value>, Report), Error> {
        let (values, report) = self.execute_reporting(roots, timed);
        values.map(|values| (values, report))
    }

    fn execute_reporting(
        &self,
        roots: &[&Node],
        timed: bool,
    ) -> (Result<Vec<Value>, Error>, Report) {
        self.with_context(timed, |ctx| exec::execute(roots, ctx))
    }

    /// Runs the graph below `roots` from a thread of the caller's tokio runtime `caller` (or of
    /// the owned one), with async tasks on it.
    #[cfg(feature = "async")]
    pub(crate) fn execute_reporting_on(
        &self,
        roots: &[&Node],
        timed: bool,
        caller: Option<tokio::runtime::Handle>,
    ) -> (Result<Vec<Value>, Error>, Report) {
        self.with_context(timed, |ctx| {
            ctx.io.caller = caller;
            exec::execute(roots, ctx)
        })
    }

    /// The runtime's tokio runtime for async tasks, and their limit.
    #[cfg(feature = "async")]
    pub(crate) fn io_runtime(&self) -> &exec::IoRuntime {
        &self.inner.io
    }

    /// Calls `run` with the context of a run: the user's callbacks, which get a full report, and
    /// the progress bar; prints why nodes ran when `GRAPHCHAIN_EXPLAIN=1`.
    fn with_context(
        &self,
        timed: bool,
        run: impl FnOnce(&mut Context<'_>) -> (Result<Vec<Value>, Error>, Report),
    ) -> (Result<Vec<Value>, Error>, Report) {
        let user = &self.inner.callbacks.0;
        let explain = std::env::var_os(EXPLAIN_ENV).is_some_and(|v| v == "1");
        // The user's callbacks and explanations get a full report; the progress bar needs none.
        let timed = timed || explain || !user.is_empty();
        let progress = self.progress();
        let callbacks: Vec<&dyn Callback> = user
            .iter()
            .map(|c| &**c)
            .chain(progress.as_deref())
            .collect();
        let (values, report) = run(&mut self.context(timed, &callbacks));
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

    fn context<'r>(&'r self, timed: bool, callbacks: &'r [&'r dyn Callback]) -> Context<'r> {
        let inner = &*self.inner;
        Context {
            scheduler: inner.scheduler,
            pool: &inner.pool,
            cache: inner.store.as_deref().map(|store| CacheContext {
                store,
                speed: &inner.speed,
                skip_keys: &inner.skip_keys,
                skip_functions: &inner.skip_functions,
            }),
            timed,
            fail_fast: inner.fail_fast,
            callbacks,
            #[cfg(feature = "async")]
            io: exec::IoContext {
                runtime: &inner.io,
                caller: None,
            },
        }
    }
}

impl<T: Send + Sync + 'static> Delayed<T> {
    /// Computes the value on the global runtime (all cores, default cache directory).
    ///
    /// # Errors
    ///
    /// [`Error::TaskFailed`] when a task it depends on fails; see [`Runtime::compute`].
    pub fn compute(&self) -> Result<T, Error> {
        Runtime::global().compute(self)
    }

    /// Computes the value on the global runtime and returns a lazy value holding it in memory;
    /// see [`Runtime::persist`].
    ///
    /// # Errors
    ///
    /// [`Error::TaskFailed`] when a task it depends on fails.
    pub fn persist(&self) -> Result<Delayed<T>, Error> {
        Runtime::global().persist(self)
    }
}

/// Turns an output of a run back into its type: moved out when unique, cloned otherwise.
pub(crate) fn take_value<T: Send + Sync + 'static>(value: Value) -> T {
    let typed = value
        .downcast::<T>()
        .unwrap_or_else(|_| panic!("output is not a `{}`", std::any::type_name::<T>()));
    std::sync::Arc::try_unwrap(typed)
        .unwrap_or_else(|_| unreachable!("a single output is held only by its run"))
}

fn take_cloned<T: Clone + Send + Sync + 'static>(value: Value) -> T {
    let typed = value
        .downcast::<T>()
        .unwrap_or_else(|_| panic!("output is not a `{}`", std::any::type_name::<T>()));
    std::sync::Arc::try_unwrap(typed).unwrap_or_else(|shared| T::clone(&shared))
}

/// Several outputs requested in one run: tuples of `&Delayed`, arrays and `Vec`s of them.
///
/// The same node may be requested more than once, so the values must be `Clone`.
pub trait Outputs {
    /// What the run returns.
    type Values;
    #[doc(hidden)]
    fn nodes(&self) -> Vec<NodeRef<'_>>;
    #[doc(hidden)]
    fn values(values: Vec<Value>) -> Self::Values;
}

macro_rules! tuple_outputs {
    ($($name:ident)+) => {
        impl<'a, $($name: Clone + Send + Sync + 'static),+> Outputs for ($(&'a Delayed<$name>,)+) {
            type Values = ($($name,)+);
            #[allow(non_snake_case)]
            fn nodes(&self) -> Vec<NodeRef<'_>> {
                let ($($name,)+) = self;
                vec![$(NodeRef($name.node())),+]
            }
            fn values(values: Vec<Value>) -> Self::Values {
                let mut values = values.into_iter();
                ($(take_cloned::<$name>(values.next().expect("one value per output")),)+)
            }
        }
    };
}

tuple_outputs!(A);
tuple_outputs!(A B);
tuple_outputs!(A B C);
tuple_outputs!(A B C D);
tuple_outputs!(A B C D E);
tuple_outputs!(A B C D E F);
tuple_outputs!(A B C D E F G);
tuple_outputs!(A B C D E F G H);
tuple_outputs!(A B C D E F G H I);
tuple_outputs!(A B C D E F G H I J);
tuple_outputs!(A B C D E F G H I J K);
tuple_outputs!(A B C D E F G H I J K L);

impl<T: Clone + Send + Sync + 'static> Outputs for &[Delayed<T>] {
    type Values = Vec<T>;
    fn nodes(&self) -> Vec<NodeRef<'_>> {
        self.iter().map(|d| NodeRef(d.node())).collect()
    }
    fn values(values: Vec<Value>) -> Vec<T> {
        values.into_iter().map(take_cloned::<T>).collect()
    }
}

impl<T: Clone + Send + Sync + 'static> Outputs for &Vec<Delayed<T>> {
    type Values = Vec<T>;
    fn nodes(&self) -> Vec<NodeRef<'_>> {
        self.iter().map(|d| NodeRef(d.node())).collect()
    }
    fn values(values: Vec<Value>) -> Vec<T> {
        values.into_iter().map(take_cloned::<T>).collect()
    }
}

impl<T: Clone + Send + Sync + 'static, const N: usize> Outputs for &[Delayed<T>; N] {
    type Values = [T; N];
    fn nodes(&self) -> Vec<NodeRef<'_>> {
        self.iter().map(|d| NodeRef(d.node())).collect()
    }
    fn values(values: Vec<Value>) -> [T; N] {
        let mut values = values.into_iter();
        std::array::from_fn(|_| take_cloned::<T>(values.next().expect("one value per output")))
    }
}

/// Computes several outputs on the global runtime; see [`Runtime::compute_many`].
///
/// # Errors
///
/// As [`Runtime::compute`].
pub fn compute<O: Outputs>(outputs: O) -> Result<O::Values, Error> {
    Runtime::global().compute_many(outputs)
}

/// Configures a [`Runtime`].
#[derive(Clone, Debug)]
pub struct RuntimeBuilder {
    threads: Option<usize>,
    scheduler: Scheduler,
    cache_dir: Option<PathBuf>,
    cache: bool,
    store: Option<Arc<dyn Store>>,
    skip_keys: HashSet<Key>,
    skip_functions: HashSet<String>,
    fail_fast: bool,
    callbacks: Callbacks,
    #[cfg(feature = "async")]
    io_limit: usize,
}

impl Default for RuntimeBuilder {
    fn default() -> Self {
        RuntimeBuilder {
            threads: None,
            scheduler: Scheduler::default(),
            cache_dir: None,
            cache: true,
            store: None,
            skip_keys: HashSet::new(),
            skip_functions: HashSet::new(),
            fail_fast: false,
            callbacks: Callbacks::default(),
            #[cfg(feature = "async")]
            io_limit: exec::DEFAULT_IO_LIMIT,
        }
    }
}

impl RuntimeBuilder {
    /// The defaults: all cores, the parallel scheduler, caching in the default cache directory.
    pub fn new() -> Self {
        Self::default()
    }

    /// Runs tasks on `n` worker threads (default: one per core).
    pub fn threads(mut self, n: usize) -> Self {
        self.threads = Some(n);
        self
    }

    /// Chooses the scheduler (default: [`Scheduler::Parallel`]).
    pub fn scheduler(mut self, scheduler: Scheduler) -> Self {
        self.scheduler = scheduler;
        self
    }

    /// Caches results under `dir` (default: `$GRAPHCHAIN_CACHE_DIR`, else
    /// `./__graphchain_cache__`).
    pub fn cache_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.cache_dir = Some(dir.into());
        self
    }

    /// Turns the persistent cache on (the default) or off. Off, nothing is read or written.
    pub fn cache(mut self, enabled: bool) -> Self {
        self.cache = enabled;
        self
    }

    /// Keeps the cache in `store` instead of the cache directory (an in-memory store, say).
    pub fn store(mut self, store: Arc<dyn Store>) -> Self {
        self.store = Some(store);
        self
    }

    /// Neither reads nor writes the cache for these nodes (graphchain's `skip_keys`).
    pub fn skip_keys(mut self, keys: impl IntoIterator<Item = Key>) -> Self {
        self.skip_keys.extend(keys);
        self
    }

    /// Neither reads nor writes the cache for nodes of the functions with these names.
    pub fn skip_functions<S: Into<String>>(mut self, names: impl IntoIterator<Item = S>) -> Self {
        self.skip_functions
            .extend(names.into_iter().map(Into::into));
        self
    }

    /// Stops starting tasks at the first failure (default: off).
    ///
    /// By default a failed task stops only what depends on it, and every independent task still
    /// runs (and is stored). With `fail_fast(true)`, tasks already running finish, but no other
    /// task starts: they are reported as [`Status::Cancelled`](crate::Status::Cancelled), and the
    /// next run computes them.
    pub fn fail_fast(mut self, enabled: bool) -> Self {
        self.fail_fast = enabled;
        self
    }

    /// Calls `callback` at the start and end of every run and around every task (see
    /// [`Callback`]); callbacks are called in the order they were added.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// use graphchain::{delayed, Profiler, Runtime};
    ///
    /// #[delayed]
    /// fn double(x: u64) -> u64 {
    ///     2 * x
    /// }
    ///
    /// let profiler = Arc::new(Profiler::new());
    /// let rt = Runtime::builder().cache(false).callback(profiler.clone()).build()?;
    /// rt.compute(&double(double(1)))?;
    /// assert_eq!(profiler.reports().len(), 1);
    /// # Ok::<(), graphchain::Error>(())
    /// ```
    pub fn callback(mut self, callback: Arc<dyn Callback>) -> Self {
        self.callbacks.0.push(callback);
        self
    }

    /// Lets at most `n` async tasks (`#[delayed] async fn`) be in flight at once (default: 64);
    /// more wait, in the order they became ready. Only the parallel scheduler runs several; the
    /// sequential one runs one at a time.
    ///
    /// # Examples
    ///
    /// ```
    /// use graphchain::{delayed, Runtime};
    ///
    /// #[delayed]
    /// async fn fetch(id: u32) -> u32 {
    ///     id * 10 // a request to a rate-limited service, say
    /// }
    ///
    /// let rt = Runtime::builder().io_limit(4).cache(false).build()?;
    /// assert_eq!(rt.compute(&fetch(3))?, 30);
    /// assert!(Runtime::builder().io_limit(0).build().is_err());
    /// # Ok::<(), graphchain::Error>(())
    /// ```
    #[cfg(feature = "async")]
    pub fn io_limit(mut self, n: usize) -> Self {
        self.io_limit = n;
        self
    }

    /// Starts the runtime.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] for zero threads, a zero `io_limit` or an empty cache directory,
    /// [`Error::ThreadPool`] when the worker threads cannot be started.
    pub fn build(self) -> Result<Runtime, Error> {
        if self.threads == Some(0) {
            return Err(Error::Config("`threads` must be at least 1".into()));
        }
        #[cfg(feature = "async")]
        if self.io_limit == 0 {
            return Err(Error::Config("`io_limit` must be at least 1".into()));
        }
        let cache_dir = match self.cache_dir {
            Some(dir) => dir,
            None => std::env::var_os(CACHE_DIR_ENV)
                .filter(|v| !v.is_empty())
                .map_or_else(|| PathBuf::from(DEFAULT_CACHE_DIR), PathBuf::from),
        };
        if cache_dir.as_os_str().is_empty() {
            return Err(Error::Config("`cache_dir` must not be empty".into()));
        }
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(self.threads.unwrap_or(0))
            .thread_name(|i| format!("graphchain-{i}"))
            .build()
            .map_err(Error::ThreadPool)?;
        let store = match (self.cache, self.store) {
            (false, _) => None,
            (true, Some(store)) => Some(store),
            (true, None) => Some(Arc::new(LocalStore::new(cache_dir.clone())) as Arc<dyn Store>),
        };
        Ok(Runtime {
            inner: Arc::new(Inner {
                pool,
                scheduler: self.scheduler,
                cache_dir,
                store,
                speed: StoreSpeed::default(),
                skip_keys: self.skip_keys,
                skip_functions: self.skip_functions,
                fail_fast: self.fail_fast,
                callbacks: self.callbacks,
                #[cfg(feature = "async")]
                io: exec::IoRuntime::new(self.io_limit),
            }),
        })
    }
}
