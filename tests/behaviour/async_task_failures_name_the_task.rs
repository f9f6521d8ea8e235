//! An async task's `Err` or panic is that task's failure, with its name and the panic's payload;
//! its dependents are skipped, independent tasks still finish, and `retries` runs it again.

use std::sync::atomic::{AtomicUsize, Ordering};

use graphchain::{FailureCause, Runtime, Status, delayed};

#[delayed]
async fn parse(text: &str) -> Result<i64, std::num::ParseIntError> {
    tokio::task::yield_now().await;
    text.parse()
}

#[delayed]
async fn explode(x: i64) -> i64 {
    tokio::task::yield_now().await;
    if x > 2 {
        panic!("x is too large: {x}");
    }
    x
}

#[delayed]
fn double(x: i64) -> i64 {
    2 * x
}

#[delayed]
fn add(a: i64, b: i64) -> i64 {
    a + b
}

static FLAKY_RUNS: AtomicUsize = AtomicUsize::new(0);

/// Fails on its first run, succeeds on the next.
#[delayed(retries = 1, cache = "never")]
async fn flaky(x: &i64) -> Result<i64, String> {
    tokio::task::yield_now().await;
    match FLAKY_RUNS.fetch_add(1, Ordering::SeqCst) {
        0 => Err("the service is busy".to_owned()),
        _ => Ok(*x + 1),
    }
}

use crate::common::uncached_runtimes;

#[test]
fn err_and_panic_are_failures_of_their_task() {
    for rt in uncached_runtimes() {
        let bad = double(parse("not a number"));
        let boom = explode(3);
        let fine = double(parse("20"));
        let all = add(add(bad, boom), &fine);
        let (result, report) = rt.try_compute_with_report(&all);
        let failures = result.unwrap_err().into_failures();
        let mut names: Vec<_> = failures.iter().map(|f| f.name()).collect();
        names.sort();
        assert_eq!(names, ["explode", "parse"]);
        for failure in &failures {
            match (failure.name(), failure.cause()) {
                ("parse", FailureCause::Err(e)) => {
                    assert!(e.to_string().contains("invalid digit"), "{e}")
                }
                ("explode", FailureCause::Panic(payload)) => {
                    assert_eq!(payload.message(), "x is too large: 3")
                }
                other => panic!("unexpected failure {other:?}"),
            }
        }
        assert_eq!(report.count(Status::Failed), 2);
        // `double(parse("x"))` and both `add`s.
        assert_eq!(report.count(Status::Skipped), 3);
        // The independent branch finished: `parse("20")` and its `double`.
        assert_eq!(report.count(Status::Computed), 2);
        assert_eq!(rt.compute(&fine).unwrap(), 40);
    }
}

#[test]
fn retries_run_the_future_again() {
    let rt = Runtime::builder().threads(2).cache(false).build().unwrap();
    assert_eq!(rt.compute(&flaky(41)).unwrap(), 42);
    assert_eq!(FLAKY_RUNS.load(Ordering::SeqCst), 2);
}

#[test]
fn fail_fast_starts_no_queued_async_task() {
    // One async task in flight at a time, started in the order the plan reaches them (the
    // failing one first): the two queued behind it never start, nor does anything downstream.
    let rt = Runtime::builder()
        .threads(2)
        .io_limit(1)
        .fail_fast(true)
        .cache(false)
        .build()
        .unwrap();
    let sum = add(parse("x"), add(parse("1"), parse("2")));
    let (result, report) = rt.try_compute_with_report(&sum);
    assert_eq!(result.unwrap_err().failures().len(), 1);
    let statuses = |name| {
        let mut statuses: Vec<_> = report.by_name(name).map(|n| n.status()).collect();
        statuses.sort_by_key(|s| format!("{s:?}"));
        statuses
    };
    assert_eq!(
        statuses("parse"),
        [Status::Cancelled, Status::Cancelled, Status::Failed]
    );
    assert_eq!(statuses("add"), [Status::Cancelled, Status::Cancelled]);
}
