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
use crate::store::location::{self, CACHE_ENV};
use crate::store::signed::{CACHE_KEY_ENV, SignedStore};
use crate::store::speed::StoreSpeed;
use crate::store::{LocalStore, Store};
use crate::surface::budget;
use crate::surface::runtime::{CACHE_DIR_ENV, DEFAULT_CACHE_DIR, Inner, Runtime, THREADS_ENV};
use crate::surface::switch::parse_switch;

/// The environment variable that turns storing large results behind the run on (`1`) or off
/// (`0`) for a runtime whose builder was not given
/// [`write_behind`](RuntimeBuilder::write_behind) (default: on).
///
/// `GRAPHCHAIN_WRITE_BEHIND=0` trades time for memory: each large result is stored by the worker
/// that computed it before it takes another task, so no value is held for the writer thread
/// while the next steps run.
pub const WRITE_BEHIND_ENV: &str = "GRAPHCHAIN_WRITE_BEHIND";

/// A cache key, kept out of `Debug` output.
#[derive(Clone)]
struct Secret(Vec<u8>);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(..)")
    }
}

/// Configures a [`Runtime`].
#[derive(Clone, Debug)]
pub struct RuntimeBuilder {
    threads: Option<usize>,
    scheduler: Scheduler,
    executor: Option<Executor>,
    cache_dir: Option<PathBuf>,
    cache_url: Option<String>,
    cache_key: Option<Secret>,
    cache: bool,
    max_size: Option<u64>,
    store: Option<Arc<dyn Store>>,
    skip_keys: HashSet<Key>,
    skip_functions: HashSet<String>,
    fail_fast: bool,
    write_behind: Option<bool>,
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
            cache_url: None,
            cache_key: None,
            cache: true,
            max_size: None,
            store: None,
            skip_keys: HashSet::new(),
            skip_functions: HashSet::new(),
            fail_fast: false,
            write_behind: None,
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

    /// Runs tasks on `n` worker threads (default: [`THREADS_ENV`](crate::THREADS_ENV) when
    /// set, else one per core). Results are stored on one more thread.
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

    /// Caches results at `url` (default: `$GRAPHCHAIN_CACHE`, else the cache directory):
    /// `s3://bucket/prefix`, `gs://bucket/prefix` or `az://container/prefix` with the `remote`
    /// feature, or `file:///path`, `memory://`, or a plain directory.
    ///
    /// A remote cache has the cache directory as its local tier: results are read there first,
    /// results loaded from the remote store are kept there, and results are written to both,
    /// the uploads running in the background; a run returns once they are done. Credentials,
    /// region and endpoint come from the environment as `object_store` reads them (`AWS_*`,
    /// `GOOGLE_*`, `AZURE_*`); for other settings give a `graphchain::store::RemoteStore`
    /// (feature `remote`) to [`store`](RuntimeBuilder::store).
    ///
    /// # Examples
    ///
    /// ```
    /// use graphchain::Runtime;
    ///
    /// let rt = Runtime::builder().cache_url("memory://").build()?;
    /// let err = Runtime::builder().cache_url("ftp://host/cache").build().unwrap_err();
    /// assert!(err.to_string().contains("unknown scheme `ftp`"));
    /// # Ok::<(), graphchain::Error>(())
    /// ```
    pub fn cache_url(mut self, url: impl Into<String>) -> Self {
        self.cache_url = Some(url.into());
        self
    }

    /// Signs every entry with a keyed MAC derived from `secret`, and takes entries without a
    /// valid one for misses (default: `$GRAPHCHAIN_CACHE_KEY`, else unsigned). Give everyone
    /// who may write results that you will use the same secret, and no one else: with it, a
    /// writer to a shared cache who lacks the secret cannot make your runs return a value of
    /// their choosing. Use a long random secret (32 bytes from a password manager, say).
    ///
    /// # Examples
    ///
    /// ```
    /// use graphchain::Runtime;
    ///
    /// let dir = tempfile::tempdir().unwrap();
    /// let rt = Runtime::builder().cache_dir(dir.path()).cache_key("a long team secret").build()?;
    /// # Ok::<(), graphchain::Error>(())
    /// ```
    pub fn cache_key(mut self, secret: impl AsRef<[u8]>) -> Self {
        self.cache_key = Some(Secret(secret.as_ref().to_vec()));
        self
    }

    /// Turns the persistent cache on (the default) or off. Off, nothing is read or written.
    pub fn cache(mut self, enabled: bool) -> Self {
        self.cache = enabled;
        self
    }

    /// Keeps the cache within `bytes` (default: `$GRAPHCHAIN_CACHE_MAX_SIZE`, else no limit):
    /// after each run that wrote to it, least-recently-used entries are pruned, with the shared
    /// payloads only they point to, until the results and payloads fit. What the run used or
    /// wrote goes last, only when it alone is over the budget.
    ///
    /// # Examples
    ///
    /// ```
    /// use graphchain::{delayed, Runtime};
    ///
    /// #[delayed(cache = "always")]
    /// fn table(seed: u64) -> Vec<u64> {
    ///     (0..10_000).map(|i| i ^ seed).collect()
    /// }
    ///
    /// let dir = tempfile::tempdir().unwrap();
    /// let rt = Runtime::builder().cache_dir(dir.path()).cache_max_size(40_000).build()?;
    /// rt.compute(&table(1))?;
    /// rt.compute(&table(2))?; // the first table is pruned to make room
    /// let cache = rt.cache().expect("caching is on");
    /// assert!(cache.entry(table(1).key())?.is_none());
    /// assert!(cache.entry(table(2).key())?.is_some());
    /// # Ok::<(), graphchain::Error>(())
    /// ```
    pub fn cache_max_size(mut self, bytes: u64) -> Self {
        self.max_size = Some(bytes);
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

    /// Whether a large result (a megabyte or more in memory, by its codec's `size_hint`) is
    /// stored behind the run (default: [`WRITE_BEHIND_ENV`](crate::WRITE_BEHIND_ENV) when set,
    /// else on).
    ///
    /// On, the writer thread encodes and writes it while the worker that computed it goes on
    /// with the next task, which holds the value until it is encoded. Off, that worker stores
    /// it before it takes another task: peak memory stays close to what the program itself
    /// holds, and the run waits for each such store. On a polars pipeline of twelve files (2
    /// cores, one worker thread), off took 153–154 MB at peak instead of 199–216 MB, and
    /// 6.0–8.4 s instead of 5.3–5.7 s (plain polars: 126–137 MB, 4.6–5.1 s). Results that are always
    /// stored (`cache = "always"`) are stored by their worker either way: other processes
    /// sharing the cache may be waiting for them.
    pub fn write_behind(mut self, enabled: bool) -> Self {
        self.write_behind = Some(enabled);
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
    /// [`Error::Config`] for zero threads (or a `GRAPHCHAIN_THREADS` that is not a whole number
    /// of at least 1), a zero `io_limit`, an empty cache directory, a
    /// malformed `GRAPHCHAIN_CACHE_MAX_SIZE`, a cache URL that cannot be used (malformed, of an
    /// unknown scheme, remote without the `remote` feature, or a remote store that cannot be
    /// listed: no such bucket, refused credentials, unreachable) — found here, before any task
    /// runs —, an executor that cannot work (zero workers, or a remote one without a cache) or
    /// a bad `GRAPHCHAIN_EXECUTOR`; [`Error::ThreadPool`] when the worker threads cannot be
    /// started.
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
        let max_size = match self.max_size {
            Some(bytes) => Some(bytes),
            None => budget::from_env()?,
        };
        let threads = match self.threads {
            Some(n) => n,
            None => threads_from_env()?
                .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from)),
        };
        let write_behind = match self.write_behind {
            Some(enabled) => enabled,
            None => write_behind_from_env()?.unwrap_or(true),
        };
        let workers = Workers::new(threads, write_behind).map_err(Error::ThreadPool)?;
        let url = self.cache_url.or_else(|| {
            std::env::var(CACHE_ENV)
                .ok()
                .filter(|v| !v.trim().is_empty())
        });
        let store = match (self.cache, self.store, url) {
            (false, _, _) => None,
            (true, Some(store), _) => Some(store),
            (true, None, Some(url)) => Some(location::open(&url, &cache_dir)?),
            (true, None, None) => {
                Some(Arc::new(LocalStore::new(cache_dir.clone())) as Arc<dyn Store>)
            }
        };
        let secret = self.cache_key.map(|s| s.0).or_else(|| {
            std::env::var_os(CACHE_KEY_ENV)
                .filter(|v| !v.is_empty())
                .map(|v| v.as_encoded_bytes().to_vec())
        });
        let store = match (store, secret) {
            (Some(store), Some(secret)) => {
                Some(Arc::new(SignedStore::new(store, &secret)) as Arc<dyn Store>)
            }
            (store, _) => store,
        };
        Ok(Runtime {
            inner: Arc::new(Inner {
                workers,
                scheduler: self.scheduler,
                executor,
                cache_dir,
                store,
                max_size,
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

/// Whether `GRAPHCHAIN_WRITE_BEHIND` asks for stores behind the run, if it is set.
fn write_behind_from_env() -> Result<Option<bool>, Error> {
    let Some(value) = std::env::var_os(WRITE_BEHIND_ENV).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    match value.to_str().and_then(parse_switch) {
        Some(on) => Ok(Some(on)),
        None => Err(Error::Config(format!(
            "{WRITE_BEHIND_ENV} must be 1 or 0 (true or false, on or off, yes or no), not `{}`",
            value.to_string_lossy()
        ))),
    }
}

/// The number of threads `GRAPHCHAIN_THREADS` asks for, if it is set.
fn threads_from_env() -> Result<Option<usize>, Error> {
    let Some(value) = std::env::var_os(THREADS_ENV).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    match value.to_str().map(str::trim).map(str::parse::<usize>) {
        Some(Ok(n)) if n > 0 => Ok(Some(n)),
        _ => Err(Error::Config(format!(
            "{THREADS_ENV} must be a whole number of threads, at least 1, not `{}`",
            value.to_string_lossy()
        ))),
    }
}
