//! Leases on a remote store: an object created only if absent, holding the time it expires.
//!
//! A lease is `<prefix>/leases/<key>`, created with a conditional put; the holder removes it
//! when done. A holder killed before that cannot remove it, so a lease also carries an expiry,
//! [`LEASE_TTL`] ahead by the holder's clock, which the holder moves forward every
//! [`HEARTBEAT`] by a conditional update on its own version. Once the expiry is past (the
//! holder died, or lost the store for longer than the TTL), the next process to ask replaces
//! the lease with its own by a conditional update on the version it read, so that of several
//! processes finding it expired, one takes it. Clocks that disagree by more than the TTL, or a
//! holder cut off from the store, may let two processes compute one result: that costs time,
//! never correctness, as entries are immutable by key.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime};

use object_store::path::Path;
use object_store::{
    ObjectStore, ObjectStoreExt, PutMode, PutOptions, PutPayload, PutResult, UpdateVersion,
};

use super::RemoteStore;
use crate::key::Key;
use crate::store::Lease;

/// How long a lease lasts after its holder last renewed it.
pub(super) const LEASE_TTL: Duration = Duration::from_secs(10);
/// How often a holder renews its lease.
const HEARTBEAT: Duration = Duration::from_secs(3);

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
                Ok(put) => return Ok(Some(put)),
                Err(object_store::Error::AlreadyExists { .. }) => {}
                Err(e) => return Err(e),
            }
            let held = match store.get(&path).await {
                Ok(held) => held,
                // Given up in the meantime: the next try takes it.
                Err(object_store::Error::NotFound { .. }) => return Ok(None),
                Err(e) => return Err(e),
            };
            let meta = held.meta.clone();
            if !expired(&held.bytes().await?) {
                return Ok(None);
            }
            let update = PutOptions::from(PutMode::Update(UpdateVersion {
                e_tag: meta.e_tag,
                version: meta.version,
            }));
            match store.put_opts(&path, expiry_payload(), update).await {
                Ok(put) => Ok(Some(put)),
                Err(object_store::Error::Precondition { .. }) => Ok(None),
                Err(e) => Err(e),
            }
        })?
    };
    let Some(put) = taken else {
        return Ok(None);
    };
    let stop = Arc::new(AtomicBool::new(false));
    remote.runtime.spawn(renew(
        Arc::clone(&store),
        path.clone(),
        put,
        Arc::clone(&stop),
    ));
    Ok(Some(Lease::new(HeldLease {
        store,
        path,
        runtime: remote.runtime.handle().clone(),
        stop,
    })))
}

/// Removes the leases of killed holders: those not renewed for `age`, and never less than six
/// times the TTL (a live holder renews its lease every few seconds); how many.
pub(super) fn remove_stale(remote: &RemoteStore, age: Duration) -> std::io::Result<usize> {
    let store = Arc::clone(&remote.store);
    let leases = remote.prefix.clone().join("leases");
    let age = age.max(6 * LEASE_TTL);
    remote.request(async move {
        let listed = store.list_with_delimiter(Some(&leases)).await?;
        let now = SystemTime::now();
        let mut removed = 0;
        for meta in listed.objects {
            let written = SystemTime::UNIX_EPOCH
                + Duration::from_millis(meta.last_modified.timestamp_millis().max(0) as u64);
            if now.duration_since(written).unwrap_or_default() >= age
                && store.delete(&meta.location).await.is_ok()
            {
                removed += 1;
            }
        }
        Ok(removed)
    })
}

/// Moves the lease's expiry forward every [`HEARTBEAT`] until it is given up, or taken by
/// another process after it expired.
async fn renew(store: Arc<dyn ObjectStore>, path: Path, mut put: PutResult, stop: Arc<AtomicBool>) {
    loop {
        tokio::time::sleep(HEARTBEAT).await;
        if stop.load(Ordering::Relaxed) {
            return;
        }
        if put.e_tag.is_none() && put.version.is_none() {
            // Nothing to make the update conditional on: the expiry decides.
            return;
        }
        let update = PutOptions::from(PutMode::Update(UpdateVersion {
            e_tag: put.e_tag.clone(),
            version: put.version.clone(),
        }));
        match store.put_opts(&path, expiry_payload(), update).await {
            Ok(renewed) => put = renewed,
            // Lost (taken over) or unreachable: the expiry decides.
            Err(_) => return,
        }
    }
}

/// A held lease: its object is removed when it is given up.
#[derive(Debug)]
struct HeldLease {
    store: Arc<dyn ObjectStore>,
    path: Path,
    runtime: tokio::runtime::Handle,
    /// Stops the renewals.
    stop: Arc<AtomicBool>,
}

impl Drop for HeldLease {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        // Waited for (a moment at most), so that a process ending now leaves no lease behind;
        // one left all the same only makes waiters look for the result, which they find.
        let (store, path) = (Arc::clone(&self.store), self.path.clone());
        let (done, wait) = std::sync::mpsc::sync_channel(1);
        self.runtime.spawn(async move {
            let _ = store.delete(&path).await;
            let _ = done.send(());
        });
        let _ = wait.recv_timeout(Duration::from_secs(5));
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
