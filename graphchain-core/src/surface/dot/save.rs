//! Saving a picture: DOT text as it is, other formats rendered by Graphviz's `dot` program.

use std::ffi::OsStr;
use std::io::{self, Write as _};
use std::path::Path;
use std::process::{Command, Stdio};

use super::Dot;
use crate::error::Error;

/// The Graphviz program that lays out and renders DOT.
const GRAPHVIZ: &str = "dot";

/// The formats `save` renders with Graphviz, by file extension.
const RENDERED: [&str; 3] = ["svg", "png", "pdf"];

impl Dot {
    /// Saves the picture in the format its extension names: `.dot` or `.gv` as DOT text, and
    /// `.svg`, `.png` or `.pdf` rendered by Graphviz's `dot` program, which must be installed.
    ///
    /// # Examples
    ///
    /// ```
    /// use graphchain::delayed;
    ///
    /// #[delayed]
    /// fn answer() -> u32 {
    ///     42
    /// }
    ///
    /// let dir = tempfile::tempdir().unwrap();
    /// answer().visualize().save(dir.path().join("graph.dot"))?;
    /// // With Graphviz installed: answer().visualize().save("graph.svg")?;
    /// # Ok::<(), graphchain::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::MissingProgram`] naming `dot` when a rendered format is asked for and Graphviz is
    /// not installed; [`Error::Write`] for an unknown extension, a file that cannot be written, or
    /// Graphviz failing.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<(), Error> {
        let path = path.as_ref();
        let extension = path
            .extension()
            .and_then(OsStr::to_str)
            .map(str::to_ascii_lowercase)
            .unwrap_or_default();
        match extension.as_str() {
            "dot" | "gv" => std::fs::write(path, self.to_string())
                .map_err(|e| Error::write(path, why_not_written(path, &e), e)),
            format if RENDERED.contains(&format) => {
                render(&self.to_string(), format, path, OsStr::new(GRAPHVIZ))
            }
            _ => Err(Error::Write {
                path: path.to_owned(),
                reason: format!(
                    "unknown picture format `{}`: use .dot, .gv, .svg, .png or .pdf",
                    if extension.is_empty() {
                        "(none)".to_owned()
                    } else {
                        format!(".{extension}")
                    }
                ),
                source: None,
            }),
        }
    }
}

/// Why `path` could not be written, in words: the system's own message says what, not where.
fn why_not_written(path: &Path, e: &io::Error) -> &'static str {
    let parent = path.parent().filter(|p| !p.as_os_str().is_empty());
    match e.kind() {
        io::ErrorKind::NotFound if parent.is_some_and(|p| !p.is_dir()) => {
            "its directory does not exist"
        }
        io::ErrorKind::PermissionDenied => "permission denied",
        io::ErrorKind::IsADirectory => "it is a directory",
        io::ErrorKind::StorageFull => "the disk is full",
        _ => "the file cannot be written",
    }
}

/// Renders DOT `text` to `path` in `format` by running `program -T<format> -o <path>`.
pub(super) fn render(text: &str, format: &str, path: &Path, program: &OsStr) -> Result<(), Error> {
    let mut child = Command::new(program)
        .arg(format!("-T{format}"))
        .arg("-o")
        .arg(path)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| match e.kind() {
            io::ErrorKind::NotFound => Error::MissingProgram {
                program: program.to_string_lossy().into_owned(),
                purpose: "Graphviz renders .svg, .png and .pdf pictures; install it, or save as .dot",
            },
            _ => Error::write(path, "Graphviz cannot be started", e),
        })?;
    let mut stdin = child.stdin.take().expect("stdin is piped");
    // Feed the text from another thread while this one collects errors, so that neither pipe
    // can fill up and stall the other.
    let output = std::thread::scope(|scope| {
        let feeder = scope.spawn(move || stdin.write_all(text.as_bytes()));
        let output = child.wait_with_output();
        (feeder.join(), output)
    });
    let output = match output {
        (_, Err(e)) => return Err(Error::write(path, "Graphviz did not finish", e)),
        (fed, Ok(output)) if output.status.success() => {
            return match fed {
                Ok(Ok(())) => Ok(()),
                Ok(Err(e)) => Err(Error::write(path, "Graphviz did not read the picture", e)),
                Err(panic) => std::panic::resume_unwind(panic),
            };
        }
        (_, Ok(output)) => output,
    };
    Err(Error::Write {
        path: path.to_owned(),
        reason: format!(
            "`{} -T{format}` failed ({}): {}",
            program.to_string_lossy(),
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ),
        source: None,
    })
}
