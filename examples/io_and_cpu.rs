//! IO-bound and CPU-bound tasks in one graph: four `async fn` tasks that each wait (think HTTP
//! requests) run on tokio, side by side with each other and with two CPU tasks on rayon's two
//! threads, so the graph takes about as long as its slowest task instead of the sum of all six.
//!
//! Run it with `cargo run --release --features async --example io_and_cpu`; `--ms N` sets how
//! long each task takes (default 200). Caching is off: every run measures the same work.

use std::time::{Duration, Instant};

use graphchain::{Delayed, Runtime, Scheduler, delayed};

/// Waits `ms` without holding a thread, as a request to a slow service would, then answers.
#[delayed]
async fn fetch(id: u32, ms: u64) -> String {
    tokio::time::sleep(Duration::from_millis(ms)).await;
    format!("response {id}")
}

/// Keeps a core busy for `ms`: CPU work, such as parsing or a model's inference.
#[delayed]
fn crunch(seed: u64, ms: u64) -> u64 {
    let deadline = Instant::now() + Duration::from_millis(ms);
    let mut x = seed | 1;
    while Instant::now() < deadline {
        for _ in 0..1_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
        }
    }
    x
}

#[delayed]
fn summary(responses: &[String], numbers: &[u64]) -> String {
    let bytes: usize = responses.iter().map(String::len).sum();
    format!(
        "{} responses ({bytes} bytes) and {} numbers",
        responses.len(),
        numbers.len()
    )
}

/// Four IO tasks and two CPU tasks of `ms` each, and a summary of their results (also timed by
/// `benches/io_and_cpu.rs`).
pub(crate) fn graph(ms: u64) -> Delayed<String> {
    let responses: Vec<_> = (1..=4).map(|id| fetch(id, ms)).collect();
    let numbers: Vec<_> = (1..=2).map(|seed| crunch(seed, ms)).collect();
    summary(responses, numbers)
}

fn main() -> Result<(), graphchain::Error> {
    let ms = parse_ms();
    let parallel = Runtime::builder().threads(2).cache(false).build()?;
    let sequential = Runtime::builder()
        .scheduler(Scheduler::Sequential)
        .cache(false)
        .build()?;
    // The first run starts the tokio runtime; time the second.
    parallel.compute(&graph(1))?;

    let start = Instant::now();
    let result = parallel.compute(&graph(ms))?;
    let overlapped = start.elapsed();
    println!("{result}");
    println!("4 IO tasks and 2 CPU tasks of {ms} ms each, on 2 threads: {overlapped:.2?}");

    let start = Instant::now();
    sequential.compute(&graph(ms))?;
    let one_by_one = start.elapsed();
    println!(
        "the same one by one (sequential scheduler): {one_by_one:.2?}, {:.1}x longer",
        one_by_one.as_secs_f64() / overlapped.as_secs_f64()
    );
    Ok(())
}

fn parse_ms() -> u64 {
    let mut args = std::env::args().skip(1);
    let mut ms = 200;
    while let Some(arg) = args.next() {
        match (arg.as_str(), args.next().map(|v| v.parse::<u64>())) {
            ("--ms", Some(Ok(v))) => ms = v,
            _ => {
                eprintln!("usage: io_and_cpu [--ms N]");
                std::process::exit(2);
            }
        }
    }
    ms
}
