//! `cache show KEY` prints an entry's header, found by its full key or a unique prefix; an
//! unknown, ambiguous or malformed key is an error that names it.

use crate::common::{entry_path, fill, graphchain};

#[test]
fn by_full_key_and_by_prefix() {
    let dir = tempfile::tempdir().unwrap();
    let (blobs, _) = fill(dir.path(), &[4_000]);
    let key = blobs[0].to_string();

    let out = graphchain(dir.path(), &["cache", "show", &key]).ok().stdout;
    let field = |name: &str| {
        out.lines()
            .find_map(|l| l.strip_prefix(name))
            .unwrap_or_else(|| panic!("no `{name}` in\n{out}"))
            .trim()
            .to_owned()
    };
    assert_eq!(field("key "), key);
    assert_eq!(field("function "), "blob");
    assert!(field("size ").ends_with(" bytes)"), "{out}");
    assert!(field("payload ").contains("KiB ("), "{out}");
    assert!(field("created ").contains(" UTC ("), "{out}");
    assert!(field("last used ").ends_with("s ago)"), "{out}");
    assert!(!field("compute time ").is_empty());
    assert_eq!(field("payload blake3 ").len(), 64);
    assert_eq!(field("type fingerprint ").len(), 64);
    assert!(!out.contains("header"), "{out}");

    // A prefix, in either case, prints the same.
    assert_eq!(
        graphchain(dir.path(), &["cache", "show", &key[..6]])
            .ok()
            .stdout,
        out
    );
    let upper = key[..10].to_ascii_uppercase();
    assert_eq!(
        graphchain(dir.path(), &["cache", "show", &upper])
            .ok()
            .stdout,
        out
    );

    let json = graphchain(dir.path(), &["cache", "show", &key[..8], "--json"])
        .ok()
        .json();
    assert_eq!(json["key"], key);
    assert_eq!(json["function"], "blob");
    assert_eq!(
        json["payload_blake3"].as_str().unwrap(),
        field("payload blake3 ")
    );
}

#[test]
fn unknown_ambiguous_and_malformed_keys_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let (blobs, _) = fill(dir.path(), &[4_000]);
    let key = blobs[0].to_string();

    // No entry has this key: flip its first digit.
    let first = if key.starts_with('0') { '1' } else { '0' };
    let unknown = format!("{first}{}", &key[1..8]);
    let run = graphchain(dir.path(), &["cache", "show", &unknown]);
    assert_eq!(run.status, 2, "{run:#?}");
    assert_eq!(run.stdout, "");
    assert_eq!(
        run.stderr,
        format!(
            "error: no entry with key `{unknown}` in `{}`\n",
            dir.path().display()
        )
    );

    // A second entry whose key shares the first 62 digits.
    let last = if key.ends_with('0') { '1' } else { '0' };
    let twin = format!("{}{last}", &key[..63]);
    std::fs::copy(
        entry_path(dir.path(), blobs[0]),
        entry_path(dir.path(), twin.parse().unwrap()),
    )
    .unwrap();
    let run = graphchain(dir.path(), &["cache", "show", &key[..5]]);
    assert_eq!(run.status, 2, "{run:#?}");
    assert!(
        run.stderr.starts_with(&format!(
            "error: key `{}` is ambiguous: 2 entries start with it (",
            &key[..5]
        )),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains(&key) && run.stderr.contains(&twin));
    // The full key still finds it; the twin's header says it is another key's.
    graphchain(dir.path(), &["cache", "show", &key]).ok();
    let out = graphchain(dir.path(), &["cache", "show", &twin])
        .ok()
        .stdout;
    assert!(
        out.contains("header     unreadable: entry is for another key"),
        "{out}"
    );

    for bad in ["abc", "wxyz", &format!("{key}0")] {
        let run = graphchain(dir.path(), &["cache", "show", bad]);
        assert_eq!(run.status, 2, "{run:#?}");
        assert!(
            run.stderr.contains(&format!(
                "invalid value '{bad}' for '<KEY>': expected a key: 4 to 64 hex digits"
            )),
            "{}",
            run.stderr
        );
    }
}
