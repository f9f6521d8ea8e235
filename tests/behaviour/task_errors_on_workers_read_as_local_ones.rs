//! A task that fails in a worker process is reported exactly as a local failure (name, key,
//! message, error or panic), and the tasks that do not depend on it still run and are stored.

use graphchain::{Runtime, Status, delayed};

use crate::common::processes::{on_processes, shared_dir};
use crate::common::test_name;

#[delayed]
fn parse(text: &str) -> Result<u64, std::num::ParseIntError> {
    text.parse()
}

#[delayed]
fn explode(x: u64) -> u64 {
    if x == 13 {
        panic!("unlucky {x}");
    }
    x
}

#[delayed]
fn add(a: u64, b: u64, c: u64) -> u64 {
    a + b + c
}

fn graph() -> graphchain::Delayed<u64> {
    add(parse("x12"), explode(13), parse("7"))
}

#[test]
fn task_errors_on_workers_read_as_local_ones() {
    let Some(dir) = shared_dir(&test_name!(task_errors_on_workers_read_as_local_ones)) else {
        return;
    };
    let (remote, report) = on_processes(&dir, 2).try_compute_with_report(&graph());
    let local = Runtime::builder().cache(false).build().unwrap();
    let expected = local.compute(&graph()).unwrap_err();
    let remote = remote.unwrap_err();
    assert_eq!(remote.to_string(), expected.to_string());
    let graphchain::Error::TaskFailed(failures) = &remote else {
        panic!("{remote}")
    };
    let mut causes: Vec<(&str, String)> =
        failures.iter().map(|f| (f.name(), f.to_string())).collect();
    causes.sort();
    assert_eq!(causes.len(), 2);
    assert_eq!(causes[0].0, "explode");
    assert!(causes[0].1.contains("panicked: unlucky 13"), "{causes:?}");
    assert_eq!(causes[1].0, "parse");
    assert!(causes[1].1.contains("failed: invalid digit"), "{causes:?}");
    assert_eq!(report.count(Status::Failed), 2);
    assert_eq!(report.count(Status::Skipped), 1);
    // The task that did not fail ran in a worker and was stored.
    let fine = report
        .nodes()
        .iter()
        .find(|n| n.status() == Status::Computed);
    let fine = fine.expect("parse(\"7\") ran");
    assert!(fine.ran_on().is_some() && fine.stored());
}
