//! `RuntimeBuilder::io_limit`: no more async tasks are in flight at once than the limit, and
//! every one of them still runs.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use graphchain::{Error, Runtime, delayed};

static IN_FLIGHT: AtomicUsize = AtomicUsize::new(0);
static MOST_IN_FLIGHT: AtomicUsize = AtomicUsize::new(0);

#[delayed(cache = "never")]
async fn request(id: u64) -> u64 {
    let now = IN_FLIGHT.fetch_add(1, Ordering::SeqCst) + 1;
    MOST_IN_FLIGHT.fetch_max(now, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(5)).await;
    IN_FLIGHT.fetch_sub(1, Ordering::SeqCst);
    id
}

#[delayed]
fn total(parts: &[u64]) -> u64 {
    parts.iter().sum()
}

#[test]
fn at_most_the_limit_is_in_flight() {
    let rt = Runtime::builder()
        .threads(2)
        .io_limit(2)
        .cache(false)
        .build()
        .unwrap();
    let requests: Vec<_> = (1..=12).map(request).collect();
    assert_eq!(rt.compute(&total(requests)).unwrap(), 78);
    let most = MOST_IN_FLIGHT.load(Ordering::SeqCst);
    assert!(
        (1..=2).contains(&most),
        "{most} requests were in flight at once"
    );
}

#[test]
fn a_zero_limit_is_rejected() {
    let error = Runtime::builder().io_limit(0).build().unwrap_err();
    assert!(matches!(error, Error::Config(_)));
    assert!(
        error.to_string().contains("`io_limit` must be at least 1"),
        "{error}"
    );
}
