//! Failures: an `Err` or a panic is reported as that task's failure, with its name and key; the
//! process does not abort and independent work still runs.

use std::sync::atomic::{AtomicUsize, Ordering};

use graphchain::{Error, FailureCause, Runtime, delayed};

static INDEPENDENT_RUNS: AtomicUsize = AtomicUsize::new(0);

#[delayed]
fn parse(text: &str) -> Result<i64, std::num::ParseIntError> {
    text.parse()
}

#[delayed]
fn explode(x: i64) -> i64 {
    if x > 2 {
        panic!("x is too large: {x}");
    }
    x
}

#[delayed]
fn independent(x: i64) -> i64 {
    INDEPENDENT_RUNS.fetch_add(1, Ordering::SeqCst);
    x * 10
}

#[delayed]
fn add(a: i64, b: i64) -> i64 {
    a + b
}

use crate::common::uncached_runtimes as runtimes;

#[test]
fn err_is_reported_with_name_key_and_source() {
    for rt in runtimes() {
        let bad = parse("forty-two");
        let err = rt.compute(&add(&bad, 1)).unwrap_err();
        let Error::TaskFailed(failures) = &err else {
            panic!("unexpected error {err:?}");
        };
        assert_eq!(failures.len(), 1);
        assert_eq!(failures[0].name(), "parse");
        assert_eq!(failures[0].key(), bad.key());
        assert!(matches!(failures[0].cause(), FailureCause::Err(_)));
        let text = err.to_string();
        assert!(text.contains("`parse`"), "{text}");
        assert!(text.contains(&bad.key().short()), "{text}");
        assert!(text.contains("invalid digit"), "{text}");
        assert!(std::error::Error::source(&failures[0]).is_some());
    }
}

#[test]
fn panic_is_caught_and_independent_work_still_runs() {
    for rt in runtimes() {
        let before = INDEPENDENT_RUNS.load(Ordering::SeqCst);
        let boom = explode(5);
        let graph = add(add(&boom, 1), independent(4));
        let err = rt.compute(&graph).unwrap_err();
        let failures = err.failures();
        assert_eq!(failures.len(), 1, "only the panicking task failed: {err}");
        assert_eq!(failures[0].name(), "explode");
        assert!(failures[0].is_panic());
        assert!(err.to_string().contains("x is too large: 5"), "{err}");
        assert_eq!(INDEPENDENT_RUNS.load(Ordering::SeqCst) - before, 1);
    }
}

#[test]
fn every_failed_task_is_listed() {
    let rt = Runtime::builder().threads(2).cache(false).build().unwrap();
    let err = rt
        .compute(&add(parse("x"), explode(9)))
        .unwrap_err()
        .into_failures();
    let mut names: Vec<_> = err.iter().map(|f| f.name()).collect();
    names.sort_unstable();
    assert_eq!(names, ["explode", "parse"]);
}

#[test]
fn a_panic_can_be_re_raised_with_its_payload() {
    let rt = Runtime::builder().threads(1).cache(false).build().unwrap();
    let failure = rt
        .compute(&explode(3))
        .unwrap_err()
        .into_failures()
        .pop()
        .unwrap();
    let payload = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        failure.resume_unwind();
    }))
    .unwrap_err();
    assert_eq!(
        payload.downcast_ref::<String>().map(String::as_str),
        Some("x is too large: 3")
    );
}
