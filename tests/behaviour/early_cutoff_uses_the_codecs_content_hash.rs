//! A codec may name the content of its values (`Codec::content_hash`): with a hash that ignores
//! the order of rows, a step recomputed to the same rows in another order (as a parallel group
//! by gives them) still spares the steps after it; with the default, the hash of the encoding,
//! another order is another value and they run.

use graphchain::{BoxError, Codec, Delayed, PostcardLz4, Reason, Runtime, Status, delayed};

use crate::common::status;

/// Rows whose order does not matter to any step that reads them.
struct AnyOrder;

impl Codec<Vec<u32>> for AnyOrder {
    const NAME: &'static str = "rows-in-any-order";

    fn encode(value: &Vec<u32>, out: &mut Vec<u8>) -> Result<(), BoxError> {
        <PostcardLz4 as Codec<Vec<u32>>>::encode(value, out)
    }

    fn decode(bytes: &[u8]) -> Result<Vec<u32>, BoxError> {
        <PostcardLz4 as Codec<Vec<u32>>>::decode(bytes)
    }

    fn content_hash(value: &Vec<u32>, _encoded: &[u8]) -> Option<[u8; 32]> {
        let mut sorted = value.clone();
        sorted.sort_unstable();
        graphchain::content_hash(&sorted).ok()
    }
}

/// The rows of a group by, in an order that changes from run to run (`run` stands for it).
fn rows(run: u32) -> Vec<u32> {
    let mut rows: Vec<u32> = (1..=20).collect();
    rows.rotate_left(run as usize % 20);
    rows
}

#[delayed(cache = "always", codec = AnyOrder)]
fn group(run: u32) -> Vec<u32> {
    rows(run)
}

#[delayed(cache = "always", name = "group")]
fn group_ordered(run: u32) -> Vec<u32> {
    rows(run)
}

#[delayed(cache = "always")]
fn count(rows: &[u32]) -> usize {
    rows.iter().filter(|&&r| r % 3 == 0).count()
}

#[test]
fn rows_in_another_order_are_the_same_content() {
    let dir = tempfile::tempdir().unwrap();
    let rt = Runtime::builder().cache_dir(dir.path()).build().unwrap();
    let pipeline = |run| count(group(run));
    assert_eq!(rt.compute(&pipeline(1)).unwrap(), 6);

    let (value, report) = rt.compute_with_report(&pipeline(2)).unwrap();
    assert_eq!(value, 6);
    assert_eq!(status(&report, "group").0, Status::Computed);
    assert_eq!(
        status(&report, "count"),
        (Status::Loaded, Some(Reason::InputsUnchanged)),
        "{report}"
    );
}

#[test]
fn by_default_another_order_is_another_value() {
    let dir = tempfile::tempdir().unwrap();
    let rt = Runtime::builder().cache_dir(dir.path()).build().unwrap();
    let pipeline = |run| -> Delayed<usize> { count(group_ordered(run)) };
    assert_eq!(rt.compute(&pipeline(1)).unwrap(), 6);

    let (value, report) = rt.compute_with_report(&pipeline(2)).unwrap();
    assert_eq!(value, 6);
    let changed = Reason::InputChanged {
        input: "group",
        slot: 0,
    };
    assert_eq!(
        status(&report, "count"),
        (Status::Computed, Some(changed)),
        "{report}"
    );
}
