//! The Rust side of the peers comparison (`benches/peers/run.sh`): the graphs `peers.py` gives
//! dask and Python graphchain, built and computed here.
//!
//! Prints one tab-separated line per case: graph, calls (tasks), mode, seconds per run (median), result.
//! `cargo bench --bench peers -- --sizes 1000,10000 --frame 10000,100,2048` runs them in full;
//! under `cargo test --benches` (no `--bench` argument) it makes one quick pass on tiny graphs.
//!
//! Modes: `sync` computes a graph built beforehand with the sequential scheduler and no cache
//! (dask's synchronous scheduler on a graph dict), `threads` with the parallel one on
//! `--threads` workers (dask's threaded scheduler); `delayed` builds the graph and computes it
//! sequentially (dask.delayed, then `compute(scheduler="sync")`); `cold`, `warm` and
//! `root-change` build and compute with a local cache on `--threads` workers, as Python
//! graphchain's `get` does on dask's synchronous scheduler: on a fresh cache, again on the same
//! cache, and with the root's function changed after a warm run.

use std::path::Path;
use std::time::{Duration, Instant};

use graphchain::{Delayed, LocalStore, Runtime, Status, Store, delayed};
use serde::{Deserialize, Serialize};

#[path = "../common/mod.rs"]
mod common;
use common::{add, chain_with, fan_in_with, inc, measuring, uncached, uncached_sequential};

/// The root-only change of the fan-in: another function (another key), the same value.
#[delayed]
fn add_changed(a: u64, b: u64) -> u64 {
    b.wrapping_add(a)
}

/// The root-only change of the chain.
#[delayed]
fn inc_changed(x: u64) -> u64 {
    1 + x
}

/// A table of `f64`, column by column: what pandas holds for the README's frames.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Frame {
    rows: usize,
    cols: usize,
    data: Vec<f64>,
}

/// The README's `pd.DataFrame(data=[range(num_cols)] * num_rows)`: column `c` is all `c`.
#[delayed]
fn create_dataframe(num_rows: usize, num_cols: usize) -> Frame {
    let mut data = Vec::with_capacity(num_rows * num_cols);
    for c in 0..num_cols {
        data.extend(std::iter::repeat_n(c as f64, num_rows));
    }
    Frame {
        rows: num_rows,
        cols: num_cols,
        data,
    }
}

/// `df.quantile(q=[i / num_quantiles for i in range(num_quantiles)])`.
#[delayed]
fn expensive_computation(df: &Frame, num_quantiles: usize) -> Frame {
    let qs: Vec<f64> = (0..num_quantiles)
        .map(|i| i as f64 / num_quantiles as f64)
        .collect();
    let data = df
        .data
        .chunks_exact(df.rows)
        .flat_map(|column| {
            let mut sorted = column.to_vec();
            sorted.sort_unstable_by(f64::total_cmp);
            qs.iter()
                .map(move |&q| interpolate(&sorted, q))
                .collect::<Vec<_>>()
        })
        .collect();
    Frame {
        rows: num_quantiles,
        cols: df.cols,
        data,
    }
}

/// The `q` quantile of `sorted`, interpolated linearly between neighbours as pandas does.
fn interpolate(sorted: &[f64], q: f64) -> f64 {
    let at = q * (sorted.len() - 1) as f64;
    let below = sorted[at.floor() as usize];
    let above = sorted[at.ceil() as usize];
    below + (above - below) * at.fract()
}

/// `sum(df.sum().sum() for df in dfs)`.
#[delayed]
fn summarize_dataframes(dfs: &[Frame]) -> f64 {
    dfs.iter().map(|df| df.data.iter().sum::<f64>()).sum()
}

/// The README's root-only change: `sum(df.mean().mean() for df in dfs) / len(dfs)`.
#[delayed]
fn average_dataframes(dfs: &[Frame]) -> f64 {
    let mean = |df: &Frame| df.data.iter().sum::<f64>() / df.data.len() as f64;
    dfs.iter().map(mean).sum::<f64>() / dfs.len() as f64
}

/// A graph of size `n`, with its root's function changed or not.
type Graph = fn(u64, bool) -> Delayed<u64>;

/// `n` leaves summed pairwise.
fn fan_in(n: u64, changed: bool) -> Delayed<u64> {
    if changed {
        fan_in_with(0..n, add_changed)
    } else {
        fan_in_with(0..n, add)
    }
}

/// `n` links.
fn chain(n: u64, changed: bool) -> Delayed<u64> {
    if changed {
        chain_with(n, inc_changed)
    } else {
        chain_with(n, inc)
    }
}

fn dataframe(rows: usize, cols: usize, quantiles: usize, changed: bool) -> Delayed<f64> {
    let df_a = create_dataframe(rows, cols);
    let df_b = create_dataframe(rows, cols);
    let df_c = expensive_computation(df_a, quantiles);
    let df_d = expensive_computation(df_b, quantiles);
    if changed {
        average_dataframes(vec![df_c, df_d])
    } else {
        summarize_dataframes(vec![df_c, df_d])
    }
}

struct Options {
    sizes: Vec<u64>,
    frame: (usize, usize, usize),
    threads: usize,
    budget: Duration,
}

impl Options {
    fn parse() -> Options {
        let mut options = if measuring() {
            Options {
                sizes: vec![1_000, 10_000],
                frame: (10_000, 100, 2_048),
                threads: 2,
                budget: Duration::from_secs(1),
            }
        } else {
            Options {
                sizes: vec![100],
                frame: (100, 10, 16),
                threads: 2,
                budget: Duration::ZERO,
            }
        };
        let args: Vec<String> = std::env::args().skip(1).collect();
        let numbers = |value: &str| -> Vec<u64> {
            value
                .split(',')
                .map(|n| n.replace('_', "").parse().expect("a list of whole numbers"))
                .collect()
        };
        for pair in args.windows(2) {
            match pair[0].as_str() {
                "--sizes" => options.sizes = numbers(&pair[1]),
                "--frame" => {
                    let n = numbers(&pair[1]);
                    assert_eq!(n.len(), 3, "--frame takes rows,cols,quantiles");
                    options.frame = (n[0] as usize, n[1] as usize, n[2] as usize);
                }
                "--threads" => options.threads = pair[1].parse().expect("a number of threads"),
                "--budget" => {
                    options.budget = Duration::from_secs_f64(pair[1].parse().expect("seconds"))
                }
                _ => {}
            }
        }
        options
    }
}

/// The median seconds of `run` over repetitions within about `budget` (at least three, at most
/// `max`), each after an untimed `setup`, and the last result. One untimed run comes first, so
/// that one-time costs of the process (thread start, the store's speed probe) stay out.
fn timed<T>(
    budget: Duration,
    max: usize,
    mut setup: impl FnMut(),
    mut run: impl FnMut() -> T,
) -> (f64, T) {
    setup();
    let mut result = run();
    let mut times = Vec::new();
    let spent = Instant::now();
    while times.len() < max && (times.len() < 3 || spent.elapsed() < budget) {
        setup();
        let start = Instant::now();
        result = run();
        times.push(start.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    (times[times.len() / 2], result)
}

/// A result, printed as a number so that both sides' results can be compared.
trait Number: Send + Sync + 'static {
    fn as_f64(&self) -> f64;
}

impl Number for u64 {
    fn as_f64(&self) -> f64 {
        *self as f64
    }
}

impl Number for f64 {
    fn as_f64(&self) -> f64 {
        *self
    }
}

/// One line of output; `calls` counts the graph's calls as dask counts its tasks (Rust merges
/// calls with equal keys into one node), and `ran` says what the Rust side did.
fn emit(graph: &str, calls: usize, mode: &str, (seconds, result): (f64, f64), ran: &str) {
    println!("{graph}\t{calls}\t{mode}\t{seconds:.9}\t{result:.6}\t{ran}");
}

/// What one more run of `graph` on `rt` does: nodes computed, loaded and stored.
fn ran<T: Number>(rt: &Runtime, graph: &Delayed<T>) -> String {
    let (_, report) = rt.compute_with_report(graph).unwrap();
    let stored = report.nodes().iter().filter(|n| n.stored()).count();
    format!(
        "{} computed, {} loaded, {stored} stored",
        report.count(Status::Computed),
        report.count(Status::Loaded)
    )
}

/// Cold, warm and root-only change of one graph on a cache in `dir`; `make(true)` is the graph
/// with its root changed. Each mode is timed, then run once more for its report.
fn cached<T: Number>(
    graph: &str,
    calls: usize,
    dir: &Path,
    options: &Options,
    max: usize,
    make: impl Fn(bool) -> Delayed<T>,
) {
    let rt = Runtime::builder()
        .threads(options.threads)
        .cache_dir(dir)
        .build()
        .unwrap();
    let run = |changed| {
        let value = rt.compute(&make(changed)).unwrap();
        value.as_f64()
    };
    let fresh = || {
        let _ = std::fs::remove_dir_all(dir);
    };
    let cold = timed(options.budget, max, fresh, || run(false));
    fresh();
    emit(graph, calls, "cold", cold, &ran(&rt, &make(false)));

    // The cache decides what to store (cache-if-faster): a warm run loads what it kept and
    // computes the rest.
    let warm = timed(options.budget, max, || {}, || run(false));
    emit(graph, calls, "warm", warm, &ran(&rt, &make(false)));

    // The first run after the change is measured: the changed root's entry goes before each.
    let changed_root = make(true).key();
    let store = LocalStore::new(dir);
    let forget = || {
        let _ = store.remove(changed_root);
    };
    let changed = timed(options.budget, max, forget, || run(true));
    forget();
    emit(graph, calls, "root-change", changed, &ran(&rt, &make(true)));
}

fn main() {
    let options = Options::parse();
    let work = tempfile::tempdir().unwrap();
    let cache = work.path().join("cache");
    let sync = uncached_sequential();
    let threads = uncached(options.threads);
    for &n in &options.sizes {
        let graphs: [(&str, Graph); 2] = [("fan-in", fan_in), ("chain", chain)];
        for (graph, build) in graphs {
            let make = |changed| build(n, changed);
            let nodes = make(false).graph().nodes().len();
            // The scheduler alone, on a graph built beforehand.
            let built = make(false);
            for (mode, rt) in [("sync", &sync), ("threads", &threads)] {
                let run = || rt.compute(&built).unwrap() as f64;
                let measured = timed(options.budget, 1_000, || {}, run);
                emit(graph, nodes, mode, measured, &ran(rt, &built));
            }
            // Building the graph, then computing it (dask.delayed's side builds with delayed).
            let run = || sync.compute(&make(false)).unwrap() as f64;
            let measured = timed(options.budget, 1_000, || {}, run);
            emit(graph, nodes, "delayed", measured, &ran(&sync, &built));
            cached(graph, nodes, &cache, &options, 200, make);
        }
    }
    let (rows, cols, quantiles) = options.frame;
    let frame = |changed: bool| dataframe(rows, cols, quantiles, changed);
    // Five calls, as in the README's dask graph; `df_a` and `df_b` are one node here.
    let calls = 5;
    let built = frame(false);
    let measured = timed(options.budget, 20, || {}, || sync.compute(&built).unwrap());
    emit("dataframe", calls, "sync", measured, &ran(&sync, &built));
    cached("dataframe", calls, &cache, &options, 20, frame);
}
