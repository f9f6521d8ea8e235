//! `RunHandle::cancel` stops a submitted run: tasks under way finish, no other task starts, and
//! the handle gives `Error::Cancelled`; what finished before was stored and is not computed again.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use graphchain::{Error, Runtime, Scheduler, delayed};

static STEPS: AtomicUsize = AtomicUsize::new(0);

#[delayed(cache = "always")]
fn step(previous: u64, _link: u32) -> u64 {
    STEPS.fetch_add(1, Ordering::SeqCst);
    std::thread::sleep(Duration::from_millis(20));
    previous + 1
}

fn chain(links: u32) -> graphchain::Delayed<u64> {
    (1..links).fold(step(0u64, 0), step)
}

#[test]
fn a_cancelled_run_stops_and_keeps_what_it_computed() {
    for scheduler in [Scheduler::Parallel, Scheduler::Sequential] {
        let dir = tempfile::tempdir().unwrap();
        let rt = Runtime::builder()
            .cache_dir(dir.path())
            .scheduler(scheduler)
            .threads(2)
            .build()
            .unwrap();
        let before = STEPS.load(Ordering::SeqCst);
        let handle = rt.submit(&chain(200));
        std::thread::sleep(Duration::from_millis(100));
        handle.cancel();
        assert!(matches!(handle.wait(), Err(Error::Cancelled)));
        let ran = STEPS.load(Ordering::SeqCst) - before;
        assert!(
            (1..100).contains(&ran),
            "{ran} of 200 links ran before the cancel took effect"
        );
        // The links computed before the cancel were stored: only the rest run now.
        let (value, report) = rt.compute_with_report(&chain(200)).unwrap();
        assert_eq!(value, 200);
        assert_eq!(
            report.count(graphchain::Status::Computed) + ran,
            200,
            "{}",
            report.explain()
        );
    }
}
