//! `#[delayed] async fn`: the type of an async task's body, building its node, and
//! `Runtime::compute_async` for callers that are async themselves.
//!
//! The types and builders exist with or without the `async` feature, so that code generated for
//! an `async fn` compiles up to one clear error ([`AsyncTasks`]) when the feature is off; running
//! async tasks (`scheduler/io.rs`) needs it.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use crate::graph::delayed::Delayed;
use crate::graph::node::{Args, Node, NodeBuilder};
use crate::store::codec::{Codec, Storable};
use crate::value::{BoxError, Value};

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

impl NodeBuilder {
    /// Finishes an async task's node that is never cached; `body` makes the future that runs the
    /// function's body on the inputs.
    pub fn finish_async<R: Send + Sync + AsyncTasks + 'static>(
        self,
        body: AsyncThunk,
    ) -> Delayed<R> {
        Delayed::from_node(self.finish_async_node(body, None))
    }

    /// Finishes an async task's node whose result may be cached, encoded with codec `C`.
    pub fn finish_async_cached<R: Send + Sync + AsyncTasks + 'static, C: Codec<R>>(
        self,
        body: AsyncThunk,
    ) -> Delayed<R> {
        let storable: &'static Storable = const { &Storable::of::<R, C>() };
        Delayed::from_node(self.finish_async_node(body, Some(storable)))
    }

    #[cfg(feature = "async")]
    fn finish_async_node(self, body: AsyncThunk, storable: Option<&'static Storable>) -> Arc<Node> {
        let mut node = self.finish_node(not_sync, storable);
        Arc::get_mut(&mut node)
            .expect("a node just built has no other owner")
            .io = Some(body);
        node
    }

    #[cfg(not(feature = "async"))]
    fn finish_async_node(self, body: AsyncThunk, storable: Option<&'static Storable>) -> Arc<Node> {
        let _ = (self, body, storable);
        unreachable!("without the `async` feature no type implements `AsyncTasks`")
    }
}

/// The synchronous body of an async task's node, which the schedulers never call: they run
/// [`Node::io`] instead.
#[cfg(feature = "async")]
fn not_sync(_: &mut Args) -> Result<Value, BoxError> {
    Err("an async task was run as a synchronous one".into())
}
