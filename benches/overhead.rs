//! Per-task overhead and parallel speedup.
//!
//! - Overhead: build and compute a fan-in of 20,000 trivial tasks (10,000 leaves summed by a
//!   binary tree), a chain of 10,000 and a diamond lattice of 10,101 (every value read twice),
//!   on two worker threads. The figure that matters is time per task, build and compute
//!   together: criterion prints the throughput in tasks per second (`elem/s`).
//! - Speedup: 64 CPU-heavy tasks on one thread and on two.
//! - `fan_in_20k/compute+callback`: the fan-in on a runtime with a callback that does nothing,
//!   what registering a callback costs.

use std::hint::black_box;
use std::sync::Arc;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use graphchain::{Callback, Delayed, Runtime, delayed};

mod common;
use common::{chain, diamond, fan_in, total, uncached, uncached_sequential};

/// A callback that does nothing: the cost of being called.
struct Nothing;

impl Callback for Nothing {}

fn overhead(c: &mut Criterion) {
    let rt = uncached(2);
    let sequential = uncached_sequential();
    let watched = Runtime::builder()
        .threads(2)
        .cache(false)
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
    group.bench_function("fan_in_20k/build+compute_sequential", |b| {
        b.iter(|| sequential.compute(&fan_in(10_000)).unwrap())
    });

    group.throughput(Throughput::Elements(10_000));
    group.bench_function("chain_10k/build+compute", |b| {
        b.iter(|| rt.compute(&chain(10_000)).unwrap())
    });

    group.throughput(Throughput::Elements(100 * 101 + 1));
    group.bench_function("diamond_100x100/build+compute", |b| {
        b.iter(|| rt.compute(&diamond(100, 100)).unwrap())
    });
    group.finish();
}

/// About a millisecond of arithmetic that the optimizer cannot skip.
#[delayed(cache = "never")]
fn spin(seed: u64, rounds: u64) -> u64 {
    let mut x = black_box(seed) | 1;
    for _ in 0..rounds {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
    }
    x
}

fn heavy(tasks: u64) -> Delayed<u64> {
    total((0..tasks).map(|i| spin(i, 400_000)).collect::<Vec<_>>())
}

fn speedup(c: &mut Criterion) {
    let mut group = c.benchmark_group("speedup_64_heavy_tasks");
    group.sample_size(10);
    group.throughput(Throughput::Elements(64));
    for threads in [1, 2] {
        let rt = uncached(threads);
        group.bench_function(format!("{threads}_threads"), |b| {
            b.iter(|| rt.compute(&heavy(64)).unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, overhead, speedup);
criterion_main!(benches);
