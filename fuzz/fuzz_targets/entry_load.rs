//! Bytes stored as the entry of a real `#[delayed(cache = "always")]` node (in a `MemoryStore`),
//! then computed: the value is exactly the right one — loaded when the bytes are a valid entry
//! for it, recomputed otherwise — never a panic, never a wrong value, and the run's peak
//! allocation stays within a small factor of the entry's size.
//!
//! Input: a mode byte, a node byte (even: `record(SMALL)`, a raw payload; odd: `record(LARGE)`,
//! an lz4 payload), then the mode's data:
//! - 0: the bytes as the entry;
//! - 1: fuzz-driven edits (flips, truncations, insertions, length fields) of the node's valid
//!   entry — the header and checksum checks;
//! - 2: the same edits of the valid entry's *payload*, then the checksums made valid again (a
//!   forged entry): the decoder reads it, and the value is the right one or exactly what the
//!   codec decodes from the forged payload (a valid forged entry is indistinguishable from an
//!   honest one);
//! - 3: an arbitrary `Record` encoded and sealed as the node's entry: it loads as that value.

#![no_main]

use std::sync::{Arc, OnceLock};

use arbitrary::{Arbitrary, Unstructured};
use graphchain::store::{MemoryStore, Store};
use graphchain::{Runtime, Status};
use graphchain_fuzz::entries::{record, runtime, valid_entry};
use graphchain_fuzz::{
    Counting, Edit, LARGE, Record, SMALL, decode, encode, expected_record, header_len, peak_of,
    reseal,
};
use libfuzzer_sys::fuzz_target;

#[global_allocator]
static ALLOC: Counting = Counting;

/// Peak bytes a run may allocate: lz4's bound (256 × the entry) plus the run's own needs.
const PER_BYTE: usize = 300;
const SLACK: usize = 4 << 20;

struct Fixture {
    store: Arc<MemoryStore>,
    runtime: Runtime,
    /// Per node (small, large): n and its valid entry.
    nodes: [(u32, Vec<u8>); 2],
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let nodes = [SMALL, LARGE].map(|n| (n, valid_entry(n)));
        for (n, entry) in &nodes {
            // The format this target forges is the one the code writes.
            let h = header_len(entry);
            assert_eq!(
                &reseal(entry, &entry[h..]),
                entry,
                "reseal no longer matches the format"
            );
            let payload = &entry[h..];
            let compressed = payload.first() == Some(&1);
            assert_eq!(compressed, *n == LARGE, "record({n}) payload kind");
        }
        let store = Arc::new(MemoryStore::new());
        Fixture {
            runtime: runtime(store.clone()),
            store,
            nodes,
        }
    })
}

fn edits(u: &mut Unstructured<'_>) -> Vec<Edit> {
    let n = u.int_in_range(1..=4u8).unwrap_or(1);
    (0..n).map_while(|_| Edit::arbitrary(u).ok()).collect()
}

fuzz_target!(|data: &[u8]| {
    let f = fixture();
    let [mode, which, rest @ ..] = data else {
        return;
    };
    let (n, valid) = &f.nodes[usize::from(which % 2)];
    let node = record(*n);
    let mut u = Unstructured::new(rest);
    // The values the run may return besides the right one.
    let mut also_right: Option<Record> = None;
    let mut must_load = false;
    let entry = match mode % 4 {
        0 => rest.to_vec(),
        1 => {
            let mut entry = valid.clone();
            for edit in edits(&mut u) {
                edit.apply(&mut entry);
            }
            entry
        }
        2 => {
            let h = header_len(valid);
            let mut payload = valid[h..].to_vec();
            for edit in edits(&mut u) {
                edit.apply(&mut payload);
            }
            also_right = decode::<Record>(&payload).ok();
            reseal(valid, &payload)
        }
        _ => {
            let Ok(value) = Record::arbitrary(&mut u) else {
                return;
            };
            must_load = true;
            also_right = Some(value.clone());
            reseal(valid, &encode(&value))
        }
    };
    f.store.put(node.key(), &entry).unwrap();
    let (result, peak) = peak_of(|| f.runtime.compute_with_report(&node));
    let (value, report) = result.unwrap_or_else(|e| panic!("the run failed: {e}"));
    let status = report
        .nodes()
        .iter()
        .find(|r| r.key() == node.key())
        .unwrap()
        .status();
    let right = expected_record(*n);
    if let Some(forged) = also_right.filter(|_| status == Status::Loaded) {
        assert_eq!(
            value, forged,
            "a loaded forged entry gave another value than it holds"
        );
    } else {
        assert_eq!(value, right, "wrong value ({status:?})");
    }
    if must_load {
        assert_eq!(status, Status::Loaded, "a valid entry was not loaded");
    }
    let bound = PER_BYTE * entry.len() + SLACK;
    assert!(
        peak <= bound,
        "a run on a {}-byte entry allocated {peak} bytes at peak",
        entry.len()
    );
});
