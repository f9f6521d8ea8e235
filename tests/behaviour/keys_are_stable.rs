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

/// Returned by a step never stored, whose key holds the type's serde structure.
#[derive(serde::Serialize, serde::Deserialize)]
struct Span {
    start: u32,
    end: u32,
}

#[delayed(cache = "never")]
fn span(start: u32) -> Span {
    Span {
        start,
        end: start + 1,
    }
}

fn graph() -> Delayed<Vec<f64>> {
    scale(scale(vec![1.0, 2.0], 3.0), 0.5)
}

#[test]
fn pinned_keys() {
    assert_eq!(
        graph().key().to_string(),
        "7960fd56fbb427d90cc7a6a6a5adb346794c36c40dc313b8d12fec5c3fc19db9"
    );
    let table: HashMap<String, u32> = [("a".to_string(), 1), ("b".to_string(), 2)].into();
    assert_eq!(
        lookup(table, "a").key().to_string(),
        "e9191b4f08e0f5518e396e6670580097ecb1bfa6c34473798c2f012fc86b6045"
    );
    assert_eq!(
        span(7).key().to_string(),
        "eb8d7b8eeea9ebdf9c3d06117da386eacb5dbcc3b3631a3a737a2d3087a2ae99"
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
