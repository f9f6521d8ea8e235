//! The persistent cache's costs, each as a ratio or a throughput measured in one run:
//!
//! - cold run of the 20,000-task fan-in with the cache on vs off (target: at most 1.5×);
//! - warm run of a graph of 1,000, 20,000 and 100,000 nodes whose root is cached, against
//!   building the same graph (target: at most 1 ms more at 20,000), and computed again once
//!   built (`load_built`: the same time at every size, since only the root is planned);
//! - store and load of an 8-byte, a 1 MiB and a 64 MiB `Vec<f64>`, next to a plain `fs::write`
//!   (to a new file, renamed into place) and `fs::read` of the entry's bytes (targets for 64 MiB:
//!   loading at least 2 GiB/s, storing — `compute_and_store` beyond `compute_only` — at least
//!   1.5 GiB/s, each at least half of what the plain file operation reaches).
//! - reading entries of 200 B to 64 KiB from a local store: a payload stored apart costs one more
//!   such read (of its ~200-byte pointer), which sets the size below which payloads stay inline.

use std::sync::Arc;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use graphchain::{Key, LocalStore, MemoryStore, Runtime, Store, delayed};

mod common;
use common::{fan_in, measuring, uncached};

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

/// A runtime on two threads caching in `dir`.
fn cached_in(dir: &std::path::Path) -> Runtime {
    Runtime::builder()
        .threads(2)
        .cache_dir(dir)
        .build()
        .unwrap()
}

/// Empties the runtime's cache.
fn clear(rt: &Runtime) {
    rt.cache().expect("a cache").clear().unwrap();
}

fn cold_fan_in(c: &mut Criterion) {
    let mut group = c.benchmark_group("cache/cold_fan_in_20k");
    group.throughput(Throughput::Elements(19_999));
    let off = uncached(2);
    group.bench_function("cache_off", |b| {
        b.iter(|| off.compute(&fan_in(10_000)).unwrap())
    });
    let dir = tempfile::tempdir().unwrap();
    let on = cached_in(dir.path());
    group.bench_function("cache_on", |b| {
        b.iter_batched(
            // A cold cache every time: nothing from an earlier iteration may be loaded. The
            // runtime stays, as `off` does: a new one would start cold threads in the timing.
            || clear(&on),
            |()| on.compute(&fan_in(10_000)).unwrap(),
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

fn warm_root_cached(c: &mut Criterion) {
    let mut group = c.benchmark_group("cache/warm_root_cached");
    let dir = tempfile::tempdir().unwrap();
    let rt = cached_in(dir.path());
    // The single pass of `cargo test --benches` (a debug build) leaves out the largest sizes.
    let sizes: &[(&str, u64)] = if measuring() {
        &[("1k", 500), ("20k", 10_000), ("100k", 50_000)]
    } else {
        &[("1k", 500), ("20k", 10_000)]
    };
    for &(label, leaves) in sizes {
        rt.compute(&top(fan_in(leaves))).unwrap();
        group.throughput(Throughput::Elements(2 * leaves));
        group.bench_function(format!("{label}/build_only"), |b| {
            b.iter(|| top(fan_in(leaves)))
        });
        group.bench_function(format!("{label}/build_and_load"), |b| {
            b.iter(|| rt.compute(&top(fan_in(leaves))).unwrap())
        });
        // The graph built once: a warm run's own cost, which should not grow with the graph.
        let built = top(fan_in(leaves));
        group.bench_function(format!("{label}/load_built"), |b| {
            b.iter(|| rt.compute(&built).unwrap())
        });
    }
    group.finish();
}

fn store_and_load(c: &mut Criterion) {
    // 8 bytes: what a write costs apart from its size (a file, a rename, and any sync).
    let sizes: &[(&str, usize)] = if measuring() {
        &[("8B", 1), ("1MiB", 1 << 17), ("64MiB", 64 << 17)]
    } else {
        &[("8B", 1), ("1MiB", 1 << 17)]
    };
    for &(label, n) in sizes {
        let mut group = c.benchmark_group(format!("cache/{label}_vec_f64"));
        group.throughput(Throughput::Bytes((n * 8) as u64));
        if n > 1 << 20 {
            group.sample_size(10);
        }
        let compute_only = uncached(2);
        group.bench_function("compute_only", |b| {
            b.iter(|| compute_only.compute(&big(n, 1)).unwrap())
        });
        let dir = tempfile::tempdir().unwrap();
        let rt = cached_in(dir.path());
        group.bench_function("compute_and_store", |b| {
            b.iter_batched(
                || clear(&rt),
                |()| rt.compute(&big(n, 2)).unwrap(),
                BatchSize::PerIteration,
            )
        });
        rt.compute(&big(n, 3)).unwrap();
        group.bench_function("load", |b| b.iter(|| rt.compute(&big(n, 3)).unwrap()));
        // The same bytes through plain file operations, for the ratio in this run.
        let entry = entry_file(dir.path());
        group.bench_function("fs_read", |b| {
            b.iter(|| std::fs::read(&entry).unwrap().len())
        });
        let bytes = std::fs::read(&entry).unwrap();
        let plain = tempfile::tempdir().unwrap();
        let (temp, target) = (plain.path().join("temp"), plain.path().join("file"));
        group.bench_function("fs_write", |b| {
            b.iter(|| {
                std::fs::write(&temp, &bytes).unwrap();
                std::fs::rename(&temp, &target).unwrap();
            })
        });
        drop(bytes);
        let memory = Runtime::builder()
            .threads(2)
            .store(Arc::new(MemoryStore::new()))
            .build()
            .unwrap();
        memory.compute(&big(n, 4)).unwrap();
        group.bench_function("load_from_memory_store", |b| {
            b.iter(|| memory.compute(&big(n, 4)).unwrap())
        });
        group.finish();
    }
}

fn shared_payload(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let store = LocalStore::new(dir.path());
    let mut group = c.benchmark_group("cache/shared_payload/local_get");
    for (i, len) in [200usize, 4 << 10, 16 << 10, 64 << 10]
        .into_iter()
        .enumerate()
    {
        let key = Key::from_bytes([i as u8; 32]);
        store.put(key, &vec![7; len]).unwrap();
        group.throughput(Throughput::Bytes(len as u64));
        group.bench_function(format!("{len}B"), |b| {
            b.iter(|| store.get(key).unwrap().unwrap().len())
        });
    }
    group.finish();
}

/// The largest entry file under `dir` (the one `big` stored).
fn entry_file(dir: &std::path::Path) -> std::path::PathBuf {
    let mut files = Vec::new();
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(d) = dirs.pop() {
        for item in std::fs::read_dir(d).unwrap() {
            let item = item.unwrap();
            let meta = item.metadata().unwrap();
            if meta.is_dir() {
                dirs.push(item.path());
            } else {
                files.push((meta.len(), item.path()));
            }
        }
    }
    files.into_iter().max().expect("an entry").1
}

criterion_group!(
    benches,
    cold_fan_in,
    warm_root_cached,
    store_and_load,
    shared_payload
);
criterion_main!(benches);
