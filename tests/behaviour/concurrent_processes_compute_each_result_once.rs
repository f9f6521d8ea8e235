//! Eight processes computing one graph on one fresh cache compute each stored result once: a
//! process that needs a result another is computing waits for it (through the store's lease)
//! and loads it, instead of computing it too. Every process gets the right value.

use std::io::{BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Stdio};
use std::time::Duration;

use crate::common;
use graphchain::{Delayed, delayed};

const PROCESSES: usize = 8;
const LEAVES: u64 = 6;

/// The file each computation of a leaf or of the root is logged to, beside the cache.
fn log_path(cache: &Path) -> PathBuf {
    cache.with_file_name("computed.log")
}

fn log(what: &str) {
    let cache = common::child_dir().expect("only children compute");
    let mut file = std::fs::File::options()
        .create(true)
        .append(true)
        .open(log_path(&cache))
        .unwrap();
    // One short line per `write`: appends of a few bytes do not interleave.
    file.write_all(format!("{what} {}\n", std::process::id()).as_bytes())
        .unwrap();
}

#[delayed(cache = "always")]
fn slow_leaf(i: u64) -> u64 {
    log(&format!("leaf{i}"));
    std::thread::sleep(Duration::from_millis(150));
    i * i
}

#[delayed(cache = "always")]
fn total(parts: Vec<u64>) -> u64 {
    log("total");
    parts.iter().sum()
}

fn graph() -> Delayed<u64> {
    total((0..LEAVES).map(slow_leaf).collect::<Vec<_>>())
}

/// The child's side; a no-op when the test binary is run normally.
#[test]
fn child_computes_the_graph() {
    let Some(rt) = common::child_runtime() else {
        return;
    };
    println!("RESULT {}", rt.compute(&graph()).unwrap());
}

fn spawn(dir: &Path) -> (Child, BufReader<ChildStdout>) {
    common::spawn_ready_child(
        &common::test_name!(child_computes_the_graph),
        dir,
        Stdio::inherit(),
    )
}

#[test]
fn concurrent_processes_compute_each_result_once() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("cache");
    let mut children: Vec<_> = (0..PROCESSES).map(|_| spawn(&dir)).collect();
    // Every child is ready and waiting on its stdin: let them all go at once.
    for (child, _) in &mut children {
        child.stdin.take().unwrap().write_all(b"go\n").unwrap();
    }
    let want: u64 = (0..LEAVES).map(|i| i * i).sum();
    for (i, (child, mut stdout)) in children.into_iter().enumerate() {
        let mut out = String::new();
        stdout.read_to_string(&mut out).unwrap();
        let status = child.wait_with_output().unwrap().status;
        assert!(status.success(), "process {i} failed:\n{out}");
        let value = out
            .lines()
            .find_map(|l| l.strip_prefix("RESULT "))
            .unwrap_or_else(|| panic!("process {i} printed no result:\n{out}"));
        assert_eq!(value.trim(), want.to_string(), "process {i}");
    }
    let log = std::fs::read_to_string(log_path(&dir)).unwrap();
    let mut computed: Vec<&str> = log.lines().map(|l| l.split(' ').next().unwrap()).collect();
    computed.sort_unstable();
    let mut once: Vec<String> = (0..LEAVES).map(|i| format!("leaf{i}")).collect();
    once.push("total".to_owned());
    once.sort_unstable();
    assert_eq!(
        computed, once,
        "each result computed once by one of {PROCESSES} processes:\n{log}"
    );
    // Nothing is left of the leases.
    let leases = std::fs::read_dir(&dir)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with(".lease-")
        })
        .count();
    assert_eq!(leases, 0);
}
