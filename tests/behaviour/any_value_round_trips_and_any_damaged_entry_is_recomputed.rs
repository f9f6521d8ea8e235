//! Properties: any value of a nested serde type comes back from `PostcardLz4` equal (raw and
//! compressed payloads alike), and any single-byte corruption of a stored entry, anywhere in it,
//! is caught: the entry is discarded and the node recomputed to the right value, never loaded.
//! The fuzz targets in `fuzz/` push the same invariants further (any bytes, forged checksums).

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use graphchain::codec::{Codec, PostcardLz4};
use graphchain::store::{MemoryStore, Store};
use graphchain::{Runtime, Scheduler, Status, delayed};
use proptest::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
struct Record {
    id: u64,
    label: String,
    shape: Shape,
    tags: Vec<Option<Tag>>,
    scores: BTreeMap<String, Vec<i32>>,
    ratio: Option<f64>,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
enum Shape {
    Empty,
    Point(i32, i32),
    Path {
        points: Vec<(i16, i16)>,
        closed: bool,
    },
    Named(String, Option<Tag>),
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
enum Tag {
    Red,
    Blue(u8),
}

fn tag() -> impl Strategy<Value = Tag> {
    prop_oneof![Just(Tag::Red), any::<u8>().prop_map(Tag::Blue)]
}

fn shape() -> impl Strategy<Value = Shape> {
    prop_oneof![
        Just(Shape::Empty),
        (any::<i32>(), any::<i32>()).prop_map(|(x, y)| Shape::Point(x, y)),
        (
            prop::collection::vec(any::<(i16, i16)>(), 0..50),
            any::<bool>()
        )
            .prop_map(|(points, closed)| Shape::Path { points, closed }),
        (".{0,12}", prop::option::of(tag())).prop_map(|(s, t)| Shape::Named(s, t)),
    ]
}

fn record() -> impl Strategy<Value = Record> {
    (
        any::<u64>(),
        ".{0,20}",
        shape(),
        prop::collection::vec(prop::option::of(tag()), 0..8),
        prop::collection::btree_map(".{0,6}", prop::collection::vec(any::<i32>(), 0..10), 0..5),
        // No NaN: `PartialEq` would call a NaN that round-tripped unequal.
        prop::option::of(-1e300..1e300f64),
    )
        .prop_map(|(id, label, shape, tags, scores, ratio)| Record {
            id,
            label,
            shape,
            tags,
            scores,
            ratio,
        })
}

fn round_trip<T: Serialize + serde::de::DeserializeOwned + 'static>(value: &T) -> T {
    let mut bytes = Vec::new();
    <PostcardLz4 as Codec<T>>::encode(value, &mut bytes).unwrap();
    <PostcardLz4 as Codec<T>>::decode(&bytes).unwrap()
}

proptest! {
    #[test]
    fn any_nested_value_round_trips(value in record(), copies in 1usize..40) {
        prop_assert_eq!(&round_trip(&value), &value);
        // Many copies compress: the lz4 payload round-trips too.
        let many = vec![value; copies];
        prop_assert_eq!(round_trip(&many), many);
    }
}

#[delayed(cache = "always")]
fn series(n: u32) -> Vec<Record> {
    (0..n)
        .map(|i| Record {
            id: u64::from(i),
            label: format!("row {i}"),
            shape: if i % 3 == 0 {
                Shape::Point(i as i32, -(i as i32))
            } else {
                Shape::Named("n".repeat(i as usize % 5), Some(Tag::Blue(i as u8)))
            },
            tags: vec![None, Some(Tag::Red)],
            scores: BTreeMap::from([(format!("k{}", i % 4), vec![i as i32; 3])]),
            ratio: Some(f64::from(i) / 7.0),
        })
        .collect()
}

/// A small entry (a raw payload) and a large one (lz4), and a sequential runtime on the store
/// the test damages them in.
struct Fixture {
    store: Arc<MemoryStore>,
    runtime: Runtime,
    /// n, the entry, the value computed by the first run.
    entries: [(u32, Vec<u8>, Vec<Record>); 2],
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let store = Arc::new(MemoryStore::new());
        let runtime = Runtime::builder()
            .store(store.clone())
            .scheduler(Scheduler::Sequential)
            .build()
            .unwrap();
        let entries = [2, 300].map(|n| {
            // `cache = "always"`: stored whatever the cost model says.
            let value = runtime.compute(&series(n)).unwrap();
            let entry = store.get(series(n).key()).unwrap().expect("stored");
            let mut payload = Vec::new();
            <PostcardLz4 as Codec<Vec<Record>>>::encode(&value, &mut payload).unwrap();
            assert_eq!(
                payload[0] == 1,
                n == 300,
                "only the large payload is compressed"
            );
            (n, entry, value)
        });
        Fixture {
            store,
            runtime,
            entries,
        }
    })
}

proptest! {
    #[test]
    fn any_single_byte_corruption_is_recomputed(large in any::<bool>(), at in any::<prop::sample::Index>(), xor in 1u8..) {
        let f = fixture();
        let (n, clean, right) = &f.entries[usize::from(large)];
        let node = series(*n);
        let mut bad = clean.clone();
        let at = at.index(bad.len());
        bad[at] ^= xor;
        f.store.put(node.key(), &bad).unwrap();
        let (value, report) = f.runtime.compute_with_report(&node).unwrap();
        prop_assert_eq!(&value, right);
        let status = report.nodes().iter().find(|r| r.key() == node.key()).unwrap().status();
        prop_assert_eq!(status, Status::Computed, "byte {} of {} ^ {:#x}: {}", at, bad.len(), xor, report);
        prop_assert_eq!(report.discarded().len(), 1);
    }
}
