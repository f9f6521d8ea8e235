//! A task that blocks inside another rayon pool (as polars and arrow tasks do) keeps its worker
//! thread to itself: no other task starts on that thread meanwhile, so tasks never nest, and
//! each task's measured span is its own.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use graphchain::{Delayed, Runtime, Scheduler, delayed};
use rayon::prelude::*;

/// The pool the tasks call into, standing for polars' own.
fn other_pool() -> &'static rayon::ThreadPool {
    static POOL: OnceLock<rayon::ThreadPool> = OnceLock::new();
    POOL.get_or_init(|| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap()
    })
}

thread_local! {
    /// Tasks under way on this thread: more than one means a task started inside another.
    static ON_THIS_THREAD: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// The most tasks seen under way on one thread at once.
static MOST_NESTED: AtomicUsize = AtomicUsize::new(0);

#[delayed(cache = "never")]
fn read_part(part: u64) -> u64 {
    let depth = ON_THIS_THREAD.get() + 1;
    ON_THIS_THREAD.set(depth);
    MOST_NESTED.fetch_max(depth, Ordering::SeqCst);
    // Blocks this thread until the other pool is done, as `DataFrame` readers do.
    let sum = other_pool().install(|| {
        std::thread::sleep(Duration::from_millis(15));
        (0..10_000u64)
            .into_par_iter()
            .map(|x| x ^ part)
            .sum::<u64>()
    });
    ON_THIS_THREAD.set(depth - 1);
    sum
}

#[delayed(cache = "never")]
fn combine(parts: Vec<u64>) -> u64 {
    parts.iter().fold(0, |a, b| a ^ b)
}

#[test]
fn tasks_blocked_in_another_pool_never_share_their_thread() {
    for threads in [1, 2] {
        MOST_NESTED.store(0, Ordering::SeqCst);
        let rt = Runtime::builder()
            .threads(threads)
            .scheduler(Scheduler::Parallel)
            .cache(false)
            .build()
            .unwrap();
        let parts: Vec<Delayed<u64>> = (0..8).map(read_part).collect();
        let (value, report) = rt.compute_with_report(&combine(parts)).unwrap();
        let expected = (0..8u64)
            .map(|part| (0..10_000u64).map(|x| x ^ part).sum::<u64>())
            .fold(0, |a, b| a ^ b);
        assert_eq!(value, expected);
        assert_eq!(
            MOST_NESTED.load(Ordering::SeqCst),
            1,
            "with {threads} threads, a task started on a thread whose task was blocked"
        );
        // Each worker's tasks ran one after another: their spans do not overlap.
        for worker in 0..threads {
            let mut spans: Vec<(Duration, Duration)> = report
                .nodes()
                .iter()
                .filter(|n| n.worker() == Some(worker))
                .map(|n| (n.start(), n.end()))
                .collect();
            spans.sort();
            for pair in spans.windows(2) {
                assert!(
                    pair[0].1 <= pair[1].0,
                    "with {threads} threads, worker {worker} ran a task inside another: {pair:?}"
                );
            }
        }
    }
}
