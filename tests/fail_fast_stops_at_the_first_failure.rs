//! The failure policy: by default a failure stops only its dependents; with `fail_fast(true)`
//! no task starts after the first failure, and the skipped ones are reported as cancelled.

use std::sync::atomic::{AtomicUsize, Ordering};

use graphchain::{Delayed, Error, Runtime, Scheduler, Status, collect, delayed};

static WORK: AtomicUsize = AtomicUsize::new(0);

#[delayed(cache = "never")]
fn work(i: u32) -> u32 {
    WORK.fetch_add(1, Ordering::SeqCst);
    i
}

#[delayed(cache = "never")]
fn broken(i: u32) -> Result<u32, std::fmt::Error> {
    let _ = i;
    Err(std::fmt::Error)
}

/// Ten independent tasks, with a failing one built first.
fn graph() -> Delayed<Vec<u32>> {
    let mut parts = vec![broken(0)];
    parts.extend((1..=10).map(work));
    collect(parts)
}

fn run(fail_fast: bool) -> (Error, graphchain::Report) {
    WORK.store(0, Ordering::SeqCst);
    let rt = Runtime::builder()
        .scheduler(Scheduler::Sequential)
        .cache(false)
        .fail_fast(fail_fast)
        .build()
        .unwrap();
    let (result, report) = rt.try_compute_with_report(&graph());
    (result.unwrap_err(), report)
}

#[test]
fn by_default_every_independent_task_still_runs() {
    let (error, report) = run(false);
    assert_eq!(WORK.load(Ordering::SeqCst), 10);
    assert!(error.to_string().contains("broken"), "{error}");
    assert_eq!(report.count(Status::Computed), 10);
    assert_eq!(report.count(Status::Failed), 1);
    assert_eq!(report.count(Status::Skipped), 1, "the collect node");
    assert_eq!(report.count(Status::Cancelled), 0);
}

#[test]
fn fail_fast_starts_nothing_after_the_first_failure() {
    let (error, report) = run(true);
    let ran = WORK.load(Ordering::SeqCst);
    assert!(ran < 10, "{ran} tasks ran after the failure");
    let Error::TaskFailed(failures) = &error else {
        unreachable!()
    };
    assert_eq!(
        failures.len(),
        1,
        "only the failure is listed, not the cancelled tasks"
    );
    assert_eq!(report.count(Status::Failed), 1);
    assert_eq!(report.count(Status::Computed), ran);
    // The tasks that did not start, and the `collect` node that would have read the failure.
    assert_eq!(report.count(Status::Cancelled), 10 - ran + 1);
}
