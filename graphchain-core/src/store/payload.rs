//! Content-addressed payloads: a result's encoded value is stored once, whatever key reached it.
//!
//! An entry under a result's key holds its header; a payload of at least [`INLINE_MAX`] bytes
//! is not in it but in a *payload object*, an entry of codec `graphchain-payload` stored through
//! the same [`Store`] under a key derived from the payload's blake3 hash (as Bazel's action
//! cache points into its content-addressed store). Two keys with the same result, or an early
//! cutoff that finds a result under new inputs, cost a second header, not a second copy.
//! Everything works above the `Store` trait, so every store shares payloads the same way.
//!
//! Payload objects are checked as any entry is (header checksum, declared size, payload
//! checksum), and their name must be their payload's hash. An entry whose payload object is
//! gone or unusable is a miss.
//!
//! **Removing payloads, and the race with writers.** A payload object is removed only when no
//! entry points to it (see `prune.rs`). Another process may be about to point to it: a writer
//! that finds the object already there *touches* it first, then writes its entry, then checks
//! that the object is still there and writes it again if it is not. A prune removes a payload
//! whose last entry it removes only if the payload was not touched since the prune listed the
//! cache, and a payload that no entry pointed to when listed only once it is an hour old (a
//! writer between writing the object and its entry). What is left is a window of microseconds
//! between a prune's last look and its removal; an entry left pointing to nothing there is a
//! miss, recomputed and stored again, never a wrong value.

use std::io;

use crate::key::Key;
use crate::store::Store;
use crate::store::entry::{self, Payload};

/// The codec and function name of payload objects.
pub(crate) const PAYLOAD: &str = "graphchain-payload";

/// Payloads shorter than this stay in their entry.
///
/// A payload apart costs a second header (about 120 bytes), a second file (at least one 4 KiB
/// block on most file systems) and a second open on every load. Reading an entry from a local
/// store took 13 µs for 200 B, 13 µs for 16 KiB and 24 µs for 64 KiB
/// (`cargo bench --bench cache -- shared_payload`): the second open costs what reading 64 KiB
/// more does. From 64 KiB on, a payload apart loads at most 1.5× as slowly as inline (and the
/// ratio falls with size), while a duplicate below it would cost less than the pointer saves.
pub(crate) const INLINE_MAX: usize = 64 << 10;

/// The key of the payload object holding the payload whose blake3 hash is `hash`.
pub(crate) fn key_of(hash: &[u8; 32]) -> Key {
    let mut h = blake3::Hasher::new_derive_key("graphchain 2026-11 shared payload object");
    h.update(hash);
    Key::from_bytes(*h.finalize().as_bytes())
}

/// What a result's entry records besides its payload.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Described<'a> {
    pub(crate) key: Key,
    pub(crate) fingerprint: [u8; 32],
    pub(crate) codec: &'a str,
    pub(crate) name: &'a str,
    pub(crate) compute_ns: u64,
}

/// The size of the entry for a payload of `len` bytes, as a load reads it: header and payload,
/// wherever the payload is.
pub(crate) fn loaded_size(d: &Described<'_>, len: usize) -> u64 {
    (entry::header_len(d.codec, d.name) + len) as u64
}

/// Stores a result whose encoded value is `payload`, the bytes of its parts one after the other
/// (with blake3 hash `hash`), under `d.key`:
/// inline when it is small, else as an entry pointing to the shared payload object, written
/// only when no other entry wrote it first. Returns the bytes written, or `None` when an entry
/// of a newer format is there (left for the program that wrote it).
///
/// # Errors
///
/// When the store cannot be written.
pub(crate) fn put_result(
    store: &dyn Store,
    d: &Described<'_>,
    payload: &[&[u8]],
    hash: [u8; 32],
) -> io::Result<Option<u64>> {
    let len: usize = payload.iter().map(|part| part.len()).sum();
    let described = Payload {
        len: len as u64,
        hash,
    };
    let apart = len >= INLINE_MAX;
    let header = entry::write_header(
        d.key,
        d.fingerprint,
        d.codec,
        d.name,
        d.compute_ns,
        described,
        apart,
    );
    if !apart {
        let written = entry::put(store, d.key, &with_header(&header, payload))?;
        return Ok(written.then_some((header.len() + len) as u64));
    }
    let object = key_of(&hash);
    let mut written = if store.contains(object)? {
        // Claimed before the entry points to it: a prune leaves a payload touched since it looked.
        let _ = store.touch(object);
        0
    } else {
        write_object(store, object, payload, described)?
    };
    if !entry::put(store, d.key, &[&header])? {
        return Ok(None);
    }
    written += header.len() as u64;
    // A prune may have removed the object after it was found: then it is written again.
    if !store.contains(object)? {
        written += write_object(store, object, payload, described)?;
    }
    Ok(Some(written))
}

/// Writes the payload object `object`; its size.
fn write_object(
    store: &dyn Store,
    object: Key,
    payload: &[&[u8]],
    described: Payload,
) -> io::Result<u64> {
    let header = entry::header_of(object, [0; 32], PAYLOAD, PAYLOAD, 0, described);
    entry::put(store, object, &with_header(&header, payload))?;
    Ok(header.len() as u64 + described.len)
}

/// The parts of an entry: `header`, then the payload's parts.
fn with_header<'a>(header: &'a [u8], payload: &[&'a [u8]]) -> Vec<&'a [u8]> {
    let mut parts = Vec::with_capacity(1 + payload.len());
    parts.push(header);
    parts.extend_from_slice(payload);
    parts
}

#[cfg(test)]
mod tests;
