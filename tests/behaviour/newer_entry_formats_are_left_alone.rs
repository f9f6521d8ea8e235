//! An entry written in a newer format than this program reads is a miss here, and is neither
//! removed nor overwritten: two versions of a program can share a cache without deleting each
//! other's results.

use graphchain::Cache;

use crate::common::cached;
use crate::common::sums::{leaf, total};

#[test]
fn a_newer_entry_is_a_miss_that_stays_as_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let rt = cached(dir.path());
    assert_eq!(rt.compute(&total(leaf(100))).unwrap(), 4950);

    // What a future program would write: the same layout under format version 2 (the
    // version is the u16 after the 8-byte magic).
    let path = crate::common::entry_path(dir.path(), leaf(100).key());
    let mut newer = std::fs::read(&path).unwrap();
    newer[8..10].copy_from_slice(&u16::MAX.to_le_bytes());
    std::fs::write(&path, &newer).unwrap();
    let total_path = crate::common::entry_path(dir.path(), total(leaf(100)).key());

    // Twice: neither the first miss nor the second removes or replaces it.
    for _ in 0..2 {
        std::fs::remove_file(&total_path).unwrap();
        let (value, report) = rt.compute_with_report(&total(leaf(100))).unwrap();
        assert_eq!(value, 4950);
        let leaf_report = report.by_name("leaf").next().unwrap();
        assert_eq!(leaf_report.status(), graphchain::Status::Computed);
        assert_eq!(
            std::fs::read(&path).unwrap(),
            newer,
            "the newer entry was touched"
        );
    }

    let cache = Cache::open(dir.path());
    assert_eq!(cache.verify().unwrap(), vec![], "a newer entry is not bad");
    let info = cache.entry(leaf(100).key()).unwrap().unwrap();
    assert!(
        info.header_error.as_deref().unwrap().contains("newer"),
        "{info:?}"
    );
}
