//! Storing a frame of 200,000 taxi trips: Arrow IPC (the default for `DataFrame` results) and
//! Parquet, against the same rows as plain Rust columns through the default codec (postcard,
//! lz4 when it pays). Prints each encoding's size once.
//!
//! `cargo bench -p taxi --bench frames`

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use graphchain::codec::{Codec, PostcardLz4};
use graphchain::frame::{Ipc, Parquet};
use polars::prelude::*;
use serde::{Deserialize, Serialize};

/// The frame's columns as plain vectors, for the default codec.
#[derive(Serialize, Deserialize)]
struct Columns {
    zone: Vec<i64>,
    distance_km: Vec<f64>,
    fare: Vec<f64>,
    borough: Vec<String>,
}

fn trips(rows: usize) -> (DataFrame, Columns) {
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        state.wrapping_mul(0x2545_f491_4f6c_dd1d)
    };
    let (mut zone, mut distance, mut fare, mut borough) = (vec![], vec![], vec![], vec![]);
    let names = [
        "Bronx",
        "Brooklyn",
        "EWR",
        "Manhattan",
        "Queens",
        "Staten Island",
    ];
    for _ in 0..rows {
        let r = next();
        zone.push((1 + r % 265) as i64);
        distance.push((r >> 20) as f64 % 3000.0 / 100.0);
        fare.push(3.0 + ((r >> 32) % 5000) as f64 / 100.0);
        borough.push(names[(r >> 50) as usize % names.len()]);
    }
    let frame = df!(
        "zone" => zone.clone(),
        "distance_km" => distance.clone(),
        "fare" => fare.clone(),
        "borough" => borough.clone(),
    )
    .expect("columns of equal length");
    let borough = borough.into_iter().map(str::to_owned).collect();
    (
        frame,
        Columns {
            zone,
            distance_km: distance,
            fare,
            borough,
        },
    )
}

fn codec<T, C: Codec<T>>(c: &mut Criterion, name: &str, frame: &T) {
    let mut bytes = Vec::new();
    C::encode(frame, &mut bytes).expect("encodes");
    println!("{name}: {} bytes", bytes.len());
    c.bench_function(&format!("frames/{name}/encode"), |b| {
        b.iter(|| {
            let mut out = Vec::with_capacity(bytes.len());
            C::encode(black_box(frame), &mut out).expect("encodes");
            out
        })
    });
    c.bench_function(&format!("frames/{name}/decode"), |b| {
        b.iter(|| C::decode(black_box(&bytes)).expect("decodes"))
    });
}

fn frames(c: &mut Criterion) {
    let (frame, columns) = trips(200_000);
    codec::<DataFrame, Ipc>(c, "arrow-ipc.lz4", &frame);
    codec::<DataFrame, Parquet>(c, "parquet+zstd", &frame);
    codec::<Columns, PostcardLz4>(c, "columns, postcard+lz4", &columns);
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = frames
}
criterion_main!(benches);
