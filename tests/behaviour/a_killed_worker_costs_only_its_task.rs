//! A worker process killed with `kill -9` in the middle of a task costs that task only: it runs
//! again on another worker, nothing else runs twice, and the values are those of a local run.

use graphchain::{Runtime, collect, delayed};

use crate::common::processes::{log, log_lines, on_processes, shared_dir};
use crate::common::{child_dir, test_name};

#[delayed]
fn fragile(x: u64) -> u64 {
    let dir = child_dir().unwrap();
    log(&dir, "runs.log", &x.to_string());
    // The first worker to run node 3 dies in the middle of it.
    if x == 3 && std::fs::create_dir(dir.join("killed-once")).is_ok() {
        let pid = std::process::id().to_string();
        std::process::Command::new("kill")
            .args(["-9", &pid])
            .status()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_secs(60));
    }
    x + 100
}

#[delayed]
fn total(xs: &[u64]) -> u64 {
    xs.iter().sum()
}

fn graph() -> graphchain::Delayed<u64> {
    total(collect((0..8).map(fragile).collect::<Vec<_>>()))
}

#[test]
fn a_killed_worker_costs_only_its_task() {
    let Some(dir) = shared_dir(&test_name!(a_killed_worker_costs_only_its_task)) else {
        return;
    };
    let value = on_processes(&dir, 2).compute(&graph()).unwrap();
    let mut runs = log_lines(&dir, "runs.log");
    runs.sort_by_key(|r| r.parse::<u64>().unwrap());
    assert_eq!(runs, ["0", "1", "2", "3", "3", "4", "5", "6", "7"]);
    let local = Runtime::builder().cache(false).build().unwrap();
    assert_eq!(value, local.compute(&graph()).unwrap());
}
