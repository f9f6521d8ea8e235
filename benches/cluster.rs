//! Running on other processes: 64 CPU-bound tasks of 0.5 s on two worker processes and on two
//! Slurm jobs (one CPU each) against one local thread, and the cost per node of sending trivial
//! nodes to workers. Workers are copies of this program, which must make the same runs in the
//! same order in every process, so this bench has its own `main` (criterion decides how often
//! to run a routine as it goes). It prints one line per measurement and the ratios.
//!
//! `cargo bench --bench cluster`; the Slurm lines need a cluster (`.ci/slurm start`).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use graphchain::{Delayed, Executor, Runtime, collect, delayed};

mod common;
use common::measuring;

/// Set by the first process for the one that measures and its workers: the directory under
/// which each measurement has a cache of its own, and whether Slurm is there.
const DIR_ENV: &str = "GRAPHCHAIN_BENCH_CLUSTER_DIR";
const SLURM_ENV: &str = "GRAPHCHAIN_BENCH_CLUSTER_SLURM";

/// Keeps a CPU busy for `ms` milliseconds; returns a number that depends on `seed`.
#[delayed]
fn spin(seed: u64, ms: u64) -> u64 {
    let start = Instant::now();
    let mut x = seed;
    while start.elapsed() < Duration::from_millis(ms) {
        for _ in 0..1000 {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        }
    }
    x
}

/// A node that costs nothing to compute.
#[delayed]
fn trivial(i: u64) -> u64 {
    i ^ 0x5555
}

#[delayed]
fn fold(xs: &[u64]) -> u64 {
    xs.iter().fold(0, |a, x| a ^ x)
}

fn heavy(tasks: u64, ms: u64) -> Delayed<u64> {
    fold(collect((0..tasks).map(|i| spin(i, ms)).collect::<Vec<_>>()))
}

fn light(nodes: u64) -> Delayed<u64> {
    fold(collect((0..nodes).map(trivial).collect::<Vec<_>>()))
}

fn main() {
    let Some(dir) = std::env::var_os(DIR_ENV).map(PathBuf::from) else {
        return start_measuring();
    };
    let slurm = std::env::var_os(SLURM_ENV).is_some_and(|v| v == "1");
    // A worker runs its program only up to the run it serves: it must not measure locally.
    let worker = std::env::var_os(graphchain::WORKER_ENV).is_some();
    let (tasks, ms, nodes) = if measuring() {
        (64, 500, 20_000)
    } else {
        (8, 5, 200)
    };
    let mut executors = vec![("processes:2", Executor::processes(2))];
    if slurm {
        executors.push(("slurm:2", Executor::slurm(2)));
    }

    let label = format!("{tasks} tasks of {ms} ms");
    let local = (!worker).then(|| time(&runtime(&dir, "heavy-local", None), &heavy(tasks, ms)));
    report(&label, "local, 1 thread", local, None);
    for (name, executor) in &executors {
        let rt = runtime(&dir, &format!("heavy-{name}"), Some(executor.clone()));
        report(&label, name, Some(time(&rt, &heavy(tasks, ms))), local);
    }

    let label = format!("{nodes} trivial nodes");
    let local = (!worker).then(|| time(&runtime(&dir, "light-local", None), &light(nodes)));
    report(&label, "local, 1 thread", local, None);
    for (name, executor) in &executors {
        let rt = runtime(&dir, &format!("light-{name}"), Some(executor.clone()));
        let took = time(&rt, &light(nodes));
        report(&label, name, Some(took), local);
        println!(
            "{label}\t{name}\t{:.1} us per node",
            took.as_secs_f64() * 1e6 / nodes as f64
        );
    }
}

/// Runs this bench again with a fresh directory for the caches and the Slurm check made once,
/// so that the process that measures and all its workers agree on both.
fn start_measuring() {
    let dir = tempfile::tempdir().unwrap();
    let slurm = std::process::Command::new("sinfo")
        .args(["--noheader", "--format=%T"])
        .output()
        .is_ok_and(|o| o.status.success() && String::from_utf8_lossy(&o.stdout).contains("idle"));
    if !slurm {
        println!("SKIP: the Slurm lines: no Slurm cluster answers here (`.ci/slurm start`)");
    }
    let status = std::process::Command::new(std::env::current_exe().unwrap())
        .args(std::env::args_os().skip(1))
        .env(DIR_ENV, dir.path())
        .env(SLURM_ENV, if slurm { "1" } else { "0" })
        .status()
        .unwrap();
    assert!(status.success(), "the measuring process failed: {status}");
}

/// A runtime with one thread per process (the unit being compared), caching under `dir`.
fn runtime(dir: &Path, name: &str, executor: Option<Executor>) -> Runtime {
    let mut builder = Runtime::builder().cache_dir(dir.join(name)).threads(1);
    if let Some(executor) = executor {
        builder = builder.executor(executor);
    }
    builder.build().unwrap()
}

fn time(rt: &Runtime, value: &Delayed<u64>) -> Duration {
    let start = Instant::now();
    rt.compute(value).unwrap();
    start.elapsed()
}

fn report(label: &str, name: &str, took: Option<Duration>, baseline: Option<Duration>) {
    let Some(took) = took else { return };
    match baseline {
        Some(base) => println!(
            "{label}\t{name}\t{:.3} s\t{:.2}x the local thread's speed",
            took.as_secs_f64(),
            base.as_secs_f64() / took.as_secs_f64()
        ),
        None => println!("{label}\t{name}\t{:.3} s", took.as_secs_f64()),
    }
}
