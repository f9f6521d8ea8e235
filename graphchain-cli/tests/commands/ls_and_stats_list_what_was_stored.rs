//! `cache ls` lists every stored entry, one line each, sorted as asked; `cache stats` counts
//! them per function; both also as JSON.

use std::time::Duration;

use crate::common::{entry_path, fill, graphchain, set_last_used};

#[test]
fn ls_lists_every_entry() {
    let dir = tempfile::tempdir().unwrap();
    let (blobs, sums) = fill(dir.path(), &[1_000, 20_000, 300_000]);
    // Ages to sort by and to print: the checksums an hour old, the blobs two days.
    for (i, key) in blobs.iter().enumerate() {
        set_last_used(dir.path(), *key, Duration::from_secs(2 * 86_400 + i as u64));
    }
    for key in &sums {
        set_last_used(dir.path(), *key, Duration::from_secs(3_600));
    }

    let out = graphchain(dir.path(), &["cache", "ls"]).ok().stdout;
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 7, "{out}");
    let header: Vec<&str> = lines[0].split("  ").filter(|c| !c.is_empty()).collect();
    assert_eq!(
        header.iter().map(|c| c.trim()).collect::<Vec<_>>(),
        ["KEY", "FUNCTION", "SIZE", "LAST USED", "COMPUTE TIME"]
    );
    // Sorted by function name, then key.
    let mut expected_keys: Vec<_> = blobs.clone();
    expected_keys.sort();
    let mut sorted_sums = sums.clone();
    sorted_sums.sort();
    expected_keys.extend(sorted_sums);
    for (line, key) in lines[1..].iter().zip(&expected_keys) {
        assert!(line.starts_with(&format!("{}  ", key.short())), "{out}");
    }
    let blob_line = lines[1..]
        .iter()
        .find(|l| l.starts_with(&blobs[2].short()))
        .unwrap();
    assert!(blob_line.contains(" blob "), "{blob_line}");
    assert!(blob_line.contains(" KiB "), "{blob_line}");
    assert!(blob_line.contains(" 2d ago "), "{blob_line}");
    assert!(
        blob_line.ends_with(" ns") || blob_line.ends_with(" µs") || blob_line.ends_with(" ms"),
        "{blob_line}"
    );
    let sum_line = lines[1..]
        .iter()
        .find(|l| l.starts_with(&sums[0].short()))
        .unwrap();
    assert!(sum_line.contains(" checksum "), "{sum_line}");
    assert!(sum_line.contains(" B "), "{sum_line}");
    assert!(sum_line.contains(" 1h ago "), "{sum_line}");

    // By size, largest first, and reversed.
    let by_size = graphchain(dir.path(), &["cache", "ls", "--sort", "size"])
        .ok()
        .stdout;
    assert!(
        by_size
            .lines()
            .nth(1)
            .unwrap()
            .starts_with(&blobs[2].short())
    );
    let smallest_first = graphchain(dir.path(), &["cache", "ls", "--sort", "size", "--reverse"])
        .ok()
        .stdout;
    assert!(
        smallest_first
            .lines()
            .last()
            .unwrap()
            .starts_with(&blobs[2].short())
    );
    // By age, most recently used first: the checksums, then the blobs from the newest.
    let by_age = graphchain(dir.path(), &["cache", "ls", "--sort", "age"])
        .ok()
        .stdout;
    let last_three: Vec<&str> = by_age.lines().skip(4).collect();
    for (line, key) in last_three.iter().zip(&blobs) {
        assert!(line.starts_with(&key.short()), "{by_age}");
    }
}

#[test]
fn ls_json_has_every_field() {
    let dir = tempfile::tempdir().unwrap();
    let (blobs, sums) = fill(dir.path(), &[5_000]);
    let json = graphchain(dir.path(), &["cache", "ls", "--json"])
        .ok()
        .json();
    let entries = json.as_array().unwrap();
    assert_eq!(entries.len(), 2);
    let blob = entries
        .iter()
        .find(|e| e["key"] == blobs[0].to_string())
        .unwrap();
    assert_eq!(blob["function"], "blob");
    assert!(blob["codec"].is_string());
    let size = blob["size_bytes"].as_u64().unwrap();
    let payload = blob["payload_bytes"].as_u64().unwrap();
    assert!(payload > 5_000 && payload < size, "{blob}");
    let file_size = std::fs::metadata(entry_path(dir.path(), blobs[0]))
        .unwrap()
        .len();
    assert_eq!(size, file_size);
    assert!(blob["created_unix_ms"].as_u64().unwrap() > 1_600_000_000_000);
    assert!(blob["last_used_unix_ms"].as_u64().unwrap() > 1_600_000_000_000);
    assert!(blob["compute_time_ns"].as_u64().is_some());
    assert_eq!(blob["type_fingerprint"].as_str().unwrap().len(), 64);
    assert_eq!(blob["payload_blake3"].as_str().unwrap().len(), 64);
    assert!(blob["header_error"].is_null());
    let sum = entries
        .iter()
        .find(|e| e["key"] == sums[0].to_string())
        .unwrap();
    assert_eq!(sum["function"], "checksum");
}

#[test]
fn stats_count_per_function() {
    let dir = tempfile::tempdir().unwrap();
    fill(dir.path(), &[1_000, 2_000, 3_000]);
    let json = graphchain(dir.path(), &["cache", "ls", "--json"])
        .ok()
        .json();
    let total: u64 = json
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["size_bytes"].as_u64().unwrap())
        .sum();

    let out = graphchain(dir.path(), &["cache", "stats"]).ok().stdout;
    assert!(out.starts_with("entries  6\n"), "{out}");
    assert!(out.contains(&format!(" ({total} bytes)\n")), "{out}");
    let blob_row = out.lines().find(|l| l.starts_with("blob ")).unwrap();
    assert!(blob_row.contains(" 3  "), "{out}");
    assert!(out.lines().any(|l| l.starts_with("checksum ")), "{out}");

    let stats = graphchain(dir.path(), &["cache", "stats", "--json"])
        .ok()
        .json();
    assert_eq!(stats["entries"], 6);
    assert_eq!(stats["bytes"], total);
    let functions = stats["functions"].as_array().unwrap();
    assert_eq!(functions.len(), 2);
    assert_eq!(functions[0]["function"], "blob");
    assert_eq!(functions[0]["entries"], 3);
    assert_eq!(functions[1]["function"], "checksum");
    assert_eq!(functions[1]["entries"], 3);
    assert_eq!(
        functions[0]["bytes"].as_u64().unwrap() + functions[1]["bytes"].as_u64().unwrap(),
        total
    );
}

#[test]
fn an_empty_cache_lists_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = graphchain(dir.path(), &["cache", "ls"]).ok().stdout;
    assert_eq!(out, format!("no entries in `{}`\n", dir.path().display()));
    assert_eq!(
        graphchain(dir.path(), &["cache", "ls", "--json"])
            .ok()
            .json(),
        serde_json::json!([])
    );
    let stats = graphchain(dir.path(), &["cache", "stats"]).ok().stdout;
    assert_eq!(stats, "entries  0\nsize     0 B (0 bytes)\n");
}

#[test]
fn reading_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (blobs, _) = fill(dir.path(), &[1_000, 2_000]);
    set_last_used(dir.path(), blobs[0], Duration::from_secs(3_600));
    let before = graphchain(dir.path(), &["cache", "ls", "--json"])
        .ok()
        .json();
    let key = blobs[0].to_string();
    for args in [
        &["cache", "ls"][..],
        &["cache", "stats"],
        &["cache", "show", &key],
        &["cache", "verify"],
        &["cache", "prune", "--max-size", "0", "--dry-run"],
    ] {
        graphchain(dir.path(), args).ok();
    }
    let after = graphchain(dir.path(), &["cache", "ls", "--json"])
        .ok()
        .json();
    assert_eq!(before, after);
}
