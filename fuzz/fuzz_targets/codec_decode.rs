//! Arbitrary bytes into `PostcardLz4::decode` for a few representative types: `Ok` or `Err`,
//! never a panic, and never a peak allocation beyond a small factor of what the bytes stand for.
//! A decoded value encodes and decodes back to itself. The last mode builds a value from the
//! input (`arbitrary`) and checks `decode(encode(v)) == v`.
//!
//! The first byte picks the type (0 `Vec<f64>`, 1 `String`, 2 `Record`, 3
//! `BTreeMap<String, Vec<u32>>`) or the round trip (4); the rest is the payload.

#![no_main]

use std::collections::BTreeMap;
use std::fmt::Debug;

use arbitrary::{Arbitrary, Unstructured};
use graphchain_fuzz::{Counting, Record, body_len, decode, encode, peak_of};
use libfuzzer_sys::fuzz_target;
use serde::Serialize;
use serde::de::DeserializeOwned;

#[global_allocator]
static ALLOC: Counting = Counting;

/// What a decoder may hold at its peak beyond the lz4 buffer: the value, up to 64 bytes of
/// memory per byte of postcard (a map entry of two empty collections is 2 bytes and 48+ in a
/// `BTreeMap` node), plus serde's capped pre-allocation (1 MiB per sequence being read, two
/// nested at most here).
const PER_BYTE: usize = 64;
const SLACK: usize = 3 << 20;

/// Equality that treats floats by their bits (a NaN round-trips to itself).
trait Same {
    fn same(&self, other: &Self) -> bool;
}

impl Same for Vec<f64> {
    fn same(&self, other: &Self) -> bool {
        self.len() == other.len()
            && self
                .iter()
                .zip(other)
                .all(|(a, b)| a.to_bits() == b.to_bits())
    }
}

macro_rules! same_by_eq {
    ($($t:ty),*) => { $(impl Same for $t { fn same(&self, other: &Self) -> bool { self == other } })* };
}
same_by_eq!(String, Record, BTreeMap<String, Vec<u32>>);

fn decode_bounded<T: Serialize + DeserializeOwned + Same + Debug + 'static>(payload: &[u8]) {
    let (decoded, peak) = peak_of(|| decode::<T>(payload));
    let body = body_len(payload);
    let bound = body + PER_BYTE * body.max(payload.len()) + SLACK;
    assert!(
        peak <= bound,
        "decoding {} bytes (standing for {body}) allocated {peak} bytes at peak, over {bound}",
        payload.len()
    );
    if let Ok(value) = decoded {
        round_trip(&value);
    }
}

fn round_trip<T: Serialize + DeserializeOwned + Same + Debug + 'static>(value: &T) {
    let bytes = encode(value);
    let back: T = decode(&bytes)
        .unwrap_or_else(|e| panic!("{value:?} encodes to bytes that do not decode: {e}"));
    assert!(back.same(value), "{value:?} came back as {back:?}");
    assert_eq!(encode(&back), bytes, "encoding is not deterministic");
}

fn arbitrary_round_trip(data: &[u8]) -> arbitrary::Result<()> {
    let mut u = Unstructured::new(data);
    match u.int_in_range(0..=3u8)? {
        0 => round_trip(&Vec::<f64>::arbitrary(&mut u)?),
        1 => round_trip(&String::arbitrary(&mut u)?),
        2 => round_trip(&Record::arbitrary(&mut u)?),
        _ => {
            // Repeated so that lz4 pays and the compressed path is taken too.
            let mut map = BTreeMap::<String, Vec<u32>>::arbitrary(&mut u)?;
            let times = u.int_in_range(1..=64usize)?;
            for v in map.values_mut() {
                *v = v.repeat(times);
            }
            round_trip(&map)
        }
    }
    Ok(())
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, payload)) = data.split_first() else {
        return;
    };
    match selector % 5 {
        0 => decode_bounded::<Vec<f64>>(payload),
        1 => decode_bounded::<String>(payload),
        2 => decode_bounded::<Record>(payload),
        3 => decode_bounded::<BTreeMap<String, Vec<u32>>>(payload),
        _ => {
            let _ = arbitrary_round_trip(payload);
        }
    }
});
