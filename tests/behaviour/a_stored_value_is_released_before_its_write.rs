//! A result being stored is held only until it is encoded: the write (and its sync to disk)
//! works from the encoding, so the memory of a large value that no step reads any more is given
//! back before the write rather than after it.

use std::io;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use graphchain::{BoxError, Codec, Key, MemoryStore, Runtime, Store, delayed};

use crate::common;

/// Set when a `Tracked` value is dropped.
static DROPPED: AtomicBool = AtomicBool::new(false);
/// Set by `first` when it has read the value.
static READ: (Mutex<bool>, Condvar) = (Mutex::new(false), Condvar::new());

struct Tracked(Vec<u8>);

impl Drop for Tracked {
    fn drop(&mut self) {
        DROPPED.store(true, Ordering::SeqCst);
    }
}

/// Encodes a `Tracked` once `first` has read it, so that the value is no step's any more.
struct AfterRead;

impl Codec<Tracked> for AfterRead {
    const NAME: &'static str = "after-read";

    fn encode(value: &Tracked, out: &mut Vec<u8>) -> Result<(), BoxError> {
        let (read, signal) = &READ;
        let _read = signal
            .wait_timeout_while(read.lock().unwrap(), Duration::from_secs(20), |r| !*r)
            .unwrap();
        out.extend_from_slice(&value.0);
        Ok(())
    }

    fn decode(bytes: &[u8]) -> Result<Tracked, BoxError> {
        Ok(Tracked(bytes.to_vec()))
    }
}

#[delayed(codec = AfterRead)]
fn tracked() -> Tracked {
    std::thread::sleep(Duration::from_millis(50));
    Tracked(vec![7; 1 << 10])
}

#[delayed(cache = "never")]
fn first(value: &Tracked) -> u8 {
    *READ.0.lock().unwrap() = true;
    READ.1.notify_all();
    value.0[0]
}

/// A store whose writes wait (up to 5 s) for the value to be dropped, and record whether it was.
#[derive(Debug, Default)]
struct Watching {
    inner: MemoryStore,
    dropped_at_write: Mutex<Option<bool>>,
}

impl Store for Watching {
    fn location(&self) -> String {
        "watching memory".into()
    }
    fn get(&self, key: Key) -> io::Result<Option<Vec<u8>>> {
        self.inner.get(key)
    }
    fn put(&self, key: Key, entry: &[u8]) -> io::Result<()> {
        if entry.windows(4).any(|w| w == b"\x07\x07\x07\x07") {
            let deadline = Instant::now() + Duration::from_secs(5);
            while !DROPPED.load(Ordering::SeqCst) && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(5));
            }
            *self.dropped_at_write.lock().unwrap() = Some(DROPPED.load(Ordering::SeqCst));
        }
        self.inner.put(key, entry)
    }
    common::forward_store_lookups!();
}

#[test]
fn the_value_is_dropped_before_its_entry_is_written() {
    let store = Arc::new(Watching::default());
    let rt = Runtime::builder()
        .threads(1)
        .store(store.clone())
        .build()
        .unwrap();
    let (value, report) = rt.compute_with_report(&first(tracked())).unwrap();
    assert_eq!(value, 7);
    assert!(
        report.by_name("tracked").next().unwrap().stored(),
        "{report}"
    );
    assert_eq!(*store.dropped_at_write.lock().unwrap(), Some(true));
}
