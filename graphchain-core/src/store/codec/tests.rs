//! Unit tests of the default codec and fingerprints.

use serde::{Deserialize, Serialize};

use super::*;

fn round_trip<T: Serialize + DeserializeOwned + 'static>(value: &T) -> (T, Vec<u8>) {
    let mut out = Vec::new();
    <PostcardLz4 as Codec<T>>::encode(value, &mut out).unwrap();
    (<PostcardLz4 as Codec<T>>::decode(&out).unwrap(), out)
}

/// 100,000 floats of random bits: incompressible.
fn noise() -> Vec<f64> {
    let mut state = 1u64;
    (0..100_000)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            f64::from_bits(state >> 2)
        })
        .collect()
}

#[test]
fn compressible_data_is_compressed_and_random_data_is_not() {
    let zeros = vec![0u64; 100_000];
    let (back, bytes) = round_trip(&zeros);
    assert_eq!(back, zeros);
    assert_eq!(bytes[0], LZ4);
    assert!(bytes.len() < 10_000);

    let noise = noise();
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
    let p1 = type_structure::<v1::Point>().unwrap();
    let p2 = type_structure::<v2::Point>().unwrap();
    assert!(p1.contains("Point"), "{p1}");
    assert_ne!(p1, p2);
    assert_ne!(type_structure::<Point>(), type_structure::<PointWithZ>());
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

/// Asks the format what comes next, as `serde_json::Value` does.
#[derive(Serialize)]
struct SelfDescribing;

impl<'de> Deserialize<'de> for SelfDescribing {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(serde::de::IgnoredAny)
            .map(|_| SelfDescribing)
    }
}

#[test]
fn untraceable_types_are_not_cached_unless_vouched_for() {
    let err = type_structure::<Vec<SelfDescribing>>().unwrap_err();
    assert!(
        err.type_name()
            .ends_with("Vec<graphchain_core::store::codec::tests::SelfDescribing>")
    );
    assert!(err.to_string().contains("deserialize_any"), "{err}");
    assert!(<PostcardLz4 as Codec<Vec<SelfDescribing>>>::checked_fingerprint().is_err());

    let postcard = Storable::of::<Vec<SelfDescribing>, PostcardLz4>().checked();
    assert!(!postcard.cacheable);
    let vouched = Storable::of::<Vec<SelfDescribing>, Vouched<1>>().checked();
    assert!(vouched.cacheable);
    assert_ne!(
        vouched,
        Storable::of::<Vec<SelfDescribing>, Vouched<2>>().checked()
    );
    // Memoized, and the same from any thread.
    let again = std::thread::spawn(|| Storable::of::<Vec<SelfDescribing>, PostcardLz4>().checked());
    assert_eq!(again.join().unwrap(), postcard);

    // A traceable type vouched for still has its structure in the fingerprint.
    assert_ne!(
        <Vouched<1> as Codec<v1::Point>>::fingerprint(),
        <Vouched<1> as Codec<v2::Point>>::fingerprint()
    );
    assert!(Storable::of::<Point, PostcardLz4>().checked().cacheable);
}

#[test]
fn pinned_fingerprint() {
    // Pinned so that an accidental change to the structure text is caught: if this changes on
    // purpose, bump KEY_SCHEME_VERSION and say so in the changelog.
    let hex: String = structural_fingerprint::<Option<Vec<(u8, String)>>>()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(
        hex,
        "b44b80c98adfcc2b8474a847726d14fc141ec8cd66aa366019c8f523d73079fe"
    );
}

#[test]
fn borrowed_parts_are_exactly_what_the_codec_writes() {
    let noise = noise();
    let (_, bytes) = round_trip(&noise);
    let parts = borrowed_parts::<_, PostcardLz4>(&noise).expect("raw and bulk");
    assert_eq!(parts.slices().concat(), bytes);
    // Compressed, not a bulk vector, or another codec: encoded as usual.
    assert!(borrowed_parts::<_, PostcardLz4>(&vec![0.0f64; 100_000]).is_none());
    assert!(borrowed_parts::<_, PostcardLz4>(&vec![7u64; 10]).is_none());
    assert!(borrowed_parts::<_, Vouched<1>>(&noise).is_none());
}
