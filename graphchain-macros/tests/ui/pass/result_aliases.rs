//! A `Result` under any name fails its task on `Err`: std's aliases, a crate's own `Result<T>`,
//! a `PolarsResult`-style alias, an oddly named one marked `#[delayed(result)]`; and a
//! `…Result`-named type returned as a plain value with `#[delayed(result = false)]`. Free
//! functions, generic ones, methods and `async fn`s alike, free of warnings.

#![deny(warnings)]

use std::fmt;
use std::io;

use graphchain::{Delayed, delayed};

/// A crate's own error and its `Result<T>`, as in most libraries.
#[derive(Debug)]
pub struct MyError(String);

impl fmt::Display for MyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for MyError {}

mod mine {
    pub type Result<T> = std::result::Result<T, super::MyError>;
}

/// Named as polars names its alias (`polars::prelude::PolarsResult`).
pub type PolarsResult<T> = Result<T, MyError>;

/// An alias whose name says nothing.
pub type Fallible<T> = Result<T, io::Error>;

/// Named like a `Result`, but a plain value.
#[derive(Clone, serde::Serialize, serde::Deserialize)]
pub struct SearchResult {
    hits: u32,
}

#[delayed]
fn read(n: u64) -> io::Result<u64> {
    Ok(n)
}

#[delayed]
fn own(n: u64) -> mine::Result<u64> {
    Ok(n + 1)
}

#[delayed]
fn frame(n: &u64) -> PolarsResult<Vec<u64>> {
    Ok(vec![*n; 2])
}

#[delayed]
fn unit() -> fmt::Result {
    Ok(())
}

#[delayed(result)]
fn odd(n: u64) -> Fallible<u64> {
    Ok(n * 2)
}

#[delayed(result = false)]
fn search(hits: u32) -> SearchResult {
    SearchResult { hits }
}

#[delayed(result = false)]
fn kept(n: u64) -> Result<u64, String> {
    Ok(n)
}

#[delayed]
fn generic<T: Clone + serde::Serialize + serde::de::DeserializeOwned>(item: T) -> io::Result<T> {
    Ok(item)
}

#[delayed(cache = "never")]
fn never(n: u64) -> PolarsResult<u64> {
    Ok(n)
}

#[delayed]
async fn fetch(n: u64) -> PolarsResult<u64> {
    Ok(n)
}

#[derive(Clone, serde::Serialize, serde::Deserialize)]
pub struct Table {
    rows: u64,
}

impl Table {
    #[delayed]
    fn rows(&self) -> PolarsResult<u64> {
        Ok(self.rows)
    }

    #[delayed]
    fn grown(self, by: u64) -> mine::Result<Self> {
        Ok(Table {
            rows: self.rows + by,
        })
    }
}

fn main() {
    let r: Delayed<u64> = read(1);
    let o: Delayed<u64> = own(&r);
    let f: Delayed<Vec<u64>> = frame(&o);
    let _: Delayed<()> = unit();
    let d: Delayed<u64> = odd(3);
    let s: Delayed<SearchResult> = search(4);
    let k: Delayed<Result<u64, String>> = kept(5);
    let g: Delayed<String> = generic("x".to_owned());
    let n: Delayed<u64> = never(6);
    let a: Delayed<u64> = fetch(7);
    let table = Table { rows: 8 };
    let t: Delayed<u64> = table.rows();
    let grown: Delayed<Table> = table.grown(1);
    let _ = (f, d, s, k, g, n, a, t, grown);
}
