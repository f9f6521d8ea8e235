//! `--url` (or `GRAPHCHAIN_CACHE`) names a cache by URL: on an S3 cache the commands print what
//! they print for a directory holding the same entries, with the same exit codes, and a URL
//! that cannot be used is an error (exit 2) naming it and the fix.

use graphchain::Runtime;

use crate::common::{blob, checksum, graphchain, graphchain_command, run, test_s3};

/// Runs `graphchain ARGS… --url URL`.
fn on_url(url: &str, args: &[&str]) -> crate::common::Run {
    let mut command = graphchain_command();
    command.args(args).arg("--url").arg(url);
    run(command)
}

#[test]
fn remote_caches_are_managed_like_directories() {
    let Some(url) = test_s3("cli") else {
        return;
    };
    // A run on the remote cache: its local tier holds the same entries as the remote store.
    let local = tempfile::tempdir().unwrap();
    let rt = Runtime::builder()
        .cache_url(&url)
        .cache_dir(local.path())
        .build()
        .unwrap();
    for n in [1_000, 5_000] {
        rt.compute(&checksum(blob(n))).unwrap();
    }
    drop(rt);
    let remote_stats = on_url(&url, &["cache", "stats", "--json"]).ok().json();
    let local_stats = graphchain(local.path(), &["cache", "stats", "--json"])
        .ok()
        .json();
    assert_eq!(remote_stats, local_stats);
    assert_eq!(
        on_url(&url, &["cache", "stats"]).ok().stdout,
        graphchain(local.path(), &["cache", "stats"]).ok().stdout
    );
    let key = blob(5_000).key().to_string();
    let shown = on_url(&url, &["cache", "show", &key[..8], "--json"])
        .ok()
        .json();
    assert_eq!(shown["key"], key.as_str());
    assert_eq!(shown["function"], "blob");
    assert_eq!(
        on_url(&url, &["cache", "verify"]).ok().stdout,
        graphchain(local.path(), &["cache", "verify"]).ok().stdout
    );

    // The same through the environment variable.
    let mut command = graphchain_command();
    command
        .env(graphchain::store::CACHE_ENV, &url)
        .args(["cache", "ls", "--json"]);
    let listed = run(command).ok().json();
    assert_eq!(listed.as_array().unwrap().len(), remote_stats["entries"]);

    let cleared = on_url(&url, &["cache", "clear"]).ok().stdout;
    assert!(cleared.starts_with("removed "), "{cleared}");
    assert_eq!(
        on_url(&url, &["cache", "ls"]).ok().stdout,
        format!("no entries in `{url}`\n")
    );
}

#[test]
fn unusable_urls_are_errors_naming_the_fix() {
    let out = on_url("ftp://host/cache", &["cache", "ls"]);
    assert_eq!(out.status, 2);
    assert_eq!(
        out.stderr,
        "error: invalid runtime configuration: cache location `ftp://host/cache`: unknown \
         scheme `ftp` (use s3://, gs://, az://, file:// or memory://)\n"
    );
    if test_s3("cli-missing-bucket").is_none() {
        return;
    }
    let out = on_url("s3://graphchain-no-such-bucket/cache", &["cache", "stats"]);
    assert_eq!(out.status, 2);
    assert!(
        out.stderr.contains("the bucket does not exist"),
        "{}",
        out.stderr
    );
}
