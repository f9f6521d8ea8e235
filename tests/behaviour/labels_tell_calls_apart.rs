//! Per-call labels: a node reading a file input is labelled with the file's name, and
//! `Delayed::label` sets one; pictures, reports and explanations show them beside the
//! function's name, and the key does not change.

use std::path::PathBuf;

use graphchain::{Runtime, collect, delayed, file};

#[delayed]
fn read_trips(path: &PathBuf) -> Result<usize, std::io::Error> {
    Ok(std::fs::read_to_string(path)?.len())
}

#[delayed]
fn total(sizes: &[usize]) -> usize {
    sizes.iter().sum()
}

#[test]
fn file_inputs_label_their_readers() {
    let dir = tempfile::tempdir().unwrap();
    let mut reads = Vec::new();
    for month in 1..=3 {
        let path = dir.path().join(format!("trips_{month:02}.csv"));
        std::fs::write(&path, "x".repeat(month)).unwrap();
        reads.push(read_trips(file(&path)));
    }
    let sum = total(collect(reads));
    let dot = sum.visualize().to_string();
    for month in 1..=3 {
        let name = format!("trips_{month:02}.csv");
        assert!(
            dot.contains(&format!("label=\"read_trips\\n{name}\\n")),
            "{dot}"
        );
        assert!(dot.contains(&format!("label=\"file\\n{name}\\n")), "{dot}");
    }
    // Only the direct readers of a file take its name.
    assert!(dot.contains("label=\"total\\n"), "{dot}");

    let rt = Runtime::builder()
        .cache_dir(dir.path().join("cache"))
        .build()
        .unwrap();
    let (value, report) = rt.compute_with_report(&sum).unwrap();
    assert_eq!(value, 6);
    let mut labels: Vec<&str> = report
        .by_name("read_trips")
        .map(|n| n.label().unwrap())
        .collect();
    labels.sort_unstable();
    assert_eq!(labels, ["trips_01.csv", "trips_02.csv", "trips_03.csv"]);
    let text = report.to_string();
    assert!(text.contains("read_trips [trips_02.csv]"), "{text}");
    let explain = report.explain().to_string();
    assert!(explain.contains("read_trips [trips_03.csv]"), "{explain}");
    assert!(report.by_name("total").next().unwrap().label().is_none());
}

#[test]
fn a_label_set_by_hand_shows_and_keeps_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("trips_01.csv");
    std::fs::write(&path, "xyz").unwrap();
    let plain = read_trips(file(&path));
    let named = plain.label("January \"trips\"");
    assert_eq!(named.key(), plain.key());
    let dot = named.visualize().to_string();
    assert!(
        dot.contains("label=\"read_trips\\nJanuary \\\"trips\\\"\\n"),
        "{dot}"
    );
    let rt = Runtime::builder().cache(false).build().unwrap();
    let (_, report) = rt.compute_with_report(&named).unwrap();
    let node = report.by_name("read_trips").next().unwrap();
    assert_eq!(node.label(), Some("January \"trips\""));
    assert_eq!(node.title(), "read_trips [January \"trips\"]");
}
