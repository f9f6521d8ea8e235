//! `cache clear` removes every entry and the leftovers of interrupted writes, and nothing else.

use crate::common::{fill, graphchain};

#[test]
fn clear_empties_the_cache() {
    let dir = tempfile::tempdir().unwrap();
    fill(dir.path(), &[1_000, 2_000]);
    std::fs::write(dir.path().join(".tmp-0123456789ab-1-0"), b"half an entry").unwrap();
    std::fs::write(dir.path().join("notes.txt"), b"not the cache's").unwrap();
    let total = graphchain(dir.path(), &["cache", "stats", "--json"])
        .ok()
        .json()["bytes"]
        .as_u64()
        .unwrap();

    let out = graphchain(dir.path(), &["cache", "clear"]).ok().stdout;
    assert_eq!(
        out,
        format!(
            "removed 4 entries, freed {:.1} KiB\n",
            total as f64 / 1024.0
        )
    );
    let mut left: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    left.sort();
    assert_eq!(left, ["notes.txt"]);

    let stats = graphchain(dir.path(), &["cache", "stats", "--json"])
        .ok()
        .json();
    assert_eq!(stats["entries"], 0);
    let out = graphchain(dir.path(), &["cache", "clear"]).ok().stdout;
    assert_eq!(out, "removed 0 entries, freed 0 B\n");
    assert!(dir.path().is_dir(), "the directory itself stays");
}
