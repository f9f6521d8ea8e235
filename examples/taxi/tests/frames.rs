//! polars frames as results: stored as Arrow IPC with no code from the user, lazy frames never
//! stored, and early cutoff that ignores row order where the codec says so.

use std::sync::atomic::{AtomicUsize, Ordering};

use graphchain::store::{Cache, MemoryStore, Store};
use graphchain::{Reason, Runtime, Status, delayed};
use polars::prelude::*;

fn runtime(store: &std::sync::Arc<MemoryStore>) -> Runtime {
    Runtime::builder()
        .store(store.clone() as std::sync::Arc<dyn Store>)
        .build()
        .expect("a runtime on a memory store")
}

#[delayed(cache = "always")]
fn squares(n: i64) -> PolarsResult<DataFrame> {
    df!("x" => (0..n).collect::<Vec<_>>(), "x2" => (0..n).map(|x| x * x).collect::<Vec<_>>())
}

#[test]
fn a_dataframe_result_is_stored_as_arrow_ipc_and_loaded() {
    let store = std::sync::Arc::new(MemoryStore::new());
    let (first, report) = runtime(&store).compute_with_report(&squares(1000)).unwrap();
    assert_eq!(report.count(Status::Computed), 1);
    let (second, report) = runtime(&store).compute_with_report(&squares(1000)).unwrap();
    assert_eq!(report.count(Status::Loaded), 1);
    assert!(first.equals_missing(&second));
    let codecs: Vec<String> = Cache::with_store(store.clone() as std::sync::Arc<dyn Store>)
        .entries()
        .unwrap()
        .into_iter()
        .filter(|e| !e.is_bookkeeping())
        .filter_map(|e| e.codec)
        .collect();
    assert_eq!(codecs, ["arrow-ipc.lz4"]);
}

#[delayed]
fn plan(n: i64) -> LazyFrame {
    df!("x" => (0..n).collect::<Vec<_>>()).unwrap().lazy()
}

#[delayed]
fn total(plan: LazyFrame) -> PolarsResult<i64> {
    let out = plan.select([col("x").sum()]).collect()?;
    Ok(out.column("x")?.i64()?.get(0).unwrap_or(0))
}

#[test]
fn a_lazy_frame_is_never_stored() {
    let store = std::sync::Arc::new(MemoryStore::new());
    let node = plan(10);
    let (sum, report) = runtime(&store).compute_with_report(&total(&node)).unwrap();
    assert_eq!(sum, 45);
    let plan_node = report.by_name("plan").next().unwrap();
    assert_eq!(plan_node.reason(), Some(&Reason::NotCached));
    let (_, report) = runtime(&store).compute_with_report(&node).unwrap();
    assert_eq!(
        report.count(Status::Computed),
        1,
        "a plan is rebuilt, never loaded"
    );
}

static DOWNSTREAM_RUNS: AtomicUsize = AtomicUsize::new(0);

/// Returns the same rows in an order that changes with `order`, as a group by may.
#[delayed(cache = "always", codec = graphchain::frame::Unordered<graphchain::frame::Ipc>)]
fn grouped(order: u64) -> PolarsResult<DataFrame> {
    let mut keys: Vec<i64> = (0..50).collect();
    keys.rotate_left(order as usize % 50);
    let sums: Vec<i64> = keys.iter().map(|k| k * 10).collect();
    df!("key" => keys, "sum" => sums)
}

#[delayed(cache = "always")]
fn downstream(frame: &DataFrame) -> PolarsResult<i64> {
    DOWNSTREAM_RUNS.fetch_add(1, Ordering::SeqCst);
    Ok(frame.column("sum")?.i64()?.sum().unwrap_or(0))
}

#[test]
fn an_unordered_frame_in_another_row_order_cuts_off_what_follows() {
    let store = std::sync::Arc::new(MemoryStore::new());
    let first = runtime(&store).compute(&downstream(grouped(1))).unwrap();
    let runs = DOWNSTREAM_RUNS.load(Ordering::SeqCst);
    // Another argument, so `grouped` runs again: the same rows, in another order.
    let (second, report) = runtime(&store)
        .compute_with_report(&downstream(grouped(7)))
        .unwrap();
    assert_eq!(first, second);
    assert_eq!(
        DOWNSTREAM_RUNS.load(Ordering::SeqCst),
        runs,
        "{}",
        report.explain()
    );
}
