//! Helpers for tests that run real processes: the test binary starts copies of itself that run
//! one named test as a child, on a cache directory passed in the environment.
// Each test binary that includes this module uses only some of its helpers.
#![allow(dead_code)]

use std::ffi::OsString;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, ChildStdout, Command, Stdio};

use graphchain::{Runtime, Scheduler};

/// Set in the children: the cache directory to compute in.
const CHILD_ENV: &str = "GRAPHCHAIN_TEST_CHILD_DIR";

/// Deterministic, incompressible numbers (splitmix64), so entries are as large as the values.
pub(crate) fn noise(seed: u64, len: usize) -> Vec<u64> {
    let mut state = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    (0..len)
        .map(|_| {
            state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        })
        .collect()
}

/// Starts a copy of this test binary running the test `child_test` on the cache `dir`, and waits
/// until it says it is ready; it computes once a line is written to its stdin.
pub(crate) fn spawn_ready_child(
    child_test: &str,
    dir: &Path,
    stderr: Stdio,
) -> (Child, BufReader<ChildStdout>) {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", child_test, "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    while line.trim() != "READY" {
        line.clear();
        assert_ne!(
            stdout.read_line(&mut line).unwrap(),
            0,
            "the child did not get ready"
        );
    }
    (child, stdout)
}

/// In a child: a runtime on the cache directory it was given, returned once the parent says go.
/// `None` when the test binary runs normally, so the child's test is a no-op there.
pub(crate) fn child_runtime() -> Option<Runtime> {
    let dir: OsString = std::env::var_os(CHILD_ENV)?;
    let rt = Runtime::builder()
        .cache_dir(dir)
        .threads(2)
        .build()
        .unwrap();
    // libtest has printed "test … ... " without a newline: start a line of our own.
    println!("\nREADY");
    let mut go = String::new();
    std::io::stdin().lock().read_line(&mut go).unwrap();
    Some(rt)
}

/// A runtime without a cache, on two worker threads, with `scheduler`.
pub(crate) fn uncached(scheduler: Scheduler) -> Runtime {
    Runtime::builder()
        .scheduler(scheduler)
        .threads(2)
        .cache(false)
        .build()
        .unwrap()
}

/// A runtime without a cache for each scheduler: parallel, then sequential.
pub(crate) fn uncached_runtimes() -> [Runtime; 2] {
    [Scheduler::Parallel, Scheduler::Sequential].map(uncached)
}

/// The `Store` methods a test wrapper passes straight to its `inner` store: write this inside
/// `impl Store for Wrapper` and write only the methods the test changes.
#[allow(unused_macros)] // not every test binary wraps a store
macro_rules! forward_store_lookups {
    () => {
        fn contains(&self, key: graphchain::Key) -> std::io::Result<bool> {
            self.inner.contains(key)
        }
        fn remove(&self, key: graphchain::Key) -> std::io::Result<bool> {
            self.inner.remove(key)
        }
        fn list(&self) -> std::io::Result<Vec<graphchain::Key>> {
            self.inner.list()
        }
        fn metadata(&self, key: graphchain::Key) -> std::io::Result<Option<graphchain::StoreMeta>> {
            self.inner.metadata(key)
        }
    };
}
#[allow(unused_imports)]
pub(crate) use forward_store_lookups;
