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
    // One write of the whole line: processes append to the same log at once, and a line
    // written in pieces could interleave with another's.
    file.write_all(format!("{line}\n").as_bytes()).unwrap();
}

/// The lines of the log `name` in `dir`.
pub(crate) fn log_lines(dir: &std::path::Path, name: &str) -> Vec<String> {
    std::fs::read_to_string(dir.join(name))
        .unwrap_or_default()
        .lines()
        .map(str::to_owned)
        .collect()
}

/// Set by `.ci/run`: a test that needs Slurm fails without it instead of skipping.
const REQUIRE_SLURM_ENV: &str = "GRAPHCHAIN_REQUIRE_SLURM";

/// Whether a Slurm cluster answers here with at least two nodes up (`.ci/slurm start` makes
/// one). Without it, says `SKIP:` on stderr where the test harness does not hide it, and
/// returns `false`; with `GRAPHCHAIN_REQUIRE_SLURM=1`, fails instead.
pub(crate) fn slurm_ready(test: &str) -> bool {
    let nodes = std::process::Command::new("sinfo")
        .args(["--noheader", "--Node", "--format=%N %T"])
        .output();
    let up = match &nodes {
        Ok(out) if out.status.success() => String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter(|l| !l.contains("down") && !l.contains("drain"))
            .count(),
        _ => 0,
    };
    if up >= 2 {
        return true;
    }
    let why = match nodes {
        Err(e) => format!("cannot run sinfo: {e}"),
        Ok(out) => format!(
            "sinfo shows {up} node(s) up: {}{}",
            String::from_utf8_lossy(&out.stdout).trim(),
            String::from_utf8_lossy(&out.stderr).trim()
        ),
    };
    assert!(
        std::env::var_os(REQUIRE_SLURM_ENV).is_none_or(|v| v != "1"),
        "{test} needs Slurm ({REQUIRE_SLURM_ENV}=1), but {why}; start it with `.ci/slurm start`"
    );
    use std::io::Write;
    // Straight to the process's stderr: libtest captures only the print macros.
    let _ = writeln!(
        std::io::stderr(),
        "SKIP: {test}: no Slurm cluster ({why}); `.ci/slurm start` starts one"
    );
    false
}

/// A runtime on `jobs` Slurm jobs, caching in `dir`.
pub(crate) fn on_slurm(dir: &std::path::Path, jobs: usize) -> Runtime {
    Runtime::builder()
        .cache_dir(dir)
        .executor(Executor::slurm(jobs))
        .threads(1)
        .build()
        .unwrap()
}

/// Kills this process with `kill -9` the first time it is called for `dir` in any process
/// sharing it: a worker dying in the middle of a task.
pub(crate) fn kill_self_once(dir: &std::path::Path) {
    if std::fs::create_dir(dir.join("killed-once")).is_ok() {
        let pid = std::process::id().to_string();
        std::process::Command::new("kill")
            .args(["-9", &pid])
            .status()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_secs(60));
        unreachable!("kill -9 ended this process");
    }
}

/// Waits until the log `name` in `dir` has `lines` lines (tasks started in workers, say);
/// fails after a minute.
pub(crate) fn wait_for_log(dir: &std::path::Path, name: &str, lines: usize) {
    let started = std::time::Instant::now();
    while log_lines(dir, name).len() < lines {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(60),
            "{name} has fewer than {lines} lines after a minute"
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}

/// Held by a test's parent process while its child uses the Slurm cluster: the tests of this
/// binary run side by side, and a test that checks where jobs ran needs both nodes free.
pub(crate) fn slurm_lock() -> std::sync::MutexGuard<'static, ()> {
    static CLUSTER: std::sync::Mutex<()> = std::sync::Mutex::new(());
    CLUSTER.lock().unwrap_or_else(|e| e.into_inner())
}
