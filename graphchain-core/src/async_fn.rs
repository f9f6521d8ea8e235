//! `#[delayed] async fn`: the type of an async task's body, building its node, and
//! `Runtime::compute_async` for callers that are async themselves.
//!
//! The types and builders exist with or without the `async` feature, so that code generated for
//! an `async fn` compiles up to one clear error ([`AsyncTasks`]) when the feature is off; running
//! async tasks (`scheduler/io.rs`) needs it.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use crate::codec::{Codec, Storable};
use crate::delayed::Delayed;
use crate::node::{Args, BoxError, Node, NodeBuilder, Value};

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

#[cfg(feature = "async")]
mod compute {
    use std::sync::Arc;

    use crate::delayed::Delayed;
    use crate::error::Error;
    use crate::node::{Node, Value};
    use crate::report::Report;
    use crate::runtime::{Runtime, take_value};

    impl Runtime {
        /// Computes `value` from async code, without blocking the caller's executor.
        ///
        /// The run is driven from a blocking thread of the caller's tokio runtime; its async
        /// tasks run on the caller's runtime too, and its CPU tasks on this runtime's worker
        /// threads. Outside a tokio runtime, the runtime this `Runtime` owns is used for both.
        /// (From synchronous code, [`Runtime::compute`] runs async tasks on that owned runtime.)
        ///
        /// # Errors
        ///
        /// As [`Runtime::compute`]; [`Error::AsyncRuntime`] when there is no tokio runtime to
        /// call from and the owned one cannot be started.
        ///
        /// # Panics
        ///
        /// A panic of a callback is re-raised here, as [`Runtime::compute`] would raise it.
        ///
        /// # Examples
        ///
        /// ```
        /// use graphchain::{delayed, Runtime};
        ///
        /// #[delayed]
        /// async fn fetch(id: u32) -> String {
        ///     tokio::task::yield_now().await; // an HTTP request, say
        ///     format!("record {id}")
        /// }
        ///
        /// #[delayed]
        /// fn shout(text: &str) -> String {
        ///     text.to_uppercase()
        /// }
        ///
        /// #[tokio::main]
        /// async fn main() -> Result<(), graphchain::Error> {
        ///     let rt = Runtime::builder().cache(false).build()?;
        ///     assert_eq!(rt.compute_async(&shout(fetch(7))).await?, "RECORD 7");
        ///     Ok(())
        /// }
        /// ```
        pub async fn compute_async<T: Send + Sync + 'static>(
            &self,
            value: &Delayed<T>,
        ) -> Result<T, Error> {
            let (mut values, _) = self.run_async(value.node(), false).await?;
            Ok(take_value(values.pop().expect("one output")))
        }

        /// Like [`compute_async`](Runtime::compute_async), with the [`Report`] of
        /// [`Runtime::compute_with_report`].
        ///
        /// # Errors
        ///
        /// As [`Runtime::compute_async`].
        pub async fn compute_async_with_report<T: Send + Sync + 'static>(
            &self,
            value: &Delayed<T>,
        ) -> Result<(T, Report), Error> {
            let (mut values, report) = self.run_async(value.node(), true).await?;
            Ok((take_value(values.pop().expect("one output")), report))
        }

        /// Runs the graph below `root` on a blocking thread, with async tasks on the caller's
        /// tokio runtime (or the owned one), and waits for it without blocking.
        async fn run_async(
            &self,
            root: &Arc<Node>,
            timed: bool,
        ) -> Result<(Vec<Value>, Report), Error> {
            let caller = tokio::runtime::Handle::try_current().ok();
            let blocking = match &caller {
                Some(handle) => handle.clone(),
                None => match self.io_runtime().handle() {
                    Ok(handle) => handle,
                    Err(e) => return Err(Error::AsyncRuntime(e)),
                },
            };
            let (rt, root) = (self.clone(), Arc::clone(root));
            let run =
                blocking.spawn_blocking(move || rt.execute_reporting_on(&[&root], timed, caller));
            match run.await {
                Ok((values, report)) => values.map(|values| (values, report)),
                Err(e) => match e.try_into_panic() {
                    Ok(payload) => std::panic::resume_unwind(payload),
                    Err(_) => Err(Error::AsyncRuntime(std::io::Error::other(
                        "the tokio runtime shut down before the run ended",
                    ))),
                },
            }
        }
    }
}
