//! A cache signed with a team key: an entry forged with valid checksums — which an unsigned
//! cache loads — is a miss, and the value is computed again, right.

use std::sync::Arc;

use graphchain::store::{MemoryStore, Store};
use graphchain::{Runtime, Status, delayed};

#[delayed(cache = "always")]
fn price(item: u64) -> u64 {
    item * 100
}

/// The header length of an entry (magic [8] · format u16 · header length u32 · …).
fn header_len(entry: &[u8]) -> usize {
    u32::from_le_bytes(entry[10..14].try_into().unwrap()) as usize
}

/// `entry`'s header with `payload` after it, both checksums made valid again: what anyone who
/// can write to a shared cache can do (the header ends with payload length u64 · payload
/// blake3 [32] · header blake3 [16]).
fn forge(entry: &[u8], payload: &[u8]) -> Vec<u8> {
    let h = header_len(entry);
    let mut out = entry[..h].to_vec();
    out[h - 56..h - 48].copy_from_slice(&(payload.len() as u64).to_le_bytes());
    out[h - 48..h - 16].copy_from_slice(blake3::hash(payload).as_bytes());
    let header_hash = blake3::hash(&out[..h - 16]);
    out[h - 16..].copy_from_slice(&header_hash.as_bytes()[..16]);
    out.extend_from_slice(payload);
    out
}

fn runtime(store: &Arc<MemoryStore>, key: Option<&str>) -> Runtime {
    let builder = Runtime::builder().store(store.clone()).threads(1);
    match key {
        Some(key) => builder.cache_key(key),
        None => builder,
    }
    .build()
    .unwrap()
}

/// An entry for `price(1)` that holds the value of `price(999)`, checksums and all.
fn forged_entry() -> (graphchain::Key, Vec<u8>) {
    let plain = Arc::new(MemoryStore::new());
    let rt = runtime(&plain, None);
    rt.compute(&price(1)).unwrap();
    rt.compute(&price(999)).unwrap();
    let honest = plain.get(price(1).key()).unwrap().unwrap();
    let other = plain.get(price(999).key()).unwrap().unwrap();
    let forged = forge(&honest, &other[header_len(&other)..]);
    (price(1).key(), forged)
}

#[test]
fn unsigned_caches_load_forged_entries() {
    // What signing is for: without it the forged value is returned.
    let (key, forged) = forged_entry();
    let store = Arc::new(MemoryStore::new());
    store.put(key, &forged).unwrap();
    assert_eq!(runtime(&store, None).compute(&price(1)).unwrap(), 99_900);
}

#[test]
fn signed_caches_reject_forged_entries() {
    let (key, forged) = forged_entry();
    let store = Arc::new(MemoryStore::new());
    let signed = runtime(&store, Some("a long team secret"));
    assert_eq!(signed.compute(&price(1)).unwrap(), 100);
    let (value, report) = signed.compute_with_report(&price(1)).unwrap();
    assert_eq!((value, report.nodes()[0].status()), (100, Status::Loaded));

    // Forged without the key, signed with another one, or signed honestly but moved from
    // another key: each is a miss, and the right value is computed and stored signed again.
    let elsewhere = Arc::new(MemoryStore::new());
    runtime(&elsewhere, Some("another secret"))
        .compute(&price(1))
        .unwrap();
    let other_key = Arc::new(MemoryStore::new());
    runtime(&other_key, Some("a long team secret"))
        .compute(&price(999))
        .unwrap();
    let attempts = [
        forged,
        elsewhere.get(key).unwrap().unwrap(),
        other_key.get(price(999).key()).unwrap().unwrap(),
    ];
    for (i, object) in attempts.into_iter().enumerate() {
        store.put(key, &object).unwrap();
        let (value, report) = signed.compute_with_report(&price(1)).unwrap();
        assert_eq!(value, 100, "attempt {i}");
        assert_eq!(report.nodes()[0].status(), Status::Computed, "attempt {i}");
        let (value, report) = signed.compute_with_report(&price(1)).unwrap();
        assert_eq!((value, report.nodes()[0].status()), (100, Status::Loaded));
    }
}
