//! Sixteen processes, each with a local tier of its own (sixteen machines), compute one graph on
//! one fresh remote cache at once: every process gets the right value, each leased result is
//! computed once (a process that finds another computing it waits and loads it from the
//! remote store), and every stored entry is whole.

use std::io::{BufRead, Read, Write};
use std::time::Duration;

use crate::common::{self, s3::test_s3};
use graphchain::store::Cache;
use graphchain::{Delayed, Runtime, delayed};

const PROCESSES: usize = 16;
const LEAVES: u64 = 6;

#[delayed(cache = "always")]
fn slow_leaf(i: u64) -> u64 {
    println!("COMPUTED leaf{i}");
    std::thread::sleep(Duration::from_millis(300));
    i * i
}

#[delayed(cache = "always")]
fn total(parts: Vec<u64>) -> u64 {
    println!("COMPUTED total");
    parts.iter().sum()
}

fn graph() -> Delayed<u64> {
    total((0..LEAVES).map(slow_leaf).collect::<Vec<_>>())
}

/// The child's side: one machine, told its cache URL and local directory by the parent.
#[test]
fn child_computes_on_the_remote_cache() {
    if !common::in_child() {
        return;
    }
    let url = std::env::var("GRAPHCHAIN_TEST_URL").unwrap();
    let rt = Runtime::builder()
        .cache_url(url)
        .cache_dir(common::child_dir().unwrap())
        .threads(2)
        .build()
        .unwrap();
    println!("\nREADY");
    let mut go = String::new();
    std::io::stdin().lock().read_line(&mut go).unwrap();
    println!("RESULT {}", rt.compute(&graph()).unwrap());
}

#[test]
fn processes_racing_on_a_remote_cache() {
    let Some(url) = test_s3("racing") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let mut children: Vec<_> = (0..PROCESSES)
        .map(|i| {
            let mut command =
                common::child(&common::test_name!(child_computes_on_the_remote_cache));
            command.env("GRAPHCHAIN_TEST_URL", &url).env(
                common::CHILD_DIR_ENV,
                tmp.path().join(format!("machine{i}")),
            );
            common::spawn_ready(command)
        })
        .collect();
    for (child, _) in &mut children {
        child.stdin.take().unwrap().write_all(b"go\n").unwrap();
    }
    let want: u64 = (0..LEAVES).map(|i| i * i).sum();
    let mut computed = Vec::new();
    for (i, (child, mut stdout)) in children.into_iter().enumerate() {
        let mut out = String::new();
        stdout.read_to_string(&mut out).unwrap();
        assert!(
            child.wait_with_output().unwrap().status.success(),
            "{i}:\n{out}"
        );
        let value = out.lines().find_map(|l| l.strip_prefix("RESULT "));
        assert_eq!(
            value.map(str::trim),
            Some(want.to_string().as_str()),
            "{i}:\n{out}"
        );
        computed.extend(
            out.lines()
                .filter_map(|l| l.strip_prefix("COMPUTED "))
                .map(str::to_owned),
        );
    }
    computed.sort_unstable();
    let mut once: Vec<String> = (0..LEAVES).map(|i| format!("leaf{i}")).collect();
    once.push("total".to_owned());
    assert_eq!(
        computed, once,
        "each result computed once by one of {PROCESSES}"
    );

    let remote = Cache::open_url(&url).unwrap();
    let bad = remote.verify().unwrap();
    assert!(bad.is_empty(), "{bad:?}");
    assert!(remote.store().contains(graph().key()).unwrap());
}
