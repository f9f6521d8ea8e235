//! Unit tests of the key scheme.

use super::*;

#[test]
fn key_depends_on_every_part_in_order() {
    let id = [7u8; 32];
    let base = |parts: &[Part], inputs: &[Key]| {
        let mut h = KeyHasher::new(0);
        for p in parts {
            h.part(*p);
        }
        h.finish(&head(b"fn", &id, None, &[0; 32]), inputs.iter().copied())
            .1
    };
    let a = Part::Literal(LiteralPart::Hashed([1; 32]));
    let b = Part::Literal(LiteralPart::Hashed([2; 32]));
    let n = Part::Node;
    assert_eq!(base(&[a, b], &[]), base(&[a, b], &[]));
    assert_ne!(base(&[a, b], &[]), base(&[b, a], &[]));
    // Where a node input sits among the literals counts, and so does its key.
    assert_ne!(
        base(&[a, n], &[Key([1; 32])]),
        base(&[n, a], &[Key([1; 32])])
    );
    assert_ne!(
        base(&[a, n], &[Key([1; 32])]),
        base(&[a, n], &[Key([2; 32])])
    );
    assert_ne!(base(&[a], &[]), base(&[n], &[Key([1; 32])]));
    let bare = |identity: &[u8; 32], domain: &[u8], helpers: Option<&[u8; 32]>| {
        KeyHasher::new(0)
            .finish(&head(domain, identity, helpers, &[0; 32]), [])
            .1
    };
    assert_ne!(bare(&id, b"fn", None), bare(&[8; 32], b"fn", None));
    assert_ne!(bare(&id, b"fn", None), bare(&id, b"collect", None));
    assert_ne!(bare(&id, b"fn", None), bare(&id, b"fn", Some(&[0; 32])));
}

#[test]
fn pinned_key() {
    // Pinned so that an accidental change to the scheme is caught: if this changes on purpose,
    // bump KEY_SCHEME_VERSION.
    let mut h = KeyHasher::new(1);
    h.part(Part::Literal(LiteralPart::Hashed([1; 32])));
    assert_eq!(
        h.finish(&head(b"fn", &[0u8; 32], None, &[0; 32]), [])
            .1
            .to_string(),
        "2cc7797b586942043af502328e45cf0a86618ae74176ff3663b0c3c0c159e553"
    );
}

#[test]
fn type_args_distinguish_names_and_boundaries() {
    assert_eq!(type_args_hash(&[]), [0; 32]);
    assert_ne!(type_args_hash(&["u32"]), type_args_hash(&["u64"]));
    assert_ne!(type_args_hash(&["ab", "c"]), type_args_hash(&["a", "bc"]));
}

#[test]
fn display_and_short() {
    let k = Key([0xab; 32]);
    assert_eq!(k.to_string(), "ab".repeat(32));
    assert_eq!(k.short(), "abababababab");
    assert_eq!(format!("{k:?}"), "Key(abababababab)");
}

#[test]
fn parse_round_trips_and_rejects_junk() {
    let k = Key([0x3c; 32]);
    assert_eq!(k.to_string().parse::<Key>().unwrap(), k);
    assert!("abc".parse::<Key>().is_err());
    assert!("zz".repeat(32).parse::<Key>().is_err());
    assert!("é".repeat(32).parse::<Key>().is_err());
    // A sign is not a digit, though `u8::from_str_radix` would take one.
    assert!("+f".repeat(32).parse::<Key>().is_err());
    let upper = k.to_string().to_uppercase();
    assert_eq!(upper.parse::<Key>().unwrap(), k);
}

#[test]
fn own_hash_leaves_out_the_keys_of_inputs() {
    let build = |input: Key| {
        let mut h = KeyHasher::new(2);
        h.part(Part::Literal(LiteralPart::Hashed([1; 32])));
        h.part(Part::Node);
        h.finish(&head(b"fn", &[3; 32], None, &[0; 32]), [input])
    };
    let (own_a, key_a) = build(Key([1; 32]));
    let (own_b, key_b) = build(Key([2; 32]));
    assert_eq!(own_a, own_b);
    assert_ne!(key_a, key_b);
    // The content key depends on the inputs' content, in order, and is never a node key.
    let c = content_key(&own_a, &[[5; 32], [6; 32]]);
    assert_eq!(c, content_key(&own_b, &[[5; 32], [6; 32]]));
    assert_ne!(c, content_key(&own_a, &[[6; 32], [5; 32]]));
    assert_ne!(c, key_a);
}

#[test]
fn the_returned_type_changes_the_own_hash() {
    let build = |typed: Option<[u8; 32]>| {
        let h = KeyHasher::new(0);
        h.finish(&head(b"fn", &[3; 32], None, &typed.unwrap_or([0; 32])), [])
    };
    let (own, key) = build(Some([1; 32]));
    assert_eq!(Key(own), key, "no node inputs: the key is the own hash");
    assert_ne!(key, build(Some([2; 32])).1);
    assert_ne!(key, build(None).1);
}

#[test]
fn inline_literals_are_told_apart_from_hashed_ones_and_from_each_other() {
    let key = |part: LiteralPart| {
        let mut h = KeyHasher::new(1);
        h.part(Part::Literal(part));
        h.finish(&head(b"fn", &[3; 32], None, &[0; 32]), []).1
    };
    let inline = |content: &[u8]| {
        let mut bytes = [0; INLINE_MAX];
        bytes[..content.len()].copy_from_slice(content);
        LiteralPart::Inline {
            len: content.len() as u8,
            bytes,
        }
    };
    assert_eq!(key(inline(b"ab")), key(inline(b"ab")));
    assert_ne!(key(inline(b"ab")), key(inline(b"ab\0")));
    assert_ne!(key(inline(b"ab")), key(inline(b"ba")));
    assert_ne!(key(inline(&[0; 30])), key(LiteralPart::Hashed([0; 32])));
}
