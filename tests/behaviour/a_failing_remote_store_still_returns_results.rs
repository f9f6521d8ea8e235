//! A remote store that goes away mid-run — the server stopped, throttling with `503 SlowDown`,
//! or answering garbage — costs a bounded round of retries and a warning: every value is still
//! returned, and right.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::common::s3::{FlakyProxy, Mode, test_s3};
use graphchain::store::{RemoteOptions, RemoteStore};
use graphchain::{Delayed, Runtime, delayed};

#[delayed(cache = "always")]
fn square(x: u64) -> u64 {
    x * x
}

#[delayed(cache = "always")]
fn total(parts: Vec<u64>) -> u64 {
    parts.iter().sum()
}

fn graph(n: u64) -> Delayed<u64> {
    total((0..n).map(square).collect::<Vec<_>>())
}

fn expected(n: u64) -> u64 {
    (0..n).map(|x| x * x).sum()
}

/// A runtime on the remote store at `url`, reached through `proxy`, with one retry.
fn runtime(url: &str, proxy: &FlakyProxy) -> Runtime {
    let options = RemoteOptions::new()
        .endpoint(proxy.endpoint())
        .max_retries(1)
        .request_timeout(Duration::from_secs(5));
    let store = RemoteStore::open_with(url, &options).unwrap();
    Runtime::builder()
        .store(Arc::new(store))
        .threads(2)
        .build()
        .unwrap()
}

#[test]
fn a_failing_remote_store_still_returns_results() {
    let Some(url) = test_s3("failing") else {
        return;
    };
    let proxy = FlakyProxy::start();
    let rt = runtime(&url, &proxy);
    assert_eq!(rt.compute(&graph(4)).unwrap(), expected(4));

    // The server stops in the middle of the runtime's life: what was stored cannot be loaded,
    // and what is computed cannot be stored.
    proxy.set(Mode::Down);
    let start = Instant::now();
    assert_eq!(rt.compute(&graph(6)).unwrap(), expected(6));
    assert_eq!(rt.compute(&graph(4)).unwrap(), expected(4));
    assert!(
        start.elapsed() < Duration::from_secs(60),
        "{:?}",
        start.elapsed()
    );

    for mode in [Mode::SlowDown, Mode::Garbage] {
        proxy.set(Mode::Up);
        let rt = runtime(&url, &proxy);
        proxy.set(mode);
        let start = Instant::now();
        assert_eq!(rt.compute(&graph(5)).unwrap(), expected(5), "{mode:?}");
        assert_eq!(rt.compute(&graph(4)).unwrap(), expected(4), "{mode:?}");
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "{mode:?}: {:?}",
            start.elapsed()
        );
    }

    // Back up: the store serves again what it kept.
    proxy.set(Mode::Up);
    assert_eq!(
        runtime(&url, &proxy).compute(&graph(4)).unwrap(),
        expected(4)
    );
}
