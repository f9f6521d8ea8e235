//! Futures (dask's "submit now, ask later"): [`Runtime::submit`] starts a run in the background
//! and hands back a [`RunHandle`] at once; [`as_completed`] yields several handles as their runs
//! end.

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

use crate::error::Error;
use crate::graph::delayed::Delayed;
use crate::surface::outputs::{only, take_value};
use crate::surface::runtime::{Reporting, Runtime};

/// What a background run shares with its handle.
struct Shared<T> {
    state: Mutex<State<T>>,
    ended: Condvar,
    cancel: AtomicBool,
}

struct State<T> {
    /// The run's result (or the panic of a task, to re-raise), once it ended and until a
    /// handle takes it.
    result: Option<std::thread::Result<Result<T, Error>>>,
    ended: bool,
    /// Told the handle's index when the run ends (one per [`as_completed`] watching it).
    watchers: Vec<(Sender<usize>, usize)>,
}

impl<T> Shared<T> {
    fn state(&self) -> MutexGuard<'_, State<T>> {
        // The lock is held only to move a result or a sender: it cannot be poisoned mid-update.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A run started by [`Runtime::submit`]: its result, when it ends.
///
/// Dropping a handle lets its run go on in the background (its results are stored as usual);
/// call [`cancel`](RunHandle::cancel) to stop it.
///
/// # Examples
///
/// ```
/// use graphchain::{delayed, Runtime};
///
/// #[delayed]
/// fn square(x: u64) -> u64 {
///     x * x
/// }
///
/// let rt = Runtime::builder().cache(false).build()?;
/// let handle = rt.submit(&square(7)); // returns at once
/// // … do something else meanwhile …
/// assert_eq!(handle.wait()?, 49);
/// # Ok::<(), graphchain::Error>(())
/// ```
pub struct RunHandle<T> {
    shared: Arc<Shared<T>>,
}

impl<T> fmt::Debug for RunHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RunHandle")
            .field("finished", &self.is_finished())
            .finish()
    }
}

impl<T: Send + Sync + 'static> RunHandle<T> {
    /// Waits for the run to end and returns its value.
    ///
    /// # Panics
    ///
    /// When a task of the run panicked: the panic is re-raised here, as `compute` would.
    ///
    /// # Errors
    ///
    /// As [`Runtime::compute`], and [`Error::Cancelled`] when the run was cancelled before its
    /// value was computed.
    pub fn wait(self) -> Result<T, Error> {
        let mut state = self.shared.state();
        while !state.ended {
            state = self
                .shared
                .ended
                .wait(state)
                .unwrap_or_else(|e| e.into_inner());
        }
        let result = state.result.take();
        drop(state);
        unwind(result.expect("only the one handle takes the result"))
    }

    /// The result if the run has ended, or the handle back if it is still running.
    ///
    /// # Examples
    ///
    /// ```
    /// use graphchain::{delayed, Runtime};
    ///
    /// #[delayed]
    /// fn triple(x: u64) -> u64 {
    ///     3 * x
    /// }
    ///
    /// let rt = Runtime::builder().cache(false).build()?;
    /// let mut handle = rt.submit(&triple(5));
    /// let value = loop {
    ///     match handle.try_result() {
    ///         Ok(result) => break result?,
    ///         Err(running) => handle = running, // still running: do other work, ask again
    ///     }
    /// };
    /// assert_eq!(value, 15);
    /// # Ok::<(), graphchain::Error>(())
    /// ```
    pub fn try_result(self) -> Result<Result<T, Error>, RunHandle<T>> {
        let result = {
            let mut state = self.shared.state();
            if !state.ended {
                None
            } else {
                state.result.take()
            }
        };
        result.map(unwind).ok_or(self)
    }
}

/// A run's result, re-raising the panic of a task on the caller as [`Runtime::compute`] would.
fn unwind<T>(result: std::thread::Result<Result<T, Error>>) -> Result<T, Error> {
    result.unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

impl<T> RunHandle<T> {
    /// Whether the run has ended (its value or error is ready).
    pub fn is_finished(&self) -> bool {
        self.shared.state().ended
    }

    /// Asks the run to stop: tasks already running finish (and are stored as usual), no other
    /// task starts, and [`wait`](RunHandle::wait) gives [`Error::Cancelled`] unless the value
    /// was already computed. On worker processes or a cluster, their workers and jobs are
    /// stopped too.
    ///
    /// # Examples
    ///
    /// ```
    /// use graphchain::{delayed, Error, Runtime};
    ///
    /// #[delayed]
    /// fn slow(x: u64) -> u64 {
    ///     std::thread::sleep(std::time::Duration::from_millis(50));
    ///     x
    /// }
    ///
    /// let rt = Runtime::builder().threads(1).cache(false).build()?;
    /// let chain = (0..100).fold(slow(0), |acc, _| slow(acc));
    /// let handle = rt.submit(&chain);
    /// handle.cancel();
    /// assert!(matches!(handle.wait(), Err(Error::Cancelled)));
    /// # Ok::<(), graphchain::Error>(())
    /// ```
    pub fn cancel(&self) {
        self.shared.cancel.store(true, Ordering::Relaxed);
    }
}

impl Runtime {
    /// Starts computing `value` in the background and returns a handle on its result at once
    /// (dask's `client.submit`/`compute`). Works with every scheduler and executor; the run is
    /// the one [`compute`](Runtime::compute) would make.
    ///
    /// # Panics
    ///
    /// If no thread can be started for the run.
    pub fn submit<T: Send + Sync + 'static>(&self, value: &Delayed<T>) -> RunHandle<T> {
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                result: None,
                ended: false,
                watchers: Vec::new(),
            }),
            ended: Condvar::new(),
            cancel: AtomicBool::new(false),
        });
        let run = Arc::clone(&shared);
        let runtime = self.clone();
        let value = value.clone();
        std::thread::Builder::new()
            .name("graphchain-submit".into())
            .spawn(move || {
                let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    let (values, _) =
                        runtime.run_cancellable(&[value.node()], Reporting::Values, &run.cancel);
                    values.map(|values| take_value(only(values)))
                }));
                drop(value);
                let mut state = run.state();
                state.result = Some(result);
                state.ended = true;
                for (watcher, index) in state.watchers.drain(..) {
                    // A watcher that is gone no longer wants to know.
                    let _ = watcher.send(index);
                }
                run.ended.notify_all();
            })
            .expect("graphchain: cannot start a thread for a submitted run");
        RunHandle { shared }
    }
}

/// Yields `handles` in the order their runs end (dask's `as_completed`), each as soon as it
/// has: a handle from it gives its result without waiting.
///
/// # Examples
///
/// ```
/// use graphchain::{as_completed, delayed, Runtime};
///
/// #[delayed]
/// fn nap(ms: u64) -> u64 {
///     std::thread::sleep(std::time::Duration::from_millis(ms));
///     ms
/// }
///
/// let rt = Runtime::builder().cache(false).build()?;
/// let handles = vec![rt.submit(&nap(200)), rt.submit(&nap(1))];
/// let order: Vec<u64> = as_completed(handles).map(|h| h.wait()).collect::<Result<_, _>>()?;
/// assert_eq!(order, [1, 200]);
/// # Ok::<(), graphchain::Error>(())
/// ```
pub fn as_completed<T>(handles: impl IntoIterator<Item = RunHandle<T>>) -> AsCompleted<T> {
    let (sender, ended) = channel();
    let handles: Vec<Option<RunHandle<T>>> = handles.into_iter().map(Some).collect();
    for (index, handle) in handles.iter().enumerate() {
        let handle = handle.as_ref().expect("every slot is filled");
        let mut state = handle.shared.state();
        if state.ended {
            let _ = sender.send(index);
        } else {
            state.watchers.push((sender.clone(), index));
        }
    }
    AsCompleted { handles, ended }
}

/// The iterator of [`as_completed`].
pub struct AsCompleted<T> {
    handles: Vec<Option<RunHandle<T>>>,
    ended: Receiver<usize>,
}

impl<T> fmt::Debug for AsCompleted<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let left = self.handles.iter().filter(|h| h.is_some()).count();
        f.debug_struct("AsCompleted").field("left", &left).finish()
    }
}

impl<T> Iterator for AsCompleted<T> {
    type Item = RunHandle<T>;

    fn next(&mut self) -> Option<RunHandle<T>> {
        if self.handles.iter().all(Option::is_none) {
            return None;
        }
        // Every handle left has a sender registered or already sent, so this cannot hang.
        let index = self.ended.recv().ok()?;
        self.handles[index].take()
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.handles.iter().filter(|h| h.is_some()).count();
        (left, Some(left))
    }
}
