//! A worker with a large result to store while the writer is still encoding another waits for
//! the writer rather than encode beside it: two encodings of large frames at once, next to the
//! frames the next steps read, were what set a polars pipeline's peak memory. Small results
//! are still stored by the worker itself when the writer is busy.

use std::sync::Mutex;
use std::time::Duration;

use graphchain::{BoxError, Codec, delayed};

use crate::common;

/// Encodings under way, and the most seen at once.
static ENCODING: Mutex<(usize, usize)> = Mutex::new((0, 0));

/// Bytes stored as they are, slowly, counting encodings under way.
struct Slow;

impl Codec<Vec<u8>> for Slow {
    const NAME: &'static str = "slow-bytes";

    fn encode(value: &Vec<u8>, out: &mut Vec<u8>) -> Result<(), BoxError> {
        {
            let mut encoding = ENCODING.lock().unwrap();
            encoding.0 += 1;
            encoding.1 = encoding.1.max(encoding.0);
        }
        // Long enough for the next result to be computed meanwhile.
        std::thread::sleep(Duration::from_millis(300));
        out.extend_from_slice(value);
        ENCODING.lock().unwrap().0 -= 1;
        Ok(())
    }

    fn decode(bytes: &[u8]) -> Result<Vec<u8>, BoxError> {
        Ok(bytes.to_vec())
    }

    fn size_hint(value: &Vec<u8>) -> Option<u64> {
        Some(value.len() as u64)
    }
}

// Stored whatever the store's speed: the cost model is not what this test is about, and on a
// slow disk it would leave both results out.
#[delayed(cache = "always", codec = Slow)]
fn big(seed: u8) -> Vec<u8> {
    std::thread::sleep(Duration::from_millis(50));
    vec![seed; 2 << 20]
}

#[delayed(cache = "never")]
fn firsts(a: &[u8], b: &[u8]) -> u32 {
    u32::from(a[0]) + u32::from(b[0])
}

#[test]
fn a_large_result_waits_for_the_writer() {
    let dir = tempfile::tempdir().unwrap();
    let rt = common::one_worker(dir.path());
    let (value, report) = rt.compute_with_report(&firsts(big(1), big(2))).unwrap();
    assert_eq!(value, 3);
    // Both were encoded (and stored), one after the other.
    let stored = report.nodes().iter().filter(|n| n.stored()).count();
    assert_eq!(stored, 2, "{report}");
    assert_eq!(*ENCODING.lock().unwrap(), (0, 1));
}
