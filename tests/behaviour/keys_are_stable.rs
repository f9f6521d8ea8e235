//! Key stability: a fixed graph has fixed keys, on every run and every machine.
//!
//! If one of these changes, every cache entry users have is invalidated: change them only with
//! a bump of the key scheme and a CHANGELOG entry.

use std::collections::HashMap;

use graphchain::{Delayed, delayed};

#[delayed]
fn scale(xs: Vec<f64>, factor: f64) -> Vec<f64> {
    xs.iter().map(|x| x * factor).collect()
}

#[delayed]
fn lookup(table: HashMap<String, u32>, name: &str) -> u32 {
    table.get(name).copied().unwrap_or(0)
}

fn graph() -> Delayed<Vec<f64>> {
    scale(scale(vec![1.0, 2.0], 3.0), 0.5)
}

#[test]
fn pinned_keys() {
    assert_eq!(
        graph().key().to_string(),
        "00d61fb6fbb6d2bd1661efc8e0581313087d50cc67a6e8bcc633f46fbd00b472"
    );
    let table: HashMap<String, u32> = [("a".to_string(), 1), ("b".to_string(), 2)].into();
    assert_eq!(
        lookup(table, "a").key().to_string(),
        "9d2220e7cffd557759f7c8d7656006b9f2ec3dc5f95d48ec3ec5c5e5499a2a07"
    );
}

#[test]
fn hash_map_literals_key_the_same_whatever_their_order() {
    let forward: HashMap<String, u32> = (0..50).map(|i| (format!("k{i}"), i)).collect();
    let backward: HashMap<String, u32> = (0..50).rev().map(|i| (format!("k{i}"), i)).collect();
    assert_eq!(lookup(forward, "k1").key(), lookup(backward, "k1").key());
}

#[test]
fn keys_change_with_any_input() {
    assert_ne!(scale(vec![1.0], 2.0).key(), scale(vec![1.0], 3.0).key());
    assert_ne!(scale(vec![1.0], 2.0).key(), scale(vec![1.5], 2.0).key());
    let inner = scale(vec![1.0], 2.0);
    assert_ne!(scale(&inner, 2.0).key(), scale(vec![2.0], 2.0).key());
}
