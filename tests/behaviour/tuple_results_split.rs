//! Splitting a lazy tuple (dask's `nout`): one lazy value per element, sharing one computation,
//! and the projections are never stored.

use std::sync::atomic::{AtomicUsize, Ordering};

use graphchain::{Status, compute, delayed};

use crate::common;

static RUNS: AtomicUsize = AtomicUsize::new(0);

#[delayed(cache = "always")]
fn stats(xs: &[f64]) -> (f64, f64, usize) {
    RUNS.fetch_add(1, Ordering::SeqCst);
    let mean = xs.iter().sum::<f64>() / xs.len() as f64;
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / xs.len() as f64;
    (mean, var, xs.len())
}

#[delayed]
fn describe(mean: f64, n: usize) -> String {
    format!("{n} values, mean {mean}")
}

#[test]
fn parts_share_one_computation_and_only_the_tuple_is_stored() {
    let dir = tempfile::tempdir().unwrap();
    let rt = common::cached(dir.path());
    let (mean, var, n) = stats(vec![1.0, 2.0, 3.0, 6.0]).split();
    let text = describe(&mean, &n);
    let (m, v, t) = rt.compute_many((&mean, &var, &text)).unwrap();
    assert_eq!((m, v, t.as_str()), (3.0, 3.5, "4 values, mean 3"));
    assert_eq!(RUNS.load(Ordering::SeqCst), 1, "the tuple is computed once");

    let cache = rt.cache().unwrap();
    let names: Vec<_> = cache
        .entries()
        .unwrap()
        .into_iter()
        .filter_map(|e| e.name)
        .collect();
    assert!(names.iter().all(|n| !n.starts_with("item")), "{names:?}");
    assert!(names.contains(&"stats".to_string()), "{names:?}");

    // Next run: the tuple is loaded and the projections recomputed from it.
    let (_, report) = rt.compute_with_report(&var).unwrap();
    let status = |name: &str| {
        report
            .nodes()
            .iter()
            .find(|r| r.name() == name)
            .map(|r| r.status())
    };
    assert_eq!(status("stats"), Some(Status::Loaded));
    assert_eq!(status("item 1"), Some(Status::Computed));
    assert_eq!(RUNS.load(Ordering::SeqCst), 1);
}

#[test]
fn parts_have_distinct_stable_keys() {
    let (a, b, _) = stats(vec![1.0]).split();
    let (a2, _, _) = stats(vec![1.0]).split();
    assert_eq!(a.key(), a2.key());
    assert_ne!(a.key(), b.key());
    let (x, y) = graphchain::Delayed::value((1u8, 'y')).split();
    assert_eq!(compute!(x, y).unwrap(), (1, 'y'));
}
