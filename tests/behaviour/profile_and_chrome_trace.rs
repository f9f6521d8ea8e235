//! A run's report gives a per-function profile table and a Chrome trace-event timeline (for
//! Perfetto) with one track per worker thread and one slice per node; a `Profiler` keeps the
//! reports of runs, failed ones included.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use graphchain::{Delayed, MemoryStore, Profiler, Runtime, Scheduler, Status, delayed};
use serde_json::Value;

#[delayed(cache = "always")]
fn make(n: u64) -> Vec<u64> {
    (0..n).collect()
}

#[delayed(cache = "never")]
fn total(xs: &[u64]) -> u64 {
    xs.iter().sum()
}

#[delayed(cache = "never")]
fn combine(parts: Vec<u64>) -> u64 {
    parts.iter().sum()
}

#[delayed(cache = "never")]
fn refuse(x: u64) -> Result<u64, String> {
    Err(format!("{x} refused"))
}

fn graph() -> Delayed<u64> {
    combine((0..8).map(|i| total(make(1_000 + i))).collect::<Vec<_>>())
}

#[test]
fn profile_counts_each_function() {
    let rt = Runtime::builder()
        .store(Arc::new(MemoryStore::new()))
        .threads(2)
        .build()
        .unwrap();
    rt.compute(&make(1_000)).unwrap(); // one `make` will load
    let (_, report) = rt.compute_with_report(&graph()).unwrap();
    let profile = report.profile();
    let make = profile.function("make").unwrap();
    assert_eq!((make.calls(), make.computed(), make.loaded()), (8, 7, 1));
    assert!(make.bytes_read() > 0 && make.bytes_written() > make.bytes_read());
    let total = profile.function("total").unwrap();
    assert_eq!(
        (total.calls(), total.computed(), total.bytes_written()),
        (8, 8, 0)
    );
    assert!(profile.function("combine").is_some());
    let table = profile.to_string();
    assert!(table.starts_with("FUNCTION "), "{table}");
    assert_eq!(
        table.lines().count(),
        1 + profile.functions().len(),
        "{table}"
    );
}

#[test]
fn chrome_trace_has_a_slice_per_node_on_its_worker_track() {
    for scheduler in [Scheduler::Parallel, Scheduler::Sequential] {
        let rt = Runtime::builder()
            .cache(false)
            .threads(2)
            .scheduler(scheduler)
            .build()
            .unwrap();
        let (_, report) = rt.compute_with_report(&graph()).unwrap();
        let trace: Value = serde_json::from_str(&report.chrome_trace()).unwrap();
        let events = trace["traceEvents"].as_array().unwrap();

        let tracks: HashMap<u64, String> = events
            .iter()
            .filter(|e| e["ph"] == "M" && e["name"] == "thread_name")
            .map(|e| {
                (
                    e["tid"].as_u64().unwrap(),
                    e["args"]["name"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        let slices: Vec<&Value> = events.iter().filter(|e| e["ph"] == "X").collect();
        assert_eq!(slices.len(), report.nodes().len());

        let mut used = BTreeSet::new();
        for node in report.nodes() {
            let key = node.key().to_string();
            let slice = slices
                .iter()
                .find(|s| s["args"]["key"] == key.as_str())
                .unwrap();
            assert_eq!(slice["name"], node.name());
            assert_eq!(slice["cat"], "computed");
            let tid = slice["tid"].as_u64().unwrap();
            let expected = node.worker().map_or(0, |w| w as u64 + 1);
            assert_eq!(tid, expected);
            assert!(tracks.contains_key(&tid), "every track is named");
            used.insert(tid);
            assert!(node.start() <= node.end());
            assert!(slice["dur"].as_f64().unwrap() >= 0.0);
        }
        assert_eq!(used.len(), tracks.len(), "no track without slices");
        match scheduler {
            Scheduler::Sequential => assert_eq!(tracks[&0], "calling thread"),
            _ => assert!(tracks.keys().all(|&t| (1..=2).contains(&t)), "{tracks:?}"),
        }

        // A node starts only once each of its inputs has ended.
        let by_key: HashMap<_, _> = report.nodes().iter().map(|n| (n.key(), n)).collect();
        for (input, reader) in graph().graph().edges() {
            assert!(by_key[&input].end() <= by_key[&reader].start());
        }
    }
}

#[test]
fn a_profiler_keeps_the_report_of_a_failed_run() {
    let profiler = Arc::new(Profiler::new());
    let rt = Runtime::builder()
        .cache(false)
        .callback(profiler.clone())
        .build()
        .unwrap();
    rt.compute(&graph()).unwrap();
    let bad = combine(vec![total(make(3)), refuse(1)]);
    assert!(rt.compute(&bad).is_err());

    let reports = profiler.reports();
    assert_eq!(reports.len(), 2);
    let failed = profiler.last().unwrap();
    assert_eq!(failed.count(Status::Failed), 1);
    assert_eq!(
        failed.count(Status::Skipped),
        2,
        "collect and combine: {failed}"
    );
    let profile = profiler.profile();
    assert_eq!(profile.function("make").unwrap().calls(), 9);
    assert_eq!(profile.function("refuse").unwrap().failed(), 1);
    profiler.clear();
    assert!(profiler.reports().is_empty());
}
