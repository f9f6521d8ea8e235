//! Planning does not ask the store about the nodes of a function whose record says none of its
//! results is kept (cache-if-faster left them all out): on a large store each question is a
//! search of a big directory, and the answer is known to be no.

use std::collections::HashSet;
use std::io;
use std::sync::{Arc, Mutex};

use graphchain::{Key, MemoryStore, Runtime, Status, Store, delayed};

use crate::common;

#[delayed]
fn tiny(i: u64) -> u64 {
    i ^ 1
}

#[delayed]
fn join(a: u64, b: u64) -> u64 {
    a.wrapping_add(b)
}

/// The requested output, always stored: so the run leaves its records.
#[delayed(cache = "always")]
fn kept(x: u64) -> u64 {
    x
}

/// A store that remembers which keys the planner asked about, and never lists a group of keys
/// (as a large local store does not), so that every question reaches it. Reading takes 20 ms:
/// no `tiny` result is ever worth keeping, however busy the machine is.
#[derive(Debug, Default)]
struct Asked {
    inner: MemoryStore,
    asked: Mutex<HashSet<Key>>,
}

impl Store for Asked {
    fn location(&self) -> String {
        "asked".into()
    }
    fn get(&self, key: Key) -> io::Result<Option<Vec<u8>>> {
        std::thread::sleep(std::time::Duration::from_millis(20));
        self.inner.get(key)
    }
    fn put(&self, key: Key, entry: &[u8]) -> io::Result<()> {
        self.inner.put(key, entry)
    }
    fn contains(&self, key: Key) -> io::Result<bool> {
        self.asked.lock().unwrap().insert(key);
        self.inner.contains(key)
    }
    fn remove(&self, key: Key) -> io::Result<bool> {
        self.inner.remove(key)
    }
    fn list(&self) -> io::Result<Vec<Key>> {
        self.inner.list()
    }
    fn metadata(&self, key: Key) -> io::Result<Option<graphchain::StoreMeta>> {
        self.inner.metadata(key)
    }
}

/// `tiny(i)` for `i` in `ids`, summed pairwise by `join`, kept.
fn summed(ids: std::ops::Range<u64>) -> graphchain::Delayed<u64> {
    kept(common::pairwise(ids.map(tiny).collect(), join))
}

#[test]
fn nodes_of_a_function_that_stores_nothing_are_not_asked_about() {
    let store = Arc::new(Asked::default());
    let rt = Runtime::builder().store(store.clone()).build().unwrap();
    let (_, report) = rt.compute_with_report(&summed(0..300)).unwrap();
    let stored = report.by_name("tiny").filter(|n| n.stored()).count();
    assert_eq!(stored, 0, "no `tiny` result is worth keeping: {report}");

    // Fresh leaves: nothing of this graph is stored, and `tiny`'s record says none of its
    // results is kept, so its 300 nodes are asked about only among the first few questions.
    store.asked.lock().unwrap().clear();
    let (value, report) = rt.compute_with_report(&summed(1000..1300)).unwrap();
    assert_eq!(value, (1000..1300).map(|i| i ^ 1).sum::<u64>());
    assert_eq!(report.count(Status::Computed), 600, "{report}");
    let asked = store.asked.lock().unwrap();
    let leaves_asked = (1000..1300)
        .filter(|&i| asked.contains(&tiny(i).key()))
        .count();
    assert!(
        leaves_asked < 100,
        "{leaves_asked} of the 300 `tiny` nodes were looked up"
    );
}
