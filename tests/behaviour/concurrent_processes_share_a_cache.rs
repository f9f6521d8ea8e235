//! Processes: four processes computing one graph on one fresh cache directory at the same time all get the right value and leave only whole entries behind.
//!
//! The test binary starts copies of itself that run `child_computes_the_shared_graph`; each
//! prints `READY` and waits on its stdin, and once all four are ready they are let go at the same
//! moment. Each then prints `RESULT <value>` and the wall-clock window of its run.

use std::collections::BTreeSet;
use std::io::{BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdout, Stdio};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use crate::common::{self, noise};
use graphchain::{Cache, Delayed, Key, Status, delayed};

const PROCESSES: usize = 4;
const PRODUCERS: u64 = 4;
/// Elements per producer: 2 MB of incompressible `u64`s, so that writes take a while.
const LEN: usize = 256 * 1024;

fn mixed(xs: &[u64], k: u64) -> Vec<u64> {
    xs.iter()
        .map(|x| x.rotate_left(k as u32) ^ k.wrapping_mul(31))
        .collect()
}

fn checksum(parts: &[Vec<u64>]) -> u64 {
    parts.iter().enumerate().fold(0u64, |acc, (i, part)| {
        part.iter()
            .fold(acc, |acc, &x| acc.rotate_left(5) ^ x.wrapping_add(i as u64))
    })
}

#[delayed(cache = "always")]
fn produce(seed: u64, len: usize) -> Vec<u64> {
    noise(seed, len)
}

#[delayed(cache = "always")]
fn transform(xs: &[u64], k: u64) -> Vec<u64> {
    mixed(xs, k)
}

#[delayed(cache = "always")]
fn summarize(parts: &[Vec<u64>]) -> u64 {
    checksum(parts)
}

/// The graph: producers, a transform of each, and a checksum over the transforms; 9 nodes.
fn graph() -> (Delayed<u64>, BTreeSet<Key>) {
    let mut keys = BTreeSet::new();
    let mut parts = Vec::new();
    for seed in 0..PRODUCERS {
        let p = produce(seed, LEN);
        let t = transform(&p, seed + 7);
        keys.extend([p.key(), t.key()]);
        parts.push(t);
    }
    let root = summarize(parts);
    keys.insert(root.key());
    (root, keys)
}

/// The same computation in plain Rust.
fn expected() -> u64 {
    let parts: Vec<Vec<u64>> = (0..PRODUCERS)
        .map(|seed| mixed(&noise(seed, LEN), seed + 7))
        .collect();
    checksum(&parts)
}

fn unix_micros() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_micros()
}

/// A child's run, as it reports it.
#[derive(Debug)]
struct ChildRun {
    value: u64,
    start_us: u128,
    end_us: u128,
}

/// Starts a child and waits until it says it is ready to compute.
fn spawn_ready_child(dir: &Path) -> (Child, BufReader<ChildStdout>) {
    common::spawn_ready_child(
        &common::test_name!(child_computes_the_shared_graph),
        dir,
        Stdio::piped(),
    )
}

fn finish_child((child, mut stdout): (Child, BufReader<ChildStdout>)) -> ChildRun {
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    let out = child.wait_with_output().unwrap();
    let stdout = rest;
    assert!(
        out.status.success(),
        "child failed ({}):\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    // Shown if the test fails: what each child did, node by node.
    eprint!("{}", String::from_utf8_lossy(&out.stderr));
    let field = |tag: &str| -> u128 {
        stdout
            .lines()
            .find_map(|l| l.strip_prefix(tag))
            .unwrap_or_else(|| panic!("no `{tag}` line in the child's output:\n{stdout}"))
            .trim()
            .parse()
            .unwrap()
    };
    ChildRun {
        value: field("RESULT ") as u64,
        start_us: field("START_US "),
        end_us: field("END_US "),
    }
}

#[test]
fn concurrent_processes_share_a_cache() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("cache");
    let want = expected();

    let mut children: Vec<_> = (0..PROCESSES).map(|_| spawn_ready_child(&dir)).collect();
    // Every child is ready and waiting on its stdin: let them all go at once.
    for (child, _) in &mut children {
        child.stdin.take().unwrap().write_all(b"go\n").unwrap();
    }
    let runs: Vec<ChildRun> = children.into_iter().map(finish_child).collect();

    for (i, run) in runs.iter().enumerate() {
        assert_eq!(run.value, want, "process {i} computed a wrong value");
    }
    // The four runs overlapped in time: there is an instant when all of them were running.
    let last_start = runs.iter().map(|r| r.start_us).max().unwrap();
    let first_end = runs.iter().map(|r| r.end_us).min().unwrap();
    assert!(
        last_start < first_end,
        "the processes did not run at the same time: {runs:?}"
    );

    let cache = Cache::open(&dir);
    assert_eq!(cache.verify().unwrap(), Vec::new());
    let leftovers: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with(".tmp-"))
        .collect();
    assert_eq!(leftovers, Vec::<String>::new());
    let (root, keys) = graph();
    let stored: BTreeSet<Key> = cache.entries().unwrap().iter().map(|e| e.key).collect();
    assert_eq!(
        stored, keys,
        "the cache should hold exactly the graph's nodes"
    );

    // A fifth run, in this process, loads the root and computes nothing.
    let rt = common::cached(&dir);
    let (value, report) = rt.compute_with_report(&root).unwrap();
    assert_eq!(value, want);
    assert_eq!(report.count(Status::Computed), 0, "{report}");
    assert_eq!(report.discarded(), &[]);
    let statuses: Vec<(Key, Status)> = report
        .nodes()
        .iter()
        .map(|n| (n.key(), n.status()))
        .collect();
    assert_eq!(statuses, vec![(root.key(), Status::Loaded)], "{report}");
}

/// The child's side; a no-op when the test binary is run normally.
#[test]
fn child_computes_the_shared_graph() {
    let (root, _) = graph();
    let Some(rt) = common::child_runtime() else {
        return;
    };
    let start_us = unix_micros();
    let started = Instant::now();
    let (value, report) = rt.compute_with_report(&root).unwrap();
    let end_us = unix_micros();
    println!("RESULT {value}");
    println!("START_US {start_us}");
    println!("END_US {end_us}");
    eprintln!(
        "child {} took {:?}:\n{report}",
        std::process::id(),
        started.elapsed()
    );
}
