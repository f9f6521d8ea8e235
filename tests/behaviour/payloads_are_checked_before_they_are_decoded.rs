//! A payload is decoded only after its checksum matched, whatever its size: a damaged entry
//! never reaches a decoder (which would allocate what damaged lengths ask for).

use std::sync::atomic::{AtomicUsize, Ordering};

use graphchain::{BoxError, Codec, delayed};

use crate::common::cached;

static DECODES: AtomicUsize = AtomicUsize::new(0);

/// Raw bytes, counting its decodes.
struct Counting;

impl Codec<Vec<u8>> for Counting {
    const NAME: &'static str = "counting-raw";
    fn encode(value: &Vec<u8>, out: &mut Vec<u8>) -> Result<(), BoxError> {
        out.extend_from_slice(value);
        Ok(())
    }
    fn decode(bytes: &[u8]) -> Result<Vec<u8>, BoxError> {
        DECODES.fetch_add(1, Ordering::SeqCst);
        Ok(bytes.to_vec())
    }
}

#[delayed(cache = "always", codec = Counting)]
fn bytes(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i * 7 % 251) as u8).collect()
}

#[test]
fn damaged_payloads_of_any_size_are_never_decoded() {
    // Below and above the size from which the checksum used to run beside the decoder.
    for n in [1_000, 3 << 20] {
        let dir = tempfile::tempdir().unwrap();
        let rt = cached(dir.path());
        let expected = rt.compute(&bytes(n)).unwrap();
        let path = crate::common::entry_path(dir.path(), bytes(n).key());
        let mut entry = std::fs::read(&path).unwrap();
        let last = entry.len() - 1;
        entry[last] ^= 0x40;
        std::fs::write(&path, &entry).unwrap();

        DECODES.store(0, Ordering::SeqCst);
        let (value, report) = rt.compute_with_report(&bytes(n)).unwrap();
        assert_eq!(value, expected);
        assert_eq!(
            report.discarded().len(),
            1,
            "{n}: the damaged entry is reported"
        );
        assert_eq!(
            DECODES.load(Ordering::SeqCst),
            0,
            "{n}: a damaged payload was decoded"
        );

        // The recomputed entry is whole again, and decoded once.
        assert_eq!(rt.compute(&bytes(n)).unwrap(), expected);
        assert_eq!(DECODES.load(Ordering::SeqCst), 1);
    }
}
