//! Unit tests of shared payloads: stored once, checked as entries are, and a miss when unusable.

use super::*;
use crate::store::MemoryStore;
use crate::store::entry::{EntryError, ReadError, read};

fn described(key: u8) -> Described<'static> {
    Described {
        key: Key::from_bytes([key; 32]),
        fingerprint: [3; 32],
        codec: "postcard+lz4",
        name: "load",
        compute_ns: 1234,
    }
}

fn big() -> Vec<u8> {
    (0..INLINE_MAX + 100).map(|i| (i * 7 % 251) as u8).collect()
}

fn put(store: &MemoryStore, key: u8, payload: &[u8]) -> u64 {
    let hash = *blake3::hash(payload).as_bytes();
    put_result(store, &described(key), &[payload], hash)
        .unwrap()
        .expect("written")
}

fn load(store: &MemoryStore, key: u8) -> Result<Vec<u8>, ReadError> {
    let checked = read(
        store,
        Key::from_bytes([key; 32]),
        Some(("postcard+lz4", [3; 32])),
    )?;
    Ok(checked.expect("stored").payload().to_vec())
}

fn size(store: &MemoryStore, key: Key) -> u64 {
    store.metadata(key).unwrap().expect("stored").size
}

#[test]
fn small_payloads_stay_inline() {
    let store = MemoryStore::new();
    let payload = vec![5u8; INLINE_MAX - 1];
    put(&store, 1, &payload);
    assert_eq!(store.list().unwrap().len(), 1);
    assert_eq!(load(&store, 1).unwrap(), payload);
}

#[test]
fn a_payload_is_stored_once_whatever_key_reached_it() {
    let store = MemoryStore::new();
    let payload = big();
    let first = put(&store, 1, &payload);
    let second = put(&store, 2, &payload);
    // Two pointers and one object.
    assert_eq!(store.list().unwrap().len(), 3);
    assert!(first > payload.len() as u64);
    assert!(second < 300, "the second key wrote {second} bytes");
    let object = key_of(blake3::hash(&payload).as_bytes());
    assert!(size(&store, object) > payload.len() as u64);
    assert_eq!(size(&store, Key::from_bytes([2; 32])), second);
    assert_eq!(load(&store, 1).unwrap(), payload);
    assert_eq!(load(&store, 2).unwrap(), payload);
}

#[test]
fn a_missing_payload_object_is_a_miss_naming_it() {
    let store = MemoryStore::new();
    let payload = big();
    put(&store, 1, &payload);
    let object = key_of(blake3::hash(&payload).as_bytes());
    store.remove(object).unwrap();
    match load(&store, 1) {
        Err(ReadError::Entry(EntryError::Shared { object: named, why })) => {
            assert_eq!(named, object);
            assert_eq!(why, "is gone");
        }
        other => panic!("expected a gone payload, got {other:?}"),
    }
    // Writing the result again writes the object again.
    put(&store, 2, &payload);
    assert_eq!(load(&store, 1).unwrap(), payload);
}

#[test]
fn every_bit_flip_of_a_pointer_or_its_object_is_detected() {
    let store = MemoryStore::new();
    let payload = big();
    put(&store, 1, &payload);
    let key = Key::from_bytes([1; 32]);
    let object = key_of(blake3::hash(&payload).as_bytes());
    let pointer = store.get(key).unwrap().unwrap();
    let whole = store.get(object).unwrap().unwrap();
    for (at, bytes, positions) in [
        (key, &pointer, (0..pointer.len()).collect::<Vec<_>>()),
        // The object's header, and every 97th byte of its payload.
        (
            object,
            &whole,
            (0..200).chain((200..whole.len()).step_by(97)).collect(),
        ),
    ] {
        for i in positions {
            for bit in 0..8 {
                let mut bad = bytes.clone();
                bad[i] ^= 1 << bit;
                store.put(at, &bad).unwrap();
                assert!(
                    load(&store, 1).is_err(),
                    "flip of bit {bit} of byte {i} of {at}"
                );
            }
        }
        store.put(at, bytes).unwrap();
    }
    assert_eq!(load(&store, 1).unwrap(), payload);
}

#[test]
fn a_pointer_with_trailing_bytes_or_truncated_is_detected() {
    let store = MemoryStore::new();
    put(&store, 1, &big());
    let key = Key::from_bytes([1; 32]);
    let pointer = store.get(key).unwrap().unwrap();
    for len in 0..pointer.len() {
        store.put(key, &pointer[..len]).unwrap();
        assert!(load(&store, 1).is_err(), "{len}");
    }
    let mut longer = pointer.clone();
    longer.push(0);
    store.put(key, &longer).unwrap();
    assert!(matches!(
        load(&store, 1),
        Err(ReadError::Entry(EntryError::TooLong { .. }))
    ));
}

#[test]
fn a_payload_object_under_another_name_is_rejected() {
    let store = MemoryStore::new();
    let (a, b) = (big(), vec![9u8; INLINE_MAX]);
    put(&store, 1, &a);
    put(&store, 2, &b);
    // The object of `b` copied over the object of `a`: well formed, but not `a`'s.
    let object_a = key_of(blake3::hash(&a).as_bytes());
    let object_b = key_of(blake3::hash(&b).as_bytes());
    store
        .put(object_a, &store.get(object_b).unwrap().unwrap())
        .unwrap();
    assert!(load(&store, 1).is_err());
    assert!(read(&store, object_a, None).is_err());
    assert_eq!(load(&store, 2).unwrap(), b);
}
