//! `delayed_fn!`: functions of other crates and closures become node builders, with an identity
//! from their path or tokens, cached like `#[delayed]` functions.

use graphchain::{Delayed, Runtime, Status, delayed, delayed_fn};

#[delayed]
fn numbers(n: u32) -> Vec<f64> {
    (1..=n).map(f64::from).collect()
}

#[test]
fn paths_into_std_compute_like_direct_calls() {
    let sqrt = delayed_fn!(f64::sqrt);
    let max = delayed_fn!(std::cmp::max::<u64>);
    let root: Delayed<f64> = sqrt.call(81.0);
    let hyp = delayed_fn!(f64::hypot).call((&root, 12.0));
    assert_eq!(hyp.compute().unwrap(), 15.0);
    assert_eq!(max.call((3, 8)).compute().unwrap(), 8);
    assert_eq!(sqrt.name(), "f64::sqrt");
    assert_eq!(root.name(), "f64::sqrt");
}

#[test]
fn closures_borrow_their_reference_parameters() {
    let mean = delayed_fn!(|xs: &[f64]| xs.iter().sum::<f64>() / xs.len() as f64);
    let label = delayed_fn!(|name: &str, n: usize| -> String { format!("{name}={n}") });
    let m = mean.call(numbers(4));
    assert_eq!(m.compute().unwrap(), 2.5);
    assert_eq!(label.call(("n", 3)).compute().unwrap(), "n=3");
}

#[test]
fn try_call_turns_err_into_a_task_failure() {
    let parse = delayed_fn!(|s: &str| s.trim().parse::<i32>(), name = "parse");
    assert_eq!(parse.try_call(" -4 ").compute().unwrap(), -4);
    let error = parse.try_call("four").compute().unwrap_err();
    assert!(error.to_string().contains("parse"), "{error}");
}

#[test]
fn identity_follows_the_tokens_and_options() {
    let a = delayed_fn!(|x: u32| x + 1);
    let same = delayed_fn!(|x: u32| x + 1);
    let other = delayed_fn!(|x: u32| x + 2);
    let bumped = delayed_fn!(|x: u32| x + 1, version = 2);
    assert_eq!(
        a.call(1).key(),
        same.call(1).key(),
        "same tokens, same node"
    );
    assert_ne!(a.call(1).key(), other.call(1).key());
    assert_ne!(a.call(1).key(), bumped.call(1).key());
    assert_ne!(a.call(1).key(), a.call(2).key());
    assert_ne!(
        delayed_fn!(f64::sqrt).call(4.0).key(),
        delayed_fn!(f64::cbrt).call(4.0).key()
    );
    let clock = delayed_fn!(std::time::Instant::now, pure = false);
    assert_ne!(clock.call(()).key(), clock.call(()).key());
}

#[test]
fn wrapped_results_are_stored_and_loaded_like_delayed_ones() {
    let dir = tempfile::tempdir().unwrap();
    let rt = Runtime::builder()
        .cache_dir(dir.path())
        .threads(1)
        .build()
        .unwrap();
    let spread = delayed_fn!(
        |xs: &[f64]| xs.iter().fold(f64::MIN, |a, &b| a.max(b))
            - xs.iter().fold(f64::MAX, |a, &b| a.min(b)),
        cache = "always"
    );
    let never = delayed_fn!(|x: f64| x * 2.0, cache = "never");
    let root = never.call(spread.call(numbers(10)));
    let (value, first) = rt.compute_with_report(&root).unwrap();
    assert_eq!(value, 18.0);
    assert!(first.nodes().iter().all(|n| n.status() == Status::Computed));
    let (value, second) = rt.compute_with_report(&root).unwrap();
    assert_eq!(value, 18.0);
    let status = |name: &str| {
        second
            .nodes()
            .iter()
            .find(|n| n.name() == name)
            .map(|n| n.status())
    };
    assert_eq!(
        status("closure"),
        Some(Status::Loaded),
        "stored with cache = \"always\""
    );
    assert_eq!(status("numbers"), None, "not needed below a loaded node");
}
