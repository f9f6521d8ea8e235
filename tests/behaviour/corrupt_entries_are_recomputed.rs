//! A corrupted or truncated entry is detected, reported, removed and recomputed; the run
//! succeeds with the right value.

use std::path::Path;

use graphchain::{Cache, Runtime, Status, delayed};

#[delayed(cache = "always")]
fn make(n: u64) -> Vec<u64> {
    (0..n).map(|i| i * 3).collect()
}

#[delayed(cache = "always")]
fn total(xs: &[u64]) -> u64 {
    xs.iter().sum()
}

fn entry_path(dir: &Path, key: graphchain::Key) -> std::path::PathBuf {
    crate::common::entry_path(dir, key)
}

fn run(dir: &Path) -> (u64, graphchain::Report) {
    Runtime::builder()
        .cache_dir(dir)
        .build()
        .unwrap()
        .compute_with_report(&total(make(5000)))
        .unwrap()
}

#[test]
fn bit_flips_anywhere_are_detected_and_recomputed() {
    let expected: u64 = (0..5000u64).map(|i| i * 3).sum();
    let dir = tempfile::tempdir().unwrap();
    let root = total(make(5000)).key();
    assert_eq!(run(dir.path()).0, expected);
    let clean = std::fs::read(entry_path(dir.path(), root)).unwrap();

    // Header, payload and last byte.
    for offset in [0, 9, 40, 120, clean.len() / 2, clean.len() - 1] {
        let mut bad = clean.clone();
        bad[offset] ^= 0x10;
        std::fs::write(entry_path(dir.path(), root), &bad).unwrap();
        let (value, report) = run(dir.path());
        assert_eq!(value, expected, "flip at {offset}");
        assert_eq!(report.discarded().len(), 1, "flip at {offset}: {report}");
        assert_eq!(report.discarded()[0].0, root);
        // The root was computed again from its loaded input, and stored again whole.
        let root_report = report.nodes().iter().find(|n| n.key() == root).unwrap();
        assert_eq!(root_report.status(), Status::Computed);
        assert!(Cache::open(dir.path()).verify().unwrap().is_empty());
    }
}

#[test]
fn truncated_and_foreign_entries_are_recomputed() {
    let expected: u64 = (0..5000u64).map(|i| i * 3).sum();
    let dir = tempfile::tempdir().unwrap();
    let root = total(make(5000)).key();
    let input = make(5000).key();
    run(dir.path());
    let clean = std::fs::read(entry_path(dir.path(), input)).unwrap();
    for len in [0, 10, 100, clean.len() - 1] {
        std::fs::write(entry_path(dir.path(), input), &clean[..len]).unwrap();
        std::fs::remove_file(entry_path(dir.path(), root)).unwrap();
        let (value, report) = run(dir.path());
        assert_eq!(value, expected, "truncated to {len}");
        assert_eq!(report.discarded().len(), 1, "{report}");
        assert!(
            report.discarded()[0].1.contains("trunc") || len < 14,
            "{report}"
        );
    }
    // Somebody else's file under an entry's name.
    std::fs::write(
        entry_path(dir.path(), root),
        b"#!/bin/sh\necho not an entry\n",
    )
    .unwrap();
    let (value, report) = run(dir.path());
    assert_eq!(value, expected);
    assert!(report.discarded()[0].1.contains("magic"), "{report}");
}
