use super::tag;

#[test]
fn operation_identities_are_distinct_and_fixed() {
    assert_eq!(&tag("add")[..4], b"add\0");
    assert_ne!(tag("add"), tag("sub"));
    assert_ne!(tag("item 0"), tag("item 1"));
}
