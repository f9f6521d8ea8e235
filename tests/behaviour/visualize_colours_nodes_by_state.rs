//! A runtime's picture colours each node by what a run would do now (load, compute, not
//! needed) without running anything; a report's picture by what the run did, failures included.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use graphchain::{Delayed, MemoryStore, Profiler, Runtime, Status, delayed};

use crate::common::graphviz;

static RUNS: AtomicUsize = AtomicUsize::new(0);

#[delayed(cache = "always")]
fn raw(n: u64) -> Vec<u64> {
    RUNS.fetch_add(1, Ordering::SeqCst);
    (0..n).collect()
}

#[delayed(cache = "always")]
fn clean(xs: &[u64]) -> Vec<u64> {
    RUNS.fetch_add(1, Ordering::SeqCst);
    xs.iter().map(|x| x * 2).collect()
}

#[delayed(cache = "never")]
fn summary(a: &[u64], b: &[u64]) -> u64 {
    a.iter().chain(b).sum()
}

#[delayed(cache = "never")]
fn checked(x: u64) -> Result<u64, String> {
    if x > 100 {
        Err(format!("{x} is too large"))
    } else {
        Ok(x)
    }
}

/// The DOT line of the node with this key.
fn line_of<T>(text: &str, node: &Delayed<T>) -> String {
    let start = format!("  \"{}\" [", node.key());
    text.lines()
        .find(|l| l.starts_with(&start))
        .unwrap_or_else(|| panic!("no line for {}: {text}", node.name()))
        .to_owned()
}

#[test]
fn the_plan_colours_cached_uncached_and_unneeded_nodes() {
    let rt = Runtime::builder()
        .store(Arc::new(MemoryStore::new()))
        .build()
        .unwrap();
    let (cached_input, cached) = (raw(10), clean(raw(10)));
    let uncached = raw(20);
    let top = summary(&cached, &uncached);
    rt.compute(&cached).unwrap();
    let runs = RUNS.load(Ordering::SeqCst);

    let dot = rt.visualize(&top).title("what the next run will do");
    assert_eq!(RUNS.load(Ordering::SeqCst), runs, "picturing runs nothing");
    assert_eq!(dot.status(cached.key()), Some(Status::Loaded));
    assert_eq!(dot.status(cached_input.key()), Some(Status::NotNeeded));
    assert_eq!(dot.status(uncached.key()), Some(Status::Computed));
    assert_eq!(dot.status(top.key()), Some(Status::Computed));

    let text = dot.to_string();
    assert!(line_of(&text, &cached).contains("fillcolor=\"#b2f2bb\""));
    assert!(line_of(&text, &uncached).contains("fillcolor=\"#ffd8a8\""));
    assert!(line_of(&text, &top).contains("fillcolor=\"#ffd8a8\""));
    assert!(line_of(&text, &cached_input).contains("fillcolor=\"#f1f3f5\""));
    for label in ["will load", "will compute", "not needed"] {
        assert!(text.contains(&format!("\"legend: {label}\"")), "{text}");
    }
    assert!(text.contains("label=\"what the next run will do\""));
    if let Some(svg) = graphviz::svg_if_installed(&text) {
        assert!(svg.contains("will load") && svg.contains("what the next run will do"));
    }

    // The picture is the run's own plan: a skip list makes the cached node compute.
    let skipping = Runtime::builder()
        .store(Arc::new(MemoryStore::new()))
        .skip_functions(["clean"])
        .build()
        .unwrap();
    let dot = skipping.visualize(&top);
    assert_eq!(dot.status(cached.key()), Some(Status::Computed));
    assert_eq!(dot.status(cached_input.key()), Some(Status::Computed));

    // After the run, the report colours what happened.
    let (_, report) = rt.compute_with_report(&top).unwrap();
    let ran = report.visualize(&top);
    assert_eq!(ran.status(cached.key()), Some(Status::Loaded));
    assert_eq!(ran.status(cached_input.key()), Some(Status::NotNeeded));
    assert_eq!(ran.status(uncached.key()), Some(Status::Computed));
    let text = ran.to_string();
    assert!(text.contains("\"legend: loaded\"") && !text.contains("will load"));
    graphviz::svg_if_installed(&text);
}

#[test]
fn a_failed_run_shows_where_it_failed() {
    let profiler = Arc::new(Profiler::new());
    let rt = Runtime::builder()
        .cache(false)
        .callback(profiler.clone())
        .build()
        .unwrap();
    let bad = checked(1_000);
    let good = checked(1);
    let top = summary(vec![bad.clone(), good.clone()], raw(3));
    assert!(rt.compute(&top).is_err());
    let dot = profiler.last().unwrap().visualize(&top);
    assert_eq!(dot.status(bad.key()), Some(Status::Failed));
    assert_eq!(dot.status(good.key()), Some(Status::Computed));
    assert_eq!(dot.status(top.key()), Some(Status::Skipped));
    let text = dot.to_string();
    assert!(line_of(&text, &bad).contains("fillcolor=\"#ff8787\""));
    assert!(line_of(&text, &top).contains("dashed"));
    for label in ["failed", "skipped (an input failed)", "computed"] {
        assert!(text.contains(&format!("\"legend: {label}\"")), "{text}");
    }
    graphviz::svg_if_installed(&text);
}
