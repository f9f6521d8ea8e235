//! The Python graphchain README's example, in Rust: two identical "data frames", an expensive
//! per-frame computation (quantiles of every column), and a summary of both.
//!
//! Run it with `cargo run --release --example quickstart`; pass `--rows`, `--cols` and
//! `--quantiles` to change the sizes (defaults: 10,000 × 1,000 and 2,048 quantiles), and
//! `--picture graph.svg` to save a picture of what the run is about to do (`.dot` needs nothing,
//! `.svg`, `.png` and `.pdf` need Graphviz), and `--trace run.json` to save the run's timeline
//! for Perfetto.

use std::io::Write;
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

/// What the command line asks for.
struct Options {
    rows: usize,
    cols: usize,
    quantiles: usize,
    picture: Option<String>,
    trace: Option<String>,
}

const USAGE: &str = "usage: quickstart [--rows N] [--cols N] [--quantiles N] \
                     [--picture FILE.svg|.png|.pdf|.dot] [--trace FILE.json]";

/// Reads the command line; a mistake ends the program with a message saying what was wrong.
fn options() -> Options {
    let fail = |message: String| -> ! {
        eprintln!("quickstart: {message}\n{USAGE}");
        std::process::exit(2)
    };
    let mut options = Options {
        rows: 10_000,
        cols: 1_000,
        quantiles: 2_048,
        picture: None,
        trace: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(name) = args.next() {
        if name == "--help" || name == "-h" {
            println!("{USAGE}");
            std::process::exit(0);
        }
        let Some(value) = args.next() else {
            fail(format!("`{name}` takes a value"))
        };
        let count = || match value.replace('_', "").parse::<usize>() {
            Ok(n) if n > 0 => n,
            _ => fail(format!(
                "`{name}` takes a whole number above 0, not `{value}`"
            )),
        };
        match name.as_str() {
            "--rows" => options.rows = count(),
            "--cols" => options.cols = count(),
            "--quantiles" => options.quantiles = count(),
            "--picture" => options.picture = Some(value),
            "--trace" => options.trace = Some(value),
            _ => fail(format!("unknown argument `{name}`")),
        }
    }
    options
}

fn main() -> std::process::ExitCode {
    match run(options()) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            // The error and what caused it, as one line a person reads.
            let mut message = error.to_string();
            let mut source = error.source();
            while let Some(cause) = source {
                message = format!("{message}: {cause}");
                source = cause.source();
            }
            eprintln!("quickstart: {message}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run(options: Options) -> Result<(), Box<dyn std::error::Error>> {
    let Options {
        rows,
        cols,
        quantiles,
        ..
    } = options;
    // A trace file that cannot be written is found out before the run, not after it.
    let trace = match &options.trace {
        Some(path) => Some((
            path,
            std::fs::File::create(path).map_err(|e| format!("cannot write `{path}`: {e}"))?,
        )),
        None => None,
    };

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
    if let Some(path) = &options.picture {
        // Colours come from the run's own plan: what will load, compute, or not be needed.
        rt.visualize(&result)
            .title("quickstart: what this run will do")
            .save(path)?;
        println!("saved a picture of the plan to {path}");
    }
    let start = Instant::now();
    let (total, report) = rt.compute_with_report(&result)?;
    println!("result = {total:.6} in {:.3?}\n", start.elapsed());
    print!("{report}\n{}", report.profile());
    if let Some((path, mut file)) = trace {
        file.write_all(report.chrome_trace().as_bytes())?;
        println!("saved the run's timeline to {path}: open it in Perfetto");
    }
    Ok(())
}
