//! `crate = "..."` makes the expansion use another path to graphchain.

#![deny(warnings)]

extern crate graphchain as gc;

mod reexport {
    pub(crate) use gc::*;
}

use gc::delayed;

#[delayed(crate = "gc")]
fn double(x: u32) -> u32 {
    2 * x
}

#[delayed(crate = "crate::reexport")]
fn triple(x: &u32) -> u32 {
    3 * x
}

fn main() {
    let d = double(2);
    assert_eq!(triple(&d).compute().unwrap(), 12);
}
