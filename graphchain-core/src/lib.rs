//! The runtime of graphchain: lazy nodes, keys, schedulers, reports and DOT output.
//!
//! This crate is an implementation detail of [`graphchain`](https://docs.rs/graphchain): depend
//! on the facade, which re-exports everything here that is meant for users.

#![deny(missing_docs)]

// Layers, bottom to top; a module imports only from its own layer and those below it (checked
// by `.ci/layers`). See ARCHITECTURE.md.
//
// 0. Shared vocabulary: errors, keys, type-erased values.
mod error;
mod key;
mod spare;
mod value;
// 1. Storage: the entry format, codecs, stores, the cost model, housekeeping.
mod store;
// 2. Graph building: nodes, their bodies and builder, inputs, `Delayed`, operators, wrapped
//    functions, inspection.
mod graph;
// 3. Execution: planning, the run state, the cache side of a run, the drivers, and what a run
//    tells its observers (callbacks, the report).
mod exec;
// 4. The surface: the runtime and its builder, pictures, profiles, progress, run-time graphs.
mod surface;

pub use crate::error::{Error, FailureCause, PanicPayload, SpecError, TaskFailure};
pub use crate::exec::Scheduler;
pub use crate::exec::callback::{Callback, RunInfo, TaskAction, TaskInfo, TaskOutcome};
pub use crate::exec::dry_run::{PlannedNode, RunPlan};
pub use crate::exec::report::{Explain, NodeReport, Reason, Report, Status};
pub use crate::exec::{EXECUTOR_ENV, Executor, ParseExecutorError, SBATCH_OPTIONS_ENV, WORKER_ENV};
pub use crate::graph::content::{HashError, content_hash};
pub use crate::graph::delayed::Delayed;
pub use crate::graph::delayed_fn::{CallArgs, DelayedFn, NotStored, Stored};
pub use crate::graph::file::{FileStamp, file, file_with, files, files_with};
pub use crate::graph::input::{IntoInput, collect};
pub use crate::graph::inspect::{Graph, GraphNode};
pub use crate::graph::node::CachePolicy;
pub use crate::graph::ops::{Operand, PlainOperand};
pub use crate::key::{KEY_SCHEME_VERSION, Key, ParseKeyError};
pub use crate::store::codec::{
    Codec, PostcardLz4, UntraceableType, Vouched, structural_fingerprint, type_name_fingerprint,
    type_structure,
};
pub use crate::store::housekeeping::{Cache, CacheStats, EntryInfo};
pub use crate::store::location::CACHE_ENV;
pub use crate::store::prune::{PrunePlan, PruneReport};
pub use crate::store::signed::CACHE_KEY_ENV;
pub use crate::store::units::{parse_age, parse_size};
pub use crate::store::{
    EntryBytes, EntryCheck, Lease, LocalStore, MemoryStore, Opened, Store, StoreMeta,
};
#[cfg(feature = "remote")]
pub use crate::store::{RemoteOptions, RemoteStore};
pub use crate::surface::budget::CACHE_MAX_SIZE_ENV;
pub use crate::surface::builder::{RuntimeBuilder, WRITE_BEHIND_ENV};
pub use crate::surface::dot::{Dot, RankDir};
pub use crate::surface::dynamic::{DynGraph, GraphSpec, Registrable, Registry, TaskSpec};
pub use crate::surface::futures::{AsCompleted, RunHandle, as_completed};
pub use crate::surface::outputs::{Outputs, compute};
pub use crate::surface::profile::{FunctionProfile, Profile, Profiler};
pub use crate::surface::runtime::{
    CACHE_DIR_ENV, DEFAULT_CACHE_DIR, EXPLAIN_ENV, PROGRESS_ENV, Runtime, THREADS_ENV,
};
pub use crate::value::BoxError;

/// Codecs for polars' `DataFrame` (feature `polars`).
#[cfg(feature = "polars")]
pub mod frame {
    pub use crate::store::frame::{Ipc, Parquet, Unordered};
}

/// What generated code needs; not part of the public API and outside semver.
#[doc(hidden)]
pub mod __private {
    pub use crate::graph::body::{Args, AsyncTasks, AsyncThunk, TaskFuture, Thunk};
    pub use crate::graph::builder::NodeBuilder;
    pub use crate::graph::delayed::Delayed;
    pub use crate::graph::delayed_fn::{
        DelayedFn, Fallible, Finish, NotStored, Plain, StorePolicy, Stored,
    };
    pub use crate::graph::input::{Input, IntoInput};
    pub use crate::graph::node::{CachePolicy, FnInfo, Tracked};
    pub use crate::graph::result::{Cacheable, FrameCacheable, ResultLike, fallible, value};
    pub use crate::key::type_args_hash;
    pub use crate::store::codec::{
        ByName, ByStructure, Codec, PostcardLz4, Storable, TypeProbe, name_identity,
    };
    pub use crate::surface::dynamic::Erased;
    pub use crate::value::{BoxError, Value};
    pub use serde;
}
