//! Helpers shared by the tests: runtimes without a cache, store wrappers, deterministic data,
//! Graphviz checks (`graphviz`), and child processes. For the tests that need a process of their
//! own, the test binary starts copies of itself that each run one named test as a child, with
//! the environment or the cache directory the parent gives it.

pub(crate) mod asked;
pub(crate) mod graphviz;
pub(crate) mod processes;
#[cfg(feature = "remote")]
pub(crate) mod s3;
pub(crate) mod sums;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};

use graphchain::{BoxError, Codec, Delayed, Reason, Report, Runtime, Scheduler, Status};

/// Set in every child this test binary starts: the name of the one test it runs.
const CHILD_ENV: &str = "GRAPHCHAIN_TEST_CHILD";

/// Set in a child by its parent when the child works in a directory (`child_dir`).
pub(crate) const CHILD_DIR_ENV: &str = "GRAPHCHAIN_TEST_CHILD_DIR";

/// The name libtest gives the test function `$test` of the calling module, for `child`: its path
/// in the test crate, such as `module::test` (the module path without the crate's name). Naming
/// a function that does not exist is a compile error.
macro_rules! test_name {
    ($test:ident) => {{
        let _: fn() = $test;
        $crate::common::test_path(module_path!(), stringify!($test))
    }};
}
pub(crate) use test_name;

/// `test` in the module `module_path` (from `module_path!()`), as libtest names it.
pub(crate) fn test_path(module_path: &str, test: &str) -> String {
    match module_path.split_once("::") {
        Some((_crate, module)) => format!("{module}::{test}"),
        None => test.to_owned(),
    }
}

/// A command that runs the test `test` (named by `test_name!`) of this test binary, and no other,
/// in a child process with its output shown. Tests that need an environment of their own (a
/// variable, a `PATH`, a global `tracing` subscriber) run there rather than change the process
/// the other tests share.
pub(crate) fn child(test: &str) -> Command {
    let mut command = Command::new(std::env::current_exe().unwrap());
    command
        .args(["--exact", test, "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, test);
    command
}

/// Whether this process is a child started by `child`. Tests that do their work only in a child
/// return at once in the normal run of the test binary.
pub(crate) fn in_child() -> bool {
    std::env::var_os(CHILD_ENV).is_some()
}

/// In a child: the directory its parent gave it in `CHILD_DIR_ENV`.
pub(crate) fn child_dir() -> Option<PathBuf> {
    std::env::var_os(CHILD_DIR_ENV).map(PathBuf::from)
}

/// Runs `command` (from `child`) to its end and returns its stdout and stderr. The child must
/// have run exactly one test, and passed it.
pub(crate) fn child_output(command: &mut Command) -> (String, String) {
    let out = command.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        out.status.success() && stdout.contains("test result: ok. 1 passed;"),
        "the child did not run and pass exactly one test ({}):\n{stdout}\n{stderr}",
        out.status
    );
    (stdout, stderr)
}

/// `Vec<u64>` as raw little-endian bytes: encoding costs little next to writing
/// or uploading.
pub(crate) struct RawU64;

impl Codec<Vec<u64>> for RawU64 {
    const NAME: &'static str = "raw-u64-le";
    fn encode(value: &Vec<u64>, out: &mut Vec<u8>) -> Result<(), BoxError> {
        out.reserve(value.len() * 8);
        for x in value {
            out.extend_from_slice(&x.to_le_bytes());
        }
        Ok(())
    }
    fn decode(bytes: &[u8]) -> Result<Vec<u64>, BoxError> {
        if !bytes.len().is_multiple_of(8) {
            return Err("length is not a multiple of 8".into());
        }
        Ok(bytes
            .chunks_exact(8)
            .map(|c| u64::from_le_bytes(c.try_into().unwrap()))
            .collect())
    }
}

/// Bytes stored as they are, and hashed from the value (`Codec::value_hash`), as the DataFrame
/// codecs hash frames: a result of this codec the cache leaves out is never encoded.
pub(crate) struct HashedBytes;

impl Codec<Vec<u8>> for HashedBytes {
    const NAME: &'static str = "hashed-bytes";
    fn encode(value: &Vec<u8>, out: &mut Vec<u8>) -> Result<(), BoxError> {
        out.extend_from_slice(value);
        Ok(())
    }
    fn decode(bytes: &[u8]) -> Result<Vec<u8>, BoxError> {
        Ok(bytes.to_vec())
    }
    fn value_hash(value: &Vec<u8>) -> Option<[u8; 32]> {
        graphchain::content_hash(value).ok()
    }
}

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

/// Starts a copy of this test binary running the test `child_test` (named by `test_name!`) on the
/// cache `dir`, and waits
/// until it says it is ready; it computes once a line is written to its stdin.
pub(crate) fn spawn_ready_child(
    child_test: &str,
    dir: &Path,
    stderr: Stdio,
) -> (Child, BufReader<ChildStdout>) {
    let mut command = child(child_test);
    command.env(CHILD_DIR_ENV, dir).stderr(stderr);
    spawn_ready(command)
}

/// Starts `command` (from `child`, with what else the test sets) with its stdin and stdout
/// piped, and waits until it says it is ready; it computes once a line is written to its stdin.
pub(crate) fn spawn_ready(mut command: Command) -> (Child, BufReader<ChildStdout>) {
    let mut process = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(process.stdout.take().unwrap());
    let mut line = String::new();
    while line.trim() != "READY" {
        line.clear();
        assert_ne!(
            stdout.read_line(&mut line).unwrap(),
            0,
            "the child did not get ready"
        );
    }
    (process, stdout)
}

/// In a child: a runtime on the cache directory it was given, returned once the parent says go.
/// `None` when the test binary runs normally, so the child's test is a no-op there.
pub(crate) fn child_runtime() -> Option<Runtime> {
    let dir = child_dir()?;
    let rt = cached(&dir);
    // libtest has printed "test … ... " without a newline: start a line of our own.
    println!("\nREADY");
    let mut go = String::new();
    std::io::stdin().lock().read_line(&mut go).unwrap();
    Some(rt)
}

/// The file of the entry under `key` in the cache directory `dir`, with its subdirectory made
/// (for tests that damage or replace it).
pub(crate) fn entry_path(dir: &Path, key: graphchain::Key) -> PathBuf {
    let path = graphchain::LocalStore::new(dir).entry_path(key);
    std::fs::create_dir_all(path.parent().expect("in a subdirectory")).unwrap();
    path
}

/// A runtime on the cache directory `dir`, on two worker threads.
pub(crate) fn cached(dir: &Path) -> Runtime {
    Runtime::builder()
        .cache_dir(dir)
        .threads(2)
        .build()
        .unwrap()
}

/// A runtime with one worker thread (and the writer) caching in `dir`.
pub(crate) fn one_worker(dir: &Path) -> Runtime {
    Runtime::builder()
        .threads(1)
        .cache_dir(dir)
        .build()
        .unwrap()
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
pub(crate) use forward_store_lookups;

/// What happened to the first node of the function `name` in `report`, and why.
pub(crate) fn status(report: &Report, name: &str) -> (Status, Option<Reason>) {
    let node = report.by_name(name).next().expect("node in the report");
    (node.status(), node.reason().cloned())
}

/// What happened to the node of `value` in `report`, and why.
pub(crate) fn status_of<T>(report: &Report, value: &Delayed<T>) -> (Status, Option<Reason>) {
    let node = report.nodes().iter().find(|n| n.key() == value.key());
    let node = node.expect("node in the report");
    (node.status(), node.reason().cloned())
}

/// `leaves` summed pairwise by `add`, level by level (an odd node out moves up a level).
pub(crate) fn pairwise(
    leaves: Vec<Delayed<u64>>,
    add: impl Fn(Delayed<u64>, Delayed<u64>) -> Delayed<u64>,
) -> Delayed<u64> {
    let mut level = leaves;
    while level.len() > 1 {
        let mut next = Vec::new();
        let mut it = level.into_iter();
        while let Some(a) = it.next() {
            next.push(match it.next() {
                Some(b) => add(a, b),
                None => a,
            });
        }
        level = next;
    }
    level.pop().expect("at least one leaf")
}
