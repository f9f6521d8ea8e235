//! Operators, comparisons, indexing and lifted values on `Delayed`: each builds a node with a
//! stable key, and computes what the same expression computes on plain values.

use std::collections::BTreeMap;
use std::time::Duration;

use graphchain::{Delayed, compute, delayed};

#[delayed]
fn num(x: i64) -> i64 {
    x
}

#[delayed]
fn mask(x: u8) -> u8 {
    x
}

#[delayed]
fn squares(n: u32) -> Vec<u32> {
    (0..n).map(|i| i * i).collect()
}

#[delayed]
fn scores() -> BTreeMap<String, f64> {
    [("ada".to_string(), 9.5), ("bob".to_string(), 7.0)].into()
}

#[test]
fn arithmetic_matches_plain_values() {
    let (a, b) = (num(17), num(5));
    let results = compute!(&a + &b, &a - &b, &a * &b, &a / &b, &a % &b, -&a).unwrap();
    assert_eq!(results, (22, 12, 85, 3, 2, -17));
    // Plain values on either side, by value or by reference.
    let mixed = (a.clone() * 2 + 1, 100 - &b, 3 * b.clone());
    assert_eq!(compute!(mixed.0, mixed.1, mixed.2).unwrap(), (35, 95, 15));
    // A literal on the right takes the lazy side's type; on the left it needs its own.
    let u = Delayed::value(5u64);
    assert_eq!(
        compute!(&u * 2, 2u64 * &u, u.gt(4)).unwrap(),
        (10, 10, true)
    );
    let ratio = (num(7) + 0) / num(2);
    assert_eq!(ratio.compute().unwrap(), 3);
}

#[test]
fn bitwise_and_logical_operators() {
    let (x, y) = (mask(0b1100), mask(0b1010));
    let results = compute!(&x & &y, &x | &y, &x ^ &y, !&x, &x << 2u8, &x >> 1u8).unwrap();
    assert_eq!(
        results,
        (0b1000, 0b1110, 0b0110, !0b1100u8, 0b11_0000, 0b110)
    );
    let t = Delayed::value(true);
    assert!(!(!t).compute().unwrap());
}

#[test]
fn comparisons_are_lazy_booleans() {
    let (a, b) = (num(3), num(4));
    let all = compute!(a.lt(&b), a.le(3), a.gt(&b), b.ge(4), a.eq(3), a.ne(&b)).unwrap();
    assert_eq!(all, (true, true, false, true, true, true));
    let f = Delayed::value(1.5f64);
    assert!(f.lt(2.0).compute().unwrap());
}

#[test]
fn indexing_clones_out_one_element_or_a_slice() {
    let all = squares(6);
    assert_eq!(all.index(4).compute().unwrap(), 16);
    assert_eq!(all.index(2..4).compute().unwrap(), vec![4, 9]);
    let by_name = scores();
    assert_eq!(by_name.index("ada").compute().unwrap(), 9.5);
    // A missing element is a task failure that names the operation, not a crash.
    let error = all.index(99).compute().unwrap_err();
    assert!(error.to_string().contains("index"), "{error}");
}

#[test]
fn values_of_any_serializable_type_are_lifted_into_the_graph() {
    let step = Delayed::value(Duration::from_millis(250));
    // `Duration` is not a plain operand: it is lifted into the graph first.
    let total = &step + &step + Delayed::value(Duration::from_millis(500));
    assert_eq!(total.compute().unwrap(), Duration::from_secs(1));
    assert_eq!(step.key(), Delayed::value(Duration::from_millis(250)).key());
    assert_ne!(step.key(), Delayed::value(Duration::from_millis(251)).key());
}

#[test]
fn operator_keys_are_stable_and_tell_operations_and_operands_apart() {
    let a = num(1);
    assert_eq!((&a + 2).key(), (&a + 2).key(), "same expression, same node");
    assert_ne!((&a + 2).key(), (&a + 3).key());
    assert_ne!((&a + 2).key(), (&a - 2).key());
    assert_ne!(
        (&a + 2).key(),
        (2 + &a).key(),
        "operand order is part of the key"
    );
    assert_ne!(a.lt(2).key(), a.le(2).key());
    // Pinned: changing this invalidates every stored result downstream of an operator.
    assert_eq!(
        (Delayed::value(2u32) * 3u32).key().to_string(),
        "8f910f942c0ce129e2d521ac5e4906abd93d21ac5bcdbae57cdb80f51cecee1a"
    );
}

#[test]
fn shared_intermediates_of_an_expression_run_once() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static RUNS: AtomicUsize = AtomicUsize::new(0);

    #[delayed(cache = "never")]
    fn counted(x: i64) -> i64 {
        RUNS.fetch_add(1, Ordering::SeqCst);
        x
    }

    let x = counted(10);
    let y = (&x * &x) + (&x - 1) * 2;
    assert_eq!(y.compute().unwrap(), 118);
    assert_eq!(RUNS.load(Ordering::SeqCst), 1);
}
