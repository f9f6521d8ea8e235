//! Unit tests of the default codec and fingerprints.

use serde::{Deserialize, Serialize};

use super::*;

fn round_trip<T: Serialize + DeserializeOwned>(value: &T) -> (T, Vec<u8>) {
    let mut out = Vec::new();
    <PostcardLz4 as Codec<T>>::encode(value, &mut out).unwrap();
    (<PostcardLz4 as Codec<T>>::decode(&out).unwrap(), out)
}

#[test]
fn compressible_data_is_compressed_and_random_data_is_not() {
    let zeros = vec![0u64; 100_000];
    let (back, bytes) = round_trip(&zeros);
    assert_eq!(back, zeros);
    assert_eq!(bytes[0], LZ4);
    assert!(bytes.len() < 10_000);

    let mut state = 1u64;
    let noise: Vec<f64> = (0..100_000)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            f64::from_bits(state >> 2)
        })
        .collect();
    let (back, bytes) = round_trip(&noise);
    assert_eq!(back, noise);
    assert_eq!(bytes[0], RAW);
}

#[test]
fn impossible_sizes_are_rejected_without_allocating() {
    let mut bytes = vec![LZ4];
    bytes.extend_from_slice(&u64::MAX.to_le_bytes());
    bytes.extend_from_slice(&[0u8; 16]);
    assert!(<PostcardLz4 as Codec<Vec<u8>>>::decode(&bytes).is_err());
    assert!(<PostcardLz4 as Codec<Vec<u8>>>::decode(&[9, 1, 2]).is_err());
    assert!(<PostcardLz4 as Codec<Vec<u8>>>::decode(&[]).is_err());
}

mod v1 {
    #[derive(serde::Serialize, serde::Deserialize)]
    pub(super) struct Point {
        pub(super) x: u32,
        pub(super) y: u32,
    }
}

mod v2 {
    #[derive(serde::Serialize, serde::Deserialize)]
    pub(super) struct Point {
        pub(super) y: u32,
        pub(super) x: u32,
    }
}

#[derive(Serialize, Deserialize)]
struct Point {
    x: u32,
    y: u32,
}

#[derive(Serialize, Deserialize)]
struct PointWithZ {
    x: u32,
    y: u32,
    z: u32,
}

#[test]
fn structure_sees_field_order_and_fields() {
    // Both are named `Point`: only the structure tells a reordering or a new field apart.
    let p1 = structure::<v1::Point>().unwrap();
    let p2 = structure::<v2::Point>().unwrap();
    assert!(p1.contains("Point"), "{p1}");
    assert_ne!(p1, p2);
    assert_ne!(structure::<Point>(), structure::<PointWithZ>());
}

#[test]
fn structural_fingerprint_is_stable_and_distinguishes_types() {
    assert_ne!(
        structural_fingerprint::<v1::Point>(),
        structural_fingerprint::<v2::Point>()
    );
    assert_ne!(
        structural_fingerprint::<Point>(),
        structural_fingerprint::<PointWithZ>()
    );
    assert_eq!(
        structural_fingerprint::<Point>(),
        structural_fingerprint::<Point>()
    );
    assert_ne!(
        structural_fingerprint::<Vec<u32>>(),
        structural_fingerprint::<Vec<u64>>()
    );
}
