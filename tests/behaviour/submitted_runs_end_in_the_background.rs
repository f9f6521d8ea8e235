//! `Runtime::submit` returns at once; the handle gives the value the run computes, polled or
//! waited on, and `as_completed` yields handles in the order their runs end, on every scheduler.

use std::sync::{Mutex, mpsc};
use std::time::Duration;

use graphchain::{Runtime, Scheduler, Status, as_completed, delayed};

use crate::common::uncached_runtimes;

/// Opened by the test: a task that waits for it keeps its run going until then.
static GATE: Mutex<Option<mpsc::Receiver<()>>> = Mutex::new(None);

#[delayed(pure = false)]
fn gate(tag: u32) -> u32 {
    let receiver = GATE.lock().unwrap().take().unwrap();
    receiver.recv().unwrap();
    tag
}

#[delayed]
fn nap(ms: u64, tag: u32) -> u32 {
    std::thread::sleep(Duration::from_millis(ms));
    tag
}

#[delayed]
fn fails(x: u32) -> Result<u32, String> {
    Err(format!("no {x}"))
}

#[test]
fn submit_returns_before_the_run_ends_and_wait_gives_its_value() {
    for rt in uncached_runtimes() {
        let (release, receiver) = mpsc::channel();
        *GATE.lock().unwrap() = Some(receiver);
        let value = gate(1) + 41u32;
        // The run blocks until the gate opens, so `submit` returning proves it did not wait.
        let mut handle = rt.submit(&value);
        std::thread::sleep(Duration::from_millis(20));
        assert!(!handle.is_finished());
        handle = handle.try_result().map(|_| ()).unwrap_err();
        release.send(()).unwrap();
        assert_eq!(handle.wait().unwrap(), 42);
    }
}

#[test]
fn try_result_gives_the_value_once_the_run_ended() {
    for rt in uncached_runtimes() {
        let mut handle = rt.submit(&nap(1, 7));
        let value = loop {
            match handle.try_result() {
                Ok(result) => break result.unwrap(),
                Err(running) => {
                    handle = running;
                    std::thread::sleep(Duration::from_millis(1));
                }
            }
        };
        assert_eq!(value, 7);
    }
}

#[test]
fn as_completed_yields_handles_in_the_order_their_runs_end() {
    // A thread for each run, so that no run waits for another's thread.
    let runtimes = [Scheduler::Parallel, Scheduler::Sequential].map(|s| {
        Runtime::builder()
            .cache(false)
            .scheduler(s)
            .threads(4)
            .build()
            .unwrap()
    });
    for rt in runtimes {
        let handles = vec![
            // A second between the ends: a loaded machine may delay a run by a good part of one.
            rt.submit(&nap(2000, 1)),
            rt.submit(&nap(1, 2)),
            rt.submit(&nap(1000, 3)),
        ];
        let order: Vec<u32> = as_completed(handles).map(|h| h.wait().unwrap()).collect();
        assert_eq!(order, [2, 3, 1]);
    }
}

#[test]
fn a_failed_submitted_run_gives_the_error_compute_gives() {
    for rt in uncached_runtimes() {
        let submitted = rt.submit(&fails(3)).wait().unwrap_err().to_string();
        let computed = rt.compute(&fails(3)).unwrap_err().to_string();
        assert_eq!(submitted, computed);
        assert!(submitted.contains("no 3"), "{submitted}");
        let (_, report) = rt.try_compute_with_report(&fails(3));
        assert_eq!(report.count(Status::Failed), 1);
    }
}
