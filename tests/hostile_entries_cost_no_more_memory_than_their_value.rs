//! Loading a damaged or oversized entry allocates no more than the entry's honest size: a
//! damaged length inside the payload is caught by the checksum before the decoder sees it, and
//! a file far larger than its header declares (here a symbolic link to a 1 GiB sparse file) is
//! rejected after reading its header alone. The value is stored as a shared payload, so the
//! file damaged is the payload object its entry points to. Measured with a counting global allocator, so the
//! figures are exact and independent of the machine; the allocator is why this is a test binary
//! of its own rather than a module of `tests/behaviour`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use graphchain::store::Cache;
use graphchain::{Runtime, delayed};

struct Counting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to the system allocator and only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let now = CURRENT.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
        PEAK.fetch_max(now, Ordering::Relaxed);
        // SAFETY: the caller's contract is the system allocator's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        CURRENT.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Bytes allocated at the peak of `f`, beyond what was allocated before it.
fn peak_of<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let base = CURRENT.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let value = f();
    (value, PEAK.load(Ordering::Relaxed).saturating_sub(base))
}

/// 4 MiB in memory, one byte each encoded, in random runs of eight that lz4 shrinks to about a
/// third: a large entry whose damaged length can claim far more than the value.
#[delayed(cache = "always")]
fn ramp(n: u64) -> Vec<u64> {
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    (0..n)
        .map(|i| {
            if i % 8 == 0 {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
            }
            state & 0x7f
        })
        .collect()
}

const N: u64 = 1 << 19;
const VALUE: usize = (N as usize) * 8;
const MIB: usize = 1 << 20;

/// Asserts that loading `what` took at most what an honest run did, give or take 1 MiB.
fn at_most_honest(peak: usize, honest_peak: usize, what: &str) {
    assert!(
        peak <= honest_peak + MIB,
        "{what} cost {peak} B (an honest run {honest_peak} B)"
    );
}

// One test, so that no other test allocates while this one counts.
#[test]
fn damaged_and_oversized_entries_cost_no_more_than_an_honest_run() {
    let dir = tempfile::tempdir().unwrap();
    let runtime = || {
        Runtime::builder()
            .cache_dir(dir.path())
            .threads(2)
            .build()
            .unwrap()
    };
    let (_, cold) = peak_of(|| runtime().compute(&ramp(N)).unwrap());
    let (_, warm) = peak_of(|| runtime().compute(&ramp(N)).unwrap());
    // The value is large enough to be stored as a shared payload: its file is the one to damage.
    let entry = Cache::open(dir.path())
        .entry(ramp(N).key())
        .unwrap()
        .unwrap();
    let payload = entry.shared_payload.expect("a shared payload");
    let path = graphchain::LocalStore::new(dir.path()).entry_path(payload);
    let honest = std::fs::read(&path).unwrap();
    eprintln!(
        "value {VALUE} B, entry {} B: cold run {cold} B, load {warm} B",
        honest.len()
    );
    // What an honest run may take: computing and storing, or loading.
    let honest_peak = cold.max(warm);

    // A damaged length field: the decompressed size lz4 is to allocate, made 255 times the
    // compressed bytes (the most an lz4 block can expand), far beyond the value's size.
    let header_len = u32::from_le_bytes(honest[10..14].try_into().unwrap()) as usize;
    assert_eq!(honest[header_len], 1, "the payload is lz4-compressed");
    let compressed = honest.len() - header_len - 9;
    let mut damaged = honest.clone();
    let claimed = 255 * compressed as u64;
    damaged[header_len + 1..header_len + 9].copy_from_slice(&claimed.to_le_bytes());
    std::fs::write(&path, &damaged).unwrap();
    let (value, peak) = peak_of(|| runtime().compute(&ramp(N)).unwrap());
    assert_eq!(value.len(), N as usize);
    eprintln!("damaged length claiming {claimed} B: {peak} B");
    at_most_honest(peak, honest_peak, "a damaged length");

    // A symbolic link to a 1 GiB file (sparse: no disk used) that starts like the entry.
    let big = dir.path().join("big");
    std::fs::write(&big, &honest).unwrap();
    std::fs::File::options()
        .append(true)
        .open(&big)
        .unwrap()
        .set_len(1 << 30)
        .unwrap();
    std::fs::remove_file(&path).unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(&big, &path).unwrap();
    #[cfg(not(unix))]
    std::fs::copy(&big, &path).unwrap();
    let (value, peak) = peak_of(|| runtime().compute(&ramp(N)).unwrap());
    assert_eq!(value.len(), N as usize);
    eprintln!("link to a 1 GiB file: {peak} B");
    at_most_honest(peak, honest_peak, "a link to a 1 GiB file");
}
