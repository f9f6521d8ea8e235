//! Planning against a large store: a local store filled once with 100,000 small entries, then
//! a graph of 20,000 nodes computed against it when none of its nodes are stored (every node
//! is looked up and missed) and when all are (every node is looked up and loaded), next to the
//! same runs against an empty store and without a cache.
//!
//! Per node, `absent/full_store` minus `absent/empty_store` is what the lookups cost; most of it
//! is listing the store once (`list/full_store`).

use std::sync::atomic::{AtomicU64, Ordering};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use graphchain::{Delayed, LocalStore, Runtime, Store, delayed};

mod common;
use common::{add, fan_in_with, measuring, uncached};

#[delayed(cache = "always")]
fn item(i: u64) -> u64 {
    i.wrapping_mul(0x9e37_79b9_7f4a_7c15)
}

/// Leaves of the fan-in; it has `2 * LEAVES - 1` nodes.
const LEAVES: u64 = 10_000;

fn runtime(dir: &std::path::Path) -> Runtime {
    Runtime::builder()
        .threads(2)
        .cache_dir(dir)
        .build()
        .unwrap()
}

fn planning(c: &mut Criterion) {
    // Filling takes seconds; the single pass of `cargo test --benches` uses a small store.
    let entries: u64 = if measuring() { 100_000 } else { 2_000 };
    let full = tempfile::tempdir().unwrap();
    let empty = tempfile::tempdir().unwrap();
    let rt_full = runtime(full.path());
    let rt_empty = runtime(empty.path());
    let rt_off = uncached(2);
    let filling = std::time::Instant::now();
    for start in (0..entries).step_by(10_000) {
        let items: Vec<Delayed<u64>> = (start..entries.min(start + 10_000)).map(item).collect();
        rt_full.compute_many(&items).unwrap();
    }
    let stored = std::fs::read_dir(full.path()).unwrap().count();
    eprintln!(
        "planning: the store holds {stored} entries, written in {:.1?}",
        filling.elapsed()
    );

    let mut group = c.benchmark_group("planning");
    group.sample_size(10);
    group.throughput(Throughput::Elements(2 * LEAVES - 1));
    // Fresh leaves for every run, so that nothing of the fan-in is ever stored yet.
    let next = AtomicU64::new(1 << 40);
    let fresh = || {
        let from = next.fetch_add(LEAVES, Ordering::Relaxed);
        fan_in_with(from..from + LEAVES, add)
    };
    let (_, report) = rt_empty.compute_with_report(&fresh()).unwrap();
    let written = report.nodes().iter().filter(|n| n.stored()).count();
    eprintln!("planning: a run of the fan-in stores {written} of its results");
    for (label, rt) in [
        ("full_store", &rt_full),
        ("empty_store", &rt_empty),
        ("cache_off", &rt_off),
    ] {
        group.bench_function(format!("absent/{label}"), |b| {
            b.iter(|| rt.compute(&fresh()).unwrap())
        });
    }
    // What the planner pays once per run when it lists the store instead of asking per node.
    let store = LocalStore::new(full.path());
    group.throughput(Throughput::Elements(stored as u64));
    group.bench_function("list/full_store", |b| {
        b.iter(|| store.list().unwrap().len())
    });
    let present: u64 = 20_000.min(entries);
    group.throughput(Throughput::Elements(present));
    group.bench_function("present/full_store", |b| {
        b.iter(|| {
            let items: Vec<Delayed<u64>> = (0..present).map(item).collect();
            rt_full.compute_many(&items).unwrap()
        })
    });
    group.finish();
}

criterion_group!(benches, planning);
criterion_main!(benches);
