//! `Runtime::compute_async` from async code, on multi-threaded and current-thread tokio runtimes;
//! and plain `compute` or dropping a `Runtime` inside a tokio runtime, which must not panic.

use std::time::Duration;

use graphchain::{Scheduler, Status, delayed};

use crate::common::{uncached, uncached_runtimes};

#[delayed]
async fn fetch(id: u32) -> String {
    tokio::time::sleep(Duration::from_millis(2)).await;
    format!("record {id}")
}

#[delayed]
fn shout(text: &str) -> String {
    text.to_uppercase()
}

#[delayed]
fn join(parts: &[String]) -> String {
    parts.join(", ")
}

fn graph() -> graphchain::Delayed<String> {
    join((1..=3).map(|i| shout(fetch(i))).collect::<Vec<_>>())
}

const EXPECTED: &str = "RECORD 1, RECORD 2, RECORD 3";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_multi_threaded_runtime() {
    let rt = uncached(Scheduler::Parallel);
    assert_eq!(rt.compute_async(&graph()).await.unwrap(), EXPECTED);
    let (value, report) = rt.compute_async_with_report(&graph()).await.unwrap();
    assert_eq!(value, EXPECTED);
    // Three `fetch`, three `shout`, the list of them and `join`.
    assert_eq!(report.count(Status::Computed), 8);
}

#[tokio::test(flavor = "current_thread")]
async fn on_a_current_thread_runtime() {
    for rt in uncached_runtimes() {
        assert_eq!(rt.compute_async(&graph()).await.unwrap(), EXPECTED);
    }
}

#[test]
fn outside_a_tokio_runtime() {
    let rt = uncached(Scheduler::Parallel);
    // Any executor will do: here a minimal one that polls on this thread.
    assert_eq!(block_on(rt.compute_async(&graph())).unwrap(), EXPECTED);
}

#[tokio::test(flavor = "current_thread")]
async fn blocking_compute_inside_a_runtime_uses_its_own() {
    for rt in uncached_runtimes() {
        assert_eq!(rt.compute(&graph()).unwrap(), EXPECTED);
        // Dropped here, in async code, with the tokio runtime it started.
        drop(rt);
    }
}

/// Polls `future` on this thread until it is ready, parking between polls.
fn block_on<F: std::future::Future>(future: F) -> F::Output {
    use std::sync::Arc;
    use std::task::{Context, Poll, Wake, Waker};

    struct Unpark(std::thread::Thread);
    impl Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut future = std::pin::pin!(future);
    loop {
        match future.as_mut().poll(&mut cx) {
            Poll::Ready(value) => return value,
            Poll::Pending => std::thread::park(),
        }
    }
}
