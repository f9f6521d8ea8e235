//! Unit tests of the structure tracer: each class of types is traced in full, and a change deep
//! inside it changes the structure.
// The types here are traced, never read.
#![allow(dead_code)]

use std::collections::{BTreeMap, HashMap};
use std::num::{NonZeroU32, NonZeroU64};

use serde::Deserialize;

use super::structure;

/// The structure of `T`, which must be traceable.
fn traced<T: serde::de::DeserializeOwned>() -> String {
    match structure::<T>() {
        Ok(text) => text,
        Err(why) => panic!("{} cannot be traced: {why}", std::any::type_name::<T>()),
    }
}

/// Defines a module of types in which `$ty` is the type of one field deep inside.
macro_rules! versions {
    ($($module:ident: $ty:ty;)*) => {$(
        mod $module {
            // The example: a field whose type changes beside a two-variant enum.
            #[derive(serde::Deserialize)]
            pub(super) struct Tally {
                pub(super) count: $ty,
                pub(super) kind: Kind,
            }
            #[derive(serde::Deserialize)]
            pub(super) enum Kind {
                Sale,
                Refund,
            }
            // Enums nested in enums, behind later variants, in structs in enums.
            #[derive(serde::Deserialize)]
            pub(super) enum Outer {
                Empty,
                Full(Inner),
                Boxed { inner: Box<Middle> },
            }
            #[derive(serde::Deserialize)]
            pub(super) struct Middle {
                pub(super) deep: Deep,
            }
            #[derive(serde::Deserialize)]
            pub(super) enum Inner {
                Solid(u8),
                Pattern(u16, Deep),
            }
            #[derive(serde::Deserialize)]
            pub(super) enum Deep {
                A,
                B,
                C($ty),
            }
        }
    )*};
}

versions! {
    v1: u32;
    v2: i32;
}

#[test]
fn a_struct_holding_an_enum_is_traced_with_every_variant() {
    let v1 = traced::<v1::Tally>();
    assert_eq!(
        v1,
        "root #0\n#0 \"Tally\" struct {\"count\": u32, \"kind\": #1}\n\
         #1 \"Kind\" enum { 0 \"Sale\" unit; 1 \"Refund\" unit; }"
    );
    assert_ne!(v1, traced::<v2::Tally>());
}

#[test]
fn enums_behind_later_variants_of_other_enums_are_traced_in_full() {
    let v1 = traced::<v1::Outer>();
    for variant in [
        "Empty",
        "Full",
        "Boxed",
        "Solid",
        "Pattern",
        "\"C\" newtype(u32)",
    ] {
        assert!(v1.contains(variant), "{variant} missing from\n{v1}");
    }
    assert_ne!(v1, traced::<v2::Outer>());
}

#[derive(Deserialize)]
enum Colour {
    Red,
    Other(u8),
}

#[derive(Deserialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Side {
    Left,
    Right(u16),
}

#[derive(Deserialize)]
struct Containers {
    maybe: Option<Colour>,
    many: Vec<Colour>,
    by_name: BTreeMap<String, Colour>,
    by_side: HashMap<Side, Vec<Option<Colour>>>,
    pair: (Colour, Side),
}

#[derive(Deserialize)]
struct ContainersChanged {
    maybe: Option<Colour>,
    many: Vec<Colour>,
    by_name: BTreeMap<String, Colour>,
    by_side: HashMap<Side, Vec<Option<Side>>>,
    pair: (Colour, Side),
}

#[test]
fn enums_in_options_sequences_maps_and_tuples_are_traced_in_full() {
    let text = traced::<Containers>();
    assert!(text.contains("\"Other\" newtype(u8)"), "{text}");
    assert!(text.contains("\"Right\" newtype(u16)"), "{text}");
    assert!(text.contains("map<#2, seq<option<#1>>>"), "{text}");
    assert_ne!(
        text.replace("Containers", ""),
        traced::<ContainersChanged>().replace("ContainersChanged", "")
    );
}

#[derive(Deserialize)]
struct Counts {
    hits: NonZeroU32,
    misses: u32,
    limit: Option<NonZeroU64>,
}

#[derive(Deserialize)]
struct CountsChanged {
    hits: NonZeroU32,
    misses: i32,
    limit: Option<NonZeroU64>,
}

#[test]
fn non_zero_fields_get_a_sample_they_accept() {
    let text = traced::<Counts>();
    assert!(
        text.contains("{\"hits\": u32, \"misses\": u32, \"limit\": option<u64>}"),
        "{text}"
    );
    assert_ne!(
        text.replace("Counts", ""),
        traced::<CountsChanged>().replace("CountsChanged", "")
    );
}

/// A validating newtype: zero is rejected.
#[derive(Deserialize)]
#[serde(try_from = "u32")]
struct Positive(u32);

impl TryFrom<u32> for Positive {
    type Error = &'static str;
    fn try_from(n: u32) -> Result<Self, Self::Error> {
        if n == 0 { Err("zero") } else { Ok(Positive(n)) }
    }
}

/// Validates a whole struct: the bounds must be ordered and the label non-empty.
#[derive(Deserialize)]
#[serde(try_from = "RangeFields")]
struct Range {
    bounds: (i64, i64),
}

#[derive(Deserialize)]
struct RangeFields {
    low: i64,
    high: i64,
    label: String,
}

impl TryFrom<RangeFields> for Range {
    type Error = &'static str;
    fn try_from(r: RangeFields) -> Result<Self, Self::Error> {
        if r.label.is_empty() {
            return Err("no label");
        }
        Ok(Range {
            bounds: (r.low, r.high),
        })
    }
}

#[derive(Deserialize)]
struct Validated {
    step: Positive,
    range: Range,
    kind: Colour,
}

#[test]
fn validating_newtypes_are_traced_through_the_type_they_convert_from() {
    let text = traced::<Validated>();
    assert!(text.contains("\"step\": u32"), "{text}");
    assert!(
        text.contains("\"RangeFields\" struct {\"low\": i64, \"high\": i64, \"label\": str}"),
        "{text}"
    );
}

#[derive(Deserialize)]
struct Pair<T> {
    a: T,
    b: T,
}

#[derive(Deserialize)]
struct Generic {
    numbers: Pair<u32>,
    names: Pair<String>,
    nested: Pair<Pair<Colour>>,
}

#[test]
fn each_instantiation_of_a_generic_type_is_traced_apart() {
    let text = traced::<Generic>();
    assert!(
        text.contains("{\"numbers\": #1, \"names\": #2, \"nested\": #3}"),
        "{text}"
    );
    assert!(
        text.contains("#1 \"Pair\" struct {\"a\": u32, \"b\": u32}"),
        "{text}"
    );
    assert!(
        text.contains("#2 \"Pair\" struct {\"a\": str, \"b\": str}"),
        "{text}"
    );
    assert!(
        text.contains("#3 \"Pair\" struct {\"a\": #4, \"b\": #4}"),
        "{text}"
    );
    assert_ne!(traced::<Pair<u32>>(), traced::<Pair<i32>>());
}

#[derive(Deserialize)]
enum List {
    Cons(u32, Box<List>),
    Nil,
}

#[derive(Deserialize)]
struct Tree {
    label: Colour,
    children: Vec<Tree>,
    parent: Option<Box<Tree>>,
}

#[derive(Deserialize)]
enum Expr {
    Add(Box<Expr>, Box<Expr>),
    Neg(Box<Expr>),
    Lit(i64),
}

#[derive(Deserialize)]
enum Ping {
    Pong(Box<Pong>),
}

#[derive(Deserialize)]
enum Pong {
    Ping(Box<Ping>),
    Stop,
}

#[test]
fn recursive_types_are_traced_once_round_the_loop() {
    let list = traced::<List>();
    assert_eq!(
        list,
        "root #0\n#0 \"List\" enum { 0 \"Cons\" tuple(u32, #0); 1 \"Nil\" unit; }"
    );
    let tree = traced::<Tree>();
    assert!(
        tree.contains("\"children\": seq<#0>, \"parent\": option<#0>"),
        "{tree}"
    );
    let expr = traced::<Expr>();
    assert!(
        expr.contains("0 \"Add\" tuple(#0, #0); 1 \"Neg\" newtype(#0)"),
        "{expr}"
    );
    traced::<Ping>();
}

#[derive(Deserialize)]
enum Void {}

#[derive(Deserialize)]
enum MaybeVoid {
    Never(Void),
    Value(u32),
}

#[test]
fn uninhabited_variants_are_traced_and_never_chosen() {
    let text = traced::<Vec<MaybeVoid>>();
    assert!(text.contains("\"Never\" newtype(#1)"), "{text}");
    assert!(text.contains("#1 \"Void\" enum { }"), "{text}");
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Untagged {
    Number(u32),
    Text(String),
}

#[derive(Deserialize)]
#[serde(tag = "type")]
enum Tagged {
    A { x: u32 },
}

/// Accepts nothing at all.
struct Never;

impl<'de> Deserialize<'de> for Never {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let _ = String::deserialize(d)?;
        Err(serde::de::Error::custom("never valid"))
    }
}

/// An address and a score, read by hand: the address is checked before the score is read.
struct Scored;

impl<'de> Deserialize<'de> for Scored {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Scored;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an address and a score")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut s: A) -> Result<Scored, A::Error> {
                let address: String = s.next_element()?.unwrap_or_default();
                if !address.contains('@') {
                    return Err(serde::de::Error::custom("not an address"));
                }
                let _: Option<u32> = s.next_element()?;
                Ok(Scored)
            }
        }
        d.deserialize_tuple(2, V)
    }
}

#[derive(Deserialize)]
struct HoldsNever {
    ok: u32,
    never: Never,
    after: Colour,
}

#[test]
fn what_cannot_be_traced_is_an_error_never_a_partial_structure() {
    let any = structure::<Untagged>().unwrap_err();
    assert!(any.contains("deserialize_any"), "{any}");
    assert!(structure::<Tagged>().is_err());
    let rejected = structure::<Vec<HoldsNever>>().unwrap_err();
    assert!(rejected.contains("never valid"), "{rejected}");
    let rejected = structure::<Option<Scored>>().unwrap_err();
    assert!(rejected.contains("not an address"), "{rejected}");
}

#[test]
fn what_a_rejected_value_read_in_full_is_its_structure() {
    // The string is read, then rejected: nothing else would have been read.
    assert_eq!(traced::<Never>(), "root str");
    assert_eq!(traced::<(u8, Never)>(), "root (u8, str)");
}

#[test]
fn tracing_is_deterministic() {
    assert_eq!(traced::<v1::Outer>(), traced::<v1::Outer>());
    assert_eq!(traced::<Containers>(), traced::<Containers>());
}
