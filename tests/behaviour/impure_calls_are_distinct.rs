//! `pure = false`: every call is a node of its own, run every time, never merged with another.

use std::sync::atomic::{AtomicU64, Ordering};

use graphchain::{compute, delayed};

static TICKS: AtomicU64 = AtomicU64::new(0);

#[delayed(pure = false)]
fn tick() -> u64 {
    TICKS.fetch_add(1, Ordering::SeqCst)
}

#[delayed]
fn same() -> u64 {
    7
}

#[test]
fn impure_calls_get_distinct_keys_and_all_run() {
    let a = tick();
    let b = tick();
    assert_ne!(a.key(), b.key());
    assert_eq!(same().key(), same().key());
    let (x, y) = compute!(a, b).unwrap();
    assert_ne!(x, y, "two calls ran twice");
    // Computing the same impure node again runs it again (it is never cached).
    let first = a.compute().unwrap();
    let second = a.compute().unwrap();
    assert_ne!(first, second);
}
