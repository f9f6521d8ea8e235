//! `GRAPHCHAIN_THREADS` sets the number of worker threads of a runtime whose builder was not
//! given one; `threads(n)` wins over it, and a value that is not a whole number of at least 1 is
//! a configuration error that names it, returned by `compute()` on the global runtime too.

use graphchain::executor::THREADS_ENV;
use graphchain::{Error, Runtime};

use crate::common;

fn run(value: &str) -> String {
    let mut command = common::child(&common::test_name!(child_reports_its_threads));
    command.env(THREADS_ENV, value);
    common::child_output(&mut command).0
}

#[test]
fn the_environment_sets_the_threads_and_a_bad_value_is_named() {
    let out = run("3");
    assert!(out.contains("THREADS 3 AND 5"), "{out}");
    for bad in ["0", "many", "-2"] {
        let out = run(bad);
        let message = format!(
            "invalid runtime configuration: GRAPHCHAIN_THREADS must be a whole number of threads, at least 1, not `{bad}`"
        );
        assert!(out.contains(&format!("BUILD ERROR {message}")), "{out}");
        // `compute()` on the global runtime gives the same error rather than a panic.
        assert!(out.contains(&format!("COMPUTE ERROR {message}")), "{out}");
    }
}

#[graphchain::delayed(cache = "never")]
fn double(x: u64) -> u64 {
    x * 2
}

/// Runs in the children only (a no-op in the normal run of the test binary).
#[test]
fn child_reports_its_threads() {
    if !common::in_child() {
        return;
    }
    match double(21).compute() {
        Ok(value) => assert_eq!(value, 42),
        Err(e @ Error::Config(_)) => println!("\nCOMPUTE ERROR {e}"),
        Err(e) => panic!("{e}"),
    }
    match Runtime::builder().cache(false).build() {
        Err(e @ Error::Config(_)) => println!("\nBUILD ERROR {e}"),
        Err(e) => panic!("{e}"),
        Ok(rt) => {
            let given = Runtime::builder().cache(false).threads(5).build().unwrap();
            println!("\nTHREADS {} AND {}", rt.threads(), given.threads());
        }
    }
}
