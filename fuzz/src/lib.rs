//! What the fuzz targets share: the types they decode, a counting allocator that measures the
//! peak of what a call allocates, the entry edits of the mutation modes, re-sealing an entry's
//! checksums, and the writer of the seed corpus (`cargo test --manifest-path fuzz/Cargo.toml --
//! --ignored write_seeds`).

use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};

use arbitrary::Arbitrary;
use graphchain::codec::{Codec, PostcardLz4};
use serde::{Deserialize, Serialize};

/// A struct with nested enums, options, sequences and a map: the shape of a typical result.
#[derive(Serialize, Deserialize, Arbitrary, Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub id: u64,
    pub label: String,
    pub shape: Shape,
    pub tags: Vec<Option<Tag>>,
    pub scores: BTreeMap<String, Vec<u32>>,
}

#[derive(Serialize, Deserialize, Arbitrary, Debug, Clone, PartialEq, Eq)]
pub enum Shape {
    Empty,
    Point(i32, i32),
    Path {
        points: Vec<(i16, i16)>,
        closed: bool,
    },
    Named(String, Option<Tag>),
}

#[derive(Serialize, Deserialize, Arbitrary, Debug, Clone, PartialEq, Eq)]
pub enum Tag {
    Red,
    Green,
    Blue(u8),
}

/// The value of the fuzzed node `record(n)`: small (stored raw) for small `n`, compressible
/// (stored with lz4) for large ones.
pub fn expected_record(n: u32) -> Record {
    let points = (0..n)
        .map(|i| ((i % 7) as i16, (i % 5) as i16 - 2))
        .collect();
    let mut scores = BTreeMap::new();
    scores.insert("a".to_string(), (0..n.min(40)).collect());
    scores.insert("zz".to_string(), vec![u32::MAX, 0, 7]);
    Record {
        id: u64::from(n) * 1_000_003,
        label: format!("record {n}"),
        shape: Shape::Path {
            points,
            closed: n % 2 == 0,
        },
        tags: vec![Some(Tag::Red), None, Some(Tag::Blue(n as u8))],
        scores,
    }
}

/// `n` of the small node (a raw payload) and of the large one (an lz4 payload).
pub const SMALL: u32 = 3;
pub const LARGE: u32 = 400;

/// `PostcardLz4`'s encoding of `value`.
pub fn encode<T: Serialize + serde::de::DeserializeOwned + 'static>(value: &T) -> Vec<u8> {
    let mut out = Vec::new();
    <PostcardLz4 as Codec<T>>::encode(value, &mut out).expect("encodes");
    out
}

/// `PostcardLz4`'s decoding of `bytes`.
pub fn decode<T: Serialize + serde::de::DeserializeOwned + 'static>(
    bytes: &[u8],
) -> Result<T, graphchain::error::BoxError> {
    <PostcardLz4 as Codec<T>>::decode(bytes)
}

/// The postcard bytes a `PostcardLz4` payload stands for: the payload itself when raw, the
/// claimed decompressed length when compressed and within lz4's bound (256 × the compressed
/// size), which is what an honest decoder may allocate before reading.
pub fn body_len(payload: &[u8]) -> usize {
    match payload.split_first() {
        Some((1, rest)) if rest.len() >= 8 => {
            let claimed = u64::from_le_bytes(rest[..8].try_into().unwrap());
            let bound = (rest.len() - 8) * 256 + 64;
            usize::try_from(claimed).map_or(0, |c| if c <= bound { c } else { 0 })
        }
        _ => payload.len(),
    }
}

/// Counts the bytes allocated through the global allocator, and their peak.
pub struct Counting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(by: usize) {
    let now = CURRENT.fetch_add(by, Ordering::Relaxed) + by;
    PEAK.fetch_max(now, Ordering::Relaxed);
}

// SAFETY: every call is forwarded to `System` unchanged; only counters are updated besides.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract is `System.alloc`'s.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as `alloc`.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as `alloc`.
        unsafe { System.dealloc(ptr, layout) };
        CURRENT.fetch_sub(layout.size(), Ordering::Relaxed);
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: as `alloc`.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            // Old and new blocks may both be live during the move: count the new one first.
            grew(new_size);
            CURRENT.fetch_sub(layout.size(), Ordering::Relaxed);
        }
        p
    }
}

/// Runs `f` and returns its result and the peak of the bytes allocated meanwhile above what was
/// allocated before (by every thread: the targets run one thread at a time).
pub fn peak_of<R>(f: impl FnOnce() -> R) -> (R, usize) {
    let base = CURRENT.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let r = f();
    (r, PEAK.load(Ordering::Relaxed).saturating_sub(base))
}

/// One fuzz-driven edit of an entry's bytes; positions wrap around the current length.
#[derive(Arbitrary, Debug)]
pub enum Edit {
    Flip {
        at: u16,
        bit: u8,
    },
    Set {
        at: u16,
        byte: u8,
    },
    Truncate {
        len: u16,
    },
    Insert {
        at: u16,
        bytes: Vec<u8>,
    },
    Remove {
        at: u16,
        len: u8,
    },
    /// A length field rewritten (the header's lengths, lz4's claimed size, postcard varints).
    SetU64 {
        at: u16,
        value: u64,
    },
    SetU32 {
        at: u16,
        value: u32,
    },
}

impl Edit {
    pub fn apply(&self, bytes: &mut Vec<u8>) {
        let pos = |at: u16, len: usize| if len == 0 { 0 } else { usize::from(at) % len };
        let n = bytes.len();
        match *self {
            Edit::Flip { at, bit } if n > 0 => bytes[pos(at, n)] ^= 1 << (bit % 8),
            Edit::Set { at, byte } if n > 0 => bytes[pos(at, n)] = byte,
            Edit::Truncate { len } => bytes.truncate(usize::from(len) % (n + 1)),
            Edit::Insert { at, bytes: ref new } => {
                let at = pos(at, n + 1);
                bytes.splice(at..at, new.iter().copied());
            }
            Edit::Remove { at, len } if n > 0 => {
                let at = pos(at, n);
                let end = (at + usize::from(len)).min(n);
                bytes.drain(at..end);
            }
            Edit::SetU64 { at, value } if n >= 8 => {
                let at = pos(at, n - 7);
                bytes[at..at + 8].copy_from_slice(&value.to_le_bytes());
            }
            Edit::SetU32 { at, value } if n >= 4 => {
                let at = pos(at, n - 3);
                bytes[at..at + 4].copy_from_slice(&value.to_le_bytes());
            }
            _ => {}
        }
    }
}

/// The header length of an entry (formats 1 and 2: magic [8] · format u16 · header length u32 · …).
pub fn header_len(entry: &[u8]) -> usize {
    u32::from_le_bytes(entry[10..14].try_into().unwrap()) as usize
}

/// `entry`'s header with `payload` after it, its payload length and both checksums made valid
/// again: a forged entry the header checks accept, so that the decoder reads the payload. The
/// header ends with payload length u64 · payload blake3 [32] · header blake3 [16] (the first
/// 16 bytes of the blake3 of everything before it).
pub fn reseal(entry: &[u8], payload: &[u8]) -> Vec<u8> {
    let h = header_len(entry);
    let mut out = entry[..h].to_vec();
    out[h - 56..h - 48].copy_from_slice(&(payload.len() as u64).to_le_bytes());
    out[h - 48..h - 16].copy_from_slice(blake3::hash(payload).as_bytes());
    let header_hash = blake3::hash(&out[..h - 16]);
    out[h - 16..].copy_from_slice(&header_hash.as_bytes()[..16]);
    out.extend_from_slice(payload);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn write(target: &str, name: &str, bytes: &[u8]) {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("corpus")
            .join(target);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(name), bytes).unwrap();
    }

    fn with_selector(selector: u8, bytes: &[u8]) -> Vec<u8> {
        let mut out = vec![selector];
        out.extend_from_slice(bytes);
        out
    }

    /// Writes the seed corpus: valid encodings of each decoded type (raw and lz4), and for
    /// `entry_load` valid entries of both nodes and a few edits. Entries are read back from a
    /// real run, so they follow the format of the code they are written by.
    #[test]
    #[ignore = "writes fuzz/corpus; run by hand after a format change"]
    fn write_seeds() {
        let floats: Vec<f64> = (0..64).map(|i| f64::from(i) * 0.5).collect();
        let text = "graphchain ".repeat(40);
        let record = expected_record(LARGE);
        let mut map = BTreeMap::new();
        map.insert("k".to_string(), vec![1u32, 2, 3]);
        map.insert("long".to_string(), vec![9; 300]);
        let seeds: [(u8, &str, Vec<u8>); 8] = [
            (0, "f64_raw", encode(&floats[..4].to_vec())),
            (0, "f64_lz4", encode(&floats)),
            (1, "string_raw", encode(&"short".to_string())),
            (1, "string_lz4", encode(&text)),
            (2, "record_raw", encode(&expected_record(SMALL))),
            (2, "record_lz4", encode(&record)),
            (3, "map_lz4", encode(&map)),
            (4, "roundtrip", b"some arbitrary bytes for a value".to_vec()),
        ];
        for (selector, name, bytes) in seeds {
            write("codec_decode", name, &with_selector(selector, &bytes));
        }
        for (n, name) in [(SMALL, "small"), (LARGE, "large")] {
            let entry = crate::entries::valid_entry(n);
            // Mode 0: the bytes as they are; 1: edits; 2: edits of the payload, resealed.
            write(
                "entry_load",
                &format!("{name}_valid"),
                &[&[0, (n == LARGE) as u8][..], &entry].concat(),
            );
            write(
                "entry_load",
                &format!("{name}_flip"),
                &[1, (n == LARGE) as u8, 0, 40, 0, 3],
            );
            write(
                "entry_load",
                &format!("{name}_payload_edit"),
                &[2, (n == LARGE) as u8, 1, 9, 0, 0x7f],
            );
        }
    }
}

/// The fuzzed nodes and the entries a real run writes for them.
pub mod entries {
    use std::sync::Arc;

    use graphchain::store::{MemoryStore, Store};
    use graphchain::{Runtime, Scheduler, delayed};

    use super::{Record, expected_record};

    #[delayed(cache = "always")]
    pub fn record(n: u32) -> Record {
        expected_record(n)
    }

    /// A sequential runtime on `store`.
    pub fn runtime(store: Arc<MemoryStore>) -> Runtime {
        Runtime::builder()
            .store(store)
            .scheduler(Scheduler::Sequential)
            .threads(1)
            .build()
            .expect("runtime")
    }

    /// The entry a run stores for `record(n)`.
    pub fn valid_entry(n: u32) -> Vec<u8> {
        let store = Arc::new(MemoryStore::new());
        let node = record(n);
        assert_eq!(
            runtime(store.clone()).compute(&node).unwrap(),
            expected_record(n)
        );
        store
            .get(node.key())
            .unwrap()
            .expect("record(n) is stored: its type is traceable and cache = \"always\"")
    }
}
