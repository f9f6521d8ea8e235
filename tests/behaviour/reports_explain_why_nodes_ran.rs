//! Every node that runs carries the reason it ran in the report, and `GRAPHCHAIN_EXPLAIN=1` (or
//! `true`, `on`, `yes`) prints those reasons after each run.

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

/// Spins for `ms` milliseconds: at 0, cache-if-faster never stores it; at 50, it does.
#[delayed]
fn weigh(xs: &[u32], ms: u64) -> u64 {
    let start = std::time::Instant::now();
    while start.elapsed() < std::time::Duration::from_millis(ms) {
        std::hint::spin_loop();
    }
    xs.len() as u64
}

/// Cheap enough that cache-if-faster never stores any of its results.
#[delayed]
fn count(xs: &[u32]) -> u64 {
    xs.len() as u64
}

// Rewritten, same values.
#[delayed(name = "count")]
fn count_v2(xs: &[u32]) -> u64 {
    xs.iter().map(|_| 1).sum()
}

/// Made again on every run, in no time: what reads it costs no more to recompute.
#[delayed(cache = "never")]
fn rows(n: u32) -> Vec<u32> {
    (0..n).collect()
}

#[delayed(cache = "always")]
fn describe(rows: u64) -> String {
    format!("{rows} rows")
}

#[delayed(cache = "always")]
fn summary(light: u64, heavy: u64, rows: u64) -> String {
    format!("{light} {heavy} {rows}")
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

#[test]
fn results_that_are_never_stored_say_so() {
    let dir = tempfile::tempdir().unwrap();
    let rt = Runtime::builder().cache_dir(dir.path()).build().unwrap();
    let graphs = |double: fn(_) -> _| {
        let doubled = double(rows(30));
        let summed = summary(weigh(&doubled, 0), weigh(&doubled, 50), count(&doubled));
        (summed, describe(count(&doubled)), weigh(doubled, 0).key())
    };
    let (summed, described, light) = graphs(double_v1);
    let (_, report) = rt.compute_with_report(&summed).unwrap();
    let stored = |key| report.nodes().iter().any(|n| n.key() == key && n.stored());
    assert!(!stored(light), "{report}");
    assert_eq!(reason(&report, "count"), Some(Reason::NewFunction));
    rt.compute(&described).unwrap();

    // An edit of `double` that keeps its values. The light `weigh` and `count` run again, as
    // they are never stored, and say so; the heavy `weigh` is found through its input.
    let (summed, described, light) = graphs(double_v2);
    let (_, report) = rt.compute_with_report(&summed).unwrap();
    let light = report.nodes().iter().find(|n| n.key() == light).unwrap();
    assert_eq!(light.reason(), Some(&Reason::NotStored), "{report}");
    assert_eq!(reason(&report, "count"), Some(Reason::NotStored));
    // No run recorded the light `weigh`'s value, of a function whose other results are stored:
    // `summary` cannot tell whether it changed.
    let input = Reason::InputNotStored {
        input: "weigh",
        slot: 0,
    };
    assert_eq!(reason(&report, "summary"), Some(input), "{report}");
    let explained = report.explain().to_string();
    assert!(
        explained.contains("never stored: cache-if-faster"),
        "{explained}"
    );
    assert!(
        explained.contains("input 0 (`weigh`) was recomputed and is never stored"),
        "{explained}"
    );

    // `count`, whose results are all left out, passes its input's content on: `describe` is
    // found through it.
    let (_, report) = rt.compute_with_report(&described).unwrap();
    assert_eq!(reason(&report, "count"), Some(Reason::NotStored));
    let describe = report.by_name("describe").next().unwrap();
    assert_eq!(describe.status(), Status::Loaded, "{report}");
    assert_eq!(describe.reason(), Some(&Reason::InputsUnchanged));
}

#[test]
fn a_reader_of_an_edited_step_that_is_never_stored_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let rt = Runtime::builder().cache_dir(dir.path()).build().unwrap();
    rt.compute(&describe(count(rows(30)))).unwrap();

    // `count` is edited and keeps its values, but no earlier run recorded them (it is never
    // stored): `describe` cannot tell, and says that rather than that the value changed.
    let (_, report) = rt
        .compute_with_report(&describe(count_v2(rows(30))))
        .unwrap();
    assert_eq!(reason(&report, "count"), Some(Reason::CodeChanged));
    let input = Reason::InputNotStored {
        input: "count",
        slot: 0,
    };
    assert_eq!(reason(&report, "describe"), Some(input), "{report}");
    let explained = report.explain().to_string();
    assert!(
        explained.contains("input 0 (`count`) was recomputed and is never stored"),
        "{explained}"
    );
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
    for value in ["1", "true", "yes"] {
        let (stdout, stderr) = common::child_output(
            common::child(&common::test_name!(child_runs_a_graph)).env(EXPLAIN_ENV, value),
        );
        assert!(stdout.contains("RAN 6"), "{stdout}");
        assert!(stderr.contains("why 2 nodes ran:"), "{value}: {stderr}");
        let line = stderr
            .lines()
            .find(|l| l.trim_start().starts_with("total"))
            .unwrap_or_else(|| panic!("a line for `total`: {stderr}"));
        assert!(line.contains("never cached"), "{line}");
    }
    for (value, named) in [("0", false), ("off", false), ("2", true)] {
        let (_, stderr) = common::child_output(
            common::child(&common::test_name!(child_runs_a_graph)).env(EXPLAIN_ENV, value),
        );
        assert!(!stderr.contains("nodes ran"), "{value}: {stderr}");
        assert_eq!(
            stderr.contains("GRAPHCHAIN_EXPLAIN must be 1 or 0"),
            named,
            "{value}: {stderr}"
        );
    }
}
