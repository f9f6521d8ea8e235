//! Failures lose no work, across real runs: the first run of a program stores every task that
//! did not depend on the failure; the next run (another process) computes exactly the failed
//! task and what depends on it, and loads the rest. Errors are never cached.

use std::io::{BufRead, Write};
use std::process::Stdio;

use graphchain::{Delayed, delayed};

use crate::common;

#[delayed(cache = "always")]
fn fetch(source: &str) -> Vec<u32> {
    source.bytes().map(u32::from).collect()
}

/// Fails while the flag file next to the cache exists: a transient outage.
#[delayed(cache = "always")]
fn enrich(rows: &[u32], flag: &str) -> Result<Vec<u32>, std::io::Error> {
    if std::path::Path::new(flag).exists() {
        return Err(std::io::Error::other("enrichment service unavailable"));
    }
    Ok(rows.iter().map(|r| r * 10).collect())
}

#[delayed(cache = "always")]
fn summarize(rows: &[u32]) -> u64 {
    rows.iter().map(|&r| u64::from(r)).sum()
}

#[delayed(cache = "always")]
fn report(base: u64, enriched: u64) -> String {
    format!("{base}/{enriched}")
}

fn graph(flag: &str) -> Delayed<String> {
    let rows = fetch("graphchain");
    let base = summarize(&rows);
    let enriched = summarize(enrich(&rows, flag));
    report(base, enriched)
}

/// One run of the "program", in a child process: prints one line per node of the report.
#[test]
fn child_run() {
    let Some(rt) = common::child_runtime() else {
        return;
    };
    let dir = rt.cache_dir().to_path_buf();
    let flag = dir.with_extension("outage");
    let (result, report) = rt.try_compute_with_report(&graph(flag.to_str().unwrap()));
    for node in report.nodes() {
        println!("NODE {} {:?}", node.name(), node.status());
    }
    match result {
        Ok(value) => println!("VALUE {value}"),
        Err(e) => println!("ERROR {}", e.to_string().replace('\n', " ")),
    }
    println!("DONE");
}

fn run_program(dir: &std::path::Path) -> Vec<String> {
    let (mut child, mut stdout) =
        common::spawn_ready_child(&common::test_name!(child_run), dir, Stdio::inherit());
    writeln!(child.stdin.take().unwrap()).unwrap();
    let mut lines = Vec::new();
    let mut line = String::new();
    while stdout.read_line(&mut line).unwrap() > 0 {
        let trimmed = line.trim().to_string();
        line.clear();
        if trimmed == "DONE" {
            break;
        }
        if trimmed.starts_with("NODE")
            || trimmed.starts_with("VALUE")
            || trimmed.starts_with("ERROR")
        {
            lines.push(trimmed);
        }
    }
    assert!(child.wait().unwrap().success());
    lines
}

fn statuses(lines: &[String], name: &str) -> Vec<String> {
    lines
        .iter()
        .filter_map(|l| l.strip_prefix(&format!("NODE {name} ")).map(str::to_string))
        .collect()
}

#[test]
fn the_next_run_computes_exactly_the_failed_task_and_its_dependents() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("cache");
    let flag = dir.with_extension("outage");
    std::fs::write(&flag, "down").unwrap();

    let first = run_program(&dir);
    assert!(
        first
            .iter()
            .any(|l| l.starts_with("ERROR") && l.contains("enrich")),
        "{first:?}"
    );
    assert_eq!(statuses(&first, "fetch"), ["Computed"]);
    assert_eq!(statuses(&first, "enrich"), ["Failed"]);
    // `summarize` twice: the independent one computed, the one after `enrich` skipped.
    let mut summarize = statuses(&first, "summarize");
    summarize.sort();
    assert_eq!(summarize, ["Computed", "Skipped"]);
    assert_eq!(statuses(&first, "report"), ["Skipped"]);

    // The outage is over: only the failed task and its dependents run.
    std::fs::remove_file(&flag).unwrap();
    let second = run_program(&dir);
    assert!(
        second.contains(&"VALUE 1045/10450".to_string()),
        "{second:?}"
    );
    assert_eq!(
        statuses(&second, "fetch"),
        ["Loaded"],
        "finished work was kept"
    );
    assert_eq!(
        statuses(&second, "enrich"),
        ["Computed"],
        "the error was not cached"
    );
    let mut summarize = statuses(&second, "summarize");
    summarize.sort();
    assert_eq!(summarize, ["Computed", "Loaded"]);
    assert_eq!(statuses(&second, "report"), ["Computed"]);

    // A third run has nothing left to do.
    let third = run_program(&dir);
    assert_eq!(statuses(&third, "report"), ["Loaded"]);
    assert_eq!(
        third.iter().filter(|l| l.ends_with("Computed")).count(),
        0,
        "{third:?}"
    );
}
