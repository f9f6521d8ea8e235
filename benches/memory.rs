//! Memory per node: the bytes a graph of a million nodes holds once built, and the most a run
//! of it allocates on top, counted by a global allocator and printed in bytes per node.
//! Criterion measures time, so this bench has its own `main`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use graphchain::{Delayed, Runtime};

mod common;
use common::{chain, diamond, fan_in, measuring, uncached, uncached_sequential};

/// The system allocator, counting the bytes currently allocated and the most ever allocated.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grow(bytes: usize) {
    let live = LIVE.fetch_add(bytes, Ordering::Relaxed) + bytes;
    PEAK.fetch_max(live, Ordering::Relaxed);
}

fn shrink(bytes: usize) {
    LIVE.fetch_sub(bytes, Ordering::Relaxed);
}

// SAFETY: every call is forwarded to `System` with the caller's arguments unchanged; the
// counters only observe sizes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller upholds `alloc`'s contract, which is `System.alloc`'s.
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            grow(layout.size());
        }
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as for `alloc`.
        let ptr = unsafe { System.alloc_zeroed(layout) };
        if !ptr.is_null() {
            grow(layout.size());
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` was allocated by this allocator, that is by `System`, with `layout`.
        unsafe { System.dealloc(ptr, layout) };
        shrink(layout.size());
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller upholds `realloc`'s contract, which is `System.realloc`'s.
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            shrink(layout.size());
            grow(new_size);
        }
        new
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Builds a graph of `nodes` nodes with `build`, then runs it with `rt`; prints the bytes per
/// node the built graph holds and the most the run allocated beyond it.
fn measure(label: &str, nodes: u64, rt: &Runtime, build: impl FnOnce() -> Delayed<u64>) {
    let before = LIVE.load(Ordering::Relaxed);
    let graph = build();
    let built = LIVE.load(Ordering::Relaxed) - before;
    PEAK.store(LIVE.load(Ordering::Relaxed), Ordering::Relaxed);
    let with_graph = LIVE.load(Ordering::Relaxed);
    rt.compute(&graph).unwrap();
    let run_peak = PEAK.load(Ordering::Relaxed) - with_graph;
    drop(graph);
    let leaked = LIVE.load(Ordering::Relaxed).saturating_sub(before);
    let per_node = |bytes: usize| bytes as f64 / nodes as f64;
    println!(
        "memory/{label:<34} {nodes:>9} nodes  graph {:>6.1} B/node  run peak +{:>6.1} B/node  left after drop {leaked} B",
        per_node(built),
        per_node(run_peak),
    );
}

fn main() {
    // A million nodes when measuring; a quick pass under `cargo test --benches`.
    let scale: u64 = if measuring() { 1 } else { 100 };
    let parallel = uncached(2);
    let sequential = uncached_sequential();
    let n = 1_000_000 / scale;
    measure("chain/sequential", n, &sequential, || chain(n));
    measure("chain/parallel_2_threads", n, &parallel, || chain(n));
    let leaves = 500_000 / scale;
    measure(
        "fan_in/parallel_2_threads",
        2 * leaves - 1,
        &parallel,
        || fan_in(leaves),
    );
    let (width, depth) = if scale == 1 { (1_000, 999) } else { (100, 99) };
    measure(
        "diamond/parallel_2_threads",
        width * (depth + 1) + 1,
        &parallel,
        || diamond(width, depth),
    );
}
