//! IO and CPU tasks overlapping: the graph of `examples/io_and_cpu.rs` (four async tasks that
//! wait 200 ms and two CPU tasks that compute for 200 ms) on two threads with the parallel
//! scheduler, and one task at a time with the sequential one. The ratio of the two times is what
//! running async tasks beside CPU tasks gains: about 6 at best, 1.2 s against 0.2 s.

use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};

mod common;
use common::{measuring, uncached, uncached_sequential};

#[path = "../examples/io_and_cpu.rs"]
#[allow(dead_code)] // the example's `main` and its arguments
mod example;

fn io_and_cpu(c: &mut Criterion) {
    // The single pass of `cargo test --benches` waits a few milliseconds per task instead.
    let ms = if measuring() { 200 } else { 2 };
    let mut group = c.benchmark_group(format!("io_and_cpu_{ms}ms"));
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(15));
    let parallel = uncached(2);
    let sequential = uncached_sequential();
    // The first run starts the runtime's tokio runtime.
    parallel.compute(&example::graph(1)).unwrap();
    group.bench_function("parallel_2_threads", |b| {
        b.iter(|| parallel.compute(&example::graph(ms)).unwrap())
    });
    group.bench_function("sequential", |b| {
        b.iter(|| sequential.compute(&example::graph(ms)).unwrap())
    });
    group.finish();
}

criterion_group!(benches, io_and_cpu);
criterion_main!(benches);
