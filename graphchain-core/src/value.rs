//! Type-erased values: what a task returns and its consumers read, and the error a failing task
//! is turned into.

use std::any::Any;
use std::sync::Arc;

/// A type-erased task result, shared between the tasks that consume it.
pub type Value = Arc<dyn Any + Send + Sync>;

/// The error type a failing task is turned into.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;
