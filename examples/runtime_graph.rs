//! A graph defined at run time, from a TOML (or JSON) file: task names mapped to registered
//! functions, the tasks they depend on and literal arguments — dask's dict graphs and
//! taskmap's graphs, checked before anything runs.
//!
//! Run it with `cargo run --example runtime_graph [-- SPEC] [--done TASK=JSON]`; the default
//! spec is `examples/pipeline.toml`. `--done` seeds a task's result as if it had run elsewhere.

use std::collections::BTreeMap;

use graphchain::{GraphSpec, Registry, Runtime, delayed_fn};

fn registry() -> Registry {
    let mut registry = Registry::new();
    registry
        .register(
            "simulate",
            delayed_fn!(|n: usize, seed: u64| -> Vec<f64> {
                let mut state = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
                (0..n)
                    .map(|_| {
                        state ^= state << 13;
                        state ^= state >> 7;
                        state ^= state << 17;
                        (state % 10_000) as f64 / 100.0
                    })
                    .collect()
            }),
        )
        .register(
            "calibrate",
            delayed_fn!(|xs: &[f64], gain: f64, offset: f64| -> Vec<f64> {
                xs.iter().map(|x| x * gain + offset).collect()
            }),
        )
        .register(
            "clip",
            delayed_fn!(|xs: &[f64], lo: f64, hi: f64| -> Vec<f64> {
                xs.iter()
                    .copied()
                    .filter(|x| (lo..=hi).contains(x))
                    .collect()
            }),
        )
        .register(
            "mean",
            delayed_fn!(|xs: &[f64]| xs.iter().sum::<f64>() / xs.len() as f64),
        )
        .register(
            "std_dev",
            delayed_fn!(|xs: &[f64], mean: f64| {
                (xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / xs.len() as f64).sqrt()
            }),
        )
        .register(
            "describe",
            delayed_fn!(|mean: f64, spread: f64, name: String| {
                format!("{name}: {mean:.2} ± {spread:.2}")
            }),
        );
    registry
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut spec_path = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/pipeline.toml").to_owned();
    let mut done = BTreeMap::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--done" {
            let seed = args.next().ok_or("--done takes TASK=JSON")?;
            let (task, json) = seed.split_once('=').ok_or("--done takes TASK=JSON")?;
            done.insert(task.to_owned(), serde_json::from_str(json)?);
        } else {
            spec_path = arg;
        }
    }
    let text = std::fs::read_to_string(&spec_path)?;
    let mut spec: GraphSpec = if spec_path.ends_with(".json") {
        serde_json::from_str(&text)?
    } else {
        toml::from_str(&text)?
    };
    spec.done.extend(done);

    let graph = registry().build(&spec)?;
    println!("{} tasks from {spec_path}", graph.tasks().len());
    let rt = Runtime::builder().cache(false).build()?;
    let results = graph.compute_json(&rt, &["summary", "mean"])?;
    for (task, value) in &results {
        println!("{task} = {value}");
    }
    // The same graph, typed.
    let summary: String = graph.get::<String>("summary")?.compute()?;
    assert_eq!(serde_json::Value::String(summary), results["summary"]);
    Ok(())
}
