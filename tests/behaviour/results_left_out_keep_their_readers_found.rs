//! A result cache-if-faster leaves out of the cache, of a codec that hashes values itself
//! (`Codec::value_hash`, as the DataFrame codecs do), is still known by its content in the
//! traces of the steps that read it. When a later run recomputes it to the same value, a reader
//! whose inputs are all unchanged is loaded, not recomputed — as after an edit of a polars step
//! that kept its output, where a cheap step that was never stored sat between it and the report.

use std::time::Duration;

use graphchain::{Reason, Status, delayed};

use crate::common::{self, HashedBytes};

/// The same for every `n` of one ten: a new argument, the same value.
#[delayed(cache = "always")]
fn tens(n: u64) -> u64 {
    n / 10
}

/// Stored when `slow` (300 ms of work), left out otherwise (nothing to recover). Its codec has
/// no `size_hint`: nothing is predicted, and a result is left out on its own cost alone.
#[delayed(codec = HashedBytes)]
fn bytes(tens: &u64, slow: bool) -> Vec<u8> {
    if slow {
        std::thread::sleep(Duration::from_millis(300));
    }
    vec![*tens as u8; 64]
}

#[delayed(cache = "always")]
fn total(a: &[u8], b: &[u8]) -> u64 {
    a.iter().chain(b).map(|&x| u64::from(x)).sum()
}

fn graph(a: u64, b: u64) -> graphchain::Delayed<u64> {
    total(bytes(tens(a), true), bytes(tens(b), false))
}

#[test]
fn a_reader_of_a_result_left_out_is_found_by_its_inputs_content() {
    let dir = tempfile::tempdir().unwrap();
    let rt = common::one_worker(dir.path());
    let (value, report) = rt.compute_with_report(&graph(11, 21)).unwrap();
    assert_eq!(value, 64 * 3);
    let stored: Vec<bool> = report.by_name("bytes").map(|n| n.stored()).collect();
    assert_eq!(stored.iter().filter(|&&s| s).count(), 1, "{report}");

    // New arguments, the same values all the way up: the slow `bytes` is found through its
    // input's content, the fast one is recomputed (it never was stored), and `total` is loaded
    // through the content of both.
    let (value, report) = rt.compute_with_report(&graph(12, 22)).unwrap();
    assert_eq!(value, 64 * 3);
    assert_eq!(
        common::status(&report, "total"),
        (Status::Loaded, Some(Reason::InputsUnchanged)),
        "{report}"
    );
    let computed = report
        .by_name("bytes")
        .filter(|n| n.status() == Status::Computed)
        .count();
    assert_eq!(computed, 1, "{report}");
}

/// Never stored: every result is cheap, so the function's record says none is stored.
#[delayed(codec = HashedBytes)]
fn cheap(tens: &u64) -> Vec<u8> {
    vec![*tens as u8; 64]
}

#[delayed(cache = "always")]
fn length(bytes: &[u8]) -> u64 {
    bytes.iter().map(|&x| u64::from(x)).sum()
}

#[test]
fn a_reader_of_a_function_never_stored_is_found_in_later_runs_too() {
    let dir = tempfile::tempdir().unwrap();
    let rt = common::one_worker(dir.path());
    let (value, report) = rt.compute_with_report(&length(cheap(tens(31)))).unwrap();
    assert_eq!(value, 64 * 3);
    assert!(!report.by_name("cheap").any(|n| n.stored()), "{report}");

    // Runs after the one that recorded `cheap` as never stored: it is recomputed to the same
    // value, known by the same content as in the first run's trace, and `length` is loaded.
    for n in [32, 33] {
        let (value, report) = rt.compute_with_report(&length(cheap(tens(n)))).unwrap();
        assert_eq!(value, 64 * 3);
        assert_eq!(
            common::status(&report, "cheap"),
            (Status::Computed, Some(Reason::NotStored)),
            "{report}"
        );
        assert_eq!(
            common::status(&report, "length"),
            (Status::Loaded, Some(Reason::InputsUnchanged)),
            "{report}"
        );
    }
}
