//! Processes: a process killed (SIGKILL) while writing large cache entries leaves no entry that is not whole; a later run uses what it left and discards nothing.
//!
//! Each round starts a copy of the test binary running `child_writes_large_entries`, which
//! computes a graph of forty 1–4 MB results stored with `cache = "always"`, and kills it after a
//! delay that differs from round to round. After every round each entry on disk must pass
//! `Cache::verify`: checking right away means a later child can never discard the evidence.

use std::collections::BTreeSet;
use std::io::Write;
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::Stdio;
use std::thread::sleep;
use std::time::{Duration, Instant};

use crate::common::{self, RawU64, noise};
use graphchain::{Cache, Delayed, Key, Status, delayed};

const BLOBS: u64 = 40;
/// How long after it is told to start (once ready) each round's child is killed: 20..200 ms, in an order
/// that mixes early and late kills. Odd rounds then wait for an entry's write to be under way.
const KILL_AFTER_MS: [u64; 8] = [20, 110, 45, 200, 70, 155, 30, 130];

/// Elements of blob `i`: 1 to 4 MB of `u64`s.
fn blob_len(i: u64) -> usize {
    (128 * 1024) + (i as usize * 7 % 25) * 16 * 1024
}

fn fold_in(acc: u64, xs: &[u64]) -> u64 {
    xs.iter()
        .fold(acc, |acc, &x| acc.rotate_left(7) ^ x)
        .wrapping_add(xs.len() as u64)
}

/// Cheap to compute, expensive to store: the child is bound by writes.
#[delayed(cache = "always", codec = RawU64)]
fn blob(seed: u64, len: usize) -> Vec<u64> {
    noise(seed, len)
}

#[delayed(cache = "never")]
fn digest(acc: u64, xs: &[u64]) -> u64 {
    fold_in(acc, xs)
}

/// The graph: forty blobs folded one after another into a digest (so that a blob can be dropped
/// once folded in), and the keys of the blobs.
fn graph() -> (Delayed<u64>, BTreeSet<Key>) {
    let first = blob(0, blob_len(0));
    let mut keys = BTreeSet::from([first.key()]);
    let mut acc = digest(0, first);
    for i in 1..BLOBS {
        let b = blob(i, blob_len(i));
        keys.insert(b.key());
        acc = digest(acc, b);
    }
    (acc, keys)
}

/// The same computation in plain Rust.
fn expected() -> u64 {
    (0..BLOBS).fold(0, |acc, i| fold_in(acc, &noise(i, blob_len(i))))
}

/// The names of the files in `dir` and in its subdirectories (where entries are).
fn file_names(dir: &Path) -> Vec<String> {
    match std::fs::read_dir(dir) {
        Ok(items) => items
            .flat_map(|e| {
                let e = e.unwrap();
                if e.file_type().unwrap().is_dir() {
                    file_names(&e.path())
                } else {
                    vec![e.file_name().to_string_lossy().into_owned()]
                }
            })
            .collect(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => panic!("cannot list {}: {e}", dir.display()),
    }
}

fn temp_files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = file_names(dir)
        .into_iter()
        .filter(|n| n.starts_with(".tmp-"))
        .collect();
    names.sort();
    names
}

/// The name under which a store's speed probe is written; a process killed while probing leaves
/// a whole, valid entry of that name, which no run ever loads.
const PROBE_NAME: &str = "graphchain-probe";

/// Checks that every entry is whole and is either a node of the graph or a leftover probe;
/// removes leftover probes and returns how many there were.
fn check_entries(cache: &Cache, keys: &BTreeSet<Key>, round: usize) -> usize {
    let bad = cache.verify().unwrap();
    assert!(
        bad.is_empty(),
        "round {round}: bad entries after a kill: {bad:?}"
    );
    let mut probes = 0;
    for entry in cache.entries().unwrap() {
        if entry.name.as_deref() == Some(PROBE_NAME) {
            assert!(cache.remove(entry.key).unwrap());
            probes += 1;
        } else {
            assert!(
                keys.contains(&entry.key),
                "round {round}: unknown entry {entry:?}"
            );
        }
    }
    probes
}

#[test]
fn killed_writers_leave_no_bad_entry() {
    let started = Instant::now();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("cache");
    let cache = Cache::open(&dir);
    let (root, keys) = graph();
    let temp_prefixes: Vec<String> = keys
        .iter()
        .map(|k| format!(".tmp-{}-", k.short()))
        .collect();

    let mut entries_before = 0;
    let mut rounds_that_killed_a_writer = 0;
    let mut rounds_that_cut_a_write = 0;
    let mut probe_leftovers = 0;
    for (round, &delay_ms) in KILL_AFTER_MS.iter().enumerate() {
        let old_temps = temp_files(&dir);
        // Once the child says it is ready (runtime and graph built), let it go and start the clock.
        let (mut child, _stdout) = common::spawn_ready_child(
            &common::test_name!(child_writes_large_entries),
            &dir,
            Stdio::null(),
        );
        child.stdin.take().unwrap().write_all(b"go\n").unwrap();
        sleep(Duration::from_millis(delay_ms));
        if round % 2 == 1 {
            // Aim at a write: kill as soon as a new temporary file of a node's entry (named
            // `.tmp-<short key>-<pid>-<n>`) shows up. The deadline is generous: the child shares
            // the machine with the other tests, and a round that kills it before it writes
            // proves nothing.
            let writing = || {
                temp_files(&dir).iter().any(|t| {
                    !old_temps.contains(t) && temp_prefixes.iter().any(|p| t.starts_with(p))
                })
            };
            let deadline = Instant::now() + Duration::from_secs(10);
            while !writing() && Instant::now() < deadline {
                sleep(Duration::from_micros(50));
            }
        }
        child.kill().unwrap(); // SIGKILL
        let status = child.wait().unwrap();
        let killed = status.signal() == Some(9);

        probe_leftovers += check_entries(&cache, &keys, round);
        assert_eq!(
            cache.verify().unwrap(),
            Vec::new(),
            "round {round}: killing the writer after {delay_ms} ms left bad entries"
        );
        let listed: BTreeSet<Key> = cache.entries().unwrap().iter().map(|e| e.key).collect();
        assert!(
            listed.is_subset(&keys),
            "round {round}: entries that are no node of the graph: {:?}",
            listed.difference(&keys).collect::<Vec<_>>()
        );
        // Temporary files of node entries this child began and never renamed into place.
        let cut_writes = temp_files(&dir)
            .iter()
            .filter(|t| !old_temps.contains(t) && temp_prefixes.iter().any(|p| t.starts_with(p)))
            .count();
        eprintln!(
            "round {round}: killed after {delay_ms} ms ({status}), {} entries, {cut_writes} writes cut short",
            listed.len(),
        );
        if killed && (listed.len() > entries_before || cut_writes > 0) {
            rounds_that_killed_a_writer += 1;
        }
        rounds_that_cut_a_write += usize::from(cut_writes > 0);
        entries_before = listed.len();
    }
    // Otherwise the test proves nothing: the kills must have hit children that were writing.
    assert!(
        entries_before > 0,
        "no child wrote any entry before it was killed"
    );
    assert!(
        rounds_that_killed_a_writer >= 3,
        "only {rounds_that_killed_a_writer} rounds killed a child that was writing entries"
    );
    assert!(
        entries_before < keys.len(),
        "the children finished the graph before they were killed: kill earlier or write more"
    );

    // Every file left is a whole entry of the graph, the shared payload object of one, a
    // temporary file or the lease file of a killed child (neither is ever listed, and later runs
    // sweep them).
    for name in file_names(&dir) {
        let listed_as_entry = name
            .strip_suffix(".gce")
            .and_then(|hex| hex.parse::<Key>().ok())
            .is_some_and(|key| {
                keys.contains(&key) || cache.entry(key).unwrap().is_some_and(|e| e.is_payload())
            });
        assert!(
            listed_as_entry || name.starts_with(".tmp-") || name.starts_with(".lease-"),
            "unexpected file in the cache: {name}"
        );
    }

    // A clean run loads what the children stored, computes the rest, and discards nothing.
    let rt = common::cached(&dir);
    let (value, report) = rt.compute_with_report(&root).unwrap();
    assert_eq!(value, expected());
    assert_eq!(report.discarded(), &[], "{report}");
    assert_eq!(report.by_name("blob").count(), BLOBS as usize, "{report}");
    let loaded = report
        .by_name("blob")
        .filter(|n| n.status() == Status::Loaded)
        .count();
    assert_eq!(loaded, entries_before, "{report}");
    assert_eq!(cache.verify().unwrap(), Vec::new());

    // Clearing the cache removes the entries and the leftovers of the killed writes.
    let cleared = cache.clear().unwrap();
    assert_eq!(cleared.removed, keys.len());
    assert_eq!(file_names(&dir), Vec::<String>::new());
    eprintln!(
        "{} rounds, {rounds_that_cut_a_write} cut a write short, {probe_leftovers} leftover speed probes, in {:?}",
        KILL_AFTER_MS.len(),
        started.elapsed()
    );
}

/// The child's side; a no-op when the test binary is run normally.
#[test]
fn child_writes_large_entries() {
    let (root, _) = graph();
    let Some(rt) = common::child_runtime() else {
        return;
    };
    let value = rt.compute(&root).unwrap();
    println!("\nRESULT {value}");
}
