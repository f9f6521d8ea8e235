//! Results of async tasks are stored like any others, and a later run loads them instead of
//! running the task again.

use std::sync::atomic::{AtomicUsize, Ordering};

use graphchain::{Status, delayed};

use crate::common;

static DOWNLOADS: AtomicUsize = AtomicUsize::new(0);

#[delayed(cache = "always")]
async fn download(url: &str) -> Vec<u8> {
    DOWNLOADS.fetch_add(1, Ordering::SeqCst);
    tokio::task::yield_now().await;
    url.bytes().rev().collect()
}

/// Never stored, so that the second run must load `download` to get it.
#[delayed(cache = "never")]
fn size(bytes: &[u8]) -> usize {
    bytes.len()
}

#[test]
fn a_second_run_loads_the_result() {
    let dir = tempfile::tempdir().unwrap();
    let runtime = || common::cached(dir.path());
    let graph = || size(download("https://example.invalid/data.csv"));

    let (first, report) = runtime().compute_with_report(&graph()).unwrap();
    assert_eq!(first, 32);
    let fetched = report.by_name("download").next().unwrap();
    assert_eq!(fetched.status(), Status::Computed);
    assert!(fetched.stored());

    let (second, report) = runtime().compute_with_report(&graph()).unwrap();
    assert_eq!(second, 32);
    assert_eq!(
        report.by_name("download").next().map(|n| n.status()),
        Some(Status::Loaded)
    );
    assert_eq!(DOWNLOADS.load(Ordering::SeqCst), 1);
}
