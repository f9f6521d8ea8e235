//! Computing values: plain and lazy arguments, references, fan-in, generics and `compute!`.

use graphchain::{Delayed, Runtime, Scheduler, compute, delayed};

#[delayed]
fn load(rows: usize, cols: usize) -> Vec<Vec<f64>> {
    (0..rows)
        .map(|r| (0..cols).map(|c| (r * cols + c) as f64).collect())
        .collect()
}

#[delayed]
fn column_sums(table: &[Vec<f64>], scale: f64) -> Vec<f64> {
    let cols = table.first().map_or(0, Vec::len);
    (0..cols)
        .map(|c| table.iter().map(|row| row[c]).sum::<f64>() * scale)
        .collect()
}

#[delayed]
fn summarize(parts: Vec<Vec<f64>>) -> f64 {
    parts.iter().flatten().sum()
}

#[delayed]
fn total(parts: &[f64]) -> f64 {
    parts.iter().sum()
}

#[delayed]
fn greet(name: &str, punctuation: char) -> String {
    format!("hello {name}{punctuation}")
}

#[delayed]
fn pair<A: Clone + serde::Serialize, B: Clone + serde::Serialize>(a: A, b: &B) -> (A, B) {
    (a, b.clone())
}

#[test]
fn design_card_example_computes() {
    let a = load(4, 3);
    let b = load(4, 3);
    assert_eq!(a.key(), b.key(), "identical calls are one node");
    let qa = column_sums(&a, 1.0);
    let qb = column_sums(b, 2.0);
    let all = summarize(vec![qa.clone(), qb]);
    // Sum of 0..12 is 66; once at scale 1 and once at scale 2.
    assert_eq!(all.compute().unwrap(), 66.0 * 3.0);
    let (x, y) = compute!(qa, all).unwrap();
    assert_eq!(x, vec![18.0, 22.0, 26.0]);
    assert_eq!(y, 198.0);
}

#[test]
fn plain_values_references_and_slices() {
    let plain: Vec<f64> = vec![1.0, 2.0];
    assert_eq!(total(&plain[..]).compute().unwrap(), 3.0);
    assert_eq!(total(plain.clone()).compute().unwrap(), 3.0);
    let lazy: Vec<Delayed<f64>> = (1..=4).map(|i| total(vec![i as f64])).collect();
    assert_eq!(total(&lazy[..]).compute().unwrap(), 10.0);
    assert_eq!(
        total(lazy.iter().collect::<Vec<_>>()).compute().unwrap(),
        10.0
    );
    assert_eq!(total(lazy).compute().unwrap(), 10.0);
    assert_eq!(greet("world", '!').compute().unwrap(), "hello world!");
    let name = String::from("graph");
    assert_eq!(greet(&name, '?').compute().unwrap(), "hello graph?");
}

#[test]
fn generic_functions_key_their_type_arguments() {
    // In generic functions, plain values go by value: `&2u8` could be a `B = &u8` as well.
    let p = pair(1u8, "x".to_string());
    assert_eq!(p.compute().unwrap(), (1u8, "x".to_string()));
    assert_ne!(pair(1u8, 2u8).key(), pair(1u16, 2u8).key());
    assert_eq!(pair(1u8, 2u8).key(), pair(1u8, 2u8).key());
    let lazy = pair(3u8, 4u8);
    assert_eq!(pair(&lazy, 5u8).compute().unwrap(), ((3u8, 4u8), 5u8));
}

#[test]
fn runtimes_and_compute_many() {
    let seq = Runtime::builder()
        .scheduler(Scheduler::Sequential)
        .build()
        .unwrap();
    let par = Runtime::builder().threads(2).build().unwrap();
    let node = summarize(vec![column_sums(load(3, 3), 1.0)]);
    assert_eq!(seq.compute(&node).unwrap(), par.compute(&node).unwrap());
    let a = total(vec![1.0]);
    let b = total(vec![2.0]);
    let (x, y, z) = par.compute_many((&a, &b, &a)).unwrap();
    assert_eq!((x, y, z), (1.0, 2.0, 1.0));
    let list = vec![a.clone(), b.clone()];
    assert_eq!(compute(&list).unwrap(), vec![1.0, 2.0]);
    assert_eq!(compute(&list[..1]).unwrap(), vec![1.0]);
    assert_eq!(compute(list).unwrap(), vec![1.0, 2.0], "a Vec handed over");
    assert_eq!(compute(&[a, b]).unwrap(), [1.0, 2.0]);
}
