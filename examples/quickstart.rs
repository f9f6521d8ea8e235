//! The Python graphchain README's example, in Rust: two identical "data frames", an expensive
//! per-frame computation (quantiles of every column), and a summary of both.
//!
//! Run it with `cargo run --release --example quickstart`; pass `--rows`, `--cols` and
//! `--quantiles` to change the sizes (defaults: 10,000 × 1,000 and 2,048 quantiles), and
//! `--picture graph.svg` to save a picture of what the run is about to do (`.dot` needs nothing,
//! `.svg`, `.png` and `.pdf` need Graphviz), and `--trace run.json` to save the run's timeline
//! for Perfetto.

use std::time::Instant;

use graphchain::{Runtime, delayed};
use serde::{Deserialize, Serialize};

/// A table of `f64`, stored column by column.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Frame {
    rows: usize,
    cols: usize,
    data: Vec<f64>,
}

impl Frame {
    fn column(&self, c: usize) -> &[f64] {
        &self.data[c * self.rows..(c + 1) * self.rows]
    }
}

/// Makes a `rows` × `cols` frame of deterministic pseudo-random numbers.
#[delayed]
fn create_frame(rows: usize, cols: usize) -> Frame {
    println!("Creating frame ({rows} × {cols})...");
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let data = (0..rows * cols)
        .map(|_| {
            // splitmix64
            state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            (z ^ (z >> 31)) as f64 / u64::MAX as f64
        })
        .collect();
    Frame { rows, cols, data }
}

/// The `num_quantiles` quantiles `i / num_quantiles` of every column, interpolated linearly as
/// pandas does: a `num_quantiles` × `cols` frame.
#[delayed]
fn expensive_computation(frame: &Frame, num_quantiles: usize) -> Frame {
    println!("Running expensive computation on frame...");
    let mut data = Vec::with_capacity(num_quantiles * frame.cols);
    let mut sorted = Vec::with_capacity(frame.rows);
    for c in 0..frame.cols {
        sorted.clear();
        sorted.extend_from_slice(frame.column(c));
        sorted.sort_unstable_by(f64::total_cmp);
        for i in 0..num_quantiles {
            let position = i as f64 / num_quantiles as f64 * (frame.rows - 1) as f64;
            let (lo, frac) = (position.floor() as usize, position.fract());
            let hi = (lo + 1).min(frame.rows - 1);
            data.push(sorted[lo] + (sorted[hi] - sorted[lo]) * frac);
        }
    }
    Frame {
        rows: num_quantiles,
        cols: frame.cols,
        data,
    }
}

/// The sum of every value of every frame.
#[delayed]
fn summarize_frames(frames: &[Frame]) -> f64 {
    println!("Summing frames...");
    frames.iter().flat_map(|f| f.data.iter()).sum()
}

/// The value given after `name` on the command line.
fn arg_text(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    let i = args.iter().position(|a| a == name)?;
    Some(args.get(i + 1).cloned().unwrap_or_else(|| {
        eprintln!("{name} takes a value");
        std::process::exit(2)
    }))
}

fn arg(name: &str, default: usize) -> usize {
    arg_text(name).map_or(default, |v| {
        v.replace('_', "").parse().unwrap_or_else(|_| {
            eprintln!("{name} takes a whole number");
            std::process::exit(2)
        })
    })
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let rows = arg("--rows", 10_000);
    let cols = arg("--cols", 1_000);
    let quantiles = arg("--quantiles", 2_048);

    // Building the graph runs nothing.
    let df_a = create_frame(rows, cols);
    let df_b = create_frame(rows, cols);
    let df_c = expensive_computation(&df_a, quantiles);
    let df_d = expensive_computation(&df_b, quantiles);
    let result = summarize_frames(vec![df_c, df_d]);
    println!(
        "df_a and df_b have the same key ({}), so they are one node.",
        df_a.key().short()
    );

    let rt = Runtime::builder().build()?;
    if let Some(path) = arg_text("--picture") {
        // Colours come from the run's own plan: what will load, compute, or not be needed.
        rt.visualize(&result)
            .title("quickstart: what this run will do")
            .save(&path)?;
        println!("saved a picture of the plan to {path}");
    }
    let start = Instant::now();
    let (total, report) = rt.compute_with_report(&result)?;
    println!("result = {total:.6} in {:.3?}\n", start.elapsed());
    print!("{report}\n{}", report.profile());
    if let Some(path) = arg_text("--trace") {
        std::fs::write(&path, report.chrome_trace())?;
        println!("saved the run's timeline to {path}: open it in Perfetto");
    }
    Ok(())
}
