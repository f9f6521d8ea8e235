//! Cancelling a run on worker processes ends it at once, with `Error::Cancelled`, and kills the
//! workers in the middle of their tasks.

use std::time::{Duration, Instant};

use graphchain::{Error, collect, delayed};

use crate::common::processes::{log, log_lines, on_processes, shared_dir};
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
    let started = Instant::now();
    while log_lines(&dir, "pids.log").len() < 2 {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no worker started"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    handle.cancel();
    assert!(matches!(handle.wait(), Err(Error::Cancelled)));
    assert!(started.elapsed() < Duration::from_secs(60));
    for pid in log_lines(&dir, "pids.log") {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        // Gone, or a zombie no one has reaped yet: not running.
        assert!(
            stat.is_empty() || stat.contains(") Z "),
            "worker {pid} still runs: {stat}"
        );
    }
}
