//! `#[delayed] async fn` tasks and CPU tasks in one graph: both schedulers give the same values,
//! and the parallel one runs async tasks concurrently with each other and with CPU tasks.

use std::sync::LazyLock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use graphchain::{Scheduler, delayed};
use tokio::sync::Barrier;

use crate::common::{uncached, uncached_runtimes};

/// Waits, as a request to a slow service would, then answers.
#[delayed]
async fn fetch(id: u64, prefix: &str) -> String {
    tokio::time::sleep(Duration::from_millis(5)).await;
    format!("{prefix}{id}")
}

#[delayed]
fn length(text: &str) -> u64 {
    text.len() as u64
}

#[delayed]
async fn scaled(x: u64, factor: &u64) -> Result<u64, std::num::TryFromIntError> {
    tokio::task::yield_now().await;
    u32::try_from(x * factor).map(u64::from)
}

#[delayed]
fn total(parts: &[u64]) -> u64 {
    parts.iter().sum()
}

fn graph() -> graphchain::Delayed<u64> {
    // async → CPU → async → CPU, with fan-out and fan-in.
    let lengths: Vec<_> = (0..6)
        .map(|i| scaled(length(fetch(i * 100, "record-")), 3))
        .collect();
    total(lengths)
}

#[test]
fn both_schedulers_give_the_same_values() {
    let expected: u64 = (0..6u64)
        .map(|i| format!("record-{}", i * 100).len() as u64 * 3)
        .sum();
    for rt in uncached_runtimes() {
        assert_eq!(
            rt.compute(&graph()).unwrap(),
            expected,
            "{:?}",
            rt.scheduler()
        );
    }
}

/// Whether the CPU task has started, so that the async tasks can wait for it.
static CPU_RUNNING: AtomicBool = AtomicBool::new(false);
/// Whether the async tasks have all met, so that the CPU task can wait for them.
static MET: AtomicBool = AtomicBool::new(false);

/// Where the four async tasks meet.
static BARRIER: LazyLock<Barrier> = LazyLock::new(|| Barrier::new(4));

/// Returns only once all four parties have arrived: run one by one, none would return.
#[delayed(cache = "never")]
async fn meet(party: u64) -> u64 {
    // Bounded, so that a scheduler that runs them one by one fails the test instead of hanging.
    tokio::time::timeout(PATIENCE, BARRIER.wait())
        .await
        .expect("the four async tasks never met");
    tokio::time::timeout(PATIENCE, async {
        while !CPU_RUNNING.load(Ordering::SeqCst) {
            tokio::task::yield_now().await;
        }
    })
    .await
    .expect("the CPU task did not run beside the async tasks");
    MET.store(true, Ordering::SeqCst);
    party
}

/// How long a party waits for the others before the test fails.
const PATIENCE: Duration = Duration::from_secs(20);

/// A CPU task that runs until the async tasks have met, so they ran beside it.
#[delayed(cache = "never")]
fn busy(x: u64) -> u64 {
    CPU_RUNNING.store(true, Ordering::SeqCst);
    let start = Instant::now();
    while !MET.load(Ordering::SeqCst) {
        assert!(
            start.elapsed() < PATIENCE,
            "the async tasks did not run beside this one"
        );
        std::hint::spin_loop();
    }
    x
}

#[test]
fn async_tasks_overlap_each_other_and_cpu_tasks() {
    let rt = uncached(Scheduler::Parallel);
    let mut parts: Vec<_> = (1..=4).map(meet).collect();
    parts.push(busy(100));
    assert_eq!(rt.compute(&total(parts)).unwrap(), 110);
}
