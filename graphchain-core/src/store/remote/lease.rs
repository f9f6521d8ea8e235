//! Leases on a remote store: an object created only if absent, holding the time it expires.
//!
//! A lease is `<prefix>/leases/<key>`, created with a conditional put; the holder removes it
//! when done. A holder killed before that cannot remove it, so a lease also carries an expiry
//! ([`LEASE_TTL`] after it was taken, by the taker's clock): once past, the next process to ask
//! replaces it with its own by a conditional update on the version it read, so that of several
//! processes finding it expired, one takes it. A computation that outlasts the TTL may then be
//! repeated by another process: that costs time, never correctness, as entries are immutable
//! by key.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, PutMode, PutOptions, PutPayload, UpdateVersion};

use super::RemoteStore;
use crate::key::Key;
use crate::store::Lease;

/// How long a lease lasts unless given up: as long as a waiter waits for one.
pub(super) const LEASE_TTL: Duration = Duration::from_secs(60);

/// What a lease object holds: the time it expires, in milliseconds since the Unix epoch.
fn expiry_payload() -> PutPayload {
    let until = SystemTime::now() + LEASE_TTL;
    let ms = until
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default()
        .as_millis() as u64;
    PutPayload::from(ms.to_string().into_bytes())
}

fn expired(bytes: &[u8]) -> bool {
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default()
        .as_millis() as u64;
    // An unreadable lease is a leftover of something else: free.
    std::str::from_utf8(bytes)
        .ok()
        .and_then(|s| s.trim().parse::<u64>().ok())
        .is_none_or(|until| until <= now)
}

/// Takes the lease on `key`: `Some` when taken, `None` while another process holds it.
pub(super) fn try_lease(remote: &RemoteStore, key: Key) -> std::io::Result<Option<Lease>> {
    let store = Arc::clone(&remote.store);
    let path = remote.prefix.clone().join("leases").join(key.to_string());
    let taken = {
        let (store, path) = (Arc::clone(&store), path.clone());
        remote.request(async move {
            let create = PutOptions::from(PutMode::Create);
            match store.put_opts(&path, expiry_payload(), create).await {
                Ok(_) => return Ok(true),
                Err(object_store::Error::AlreadyExists { .. }) => {}
                Err(e) => return Err(e),
            }
            let held = match store.get(&path).await {
                Ok(held) => held,
                // Given up in the meantime: the next try takes it.
                Err(object_store::Error::NotFound { .. }) => return Ok(false),
                Err(e) => return Err(e),
            };
            let meta = held.meta.clone();
            if !expired(&held.bytes().await?) {
                return Ok(false);
            }
            let update = PutOptions::from(PutMode::Update(UpdateVersion {
                e_tag: meta.e_tag,
                version: meta.version,
            }));
            match store.put_opts(&path, expiry_payload(), update).await {
                Ok(_) => Ok(true),
                Err(object_store::Error::Precondition { .. }) => Ok(false),
                Err(e) => Err(e),
            }
        })?
    };
    Ok(taken.then(|| {
        Lease::new(HeldLease {
            store,
            path,
            runtime: remote.runtime.handle().clone(),
        })
    }))
}

/// A held lease: its object is removed when it is given up.
#[derive(Debug)]
struct HeldLease {
    store: Arc<dyn ObjectStore>,
    path: Path,
    runtime: tokio::runtime::Handle,
}

impl Drop for HeldLease {
    fn drop(&mut self) {
        // Without waiting: the result was stored before the lease is given up, and a lease
        // left behind only makes waiters look for that result, which they find.
        let (store, path) = (Arc::clone(&self.store), self.path.clone());
        self.runtime.spawn(async move {
            let _ = store.delete(&path).await;
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lease_expires_at_its_time() {
        assert!(expired(b"0"));
        assert!(expired(b"garbage"));
        let later = SystemTime::now() + Duration::from_secs(30);
        let ms = later
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap()
            .as_millis();
        assert!(!expired(ms.to_string().as_bytes()));
    }
}
