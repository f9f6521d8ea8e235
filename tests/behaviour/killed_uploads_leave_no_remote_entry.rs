//! Processes: a process killed (SIGKILL) while it uploads a 64 MiB result to a remote cache (in
//! parts, several at once) leaves no object that reads as an entry: the remote store holds the
//! whole entry or none, and the next run gets the right value — after waiting at most the
//! remote lease's 10 s for the killed holder's lease to expire.

use std::io::{BufRead, BufReader, Write};
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use crate::common::{self, RawU64, noise, s3::test_s3};
use graphchain::store::{Cache, RemoteStore};
use graphchain::{Runtime, delayed};

/// 64 MiB of `u64`s.
const LEN: usize = 8 << 20;
/// How long after the value is computed each round's child is killed: while it encodes, and
/// while its parts are in flight.
const KILL_AFTER_MS: [u64; 2] = [100, 600];

#[delayed(cache = "always", codec = RawU64)]
fn blob(seed: u64, len: usize) -> Vec<u64> {
    let value = noise(seed, len);
    // The upload starts right after this.
    println!("\nCOMPUTED");
    value
}

fn runtime(url: &str) -> Runtime {
    Runtime::builder()
        .store(Arc::new(RemoteStore::open(url).unwrap()))
        .threads(2)
        .build()
        .unwrap()
}

/// The child's side: computes the blob and uploads it, until it is killed.
#[test]
fn child_uploads_a_large_result() {
    if !common::in_child() {
        return;
    }
    let url = std::env::var("GRAPHCHAIN_TEST_URL").unwrap();
    runtime(&url).compute(&blob(7, LEN)).unwrap();
    println!("\nDONE");
}

#[test]
fn killed_uploads_leave_no_remote_entry() {
    let Some(base) = test_s3("killed-upload") else {
        return;
    };
    for (round, delay) in KILL_AFTER_MS.into_iter().enumerate() {
        let url = format!("{base}/round{round}");
        let mut child = common::child(&common::test_name!(child_uploads_a_large_result))
            .env("GRAPHCHAIN_TEST_URL", &url)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        while line.trim() != "COMPUTED" {
            line.clear();
            assert_ne!(
                stdout.read_line(&mut line).unwrap(),
                0,
                "the child ended early"
            );
        }
        std::thread::sleep(Duration::from_millis(delay));
        child.kill().unwrap();
        child.wait().unwrap();
        let remote = Cache::open_url(&url).unwrap();
        let bad = remote.verify().unwrap();
        assert!(bad.is_empty(), "round {round}: {bad:?}");
        let key = blob(7, LEN).key();
        let listed = remote.store().list().unwrap();
        assert!(
            listed.iter().all(|&k| k == key),
            "round {round}: {listed:?}"
        );
        let value = runtime(&url).compute(&blob(7, LEN)).unwrap();
        assert_eq!(value.len(), LEN);
        assert_eq!(value[..4], noise(7, 4)[..]);
        std::io::stdout().flush().unwrap();
    }
}
