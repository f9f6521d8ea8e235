//! Only the lower-case form of a key names an entry: a copy under an upper-case name is some
//! other file, neither listed nor counted twice.

use graphchain::{Cache, delayed};

use crate::common::cached;

#[delayed(cache = "always")]
fn square(x: u64) -> u64 {
    x * x
}

#[test]
fn an_upper_case_copy_is_not_a_second_entry() {
    let dir = tempfile::tempdir().unwrap();
    let rt = cached(dir.path());
    assert_eq!(rt.compute(&square(5)).unwrap(), 25);
    let key = square(5).key();
    let lower = crate::common::entry_path(dir.path(), key);
    let upper = lower.with_file_name(format!("{}.gce", key.to_string().to_ascii_uppercase()));
    std::fs::copy(&lower, &upper).unwrap();

    let cache = Cache::open(dir.path());
    let entries = cache.entries().unwrap();
    assert_eq!(entries.len(), 1, "{entries:#?}");
    assert_eq!(cache.stats().unwrap().entries, 1);
    assert_eq!(cache.keys_with_prefix(&key.short()).unwrap(), vec![key]);
    assert_eq!(cache.clear().unwrap().removed, 1);
    assert!(!lower.exists());
    assert!(upper.exists(), "not an entry, so not the cache's to remove");
}
