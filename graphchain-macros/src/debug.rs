//! `GRAPHCHAIN_DEBUG_MACRO=<fn name>|*` prints a function's expansion to stderr.

use proc_macro2::TokenStream;

/// The environment variable that selects which expansions to print.
const VAR: &str = "GRAPHCHAIN_DEBUG_MACRO";

/// Prints `expansion` of function `name` when `GRAPHCHAIN_DEBUG_MACRO` asks for it, formatted by
/// `rustfmt` when that is installed.
pub(crate) fn maybe_print(name: &str, expansion: &TokenStream) {
    let Ok(wanted) = std::env::var(VAR) else {
        return;
    };
    if wanted != "*" && wanted != name {
        return;
    }
    let text = expansion.to_string();
    let formatted = rustfmt(&text).unwrap_or(text);
    eprintln!("// {VAR}: expansion of `{name}`\n{formatted}");
}

fn rustfmt(source: &str) -> Option<String> {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new("rustfmt")
        .args(["--edition", "2024", "--emit", "stdout"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    child.stdin.take()?.write_all(source.as_bytes()).ok()?;
    let output = child.wait_with_output().ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).into_owned())
}
