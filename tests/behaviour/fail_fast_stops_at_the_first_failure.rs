//! The failure policy: by default a failure stops only its dependents; with `fail_fast(true)`
//! no task starts after the first failure, and the skipped ones are reported as cancelled.

use std::sync::atomic::{AtomicUsize, Ordering};

use graphchain::{Delayed, Error, Runtime, Scheduler, Status, collect, delayed};

static WORK: AtomicUsize = AtomicUsize::new(0);

/// The tests share `WORK`: they take turns.
static TURN: std::sync::Mutex<()> = std::sync::Mutex::new(());

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

/// Ten independent tasks and a failing one, built first or last: the sequential scheduler runs
/// them in a fixed order, so in one of the two the failure comes before some of the work.
fn graph(broken_first: bool) -> Delayed<Vec<u32>> {
    let mut parts: Vec<_> = (1..=10).map(work).collect();
    parts.insert(if broken_first { 0 } else { parts.len() }, broken(0));
    collect(parts)
}

fn run(fail_fast: bool, broken_first: bool) -> (Error, graphchain::Report) {
    WORK.store(0, Ordering::SeqCst);
    let rt = Runtime::builder()
        .scheduler(Scheduler::Sequential)
        .cache(false)
        .fail_fast(fail_fast)
        .build()
        .unwrap();
    let (result, report) = rt.try_compute_with_report(&graph(broken_first));
    (result.unwrap_err(), report)
}

#[test]
fn by_default_every_independent_task_still_runs() {
    let _turn = TURN
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let (error, report) = run(false, true);
    assert_eq!(WORK.load(Ordering::SeqCst), 10);
    assert!(error.to_string().contains("broken"), "{error}");
    assert_eq!(report.count(Status::Computed), 10);
    assert_eq!(report.count(Status::Failed), 1);
    assert_eq!(report.count(Status::Skipped), 1, "the collect node");
    assert_eq!(report.count(Status::Cancelled), 0);
}

#[test]
fn fail_fast_starts_nothing_after_the_first_failure() {
    let _turn = TURN
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut ran_in_some_order = Vec::new();
    for broken_first in [true, false] {
        let (error, report) = run(true, broken_first);
        let ran = WORK.load(Ordering::SeqCst);
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
        ran_in_some_order.push(ran);
    }
    assert!(
        ran_in_some_order.iter().any(|&ran| ran < 10),
        "work ran after the failure in both orders: {ran_in_some_order:?}"
    );
}
