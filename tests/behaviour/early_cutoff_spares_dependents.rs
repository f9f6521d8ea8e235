//! Early cutoff: when an edited step recomputes to byte-for-byte the value it had, the steps
//! that depend on it are found again through the content of their inputs and loaded, not run;
//! when the value changes, they run.

use std::sync::atomic::{AtomicUsize, Ordering};

use graphchain::{Delayed, Reason, Runtime, Status, delayed};

use crate::common::status;

static SCALED: AtomicUsize = AtomicUsize::new(0);
static SUMMED: AtomicUsize = AtomicUsize::new(0);

#[delayed(cache = "always")]
fn load(n: u32) -> Vec<u32> {
    (0..n).collect()
}

// Three versions of one step, as successive edits would leave it: one name in one module, as
// the cache's records know a function by its module path and name.
#[delayed(cache = "always", name = "clean")]
fn clean_v1(xs: &[u32]) -> Vec<u32> {
    xs.iter().map(|x| x * 2).collect()
}

// Rewritten, same values.
#[delayed(cache = "always", name = "clean")]
fn clean_v2(xs: &[u32]) -> Vec<u32> {
    xs.iter().map(|x| x + x).collect()
}

// Other values.
#[delayed(cache = "always", name = "clean")]
fn clean_v3(xs: &[u32]) -> Vec<u32> {
    xs.iter().map(|x| x * 3).collect()
}

#[delayed(cache = "always")]
fn scale(xs: &[u32], by: u64) -> Vec<u64> {
    SCALED.fetch_add(1, Ordering::SeqCst);
    xs.iter().map(|&x| u64::from(x) * by).collect()
}

#[delayed(cache = "always")]
fn total(xs: &[u64]) -> u64 {
    SUMMED.fetch_add(1, Ordering::SeqCst);
    xs.iter().sum()
}

fn pipeline(clean: fn(Delayed<Vec<u32>>) -> Delayed<Vec<u32>>) -> Delayed<u64> {
    total(scale(clean(load(100)), 10))
}

fn runs() -> (usize, usize) {
    (SCALED.load(Ordering::SeqCst), SUMMED.load(Ordering::SeqCst))
}

#[test]
fn early_cutoff_spares_dependents() {
    let dir = tempfile::tempdir().unwrap();
    let rt = Runtime::builder().cache_dir(dir.path()).build().unwrap();

    assert_eq!(rt.compute(&pipeline(clean_v1)).unwrap(), 99_000);
    assert_eq!(runs(), (1, 1));

    // The edit keeps the values: only `clean` runs; both steps after it are loaded.
    let (value, report) = rt.compute_with_report(&pipeline(clean_v2)).unwrap();
    assert_eq!(value, 99_000);
    assert_eq!(runs(), (1, 1), "{report}");
    assert_eq!(status(&report, "clean").0, Status::Computed);
    let cut = (Status::Loaded, Some(Reason::InputsUnchanged));
    assert_eq!(status(&report, "scale"), cut);
    assert_eq!(status(&report, "total"), cut);

    // They were stored again under their new keys: the next run loads the result alone.
    let (_, report) = rt.compute_with_report(&pipeline(clean_v2)).unwrap();
    assert_eq!(report.nodes().len(), 1);
    assert_eq!(report.count(Status::Loaded), 1);

    // An edit that changes the values reruns everything after it, and says why.
    let (value, report) = rt.compute_with_report(&pipeline(clean_v3)).unwrap();
    assert_eq!(value, 148_500);
    assert_eq!(runs(), (2, 2));
    assert_eq!(
        status(&report, "scale"),
        (
            Status::Computed,
            Some(Reason::InputChanged {
                input: "clean",
                slot: 0
            })
        )
    );
    assert_eq!(status(&report, "clean").1, Some(Reason::CodeChanged));

    // Going back to the first version finds every result of the first run again.
    let (value, report) = rt.compute_with_report(&pipeline(clean_v1)).unwrap();
    assert_eq!(value, 99_000);
    assert_eq!(report.count(Status::Computed), 0, "{report}");
}
