//! `cache verify` checks every entry's checksums, names the bad ones and exits with 1; with
//! `--remove` it removes them.

use crate::common::{entry_path, fill, graphchain, strings};

#[test]
fn a_flipped_payload_byte_is_reported_and_removed() {
    let dir = tempfile::tempdir().unwrap();
    let (blobs, sums) = fill(dir.path(), &[8_000, 9_000]);
    let out = graphchain(dir.path(), &["cache", "verify"]).ok().stdout;
    assert_eq!(out, "checked 4 entries: all good\n");

    // Flip a byte in the payload (the end of the file) of one entry.
    let path = entry_path(dir.path(), blobs[1]);
    let mut bytes = std::fs::read(&path).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0x01;
    std::fs::write(&path, &bytes).unwrap();

    let run = graphchain(dir.path(), &["cache", "verify"]);
    assert_eq!(run.status, 1, "{run:#?}");
    assert_eq!(run.stderr, "");
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{}", run.stdout);
    assert!(
        lines[0].starts_with(&format!("bad  {}  blob  ", blobs[1].short())),
        "{}",
        run.stdout
    );
    assert!(
        lines[0].ends_with("  entry payload checksum does not match"),
        "{}",
        run.stdout
    );
    assert_eq!(lines[1], "checked 4 entries: 1 bad");
    assert!(path.exists(), "verify without --remove removes nothing");

    let run = graphchain(dir.path(), &["cache", "verify", "--json"]);
    assert_eq!(run.status, 1, "{run:#?}");
    let json = run.json();
    assert_eq!(json["checked"], 4);
    assert_eq!(json["removed"], 0);
    assert_eq!(
        json["bad"],
        serde_json::json!([{
            "key": blobs[1].to_string(),
            "function": "blob",
            "size_bytes": bytes.len(),
            "reason": "entry payload checksum does not match",
        }])
    );

    let run = graphchain(dir.path(), &["cache", "verify", "--remove"]);
    assert_eq!(run.status, 1, "{run:#?}");
    assert!(
        run.stdout.ends_with(&format!(
            "checked 4 entries: 1 bad\nremoved 1 bad entry, freed {:.1} KiB\n",
            bytes.len() as f64 / 1024.0
        )),
        "{}",
        run.stdout
    );
    assert!(!path.exists());

    let out = graphchain(dir.path(), &["cache", "verify"]).ok().stdout;
    assert_eq!(out, "checked 3 entries: all good\n");
    let listed = graphchain(dir.path(), &["cache", "ls"]).ok().stdout;
    assert!(!listed.contains(&blobs[1].short()), "{listed}");
    assert!(listed.contains(&sums[1].short()), "{listed}");
}

#[test]
fn damaged_headers_and_truncation_are_bad_too() {
    let dir = tempfile::tempdir().unwrap();
    let (blobs, sums) = fill(dir.path(), &[8_000]);
    let path = entry_path(dir.path(), blobs[0]);
    let bytes = std::fs::read(&path).unwrap();
    std::fs::write(&path, &bytes[..bytes.len() - 10]).unwrap();
    let mut header = std::fs::read(entry_path(dir.path(), sums[0])).unwrap();
    header[40] ^= 0x80;
    std::fs::write(entry_path(dir.path(), sums[0]), &header).unwrap();

    // A header that cannot be read is named by every command that reads headers; a cut in the
    // value only by `verify`, which reads values.
    let damaged = format!(
        "bad entry {}: entry header checksum does not match\n",
        sums[0]
    );
    for args in [&["cache", "ls"][..], &["cache", "stats", "--json"]] {
        let run = graphchain(dir.path(), args);
        assert_eq!(run.status, 1, "{args:?}: {run:#?}");
        assert_eq!(run.stderr, damaged, "{args:?}");
    }
    let stats = graphchain(dir.path(), &["cache", "stats", "--json"]).json();
    assert_eq!(stats["unreadable"], 1, "{stats}");

    let run = graphchain(dir.path(), &["cache", "verify", "--json", "--remove"]);
    assert_eq!(run.status, 1, "{run:#?}");
    let json = run.json();
    assert_eq!(json["removed"], 2);
    let reasons = strings(&json["bad"], "reason");
    assert_eq!(reasons.len(), 2);
    assert!(reasons.contains(&"entry is truncated"), "{reasons:?}");
    assert!(
        reasons.contains(&"entry header checksum does not match"),
        "{reasons:?}"
    );
    let out = graphchain(dir.path(), &["cache", "verify"]).ok().stdout;
    assert_eq!(out, "no entries to check\n");
}
