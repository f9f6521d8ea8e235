//! Helpers for the tests of the `graphchain` command: fill a real cache by computing
//! `#[delayed]` functions, run the real binary on it, and age or damage its entries.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, SystemTime};

use graphchain::{Key, Runtime, delayed};

#[delayed(cache = "always")]
pub(crate) fn blob(n: usize) -> Vec<u8> {
    // Pseudo-random (xorshift64), so that compression leaves an entry as large as its value.
    let mut state = 0x2545_f491_4f6c_dd1d_u64 ^ n as u64;
    (0..n)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 56) as u8
        })
        .collect()
}

#[delayed(cache = "always")]
pub(crate) fn checksum(bytes: &[u8]) -> u64 {
    bytes.iter().map(|&b| u64::from(b)).sum()
}

/// Fills the cache in `dir` with `blob(n)` and `checksum(blob(n))` for each `n`; returns the
/// keys of the blobs and of the checksums.
pub(crate) fn fill(dir: &Path, sizes: &[usize]) -> (Vec<Key>, Vec<Key>) {
    let rt = Runtime::builder().cache_dir(dir).build().unwrap();
    for &n in sizes {
        rt.compute(&checksum(blob(n))).unwrap();
    }
    (
        sizes.iter().map(|&n| blob(n).key()).collect(),
        sizes.iter().map(|&n| checksum(blob(n)).key()).collect(),
    )
}

/// The file of the entry under `key`, with its subdirectory made.
pub(crate) fn entry_path(dir: &Path, key: Key) -> PathBuf {
    let path = graphchain::LocalStore::new(dir).entry_path(key);
    std::fs::create_dir_all(path.parent().expect("in a subdirectory")).unwrap();
    path
}

/// Makes the entry under `key` look last used `age` ago.
pub(crate) fn set_last_used(dir: &Path, key: Key, age: Duration) {
    let file = std::fs::File::options()
        .append(true)
        .open(entry_path(dir, key))
        .unwrap();
    file.set_modified(SystemTime::now() - age).unwrap();
}

/// What a run of the command printed, and its exit status.
#[derive(Debug)]
pub(crate) struct Run {
    pub(crate) status: i32,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

/// The string `field` of each object in the JSON array `list`.
pub(crate) fn strings<'a>(list: &'a serde_json::Value, field: &str) -> Vec<&'a str> {
    list.as_array()
        .unwrap_or_else(|| panic!("not an array: {list}"))
        .iter()
        .map(|item| {
            item[field]
                .as_str()
                .unwrap_or_else(|| panic!("no `{field}` in {item}"))
        })
        .collect()
}

impl Run {
    /// Stdout as JSON.
    pub(crate) fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", self.stdout))
    }

    /// Asserts the run succeeded and returns it.
    pub(crate) fn ok(self) -> Self {
        assert_eq!(self.status, 0, "{self:#?}");
        assert_eq!(self.stderr, "", "{self:#?}");
        self
    }
}

/// Runs `graphchain --dir DIR ARGS…`.
pub(crate) fn graphchain(dir: &Path, args: &[&str]) -> Run {
    let mut command = graphchain_command();
    command.arg("--dir").arg(dir).args(args);
    run(command)
}

/// A command that runs the binary without `GRAPHCHAIN_CACHE_DIR` or `GRAPHCHAIN_CACHE` in its
/// environment (a test may set them again) and without colours.
pub(crate) fn graphchain_command() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_graphchain"));
    command
        .env_remove(graphchain::CACHE_DIR_ENV)
        .env_remove(graphchain::store::CACHE_ENV)
        .env("NO_COLOR", "1");
    command
}

/// Runs `command` and collects what it printed.
pub(crate) fn run(mut command: Command) -> Run {
    let output = command.output().unwrap();
    Run {
        status: output.status.code().expect("exited, not killed"),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

/// The URL of a fresh prefix on the S3 test server (`.ci/seaweedfs start`), or `None` — with a
/// visible `SKIP:` line — when `GRAPHCHAIN_TEST_S3` is not set; with `GRAPHCHAIN_REQUIRE_S3=1`
/// (as CI sets it) a missing server fails the test instead.
pub(crate) fn test_s3(name: &str) -> Option<String> {
    let Some(base) = std::env::var("GRAPHCHAIN_TEST_S3")
        .ok()
        .filter(|v| !v.is_empty())
    else {
        assert!(
            std::env::var_os("GRAPHCHAIN_REQUIRE_S3").is_none_or(|v| v != "1"),
            "GRAPHCHAIN_REQUIRE_S3=1 but GRAPHCHAIN_TEST_S3 is not set"
        );
        eprintln!("SKIP: {name}: no S3 test server (run `.ci/seaweedfs start` and source its env)");
        return None;
    };
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    Some(format!("{base}/{name}-{}-{nanos}", std::process::id()))
}
