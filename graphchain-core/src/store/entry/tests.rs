//! Unit tests of the entry format: every bit flip and every truncation is caught.

use super::*;

fn sample() -> (Key, Vec<u8>) {
    let key = Key::from_bytes([7; 32]);
    let payload: Vec<u8> = (0..200u8).collect();
    (
        key,
        encode(key, [3; 32], "postcard+lz4", "load", 1234, &payload),
    )
}

#[test]
fn round_trip() {
    let (key, bytes) = sample();
    let (header, payload) = open(&bytes, key, "postcard+lz4", [3; 32]).unwrap();
    assert_eq!(payload, (0..200u8).collect::<Vec<_>>());
    assert_eq!(header.name, "load");
    assert_eq!(header.compute_ns, 1234);
    assert_eq!(verify(&bytes, key).unwrap(), header);
}

#[test]
fn every_bit_flip_is_detected() {
    let (key, bytes) = sample();
    for i in 0..bytes.len() {
        for bit in 0..8 {
            let mut bad = bytes.clone();
            bad[i] ^= 1 << bit;
            assert!(
                open(&bad, key, "postcard+lz4", [3; 32]).is_err(),
                "flip of bit {bit} of byte {i} went unnoticed"
            );
        }
    }
}

#[test]
fn every_truncation_is_detected() {
    let (key, bytes) = sample();
    for len in 0..bytes.len() {
        assert!(
            open(&bytes[..len], key, "postcard+lz4", [3; 32]).is_err(),
            "{len}"
        );
    }
    let mut longer = bytes.clone();
    longer.push(0);
    assert!(open(&longer, key, "postcard+lz4", [3; 32]).is_err());
}

#[test]
fn mismatches_are_named() {
    let (key, bytes) = sample();
    assert_eq!(
        open(&bytes, Key::from_bytes([8; 32]), "postcard+lz4", [3; 32]).unwrap_err(),
        EntryError::KeyMismatch
    );
    assert_eq!(
        open(&bytes, key, "raw", [3; 32]).unwrap_err(),
        EntryError::Codec("postcard+lz4".into())
    );
    assert_eq!(
        open(&bytes, key, "postcard+lz4", [4; 32]).unwrap_err(),
        EntryError::Type
    );
    assert_eq!(
        open(b"not an entry at all", key, "x", [0; 32]).unwrap_err(),
        EntryError::BadMagic
    );
}
