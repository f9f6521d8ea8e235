//! How the value a `#[delayed]` function returns becomes its task's result: a plain value, or a
//! `Result` under any name whose `Err` fails the task; and what a result stored with the default
//! codec needs. The traits carry the compile errors users see, so each names its fix.

use std::sync::Arc;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::store::codec::{PostcardLz4, Storable};
use crate::value::{BoxError, Value};

/// A `Result` under any name: `Result<T, E>` itself, and through it every alias of it
/// (`io::Result<T>`, `anyhow::Result<T>`, `PolarsResult<T>`, a crate's own `type Result<T>`).
///
/// `#[delayed]` goes through this trait rather than the tokens of the return type, because an
/// alias does not show what it stands for: a function returning `R` that is fallible builds a
/// `Delayed<<R as ResultLike>::Ok>`, and an `Err` fails its task (issue 18).
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a `Result`, but `#[delayed]` treats it as one",
    label = "`#[delayed]` expected a `Result` here",
    note = "a return type whose name ends in `Result` (or any type, with `#[delayed(result)]`) \
            must be a `Result` or an alias of one: its `Err` fails the task",
    note = "to return `{Self}` as a plain value, write `#[delayed(result = false)]`"
)]
pub trait ResultLike {
    /// The value of a successful task.
    type Ok;
    /// What fails the task.
    type Err;
    /// The `Result` itself.
    fn into_result(self) -> Result<Self::Ok, Self::Err>;
}

impl<T, E> ResultLike for Result<T, E> {
    type Ok = T;
    type Err = E;
    #[inline]
    fn into_result(self) -> Self {
        self
    }
}

/// A result the default codec ([`PostcardLz4`]) can store: `Serialize + DeserializeOwned`.
///
/// `#[delayed]` asks this of the return type of a function whose results may be cached, rather
/// than the serde traits themselves, so that the error names the ways out (issue 18: a
/// `LazyFrame` is a query plan, better rebuilt than stored). The serde traits are bounds of the
/// impl, not supertraits: the compiler reports a missing supertrait under the supertrait's own
/// message, and an impl's unmet bound under this trait's.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be stored in the cache: it is not `Serialize` and `Deserialize`",
    label = "the result of a `#[delayed]` function that may be cached",
    note = "derive `serde::Serialize` and `serde::Deserialize` for it, or store it with a codec \
            of your own: `#[delayed(codec = MyCodec)]`",
    note = "or never store it: `#[delayed(cache = \"never\")]`, for a value that is cheaper \
            to rebuild than to load, such as a lazy query plan"
)]
pub trait Cacheable {
    /// The type's erased default codec.
    fn storable() -> &'static Storable
    where
        Self: Send + Sync + 'static;
}

impl<T: Serialize + DeserializeOwned> Cacheable for T {
    fn storable() -> &'static Storable
    where
        T: Send + Sync + 'static,
    {
        const { &Storable::of::<T, PostcardLz4>() }
    }
}

/// A result written `DataFrame`, which `#[delayed]` stores with [`Ipc`](crate::frame::Ipc)
/// (feature `polars`) rather than with serde.
///
/// The macro asks this of a return type whose last path segment is `DataFrame`, with no codec
/// named: a polars `DataFrame` implements it when the feature is on.
#[doc(hidden)]
#[cfg_attr(
    not(feature = "polars"),
    diagnostic::on_unimplemented(
        message = "`{Self}` is stored as polars' `DataFrame`, which needs graphchain's `polars` feature",
        label = "a result written `DataFrame` is stored as Arrow IPC",
        note = "enable the feature: `graphchain = {{ version = \"…\", features = [\"polars\"] }}`",
        note = "for a type of your own named `DataFrame`, name its codec: \
                `#[delayed(codec = graphchain::codec::PostcardLz4)]`"
    )
)]
#[cfg_attr(
    feature = "polars",
    diagnostic::on_unimplemented(
        message = "`{Self}` is not polars' `DataFrame`, the type a result written `DataFrame` is stored as",
        label = "a result written `DataFrame` is stored as Arrow IPC",
        note = "for a type of your own named `DataFrame`, name its codec: \
                `#[delayed(codec = graphchain::codec::PostcardLz4)]`"
    )
)]
pub trait FrameCacheable {
    /// The frame codec, erased.
    fn storable() -> &'static Storable
    where
        Self: Send + Sync + 'static;
}

#[cfg(feature = "polars")]
impl FrameCacheable for polars::prelude::DataFrame {
    fn storable() -> &'static Storable {
        const { &Storable::of::<Self, crate::store::frame::Ipc>() }
    }
}

/// Wraps a task's result as a shared value.
#[inline]
pub fn value<T: Send + Sync + 'static>(value: T) -> Result<Value, BoxError> {
    Ok(Arc::new(value))
}

/// Wraps a fallible task's result: `Ok` becomes the value, `Err` the task's failure.
#[inline]
pub fn fallible<R>(result: R) -> Result<Value, BoxError>
where
    R: ResultLike,
    R::Ok: Send + Sync + 'static,
    R::Err: Into<BoxError>,
{
    match result.into_result() {
        Ok(v) => Ok(Arc::new(v)),
        Err(e) => Err(e.into()),
    }
}
