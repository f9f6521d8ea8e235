//! `GRAPHCHAIN_PROGRESS=1` (or `true`, `on`, `yes`) draws the progress bar on stderr even when it
//! is not a terminal (as plain lines), `0` never draws it, and without the variable a stderr
//! that is not a terminal gets none; a value that is neither is named on stderr and ignored. Each case runs in a child process with its own environment and a piped stderr.

use graphchain::{PROGRESS_ENV, Runtime, delayed};

use crate::common;

#[delayed(cache = "never")]
fn step(x: u64) -> u64 {
    x + 1
}

/// Runs the child test with `GRAPHCHAIN_PROGRESS` set to `value` (or unset), returning its stderr.
fn child_stderr(value: Option<&str>) -> String {
    let mut command = common::child(&common::test_name!(child_runs_a_graph));
    match value {
        Some(v) => command.env(PROGRESS_ENV, v),
        None => command.env_remove(PROGRESS_ENV),
    };
    let (stdout, stderr) = common::child_output(&mut command);
    assert!(
        stdout.contains("RAN 4"),
        "the child ran its graph: {stdout}"
    );
    stderr
}

#[test]
fn forced_on_shows_counts_on_a_piped_stderr() {
    for value in ["1", "true", "On"] {
        let stderr = child_stderr(Some(value));
        let last = stderr
            .lines()
            .rfind(|l| l.contains("computed"))
            .unwrap_or_else(|| panic!("{value}: a progress line: {stderr:?}"));
        assert!(last.contains("3/3 3 computed, 0 loaded"), "{value}: {last}");
        assert!(
            !stderr.contains('\u{1b}'),
            "no escape codes off a terminal: {stderr:?}"
        );
    }
}

#[test]
fn a_value_that_is_no_switch_is_named_and_ignored() {
    let stderr = child_stderr(Some("sometimes"));
    assert!(!stderr.contains("computed"), "{stderr:?}");
    assert_eq!(
        stderr.matches("GRAPHCHAIN_PROGRESS must be 1 or 0").count(),
        1,
        "named once: {stderr:?}"
    );
    assert!(stderr.contains("`sometimes`"), "{stderr:?}");
}

#[test]
fn forced_off_or_unset_shows_nothing_on_a_piped_stderr() {
    for value in [Some("0"), None] {
        let stderr = child_stderr(value);
        assert!(!stderr.contains("computed"), "{value:?}: {stderr:?}");
    }
}

/// Runs in the children only (a no-op in the normal run of the test binary).
#[test]
fn child_runs_a_graph() {
    if !common::in_child() {
        return;
    }
    let rt = Runtime::builder().cache(false).threads(2).build().unwrap();
    rt.compute(&step(step(step(1)))).unwrap();
    println!("\nRAN {}", rt.compute(&step(step(step(1)))).unwrap());
}
