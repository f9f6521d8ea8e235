//! Cancelling a run on Slurm ends it with `Error::Cancelled` and cancels its jobs: none is left
//! pending or running.

use std::time::{Duration, Instant};

use graphchain::{Error, collect, delayed};

use crate::common::processes::{log, on_slurm, shared_dir, slurm_lock, slurm_ready, wait_for_log};
use crate::common::sums::total;
use crate::common::{child_dir, in_child, test_name};

#[delayed]
fn endless(x: u64) -> u64 {
    log(&child_dir().unwrap(), "started.log", &x.to_string());
    std::thread::sleep(Duration::from_secs(120));
    x
}

/// The jobs of this process's first run on Slurm that are still pending or running.
fn live_jobs() -> String {
    let name = format!("graphchain-{}-0", std::process::id());
    let out = std::process::Command::new("squeue")
        .args(["--noheader", "--name", &name, "--states=PENDING,RUNNING"])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

#[test]
fn a_cancelled_slurm_run_cancels_its_jobs() {
    let test = test_name!(a_cancelled_slurm_run_cancels_its_jobs);
    if !in_child() && !slurm_ready(&test) {
        return;
    }
    let _cluster = (!in_child()).then(slurm_lock);
    let Some(dir) = shared_dir(&test) else {
        return;
    };
    let graph = total(collect((0..4).map(endless).collect::<Vec<_>>()));
    let handle = on_slurm(&dir, 2).submit(&graph);
    wait_for_log(&dir, "started.log", 2);
    let started = Instant::now();
    assert!(!live_jobs().is_empty());
    handle.cancel();
    assert!(matches!(handle.wait(), Err(Error::Cancelled)));
    // `scancel` returns before the jobs are gone.
    while !live_jobs().is_empty() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "jobs left: {}",
            live_jobs()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}
