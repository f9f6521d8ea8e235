//! Remote caches on the S3 test server (`.ci/seaweedfs start`, then source its env file):
//!
//! - `warm/*`: a second run of a 20,000-node fan-in whose root is stored, on a local directory
//!   and on a remote cache seen from an empty local tier (a new machine);
//! - `cold_10ms/*`: a first run of 40 tasks of 10 ms each on two threads, without a cache and
//!   with a remote cache (every result considered for storing, uploads in the background);
//! - `64MiB/*`: storing and loading 64 MiB through the store, next to `object_store`'s own
//!   `put` and `get` of the same bytes on the same server;
//! - `planning/*`: planning a 20,000-node graph none of whose nodes is stored, against a remote
//!   prefix holding 100,000 entries, and listing that prefix.
//!
//! Without the server it prints `SKIP:` and measures nothing (with `GRAPHCHAIN_REQUIRE_S3=1` it
//! fails instead).

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use graphchain::store::{RemoteStore, Store};
use graphchain::{Key, Runtime, delayed};
use object_store::ObjectStoreExt;

mod common;
use common::{add, fan_in, fan_in_with, measuring, uncached};

#[delayed]
fn slow(i: u64) -> u64 {
    std::thread::sleep(Duration::from_millis(10));
    i
}

#[delayed]
fn total(parts: Vec<u64>) -> u64 {
    parts.iter().sum()
}

fn base_url() -> Option<String> {
    let base = std::env::var("GRAPHCHAIN_TEST_S3")
        .ok()
        .filter(|v| !v.is_empty());
    if base.is_none() {
        assert!(
            std::env::var_os("GRAPHCHAIN_REQUIRE_S3").is_none_or(|v| v != "1"),
            "GRAPHCHAIN_REQUIRE_S3=1 but GRAPHCHAIN_TEST_S3 is not set"
        );
        eprintln!("SKIP: remote benches: no S3 test server (run `.ci/seaweedfs start`)");
    }
    base
}

fn nonce() -> String {
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{}-{nanos}", std::process::id())
}

fn tiered(url: &str, local: &Path) -> Runtime {
    Runtime::builder()
        .threads(2)
        .cache_url(url)
        .cache_dir(local)
        .build()
        .unwrap()
}

fn remote(c: &mut Criterion) {
    let Some(base) = base_url() else {
        return;
    };
    let mut group = c.benchmark_group("remote");
    group.sample_size(10);

    // A second run, on this machine and on a new one.
    let leaves = if measuring() { 10_000 } else { 1_000 };
    let graph = fan_in(leaves);
    let url = format!("{base}/bench-warm-{}", nonce());
    let first = tempfile::tempdir().unwrap();
    tiered(&url, first.path()).compute(&graph).unwrap();
    let local = Runtime::builder()
        .threads(2)
        .cache_dir(first.path())
        .build()
        .unwrap();
    group.bench_function("warm/local", |b| b.iter(|| local.compute(&graph).unwrap()));
    group.bench_function("warm/remote_from_an_empty_local_tier", |b| {
        b.iter_batched(
            || {
                let dir = tempfile::tempdir().unwrap();
                let rt = tiered(&url, dir.path());
                (dir, rt)
            },
            |(_dir, rt)| rt.compute(&graph).unwrap(),
            BatchSize::PerIteration,
        )
    });

    // A first run of slow tasks: fresh ones every time.
    let next = AtomicU64::new(1 << 40);
    let fresh = || {
        let from = next.fetch_add(40, Ordering::Relaxed);
        total((from..from + 40).map(slow).collect::<Vec<_>>())
    };
    let off = uncached(2);
    group.bench_function("cold_10ms/no_cache", |b| {
        b.iter(|| off.compute(&fresh()).unwrap())
    });
    let dir = tempfile::tempdir().unwrap();
    let cold = tiered(&format!("{base}/bench-cold-{}", nonce()), dir.path());
    group.bench_function("cold_10ms/remote_cache", |b| {
        b.iter(|| cold.compute(&fresh()).unwrap())
    });

    large(&mut group, &base);
    planning(&mut group, &base);
    group.finish();
}

/// 64 MiB through the store and through `object_store` itself.
fn large(group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>, base: &str) {
    let url = format!("{base}/bench-64mib-{}", nonce());
    let store = RemoteStore::open(&url).unwrap();
    let bytes: Vec<u8> = (0..64u64 << 20)
        .map(|i| ((i * 2_654_435_761) >> 13) as u8)
        .collect();
    let next = AtomicU64::new(0);
    let fresh_key = || {
        Key::from_bytes(
            *blake3::hash(&next.fetch_add(1, Ordering::Relaxed).to_le_bytes()).as_bytes(),
        )
    };
    group.throughput(criterion::Throughput::Bytes(bytes.len() as u64));
    group.bench_function("64MiB/store_put", |b| {
        b.iter(|| store.put(fresh_key(), &bytes).unwrap())
    });
    let key = fresh_key();
    store.put(key, &bytes).unwrap();
    // `open`, as a run loads an entry: the whole object in one buffer, as `bytes()` below.
    group.bench_function("64MiB/store_open", |b| {
        b.iter(|| store.open(key).unwrap().unwrap().size)
    });

    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (bucket_url, prefix) = url.split_at(url["s3://".len()..].find('/').unwrap() + 5);
    let raw = object_store::aws::AmazonS3Builder::from_env()
        .with_url(bucket_url)
        .build()
        .unwrap();
    let path = |n: u64| object_store::path::Path::from(format!("{}/raw-{n}", &prefix[1..]));
    group.bench_function("64MiB/object_store_put", |b| {
        b.iter(|| {
            let payload = object_store::PutPayload::from(bytes.clone());
            let n = next.fetch_add(1, Ordering::Relaxed);
            runtime.block_on(raw.put(&path(n), payload)).unwrap()
        })
    });
    runtime
        .block_on(raw.put(&path(u64::MAX), bytes.clone().into()))
        .unwrap();
    group.bench_function("64MiB/object_store_get", |b| {
        b.iter(|| {
            runtime.block_on(async {
                raw.get(&path(u64::MAX))
                    .await
                    .unwrap()
                    .bytes()
                    .await
                    .unwrap()
                    .len()
            })
        })
    });
    // Gigabytes otherwise stay on the server.
    let written = next.load(Ordering::Relaxed);
    for n in 0..written {
        let key = Key::from_bytes(*blake3::hash(&n.to_le_bytes()).as_bytes());
        let _ = store.remove(key);
        let _ = runtime.block_on(raw.delete(&path(n)));
    }
    let _ = runtime.block_on(raw.delete(&path(u64::MAX)));
}

/// Planning against a prefix of 100,000 entries, filled once (and kept on the server for later
/// runs: filling takes a minute).
fn planning(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    base: &str,
) {
    let entries: u64 = if measuring() { 100_000 } else { 2_000 };
    let url = format!("{base}/bench-planning-{entries}");
    let store = Arc::new(RemoteStore::open(&url).unwrap());
    let present = store.list().unwrap().len() as u64;
    if present < entries {
        let filling = std::time::Instant::now();
        std::thread::scope(|s| {
            for t in 0..16 {
                let store = &store;
                s.spawn(move || {
                    for i in (present + t..entries).step_by(16) {
                        let key = Key::from_bytes(*blake3::hash(&i.to_le_bytes()).as_bytes());
                        store
                            .put(key, b"an entry the planner only looks up")
                            .unwrap();
                    }
                });
            }
        });
        eprintln!(
            "remote planning: {entries} entries written in {:.1?}",
            filling.elapsed()
        );
    }
    let rt = Runtime::builder()
        .threads(2)
        .store(store.clone())
        .build()
        .unwrap();
    let next = AtomicU64::new(1 << 41);
    let leaves = if measuring() { 10_000 } else { 1_000 };
    let fresh = || {
        let from = next.fetch_add(leaves, Ordering::Relaxed);
        fan_in_with(from..from + leaves, add)
    };
    group.throughput(criterion::Throughput::Elements(2 * leaves - 1));
    group.bench_function("planning/absent_against_100k", |b| {
        b.iter(|| rt.plan(&fresh()).nodes().len())
    });
    group.throughput(criterion::Throughput::Elements(entries));
    group.bench_function("planning/list_100k", |b| {
        b.iter(|| store.list().unwrap().len())
    });
}

criterion_group!(benches, remote);
criterion_main!(benches);
