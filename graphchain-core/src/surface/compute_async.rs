//! `Runtime::compute_async`: running a graph from async code without blocking its executor
//! (feature `async`).

use std::sync::Arc;

use crate::error::Error;
use crate::exec::report::Report;
use crate::graph::delayed::Delayed;
use crate::graph::node::Node;
use crate::surface::outputs::{only, take_value};
use crate::surface::runtime::{Reporting, Runtime};
use crate::value::Value;

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
        let (values, _) = self.run_async(value.node(), Reporting::Values).await?;
        Ok(take_value(only(values)))
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
        let (values, report) = self.run_async(value.node(), Reporting::Full).await?;
        Ok((take_value(only(values)), report))
    }

    /// Runs the graph below `root` on a blocking thread, with async tasks on the caller's
    /// tokio runtime (or the owned one), and waits for it without blocking.
    async fn run_async(
        &self,
        root: &Arc<Node>,
        reporting: Reporting,
    ) -> Result<(Vec<Value>, Report), Error> {
        let caller = tokio::runtime::Handle::try_current().ok();
        let blocking = match &caller {
            Some(handle) => handle.clone(),
            None => match self.async_runtime().handle() {
                Ok(handle) => handle,
                Err(e) => return Err(Error::AsyncRuntime(e)),
            },
        };
        let (rt, root) = (self.clone(), Arc::clone(root));
        let run = blocking.spawn_blocking(move || rt.run_on(&[&root], reporting, caller));
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
