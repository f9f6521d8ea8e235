//! Unit tests of the key material a function's nodes share.

use super::*;
use crate::key::{head, own_hash};

static STEP: FnInfo = FnInfo::builtin("step", [5; 32], CachePolicy::Auto);

#[test]
fn memoized_own_hashes_are_the_computed_ones() {
    let typed = [0; 32];
    let first = head(b"fn", &[5; 32], None, &typed);
    // The first tail of node inputs only is memoized; others are computed, whatever the order.
    for tail in [
        &b"NN"[..],
        b"NN",
        b"NNN",
        b"",
        b"N",
        b"NN",
        b"I\x01\x05",
        b"NI\x01\x05",
    ] {
        assert_eq!(STEP.own_hash(b"fn", &typed, tail), own_hash(&first, tail));
    }
    assert_ne!(
        STEP.own_hash(b"fn", &typed, b"NN"),
        STEP.own_hash(b"fn", &typed, b"NNN")
    );
    // Another typed part has a head of its own.
    let other = [1; 32];
    let second = head(b"fn", &[5; 32], None, &other);
    assert_ne!(first, second);
    for tail in [&b"NN"[..], b"N"] {
        assert_eq!(STEP.own_hash(b"fn", &other, tail), own_hash(&second, tail));
    }
}
