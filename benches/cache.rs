//! The persistent cache's costs, each as a ratio or a throughput measured in one run:
//!
//! - cold run of the 20,000-task fan-in with the cache on vs off (target: at most 1.5×);
//! - warm run of a 20,000-node graph whose root is cached, on top of building the graph
//!   (target: at most 1 ms);
//! - store and load of a 64 MiB `Vec<f64>` (target: at least 1 GiB/s each way).

use std::sync::Arc;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use graphchain::{Delayed, MemoryStore, Runtime, delayed};

#[delayed]
fn leaf(i: u64) -> u64 {
    i
}

#[delayed]
fn add(a: u64, b: u64) -> u64 {
    a.wrapping_add(b)
}

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

#[delayed(cache = "always")]
fn big(n: usize, seed: u64) -> Vec<f64> {
    let mut state = seed | 1;
    (0..n)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64
        })
        .collect()
}

#[delayed(cache = "always")]
fn top(x: u64) -> u64 {
    x
}

fn cold_fan_in(c: &mut Criterion) {
    let mut group = c.benchmark_group("cache/cold_fan_in_20k");
    group.throughput(Throughput::Elements(19_999));
    let off = Runtime::builder().threads(2).cache(false).build().unwrap();
    group.bench_function("cache_off", |b| {
        b.iter(|| off.compute(&fan_in(10_000)).unwrap())
    });
    let dir = tempfile::tempdir().unwrap();
    group.bench_function("cache_on", |b| {
        b.iter_batched(
            || {
                // A cold cache every time: nothing from an earlier iteration may be loaded.
                let _ = std::fs::remove_dir_all(dir.path());
                Runtime::builder()
                    .threads(2)
                    .cache_dir(dir.path())
                    .build()
                    .unwrap()
            },
            |on| on.compute(&fan_in(10_000)).unwrap(),
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

fn warm_root_cached(c: &mut Criterion) {
    let mut group = c.benchmark_group("cache/warm_20k_root_cached");
    let dir = tempfile::tempdir().unwrap();
    let rt = Runtime::builder()
        .threads(2)
        .cache_dir(dir.path())
        .build()
        .unwrap();
    rt.compute(&top(fan_in(10_000))).unwrap();
    group.bench_function("build_only", |b| b.iter(|| top(fan_in(10_000))));
    group.bench_function("build_and_load", |b| {
        b.iter(|| rt.compute(&top(fan_in(10_000))).unwrap())
    });
    group.finish();
}

fn store_and_load_64mib(c: &mut Criterion) {
    const N: usize = 64 << 17; // 8 Mi f64 = 64 MiB
    let mut group = c.benchmark_group("cache/64MiB_vec_f64");
    group.throughput(Throughput::Bytes((N * 8) as u64));
    group.sample_size(10);
    let compute_only = Runtime::builder().threads(2).cache(false).build().unwrap();
    group.bench_function("compute_only", |b| {
        b.iter(|| compute_only.compute(&big(N, 1)).unwrap())
    });
    let dir = tempfile::tempdir().unwrap();
    group.bench_function("compute_and_store", |b| {
        b.iter_batched(
            || {
                let _ = std::fs::remove_dir_all(dir.path());
                Runtime::builder()
                    .threads(2)
                    .cache_dir(dir.path())
                    .build()
                    .unwrap()
            },
            |rt| rt.compute(&big(N, 2)).unwrap(),
            BatchSize::PerIteration,
        )
    });
    let rt = Runtime::builder()
        .threads(2)
        .cache_dir(dir.path())
        .build()
        .unwrap();
    rt.compute(&big(N, 3)).unwrap();
    group.bench_function("load", |b| b.iter(|| rt.compute(&big(N, 3)).unwrap()));
    let memory = Runtime::builder()
        .threads(2)
        .store(Arc::new(MemoryStore::new()))
        .build()
        .unwrap();
    memory.compute(&big(N, 4)).unwrap();
    group.bench_function("load_from_memory_store", |b| {
        b.iter(|| memory.compute(&big(N, 4)).unwrap())
    });
    group.finish();
}

criterion_group!(benches, cold_fan_in, warm_root_cached, store_and_load_64mib);
criterion_main!(benches);
