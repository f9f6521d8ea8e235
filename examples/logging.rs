//! What a run does, line by line: install a `tracing` subscriber and graphchain logs each
//! `compute`, `store`, `load`, `skip` and `fail` with the function, the node's short key, the time
//! and the size (the lines Python graphchain logs as COMPUTE, STORE and LOAD).
//!
//! graphchain logs nothing unless a subscriber is installed. Its events have the target
//! `graphchain`: the routine ones are at debug level, the warnings (an unusable cache entry, a
//! cache that cannot be written) at warn.
//!
//! Run it with `cargo run --example logging`.

use std::sync::Arc;

use graphchain::{MemoryStore, Runtime, delayed};

/// The squares of `0..n`.
#[delayed(cache = "always")]
fn squares(n: u64) -> Vec<u64> {
    (0..n).map(|i| i * i).collect()
}

/// Their sum, never stored.
#[delayed(cache = "never")]
fn total(xs: &[u64]) -> u64 {
    xs.iter().sum()
}

fn main() -> Result<(), graphchain::Error> {
    // Any subscriber will do; this one prints every event of debug level and above to stdout.
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .without_time()
        .init();

    let rt = Runtime::builder()
        .store(Arc::new(MemoryStore::new()))
        .build()?;
    let result = total(squares(1_000));
    println!("first run: computes and stores `squares`");
    println!("= {}", rt.compute(&result)?);
    println!("second run: loads `squares`, computes `total`");
    println!("= {}", rt.compute(&result)?);
    Ok(())
}
