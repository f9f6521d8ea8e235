//! A remote cache location that cannot be used is one clear error when the runtime is built,
//! before any task runs: it names the location and what to fix (a missing bucket, refused
//! credentials, a server that cannot be reached, a malformed URL or an unknown scheme).

use std::time::{Duration, Instant};

use crate::common::{self, s3::test_s3};
use graphchain::store::{RemoteOptions, RemoteStore};
use graphchain::{Error, Runtime};

fn build_error(url: &str) -> String {
    match Runtime::builder().cache_url(url).build() {
        Err(e @ Error::Config(_)) => e.to_string(),
        other => panic!("expected a configuration error for {url}, got {other:?}"),
    }
}

#[test]
fn malformed_urls_and_unknown_schemes_name_the_fix() {
    let e = build_error("s4://bucket/cache");
    assert!(e.contains("cache location `s4://bucket/cache`"), "{e}");
    assert!(e.contains("unknown scheme `s4` (use s3://"), "{e}");
    let e = build_error("s3://");
    assert!(e.contains("cache location `s3://`"), "{e}");
}

#[test]
fn a_missing_bucket_is_named() {
    let Some(url) = test_s3("missing-bucket") else {
        return;
    };
    let _ = url;
    let e = build_error("s3://graphchain-no-such-bucket/cache");
    assert!(
        e.contains("cache location `s3://graphchain-no-such-bucket/cache` cannot be used")
            && e.contains("the bucket does not exist"),
        "{e}"
    );
}

#[test]
fn an_unreachable_server_is_named_quickly() {
    // Credentials of its own: without any, the S3 client would first ask the cloud's metadata
    // service for some, and fail on that instead, however the machine's network answers.
    let (out, _) = common::child_output(
        common::child(&common::test_name!(child_opens_an_unreachable_server))
            .env("AWS_ACCESS_KEY_ID", "graphchain-test")
            .env("AWS_SECRET_ACCESS_KEY", "graphchain-test")
            .env("AWS_REGION", "us-east-1")
            .env_remove("AWS_ENDPOINT")
            .env_remove("AWS_SESSION_TOKEN"),
    );
    assert!(out.contains("the server cannot be reached"), "{out}");
    assert!(out.contains("WITHIN 20 S"), "{out}");
}

/// The child's side: an endpoint nothing listens on.
#[test]
fn child_opens_an_unreachable_server() {
    if !common::in_child() {
        return;
    }
    let start = Instant::now();
    // Nothing listens on port 9 of this machine.
    let options = RemoteOptions::new()
        .endpoint("http://127.0.0.1:9")
        .max_retries(1);
    let e = RemoteStore::open_with("s3://bucket/cache", &options).unwrap_err();
    println!("\nERROR {e}");
    if start.elapsed() < Duration::from_secs(20) {
        println!("WITHIN 20 S");
    }
}

/// The child's side: credentials the server does not know, from the environment.
#[test]
fn child_uses_bad_credentials() {
    if !common::in_child() {
        return;
    }
    let url = std::env::var("GRAPHCHAIN_TEST_URL").unwrap();
    let e = build_error(&url);
    assert!(
        e.contains(&format!("cache location `{url}` cannot be used"))
            && e.contains("the credentials were refused: check AWS_ACCESS_KEY_ID"),
        "{e}"
    );
}

#[test]
fn bad_credentials_are_named() {
    let Some(url) = test_s3("bad-credentials") else {
        return;
    };
    common::child_output(
        common::child(&common::test_name!(child_uses_bad_credentials))
            .env("GRAPHCHAIN_TEST_URL", url)
            .env("AWS_SECRET_ACCESS_KEY", "not-the-secret"),
    );
}
