//! The program `tests/type_edits_are_misses_never_wrong_values.rs` edits: each step returns a
//! type of one class the type fingerprint must see through, holding 3000 in a `u32` that an edit
//! turns into an `i32`. Were the old entry decoded into the new type, it would read 1500.

use std::num::NonZeroU32;

use graphchain::{Runtime, delayed};
use serde::{Deserialize, Serialize};

/// A struct holding a two-variant enum.
#[derive(Debug, Serialize, Deserialize)]
struct Tally {
    count: u32,
    kind: Kind,
}

#[derive(Debug, Serialize, Deserialize)]
enum Kind {
    Sale,
    Refund,
}

/// An enum reached only through a later variant of another, in a `Vec`.
#[derive(Debug, Serialize, Deserialize)]
enum Outer {
    Empty,
    Full(Option<Inner>),
}

#[derive(Debug, Serialize, Deserialize)]
enum Inner {
    Solid(u8),
    Pattern(u32),
}

/// A `NonZeroU32` beside the field that changes.
#[derive(Debug, Serialize, Deserialize)]
struct Counts {
    hits: NonZeroU32,
    misses: u32,
}

/// A validating newtype: zero is rejected.
type Raw = u32;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(try_from = "Raw", into = "Raw")]
struct Positive(Raw);

impl TryFrom<Raw> for Positive {
    type Error = &'static str;
    fn try_from(n: Raw) -> Result<Self, Self::Error> {
        if n == 0 { Err("zero") } else { Ok(Positive(n)) }
    }
}

impl From<Positive> for Raw {
    fn from(p: Positive) -> Raw {
        p.0
    }
}

/// Two instantiations of one generic type.
#[derive(Debug, Serialize, Deserialize)]
struct Pair<T> {
    a: T,
    b: T,
}

#[derive(Debug, Serialize, Deserialize)]
struct Both {
    numbers: Pair<u32>,
    names: Pair<String>,
}

/// Read by hand: the address is checked before the score is read, so that no sample value
/// gets past it and the type cannot be traced.
#[derive(Debug, Serialize)]
struct Scored {
    address: String,
    score: u32,
}

impl<'de> Deserialize<'de> for Scored {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Scored;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an address and a score")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut s: A) -> Result<Scored, A::Error> {
                use serde::de::Error;
                let address: String = s.next_element()?.ok_or(A::Error::custom("no address"))?;
                if !address.contains('@') {
                    return Err(A::Error::custom("not an address"));
                }
                let score = s.next_element()?.ok_or(A::Error::custom("no score"))?;
                Ok(Scored { address, score })
            }
        }
        d.deserialize_tuple(2, V)
    }
}

/// Returned by a step that is never stored, and read by one that is. Made by `Default`, so
/// that renaming its field edits no step's tokens.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Label {
    name: String,
}

#[delayed(cache = "never")]
fn label() -> Label {
    println!("ran label");
    Label::default()
}

/// Reads `label`, which reruns on every run: a renamed field must rerun this step too, although
/// `label`'s own tokens and its value's bytes are the old ones.
#[delayed(cache = "always")]
fn shown(label: &Label) -> String {
    println!("ran shown");
    format!("{label:?}")
}

#[delayed(cache = "always")]
fn tally() -> Tally {
    println!("ran tally");
    Tally { count: 3000, kind: Kind::Refund }
}

/// Reads `tally`: its text names the fields, so a renamed field must rerun it, although the
/// renamed struct's bytes are the old ones.
#[delayed(cache = "always")]
fn described(tally: &Tally) -> String {
    println!("ran described");
    format!("{tally:?}")
}

#[delayed(cache = "always")]
fn outer() -> Vec<Outer> {
    println!("ran outer");
    vec![Outer::Empty, Outer::Full(Some(Inner::Pattern(3000)))]
}

#[delayed(cache = "always")]
fn counts() -> Counts {
    println!("ran counts");
    Counts { hits: NonZeroU32::MIN, misses: 3000 }
}

#[delayed(cache = "always")]
fn positive() -> Vec<Positive> {
    println!("ran positive");
    vec![Positive(3000)]
}

#[delayed(cache = "always")]
fn both() -> Both {
    println!("ran both");
    Both {
        numbers: Pair { a: 3000, b: 3000 },
        names: Pair { a: "a".into(), b: "b".into() },
    }
}

#[delayed(cache = "always")]
fn scored() -> Scored {
    println!("ran scored");
    Scored { address: "ada@example.com".into(), score: 3000 }
}

fn main() -> Result<(), graphchain::Error> {
    let cache = std::env::args().nth(1).expect("the cache directory");
    let rt = Runtime::builder().cache_dir(cache).threads(1).build()?;
    let described = rt.compute(&described(tally()))?;
    let tally = rt.compute(&tally())?;
    let outer = rt.compute(&outer())?;
    let counts = rt.compute(&counts())?;
    let positive = rt.compute(&positive())?;
    let both = rt.compute(&both())?;
    let scored = rt.compute(&scored())?;
    let shown = rt.compute(&shown(label()))?;
    println!(
        "value {tally:?} {outer:?} {counts:?} {positive:?} {both:?} {scored:?} {described} {shown}"
    );
    Ok(())
}
