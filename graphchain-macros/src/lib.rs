//! Procedural macros of graphchain. This crate is an implementation detail: depend on
//! [`graphchain`](https://docs.rs/graphchain), which re-exports [`delayed`].

mod args;
mod debug;
mod expand;
mod hash;
mod model;
mod pipeline;
mod track;
mod wrap;

use proc_macro::TokenStream;

/// Turns a function into a builder of lazy graph nodes.
///
/// Calling the rewritten function runs nothing: it returns a `Delayed<R>` for the declared
/// return type `R` (or for `T` when it returns a `Result` whose `Ok` is `T`, an `Err` becoming a
/// task failure; see [`Result` returns](#result-returns)).
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
/// - `uses(helper, path::Type, …)`: helpers marked [`macro@track`] whose code is part of the
///   function's identity, so that editing one recomputes exactly the steps that use it.
/// - `retries = N`: after an `Err` or a panic, run the task again, up to `N` more times, with
///   the same inputs.
/// - `result` or `result = false`: whether the return type is a `Result` whose `Err` fails the
///   task (default: when its name is or ends in `Result`; see below).
/// - `codec = Type`: how results are stored, a `graphchain::Codec` of the return type (default:
///   `PostcardLz4`, which needs the return type to be `Serialize + DeserializeOwned`; a function
///   with `cache = "never"` or `pure = false` needs neither). The error for a type that is not
///   says so and names these two ways out: `cache = "never"` suits a value that is cheaper to
///   rebuild than to load.
///
///   polars frames are recognised by the name their value type is written with (`DataFrame`,
///   `PolarsResult<DataFrame>`, `Result<polars::prelude::DataFrame, E>`…): a `DataFrame` is
///   stored as Arrow IPC (`graphchain::frame::Ipc`, feature `polars`), and a `LazyFrame` — a
///   query plan, whose rows are computed where it is collected — is never stored, as with
///   `cache = "never"`. A `codec` named in the attribute takes precedence over both.
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
///
/// # `Result` returns
///
/// A return type whose name is `Result` or ends in `Result` is taken for a `Result`, whatever
/// its path: `Result<T, E>`, `io::Result<T>`, `fmt::Result`, `anyhow::Result<T>`,
/// `PolarsResult<T>`, a crate's own `type Result<T> = …`. The macro cannot see what an alias
/// stands for, so it asks the compiler: the node is a `Delayed` of the alias's `Ok` type, and an
/// `Err` fails the task with that error as its cause. The error type must convert into
/// `Box<dyn Error + Send + Sync>`: any `std::error::Error + Send + Sync`, and `anyhow::Error`
/// and `eyre::Report`, which are not `std::error::Error` themselves.
///
/// ```
/// use graphchain::delayed;
///
/// /// Named as polars names its alias.
/// type PolarsResult<T> = Result<T, std::fmt::Error>;
///
/// /// An alias whose name says nothing: `#[delayed(result)]` says it.
/// type Fallible<T> = Result<T, std::io::Error>;
///
/// #[delayed]
/// fn rows(n: u64) -> PolarsResult<Vec<u64>> {
///     if n == 0 { Err(std::fmt::Error) } else { Ok((0..n).collect()) }
/// }
///
/// #[delayed]
/// fn size(path: &str) -> std::io::Result<u64> {
///     Ok(std::fs::metadata(path)?.len())
/// }
///
/// #[delayed(result)]
/// fn half(n: u64) -> Fallible<u64> {
///     if n % 2 == 0 { Ok(n / 2) } else { Err(std::io::Error::other("odd")) }
/// }
///
/// assert_eq!(rows(3).compute()?, vec![0, 1, 2]);
/// assert!(rows(0).compute().is_err());
/// assert!(size("/no/such/file").compute().is_err());
/// assert_eq!(half(4).compute()?, 2);
/// # Ok::<(), graphchain::Error>(())
/// ```
///
/// A type so named that is not a `Result` is a compile error that says so, pointing at the
/// return type; `#[delayed(result = false)]` returns it as a plain value (a `Result` too, then:
/// the `Err` is a value like any other).
///
/// ```
/// use graphchain::delayed;
///
/// #[derive(Clone, serde::Serialize, serde::Deserialize)]
/// pub struct SearchResult {
///     hits: u32,
/// }
///
/// #[delayed(result = false)]
/// fn search(hits: u32) -> SearchResult {
///     SearchResult { hits }
/// }
///
/// assert_eq!(search(3).compute()?.hits, 3);
/// # Ok::<(), graphchain::Error>(())
/// ```
///
/// ```compile_fail,E0277
/// # use graphchain::delayed;
/// # #[derive(Clone, serde::Serialize, serde::Deserialize)]
/// # pub struct SearchResult { hits: u32 }
/// #[delayed] // error: `SearchResult` is not a `Result`, but `#[delayed]` treats it as one
/// fn search(hits: u32) -> SearchResult {
///     SearchResult { hits }
/// }
/// ```
///
/// # Async functions
///
/// With graphchain's `async` feature, an `async fn` (free or a method) becomes a task that runs
/// on tokio beside the CPU tasks: for work that mostly waits, such as requests. Its future must
/// be `Send`; it owns its inputs, and `&T` parameters borrow from them. Everything else is as for
/// other functions, and the `async` keyword is part of the function's identity.
///
/// ```
/// use graphchain::{delayed, Runtime};
///
/// #[delayed]
/// async fn lookup(name: &str) -> Result<u32, std::num::ParseIntError> {
///     std::future::ready(()).await; // a query to a slow service, say
///     name.trim_start_matches("user-").parse()
/// }
///
/// #[delayed]
/// fn double(id: u32) -> u32 {
///     2 * id
/// }
///
/// let rt = Runtime::builder().cache(false).build()?;
/// assert_eq!(rt.compute(&double(lookup("user-21")))?, 42);
/// assert!(rt.compute(&lookup("nobody")).is_err());
/// # Ok::<(), graphchain::Error>(())
/// ```
#[proc_macro_attribute]
pub fn delayed(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::delayed(args.into(), item.into()).into()
}

/// Wraps a function you did not write, or a closure, so that calling it builds graph nodes
/// (dask's `delayed(f)`).
///
/// ```
/// use graphchain::delayed_fn;
///
/// let sqrt = delayed_fn!(f64::sqrt);
/// let root = sqrt.call(2.0);                       // a Delayed<f64>; nothing runs yet
/// let pow = delayed_fn!(f64::powf);
/// let back = pow.call((&root, 2.0));               // several arguments: a tuple
/// let words = delayed_fn!(|text: &str| text.split_whitespace().count());
/// assert!((back.compute()? - 2.0).abs() < 1e-12);
/// assert_eq!(words.call("a b c").compute()?, 3);
/// # Ok::<(), graphchain::Error>(())
/// ```
///
/// It returns a `graphchain::DelayedFn`: [`call`](../graphchain/struct.DelayedFn.html#method.call)
/// takes the argument (one) or a tuple of arguments (several, `()` for none), each a
/// `Delayed<T>`, a `&Delayed<T>` or a plain `T`; `try_call` does the same for a function
/// returning `Result<T, E>`, whose `Err` fails the task.
///
/// # What identifies a wrapped function
///
/// - **A path** (`f64::sqrt`, `other_crate::load`): the path as written, the function's type
///   (so the generic arguments it is used with), and the version of the compiler. graphchain
///   cannot see the code of another crate: **upgrading that crate does not invalidate cached
///   results** — bump `version = N` when it matters. Upgrading the compiler does, since it
///   also upgrades `std`. A path can only wrap a function that takes its arguments by value;
///   for one that borrows (`str::len`), wrap a closure.
/// - **A closure** (`|x: &T, n: u32| …`): its tokens, as for `#[delayed]` functions. Every
///   parameter needs a type, and `&T` parameters borrow the value the graph holds, as in
///   `#[delayed]` functions. A closure cannot capture variables — that is a compile error:
///   the graph may reuse a result in a later run, where they do not exist, so pass them as
///   arguments instead. Functions and constants it calls are not hashed; edit one and bump
///   `version`, or make the closure a `#[delayed]` function.
///
/// # Options
///
/// After the function, the options of `#[delayed]`: `pure`, `cache`, `name`, `version`,
/// `retries`, `codec` and `crate`. Results are stored like a `#[delayed]` function's (the default codec needs the
/// result type to be `Serialize + DeserializeOwned`); with `cache = "never"` or `pure = false`
/// they never are, and need neither.
///
/// ```
/// use graphchain::delayed_fn;
///
/// let now = delayed_fn!(std::time::Instant::now, pure = false);
/// assert_ne!(now.call(()).key(), now.call(()).key());
/// let label = delayed_fn!(|n: u32| format!("#{n}"), name = "label", version = 2);
/// assert_eq!(label.name(), "label");
/// ```
#[proc_macro]
pub fn delayed_fn(input: TokenStream) -> TokenStream {
    wrap::delayed_fn(input.into()).into()
}

/// Makes a helper's code part of the identity of the `#[delayed]` functions that name it in
/// `uses(…)`: edit the helper, and exactly the steps that use it recompute.
///
/// ```
/// use graphchain::{delayed, track};
///
/// #[track]
/// fn normalize(x: f64) -> f64 {
///     x / 100.0
/// }
///
/// #[track]
/// #[derive(Clone, serde::Serialize, serde::Deserialize)]
/// pub struct Reading {
///     value: f64,
/// }
///
/// /// A helper that uses another: its hash includes `normalize`'s.
/// #[track(uses(normalize))]
/// fn to_reading(x: f64) -> Reading {
///     Reading { value: normalize(x) }
/// }
///
/// #[delayed(uses(to_reading, Reading))]
/// fn readings(raw: &[f64]) -> Vec<Reading> {
///     raw.iter().copied().map(to_reading).collect()
/// }
///
/// assert_eq!(readings(vec![50.0]).compute()?[0].value, 0.5);
/// # Ok::<(), graphchain::Error>(())
/// ```
///
/// It works on functions, structs, enums, unions, consts, statics, type aliases and traits, and
/// adds a hidden static next to the item. The hash covers the item's tokens (not its
/// formatting, comments or doc comments) and, through `#[track(uses(…))]`, the helpers it uses
/// in turn, transitively; helpers may use each other in a cycle. What is not tracked: code of
/// other crates, data a helper reads at run time (files, environment, globals), and helpers
/// not named in `uses` — for those, bump `#[delayed(version = N)]`.
#[proc_macro_attribute]
pub fn track(args: TokenStream, item: TokenStream) -> TokenStream {
    track::track(args.into(), item.into()).into()
}

/// Tracks every item of an inline module: each `#[delayed]` function in it depends on the
/// module's functions, types, consts, statics, type aliases and traits it names (and an
/// `impl` block counts as part of its type), transitively, so editing any of them reruns
/// exactly the steps that reach it.
///
/// ```
/// #[graphchain::pipeline]
/// mod steps {
///     use graphchain::delayed;
///
///     const SCALE: f64 = 2.0;
///
///     fn scaled(x: f64) -> f64 {
///         x * SCALE
///     }
///
///     #[delayed]
///     pub fn total(xs: &[f64]) -> f64 {
///         xs.iter().copied().map(scaled).sum()   // depends on `scaled`, hence on `SCALE`
///     }
/// }
///
/// assert_eq!(steps::total(vec![1.0, 2.0]).compute()?, 6.0);
/// # Ok::<(), graphchain::Error>(())
/// ```
///
/// Names are matched conservatively: any identifier in a step (or a helper) that is the name
/// of an item of the module counts, even when it is really a local variable or a field. Not
/// tracked: items of nested modules and of other modules or crates (mark those
/// [`macro@track`] and name them in `uses(…)`), items made by macros, and methods marked
/// `#[delayed]` inside the module's `impl` blocks (their `impl` is tracked as part of the
/// type, but the methods' keys do not include the module's helpers).
#[proc_macro_attribute]
pub fn pipeline(args: TokenStream, item: TokenStream) -> TokenStream {
    pipeline::pipeline(args.into(), item.into()).into()
}
