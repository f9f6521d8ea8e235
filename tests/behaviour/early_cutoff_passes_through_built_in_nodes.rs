//! Early cutoff through built-in nodes: `collect`, operators and the projections of `split` are
//! never stored, but they pass their inputs' content through, so that when a step is
//! recomputed to the value it had (a file touched, not changed), the steps after them are found
//! again through the content of their inputs and loaded, not run; when a value does change,
//! they run.

use std::sync::atomic::{AtomicUsize, Ordering};

use graphchain::{Delayed, Reason, Runtime, Status, collect, delayed};

use crate::common::{status, status_of};

static COMBINED: AtomicUsize = AtomicUsize::new(0);
static GRADED: AtomicUsize = AtomicUsize::new(0);

/// The rows of one file: `stamp` stands for its modification time, which touching the file
/// changes and which is part of the key, but not of the rows.
#[delayed(cache = "always")]
fn read(first: u32, stamp: u64) -> Vec<u32> {
    let _ = stamp;
    (first..first + 10).collect()
}

#[delayed(cache = "always")]
fn clean(rows: &[u32]) -> Vec<u32> {
    rows.iter().map(|r| r * 2).collect()
}

#[delayed(cache = "always")]
fn combine(parts: Vec<Vec<u32>>) -> u64 {
    COMBINED.fetch_add(1, Ordering::SeqCst);
    parts.iter().flatten().map(|&x| u64::from(x)).sum()
}

#[delayed(cache = "always")]
fn spread(xs: &[u32]) -> (f64, f64) {
    let lo = xs.iter().min().copied().unwrap_or(0);
    let hi = xs.iter().max().copied().unwrap_or(0);
    (f64::from(lo), f64::from(hi))
}

#[delayed(cache = "always")]
fn grade(score: f64) -> String {
    GRADED.fetch_add(1, Ordering::SeqCst);
    format!("{score:.1}")
}

/// Three files cleaned and combined through a `collect`; the second one is read with `stamp`.
fn fan_in(second: u32, stamp: u64) -> Delayed<u64> {
    let parts = [(0, 0), (second, stamp), (20, 0)]
        .into_iter()
        .map(|(first, stamp)| clean(read(first, stamp)))
        .collect();
    combine(collect(parts))
}

/// One file, split into two figures, joined by operators, and graded.
fn chain(first: u32, stamp: u64) -> Delayed<String> {
    let (lo, hi) = spread(clean(read(first, stamp))).split();
    grade(lo * 2.0 + hi)
}

fn ran(counter: &AtomicUsize) -> usize {
    counter.load(Ordering::SeqCst)
}

const CUT: (Status, Option<Reason>) = (Status::Loaded, Some(Reason::InputsUnchanged));

#[test]
fn a_touched_input_is_cut_off_after_a_collect() {
    let dir = tempfile::tempdir().unwrap();
    let rt = Runtime::builder().cache_dir(dir.path()).build().unwrap();
    let before = ran(&COMBINED);
    assert_eq!(rt.compute(&fan_in(10, 1)).unwrap(), 870);
    assert_eq!(ran(&COMBINED), before + 1);

    // Touched: `read` runs again (its key changed) and gives the same rows, so `clean` is
    // found through them, the `collect` passes their content on, and `combine` is loaded.
    let (value, report) = rt.compute_with_report(&fan_in(10, 2)).unwrap();
    assert_eq!(value, 870);
    assert_eq!(ran(&COMBINED), before + 1, "{report}");
    assert_eq!(status_of(&report, &read(10, 2)).0, Status::Computed);
    assert_eq!(status_of(&report, &clean(read(10, 2))), CUT);
    assert_eq!(status(&report, "collect").0, Status::Computed);
    assert_eq!(status(&report, "combine"), CUT, "{report}");

    // Changed rows: the new content goes through the `collect`, and `combine` runs.
    let (value, report) = rt.compute_with_report(&fan_in(11, 3)).unwrap();
    assert_eq!(value, 890);
    assert_eq!(ran(&COMBINED), before + 2, "{report}");
    let changed = Reason::InputChanged {
        input: "collect",
        slot: 0,
    };
    assert_eq!(
        status(&report, "combine"),
        (Status::Computed, Some(changed))
    );
}

#[test]
fn a_touched_input_is_cut_off_after_operators_and_split() {
    let dir = tempfile::tempdir().unwrap();
    let rt = Runtime::builder().cache_dir(dir.path()).build().unwrap();
    let before = ran(&GRADED);
    assert_eq!(rt.compute(&chain(100, 1)).unwrap(), "618.0");
    assert_eq!(ran(&GRADED), before + 1);

    let (value, report) = rt.compute_with_report(&chain(100, 2)).unwrap();
    assert_eq!(value, "618.0");
    assert_eq!(ran(&GRADED), before + 1, "{report}");
    assert_eq!(status(&report, "spread"), CUT);
    for built_in in ["item 0", "mul", "item 1", "add"] {
        assert_eq!(status(&report, built_in).0, Status::Computed, "{built_in}");
    }
    assert_eq!(status(&report, "grade"), CUT, "{report}");

    let (value, report) = rt.compute_with_report(&chain(101, 3)).unwrap();
    assert_eq!(value, "624.0");
    assert_eq!(ran(&GRADED), before + 2, "{report}");
    assert_eq!(status(&report, "grade").0, Status::Computed);
}
