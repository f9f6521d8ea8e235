//! On a full disk (a 2 MiB tmpfs), a result too large to store is still returned, and the
//! failed write leaves neither an entry nor a temporary file behind. Skipped, with a message,
//! where mounting is not allowed.

#![cfg(target_os = "linux")]

use std::path::Path;
use std::process::Command;

use graphchain::{Cache, delayed};

use crate::common::cached;

#[delayed(cache = "always")]
fn noise(n: usize) -> Vec<u64> {
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    (0..n)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        })
        .collect()
}

/// A tmpfs of `size` mounted on `dir`, unmounted when dropped.
struct Tmpfs<'a>(&'a Path);

impl<'a> Tmpfs<'a> {
    fn mount(dir: &'a Path, size: &str) -> Result<Self, String> {
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir)
            .output()
            .map_err(|e| e.to_string())?;
        if !out.status.success() {
            return Err(String::from_utf8_lossy(&out.stderr).trim().to_owned());
        }
        Ok(Tmpfs(dir))
    }
}

impl Drop for Tmpfs<'_> {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.0).status();
    }
}

#[test]
fn a_write_that_does_not_fit_leaves_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let mount = match Tmpfs::mount(tmp.path(), "2m") {
        Ok(mount) => mount,
        Err(why) => {
            eprintln!("skipped: cannot mount a tmpfs here ({why})");
            return;
        }
    };
    let dir = tmp.path().join("cache");
    let rt = cached(&dir);
    // 1 MiB fits; 4 MiB of incompressible numbers does not.
    let small = rt.compute(&noise(1 << 17)).unwrap();
    let large = rt.compute(&noise(1 << 19)).unwrap();
    assert_eq!(small.len(), 1 << 17);
    assert_eq!(large.len(), 1 << 19);

    let names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert!(!names.iter().any(|n| n.starts_with(".tmp-")), "{names:?}");
    let cache = Cache::open(&dir);
    assert_eq!(cache.verify().unwrap(), vec![]);
    let keys: Vec<_> = cache.entries().unwrap().iter().map(|e| e.key).collect();
    assert_eq!(keys, vec![noise(1 << 17).key()]);
    // A second run still returns the value, from the entry that fitted and a recomputation.
    assert_eq!(rt.compute(&noise(1 << 19)).unwrap(), large);
    drop(mount);
}
