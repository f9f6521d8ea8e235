//! `#[delayed]` expands to code that does not depend on the prelude names in scope.

#![deny(warnings)]
#![allow(dead_code)]

use ::graphchain::delayed;

struct Result;
struct Ok;
struct Err;
struct Some;
struct None;
struct Option;
struct Vec;
struct String;
struct Box;
struct Clone;
struct Copy;
struct Send;
struct Sync;
struct Sized;
struct Into;
struct From;
struct Default;
struct Iterator;
mod core {}
mod std {}
mod graphchain {}

#[delayed]
fn add(a: u32, b: &u32) -> u32 {
    a + b
}

#[delayed]
fn total(items: &[u32]) -> u32 {
    items.iter().sum()
}

#[delayed]
fn len(text: &str) -> usize {
    text.len()
}

#[delayed]
fn checked(x: i64) -> ::core::result::Result<u32, ::std::string::String> {
    u32::try_from(x).map_err(|e| ::std::string::ToString::to_string(&e))
}

#[delayed]
fn generic<T: ::core::clone::Clone + ::serde::Serialize>(item: T) -> ::std::vec::Vec<T> {
    ::std::vec![item]
}

fn main() {
    let one = add(1, 0);
    let two = add(&one, &one);
    assert_eq!(total(::std::vec![one, two]).compute().unwrap(), 3);
    assert_eq!(len("abc").compute().unwrap(), 3);
    assert_eq!(checked(4).compute().unwrap(), 4);
    assert!(checked(-4).compute().is_err());
    assert_eq!(generic(5u8).compute().unwrap(), ::std::vec![5u8]);
}
