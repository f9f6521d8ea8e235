//! Unit tests of the bulk copy: the same bytes as postcard, and postcard for anything else.

use super::*;

fn postcard_bytes<T: serde::Serialize>(value: &T) -> Vec<u8> {
    postcard::to_allocvec(value).unwrap()
}

fn same_as_postcard<T>(value: T)
where
    T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug + 'static,
{
    let mut bytes = Vec::new();
    assert!(encode(&value, &mut bytes));
    assert_eq!(bytes, postcard_bytes(&value));
    assert_eq!(encoded_len(&value), Some(bytes.len()));
    let ((head, head_len), body) = parts(&value).expect("a vector of fixed-width numbers");
    assert_eq!([&head[..head_len], body].concat(), bytes);
    assert_eq!(decode::<T>(&bytes).expect("taken").unwrap(), value);
}

#[test]
fn vectors_of_fixed_width_numbers_are_postcards_bytes() {
    for n in [0usize, 1, 127, 128, 300, 16_384, 20_000] {
        same_as_postcard((0..n).map(|i| i as f64 * 0.5 - 7.0).collect::<Vec<f64>>());
        same_as_postcard((0..n).map(|i| i as f32 * 0.25).collect::<Vec<f32>>());
        same_as_postcard((0..n).map(|i| i as u8).collect::<Vec<u8>>());
        same_as_postcard((0..n).map(|i| i as i8).collect::<Vec<i8>>());
    }
    let odd = vec![f64::NAN, f64::INFINITY, -0.0, f64::MIN_POSITIVE];
    let mut bytes = Vec::new();
    assert!(encode(&odd, &mut bytes));
    assert_eq!(bytes, postcard_bytes(&odd));
    let back: Vec<f64> = decode(&bytes).expect("taken").unwrap();
    assert_eq!(
        back.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
        odd.iter().map(|x| x.to_bits()).collect::<Vec<_>>()
    );
}

#[test]
fn other_types_are_left_to_postcard() {
    let mut bytes = Vec::new();
    assert!(!encode(&vec![1u32, 2], &mut bytes));
    assert!(!encode(&[1.0f64, 2.0], &mut bytes));
    assert!(!encode(&vec![vec![1.0f64]], &mut bytes));
    assert!(bytes.is_empty());
    assert_eq!(encoded_len(&vec![1u64]), None);
    assert!(parts(&vec![1u64]).is_none());
    assert!(decode::<Vec<u32>>(&[1, 1]).is_none());
    assert!(decode::<String>(&[1, b'a']).is_none());
}

#[test]
fn anything_but_a_length_and_exactly_its_elements_is_left_to_postcard() {
    // Truncated, with bytes left over, a length past the bytes, no length at all.
    assert!(decode::<Vec<f64>>(&[1, 0, 0, 0]).is_none());
    assert!(decode::<Vec<u8>>(&[1, 7, 7]).is_none());
    assert!(decode::<Vec<u8>>(&[0xff, 0xff, 0xff, 0xff, 0x0f]).is_none());
    assert!(decode::<Vec<u8>>(&[]).is_none());
    // A non-canonical length (1 written in two bytes), an unterminated and an overlong one.
    assert!(decode::<Vec<u8>>(&[0x81, 0x00, 7]).is_none());
    assert!(decode::<Vec<u8>>(&[0x80; 11]).is_none());
    assert!(
        decode::<Vec<u8>>(&[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]).is_none()
    );
    // Postcard then decides, as it always did: it ignores what follows a value.
    assert_eq!(
        postcard::from_bytes::<Vec<u8>>(&[1, 7, 7]).unwrap(),
        vec![7]
    );
}

#[test]
fn varints_are_postcards() {
    for n in [0u64, 1, 127, 128, 16_383, 16_384, u32::MAX as u64, u64::MAX] {
        let mut bytes = Vec::new();
        put_varint(n, &mut bytes);
        assert_eq!(bytes, postcard_bytes(&n), "{n}");
        assert_eq!(varint_len(n), bytes.len());
        assert_eq!(varint(&bytes), Some((n, bytes.len())));
    }
}
