//! Unit tests of the identity hash.

use proc_macro2::TokenStream;

use super::identity;

fn id(src: &str) -> String {
    let tokens: TokenStream = src.parse().expect("valid tokens");
    identity(&tokens, None)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn pinned_hashes() {
    assert_eq!(
        id("fn f() {}"),
        "025365e8297f4470e2d3f4ecbd7094a55761d25e6fe95f0d0792434c2aed25c1"
    );
    assert_eq!(
        id("fn add(a: u64, b: u64) -> u64 { a + b }"),
        "0d2cd238dd3ec0b437e2ae29737513806787d7bb8adb79241c3de355a1ed7a93"
    );
}

#[test]
fn formatting_and_comments_do_not_change_it() {
    let base = id("fn add(a: u64, b: u64) -> u64 { a + b }");
    assert_eq!(base, id("fn add(a:u64,b:u64)->u64{a+b}"));
    assert_eq!(
        base,
        id("fn add(\n    a: u64, // first\n    b: u64 /* second */\n) -> u64 {\n    a + b\n}")
    );
}

#[test]
fn trailing_commas_that_rustfmt_adds_do_not_change_it() {
    assert_eq!(
        id("fn f(a: u64) -> u64 { g(a) }"),
        id("fn f(\n    a: u64,\n) -> u64 {\n    g(\n        a,\n    )\n}")
    );
    assert_eq!(
        id("fn f<A, B>(a: A) -> B where A: Into<B> { S { a: [1, 2], b } }"),
        id("fn f<A, B,>(a: A) -> B where A: Into<B>, { S { a: [1, 2,], b, } }")
    );
    assert_eq!(
        id("fn f() { match x { A => 1, B => 2 } }"),
        id("fn f() { match x { A => 1, B => 2, } }")
    );
}

#[test]
fn commas_that_carry_meaning_still_count() {
    assert_ne!(id("fn f() { (a,) }"), id("fn f() { (a) }"));
    assert_ne!(id("fn f() { return (a,) }"), id("fn f() { return (a) }"));
    assert_ne!(id("fn f() { g(S, { x }) }"), id("fn f() { g(S { x }) }"));
    assert_ne!(id("fn f() -> (u8,) { x }"), id("fn f() -> (u8) { x }"));
}

#[test]
fn doc_comments_do_not_change_it() {
    let base = id("fn add(a: u64, b: u64) -> u64 { a + b }");
    assert_eq!(
        base,
        id("/// Adds.\n/** More. */\nfn add(a: u64, b: u64) -> u64 {\n    //! inner\n    a + b\n}")
    );
    assert_eq!(
        base,
        id("#[doc = \"Adds.\"] fn add(a: u64, b: u64) -> u64 { a + b }")
    );
}

#[test]
fn any_token_change_changes_it() {
    let base = id("fn add(a: u64, b: u64) -> u64 { a + b }");
    for edit in [
        "fn add(a: u64, b: u64) -> u64 { a - b }",
        "fn add(a: u64, c: u64) -> u64 { a + c }",
        "fn add(a: u32, b: u64) -> u64 { a + b }",
        "fn add(a: u64, b: u64) -> u64 { (a + b) }",
        "fn add(a: u64, b: u64) -> u64 { a + b + 0 }",
        "fn add(a: u64, b: u64) -> u64 { a + b }  ",
        "fn plus(a: u64, b: u64) -> u64 { a + b }",
        "#[inline] fn add(a: u64, b: u64) -> u64 { a + b }",
    ] {
        if edit.trim_end() == "fn add(a: u64, b: u64) -> u64 { a + b }" {
            assert_eq!(base, id(edit), "trailing spaces are formatting");
        } else {
            assert_ne!(base, id(edit), "{edit}");
        }
    }
    assert_ne!(id("fn f() { 1_000 }"), id("fn f() { 1000 }"));
    assert_ne!(id("fn f() { \"a\" }"), id("fn f() { \"b\" }"));
}

#[test]
fn version_changes_it() {
    let tokens: TokenStream = "fn f() {}".parse().unwrap();
    assert_ne!(identity(&tokens, None), identity(&tokens, Some(1)));
    assert_ne!(identity(&tokens, Some(1)), identity(&tokens, Some(2)));
}
