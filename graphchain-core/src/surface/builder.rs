//! `RuntimeBuilder`: configuring a [`Runtime`](crate::Runtime).

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Arc;

use crate::error::Error;
use crate::exec::callback::{Callback, Callbacks};
#[cfg(feature = "async")]
use crate::exec::{self};
use crate::exec::{Executor, Scheduler, Workers};
use crate::key::Key;
use crate::store::speed::StoreSpeed;
use crate::store::{LocalStore, Store};
use crate::surface::runtime::{CACHE_DIR_ENV, DEFAULT_CACHE_DIR, Inner, Runtime};

/// Configures a [`Runtime`].
#[derive(Clone, Debug)]
pub struct RuntimeBuilder {
    threads: Option<usize>,
    scheduler: Scheduler,
    executor: Option<Executor>,
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
            executor: None,
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

    /// Chooses where tasks run (default: `$GRAPHCHAIN_EXECUTOR`, else [`Executor::Local`]):
    /// in this process, or in worker processes of this executable, which need a store they
    /// all reach (the cache directory). See [`Executor`].
    pub fn executor(mut self, executor: Executor) -> Self {
        self.executor = Some(executor);
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
    /// [`Error::Config`] for zero threads, a zero `io_limit`, an empty cache directory, an
    /// executor that cannot work (zero workers, or a remote one without a cache) or a bad
    /// `GRAPHCHAIN_EXECUTOR`,
    /// [`Error::ThreadPool`] when the worker threads cannot be started.
    pub fn build(self) -> Result<Runtime, Error> {
        if self.threads == Some(0) {
            return Err(Error::Config("`threads` must be at least 1".into()));
        }
        #[cfg(feature = "async")]
        if self.io_limit == 0 {
            return Err(Error::Config("`io_limit` must be at least 1".into()));
        }
        let executor = match self.executor {
            Some(executor) => executor,
            None => Executor::from_env()?.unwrap_or_default(),
        };
        executor.validate()?;
        if executor.is_remote() && !self.cache {
            return Err(Error::Config(format!(
                "the `{executor}` executor passes results through the cache, which is off"
            )));
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
        let threads = self
            .threads
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from));
        let workers = Workers::new(threads).map_err(Error::ThreadPool)?;
        let store = match (self.cache, self.store) {
            (false, _) => None,
            (true, Some(store)) => Some(store),
            (true, None) => Some(Arc::new(LocalStore::new(cache_dir.clone())) as Arc<dyn Store>),
        };
        Ok(Runtime {
            inner: Arc::new(Inner {
                workers,
                scheduler: self.scheduler,
                executor,
                cache_dir,
                store,
                speed: StoreSpeed::default(),
                skip_keys: self.skip_keys,
                skip_functions: self.skip_functions,
                fail_fast: self.fail_fast,
                callbacks: self.callbacks,
                #[cfg(feature = "async")]
                tokio: exec::AsyncRuntime::new(self.io_limit),
            }),
        })
    }
}
