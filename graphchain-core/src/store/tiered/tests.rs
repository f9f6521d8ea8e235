//! The two tiers on memory stores, and a remote tier that fails.

use std::io;
use std::sync::Arc;

use super::*;
use crate::store::MemoryStore;

fn key(n: u8) -> Key {
    Key::from_bytes([n; 32])
}

#[test]
fn writes_reach_both_tiers_by_the_flush() {
    let (local, remote) = (Arc::new(MemoryStore::new()), Arc::new(MemoryStore::new()));
    let tiered = TieredStore::new(local.clone(), remote.clone());
    for n in 0..20 {
        tiered.put(key(n), &[n; 100]).unwrap();
    }
    assert_eq!(local.list().unwrap().len(), 20);
    tiered.flush().unwrap();
    assert_eq!(remote.list().unwrap().len(), 20);
    assert_eq!(remote.get(key(7)).unwrap(), Some(vec![7; 100]));
}

#[test]
fn an_entry_only_in_the_remote_tier_is_kept_locally() {
    let (local, remote) = (Arc::new(MemoryStore::new()), Arc::new(MemoryStore::new()));
    remote.put(key(1), b"from afar").unwrap();
    let tiered = TieredStore::new(local.clone(), remote.clone());
    assert!(tiered.contains(key(1)).unwrap());
    let opened = tiered.open(key(1)).unwrap().unwrap();
    assert_eq!(opened.size, 9);
    assert_eq!(
        local.get(key(1)).unwrap().as_deref(),
        Some(&b"from afar"[..])
    );
    assert_eq!(tiered.list().unwrap(), vec![key(1)]);
}

#[test]
fn a_removed_entry_is_not_uploaded_later() {
    let (local, remote) = (Arc::new(MemoryStore::new()), Arc::new(MemoryStore::new()));
    let tiered = TieredStore::new(local, remote.clone());
    tiered.put(key(2), b"probe").unwrap();
    tiered.remove(key(2)).unwrap();
    tiered.flush().unwrap();
    assert!(!remote.contains(key(2)).unwrap());
}

/// A remote tier that is never there.
#[derive(Debug)]
struct Gone;

impl Store for Gone {
    fn location(&self) -> String {
        "gone://".into()
    }
    fn get(&self, _: Key) -> io::Result<Option<Vec<u8>>> {
        Err(io::Error::other("unreachable"))
    }
    fn put(&self, _: Key, _: &[u8]) -> io::Result<()> {
        Err(io::Error::other("unreachable"))
    }
    fn contains(&self, _: Key) -> io::Result<bool> {
        Err(io::Error::other("unreachable"))
    }
    fn remove(&self, _: Key) -> io::Result<bool> {
        Err(io::Error::other("unreachable"))
    }
    fn list(&self) -> io::Result<Vec<Key>> {
        Err(io::Error::other("unreachable"))
    }
    fn metadata(&self, _: Key) -> io::Result<Option<StoreMeta>> {
        Err(io::Error::other("unreachable"))
    }
}

#[test]
fn failed_uploads_are_reported_by_the_flush_and_kept_locally() {
    let local = Arc::new(MemoryStore::new());
    let tiered = TieredStore::new(local.clone(), Arc::new(Gone));
    tiered.put(key(3), b"a").unwrap();
    tiered.put(key(4), b"b").unwrap();
    let e = tiered.flush().unwrap_err().to_string();
    assert!(
        e.starts_with("2 entries could not be uploaded to gone://"),
        "{e}"
    );
    assert_eq!(tiered.get(key(3)).unwrap().as_deref(), Some(&b"a"[..]));
    // Reported once.
    tiered.flush().unwrap();
}
