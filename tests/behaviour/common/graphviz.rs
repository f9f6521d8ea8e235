//! Checking DOT text with a real Graphviz `dot`, when it is installed (CI installs it).

use std::io::Write;
use std::process::{Command, Stdio};

/// Renders `text` to SVG with Graphviz's `dot`; `None` when `dot` is not installed. Panics with
/// `dot`'s complaint when it rejects the text.
pub(crate) fn svg_if_installed(text: &str) -> Option<String> {
    let mut child = match Command::new("dot")
        .arg("-Tsvg")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(child) => child,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
        Err(e) => panic!("cannot start `dot`: {e}"),
    };
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "dot rejected the text: {}\n{text}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(String::from_utf8(out.stdout).unwrap())
}
