//! Unit tests of the key scheme.

use super::*;

#[test]
fn key_depends_on_every_part_in_order() {
    let id = [7u8; 32];
    let base = |parts: &[Part]| {
        let mut h = KeyHasher::new(b"fn", &id, &[0; 32], 0);
        for p in parts {
            h.part(*p);
        }
        h.finish()
    };
    let a = Part::Literal([1; 32]);
    let b = Part::Literal([2; 32]);
    let n = Part::Node(Key([1; 32]));
    assert_eq!(base(&[a, b]), base(&[a, b]));
    assert_ne!(base(&[a, b]), base(&[b, a]));
    // A literal and a node with the same bytes are different inputs.
    assert_ne!(base(&[a]), base(&[n]));
    assert_ne!(
        KeyHasher::new(b"fn", &id, &[0; 32], 0).finish(),
        KeyHasher::new(b"fn", &[8; 32], &[0; 32], 0).finish()
    );
    assert_ne!(
        KeyHasher::new(b"fn", &id, &[0; 32], 0).finish(),
        KeyHasher::new(b"collect", &id, &[0; 32], 0).finish()
    );
}

#[test]
fn pinned_key() {
    // Pinned so that an accidental change to the scheme is caught: if this changes on purpose,
    // bump KEY_SCHEME_VERSION.
    let mut h = KeyHasher::new(b"fn", &[0u8; 32], &[0; 32], 1);
    h.part(Part::Literal([1; 32]));
    assert_eq!(
        h.finish().to_string(),
        "811d2351d806a07afc05f00e9dfd0d5e3525de9c0e46f113da96924929fe90a3"
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
