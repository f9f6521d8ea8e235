//! The dask.delayed tutorial's control-flow exercise, in Rust: only some functions are delayed.
//! `is_even` is cheap and decides which slow function to call, so it runs right away, while the
//! graph is built; `half` and `odd_process` are slow, so they become nodes and run in parallel.
//!
//! Run it with `cargo run --release --example dask_control_flow`; `--delay-ms N` sets how long
//! each slow call sleeps (default 1000).

use std::thread::sleep;
use std::time::{Duration, Instant};

use graphchain::{Delayed, Runtime, delayed};

#[delayed]
fn half(x: u64, delay_ms: u64) -> u64 {
    sleep(Duration::from_millis(delay_ms));
    x / 2
}

#[delayed]
fn odd_process(x: u64, delay_ms: u64) -> u64 {
    sleep(Duration::from_millis(delay_ms));
    3 * x + 1
}

/// Not delayed: it decides the shape of the graph.
fn is_even(x: u64) -> bool {
    x.is_multiple_of(2)
}

#[delayed]
fn total(parts: &[u64]) -> u64 {
    parts.iter().sum()
}

fn main() -> Result<(), graphchain::Error> {
    let delay_ms = std::env::args()
        .skip_while(|a| a != "--delay-ms")
        .nth(1)
        .map_or(1000, |v| v.parse().expect("--delay-ms takes a number"));
    // The tutorial draws eight numbers in 0..=100; these are fixed so that runs agree.
    let data: Vec<u64> = vec![31, 8, 77, 54, 12, 95, 40, 3];

    let result: Vec<Delayed<u64>> = data
        .iter()
        .map(|&x| {
            if is_even(x) {
                half(x, delay_ms)
            } else {
                odd_process(x, delay_ms)
            }
        })
        .collect();
    let sum = total(result);

    let expected: u64 = data
        .iter()
        .map(|&x| if is_even(x) { x / 2 } else { 3 * x + 1 })
        .sum();
    let rt = Runtime::builder().threads(8).cache(false).build()?;
    let start = Instant::now();
    let value = rt.compute(&sum)?;
    println!(
        "total = {value} (expected {expected}) in {:.2?}; {} slow calls of {delay_ms} ms each",
        start.elapsed(),
        data.len()
    );
    assert_eq!(value, expected);
    Ok(())
}
