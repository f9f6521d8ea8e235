//! A function whose identity changed (here through `version`, as an edit would change its tokens)
//! and whose result changed recomputes itself and what depends on it; what it depends on is
//! loaded, and nothing else runs. (An edit that leaves the result as it was spares the dependents:
//! see `early_cutoff_spares_dependents.rs`.)

use graphchain::{Delayed, Runtime, Status, delayed};

#[delayed(cache = "always")]
fn load(n: u32) -> Vec<u32> {
    (0..n).collect()
}

mod before {
    use graphchain::delayed;
    #[delayed(cache = "always")]
    pub(crate) fn clean(xs: &[u32]) -> Vec<u32> {
        xs.iter().map(|x| x * 2).collect()
    }
}

mod after {
    use graphchain::delayed;
    // The same function, edited.
    #[delayed(cache = "always", version = 2)]
    pub(crate) fn clean(xs: &[u32]) -> Vec<u32> {
        xs.iter().map(|x| x * 3).collect()
    }
}

#[delayed(cache = "always")]
fn summarize(xs: &[u32]) -> u64 {
    xs.iter().map(|&x| u64::from(x)).sum()
}

#[delayed(cache = "always")]
fn side(n: u32) -> u32 {
    n + 1
}

#[delayed(cache = "always")]
fn report(total: u64, side: u32) -> String {
    format!("{total}/{side}")
}

fn statuses(report: &graphchain::Report) -> Vec<(&'static str, Status)> {
    let mut v: Vec<_> = report
        .nodes()
        .iter()
        .map(|n| (n.name(), n.status()))
        .collect();
    v.sort();
    v
}

#[test]
fn edited_function_recomputes_only_downstream() {
    let dir = tempfile::tempdir().unwrap();
    let rt = Runtime::builder().cache_dir(dir.path()).build().unwrap();
    let build = |clean: fn(Delayed<Vec<u32>>) -> Delayed<Vec<u32>>| {
        report(summarize(clean(load(1000))), side(1))
    };
    let first = build(before::clean);
    let second = build(after::clean);
    assert_ne!(first.key(), second.key());

    assert_eq!(rt.compute(&first).unwrap(), "999000/2");
    let (value, report) = rt.compute_with_report(&second).unwrap();
    assert_eq!(value, "1498500/2");
    assert_eq!(
        statuses(&report),
        vec![
            ("clean", Status::Computed),
            ("load", Status::Loaded),
            ("report", Status::Computed),
            ("side", Status::Loaded),
            ("summarize", Status::Computed),
        ]
    );
}
