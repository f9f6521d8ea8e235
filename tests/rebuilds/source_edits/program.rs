//! The program `tests/source_edits_rerun_exactly_what_they_reach.rs` builds, edits and builds
//! again: a small pipeline whose run prints `ran <step>` for each step it computed, then
//! `value <the root's value>`. It takes the cache directory as its only argument.
//!
//! ```text
//! load(12) ── clean(_, 3) ──┬── stats::summarize ──┐
//!                           └── weigh ─────────────┼── describe
//!              title("sales") ─────────────────────┘
//! ```
//!
//! Every step is `cache = "always"`, so that every result is stored: the default policy,
//! cache-if-faster, may not store results this cheap, and a step it did not store would run
//! again on the next build whatever the edit.

use graphchain::{Runtime, Status, delayed, track};
use serde::{Deserialize, Serialize};

/// Makes the raw data.
#[delayed(cache = "always")]
fn load(n: u64) -> Vec<u64> {
    (1..=n).collect()
}

#[delayed(cache = "always")]
fn clean(xs: &[u64], multiple: u64) -> Vec<u64> {
    xs.iter().copied().filter(|x| x % multiple != 0).collect()
}

/// Doubles a value.
#[track]
fn weight(x: u64) -> u64 {
    x * 2
}

#[delayed(cache = "always", uses(weight))]
fn weigh(xs: &[u64]) -> Vec<u64> {
    xs.iter().copied().map(weight).collect()
}

#[graphchain::pipeline]
mod stats {
    use graphchain::delayed;
    use serde::{Deserialize, Serialize};

    const CAP: u64 = 10;

    macro_rules! count {
        ($xs:expr) => {
            $xs.len()
        };
    }

    fn capped(x: u64) -> u64 {
        x.min(CAP)
    }

    // Read only through `Debug`, in the printed value.
    #[allow(dead_code)]
    #[derive(Clone, Debug, Default, Serialize, Deserialize)]
    pub struct Summary {
        pub count: usize,
        pub total: u64,
    }

    // `..Default::default()`: a field can be added to `Summary` without editing this step.
    #[delayed(cache = "always")]
    pub fn summarize(xs: &[u64]) -> Summary {
        Summary {
            count: count!(xs),
            total: xs.iter().copied().map(capped).sum(),
            ..Default::default()
        }
    }
}

/// A title, and whatever else a later version adds: a type no `#[track]` or pipeline module
/// covers.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct Title {
    text: String,
}

// `..Default::default()`: a field can be added to `Title` without editing this step.
#[delayed(cache = "always")]
fn title(name: &str) -> Title {
    Title {
        text: name.to_uppercase(),
        ..Default::default()
    }
}

#[delayed(cache = "always")]
fn describe(title: &Title, summary: &stats::Summary, weighted: &[u64]) -> String {
    let weighted: u64 = weighted.iter().sum();
    format!("{}: {summary:?}, weighted {weighted}", title.text)
}

fn main() -> Result<(), graphchain::Error> {
    let cache_dir = std::env::args_os()
        .nth(1)
        .expect("usage: source-edits CACHE_DIR");
    let data = load(12);
    let cleaned = clean(&data, 3);
    let summary = stats::summarize(&cleaned);
    let weighted = weigh(&cleaned);
    let root = describe(title("sales"), &summary, &weighted);

    let runtime = Runtime::builder().cache_dir(cache_dir).build()?;
    let (value, report) = runtime.compute_with_report(&root)?;
    for node in report.nodes() {
        if node.status() == Status::Computed {
            println!("ran {}", node.name());
        }
    }
    println!("value {value}");
    Ok(())
}
