//! The dask.delayed tutorial's groupby exercise, in Rust: the mean departure delay per origin
//! airport over several years of flights out of New York, one CSV file per year.
//!
//! The example writes its own data: ten files of synthetic flights (1990–1999) in a directory
//! (`--data DIR`, default `flights` in the system's temporary directory), created on the first
//! run. Each file is read, grouped and summed in parallel; the sums and counts are combined
//! into one mean per airport. Results are cached: run it twice and the second run loads.
//!
//! Run it with `cargo run --release --example dask_flights`; `--rows N` sets the flights per
//! file (default 200,000).

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Instant;

use graphchain::{Delayed, Runtime, Status, delayed, delayed_fn};
use serde::{Deserialize, Serialize};

/// A pandas Series indexed by airport.
type Series = BTreeMap<String, f64>;

/// One row of a file.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Flight {
    year: u16,
    month: u8,
    dayof_month: u8,
    origin: String,
    dest: String,
    /// Minutes; missing for cancelled flights, as in the real data (pandas' `NaN`).
    dep_delay: Option<f64>,
}

/// `pd.read_csv(filename)`. The path comes from `graphchain::file`, whose key follows the
/// file's size and modification time: an edited file is read again, an unchanged one is not.
#[delayed]
fn read_csv(path: &PathBuf) -> Result<Vec<Flight>, csv::Error> {
    csv::Reader::from_path(path)?.deserialize().collect()
}

/// `df.groupby('Origin').DepDelay.sum()`
#[delayed]
fn sum_by_origin(flights: &[Flight]) -> Series {
    let mut sums = BTreeMap::new();
    for f in flights {
        *sums.entry(f.origin.clone()).or_insert(0.0) += f.dep_delay.unwrap_or(0.0);
    }
    sums
}

/// `df.groupby('Origin').DepDelay.count()`: flights with a delay recorded.
#[delayed]
fn count_by_origin(flights: &[Flight]) -> Series {
    let mut counts = BTreeMap::new();
    for f in flights {
        *counts.entry(f.origin.clone()).or_insert(0.0) +=
            f64::from(u8::from(f.dep_delay.is_some()));
    }
    counts
}

/// `sum(sums)`: adds series airport by airport.
#[delayed]
fn add_all(parts: &[Series]) -> Series {
    let mut total = BTreeMap::new();
    for part in parts {
        for (airport, value) in part {
            *total.entry(airport.clone()).or_insert(0.0) += value;
        }
    }
    total
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let options = Options::parse();
    let files = ensure_data(&options.data, options.rows)?;

    let mut sums = Vec::new();
    let mut counts = Vec::new();
    for file in &files {
        let df = read_csv(graphchain::file(file));
        sums.push(sum_by_origin(&df));
        counts.push(count_by_origin(&df));
    }
    let total_delays = add_all(sums);
    let n_flights = add_all(counts);
    // `total_delays / n_flights`, airport by airport.
    let divide = delayed_fn!(
        |total: &Series, n: &Series| -> Series {
            total.iter().map(|(k, t)| (k.clone(), t / n[k])).collect()
        },
        name = "mean"
    );
    let mean = divide.call((&total_delays, &n_flights));
    // One number over all airports, with arithmetic on lazy values.
    let sum_values = delayed_fn!(|m: &Series| m.values().sum::<f64>(), name = "sum");
    let overall: Delayed<f64> = sum_values.call(&total_delays) / sum_values.call(&n_flights);

    let rt = Runtime::global();
    let start = Instant::now();
    let (mean, report) = rt.compute_with_report(&mean)?;
    let overall = rt.compute(&overall)?;
    println!(
        "Mean departure delay per origin airport, {} files:",
        files.len()
    );
    for (airport, minutes) in &mean {
        println!("  {airport}  {minutes:6.2} min");
    }
    println!("  all   {overall:6.2} min");
    println!(
        "in {:.2?}: {} tasks computed, {} loaded from the cache",
        start.elapsed(),
        report.count(Status::Computed),
        report.count(Status::Loaded)
    );
    let mut computed: Vec<&str> = report
        .nodes()
        .iter()
        .filter(|n| n.status() == Status::Computed)
        .map(|n| n.name())
        .collect();
    computed.sort_unstable();
    computed.dedup();
    println!("computed: {}", computed.join(", "));
    Ok(())
}

struct Options {
    data: PathBuf,
    rows: usize,
}

impl Options {
    fn parse() -> Options {
        let mut options = Options {
            data: std::env::temp_dir().join("flights"),
            rows: 200_000,
        };
        let mut args = std::env::args().skip(1);
        while let Some(arg) = args.next() {
            let value = args.next();
            match (arg.as_str(), value) {
                ("--data", Some(v)) => options.data = v.into(),
                ("--rows", Some(v)) if v.parse::<usize>().is_ok() => {
                    options.rows = v.parse().unwrap()
                }
                _ => {
                    eprintln!("usage: dask_flights [--data DIR] [--rows N]");
                    std::process::exit(2);
                }
            }
        }
        options
    }
}

/// Writes one file per year unless it is there with the right number of rows.
fn ensure_data(dir: &Path, rows: usize) -> Result<Vec<PathBuf>, Box<dyn std::error::Error>> {
    fs::create_dir_all(dir)?;
    let mut files = Vec::new();
    for year in 1990..2000u16 {
        let path = dir.join(format!("{year}.csv"));
        let marker = dir.join(format!("{year}.rows"));
        if fs::read_to_string(&marker).ok() != Some(rows.to_string()) {
            write_year(&path, year, rows)?;
            fs::write(&marker, rows.to_string())?;
        }
        files.push(path);
    }
    Ok(files)
}

fn write_year(path: &Path, year: u16, rows: usize) -> Result<(), Box<dyn std::error::Error>> {
    const ORIGINS: [&str; 3] = ["EWR", "JFK", "LGA"];
    const DESTS: [&str; 6] = ["ATL", "BOS", "DEN", "LAX", "ORD", "SFO"];
    let mut rng = u64::from(year).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    let mut next = move || {
        // xorshift64*
        rng ^= rng >> 12;
        rng ^= rng << 25;
        rng ^= rng >> 27;
        rng.wrapping_mul(0x2545_f491_4f6c_dd1d)
    };
    let mut out = csv::Writer::from_path(path)?;
    for i in 0..rows {
        let origin = (next() % 3) as usize;
        let r = next();
        // Each airport has its own typical delay; about 2% of flights are cancelled.
        let dep_delay = (r % 50 != 0).then(|| {
            let base = [12.0, 9.0, 6.5][origin];
            base + ((r >> 8) % 120) as f64 - 45.0
        });
        out.serialize(Flight {
            year,
            month: (i * 12 / rows) as u8 + 1,
            dayof_month: (next() % 28) as u8 + 1,
            origin: ORIGINS[origin].to_owned(),
            dest: DESTS[(next() % 6) as usize].to_owned(),
            dep_delay,
        })?;
    }
    out.flush()?;
    Ok(())
}
