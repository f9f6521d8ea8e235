//! Without Graphviz on the PATH, saving a rendered picture fails with an error naming `dot`,
//! while `.dot` files are still written. Checked in a child process whose PATH is an empty
//! directory, so the other tests keep theirs.

use std::process::Command;

use graphchain::{Error, delayed};

/// Set in the child: the directory to save into.
const CHILD_ENV: &str = "GRAPHCHAIN_TEST_SAVE_DIR";

#[delayed]
fn answer() -> u32 {
    42
}

#[test]
fn missing_graphviz_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let empty = tempfile::tempdir().unwrap();
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "child_saves_without_graphviz", "--nocapture"])
        .env("PATH", empty.path())
        .env(CHILD_ENV, dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("CHECKED"),
        "the child ran its checks: {stdout}"
    );
    assert!(dir.path().join("graph.dot").exists());
    assert!(!dir.path().join("graph.svg").exists());
}

/// Runs in the child only (a no-op in the normal run of this file).
#[test]
fn child_saves_without_graphviz() {
    let Some(dir) = std::env::var_os(CHILD_ENV) else {
        return;
    };
    let dir = std::path::PathBuf::from(dir);
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
