//! Procedural macros of graphchain. This crate is an implementation detail: depend on
//! [`graphchain`](https://docs.rs/graphchain), which re-exports [`delayed`].

mod args;
mod debug;
mod expand;
mod hash;
mod model;

use proc_macro::TokenStream;

/// Turns a function into a builder of lazy graph nodes.
///
/// Calling the rewritten function runs nothing: it returns a `Delayed<R>` for the declared
/// return type `R` (or for `T` when it returns `Result<T, E>`, an `Err` becoming a task failure).
/// Each parameter `p: T` or `p: &T` accepts a `Delayed<T>`, a `&Delayed<T>` or a plain `T`; a
/// `Vec<T>` or `&[T]` parameter also accepts a `Vec<Delayed<T>>`; a `&str` parameter takes a
/// `String`. Plain values enter the node's key by the hash of their content, lazy values by their
/// key, and the function by a compile-time blake3 hash of its tokens — so editing the function
/// (but not reformatting it, nor editing its comments or doc comments) gives its nodes new keys.
///
/// The function keeps its name, visibility, generics, attributes and doc comments. Generic
/// functions work; the concrete type arguments enter the key. Parameters taken by value require
/// `Clone` (a value read by several tasks is cloned for each; the last reader gets it moved).
///
/// # Options
///
/// - `pure = false`: every call makes a new node that is never cached (random numbers, clocks).
/// - `cache = "auto" | "always" | "never"`: when results are stored (default `"auto"`:
///   when loading is estimated to be faster than recomputing).
/// - `name = "…"`: the name shown in reports, logs and pictures (default: the function's name).
/// - `version = N`: a manual bump, mixed into the function's identity.
/// - `codec = Type`: how results are stored, a `graphchain::Codec` of the return type (default:
///   `PostcardLz4`, which needs the return type to be `Serialize + DeserializeOwned`; a function
///   with `cache = "never"` or `pure = false` needs neither).
/// - `crate = "path"`: where the `graphchain` crate is, for crates that re-export it.
///
/// # Examples
///
/// ```
/// use graphchain::{compute, delayed};
///
/// /// Squares a number.
/// #[delayed]
/// pub fn square(x: u64) -> u64 {
///     x * x
/// }
///
/// #[delayed(name = "total")]
/// fn sum(parts: &[u64]) -> u64 {
///     parts.iter().sum()
/// }
///
/// #[delayed]
/// fn parse(text: &str) -> Result<u64, std::num::ParseIntError> {
///     text.trim().parse()
/// }
///
/// let squares: Vec<_> = (1..=3).map(square).collect();
/// let total = sum(squares);
/// assert_eq!(total.name(), "total");
/// let (t, p) = compute!(total, parse("42"))?;
/// assert_eq!((t, p), (14, 42));
/// assert!(parse("forty-two").compute().is_err());
/// # Ok::<(), graphchain::Error>(())
/// ```
///
/// Generic functions:
///
/// ```
/// use graphchain::delayed;
///
/// #[delayed]
/// fn first<T: Clone + serde::Serialize>(items: &[T]) -> T {
///     items[0].clone()
/// }
///
/// assert_eq!(first(vec![3u8, 4]).compute()?, 3u8);
/// assert_eq!(first(vec!["a".to_string()]).compute()?, "a");
/// assert_ne!(first(vec![1u8]).key(), first(vec![1u16]).key());
/// # Ok::<(), graphchain::Error>(())
/// ```
#[proc_macro_attribute]
pub fn delayed(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::delayed(args.into(), item.into()).into()
}
