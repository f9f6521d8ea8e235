//! A polars pipeline as analytics binaries write them: twelve monthly CSV files of taxi trips
//! (the columns of New York's yellow-cab trip records) are read with their timestamps parsed,
//! cleaned, summarised per pickup zone, the summaries combined and joined with a table of zones,
//! and a report printed per borough, with data-quality figures per file.
//!
//! The example writes its own data (`--data DIR`, default `taxi` in the system's temporary
//! directory) on its first run: `--files N` files of `--rows N` trips (defaults 12 and 200,000,
//! about 16 MB each) and a zones table. Each file is an input keyed by its size and
//! modification time, so touching or rewriting one file recomputes only what depends on it;
//! each step is stored as Arrow IPC.
//!
//! Run it with `cargo run --release -p taxi`, twice: the second run
//! loads the report. `--plain` runs the same steps as plain function calls, without graphchain,
//! for comparison (`benches/polars/run.sh` times both).

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use graphchain::{Delayed, Runtime, Status, collect};
use polars::prelude::*;

/// The steps: each `#[delayed]` function depends on the helpers it names, so editing a helper
/// recomputes exactly the steps that use it.
#[graphchain::pipeline]
mod steps {
    use std::path::{Path, PathBuf};

    use graphchain::delayed;
    use polars::prelude::*;

    /// Trips with a fare below this are refunds or test rows.
    const MIN_FARE: f64 = 2.5;

    /// Reads a CSV file, with columns of timestamps parsed as such.
    pub(crate) fn read_csv(path: &Path) -> PolarsResult<DataFrame> {
        CsvReadOptions::default()
            .with_has_header(true)
            .map_parse_options(|options| options.with_try_parse_dates(true))
            .try_into_reader_with_file_path(Some(path.to_path_buf()))?
            .finish()
    }

    pub(crate) fn clean_trips(trips: &DataFrame) -> PolarsResult<DataFrame> {
        let seconds = (col("tpep_dropoff_datetime") - col("tpep_pickup_datetime"))
            .dt()
            .total_seconds(false);
        trips
            .clone()
            .lazy()
            .with_column(seconds.alias("seconds"))
            .filter(
                col("fare_amount")
                    .gt_eq(lit(MIN_FARE))
                    .and(col("trip_distance").gt(lit(0.0)))
                    .and(col("seconds").gt(lit(0)))
                    .and(col("passenger_count").gt(lit(0))),
            )
            .with_columns([
                // Money in whole cents (rounded; amounts are positive): sums of integers do not
                // depend on the order they run in.
                (col("fare_amount") * lit(100.0) + lit(0.5))
                    .cast(DataType::Int64)
                    .alias("fare_cents"),
                (col("tip_amount") * lit(100.0) + lit(0.5))
                    .cast(DataType::Int64)
                    .alias("tip_cents"),
                col("tpep_pickup_datetime").dt().hour().alias("pickup_hour"),
            ])
            .collect()
    }

    pub(crate) fn file_quality(raw: &DataFrame, clean: &DataFrame) -> PolarsResult<DataFrame> {
        df!(
            "rows" => [raw.height() as u64],
            "kept" => [clean.height() as u64],
            "dropped" => [(raw.height() - clean.height()) as u64],
        )
    }

    pub(crate) fn zone_summary(clean: &DataFrame) -> PolarsResult<DataFrame> {
        clean
            .clone()
            .lazy()
            .group_by([col("PULocationID")])
            .agg([
                len().cast(DataType::Int64).alias("trips"),
                col("fare_cents").sum(),
                col("tip_cents").sum(),
                col("seconds").sum(),
            ])
            .collect()
    }

    pub(crate) fn combine_summaries(parts: &[DataFrame]) -> PolarsResult<DataFrame> {
        let lazy: Vec<LazyFrame> = parts.iter().map(|p| p.clone().lazy()).collect();
        concat(lazy, UnionArgs::default())?
            .group_by([col("PULocationID")])
            .agg([
                col("trips").sum(),
                col("fare_cents").sum(),
                col("tip_cents").sum(),
                col("seconds").sum(),
            ])
            .collect()
    }

    pub(crate) fn join_zones(summary: &DataFrame, zones: &DataFrame) -> PolarsResult<DataFrame> {
        summary
            .clone()
            .lazy()
            .join(
                zones.clone().lazy(),
                [col("PULocationID")],
                [col("LocationID")],
                JoinArgs::new(JoinType::Left),
            )
            .collect()
    }

    pub(crate) fn borough_totals(joined: &DataFrame) -> PolarsResult<DataFrame> {
        joined
            .clone()
            .lazy()
            .group_by([col("Borough")])
            .agg([
                col("trips").sum(),
                col("fare_cents").sum(),
                col("tip_cents").sum(),
                col("seconds").sum(),
            ])
            .sort(["Borough"], SortMultipleOptions::default())
            .collect()
    }

    pub(crate) fn render(totals: &DataFrame, quality: &[DataFrame]) -> PolarsResult<String> {
        let mut out = String::new();
        let boroughs = totals.column("Borough")?.str()?;
        let trips = totals.column("trips")?.i64()?;
        let fares = totals.column("fare_cents")?.i64()?;
        let tips = totals.column("tip_cents")?.i64()?;
        let seconds = totals.column("seconds")?.i64()?;
        for i in 0..totals.height() {
            let (n, fare, tip, secs) = (
                trips.get(i).unwrap_or(0),
                fares.get(i).unwrap_or(0),
                tips.get(i).unwrap_or(0),
                seconds.get(i).unwrap_or(0),
            );
            out.push_str(&format!(
                "{:<14} {:>9} trips  {:>14.2} in fares  tips {:>5.1}%  {:>5.1} min per trip\n",
                boroughs.get(i).unwrap_or("(unknown)"),
                n,
                fare as f64 / 100.0,
                100.0 * tip as f64 / fare.max(1) as f64,
                secs as f64 / 60.0 / n.max(1) as f64,
            ));
        }
        let (mut rows, mut dropped) = (0, 0);
        for q in quality {
            rows += q.column("rows")?.u64()?.get(0).unwrap_or(0);
            dropped += q.column("dropped")?.u64()?.get(0).unwrap_or(0);
        }
        out.push_str(&format!("{dropped} of {rows} rows dropped as invalid\n"));
        Ok(out)
    }

    #[delayed]
    pub(crate) fn load_zones(path: PathBuf) -> PolarsResult<DataFrame> {
        read_csv(&path)
    }

    #[delayed]
    pub(crate) fn read_trips(path: PathBuf) -> PolarsResult<DataFrame> {
        read_csv(&path)
    }

    #[delayed]
    pub(crate) fn clean(trips: &DataFrame) -> PolarsResult<DataFrame> {
        clean_trips(trips)
    }

    #[delayed]
    pub(crate) fn quality(raw: &DataFrame, clean: &DataFrame) -> PolarsResult<DataFrame> {
        file_quality(raw, clean)
    }

    #[delayed]
    pub(crate) fn by_zone(clean: &DataFrame) -> PolarsResult<DataFrame> {
        zone_summary(clean)
    }

    #[delayed]
    pub(crate) fn combine(parts: &[DataFrame]) -> PolarsResult<DataFrame> {
        combine_summaries(parts)
    }

    #[delayed]
    pub(crate) fn with_zones(summary: &DataFrame, zones: &DataFrame) -> PolarsResult<DataFrame> {
        join_zones(summary, zones)
    }

    #[delayed]
    pub(crate) fn by_borough(joined: &DataFrame) -> PolarsResult<DataFrame> {
        borough_totals(joined)
    }

    #[delayed]
    pub(crate) fn report(totals: &DataFrame, quality: &[DataFrame]) -> PolarsResult<String> {
        render(totals, quality)
    }
}

struct Options {
    data: PathBuf,
    files: usize,
    rows: usize,
    plain: bool,
}

fn options() -> Result<Options, String> {
    let mut options = Options {
        data: std::env::temp_dir().join("taxi"),
        files: 12,
        rows: 200_000,
        plain: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--data" => options.data = value("--data")?.into(),
            "--files" => options.files = parse(&value("--files")?, "--files")?,
            "--rows" => options.rows = parse(&value("--rows")?, "--rows")?,
            "--plain" => options.plain = true,
            other => {
                return Err(format!(
                    "unknown argument `{other}`; use --data DIR, --files N, --rows N, --plain"
                ));
            }
        }
    }
    Ok(options)
}

fn parse(text: &str, name: &str) -> Result<usize, String> {
    text.parse()
        .map_err(|_| format!("{name} takes a whole number, not `{text}`"))
}

/// Writes the zones table and the trip files that are missing, with the same contents for the
/// same `rows` on every machine.
fn write_data(options: &Options) -> std::io::Result<(PathBuf, Vec<PathBuf>)> {
    fs::create_dir_all(&options.data)?;
    let zones = options.data.join("zones.csv");
    if !zones.exists() {
        let boroughs = [
            "Bronx",
            "Brooklyn",
            "EWR",
            "Manhattan",
            "Queens",
            "Staten Island",
        ];
        let mut out = String::from("LocationID,Borough,Zone,service_zone\n");
        for id in 1..=265 {
            let borough = boroughs[id % boroughs.len()];
            let service = if borough == "Manhattan" {
                "Yellow Zone"
            } else {
                "Boro Zone"
            };
            out.push_str(&format!("{id},{borough},Zone {id},{service}\n"));
        }
        fs::write(&zones, out)?;
    }
    let mut files = Vec::new();
    for month in 1..=options.files {
        let path = options
            .data
            .join(format!("trips_{month:02}_{}.csv", options.rows));
        if !path.exists() {
            write_trips(&path, month as u64, options.rows)?;
        }
        files.push(path);
    }
    Ok((zones, files))
}

/// Writes `rows` trips of month `month` (1 is January 2019) in the columns of the yellow-cab
/// trip records.
fn write_trips(path: &Path, month: u64, rows: usize) -> std::io::Result<()> {
    let mut state = 0x9e37_79b9_7f4a_7c15u64 ^ month.wrapping_mul(0x2545_f491_4f6c_dd1d);
    let mut next = move || {
        // xorshift64*: fast, and the same numbers everywhere.
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        state.wrapping_mul(0x2545_f491_4f6c_dd1d)
    };
    let (year, month_of_year) = (2019 + (month - 1) / 12, (month - 1) % 12 + 1);
    let days = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][(month_of_year - 1) as usize];
    let tmp = path.with_extension("csv.tmp");
    let mut out = std::io::BufWriter::new(fs::File::create(&tmp)?);
    writeln!(
        out,
        "VendorID,tpep_pickup_datetime,tpep_dropoff_datetime,passenger_count,trip_distance,\
         RatecodeID,store_and_fwd_flag,PULocationID,DOLocationID,payment_type,fare_amount,extra,\
         mta_tax,tip_amount,tolls_amount,improvement_surcharge,total_amount,congestion_surcharge"
    )?;
    for _ in 0..rows {
        let (r, s) = (next(), next());
        // Most trips are short: 0 to 20 miles, a third of them under 2.
        let u = (r % 1000) as f64 / 1000.0;
        let miles = (u * u * 2000.0).round() / 100.0;
        let seconds = 60 + (miles * 150.0) as u64 + (s >> 32) % 900;
        // Every trip ends within its month: at most 3,960 seconds long.
        let pickup = s % (days * 86_400 - 3_960);
        // One trip in fifty has a refund-like fare, one in a hundred no passengers: the cleaning
        // step drops them.
        let fare = if r % 50 == 0 {
            0.0
        } else {
            2.5 + miles * 2.5 + seconds as f64 / 120.0
        };
        let fare = (fare * 2.0).round() / 2.0;
        let tip = if r % 3 == 0 {
            0.0
        } else {
            (fare * 0.18 * 100.0).round() / 100.0
        };
        let tolls = if r % 17 == 0 { 5.76 } else { 0.0 };
        let extra = [0.0, 0.5, 1.0][(r >> 50) as usize % 3];
        let congestion = if r % 5 == 0 { 0.0 } else { 2.5 };
        writeln!(
            out,
            "{},{},{},{},{miles:.2},{},{},{},{},{},{fare:.2},{extra:.1},0.5,{tip:.2},{tolls:.2},0.3,{:.2},{congestion:.1}",
            1 + r % 2,
            Timestamp(year, month_of_year, pickup),
            Timestamp(year, month_of_year, pickup + seconds),
            (r >> 40) % 6 + u64::from(r % 100 != 0),
            if r % 40 == 0 { 2 } else { 1 },
            if r % 97 == 0 { 'Y' } else { 'N' },
            1 + (r >> 8) % 265,
            1 + (r >> 24) % 265,
            1 + (r >> 44) % 4,
            fare + extra + 0.5 + tip + tolls + 0.3 + congestion,
        )?;
    }
    out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
    fs::rename(tmp, path)
}

/// `seconds` into month `month` of `year`, written as the trip records write it
/// (`2019-01-31 23:59:59`).
struct Timestamp(u64, u64, u64);

impl std::fmt::Display for Timestamp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let Timestamp(year, month, seconds) = *self;
        let (day, rest) = (1 + seconds / 86_400, seconds % 86_400);
        write!(
            f,
            "{year}-{month:02}-{day:02} {:02}:{:02}:{:02}",
            rest / 3600,
            rest / 60 % 60,
            rest % 60
        )
    }
}

/// The pipeline as plain function calls: what the program would be without graphchain.
fn plain(zones: &Path, files: &[PathBuf]) -> PolarsResult<String> {
    let zones = steps::read_csv(zones)?;
    let mut summaries = Vec::new();
    let mut quality = Vec::new();
    for file in files {
        let raw = steps::read_csv(file)?;
        let clean = steps::clean_trips(&raw)?;
        quality.push(steps::file_quality(&raw, &clean)?);
        summaries.push(steps::zone_summary(&clean)?);
    }
    let combined = steps::combine_summaries(&summaries)?;
    let joined = steps::join_zones(&combined, &zones)?;
    steps::render(&steps::borough_totals(&joined)?, &quality)
}

/// The same pipeline as a graph.
fn graph(zones: &Path, files: &[PathBuf]) -> Delayed<String> {
    // Files as inputs: keyed by size and modification time, stamped again at every run.
    let zones = steps::load_zones(graphchain::file(zones));
    let mut summaries = Vec::new();
    let mut quality = Vec::new();
    for file in files {
        let raw = steps::read_trips(graphchain::file(file));
        let clean = steps::clean(&raw);
        quality.push(steps::quality(&raw, &clean));
        summaries.push(steps::by_zone(&clean));
    }
    let combined = steps::combine(collect(summaries));
    let joined = steps::with_zones(&combined, &zones);
    steps::report(steps::by_borough(&joined), collect(quality))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let options = options()?;
    let (zones, files) = write_data(&options)?;
    let start = Instant::now();
    if options.plain {
        print!("{}", plain(&zones, &files)?);
        println!("plain polars: {:.3} s", start.elapsed().as_secs_f64());
        return Ok(());
    }
    let (report, run) = Runtime::global().compute_with_report(&graph(&zones, &files))?;
    print!("{report}");
    println!(
        "graphchain: {:.3} s; {} computed, {} loaded, {} nodes",
        start.elapsed().as_secs_f64(),
        run.count(Status::Computed),
        run.count(Status::Loaded),
        run.nodes().len(),
    );
    let mut computed: Vec<&str> = run
        .nodes()
        .iter()
        .filter(|n| n.status() == Status::Computed)
        .map(|n| n.name())
        .collect();
    computed.sort_unstable();
    computed.dedup();
    if computed.is_empty() {
        println!("computed: nothing");
    } else {
        println!("computed: {}", computed.join(" "));
    }
    Ok(())
}
