//! A result the cache does not store is not encoded, when its codec can tell what the cache
//! needs without an encoding: its content hash from the value (`Codec::value_hash`), and its
//! size, predicted from how the function's last result encoded (`Codec::size_hint`). The
//! DataFrame codecs do both, so a large frame that cache-if-faster leaves out costs no encoding.

use std::io;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use graphchain::{BoxError, Codec, MemoryStore, Reason, Runtime, Status, Store, delayed};

use crate::common::{self, HashedBytes};

/// The first byte of every value encoded (the seed of the `blob` it came from).
static ENCODED: Mutex<Vec<u8>> = Mutex::new(Vec::new());

fn encoded(seeds: std::ops::Range<u8>) -> usize {
    let encoded = ENCODED.lock().unwrap();
    encoded.iter().filter(|s| seeds.contains(s)).count()
}

/// Bytes stored as they are, counting every encoding.
struct Counted;

impl Codec<Vec<u8>> for Counted {
    const NAME: &'static str = "counted-bytes";

    fn encode(value: &Vec<u8>, out: &mut Vec<u8>) -> Result<(), BoxError> {
        ENCODED.lock().unwrap().push(value[0]);
        HashedBytes::encode(value, out)
    }

    fn decode(bytes: &[u8]) -> Result<Vec<u8>, BoxError> {
        HashedBytes::decode(bytes)
    }

    fn value_hash(value: &Vec<u8>) -> Option<[u8; 32]> {
        HashedBytes::value_hash(value)
    }

    fn size_hint(value: &Vec<u8>) -> Option<u64> {
        Some(value.len() as u64)
    }
}

const MIB: usize = 1 << 20;

/// 150 ms of work for `len` bytes: worth storing when small, not at 4 MiB on the store below.
/// Seeds that end in the same digit give the same bytes.
#[delayed(codec = Counted)]
fn blob(seed: u8, len: usize) -> Vec<u8> {
    std::thread::sleep(Duration::from_millis(150));
    vec![seed % 10; len]
}

#[delayed]
fn first(bytes: &[u8]) -> u8 {
    bytes[0]
}

/// A store that takes 20 ms per request and 100 ms more per MiB moved: a 4 MiB entry costs
/// 420 ms each way, far more than the 150 ms of recomputing it, however busy the machine.
#[derive(Debug, Default)]
struct Sized {
    inner: MemoryStore,
}

fn pause(bytes: usize) {
    std::thread::sleep(Duration::from_millis(20 + (100 * bytes / MIB) as u64));
}

impl Store for Sized {
    fn location(&self) -> String {
        "sized memory".into()
    }
    fn get(&self, key: graphchain::Key) -> io::Result<Option<Vec<u8>>> {
        let entry = self.inner.get(key)?;
        pause(entry.as_ref().map_or(0, Vec::len));
        Ok(entry)
    }
    fn put(&self, key: graphchain::Key, entry: &[u8]) -> io::Result<()> {
        pause(entry.len());
        self.inner.put(key, entry)
    }
    common::forward_store_lookups!();
}

/// A runtime of its own (so what it learns of `blob` is this test's) on a `Sized` store.
fn sized_runtime() -> Runtime {
    Runtime::builder()
        .store(Arc::new(Sized::default()))
        .build()
        .unwrap()
}

#[test]
fn a_large_result_left_out_of_the_cache_is_encoded_once_per_function() {
    let rt = sized_runtime();
    // The first result of `blob` is encoded: its size is not known before.
    let (value, report) = rt.compute_with_report(&first(blob(1, 4 * MIB))).unwrap();
    assert_eq!(value, 1);
    let node = report.by_name("blob").next().unwrap();
    assert!(!node.stored(), "{report}");
    assert_eq!(encoded(1..4), 1);

    // The next ones are judged by the size the first one predicts, and never encoded: nor for
    // the content `first` is looked up by, which the codec takes from the value.
    for seed in 2..4 {
        let (value, report) = rt.compute_with_report(&first(blob(seed, 4 * MIB))).unwrap();
        assert_eq!(value, seed);
        let node = report.by_name("blob").next().unwrap();
        assert!(!node.stored(), "{report}");
    }
    assert_eq!(encoded(1..4), 1);
}

#[delayed(cache = "always")]
fn last(bytes: &[u8]) -> u8 {
    bytes[bytes.len() - 1]
}

#[test]
fn a_result_left_out_unencoded_is_still_known_by_its_content() {
    let rt = sized_runtime();
    // A small result of `blob` is stored; what the cache learns from it predicts a large one
    // too large to pay, which is left out unencoded, in the first run of its reader `last`
    // (which no lookup through content waits for yet).
    assert_eq!(rt.compute(&first(blob(0, 16))).unwrap(), 0);
    assert_eq!(rt.compute(&last(blob(9, 4 * MIB))).unwrap(), 9);
    assert_eq!(encoded(9..10), 0);
    // Another call with the same bytes: its reader knows it by its content, the same as the
    // first one's, and `last` is found through it.
    let (value, report) = rt.compute_with_report(&last(blob(19, 4 * MIB))).unwrap();
    assert_eq!(value, 9);
    assert_eq!(
        common::status(&report, "last"),
        (Status::Loaded, Some(Reason::InputsUnchanged)),
        "{report}"
    );
}
