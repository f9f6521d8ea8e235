//! The same contract checked on every store.

use std::time::Duration;

use super::*;

fn contract(store: &dyn Store) {
    let a = Key::from_bytes([1; 32]);
    let b = Key::from_bytes([2; 32]);
    assert_eq!(store.get(a).unwrap(), None);
    assert!(!store.contains(a).unwrap());
    assert!(store.list().unwrap().is_empty());
    store.put(a, b"first").unwrap();
    store.put(a, b"second").unwrap();
    store.put(b, b"other").unwrap();
    assert_eq!(store.get(a).unwrap().as_deref(), Some(&b"second"[..]));
    assert_eq!(
        store.get_prefix(a, 3).unwrap().as_deref(),
        Some(&b"sec"[..])
    );
    assert!(store.contains(b).unwrap());
    let mut keys = store.list().unwrap();
    keys.sort();
    assert_eq!(keys, vec![a, b]);
    assert_eq!(store.metadata(a).unwrap().unwrap().size, 6);
    store.touch(a).unwrap();
    assert!(store.remove(a).unwrap());
    assert!(!store.remove(a).unwrap());
    assert_eq!(store.metadata(a).unwrap(), None);
    assert_eq!(store.list().unwrap(), vec![b]);
}

#[test]
fn memory_store_keeps_the_contract() {
    contract(&MemoryStore::new());
}

#[test]
fn local_store_keeps_the_contract() {
    let dir = tempfile::tempdir().unwrap();
    contract(&LocalStore::new(dir.path().join("cache")));
    contract(&LocalStore::new(dir.path().join("synced")).sync_writes(true));
}

#[test]
fn local_store_ignores_and_cleans_leftovers() {
    let dir = tempfile::tempdir().unwrap();
    let store = LocalStore::new(dir.path());
    std::fs::write(dir.path().join(".tmp-abc-1-0"), b"half an entry").unwrap();
    std::fs::write(dir.path().join("notes.txt"), b"not an entry").unwrap();
    assert!(store.list().unwrap().is_empty());
    assert_eq!(
        store.remove_leftovers(Duration::from_secs(3600)).unwrap(),
        0
    );
    assert_eq!(store.remove_leftovers(Duration::ZERO).unwrap(), 1);
    assert!(dir.path().join("notes.txt").exists());
}

#[test]
fn local_store_in_a_missing_directory_is_empty() {
    let store = LocalStore::new("/nonexistent/graphchain/cache");
    assert!(store.list().unwrap().is_empty());
    assert_eq!(store.get(Key::from_bytes([0; 32])).unwrap(), None);
}

#[test]
fn local_store_recreates_a_removed_directory() {
    let dir = tempfile::tempdir().unwrap();
    let store = LocalStore::new(dir.path().join("cache"));
    let key = Key::from_bytes([3; 32]);
    store.put(key, b"before").unwrap();
    std::fs::remove_dir_all(dir.path().join("cache")).unwrap();
    store.put(key, b"after").unwrap();
    assert_eq!(store.get(key).unwrap().as_deref(), Some(&b"after"[..]));
}
