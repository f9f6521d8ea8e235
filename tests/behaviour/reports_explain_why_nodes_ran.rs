//! Every node that runs carries the reason it ran in the report, and `GRAPHCHAIN_EXPLAIN=1`
//! prints those reasons after each run.

use graphchain::{EXPLAIN_ENV, Reason, Report, Runtime, Status, delayed};

use crate::common;

#[delayed(cache = "always")]
fn load(n: u32) -> Vec<u32> {
    (0..n).collect()
}

// One function as two edits leave it: the cache knows a function by module path and name.
#[delayed(cache = "always", name = "double")]
fn double_v1(xs: &[u32]) -> Vec<u32> {
    xs.iter().map(|x| x * 2).collect()
}

#[delayed(cache = "always", name = "double")]
fn double_v2(xs: &[u32]) -> Vec<u32> {
    xs.iter().map(|x| x << 1).collect()
}

#[delayed(cache = "always")]
fn total(xs: &[u32]) -> u64 {
    xs.iter().map(|&x| u64::from(x)).sum()
}

#[delayed(pure = false)]
fn now() -> u64 {
    7
}

#[delayed(cache = "never")]
fn label(total: u64, at: u64) -> String {
    format!("{total}@{at}")
}

fn reason(report: &Report, name: &str) -> Option<Reason> {
    let node = report.by_name(name).next().expect("node in the report");
    node.reason().cloned()
}

#[test]
fn each_node_that_ran_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let rt = Runtime::builder().cache_dir(dir.path()).build().unwrap();

    let (_, report) = rt
        .compute_with_report(&label(total(double_v1(load(10))), now()))
        .unwrap();
    assert_eq!(reason(&report, "load"), Some(Reason::NewFunction));
    assert_eq!(reason(&report, "now"), Some(Reason::Impure));
    assert_eq!(reason(&report, "label"), Some(Reason::NotCached));

    // A literal changed: the function is known, but nothing is stored for the call.
    let (_, report) = rt.compute_with_report(&total(double_v1(load(11)))).unwrap();
    assert_eq!(reason(&report, "load"), Some(Reason::NoEntry));
    let input_changed = |input| Some(Reason::InputChanged { input, slot: 0 });
    assert_eq!(reason(&report, "double"), input_changed("load"));
    assert_eq!(reason(&report, "total"), input_changed("double"));

    // An edit: the function's code changed; the result differs, so its reader reruns too.
    let (_, report) = rt.compute_with_report(&total(double_v2(load(12)))).unwrap();
    assert_eq!(reason(&report, "double"), Some(Reason::CodeChanged));

    // Skipped by request.
    let skipping = Runtime::builder()
        .cache_dir(dir.path())
        .skip_functions(["total"])
        .build()
        .unwrap();
    let (_, report) = skipping
        .compute_with_report(&total(double_v1(load(10))))
        .unwrap();
    assert_eq!(reason(&report, "total"), Some(Reason::SkippedByRequest));
    assert_eq!(
        report.by_name("double").next().unwrap().status(),
        Status::Loaded
    );
    assert_eq!(report.by_name("double").next().unwrap().reason(), None);
}

#[test]
fn unusable_and_pruned_entries_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let rt = Runtime::builder().cache_dir(dir.path()).build().unwrap();
    let path = |key: graphchain::Key| crate::common::entry_path(dir.path(), key);

    let value = total(double_v1(load(20)));
    rt.compute(&value).unwrap();
    std::fs::write(path(value.key()), b"not an entry").unwrap();
    let (_, report) = rt.compute_with_report(&value).unwrap();
    assert!(
        matches!(reason(&report, "total"), Some(Reason::EntryUnusable(_))),
        "{report}"
    );

    // The edit keeps `double`'s values, but the result stored for them was pruned.
    let edited = total(double_v2(load(20)));
    std::fs::remove_file(path(value.key())).unwrap();
    let (_, report) = rt.compute_with_report(&edited).unwrap();
    assert_eq!(reason(&report, "total"), Some(Reason::Evicted), "{report}");
}

/// Runs in the child only, under `GRAPHCHAIN_EXPLAIN=1` (a no-op in the normal run).
#[test]
fn child_runs_a_graph() {
    if !common::in_child() {
        return;
    }
    let rt = Runtime::builder().cache(false).build().unwrap();
    println!("RAN {}", rt.compute(&total(load(4))).unwrap());
}

#[test]
fn explain_env_prints_the_reasons() {
    let (stdout, stderr) = common::child_output(
        common::child(&common::test_name!(child_runs_a_graph)).env(EXPLAIN_ENV, "1"),
    );
    assert!(stdout.contains("RAN 6"), "{stdout}");
    assert!(stderr.contains("why 2 nodes ran:"), "{stderr}");
    let line = stderr
        .lines()
        .find(|l| l.trim_start().starts_with("total"))
        .unwrap_or_else(|| panic!("a line for `total`: {stderr}"));
    assert!(line.contains("never cached"), "{line}");
}
