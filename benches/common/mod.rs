//! Graphs and helpers shared by the benchmarks (each bench target includes this module and
//! uses part of it).

#![allow(dead_code)]

use graphchain::{Delayed, Runtime, Scheduler, delayed};

#[delayed]
pub(crate) fn leaf(i: u64) -> u64 {
    i
}

#[delayed]
pub(crate) fn add(a: u64, b: u64) -> u64 {
    a.wrapping_add(b)
}

#[delayed]
pub(crate) fn inc(x: u64) -> u64 {
    x + 1
}

#[delayed]
pub(crate) fn total(parts: &[u64]) -> u64 {
    parts.iter().fold(0, |a, &b| a.wrapping_add(b))
}

/// `leaves` leaves summed pairwise, level by level (an odd node out moves up a level):
/// `2 * leaves - 1` tasks.
pub(crate) fn fan_in(leaves: u64) -> Delayed<u64> {
    fan_in_with(0..leaves, add)
}

/// The leaves `leaf(i)` for `i` in `ids`, summed pairwise by `add`, with the last sum made by
/// `root`.
pub(crate) fn fan_in_with(
    ids: impl IntoIterator<Item = u64>,
    root: impl Fn(Delayed<u64>, Delayed<u64>) -> Delayed<u64>,
) -> Delayed<u64> {
    let mut level: Vec<Delayed<u64>> = ids.into_iter().map(leaf).collect();
    while level.len() > 1 {
        let last = level.len() == 2;
        let mut next = Vec::with_capacity(level.len().div_ceil(2));
        let mut it = level.into_iter();
        while let Some(a) = it.next() {
            next.push(match it.next() {
                Some(b) if last => root(a, b),
                Some(b) => add(a, b),
                None => a,
            });
        }
        level = next;
    }
    level.pop().expect("at least one leaf")
}

/// `leaf(0)` followed by `n - 1` increments: `n` tasks.
pub(crate) fn chain(n: u64) -> Delayed<u64> {
    chain_with(n, inc)
}

/// `leaf(0)` followed by `n - 1` steps, the last one made by `root`.
pub(crate) fn chain_with(n: u64, root: impl Fn(Delayed<u64>) -> Delayed<u64>) -> Delayed<u64> {
    let mut node = leaf(0);
    for i in 1..n {
        node = if i == n - 1 { root(node) } else { inc(node) };
    }
    node
}

/// A lattice `width` nodes wide and `depth` levels deep: every node adds two neighbours of the
/// level below, so each value has two readers; a final `total` sums the top level.
/// `width * (depth + 1) + 1` tasks.
pub(crate) fn diamond(width: u64, depth: u64) -> Delayed<u64> {
    let mut level: Vec<Delayed<u64>> = (0..width).map(leaf).collect();
    for _ in 0..depth {
        level = (0..level.len())
            .map(|i| add(&level[i], &level[(i + 1) % level.len()]))
            .collect();
    }
    total(level)
}

/// A runtime without a cache, on `threads` workers.
pub(crate) fn uncached(threads: usize) -> Runtime {
    Runtime::builder()
        .threads(threads)
        .cache(false)
        .build()
        .unwrap()
}

/// A runtime without a cache, running tasks one at a time on the calling thread.
pub(crate) fn uncached_sequential() -> Runtime {
    Runtime::builder()
        .scheduler(Scheduler::Sequential)
        .cache(false)
        .build()
        .unwrap()
}

/// Whether this is a measuring run (`cargo bench`, which passes `--bench`) rather than the
/// single test-mode pass of `cargo test --benches`: setups that take seconds shrink in test mode.
pub(crate) fn measuring() -> bool {
    std::env::args().any(|a| a == "--bench")
}
