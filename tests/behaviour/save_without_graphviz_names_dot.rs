//! Without Graphviz on the PATH, saving a rendered picture fails with an error naming `dot`,
//! while `.dot` files are still written. Checked in a child process whose PATH is an empty
//! directory, so the other tests keep theirs.

use graphchain::{Error, delayed};

use crate::common;

#[delayed]
fn answer() -> u32 {
    42
}

#[test]
fn missing_graphviz_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let empty = tempfile::tempdir().unwrap();
    let (stdout, _) = common::child_output(
        common::child(&common::test_name!(child_saves_without_graphviz))
            .env("PATH", empty.path())
            .env(common::CHILD_DIR_ENV, dir.path()),
    );
    assert!(
        stdout.contains("CHECKED"),
        "the child ran its checks: {stdout}"
    );
    assert!(dir.path().join("graph.dot").exists());
    assert!(!dir.path().join("graph.svg").exists());
}

/// Runs in the child only (a no-op in the normal run of the test binary).
#[test]
fn child_saves_without_graphviz() {
    let Some(dir) = common::child_dir() else {
        return;
    };
    let dot = answer().visualize();
    dot.save(dir.join("graph.dot")).unwrap();
    let err = dot.save(dir.join("graph.svg")).unwrap_err();
    assert!(
        matches!(&err, Error::MissingProgram { program, .. } if program == "dot"),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(message.contains("cannot run `dot`"), "{message}");
    assert!(message.contains("Graphviz"), "{message}");
    println!("\nCHECKED");
}
