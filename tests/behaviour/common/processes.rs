//! Tests on worker processes: the test runs in a child with a cache directory of its own, and
//! the workers that child starts are copies of it, running the same test up to its run.

use std::path::PathBuf;

use graphchain::{Executor, Runtime};

use super::{CHILD_DIR_ENV, child, child_dir, child_output};

/// In the child (the driver, or one of its workers): the cache directory the processes share.
/// In the normal run of the test binary: runs `test` (named by `test_name!`) in such a child,
/// checks that it passed, and returns `None`.
pub(crate) fn shared_dir(test: &str) -> Option<PathBuf> {
    if let Some(dir) = child_dir() {
        return Some(dir);
    }
    let dir = tempfile::tempdir().unwrap();
    child_output(child(test).env(CHILD_DIR_ENV, dir.path()));
    None
}

/// A runtime on `workers` worker processes, caching in `dir`.
pub(crate) fn on_processes(dir: &std::path::Path, workers: usize) -> Runtime {
    Runtime::builder()
        .cache_dir(dir)
        .executor(Executor::processes(workers))
        .threads(1)
        .build()
        .unwrap()
}

/// Whether this process is a worker started by a driver.
pub(crate) fn is_worker() -> bool {
    std::env::var_os(graphchain::WORKER_ENV).is_some()
}

/// Appends `line` to the log `name` in `dir`: how tests count what ran in which process.
pub(crate) fn log(dir: &std::path::Path, name: &str, line: &str) {
    use std::io::Write;
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join(name))
        .unwrap();
    writeln!(file, "{line}").unwrap();
}

/// The lines of the log `name` in `dir`.
pub(crate) fn log_lines(dir: &std::path::Path, name: &str) -> Vec<String> {
    std::fs::read_to_string(dir.join(name))
        .unwrap_or_default()
        .lines()
        .map(str::to_owned)
        .collect()
}
