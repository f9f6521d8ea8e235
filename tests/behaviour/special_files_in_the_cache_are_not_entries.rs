//! A FIFO, a symbolic link to `/dev/zero`, a directory, a link loop or a dangling link where an
//! entry should be: a run still returns the right value, housekeeping names the odd entry and
//! carries on, and nothing hangs or reads without bound.

#![cfg(unix)]

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use graphchain::{Cache, Key};

use crate::common::cached;
use crate::common::sums::{leaf, total};

/// Runs `f` on its own thread and fails the test if it takes more than ten seconds (a read of
/// a FIFO blocks forever; a read of `/dev/zero` runs until memory runs out).
fn within_10s<T: Send + 'static>(what: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (send, receive) = mpsc::channel();
    std::thread::spawn(move || send.send(f()));
    receive
        .recv_timeout(Duration::from_secs(10))
        .unwrap_or_else(|_| panic!("{what} did not finish within 10 s"))
}

fn entry_path(dir: &Path, key: Key) -> PathBuf {
    crate::common::entry_path(dir, key)
}

/// Puts odd files at the entries of `leaf(1000)` and `total(leaf(1000))`.
fn plant(kind: &str, dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    for key in [leaf(1000).key(), total(leaf(1000)).key()] {
        let path = entry_path(dir, key);
        match kind {
            "fifo" => {
                let status = std::process::Command::new("mkfifo")
                    .arg(&path)
                    .status()
                    .unwrap();
                assert!(status.success(), "mkfifo failed");
            }
            "dev-zero" => std::os::unix::fs::symlink("/dev/zero", &path).unwrap(),
            "directory" => std::fs::create_dir(&path).unwrap(),
            "loop" => std::os::unix::fs::symlink(&path, &path).unwrap(),
            "dangling" => std::os::unix::fs::symlink(dir.join("nothing"), &path).unwrap(),
            _ => unreachable!(),
        }
    }
}

const KINDS: [&str; 5] = ["fifo", "dev-zero", "directory", "loop", "dangling"];

#[test]
fn a_run_over_odd_files_returns_the_right_value() {
    for kind in KINDS {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("cache");
        plant(kind, &dir);
        let value = within_10s(kind, move || {
            let rt = cached(&dir);
            let first = rt.compute(&total(leaf(1000))).unwrap();
            let second = rt.compute(&total(leaf(1000))).unwrap();
            (first, second)
        });
        assert_eq!(value, (499_500, 499_500), "{kind}");
    }
}

#[test]
fn housekeeping_names_odd_files_and_carries_on() {
    for kind in KINDS {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("cache");
        // A good entry beside the odd ones.
        cached(&dir).compute(&leaf(7)).unwrap();
        plant(kind, &dir);
        let odd = [leaf(1000).key(), total(leaf(1000)).key()];
        let (entries, stats, bad, cleared) = within_10s(kind, move || {
            let cache = Cache::open(&dir);
            let entries = cache.entries().unwrap();
            let stats = cache.stats().unwrap();
            let bad = cache.verify().unwrap();
            let cleared = cache.clear().unwrap();
            (entries, stats, bad, cleared)
        });
        assert_eq!(entries.len(), 3, "{kind}: {entries:#?}");
        for key in odd {
            let e = entries.iter().find(|e| e.key == key).unwrap();
            assert!(e.read_error.is_some(), "{kind}: {e:#?}");
            assert!(bad.iter().any(|(k, _)| *k == key), "{kind}: {bad:?}");
        }
        let good = entries.iter().find(|e| e.key == leaf(7).key()).unwrap();
        assert_eq!(good.read_error, None, "{kind}");
        assert_eq!(good.name.as_deref(), Some("leaf"), "{kind}");
        assert_eq!(bad.len(), 2, "{kind}: {bad:?}");
        assert_eq!((stats.entries, stats.unreadable), (3, 2), "{kind}");
        // Everything but a directory can be removed; a directory is named, not fatal.
        let removable = if kind == "directory" { 1 } else { 3 };
        assert_eq!(cleared.removed, removable, "{kind}: {cleared:?}");
        assert_eq!(cleared.failed.len(), 3 - removable, "{kind}: {cleared:?}");
    }
}
