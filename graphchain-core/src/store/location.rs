//! Cache locations by URL: `s3://`, `gs://`, `az://` (feature `remote`), `file://`, `memory://`,
//! or a plain directory.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::{LocalStore, MemoryStore, Store};
use crate::error::Error;

/// The environment variable naming the cache by URL (or directory); it takes precedence over
/// `GRAPHCHAIN_CACHE_DIR`, which then names the local tier of a remote cache.
pub const CACHE_ENV: &str = "GRAPHCHAIN_CACHE";

/// The schemes of remote stores.
const REMOTE_SCHEMES: [&str; 7] = ["s3", "s3a", "gs", "az", "azure", "abfs", "abfss"];

/// The store at `location`: a remote one behind the local tier `local_dir`, a local directory,
/// or memory. A remote store is checked (listed once) before this returns.
///
/// # Errors
///
/// [`Error::Config`] for a malformed URL, an unknown scheme, a remote scheme without the
/// `remote` feature, or a remote store that cannot be used (no bucket, refused credentials,
/// unreachable), naming the location and what to fix.
pub(crate) fn open(location: &str, local_dir: &Path) -> Result<Arc<dyn Store>, Error> {
    let store = open_bare(location)?;
    if !is_remote(location) {
        return Ok(store);
    }
    Ok(tiered(store, local_dir))
}

/// Whether `location` names a remote store.
fn is_remote(location: &str) -> bool {
    location
        .split_once("://")
        .is_some_and(|(scheme, _)| REMOTE_SCHEMES.contains(&scheme.to_ascii_lowercase().as_str()))
}

/// The store at `location` itself, without a local tier in front of a remote one.
///
/// # Errors
///
/// As [`open`].
pub(crate) fn open_bare(location: &str) -> Result<Arc<dyn Store>, Error> {
    let bad = |what: &str| Error::Config(format!("cache location `{location}`: {what}"));
    let Some((scheme, rest)) = location.split_once("://") else {
        if location.trim().is_empty() {
            return Err(bad("it is empty"));
        }
        return Ok(Arc::new(LocalStore::new(location)));
    };
    match scheme.to_ascii_lowercase().as_str() {
        "file" => {
            // `file:///abs/path`, or `file://relative/path`.
            if rest.is_empty() {
                return Err(bad(
                    "a `file://` URL needs a path, as in `file:///var/cache/graphchain`",
                ));
            }
            Ok(Arc::new(LocalStore::new(PathBuf::from(rest))))
        }
        "memory" => Ok(Arc::new(MemoryStore::new())),
        s if REMOTE_SCHEMES.contains(&s) => remote(location),
        "" => Err(bad(
            "the scheme is missing (use s3://, gs://, az://, file:// or memory://)",
        )),
        other => Err(bad(&format!(
            "unknown scheme `{other}` (use s3://, gs://, az://, file:// or memory://)"
        ))),
    }
}

#[cfg(feature = "remote")]
fn remote(location: &str) -> Result<Arc<dyn Store>, Error> {
    Ok(Arc::new(super::RemoteStore::open(location)?))
}

#[cfg(feature = "remote")]
fn tiered(remote: Arc<dyn Store>, local_dir: &Path) -> Arc<dyn Store> {
    Arc::new(super::tiered::TieredStore::new(
        Arc::new(LocalStore::new(local_dir)),
        remote,
    ))
}

#[cfg(not(feature = "remote"))]
fn tiered(remote: Arc<dyn Store>, _local_dir: &Path) -> Arc<dyn Store> {
    // Without the feature no remote store opens: `remote` has said so already.
    remote
}

#[cfg(not(feature = "remote"))]
fn remote(location: &str) -> Result<Arc<dyn Store>, Error> {
    Err(Error::Config(format!(
        "cache location `{location}`: remote caches need graphchain's `remote` feature \
         (`graphchain = {{ version = \"…\", features = [\"remote\"] }}` in Cargo.toml)"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(location: &str) -> String {
        open(location, Path::new("unused")).unwrap_err().to_string()
    }

    #[test]
    fn local_locations_open_without_the_network() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("file://{}", dir.path().display());
        assert_eq!(
            open(&url, Path::new("unused")).unwrap().location(),
            dir.path().display().to_string()
        );
        assert!(open("memory://", Path::new("unused")).is_ok());
        assert_eq!(
            open("some/dir", Path::new("unused")).unwrap().location(),
            "some/dir"
        );
    }

    #[test]
    fn bad_locations_are_explained() {
        assert_eq!(
            error("ftp://host/cache"),
            "invalid runtime configuration: cache location `ftp://host/cache`: unknown scheme \
             `ftp` (use s3://, gs://, az://, file:// or memory://)"
        );
        assert!(error("://x").contains("the scheme is missing"));
        assert!(error("file://").contains("needs a path"));
        assert!(error("").contains("it is empty"));
        #[cfg(not(feature = "remote"))]
        assert!(error("s3://bucket/cache").contains("need graphchain's `remote` feature"));
        #[cfg(feature = "remote")]
        assert!(error("s3://").contains("cache location `s3://`"));
    }
}
