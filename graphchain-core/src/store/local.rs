//! A store in a local directory: one file per entry, written to a temporary file and renamed.

use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use super::{Store, StoreMeta};
use crate::key::Key;

/// File name extension of entries.
const EXTENSION: &str = "gce";
/// File name prefix of entries being written.
const TEMP_PREFIX: &str = ".tmp-";

/// Cache entries as files in one directory, `<key>.gce`.
///
/// Writes go to a temporary file in the same directory, then are renamed into place: readers in
/// any thread or process see a whole entry or none, and concurrent writers of one key are
/// harmless (the last rename wins, and both wrote the same value). The directory is created on
/// the first write, and again if it was removed in the meantime.
#[derive(Debug)]
pub struct LocalStore {
    dir: PathBuf,
    created: AtomicBool,
}

impl LocalStore {
    /// A store in `dir` (created when first written to).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        LocalStore {
            dir: dir.into(),
            created: AtomicBool::new(false),
        }
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn path(&self, key: Key) -> PathBuf {
        self.dir.join(format!("{key}.{EXTENSION}"))
    }
}

fn not_found_is_none<T>(result: io::Result<T>) -> io::Result<Option<T>> {
    match result {
        Ok(v) => Ok(Some(v)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

impl Store for LocalStore {
    fn location(&self) -> String {
        self.dir.display().to_string()
    }

    fn get(&self, key: Key) -> io::Result<Option<Vec<u8>>> {
        // `fs::read` sizes its buffer from the file itself, never from the entry's contents.
        not_found_is_none(fs::read(self.path(key)))
    }

    fn get_prefix(&self, key: Key, len: usize) -> io::Result<Option<Vec<u8>>> {
        let Some(file) = not_found_is_none(fs::File::open(self.path(key)))? else {
            return Ok(None);
        };
        let mut bytes = Vec::with_capacity(len);
        file.take(len as u64).read_to_end(&mut bytes)?;
        Ok(Some(bytes))
    }

    fn put(&self, key: Key, entry: &[u8]) -> io::Result<()> {
        self.put_parts(key, &[entry])
    }

    fn put_parts(&self, key: Key, parts: &[&[u8]]) -> io::Result<()> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        if !self.created.load(Ordering::Relaxed) {
            fs::create_dir_all(&self.dir)?;
            self.created.store(true, Ordering::Relaxed);
        }
        let temp = self.dir.join(format!(
            "{TEMP_PREFIX}{}-{}-{}",
            key.short(),
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        // The directory may have been removed since it was created (by `rm -rf` while a
        // long-lived process runs): make it again rather than fail every later write.
        let file = match fs::File::create(&temp) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                fs::create_dir_all(&self.dir)?;
                fs::File::create(&temp)
            }
            file => file,
        };
        let written = file
            .and_then(|mut file| parts.iter().try_for_each(|part| file.write_all(part)))
            .and_then(|()| fs::rename(&temp, self.path(key)));
        if written.is_err() {
            let _ = fs::remove_file(&temp);
        }
        written
    }

    fn contains(&self, key: Key) -> io::Result<bool> {
        Ok(not_found_is_none(fs::symlink_metadata(self.path(key)))?.is_some())
    }

    fn remove(&self, key: Key) -> io::Result<bool> {
        Ok(not_found_is_none(fs::remove_file(self.path(key)))?.is_some())
    }

    fn list(&self) -> io::Result<Vec<Key>> {
        let Some(dir) = not_found_is_none(fs::read_dir(&self.dir))? else {
            return Ok(Vec::new());
        };
        let mut keys = Vec::new();
        for item in dir {
            let name = item?.file_name();
            let Some(name) = name.to_str() else { continue };
            if let Some(key) = name
                .strip_suffix(EXTENSION)
                .and_then(|n| n.strip_suffix('.'))
                .and_then(|hex| hex.parse::<Key>().ok())
            {
                keys.push(key);
            }
        }
        Ok(keys)
    }

    fn metadata(&self, key: Key) -> io::Result<Option<StoreMeta>> {
        Ok(
            not_found_is_none(fs::metadata(self.path(key)))?.map(|m| StoreMeta {
                size: m.len(),
                last_used: m.modified().unwrap_or(SystemTime::UNIX_EPOCH),
            }),
        )
    }

    fn touch(&self, key: Key) -> io::Result<()> {
        let file = fs::File::options().append(true).open(self.path(key))?;
        file.set_modified(SystemTime::now())
    }

    fn remove_leftovers(&self, age: Duration) -> io::Result<usize> {
        let Some(dir) = not_found_is_none(fs::read_dir(&self.dir))? else {
            return Ok(0);
        };
        let now = SystemTime::now();
        let mut removed = 0;
        for item in dir {
            let item = item?;
            if !item.file_name().to_string_lossy().starts_with(TEMP_PREFIX) {
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
}
