//! Per-task overhead: build and compute a fan-in of 20,000 trivial tasks (10,000 leaves summed by
//! a binary tree) and a chain of 10,000, on two worker threads.
//!
//! The figure that matters is time per task, build and compute together: criterion prints the
//! throughput in tasks per second (`elem/s`). `fan_in_20k/compute+callback` is the same run on a
//! runtime with a callback that does nothing: what registering a callback costs.

use std::sync::Arc;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use graphchain::{Callback, Delayed, Runtime, delayed};

#[delayed]
fn leaf(i: u64) -> u64 {
    i
}

#[delayed]
fn add(a: u64, b: u64) -> u64 {
    a.wrapping_add(b)
}

#[delayed]
fn inc(x: u64) -> u64 {
    x + 1
}

/// 10,000 leaves summed pairwise: 19,999 tasks.
fn fan_in(leaves: u64) -> Delayed<u64> {
    let mut level: Vec<Delayed<u64>> = (0..leaves).map(leaf).collect();
    while level.len() > 1 {
        let mut next = Vec::with_capacity(level.len().div_ceil(2));
        let mut it = level.into_iter();
        while let Some(a) = it.next() {
            next.push(match it.next() {
                Some(b) => add(a, b),
                None => a,
            });
        }
        level = next;
    }
    level.pop().expect("at least one leaf")
}

fn chain(n: u64) -> Delayed<u64> {
    let mut node = leaf(0);
    for _ in 1..n {
        node = inc(node);
    }
    node
}

/// A callback that does nothing: the cost of being called.
struct Nothing;

impl Callback for Nothing {}

fn overhead(c: &mut Criterion) {
    let rt = Runtime::builder().threads(2).build().unwrap();
    let watched = Runtime::builder()
        .threads(2)
        .callback(Arc::new(Nothing))
        .build()
        .unwrap();
    let mut group = c.benchmark_group("overhead");

    group.throughput(Throughput::Elements(19_999));
    group.bench_function("fan_in_20k/build+compute", |b| {
        b.iter(|| rt.compute(&fan_in(10_000)).unwrap())
    });
    group.bench_function("fan_in_20k/build", |b| b.iter(|| fan_in(10_000)));
    group.bench_function("fan_in_20k/compute", |b| {
        b.iter_batched(
            || fan_in(10_000),
            |graph| rt.compute(&graph).unwrap(),
            BatchSize::LargeInput,
        )
    });
    group.bench_function("fan_in_20k/compute+callback", |b| {
        b.iter_batched(
            || fan_in(10_000),
            |graph| watched.compute(&graph).unwrap(),
            BatchSize::LargeInput,
        )
    });

    group.throughput(Throughput::Elements(10_000));
    group.bench_function("chain_10k/build+compute", |b| {
        b.iter(|| rt.compute(&chain(10_000)).unwrap())
    });
    group.finish();
}

criterion_group!(benches, overhead);
criterion_main!(benches);
