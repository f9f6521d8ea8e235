//! A worker process killed with `kill -9` in the middle of a task costs that task only: it runs
//! again on another worker, nothing else runs twice, and the values are those of a local run.

use graphchain::{Runtime, collect, delayed};

use crate::common::processes::{kill_self_once, log, log_lines, on_processes, shared_dir};
use crate::common::sums::total;
use crate::common::{child_dir, test_name};

#[delayed]
fn fragile(x: u64) -> u64 {
    let dir = child_dir().unwrap();
    log(&dir, "runs.log", &x.to_string());
    // The first worker to run node 3 dies in the middle of it.
    if x == 3 {
        kill_self_once(&dir);
    }
    x + 100
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
