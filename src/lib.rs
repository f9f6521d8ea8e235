//! Lazy, cached computation graphs.
//!
//! Mark functions `#[delayed]`, call them to build a graph, and [`compute`](Delayed::compute) it:
//! independent work runs in parallel, shared inputs are computed once, and every node has a
//! [`Key`] chained from the hash of its function's source and the keys of its inputs.
//!
//! # A graph in thirty seconds
//!
//! ```
//! use graphchain::{compute, delayed, Delayed};
//!
//! #[delayed]
//! fn load(n: usize) -> Vec<f64> {
//!     (0..n).map(|i| i as f64).collect()
//! }
//!
//! #[delayed]
//! fn mean(xs: &[f64]) -> f64 {
//!     xs.iter().sum::<f64>() / xs.len() as f64
//! }
//!
//! #[delayed]
//! fn spread(xs: &[f64], mean: f64) -> f64 {
//!     xs.iter().map(|x| (x - mean).abs()).sum::<f64>() / xs.len() as f64
//! }
//!
//! let data: Delayed<Vec<f64>> = load(1_000); // nothing runs yet
//! let m = mean(&data);
//! let s = spread(&data, &m);                  // `data` is computed once for both
//! let (m, s) = compute!(m, s)?;
//! assert_eq!((m, s), (499.5, 250.0));
//! # Ok::<(), graphchain::Error>(())
//! ```
//!
//! # What a graph is
//!
//! Calling a `#[delayed]` function records a node: the function, its plain arguments (hashed by
//! content) and its lazy arguments (other nodes). Two calls with the same function and the same
//! inputs have the same key and are one node. Nothing runs until a value is asked for.
//!
//! # Choosing a scheduler
//!
//! [`Delayed::compute`] and [`compute!`] run on a global [`Runtime`] that uses every core. Build
//! your own with [`Runtime::builder`] to choose the number of threads, the
//! [`Scheduler::Sequential`] scheduler for debugging, or the cache directory, and get a
//! [`Report`] of each run with [`Runtime::compute_with_report`].
//!
//! # Async tasks
//!
//! With the `async` feature, `#[delayed] async fn` makes a task that mostly waits (a request, a
//! query): it runs on tokio, many at once, beside the CPU tasks on the worker threads, and `Runtime::compute_async`
//! computes from async code without blocking it. `RuntimeBuilder::io_limit` caps how many are in
//! flight.
//!
//! # Failures
//!
//! A task that returns `Err` or panics fails alone: every task that does not depend on it still
//! runs, and the run returns [`Error::TaskFailed`] listing each failed task by name and key.
//!
//! # Seeing what a run does
//!
//! - **Pictures:** [`Delayed::visualize`] gives Graphviz DOT; [`Runtime::visualize`] colours it by
//!   what a run would do (load, compute, not needed) without running, and [`Report::visualize`]
//!   by what a run did. [`Dot::save`] writes `.dot`, or `.svg`, `.png` and `.pdf` through
//!   Graphviz.
//! - **Progress:** runs over a second draw a progress bar on stderr when it is a terminal;
//!   [`PROGRESS_ENV`] (`GRAPHCHAIN_PROGRESS=1|0`) forces it on or off.
//! - **Profiles:** [`Report::profile`] is a table per function, [`Report::chrome_trace`] a
//!   timeline for Perfetto, and a [`Profiler`] keeps the reports of every run.
//! - **Logs:** `tracing` events with the target `graphchain` (`compute`, `store`, `load`, `skip`,
//!   `fail`), printed by whatever subscriber the program installs.
//! - **Callbacks:** a [`Callback`] registered with [`RuntimeBuilder::callback`] is told when a run
//!   starts, around each task, and when it ends.
//!
//! # Feature flags
//!
//! - `progress` (default): the progress bar, with indicatif. Without it, nothing is drawn and
//!   [`PROGRESS_ENV`] is ignored.
//! - `async`: `#[delayed] async fn` tasks on tokio, `RuntimeBuilder::io_limit`,
//!   `Runtime::compute_async` and `Runtime::compute_async_with_report`. Without it, an
//!   `async fn` under `#[delayed]` is a compile error that says to turn it on.
//! - `remote`: caches on S3 (and S3-compatible servers), Google Cloud Storage and Azure Blob
//!   Storage through `object_store`: `RuntimeBuilder::cache_url("s3://bucket/prefix")` or
//!   `GRAPHCHAIN_CACHE`, with the cache directory as a local tier, and
//!   `store::RemoteStore`. Without it such a URL is a configuration error that says to turn it
//!   on. Signed entries (`RuntimeBuilder::cache_key`, `GRAPHCHAIN_CACHE_KEY`) need no feature.
//!
//! # Crate layout
//!
//! The root holds what every program uses: the attributes ([`delayed`], [`delayed_fn!`],
//! [`pipeline`], [`track`]), [`Delayed`], [`compute!`], [`Runtime`] and its builder, [`Error`],
//! [`Key`], and the [`Report`] with its [`Status`] and [`Reason`]. The rest lives in modules:
//! [`store`] (where results are kept, and housekeeping), [`codec`], [`report`] (reports, plans,
//! profiles), [`callback`], [`dot`] (pictures), [`dynamic`] (graphs defined at run time),
//! [`graph`] (inputs, operators, wrapped functions, inspection) and [`error`]. The names that
//! were at the root before these modules existed still work there.
//!
//! [`compute!(a, b)`](compute!) computes several values by name; the function [`compute()`](fn@compute) does
//! the same for outputs gathered at run time, such as a `Vec<Delayed<T>>`, which the macro
//! cannot take.
//!
//! `graphchain` is a facade over `graphchain-macros` (the `#[delayed]` attribute) and
//! `graphchain-core` (the runtime). Depend on this crate only.

#![deny(missing_docs)]

#[doc(inline)]
pub use graphchain_macros::{delayed, delayed_fn, pipeline, track};

// What every program touches is at the root; the rest is in the modules below.
pub use graphchain_core::{
    CachePolicy, Delayed, Error, Executor, FileStamp, Key, Reason, Report, RunHandle, Runtime,
    RuntimeBuilder, Scheduler, Status, as_completed, collect, compute, file, file_with, files,
    files_with,
};

pub mod executor {
    //! Where tasks run: in this process ([`Executor::Local`]), in worker processes of the same
    //! executable, or in Slurm jobs running it, chosen in code or with [`EXECUTOR_ENV`];
    //! workers find their role in [`WORKER_ENV`], and Slurm jobs get the `sbatch` options in
    //! [`SBATCH_OPTIONS_ENV`]. [`THREADS_ENV`] sets a runtime's worker threads, and
    //! [`WRITE_BEHIND_ENV`] whether large results are stored behind the run.
    pub use graphchain_core::{
        EXECUTOR_ENV, Executor, ParseExecutorError, SBATCH_OPTIONS_ENV, THREADS_ENV, WORKER_ENV,
        WRITE_BEHIND_ENV,
    };
}

pub mod futures {
    //! Runs in the background (dask's futures): [`Runtime::submit`](crate::Runtime::submit)
    //! returns a [`RunHandle`] at once; wait on it, poll it, cancel it, or take several as they
    //! end with [`as_completed`].
    pub use graphchain_core::{AsCompleted, RunHandle, as_completed};
}

pub mod store {
    //! Where results are kept: the [`Store`] trait, a local directory ([`LocalStore`], the
    //! default) and memory ([`MemoryStore`]), [`Cache`] for housekeeping (list, totals,
    //! prune, verify, clear), and the size budget a runtime prunes to after each run
    //! ([`CACHE_MAX_SIZE_ENV`], [`parse_size`]).
    pub use graphchain_core::{
        CACHE_DIR_ENV, CACHE_ENV, CACHE_KEY_ENV, CACHE_MAX_SIZE_ENV, Cache, CacheStats,
        DEFAULT_CACHE_DIR, EntryBytes, EntryCheck, EntryInfo, Lease, LocalStore, MemoryStore,
        Opened, PrunePlan, PruneReport, Store, StoreMeta, parse_age, parse_size,
    };
    #[cfg(feature = "remote")]
    pub use graphchain_core::{RemoteOptions, RemoteStore};
}

pub mod codec {
    //! How values become bytes: the [`Codec`] trait, the default [`PostcardLz4`] (and
    //! [`Vouched`], the same encoding for a type you vouch for), the type fingerprints that keep
    //! an entry from being read as another type ([`type_structure`] shows what they trace, or
    //! why a type cannot be traced: [`UntraceableType`]), and the content hash of plain
    //! arguments.
    pub use graphchain_core::{
        Codec, HashError, PostcardLz4, UntraceableType, Vouched, content_hash,
        structural_fingerprint, type_name_fingerprint, type_structure,
    };
}

#[cfg(feature = "polars")]
pub mod frame {
    //! polars' `DataFrame` in the cache (feature `polars`): [`Ipc`] (Arrow IPC with lz4, the
    //! codec of every function whose return type is written `DataFrame`), [`Parquet`] (zstd,
    //! smaller entries) and [`Unordered`] (early cutoff that ignores the order of the rows).
    pub use graphchain_core::frame::{Ipc, Parquet, Unordered};
}

pub mod report {
    //! What a run did ([`Report`], one [`NodeReport`] per node, with its [`Status`] and
    //! [`Reason`]), what it would do ([`RunPlan`]), and where the time went ([`Profile`],
    //! [`Profiler`]).
    pub use graphchain_core::{
        EXPLAIN_ENV, Explain, FunctionProfile, NodeReport, PlannedNode, Profile, Profiler, Reason,
        Report, RunPlan, Status,
    };
}

pub mod callback {
    //! Hooks into every run of a runtime (dask's callbacks): a [`Callback`] is told when a run
    //! starts, before and after each task, and when it finishes. The progress bar is one.
    pub use graphchain_core::{Callback, PROGRESS_ENV, RunInfo, TaskAction, TaskInfo, TaskOutcome};
}

pub mod dot {
    //! Pictures of graphs: Graphviz DOT, coloured by what a run would do or did, saved as text or
    //! rendered by Graphviz.
    pub use graphchain_core::{Dot, RankDir};
}

pub mod dynamic {
    //! Graphs defined at run time: register functions in a [`Registry`], then build a graph from
    //! a [`GraphSpec`] (JSON, TOML, or built in code) and run it like any other.
    pub use graphchain_core::{DynGraph, GraphSpec, Registrable, Registry, SpecError, TaskSpec};
}

pub mod graph {
    //! The pieces of a graph beyond [`Delayed`](crate::Delayed): what a parameter accepts
    //! ([`IntoInput`]), operators on lazy values, wrapped functions ([`DelayedFn`]), several
    //! outputs at once ([`Outputs`]), and inspecting a graph ([`Graph`]).
    pub use graphchain_core::{
        CallArgs, DelayedFn, Graph, GraphNode, IntoInput, KEY_SCHEME_VERSION, NotStored, Operand,
        Outputs, ParseKeyError, PlainOperand, Stored,
    };
}

pub mod error {
    //! Errors: [`Error`] for a run, and [`TaskFailure`] for each task that failed in it.
    pub use graphchain_core::{BoxError, Error, FailureCause, PanicPayload, TaskFailure};
}

// The paths of the first releases, where every name was at the root; they keep working.
#[doc(hidden)]
pub use graphchain_core::{
    BoxError, CACHE_DIR_ENV, Cache, CacheStats, CallArgs, Callback, Codec, DEFAULT_CACHE_DIR,
    DelayedFn, Dot, DynGraph, EXECUTOR_ENV, EXPLAIN_ENV, EntryInfo, Explain, FailureCause,
    FunctionProfile, Graph, GraphNode, GraphSpec, HashError, IntoInput, KEY_SCHEME_VERSION,
    LocalStore, MemoryStore, NodeReport, NotStored, Operand, Outputs, PROGRESS_ENV, PanicPayload,
    ParseKeyError, PlainOperand, PlannedNode, PostcardLz4, Profile, Profiler, PrunePlan,
    PruneReport, RankDir, Registrable, Registry, RunInfo, RunPlan, SpecError, Store, StoreMeta,
    Stored, TaskAction, TaskFailure, TaskInfo, TaskOutcome, TaskSpec, WORKER_ENV, content_hash,
    structural_fingerprint, type_name_fingerprint,
};

/// Computes several lazy values in one run and returns their values as a tuple.
///
/// Shared inputs are computed once. Runs on the global runtime; for another runtime use
/// [`Runtime::compute_many`] with a tuple of references.
///
/// # Examples
///
/// ```
/// use graphchain::{compute, delayed};
///
/// #[delayed]
/// fn double(x: i32) -> i32 {
///     2 * x
/// }
///
/// let a = double(1);
/// let b = double(&a);
/// let (a, b) = compute!(a, b)?;
/// assert_eq!((a, b), (2, 4));
/// # Ok::<(), graphchain::Error>(())
/// ```
///
/// # Errors
///
/// [`Error::TaskFailed`] when a task needed for any of the values fails, and
/// [`Error::Config`] when the global runtime cannot start (see [`Runtime::try_global`]).
#[macro_export]
macro_rules! compute {
    ($($value:expr),+ $(,)?) => {
        $crate::Runtime::try_global().and_then(|runtime| runtime.compute_many(($(&$value,)+)))
    };
}

/// The README's examples, compiled and run as doctests so that they stay true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

/// The names most programs use.
pub mod prelude {
    pub use crate::{Delayed, Error, Runtime, compute, delayed, delayed_fn};
}

/// What `#[delayed]` expands to; not public API, and outside semver.
#[doc(hidden)]
pub mod __private {
    pub use graphchain_core::__private::*;
}
