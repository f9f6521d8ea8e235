//! `cache prune` removes the least recently used entries beyond `--max-size`, and entries not
//! used for `--older-than`; `--dry-run` only says what it would remove.

use std::time::Duration;

use graphchain::Key;

use crate::common::{entry_path, fill, graphchain, set_last_used};

const DAY: Duration = Duration::from_secs(86_400);

fn stored(dir: &std::path::Path) -> Vec<String> {
    let json = graphchain(dir, &["cache", "ls", "--json"]).ok().json();
    let mut keys: Vec<String> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["key"].as_str().unwrap().to_owned())
        .collect();
    keys.sort();
    keys
}

fn sorted(keys: &[Key]) -> Vec<String> {
    let mut keys: Vec<String> = keys.iter().map(Key::to_string).collect();
    keys.sort();
    keys
}

#[test]
fn to_a_size_least_recently_used_first() {
    let dir = tempfile::tempdir().unwrap();
    let (blobs, sums) = fill(dir.path(), &[100_000, 100_000 + 1, 100_000 + 2]);
    std::fs::remove_file(entry_path(dir.path(), sums[0])).unwrap();
    // Make the checksums tiny next to the blobs, then order the uses: blobs[0] oldest.
    for (i, key) in blobs.iter().enumerate() {
        set_last_used(dir.path(), *key, DAY * (3 - i as u32));
    }
    let before = stored(dir.path());
    assert_eq!(before.len(), 5);

    // 250,000 bytes hold the two newest blobs and the checksums, not the oldest blob.
    let run = graphchain(
        dir.path(),
        &["cache", "prune", "--max-size", "250KB", "--dry-run"],
    )
    .ok();
    assert_eq!(stored(dir.path()), before);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{}", run.stdout);
    assert!(
        lines[0].starts_with(&format!("would remove  {}  blob  ", blobs[0].short())),
        "{}",
        run.stdout
    );
    assert!(lines[0].ends_with("used 3d ago"), "{}", run.stdout);
    assert!(
        lines[1].starts_with("dry run: would remove 1 entry and 1 shared payload, freeing 9")
            && lines[1].contains(" KiB; 4 entries kept ("),
        "{}",
        run.stdout
    );

    let run = graphchain(dir.path(), &["cache", "prune", "--max-size", "250KB"]).ok();
    assert!(
        run.stdout
            .starts_with(&format!("removed  {}  blob  ", blobs[0].short()))
    );
    assert!(
        run.stdout
            .contains("\nremoved 1 entry and 1 shared payload, freed 9"),
        "{}",
        run.stdout
    );
    assert_eq!(
        stored(dir.path()),
        sorted(&[blobs[1], blobs[2], sums[1], sums[2]])
    );

    // Decimals, binary units and JSON; a limit everything fits in removes nothing.
    let json = graphchain(
        dir.path(),
        &["cache", "prune", "--max-size", "0.5MiB", "--json"],
    )
    .ok()
    .json();
    assert_eq!(json["dry_run"], false);
    assert_eq!(json["removed"], serde_json::json!([]));
    assert_eq!(json["freed_bytes"], 0);
    assert_eq!(json["kept_entries"], 4);
    let out = graphchain(dir.path(), &["cache", "prune", "--max-size", "0.5MiB"])
        .ok()
        .stdout;
    assert!(
        out.starts_with("nothing to remove; 4 entries kept ("),
        "{out}"
    );

    let json = graphchain(dir.path(), &["cache", "prune", "--max-size", "0", "--json"])
        .ok()
        .json();
    assert_eq!(json["removed"].as_array().unwrap().len(), 4);
    assert_eq!(json["kept_entries"], 0);
    assert_eq!(json["kept_bytes"], 0);
    assert!(json["freed_bytes"].as_u64().unwrap() > 200_000);
    assert_eq!(stored(dir.path()), Vec::<String>::new());
}

#[test]
fn by_age_and_by_both() {
    let dir = tempfile::tempdir().unwrap();
    let (blobs, sums) = fill(dir.path(), &[10_000, 20_000]);
    set_last_used(dir.path(), blobs[0], 40 * DAY);
    set_last_used(dir.path(), sums[0], 10 * DAY);
    set_last_used(dir.path(), blobs[1], DAY);

    let json = graphchain(
        dir.path(),
        &[
            "cache",
            "prune",
            "--older-than",
            "30d",
            "--dry-run",
            "--json",
        ],
    )
    .ok()
    .json();
    assert_eq!(json["dry_run"], true);
    assert_eq!(json["removed"].as_array().unwrap().len(), 1);
    assert_eq!(json["removed"][0]["key"], blobs[0].to_string());
    assert_eq!(json["kept_entries"], 3);
    assert_eq!(stored(dir.path()).len(), 4);

    let out = graphchain(dir.path(), &["cache", "prune", "--older-than", "4w"])
        .ok()
        .stdout;
    assert!(out.contains("\nremoved 1 entry, freed "), "{out}");
    assert_eq!(stored(dir.path()), sorted(&[sums[0], blobs[1], sums[1]]));

    // Nothing is older than 1.5 weeks; then, newest first, the checksums fit in 1 KB and
    // blobs[1] does not.
    let out = graphchain(
        dir.path(),
        &[
            "cache",
            "prune",
            "--older-than",
            "1.5w",
            "--max-size",
            "1KB",
        ],
    )
    .ok()
    .stdout;
    assert!(
        out.starts_with(&format!("removed  {}  blob  ", blobs[1].short())),
        "{out}"
    );
    assert!(out.contains("\nremoved 1 entry, freed "), "{out}");
    assert_eq!(stored(dir.path()), sorted(&[sums[0], sums[1]]));
    let out = graphchain(
        dir.path(),
        &["cache", "prune", "--older-than", "1w", "--max-size", "1KB"],
    )
    .ok()
    .stdout;
    assert!(
        out.starts_with(&format!("removed  {}  checksum  ", sums[0].short())),
        "{out}"
    );
    assert_eq!(stored(dir.path()), sorted(&[sums[1]]));
}
