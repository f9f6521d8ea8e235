//! Planning against a large store: a local store of 1,000,000 entries, then a graph of 20,000
//! nodes computed against it when none of its nodes are stored (every node is looked up and
//! missed) and when all are (every node is looked up and loaded), next to the same runs against
//! an empty store and without a cache.
//!
//! The store is filled once per run: 20,000 real entries (the `item` nodes, computed), then
//! plain files under valid-looking entry names, written straight into the store's
//! subdirectories (the planner only asks whether a key is there; what it loads is real). Target:
//! `absent/full_store` within 2× of `absent/empty_store`, and `present/full_store` at most 5 µs
//! per node.
//!
//! Filling a million entries takes minutes: with `GRAPHCHAIN_BENCH_STORE=<dir>` the filled store
//! is kept in that directory and reused by later runs (it grows by what the runs store; delete
//! it when done).

use std::sync::atomic::{AtomicU64, Ordering};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use graphchain::{Delayed, Key, LocalStore, Runtime, Store, delayed};

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

/// Writes `count` files named like entries (keys hashed from their number) into the store's
/// subdirectories under `dir`: a store of that many entries, as far as planning can tell.
fn fill_with_names(dir: &std::path::Path, count: u64) {
    for first in 0..=u8::MAX {
        std::fs::create_dir_all(dir.join(format!("{first:02x}"))).unwrap();
    }
    let store = LocalStore::new(dir);
    for i in 0..count {
        // Keys spread like hashes: a splitmix64 of the number in each of the four words.
        let mut bytes = [0u8; 32];
        for (word, chunk) in bytes.chunks_exact_mut(8).enumerate() {
            let mut z = (i * 4 + word as u64).wrapping_add(0x9e37_79b9_7f4a_7c15);
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            chunk.copy_from_slice(&(z ^ (z >> 31)).to_le_bytes());
        }
        std::fs::write(store.entry_path(Key::from_bytes(bytes)), b"filler").unwrap();
    }
}

fn planning(c: &mut Criterion) {
    // Filling takes a while; the single pass of `cargo test --benches` uses a small store.
    let (entries, present): (u64, u64) = if measuring() {
        (1_000_000, 20_000)
    } else {
        (2_000, 2_000)
    };
    let temp = tempfile::tempdir().unwrap();
    let kept = std::env::var_os("GRAPHCHAIN_BENCH_STORE")
        .filter(|_| measuring())
        .map(std::path::PathBuf::from);
    let full = kept.clone().unwrap_or_else(|| temp.path().join("full"));
    let empty = tempfile::tempdir().unwrap();
    let rt_full = runtime(&full);
    let rt_empty = runtime(empty.path());
    let rt_off = uncached(2);
    // A kept store is complete once this file is there.
    let filled = full.join(format!("filled-{entries}"));
    let filling = std::time::Instant::now();
    for start in (0..present).step_by(10_000) {
        let items: Vec<Delayed<u64>> = (start..present.min(start + 10_000)).map(item).collect();
        rt_full.compute_many(&items).unwrap();
    }
    let computed = filling.elapsed();
    if !filled.exists() {
        fill_with_names(&full, entries - present);
        if kept.is_some() {
            std::fs::write(&filled, b"").unwrap();
        }
    }
    let store = LocalStore::new(&full);
    let listing = std::time::Instant::now();
    let stored = store.list().unwrap().len();
    eprintln!(
        "planning: the store holds {stored} entries: {present} computed and stored in {computed:.1?}, \
         the rest written in {:.1?}; listing them takes {:.1?} (planning never does)",
        filling.elapsed() - computed - listing.elapsed(),
        listing.elapsed(),
    );

    let mut group = c.benchmark_group("planning");
    group.sample_size(10);
    group.throughput(Throughput::Elements(2 * LEAVES - 1));
    // Fresh leaves for every run, so that nothing of the fan-in is ever stored yet, also in a
    // kept store that earlier processes ran against: each process starts at its own second.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let next = AtomicU64::new((1 << 40) + (now << 24));
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
