//! `#[delayed]` accepts many signatures and its expansion is free of warnings.

#![deny(warnings)]

use std::collections::BTreeMap;
use std::error::Error;
use std::fmt::Debug;

use graphchain::{Delayed, compute, delayed};

#[delayed]
fn no_params() -> u32 {
    7
}

#[delayed]
fn by_value(x: u64, label: String) -> String {
    format!("{label}={x}")
}

#[delayed]
fn by_ref(x: &u64, y: &(u8, char)) -> u64 {
    *x + u64::from(y.0)
}

#[delayed]
fn by_str(text: &str) -> usize {
    text.len()
}

#[delayed]
fn by_slice(items: &[i32]) -> i32 {
    items.iter().sum()
}

#[delayed]
fn by_vec(items: Vec<i32>) -> Vec<i32> {
    items.into_iter().rev().collect()
}

#[delayed]
fn generic_bounds<T: Clone + serde::Serialize + Debug>(item: T, times: usize) -> Vec<String> {
    vec![format!("{item:?}"); times]
}

#[delayed]
fn generic_where<K, V>(map: &BTreeMap<K, V>, key: K) -> Option<V>
where
    K: Ord + Clone + serde::Serialize,
    V: Clone + serde::Serialize,
{
    map.get(&key).cloned()
}

#[delayed]
fn boxed_error(text: &str) -> Result<u32, Box<dyn Error + Send + Sync>> {
    Ok(text.trim().parse()?)
}

#[delayed]
fn string_error(x: i64) -> Result<u64, String> {
    u64::try_from(x).map_err(|e| e.to_string())
}

#[delayed]
fn io_result(x: u8) -> std::io::Result<u8> {
    Ok(x)
}

#[delayed]
fn static_str_error(x: u8) -> Result<u8, &'static str> {
    if x > 0 { Ok(x) } else { Err("zero") }
}

#[delayed]
fn generic_error<E>(fail: bool, error: E) -> Result<u8, E>
where
    E: Clone + serde::Serialize + Into<Box<dyn Error + Send + Sync>>,
{
    if fail { Err(error) } else { Ok(1) }
}

#[delayed]
fn generic_return<T: Default>() -> T {
    T::default()
}

#[delayed]
fn anonymous_lifetime(text: &'_ str) -> String {
    text.to_uppercase()
}

#[derive(Clone, serde::Serialize, serde::Deserialize)]
struct Point {
    x: i32,
}

impl Point {
    #[delayed]
    fn shifted(p: &Point, by: i32) -> Point {
        Point { x: p.x + by }
    }
}

#[delayed]
fn unit_return(x: u8) {
    let _ = x;
}

#[delayed]
fn explicit_unit_return(x: u8) -> () {
    let _ = x;
}

#[delayed]
fn mut_param(mut items: Vec<u8>, extra: u8) -> Vec<u8> {
    items.push(extra);
    items
}

#[delayed]
fn static_lifetimes(items: Vec<&'static str>, _unused: u8) -> usize {
    items.len()
}

/// Doubles a number.
///
/// Doc comments stay on the rewritten function.
#[delayed]
pub(crate) fn documented(x: u64) -> u64 {
    2 * x
}

#[delayed]
#[allow(clippy::too_many_arguments, clippy::needless_pass_by_value)]
fn many_args(a: u8, b: u8, c: u8, d: u8, e: u8, f: u8, g: u8, h: u8) -> u32 {
    [a, b, c, d, e, f, g, h].iter().map(|&v| u32::from(v)).sum()
}

#[delayed(pure = false)]
fn impure(x: u8) -> u8 {
    x
}

#[delayed(cache = "never")]
fn never_cached(x: u8) -> u8 {
    x
}

#[delayed(cache = "always", name = "x")]
fn named(x: u8) -> u8 {
    x
}

#[delayed(version = 3)]
fn versioned(x: u8) -> u8 {
    x
}

#[delayed(
    pure = true,
    cache = "auto",
    name = "everything",
    version = 0,
    crate = "::graphchain"
)]
fn all_options(x: u8) -> u8 {
    x
}

fn main() -> Result<(), graphchain::Error> {
    assert_eq!(no_params().compute()?, 7);
    assert_eq!(by_value(3, "x".to_string()).compute()?, "x=3");
    let two: Delayed<u64> = documented(1);
    assert_eq!(by_ref(&two, (1u8, 'c')).compute()?, 3);
    assert_eq!(by_str("four").compute()?, 4);
    assert_eq!(by_slice(vec![1, 2, 3]).compute()?, 6);
    assert_eq!(by_vec(vec![1, 2]).compute()?, vec![2, 1]);
    assert_eq!(generic_bounds('a', 2).compute()?, vec!["'a'", "'a'"]);
    let map = BTreeMap::from([(1u8, "one".to_string())]);
    assert_eq!(generic_where(map, 1u8).compute()?, Some("one".to_string()));
    assert_eq!(boxed_error(" 12 ").compute()?, 12);
    assert!(boxed_error("twelve").compute().is_err());
    assert_eq!(string_error(5).compute()?, 5);
    assert!(string_error(-5).compute().is_err());
    assert_eq!(io_result(1).compute()?, 1);
    assert_eq!(static_str_error(1).compute()?, 1);
    assert!(static_str_error(0).compute().is_err());
    assert_eq!(generic_error(false, "e".to_string()).compute()?, 1);
    assert!(generic_error(true, "e".to_string()).compute().is_err());
    assert_eq!(generic_return::<u16>().compute()?, 0);
    assert_eq!(anonymous_lifetime("abc").compute()?, "ABC");
    assert_eq!(Point::shifted(Point { x: 1 }, 2).compute()?.x, 3);

    #[delayed]
    fn nested(x: u8) -> u8 {
        x + 1
    }
    assert_eq!(nested(1).compute()?, 2);
    unit_return(1).compute()?;
    explicit_unit_return(1).compute()?;
    assert_eq!(mut_param(vec![1], 2).compute()?, vec![1, 2]);
    assert_eq!(static_lifetimes(vec!["a", "b"], 0).compute()?, 2);
    assert_eq!(many_args(1, 1, 1, 1, 1, 1, 1, 1).compute()?, 8);
    let (a, b, c, d, e) = compute!(
        impure(1),
        never_cached(2),
        named(3),
        versioned(4),
        all_options(5)
    )?;
    assert_eq!((a, b, c, d, e), (1, 2, 3, 4, 5));
    assert_eq!(named(3).name(), "x");
    assert_eq!(all_options(3).name(), "everything");
    assert_ne!(impure(1).key(), impure(1).key());
    assert_eq!(never_cached(1).key(), never_cached(1).key());
    Ok(())
}
