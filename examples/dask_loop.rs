//! The dask.delayed tutorial's first exercises, in Rust: two slow functions, wrapped after the
//! fact with `delayed_fn!` and decorated with `#[delayed]`, a dependency graph of three calls,
//! then a loop of eight calls whose sum is one more node.
//!
//! Run it with `cargo run --release --example dask_loop`; `--delay-ms N` sets how long each
//! call sleeps (default 1000, as in the tutorial). Caching is off here: the point is the
//! parallel speed-up, which a cached second run would hide.

use std::thread::sleep;
use std::time::{Duration, Instant};

use graphchain::{Runtime, collect, compute, delayed, delayed_fn};

/// The tutorial's `slowinc`: sleeps, then adds one.
fn slowinc(x: i64, delay_ms: u64) -> i64 {
    sleep(Duration::from_millis(delay_ms));
    x + 1
}

/// The tutorial's `slowadd`: sleeps, then adds.
fn slowadd(x: i64, y: i64, delay_ms: u64) -> i64 {
    sleep(Duration::from_millis(delay_ms));
    x + y
}

/// The decorator form: the same function, lazy from the start.
#[delayed]
fn inc(x: i64, delay_ms: u64) -> i64 {
    slowinc(x, delay_ms)
}

fn main() -> Result<(), graphchain::Error> {
    let delay_ms = parse_delay();
    // Eight threads: the tasks sleep, so more of them than cores can overlap, as with dask's
    // threaded scheduler.
    let rt = Runtime::builder().threads(8).cache(false).build()?;

    // x = slowinc(1); y = slowinc(2); z = slowadd(x, y)
    let start = Instant::now();
    let z = slowadd(slowinc(1, delay_ms), slowinc(2, delay_ms), delay_ms);
    println!("sequential: z = {z} in {:.2?}", start.elapsed());

    // x = dask.delayed(slowinc)(1) …
    let lazy_inc = delayed_fn!(slowinc);
    let lazy_add = delayed_fn!(slowadd);
    let x = lazy_inc.call((1, delay_ms));
    let y = lazy_inc.call((2, delay_ms));
    let z = lazy_add.call((&x, &y, delay_ms));
    let start = Instant::now();
    let (x, y, z) = rt.compute_many((&x, &y, &z))?;
    println!(
        "delayed:    z = {z} (x = {x}, y = {y}) in {:.2?}: x and y run side by side",
        start.elapsed()
    );

    // Parallelize a loop: for x in data: tasks.append(slowinc(x)); total = sum(tasks)
    let data: Vec<i64> = (0..8).collect();
    let start = Instant::now();
    let total: i64 = data.iter().map(|&x| slowinc(x, delay_ms)).sum();
    println!(
        "sequential loop: total = {total} in {:.2?}",
        start.elapsed()
    );

    let tasks = data.iter().map(|&x| inc(x, delay_ms)).collect();
    let sum = delayed_fn!(|xs: &[i64]| xs.iter().sum::<i64>(), name = "sum");
    let total = sum.call(collect(tasks));
    println!("the loop's graph has {} nodes", total.graph().len());
    let start = Instant::now();
    let total = rt.compute(&total)?;
    println!(
        "delayed loop:    total = {total} in {:.2?}",
        start.elapsed()
    );

    // Arithmetic on lazy values builds nodes too; `compute!` shares what outputs have in common.
    let (a, b) = compute!(inc(10, 0) * 2, inc(10, 0) + 1)?;
    println!("(11 * 2, 11 + 1) = ({a}, {b})");
    Ok(())
}

fn parse_delay() -> u64 {
    let mut args = std::env::args().skip(1);
    let mut delay_ms = 1000;
    while let Some(arg) = args.next() {
        match (arg.as_str(), args.next().map(|v| v.parse::<u64>())) {
            ("--delay-ms", Some(Ok(v))) => delay_ms = v,
            _ => {
                eprintln!("usage: dask_loop [--delay-ms N]");
                std::process::exit(2);
            }
        }
    }
    delay_ms
}
