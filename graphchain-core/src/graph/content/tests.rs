//! Unit tests of content hashing.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use serde::Serialize;

use super::content_hash;

fn h<T: Serialize + ?Sized>(v: &T) -> [u8; 32] {
    content_hash(v).unwrap()
}

#[test]
fn equal_values_hash_equal_and_different_values_differ() {
    assert_eq!(h(&42u64), h(&42u64));
    assert_ne!(h(&42u64), h(&43u64));
    assert_ne!(h(&42u64), h(&42u32));
    assert_ne!(h(&1.0f64), h(&-1.0f64));
    assert_eq!(h("abc"), h(&String::from("abc")));
}

#[test]
fn boundaries_are_unambiguous() {
    assert_ne!(h(&("ab", "c")), h(&("a", "bc")));
    assert_ne!(h(&vec![vec![1u8], vec![]]), h(&vec![vec![], vec![1u8]]));
    assert_ne!(h(&Some(0u8)), h(&None::<u8>));
    assert_ne!(h(&vec![1u8, 2]), h(&(1u8, 2u8)));
}

#[test]
fn sequences_keep_their_order() {
    assert_ne!(h(&vec![1, 2, 3]), h(&vec![3, 2, 1]));
}

#[test]
fn maps_ignore_iteration_order() {
    let mut a = HashMap::new();
    let mut b = HashMap::new();
    for i in 0..200u32 {
        a.insert(i, i.to_string());
    }
    for i in (0..200u32).rev() {
        b.insert(i, i.to_string());
    }
    assert_eq!(h(&a), h(&b));
    let sorted: BTreeMap<_, _> = a.clone().into_iter().collect();
    assert_eq!(h(&a), h(&sorted));
    b.insert(7, "changed".into());
    assert_ne!(h(&a), h(&b));
}

#[test]
fn hash_sets_ignore_iteration_order() {
    let a: HashSet<String> = (0..100).map(|i| format!("k{i}")).collect();
    let b: HashSet<String> = (0..100).rev().map(|i| format!("k{i}")).collect();
    assert_eq!(h(&a), h(&b));
    let nested_a = vec![a.clone()];
    let nested_b = vec![b];
    assert_eq!(h(&nested_a), h(&nested_b));
    let ordered: BTreeSet<String> = a.iter().cloned().collect();
    // A BTreeSet is a sequence in sorted order: stable on its own, but not the same as a set.
    assert_eq!(h(&ordered), h(&ordered.clone()));
}

#[test]
fn pinned_hash() {
    // Changing how values are hashed changes every key: bump the content tag when you do.
    let hex: String = h(&(1u32, "a", vec![0.5f64]))
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(
        hex,
        "a8aafd51f347d298b1b4b6909457fe717f9c7e060da265ce160b1e1ec038e0fe"
    );
}

#[derive(Serialize)]
struct Point {
    x: i32,
    y: i32,
}

#[derive(Serialize)]
struct Swapped {
    y: i32,
    x: i32,
}

#[test]
fn structs_include_field_names() {
    assert_ne!(h(&Point { x: 1, y: 2 }), h(&Swapped { y: 1, x: 2 }));
}

#[test]
fn values_longer_than_the_buffer_hash_their_whole_stream() {
    // Strings around and far past the bytes buffered before blake3 is fed: each hash is that of
    // the whole stream (prefix, tag, length, bytes), however the writes were split.
    for len in [0, 90, 97, 98, 99, 128, 129, 300, 5000] {
        let text = "x".repeat(len);
        let mut stream = b"graphchain-content-v1".to_vec();
        stream.push(15); // the string tag
        stream.extend_from_slice(&(len as u64).to_le_bytes());
        stream.extend_from_slice(text.as_bytes());
        assert_eq!(h(&text), *blake3::hash(&stream).as_bytes(), "length {len}");
    }
    // Many small writes crossing the buffer's end.
    let many: Vec<u64> = (0..100).collect();
    let mut stream = b"graphchain-content-v1".to_vec();
    stream.push(24); // the sequence tag
    for v in &many {
        stream.push(10); // the u64 tag
        stream.extend_from_slice(&v.to_le_bytes());
    }
    stream.push(32); // the end tag, then the length
    stream.extend_from_slice(&100u64.to_le_bytes());
    assert_eq!(h(&many), *blake3::hash(&stream).as_bytes());
}

#[test]
fn short_literals_enter_keys_as_their_content_and_long_ones_by_their_hash() {
    use super::literal_part;
    use crate::key::{INLINE_MAX, LiteralPart};
    let part = |v: &str| literal_part(v).unwrap();
    // A string's content is a tag, an 8-byte length and its bytes.
    let longest = "x".repeat(INLINE_MAX - 9);
    let LiteralPart::Inline { len, bytes } = part(&longest) else {
        panic!("{longest:?} is short");
    };
    assert_eq!(usize::from(len), INLINE_MAX);
    assert!(bytes.ends_with(longest.as_bytes()));
    let longer = "x".repeat(INLINE_MAX - 8);
    assert_eq!(part(&longer), LiteralPart::Hashed(h(longer.as_str())));
    // Different values, different parts; equal ones, equal parts.
    assert_eq!(literal_part(&42u64).unwrap(), literal_part(&42u64).unwrap());
    assert_ne!(literal_part(&42u64).unwrap(), literal_part(&43u64).unwrap());
    assert_ne!(literal_part(&42u64).unwrap(), literal_part(&42u32).unwrap());
    assert_ne!(part(""), literal_part(&()).unwrap());
}
