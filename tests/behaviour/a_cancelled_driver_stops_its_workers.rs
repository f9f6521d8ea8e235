//! Cancelling a run on worker processes ends it at once, with `Error::Cancelled`, and kills the
//! workers in the middle of their tasks.

use std::time::{Duration, Instant};

use graphchain::{Error, collect, delayed};

use crate::common::processes::{log, log_lines, on_processes, shared_dir, wait_for_log};
use crate::common::{child_dir, test_name};

#[delayed]
fn endless(x: u64) -> u64 {
    log(
        &child_dir().unwrap(),
        "pids.log",
        &std::process::id().to_string(),
    );
    std::thread::sleep(Duration::from_secs(120));
    x
}

#[delayed]
fn count(xs: &[u64]) -> usize {
    xs.len()
}

#[test]
fn a_cancelled_driver_stops_its_workers() {
    let Some(dir) = shared_dir(&test_name!(a_cancelled_driver_stops_its_workers)) else {
        return;
    };
    let graph = count(collect((0..4).map(endless).collect::<Vec<_>>()));
    let handle = on_processes(&dir, 2).submit(&graph);
    wait_for_log(&dir, "pids.log", 2);
    let cancelled = Instant::now();
    handle.cancel();
    assert!(matches!(handle.wait(), Err(Error::Cancelled)));
    assert!(cancelled.elapsed() < Duration::from_secs(30));
    for pid in log_lines(&dir, "pids.log") {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        // Gone, or a zombie no one has reaped yet: not running.
        assert!(
            stat.is_empty() || stat.contains(") Z "),
            "worker {pid} still runs: {stat}"
        );
    }
}
