//! The runtime of graphchain: lazy nodes, keys, schedulers, reports and DOT output.
//!
//! This crate is an implementation detail of [`graphchain`](https://docs.rs/graphchain): depend
//! on the facade, which re-exports everything here that is meant for users.

#![deny(missing_docs)]

mod async_fn;
mod cache;
mod callback;
mod codec;
mod content;
mod delayed;
mod dot;
mod dry_run;
mod dynamic;
mod entry;
mod error;
mod graph;
mod input;
mod key;
mod node;
mod ops;
mod profile;
#[cfg(feature = "progress")]
mod progress;
mod report;
mod runtime;
mod scheduler;
mod store;
mod wrap;

pub use crate::cache::{Cache, CacheStats, EntryInfo, PrunePlan, PruneReport};
pub use crate::callback::{Callback, RunInfo, TaskAction, TaskInfo, TaskOutcome};
pub use crate::codec::{Codec, PostcardLz4, structural_fingerprint, type_name_fingerprint};
pub use crate::content::{HashError, content_hash};
pub use crate::delayed::Delayed;
pub use crate::dot::{Dot, RankDir};
pub use crate::dry_run::{PlannedNode, RunPlan};
pub use crate::dynamic::{DynGraph, GraphSpec, Registrable, Registry, SpecError, TaskSpec};
pub use crate::error::{Error, FailureCause, PanicPayload, TaskFailure};
pub use crate::graph::{Graph, GraphNode};
pub use crate::input::{IntoInput, collect};
pub use crate::key::{KEY_SCHEME_VERSION, Key, ParseKeyError};
pub use crate::node::{BoxError, CachePolicy};
pub use crate::ops::{Operand, PlainOperand};
pub use crate::profile::{FunctionProfile, Profile, Profiler};
pub use crate::report::{Explain, NodeReport, Reason, Report, Status};
pub use crate::runtime::{
    CACHE_DIR_ENV, DEFAULT_CACHE_DIR, EXPLAIN_ENV, Outputs, PROGRESS_ENV, Runtime, RuntimeBuilder,
    compute,
};
pub use crate::scheduler::Scheduler;
pub use crate::store::{LocalStore, MemoryStore, Store, StoreMeta};
pub use crate::wrap::{CallArgs, DelayedFn, NotStored, Stored};

/// What generated code needs; not part of the public API and outside semver.
#[doc(hidden)]
pub mod __private {
    pub use crate::async_fn::{AsyncTasks, AsyncThunk, TaskFuture};
    pub use crate::codec::{Codec, PostcardLz4, Storable};
    pub use crate::delayed::Delayed;
    pub use crate::dynamic::Erased;
    pub use crate::input::{Input, IntoInput};
    pub use crate::key::type_args_hash;
    pub use crate::node::{
        Args, BoxError, CachePolicy, FnInfo, NodeBuilder, Thunk, Tracked, Value,
    };
    pub use crate::wrap::{DelayedFn, Fallible, Finish, NotStored, Plain, StorePolicy, Stored};
    pub use serde;

    /// Wraps a task's result as a shared value.
    #[inline]
    pub fn value<T: Send + Sync + 'static>(value: T) -> Result<Value, BoxError> {
        Ok(std::sync::Arc::new(value))
    }

    /// Wraps a fallible task's result: `Ok` becomes the value, `Err` the task's failure.
    #[inline]
    pub fn fallible<T, E>(result: Result<T, E>) -> Result<Value, BoxError>
    where
        T: Send + Sync + 'static,
        E: Into<BoxError>,
    {
        match result {
            Ok(v) => Ok(std::sync::Arc::new(v)),
            Err(e) => Err(e.into()),
        }
    }
}
