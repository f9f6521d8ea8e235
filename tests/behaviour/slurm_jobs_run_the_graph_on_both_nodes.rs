//! On Slurm, a graph's tasks run in batch jobs on both virtual nodes of the cluster `.ci/slurm`
//! starts, give the values of a local run, and a worker killed in the middle of a task costs
//! only that task (its job fails, and another job takes the task).

use std::collections::HashSet;

use graphchain::{Runtime, collect, delayed};

use crate::common::processes::{
    kill_self_once, log, log_lines, on_slurm, shared_dir, slurm_lock, slurm_ready,
};
use crate::common::sums::total;
use crate::common::{child_dir, in_child, test_name};

#[delayed]
fn weigh(x: u64) -> u64 {
    let dir = child_dir().unwrap();
    log(&dir, "runs.log", &x.to_string());
    std::thread::sleep(std::time::Duration::from_millis(300));
    // The first worker to run node 5 dies in the middle of it.
    if x == 5 {
        kill_self_once(&dir);
    }
    x * 3 + 1
}

fn graph() -> graphchain::Delayed<u64> {
    total(collect((0..8).map(weigh).collect::<Vec<_>>()))
}

#[test]
fn slurm_jobs_run_the_graph_on_both_nodes() {
    let test = test_name!(slurm_jobs_run_the_graph_on_both_nodes);
    if !in_child() && !slurm_ready(&test) {
        return;
    }
    let _cluster = (!in_child()).then(slurm_lock);
    let Some(dir) = shared_dir(&test) else {
        return;
    };
    let (value, report) = on_slurm(&dir, 2).compute_with_report(&graph()).unwrap();
    let local = Runtime::builder().cache(false).build().unwrap();
    let mut runs = log_lines(&dir, "runs.log");
    runs.sort_by_key(|r| r.parse::<u64>().unwrap());
    assert_eq!(runs, ["0", "1", "2", "3", "4", "5", "5", "6", "7"]);
    let nodes: HashSet<&str> = report
        .nodes()
        .iter()
        .filter(|n| n.name() == "weigh")
        .map(|n| {
            let place = n.ran_on().expect("every weigh ran in a job");
            assert!(place.starts_with("slurm job "), "{place}");
            place
                .split(" on ")
                .nth(1)
                .unwrap()
                .split(',')
                .next()
                .unwrap()
        })
        .collect();
    assert_eq!(nodes, HashSet::from(["n1", "n2"]));
    assert_eq!(value, local.compute(&graph()).unwrap());
}
