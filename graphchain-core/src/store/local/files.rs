//! The file-level pieces of a local store: opening without blocking, naming entries and their
//! subdirectories, and lease files.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use std::time::{Duration, SystemTime};

use super::{EXTENSION, LEASE_PREFIX, TEMP_PREFIX};
use crate::key::Key;

/// Opens `path` with `options` without blocking: opening a FIFO waits for a writer otherwise.
/// Reads of regular files never block, so the flag changes nothing for them. Without `follow`,
/// a symbolic link is not followed: opening one fails with `ELOOP`.
pub(super) fn open_nonblocking(
    options: &mut fs::OpenOptions,
    path: &Path,
    follow: bool,
) -> io::Result<fs::File> {
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(
        options,
        libc::O_NONBLOCK | if follow { 0 } else { libc::O_NOFOLLOW },
    );
    options.open(path)
}

/// Opens the entry file at `path` for reading, without blocking; `None` when nothing is there.
/// A symbolic link is followed, but looked for only when the name is one: a name with nothing
/// under it costs one call.
pub(super) fn open_entry(path: &Path) -> io::Result<Option<fs::File>> {
    match open_nonblocking(fs::File::options().read(true), path, false) {
        Err(e) if refused_link(&e) => {
            match open_nonblocking(fs::File::options().read(true), path, true) {
                // A symbolic link to nothing is something under the entry's name all the same.
                Err(e) if e.kind() == io::ErrorKind::NotFound => Err(io::Error::new(
                    io::ErrorKind::NotFound,
                    "the entry is a symbolic link to nothing",
                )),
                file => file.map(Some),
            }
        }
        file => not_found_is_none(file),
    }
}

/// Whether `error` is how opening a symbolic link without following it failed.
pub(super) fn refused_link(error: &io::Error) -> bool {
    #[cfg(unix)]
    let refused = error.raw_os_error() == Some(libc::ELOOP);
    #[cfg(not(unix))]
    let refused = error.kind() == io::ErrorKind::Unsupported;
    refused
}

/// Sets the modification time of the file at `path` to now, without opening it: one system
/// call on every load of an entry, for least-recently-used pruning. Never blocks (a FIFO is not
/// opened).
pub(super) fn touch(path: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let path = std::ffi::CString::new(path.as_os_str().as_bytes())?;
        let omit_access_now_modified = [
            libc::timespec {
                tv_sec: 0,
                tv_nsec: libc::UTIME_OMIT,
            },
            libc::timespec {
                tv_sec: 0,
                tv_nsec: libc::UTIME_NOW,
            },
        ];
        // SAFETY: `path` is a NUL-terminated string and the times are an array of two
        // `timespec`s, both alive for the call, which reads them only.
        let done = unsafe {
            libc::utimensat(
                libc::AT_FDCWD,
                path.as_ptr(),
                omit_access_now_modified.as_ptr(),
                0,
            )
        };
        if done == 0 {
            Ok(())
        } else {
            Err(io::Error::last_os_error())
        }
    }
    #[cfg(not(unix))]
    {
        let file = fs::File::options().append(true).open(path)?;
        file.set_modified(std::time::SystemTime::now())
    }
}

/// What a file that is not a regular file is, for messages.
pub(super) fn kind(meta: &fs::Metadata) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = meta.file_type();
        if t.is_fifo() {
            return "a FIFO";
        }
        if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    if meta.is_dir() {
        "a directory"
    } else {
        "a special file"
    }
}

/// The key a file name stands for: `<key>.gce`, with the key in the lower-case form the store
/// writes (an upper-case name is another file, not a second name of the entry).
pub(super) fn key_of(name: &str) -> Option<Key> {
    let hex = name.strip_suffix(EXTENSION)?.strip_suffix('.')?;
    if hex.bytes().any(|b| b.is_ascii_uppercase()) {
        return None;
    }
    hex.parse().ok()
}

/// The name of the subdirectory of keys starting with the byte `first`.
pub(super) fn shard_name(first: u8) -> String {
    format!("{first:02x}")
}

/// The first byte of the keys a subdirectory named `name` holds.
pub(super) fn shard_of(name: &str) -> Option<u8> {
    let first = u8::from_str_radix(name, 16).ok()?;
    (name == shard_name(first)).then_some(first)
}

pub(super) fn not_found_is_none<T>(result: io::Result<T>) -> io::Result<Option<T>> {
    match result {
        Ok(v) => Ok(Some(v)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// Whether `path` still names `file`. A lease file is removed while locked (by its holder when
/// the lease is given up, by housekeeping when it finds it free), so a file opened just before
/// may be locked after it was removed, while another process locks the new file made under the
/// same name: a lock counts only on the file the name still leads to.
pub(super) fn still_named(file: &fs::File, path: &Path) -> io::Result<bool> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let held = file.metadata()?;
        Ok(not_found_is_none(fs::metadata(path))?
            .is_some_and(|named| (named.dev(), named.ino()) == (held.dev(), held.ino())))
    }
    #[cfg(not(unix))]
    {
        let _ = (file, path);
        Ok(true)
    }
}

/// A held lease of a local store: the locked file, removed when the lease is given up, while
/// still locked, so that the next process to lease the result makes a new one.
#[derive(Debug)]
pub(super) struct LeaseFile {
    pub(super) path: PathBuf,
    pub(super) _file: fs::File,
}

impl Drop for LeaseFile {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.path);
    }
}

/// Removes the temporary files of writers killed `age` ago or more and unlocked lease files.
pub(super) fn remove_stale(dir: &Path, age: Duration) -> io::Result<usize> {
    let Some(dir) = not_found_is_none(fs::read_dir(dir))? else {
        return Ok(0);
    };
    let now = SystemTime::now();
    let mut removed = 0;
    for item in dir {
        let item = item?;
        let name = item.file_name();
        let name = name.to_string_lossy();
        if name.starts_with(LEASE_PREFIX) {
            // A lease file nobody holds is a leftover of a killed holder, whatever its age.
            let free = fs::File::options()
                .write(true)
                .open(item.path())
                .is_ok_and(|file| file.try_lock().is_ok());
            if free && fs::remove_file(item.path()).is_ok() {
                removed += 1;
            }
            continue;
        }
        if !name.starts_with(TEMP_PREFIX) {
            continue;
        }
        let old = item
            .metadata()
            .and_then(|m| m.modified())
            .is_ok_and(|t| now.duration_since(t).unwrap_or_default() >= age);
        if old && fs::remove_file(item.path()).is_ok() {
            removed += 1;
        }
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;
    use crate::store::local::{LEASE_PREFIX, LocalStore};

    #[test]
    fn a_lease_file_locked_after_its_removal_names_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalStore::new(dir.path());
        let key = Key::from_bytes([7; 32]);
        let path = dir.path().join(format!("{LEASE_PREFIX}{key}"));
        let held = store.try_lease(key).unwrap().expect("nobody holds it");
        // A waiter opens the file just before the holder gives the lease up (and removes it),
        // and another process leases the result under a new file.
        let early = fs::File::options().write(true).open(&path).unwrap();
        drop(held);
        let next = store.try_lease(key).unwrap().expect("given up");
        // The waiter's lock succeeds, on a file no name leads to any more: no lease.
        early.try_lock().unwrap();
        assert!(!still_named(&early, &path).unwrap());
        let current = fs::File::open(&path).unwrap();
        assert!(still_named(&current, &path).unwrap());
        assert!(store.try_lease(key).unwrap().is_none());
        drop(next);
        assert!(
            !still_named(&current, &path).unwrap(),
            "removed with its lease"
        );
    }

    #[test]
    fn entries_open_through_links_and_a_missing_name_is_none() {
        let dir = tempfile::tempdir().unwrap();
        let (file, link, dangling) = (
            dir.path().join("file"),
            dir.path().join("link"),
            dir.path().join("dangling"),
        );
        fs::write(&file, b"entry").unwrap();
        std::os::unix::fs::symlink(&file, &link).unwrap();
        std::os::unix::fs::symlink(dir.path().join("nothing"), &dangling).unwrap();
        let read = |path: &Path| io::read_to_string(open_entry(path).unwrap().unwrap()).unwrap();
        assert_eq!(read(&file), "entry");
        assert_eq!(read(&link), "entry", "a link is followed");
        assert!(open_entry(&dir.path().join("absent")).unwrap().is_none());
        let error = open_entry(&dangling).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::NotFound);
        assert!(
            error.to_string().contains("symbolic link to nothing"),
            "{error}"
        );
    }
}
