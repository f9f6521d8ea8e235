//! A result whose type cannot be traced is computed on every run, never stored under a
//! fingerprint that would not change with the type, and a warning names the type, why, and the
//! fixes, once per process however many nodes return it. Vouching for the type caches it.

use std::io::Write;
use std::sync::{Arc, Mutex};

use graphchain::codec::Vouched;
use graphchain::{Runtime, Status, delayed};

/// Untagged: deserializing it asks the format what comes next, which tracing cannot answer.
#[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(untagged)]
enum Loose {
    Number(u32),
    Text(String),
}

#[delayed(cache = "always")]
fn loose(n: u32) -> Vec<Loose> {
    vec![Loose::Number(n), Loose::Text(n.to_string())]
}

/// What the subscriber writes, shared with the test.
#[derive(Clone, Default)]
struct Logs(Arc<Mutex<Vec<u8>>>);

impl Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn untraceable_results_are_not_cached_and_named_once() {
    let logs = Logs::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let dir = tempfile::tempdir().unwrap();
    let rt = Runtime::builder().cache_dir(dir.path()).build().unwrap();
    tracing::subscriber::with_default(subscriber, || {
        for _ in 0..2 {
            let (value, report) = rt.compute_with_report(&loose(7)).unwrap();
            assert_eq!(value, vec![Loose::Number(7), Loose::Text("7".into())]);
            assert_eq!(report.nodes()[0].status(), Status::Computed);
        }
        rt.compute(&loose(8)).unwrap();
    });
    let logs = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    let warnings: Vec<&str> = logs.lines().filter(|l| l.contains("WARN")).collect();
    assert_eq!(warnings.len(), 1, "{logs}");
    for needle in [
        "`alloc::vec::Vec<",
        "Loose>`",
        "deserialize_any",
        "Vouched<1>",
    ] {
        assert!(
            warnings[0].contains(needle),
            "{needle} is not in: {}",
            warnings[0]
        );
    }
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "nothing is stored"
    );
}

#[delayed(cache = "always", codec = Vouched<1>)]
fn vouched(n: u32) -> Vec<u32> {
    vec![n]
}

#[test]
fn vouched_results_are_cached() {
    let dir = tempfile::tempdir().unwrap();
    let rt = Runtime::builder().cache_dir(dir.path()).build().unwrap();
    let (_, first) = rt.compute_with_report(&vouched(1)).unwrap();
    let (value, second) = rt.compute_with_report(&vouched(1)).unwrap();
    assert_eq!(value, vec![1]);
    assert_eq!(first.nodes()[0].status(), Status::Computed);
    assert_eq!(second.nodes()[0].status(), Status::Loaded);
}
