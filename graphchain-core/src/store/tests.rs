//! The same contract checked on every store.

use std::time::Duration;

use super::*;

fn contract(store: &dyn Store) {
    let a = Key::from_bytes([1; 32]);
    let b = Key::from_bytes([2; 32]);
    assert_eq!(store.get(a).unwrap(), None);
    assert!(!store.contains(a).unwrap());
    assert!(!store.contains_to_load(a).unwrap());
    assert!(store.list().unwrap().is_empty());
    store.put(a, b"first").unwrap();
    // Found by a planner (a store may keep what it saw of it), then replaced: the load that
    // follows reads the entry as it is now.
    assert!(store.contains_to_load(a).unwrap());
    store.put(a, b"second").unwrap();
    let read = |key| {
        let mut sizes = Vec::new();
        let mut check = |_: &[u8], size: u64| {
            sizes.push(size);
            Ok(())
        };
        let bytes = store.read_entry(key, 64, &mut check).unwrap();
        (bytes.map(|b| b.to_vec()), sizes)
    };
    assert_eq!(read(a), (Some(b"second".to_vec()), vec![6]));
    assert!(store.contains_to_load(a).unwrap());
    assert_eq!(read(a), (Some(b"second".to_vec()), vec![6]));
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
    assert!(store.contains_to_load(a).unwrap());
    assert!(store.remove(a).unwrap());
    assert_eq!(read(a), (None, vec![]));
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

/// The URL of a fresh prefix on the test S3 server (`.ci/seaweedfs start`), or `None` — with a
/// visible message — when there is none; with `GRAPHCHAIN_REQUIRE_S3=1` (as CI sets it) a
/// missing server fails the test instead.
#[cfg(feature = "remote")]
pub(crate) fn test_s3(name: &str) -> Option<String> {
    let base = std::env::var("GRAPHCHAIN_TEST_S3")
        .ok()
        .filter(|v| !v.is_empty());
    let required = std::env::var_os("GRAPHCHAIN_REQUIRE_S3").is_some_and(|v| v == "1");
    let Some(base) = base else {
        assert!(
            !required,
            "GRAPHCHAIN_REQUIRE_S3=1 but GRAPHCHAIN_TEST_S3 is not set"
        );
        eprintln!("SKIP: {name}: no S3 test server (run `.ci/seaweedfs start` and source its env)");
        return None;
    };
    let nonce = SystemTimeNonce::next();
    Some(format!("{}/{name}-{nonce}", base.trim_end_matches('/')))
}

/// A name no other test run uses: the process, the time and a counter.
#[cfg(feature = "remote")]
struct SystemTimeNonce;

#[cfg(feature = "remote")]
impl SystemTimeNonce {
    fn next() -> String {
        static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        format!("{}-{nanos}-{n}", std::process::id())
    }
}

#[cfg(feature = "remote")]
#[test]
fn remote_store_keeps_the_contract() {
    let Some(url) = test_s3("contract") else {
        return;
    };
    contract(&RemoteStore::open(&url).unwrap());
}

#[cfg(feature = "remote")]
#[test]
fn remote_store_behind_a_local_tier_keeps_the_contract() {
    let Some(url) = test_s3("tiered-contract") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let remote = std::sync::Arc::new(RemoteStore::open(&url).unwrap());
    let tiered = tiered::TieredStore::new(std::sync::Arc::new(LocalStore::new(dir.path())), remote);
    contract(&tiered);
}

#[test]
fn signed_stores_keep_the_contract() {
    let inner = std::sync::Arc::new(MemoryStore::new());
    contract(&signed::SignedStore::new(inner, b"secret"));
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

#[test]
fn local_store_keeps_entries_in_subdirectories_by_first_byte() {
    let dir = tempfile::tempdir().unwrap();
    let store = LocalStore::new(dir.path());
    let key = Key::from_bytes([0xa7; 32]);
    store.put(key, b"entry").unwrap();
    let path = dir.path().join("a7").join(format!("{key}.gce"));
    assert_eq!(store.entry_path(key), path);
    assert_eq!(std::fs::read(&path).unwrap(), b"entry");
    // An entry in another key's subdirectory is not where that key is looked for.
    let stray = Key::from_bytes([0xb8; 32]);
    std::fs::write(dir.path().join("a7").join(format!("{stray}.gce")), b"x").unwrap();
    assert_eq!(store.list().unwrap(), vec![key]);
    assert!(!store.contains(stray).unwrap());
    // Removing the entry leaves an empty subdirectory, which housekeeping removes.
    std::fs::remove_file(dir.path().join("a7").join(format!("{stray}.gce"))).unwrap();
    assert!(store.remove(key).unwrap());
    assert_eq!(
        store.remove_leftovers(Duration::from_secs(3600)).unwrap(),
        0
    );
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    // A later write makes the subdirectory again.
    store.put(key, b"again").unwrap();
    assert_eq!(store.get(key).unwrap().as_deref(), Some(&b"again"[..]));
}

#[test]
fn local_store_moves_entries_of_the_flat_layout_into_subdirectories() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (Key::from_bytes([0x01; 32]), Key::from_bytes([0xfe; 32]));
    for key in [a, b] {
        std::fs::write(dir.path().join(format!("{key}.gce")), key.as_bytes()).unwrap();
    }
    std::fs::write(dir.path().join("notes.txt"), b"not an entry").unwrap();
    let store = LocalStore::new(dir.path());
    let mut keys = store.list().unwrap();
    keys.sort();
    assert_eq!(keys, vec![a, b]);
    assert_eq!(store.get(b).unwrap().as_deref(), Some(&b.as_bytes()[..]));
    assert!(dir.path().join("fe").join(format!("{b}.gce")).is_file());
    assert!(!dir.path().join(format!("{a}.gce")).exists());
    assert!(dir.path().join("notes.txt").exists());
}

#[test]
fn local_store_lists_small_subdirectories_for_the_planner_and_not_large_ones() {
    let dir = tempfile::tempdir().unwrap();
    let store = LocalStore::new(dir.path());
    let key = |first: u8, i: u32| {
        let mut bytes = [0; 32];
        bytes[0] = first;
        bytes[1..5].copy_from_slice(&i.to_le_bytes());
        Key::from_bytes(bytes)
    };
    // Absent: nothing stored there, known without asking about each key.
    assert_eq!(store.list_shard(0x10).unwrap(), Some(Vec::new()));
    store.put(key(0x10, 0), b"small").unwrap();
    assert_eq!(store.list_shard(0x10).unwrap(), Some(vec![key(0x10, 0)]));
    // Large: thousands of entries are asked about one by one.
    std::fs::create_dir_all(dir.path().join("20")).unwrap();
    for i in 0..2_000 {
        std::fs::write(store.entry_path(key(0x20, i)), b"").unwrap();
    }
    assert_eq!(store.list_shard(0x20).unwrap(), None);
    assert!(store.contains(key(0x20, 1_999)).unwrap());
    assert_eq!(MemoryStore::new().list_shard(0x20).unwrap(), None);
}

/// What a local store's planner saw of an entry is used only while it is still so: an entry
/// cut short, grown or replaced by a FIFO after the planner found it is read as it is now (the
/// check is given its real size), or is an error — never a wait, never the old size.
#[cfg(unix)]
#[test]
fn local_store_loads_what_its_planner_saw_only_while_it_is_so() {
    let dir = tempfile::tempdir().unwrap();
    let store = LocalStore::new(dir.path());
    let key = Key::from_bytes([3; 32]);
    let path = store.entry_path(key);
    let read = || {
        let mut sizes = Vec::new();
        let mut check = |_: &[u8], size: u64| {
            sizes.push(size);
            Ok(())
        };
        let bytes = store.read_entry(key, 64, &mut check);
        (bytes.map(|b| b.map(|b| b.to_vec())), sizes)
    };
    store.put(key, b"entry").unwrap();
    assert!(store.contains_to_load(key).unwrap());
    assert_eq!(read().0.unwrap(), Some(b"entry".to_vec()));
    for now in [&b"en"[..], b"a longer entry"] {
        assert!(store.contains_to_load(key).unwrap());
        std::fs::write(&path, now).unwrap();
        let (bytes, sizes) = read();
        assert_eq!(bytes.unwrap(), Some(now.to_vec()));
        assert_eq!(sizes.last(), Some(&(now.len() as u64)));
    }
    assert!(store.contains_to_load(key).unwrap());
    std::fs::remove_file(&path).unwrap();
    let status = std::process::Command::new("mkfifo")
        .arg(&path)
        .status()
        .unwrap();
    assert!(status.success(), "mkfifo failed");
    let (bytes, _) = read();
    let error = bytes.unwrap_err().to_string();
    assert!(error.contains("not a regular file"), "{error}");
}
