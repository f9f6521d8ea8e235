//! Storing a result does not hold up the tasks after it: a result is handed to the runtime's
//! writer thread, and the worker that computed it goes on with the next task. With one worker
//! thread, a result whose encoding waits until the next task has run is still stored, and that
//! task ran meanwhile.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::Duration;

use graphchain::{BoxError, Codec, PostcardLz4, Status, delayed};

use crate::common;

/// Set by `next` when it runs.
static NEXT_RAN: (Mutex<bool>, Condvar) = (Mutex::new(false), Condvar::new());
/// Whether `WaitsForNext` saw `next` run before its encoding ended.
static SAW_NEXT: AtomicBool = AtomicBool::new(false);

/// Encodes a value once `next` has run (or after 20 s, when the store holds the worker up).
struct WaitsForNext;

impl Codec<u64> for WaitsForNext {
    const NAME: &'static str = "waits-for-next";

    fn encode(value: &u64, out: &mut Vec<u8>) -> Result<(), BoxError> {
        let (ran, signal) = &NEXT_RAN;
        let ran = signal
            .wait_timeout_while(ran.lock().unwrap(), Duration::from_secs(20), |ran| !*ran)
            .unwrap()
            .0;
        SAW_NEXT.store(*ran, Ordering::SeqCst);
        <PostcardLz4 as Codec<u64>>::encode(value, out)
    }

    fn decode(bytes: &[u8]) -> Result<u64, BoxError> {
        <PostcardLz4 as Codec<u64>>::decode(bytes)
    }
}

// Under the automatic policy: a result under `cache = "always"` is leased, and stored at once
// by the worker that computed it, since other processes may be waiting for it. It takes long
// enough to be worth storing on any disk: 300 ms against the store's latency and a sync.
#[delayed(codec = WaitsForNext)]
fn first(x: u64) -> u64 {
    std::thread::sleep(Duration::from_millis(300));
    x + 1
}

#[delayed(cache = "never")]
fn next(x: u64) -> u64 {
    *NEXT_RAN.0.lock().unwrap() = true;
    NEXT_RAN.1.notify_all();
    x * 2
}

#[test]
fn the_next_task_runs_while_a_result_is_stored() {
    let dir = tempfile::tempdir().unwrap();
    let rt = common::one_worker(dir.path());
    let (value, report) = rt.compute_with_report(&next(first(1))).unwrap();
    assert_eq!(value, 4);
    assert!(
        SAW_NEXT.load(Ordering::SeqCst),
        "the only worker stored `first` before it ran `next`"
    );
    let first = report.by_name("first").next().unwrap();
    assert!(first.stored(), "`first` was not stored");
    // Stored before the run returned: the next run loads it.
    let (_, report) = rt.compute_with_report(&self::first(1)).unwrap();
    assert_eq!(report.count(Status::Loaded), 1);
}
