//! A `Result` under any name fails its task on `Err`, with the error's message, and gives the
//! `Ok` value otherwise: `io::Result`, a crate's own `type Result<T>`, a `PolarsResult`-style
//! alias, `anyhow::Result` (whose error is no `std::error::Error`), an oddly named alias marked
//! `#[delayed(result)]`, methods, `async fn`s and `delayed_fn!`'s `try_call` (issue 18). With
//! `#[delayed(result = false)]` an `Err` is a value like any other.

use std::fmt;
use std::io;

use graphchain::{Delayed, Error, FailureCause, delayed, delayed_fn};

use crate::common::uncached_runtimes as runtimes;

#[derive(Debug)]
pub(crate) struct FrameError(String);

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "frame error: {}", self.0)
    }
}

impl std::error::Error for FrameError {}

mod mine {
    pub(crate) type Result<T> = std::result::Result<T, super::FrameError>;
}

pub(crate) type PolarsResult<T> = Result<T, FrameError>;

/// Says nothing of being a `Result`: needs `#[delayed(result)]`.
pub(crate) type Fallible<T> = Result<T, io::Error>;

#[delayed]
fn read(n: u32) -> io::Result<u32> {
    match n {
        0 => Err(io::Error::new(io::ErrorKind::NotFound, "no file number 0")),
        n => Ok(n),
    }
}

#[delayed]
fn own(n: u32) -> mine::Result<u32> {
    if n == 0 {
        return Err(FrameError("own got 0".into()));
    }
    Ok(n + 1)
}

#[delayed]
fn frame(n: u32) -> PolarsResult<Vec<u32>> {
    if n == 0 {
        return Err(FrameError("empty frame".into()));
    }
    Ok(vec![n; 2])
}

#[delayed]
fn any(n: u32) -> anyhow::Result<u32> {
    anyhow::ensure!(n != 0, "anyhow refused {n}");
    Ok(n * 10)
}

#[delayed]
fn any_with_context(n: u32) -> anyhow::Result<u32> {
    use anyhow::Context as _;
    let parsed: u32 = format!("{n}x").parse().context("parsing the count")?;
    Ok(parsed)
}

#[delayed(result)]
fn odd(n: u32) -> Fallible<u32> {
    match n {
        0 => Err(io::Error::other("odd got 0")),
        n => Ok(n * 2),
    }
}

#[delayed(result = false)]
fn kept(n: u32) -> Result<u32, String> {
    if n == 0 {
        return Err("kept as a value".to_owned());
    }
    Ok(n)
}

#[derive(Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct Table {
    rows: u32,
}

impl Table {
    #[delayed]
    fn rows(&self) -> PolarsResult<u32> {
        match self.rows {
            0 => Err(FrameError("no rows".into())),
            n => Ok(n),
        }
    }
}

/// The single failure of `node`'s run on each scheduler: its task's name and its error's message.
fn failure<T: Clone + Send + Sync + 'static>(node: &Delayed<T>) -> Vec<(String, String)> {
    runtimes()
        .iter()
        .map(|rt| {
            let err = rt.compute(node).err().expect("the task fails");
            let Error::TaskFailed(failures) = &err else {
                panic!("unexpected error {err:?}");
            };
            assert_eq!(failures.len(), 1, "{err}");
            let FailureCause::Err(cause) = failures[0].cause() else {
                panic!("not an `Err`: {err:?}");
            };
            assert!(err.to_string().contains(&cause.to_string()), "{err}");
            (failures[0].name().to_owned(), cause.to_string())
        })
        .collect()
}

/// The value of `node`, the same on both schedulers.
fn value<T: Clone + PartialEq + fmt::Debug + Send + Sync + 'static>(node: &Delayed<T>) -> T {
    let [parallel, sequential] = runtimes().map(|rt| rt.compute(node).unwrap());
    assert_eq!(parallel, sequential);
    parallel
}

/// The same failure on both schedulers.
fn once(name: &str, message: &str) -> Vec<(String, String)> {
    vec![(name.to_owned(), message.to_owned()); 2]
}

#[test]
fn std_aliases_and_own_aliases_fail_on_err() {
    assert_eq!(failure(&read(0)), once("read", "no file number 0"));
    assert_eq!(value(&read(3)), 3);
    assert_eq!(failure(&own(0)), once("own", "frame error: own got 0"));
    assert_eq!(value(&own(3)), 4);
    assert_eq!(
        failure(&frame(0)),
        once("frame", "frame error: empty frame")
    );
    assert_eq!(value(&frame(3)), vec![3, 3]);
    assert_eq!(failure(&odd(0)), once("odd", "odd got 0"));
    assert_eq!(value(&odd(3)), 6);
    let table = Table { rows: 0 };
    assert_eq!(failure(&table.rows()), once("rows", "frame error: no rows"));
    assert_eq!(value(&Table { rows: 5 }.rows()), 5);
}

#[test]
fn anyhow_errors_fail_with_their_message_and_sources() {
    assert_eq!(failure(&any(0)), once("any", "anyhow refused 0"));
    assert_eq!(value(&any(2)), 20);
    // The context is the message; the error it wraps stays reachable as the source.
    assert_eq!(
        failure(&any_with_context(1)),
        once("any_with_context", "parsing the count")
    );
    let err = runtimes()[0].compute(&any_with_context(1)).unwrap_err();
    let Error::TaskFailed(failures) = &err else {
        panic!("unexpected error {err:?}");
    };
    let FailureCause::Err(cause) = failures[0].cause() else {
        panic!("not an `Err`: {err:?}");
    };
    let source = cause.source().expect("the parse error is the source");
    assert_eq!(source.to_string(), "invalid digit found in string");
}

#[test]
fn downstream_steps_see_the_ok_value() {
    let total = frame(own(read(2)));
    assert_eq!(value(&total), vec![3, 3]);
    assert_eq!(
        failure(&frame(own(read(0)))),
        once("read", "no file number 0")
    );
}

#[test]
fn result_false_keeps_the_err_as_a_value() {
    assert_eq!(value(&kept(0)), Err("kept as a value".to_owned()));
    assert_eq!(value(&kept(1)), Ok(1));
}

#[test]
fn wrapped_closures_returning_an_alias_fail_on_err() {
    let open = delayed_fn!(|n: u32| -> io::Result<u32> {
        if n == 0 {
            return Err(io::Error::other("wrapped got 0"));
        }
        Ok(n)
    });
    assert_eq!(failure(&open.try_call(0)), once("closure", "wrapped got 0"));
    assert_eq!(value(&open.try_call(7)), 7);
}

#[cfg(feature = "async")]
mod async_fns {
    use super::*;

    #[delayed]
    async fn fetch(n: u32) -> PolarsResult<u32> {
        std::future::ready(()).await;
        match n {
            0 => Err(FrameError("nothing fetched".into())),
            n => Ok(n + 100),
        }
    }

    #[test]
    fn async_fns_returning_an_alias_fail_on_err() {
        assert_eq!(
            failure(&fetch(0)),
            once("fetch", "frame error: nothing fetched")
        );
        assert_eq!(value(&fetch(1)), 101);
    }
}
