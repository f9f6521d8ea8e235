//! `#[delayed(retries = N)]`: a task that fails (an `Err` or a panic) runs again, up to N more
//! times, with the same inputs; only the last failure is reported.

use std::sync::atomic::{AtomicUsize, Ordering};

use graphchain::{Error, Runtime, delayed};

fn runtime() -> Runtime {
    Runtime::builder().cache(false).threads(2).build().unwrap()
}

static FLAKY_CALLS: AtomicUsize = AtomicUsize::new(0);

/// Fails on its first two calls, then succeeds; owns its input, which must survive retries.
#[delayed(retries = 2)]
fn flaky(text: String) -> Result<usize, std::io::Error> {
    if FLAKY_CALLS.fetch_add(1, Ordering::SeqCst) < 2 {
        return Err(std::io::Error::other("connection reset"));
    }
    Ok(text.len())
}

static STUBBORN_CALLS: AtomicUsize = AtomicUsize::new(0);

#[delayed(retries = 1)]
fn stubborn(x: u32) -> Result<u32, std::io::Error> {
    STUBBORN_CALLS.fetch_add(1, Ordering::SeqCst);
    Err(std::io::Error::other(format!("still down ({x})")))
}

static PANICKY_CALLS: AtomicUsize = AtomicUsize::new(0);

#[delayed(retries = 3, cache = "never")]
fn panicky(xs: Vec<u8>) -> usize {
    assert!(
        PANICKY_CALLS.fetch_add(1, Ordering::SeqCst) >= 1,
        "transient panic"
    );
    xs.len()
}

#[test]
fn a_transient_err_is_retried_with_the_same_inputs() {
    let text = "hello".to_string();
    assert_eq!(runtime().compute(&flaky(text)).unwrap(), 5);
    assert_eq!(FLAKY_CALLS.load(Ordering::SeqCst), 3);
}

#[test]
fn the_last_failure_is_reported_after_every_retry() {
    let error = runtime().compute(&stubborn(7)).unwrap_err();
    assert_eq!(
        STUBBORN_CALLS.load(Ordering::SeqCst),
        2,
        "one call and one retry"
    );
    let Error::TaskFailed(failures) = &error else {
        panic!("{error}")
    };
    assert_eq!(failures.len(), 1);
    assert!(error.to_string().contains("still down (7)"), "{error}");
}

#[test]
fn panics_are_retried_too() {
    assert_eq!(runtime().compute(&panicky(vec![1, 2, 3])).unwrap(), 3);
    assert_eq!(PANICKY_CALLS.load(Ordering::SeqCst), 2);
}
