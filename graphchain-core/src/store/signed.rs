//! Signed entries: a keyed blake3 MAC in front of every entry, for caches shared beyond one
//! trust domain.
//!
//! An entry's own checksums catch damage, not intent: anyone who can write to a shared cache can
//! write an entry whose header and payload hashes are recomputed, and every reader would decode
//! it. With a team key, each stored object is `MAGIC`, then `blake3::keyed_hash(key, cache key ‖
//! entry)`, then the entry, unchanged; an object without a valid MAC for its key — forged,
//! unsigned, signed with another key, or moved from another key — is a miss, and the result is
//! computed again and stored signed over it.

use std::io::{self, Read};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use super::{Lease, Opened, Store, StoreMeta};
use crate::key::Key;

/// The first bytes of a signed object (version 1 of the scheme).
const MAGIC: &[u8; 8] = b"gcmac\x01\0\0";
/// The bytes in front of the entry: the magic and the MAC.
const OVERHEAD: usize = MAGIC.len() + 32;
/// The environment variable holding the team key of signed caches.
pub const CACHE_KEY_ENV: &str = "GRAPHCHAIN_CACHE_KEY";

/// A store whose entries carry a keyed MAC; entries without a valid one are misses.
pub(crate) struct SignedStore {
    inner: Arc<dyn Store>,
    key: [u8; 32],
    warned: AtomicBool,
}

impl std::fmt::Debug for SignedStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the key.
        f.debug_struct("SignedStore")
            .field("inner", &self.inner)
            .finish_non_exhaustive()
    }
}

impl SignedStore {
    /// Signs the entries of `inner` with a key derived from `secret` (any length; a passphrase
    /// is stretched by blake3's key derivation, not by a slow KDF: use a long random secret).
    pub(crate) fn new(inner: Arc<dyn Store>, secret: &[u8]) -> Self {
        SignedStore {
            inner,
            key: blake3::derive_key("graphchain 2026 cache entry MAC v1", secret),
            warned: AtomicBool::new(false),
        }
    }

    fn mac(&self, key: Key, parts: &[&[u8]]) -> [u8; 32] {
        let mut hasher = blake3::Hasher::new_keyed(&self.key);
        hasher.update(key.as_bytes());
        parts.iter().for_each(|part| {
            hasher.update(part);
        });
        *hasher.finalize().as_bytes()
    }

    /// The entry inside `object`, if its MAC is valid for `key`.
    fn verified(&self, key: Key, mut object: Vec<u8>) -> Option<Vec<u8>> {
        if object.len() < OVERHEAD || &object[..MAGIC.len()] != MAGIC {
            self.reject(key, "it is not signed");
            return None;
        }
        let expected = self.mac(key, &[&object[OVERHEAD..]]);
        // blake3's `Hash` compares in constant time.
        let found: [u8; 32] = object[MAGIC.len()..OVERHEAD].try_into().ok()?;
        if blake3::Hash::from(found) != blake3::Hash::from(expected) {
            self.reject(key, "its signature does not match");
            return None;
        }
        object.drain(..OVERHEAD);
        Some(object)
    }

    fn reject(&self, key: Key, why: &str) {
        if !self.warned.swap(true, Ordering::Relaxed) {
            tracing::warn!(
                target: "graphchain",
                key = %key,
                location = %self.inner.location(),
                "ignoring a cache entry: {why} (signed caches use only entries signed with their \
                 key; further ones are ignored quietly)"
            );
        } else {
            tracing::debug!(target: "graphchain", key = %key, "ignoring a cache entry: {why}");
        }
    }
}

impl Store for SignedStore {
    fn location(&self) -> String {
        self.inner.location()
    }

    fn get(&self, key: Key) -> io::Result<Option<Vec<u8>>> {
        Ok(self
            .inner
            .get(key)?
            .and_then(|object| self.verified(key, object)))
    }

    /// The start of the entry, unverified: for reading headers in listings. Values are only
    /// ever read through [`open`](Store::open) and [`get`](Store::get), which verify.
    fn get_prefix(&self, key: Key, len: usize) -> io::Result<Option<Vec<u8>>> {
        let Some(mut object) = self.inner.get_prefix(key, len.saturating_add(OVERHEAD))? else {
            return Ok(None);
        };
        if object.len() < OVERHEAD || &object[..MAGIC.len()] != MAGIC {
            return Ok(None);
        }
        object.drain(..OVERHEAD);
        Ok(Some(object))
    }

    fn open(&self, key: Key) -> io::Result<Option<Opened>> {
        let Some(opened) = self.inner.open(key)? else {
            return Ok(None);
        };
        // The whole object is needed to check its MAC before any of it is used.
        let mut object = Vec::new();
        object.try_reserve_exact(usize::try_from(opened.size).unwrap_or(usize::MAX))?;
        opened.reader.take(opened.size).read_to_end(&mut object)?;
        // An error rather than `None`: the entry is there but unusable, so a run discards and
        // recomputes it, and `verify` names it.
        let entry = self.verified(key, object).ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                "the entry is not signed with this cache's key",
            )
        })?;
        Ok(Some(Opened {
            size: entry.len() as u64,
            reader: Box::new(io::Cursor::new(entry)),
        }))
    }

    fn put(&self, key: Key, entry: &[u8]) -> io::Result<()> {
        self.put_parts(key, &[entry])
    }

    fn put_parts(&self, key: Key, parts: &[&[u8]]) -> io::Result<()> {
        let mac = self.mac(key, parts);
        let mut signed: Vec<&[u8]> = Vec::with_capacity(parts.len() + 2);
        signed.push(MAGIC);
        signed.push(&mac);
        signed.extend_from_slice(parts);
        self.inner.put_parts(key, &signed)
    }

    fn contains(&self, key: Key) -> io::Result<bool> {
        self.inner.contains(key)
    }

    fn remove(&self, key: Key) -> io::Result<bool> {
        self.inner.remove(key)
    }

    fn list(&self) -> io::Result<Vec<Key>> {
        self.inner.list()
    }

    fn metadata(&self, key: Key) -> io::Result<Option<StoreMeta>> {
        Ok(self.inner.metadata(key)?.map(|meta| StoreMeta {
            size: meta.size.saturating_sub(OVERHEAD as u64),
            ..meta
        }))
    }

    fn touch(&self, key: Key) -> io::Result<()> {
        self.inner.touch(key)
    }

    fn try_lease(&self, key: Key) -> io::Result<Option<Lease>> {
        self.inner.try_lease(key)
    }

    fn remove_leftovers(&self, age: std::time::Duration) -> io::Result<usize> {
        self.inner.remove_leftovers(age)
    }

    fn flush(&self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::MemoryStore;

    #[test]
    fn signed_entries_round_trip_and_others_are_misses() {
        let inner = Arc::new(MemoryStore::new());
        let store = SignedStore::new(inner.clone(), b"team secret");
        let (a, b) = (Key::from_bytes([1; 32]), Key::from_bytes([2; 32]));
        store.put_parts(a, &[b"head", b"er and payload"]).unwrap();
        assert_eq!(
            store.get(a).unwrap().as_deref(),
            Some(&b"header and payload"[..])
        );
        assert_eq!(
            store.get_prefix(a, 6).unwrap().as_deref(),
            Some(&b"header"[..])
        );
        assert_eq!(store.metadata(a).unwrap().unwrap().size, 18);
        // The same bytes moved to another key.
        inner.put(b, &inner.get(a).unwrap().unwrap()).unwrap();
        assert_eq!(store.get(b).unwrap(), None);
        // Unsigned, and signed with another key.
        inner.put(b, b"header and payload").unwrap();
        assert_eq!(store.get(b).unwrap(), None);
        SignedStore::new(inner.clone(), b"other secret")
            .put(b, b"x")
            .unwrap();
        assert!(store.open(b).is_err());
        // One flipped bit of the entry.
        let mut object = inner.get(a).unwrap().unwrap();
        *object.last_mut().unwrap() ^= 1;
        inner.put(a, &object).unwrap();
        assert!(store.open(a).is_err());
    }

    #[test]
    fn housekeeping_with_the_key_names_unsigned_entries() {
        let inner = Arc::new(MemoryStore::new());
        let cache = crate::store::housekeeping::Cache::with_store(inner.clone());
        let rt_store = SignedStore::new(inner.clone(), b"k");
        let entry =
            crate::store::entry::header(Key::from_bytes([5; 32]), [0; 32], "c", "f", 0, b"x");
        rt_store
            .put_parts(Key::from_bytes([5; 32]), &[&entry, b"x"])
            .unwrap();
        inner.put(Key::from_bytes([6; 32]), b"unsigned").unwrap();
        let bad = cache.with_key("k").verify().unwrap();
        assert_eq!(bad.len(), 1, "{bad:?}");
        assert_eq!(bad[0].0, Key::from_bytes([6; 32]));
    }
}
