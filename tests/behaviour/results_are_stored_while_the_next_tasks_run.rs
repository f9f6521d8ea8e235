//! Storing a result does not hold up the tasks after it: a result is handed to the runtime's
//! writer thread, and the worker that computed it goes on with the next task. With one worker
//! thread, a result whose encoding waits until the next task has run is still stored, and that
//! task ran meanwhile; and no more results are stored at once than there are worker threads.

use std::marker::PhantomData;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::Duration;

use graphchain::{BoxError, Codec, PostcardLz4, Runtime, Status, delayed};

/// Set by `next` when it runs.
static NEXT_RAN: (Mutex<bool>, Condvar) = (Mutex::new(false), Condvar::new());
/// Whether `WaitsForNext` saw `next` run before its encoding ended.
static SAW_NEXT: AtomicBool = AtomicBool::new(false);

/// The default codec, after a hook that runs before each encoding.
struct Hooked<H>(PhantomData<H>);

trait BeforeEncoding: 'static {
    fn before_encoding();
}

impl<H: BeforeEncoding> Codec<u64> for Hooked<H> {
    const NAME: &'static str = "hooked";

    fn encode(value: &u64, out: &mut Vec<u8>) -> Result<(), BoxError> {
        H::before_encoding();
        <PostcardLz4 as Codec<u64>>::encode(value, out)
    }

    fn decode(bytes: &[u8]) -> Result<u64, BoxError> {
        <PostcardLz4 as Codec<u64>>::decode(bytes)
    }
}

/// Encodes a value once `next` has run (or after 20 s, when the store holds the worker up).
struct WaitsForNext;

impl BeforeEncoding for WaitsForNext {
    fn before_encoding() {
        let (ran, signal) = &NEXT_RAN;
        let ran = signal
            .wait_timeout_while(ran.lock().unwrap(), Duration::from_secs(20), |ran| !*ran)
            .unwrap()
            .0;
        SAW_NEXT.store(*ran, Ordering::SeqCst);
    }
}

// Under the automatic policy: a result under `cache = "always"` is leased, and stored at once
// by the worker that computed it, since other processes may be waiting for it. It takes long
// enough to be worth storing.
#[delayed(codec = Hooked<WaitsForNext>)]
fn first(x: u64) -> u64 {
    std::thread::sleep(Duration::from_millis(30));
    x + 1
}

#[delayed(cache = "never")]
fn next(x: u64) -> u64 {
    *NEXT_RAN.0.lock().unwrap() = true;
    NEXT_RAN.1.notify_all();
    x * 2
}

/// A runtime of one worker thread (and the writer), caching in `dir`.
fn one_worker(dir: &std::path::Path) -> Runtime {
    Runtime::builder()
        .threads(1)
        .cache_dir(dir)
        .build()
        .unwrap()
}

#[test]
fn the_next_task_runs_while_a_result_is_stored() {
    let dir = tempfile::tempdir().unwrap();
    let rt = one_worker(dir.path());
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

/// Results being encoded right now, and the most there ever were.
static ENCODING: AtomicUsize = AtomicUsize::new(0);
static MOST_AT_ONCE: AtomicUsize = AtomicUsize::new(0);

/// Encodes slowly, counting how many encodings run at once.
struct Counted;

impl BeforeEncoding for Counted {
    fn before_encoding() {
        let now = ENCODING.fetch_add(1, Ordering::SeqCst) + 1;
        MOST_AT_ONCE.fetch_max(now, Ordering::SeqCst);
        std::thread::sleep(Duration::from_millis(20));
        ENCODING.fetch_sub(1, Ordering::SeqCst);
    }
}

#[delayed(codec = Hooked<Counted>)]
fn part(i: u64) -> u64 {
    std::thread::sleep(Duration::from_millis(10));
    i * 3
}

#[delayed(cache = "never")]
fn sum(parts: Vec<u64>) -> u64 {
    parts.iter().sum()
}

#[test]
fn one_worker_thread_stores_one_result_at_a_time() {
    let dir = tempfile::tempdir().unwrap();
    let rt = one_worker(dir.path());
    let parts: Vec<_> = (0..8).map(part).collect();
    let (value, report) = rt.compute_with_report(&sum(parts)).unwrap();
    assert_eq!(value, 3 * 28);
    assert_eq!(report.by_name("part").filter(|n| n.stored()).count(), 8);
    // The writer stores while the worker computes, but the worker never encodes a second result
    // beside the writer's: the run does no more at once than one thread and the writer's store.
    assert_eq!(MOST_AT_ONCE.load(Ordering::SeqCst), 1);
}
