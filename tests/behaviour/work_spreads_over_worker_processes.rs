//! On worker processes, a graph gives the values a local run gives, its tasks run in the
//! workers (the report says which), and already-stored nodes are not sent again.

use std::collections::HashSet;

use graphchain::{Runtime, Status, collect, delayed};

use crate::common::processes::{is_worker, log, log_lines, on_processes, shared_dir};
use crate::common::sums::total;
use crate::common::{child_dir, test_name};

#[delayed]
fn square(x: u64) -> u64 {
    let dir = child_dir().unwrap();
    log(&dir, "squares.log", &format!("{x} {}", std::process::id()));
    std::thread::sleep(std::time::Duration::from_millis(30));
    x * x
}

fn graph() -> graphchain::Delayed<u64> {
    total(collect((0..12).map(square).collect::<Vec<_>>()))
}

#[test]
fn work_spreads_over_worker_processes() {
    let Some(dir) = shared_dir(&test_name!(work_spreads_over_worker_processes)) else {
        return;
    };
    let rt = on_processes(&dir, 2);
    let (value, report) = rt.compute_with_report(&graph()).unwrap();
    assert!(!is_worker(), "a worker's compute never returns");
    let squares: Vec<_> = report
        .nodes()
        .iter()
        .filter(|n| n.name() == "square")
        .collect();
    assert_eq!(squares.len(), 12);
    let places: HashSet<&str> = squares.iter().map(|n| n.ran_on().unwrap()).collect();
    assert_eq!(places.len(), 2, "both workers ran squares: {places:?}");
    let me = format!("pid {} ", std::process::id());
    assert!(places.iter().all(|p| !p.starts_with(&me)), "{places:?}");
    assert!(squares.iter().all(|n| n.status() == Status::Computed));
    // The Chrome trace has a track per worker process, named by where it ran.
    let trace = report.chrome_trace();
    for place in &places {
        assert!(trace.contains(place), "{place} not in {trace}");
    }
    // Each square ran once, in a worker, and none in this process.
    let lines = log_lines(&dir, "squares.log");
    assert_eq!(lines.len(), 12, "{lines:?}");
    assert!(
        !lines
            .iter()
            .any(|l| l.ends_with(&format!(" {}", std::process::id())))
    );
    // Everything is stored now: a second run sends nothing and loads the result.
    let (again, report) = rt.compute_with_report(&graph()).unwrap();
    assert_eq!(again, value);
    assert_eq!(report.count(Status::Computed), 0, "{}", report.explain());
    assert_eq!(log_lines(&dir, "squares.log").len(), 12);
    let local = Runtime::builder().cache(false).build().unwrap();
    assert_eq!(value, local.compute(&graph()).unwrap());
}
