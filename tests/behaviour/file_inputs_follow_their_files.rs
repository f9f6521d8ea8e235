//! File inputs (`graphchain::file`, `files`): a step reading a file reruns when the file
//! changes, also when the same graph is computed again in the same process; a glob notices a
//! new match; content stamps ignore a rewrite with the same bytes; a missing file or a pattern
//! matching nothing fails naming it.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use graphchain::{FileStamp, Runtime, Status, delayed, file, file_with, files};

static READS: AtomicUsize = AtomicUsize::new(0);

#[delayed(cache = "always")]
fn line_count(path: &PathBuf) -> Result<usize, std::io::Error> {
    Ok(std::fs::read_to_string(path)?.lines().count())
}

/// `line_count`, counting its runs (for one test only: the tests run in parallel).
#[delayed(cache = "always")]
fn counted_lines(path: &PathBuf) -> Result<usize, std::io::Error> {
    READS.fetch_add(1, Ordering::SeqCst);
    Ok(std::fs::read_to_string(path)?.lines().count())
}

#[delayed(cache = "always")]
fn total_bytes(paths: &[PathBuf]) -> Result<u64, std::io::Error> {
    paths.iter().map(|p| Ok(std::fs::metadata(p)?.len())).sum()
}

fn runtime(dir: &Path) -> Runtime {
    Runtime::builder()
        .cache_dir(dir.join("cache"))
        .build()
        .unwrap()
}

#[test]
fn the_same_graph_notices_a_changed_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("trips_01.csv");
    std::fs::write(&path, "a\nb\n").unwrap();
    let rt = runtime(dir.path());
    let lines = counted_lines(file(&path));

    assert_eq!(rt.compute(&lines).unwrap(), 2);
    let (value, report) = rt.compute_with_report(&lines).unwrap();
    assert_eq!(value, 2);
    assert_eq!(
        report.by_name("counted_lines").next().unwrap().status(),
        Status::Loaded
    );

    std::fs::write(&path, "a\nb\nc\n").unwrap();
    let (value, report) = rt.compute_with_report(&lines).unwrap();
    assert_eq!(
        value, 3,
        "the same graph, computed again, reads the new file"
    );
    let node = report.by_name("counted_lines").next().unwrap();
    assert_eq!(node.status(), Status::Computed);
    assert_ne!(node.key(), lines.key(), "re-keyed by the new stamp");
    // The report's picture of the graph built before the edit shows the nodes the run keyed.
    let picture = report.visualize(&lines);
    assert_eq!(picture.status(node.key()), Some(Status::Computed));
    assert_eq!(READS.load(Ordering::SeqCst), 2);
}

#[test]
fn content_stamps_ignore_a_rewrite_with_the_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("zones.csv");
    std::fs::write(&path, "1\n2\n").unwrap();
    let rt = runtime(dir.path());
    let lines = line_count(file_with(&path, FileStamp::Content));
    assert_eq!(rt.compute(&lines).unwrap(), 2);
    std::fs::write(&path, "1\n2\n").unwrap();
    let (_, report) = rt.compute_with_report(&lines).unwrap();
    assert_eq!(
        report.by_name("line_count").next().unwrap().status(),
        Status::Loaded
    );
}

#[test]
fn a_glob_notices_a_new_match() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.csv"), "12").unwrap();
    std::fs::write(dir.path().join("notes.txt"), "123456").unwrap();
    let rt = runtime(dir.path());
    let total = total_bytes(files(&format!("{}/*.csv", dir.path().display())));
    assert_eq!(rt.compute(&total).unwrap(), 2);
    std::fs::write(dir.path().join("b.csv"), "123").unwrap();
    assert_eq!(rt.compute(&total).unwrap(), 5);
}

#[test]
fn missing_files_and_empty_matches_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let rt = runtime(dir.path());
    let missing = dir.path().join("trips_13.csv");
    let err = rt.compute(&line_count(file(&missing))).unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains(&format!("file `{}` does not exist", missing.display())),
        "{message}"
    );
    let pattern = format!("{}/*.parquet", dir.path().display());
    let err = rt.compute(&total_bytes(files(&pattern))).unwrap_err();
    assert!(
        err.to_string()
            .contains(&format!("no file matches `{pattern}`")),
        "{err}"
    );

    // Once the file is there, the same graph computes.
    std::fs::write(&missing, "x\n").unwrap();
    let lines = line_count(file(dir.path().join("trips_13.csv")));
    std::fs::remove_file(&missing).unwrap();
    assert!(rt.compute(&lines).is_err());
    std::fs::write(&missing, "x\n").unwrap();
    assert_eq!(rt.compute(&lines).unwrap(), 1);
}

#[test]
fn a_persisted_value_is_keyed_by_the_file_it_was_computed_from() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("trips_02.csv");
    std::fs::write(&path, "a\n").unwrap();
    let rt = runtime(dir.path());
    let lines = line_count(file(&path));
    std::fs::write(&path, "a\nb\n").unwrap();
    let held = rt.persist(&lines).unwrap();
    assert_eq!(held.key(), line_count(file(&path)).key());
    assert_ne!(held.key(), lines.key());
}
