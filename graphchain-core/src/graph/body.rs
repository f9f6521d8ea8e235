//! A node's body: the type-erased code its task runs — a function pointer for a synchronous task,
//! one that makes a future for an `async fn` task — and the inputs it is handed.
//!
//! The async types exist with or without the `async` feature, so that code generated for an
//! `async fn` compiles up to one clear error ([`AsyncTasks`]) when the feature is off; running
//! async tasks (`exec/async_tasks.rs`) needs it.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use crate::value::{BoxError, Value};

/// A node's body: what its task runs on its inputs.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Body {
    /// A synchronous function, run on a worker thread.
    Sync(Thunk),
    /// An `async fn`: makes the future that computes the result, run on tokio. Without the
    /// `async` feature no node has one (see [`AsyncTasks`]).
    Async(#[cfg_attr(not(feature = "async"), allow(dead_code))] AsyncThunk),
}

impl Body {
    /// Whether the task is an `async fn`.
    #[cfg(feature = "async")]
    pub(crate) fn is_async(self) -> bool {
        matches!(self, Body::Async(_))
    }
}

/// The type-erased body of a task: takes its inputs in order, returns its result.
///
/// A plain function pointer (a generic function instantiated by the macro), so building a node
/// allocates no closure.
pub type Thunk = fn(&mut Args) -> Result<Value, BoxError>;

/// What the body of an async task returns: a future that owns the task's inputs.
pub type TaskFuture = Pin<Box<dyn Future<Output = Result<Value, BoxError>> + Send>>;

/// The type-erased body of an async task: takes its inputs (by value or shared) and returns the
/// future that computes its result. A task with `retries` calls it again for each attempt.
pub type AsyncThunk = fn(&mut Args) -> TaskFuture;

/// Implemented for every result type when the `async` feature is on, and for none without it, so
/// that an `async fn` in a program built without the feature is reported as such.
#[diagnostic::on_unimplemented(
    message = "`#[delayed] async fn` needs the `async` feature of `graphchain`",
    label = "an `async fn` task",
    note = "enable it in Cargo.toml: `graphchain = {{ version = \"…\", features = [\"async\"] }}`"
)]
pub trait AsyncTasks {}

#[cfg(feature = "async")]
impl<T: Send + Sync + 'static> AsyncTasks for T {}

/// Input vectors of at most this many slots are kept for the next task (see [`SPARE`]); the
/// larger ones of big fan-ins are freed.
const SPARE_SLOTS: usize = 64;

thread_local! {
    /// An empty input vector that a task on this thread left: the next task's [`Args`] fills it,
    /// so that running a task allocates nothing for its inputs (see ARCHITECTURE.md).
    static SPARE: std::cell::Cell<Vec<Option<Value>>> = const { std::cell::Cell::new(Vec::new()) };
}

/// The inputs of a running task, in slot order.
///
/// Generated code takes the by-value inputs first ([`Args::take`]) and then borrows the others
/// ([`Args::get`]).
#[derive(Debug, Default)]
#[doc(hidden)]
pub struct Args {
    pub(crate) values: Vec<Option<Value>>,
    /// Set while a task may be retried: inputs are then cloned, not moved, so that another
    /// attempt still has them.
    keep: bool,
}

impl Args {
    /// No inputs yet, with room for `slots`: in this thread's spare vector when there is one.
    pub(crate) fn with_capacity(slots: usize) -> Self {
        Args {
            values: crate::spare::take(&SPARE, slots),
            keep: false,
        }
    }

    /// Whether [`take`](Args::take) must leave the inputs in place for another attempt.
    pub(crate) fn keep_inputs(&mut self, keep: bool) {
        self.keep = keep;
    }

    /// Borrows input `slot` as a `T`.
    ///
    /// # Panics
    ///
    /// If the slot holds no `T`, which the typed API rules out; the panic becomes a task failure.
    pub fn get<T: 'static>(&self, slot: usize) -> &T {
        self.values[slot]
            .as_deref()
            .and_then(|v| v.downcast_ref::<T>())
            .unwrap_or_else(|| wrong_type::<T>(slot))
    }

    /// Takes input `slot` as an owned `T`: moved when this task holds its last reference,
    /// cloned otherwise.
    ///
    /// # Panics
    ///
    /// If the slot holds no `T` or was already taken; the panic becomes a task failure.
    pub fn take<T: Clone + Send + Sync + 'static>(&mut self, slot: usize) -> T {
        if self.keep {
            return self.get::<T>(slot).clone();
        }
        let value = self.values[slot]
            .take()
            .unwrap_or_else(|| wrong_type::<T>(slot));
        match value.downcast::<T>() {
            Ok(arc) => Arc::try_unwrap(arc).unwrap_or_else(|shared| T::clone(&shared)),
            Err(_) => wrong_type::<T>(slot),
        }
    }

    /// Takes input `slot` as a shared `T`, for a task that must own its inputs (the future of an
    /// `async fn`, which borrows from it): the value itself, not a copy.
    ///
    /// # Panics
    ///
    /// As [`take`](Args::take).
    pub fn shared<T: Send + Sync + 'static>(&mut self, slot: usize) -> Arc<T> {
        let value = if self.keep {
            self.values[slot].clone()
        } else {
            self.values[slot].take()
        };
        value
            .and_then(|v| v.downcast::<T>().ok())
            .unwrap_or_else(|| wrong_type::<T>(slot))
    }

    /// How many inputs there are.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether there are no inputs.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
}

impl Drop for Args {
    /// Drops the inputs the task left, and keeps their vector as this thread's spare.
    fn drop(&mut self) {
        crate::spare::give(&SPARE, std::mem::take(&mut self.values), SPARE_SLOTS);
    }
}

fn wrong_type<T>(slot: usize) -> ! {
    panic!(
        "input {slot} does not hold a value of type `{}`",
        std::any::type_name::<T>()
    )
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::Args;
    use crate::value::Value;

    #[test]
    fn a_task_reuses_the_input_vector_the_last_one_left() {
        let first = Args::with_capacity(2);
        let slots = first.values.as_ptr();
        drop(first);
        let second = Args::with_capacity(2);
        assert_eq!(second.values.as_ptr(), slots);
        assert!(second.values.is_empty());
    }

    #[test]
    fn dropped_inputs_are_released_not_kept_with_the_spare() {
        let value: Value = Arc::new(7u64);
        let mut args = Args::with_capacity(1);
        args.values.push(Some(Arc::clone(&value)));
        drop(args);
        assert_eq!(Arc::strong_count(&value), 1);
    }

    #[test]
    fn a_large_input_vector_is_freed_not_kept() {
        drop(Args::with_capacity(2));
        // Takes the spare, and grows it past the size kept.
        drop(Args::with_capacity(super::SPARE_SLOTS + 1));
        assert_eq!(Args::with_capacity(0).values.capacity(), 0);
    }
}
