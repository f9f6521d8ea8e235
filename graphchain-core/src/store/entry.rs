//! The cache entry format: a small versioned header, then the encoded payload.
//!
//! ```text
//! magic "GCHAINE\0" · format u16 · header length u32 · key [32] · type fingerprint [32]
//! · codec (u8 length, bytes) · function name (u16 length, bytes) · created (unix ms, u64)
//! · compute time (ns, u64) · payload place u8 · payload length u64 · payload blake3 [32]
//! · header blake3 [16] · payload (when inline)
//! ```
//!
//! The payload place is 0 when the payload follows the header, 1 when it is stored apart, as
//! a shared payload object named by its blake3 hash (see `payload.rs`): the entry is then its
//! header alone, and reading it reads and checks that object too.
//!
//! Every field is checked on read, and no length read from an entry is trusted for an
//! allocation: each is checked against the bytes actually there. Any bit flip or truncation is
//! caught by the two checksums or the length checks.
//!
//! [`read`] is the one way to load an entry: header first, its declared length against the
//! entry's real size, then exactly that many bytes, and the payload checksum before anyone
//! decodes it. An entry of a newer format is left alone: [`discard`] does not remove it and
//! [`put`] does not replace it, so two versions of a program can share a cache.

use std::io;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::key::Key;
use crate::store::payload::{self, PAYLOAD};
use crate::store::{EntryBytes, Store};
use reader::Reader;

const MAGIC: &[u8; 8] = b"GCHAINE\0";
/// Version of this layout; entries of another version are misses. Version 2 added the payload
/// place (payloads stored apart and shared by content).
pub(crate) const FORMAT_VERSION: u16 = 2;
/// Bytes before the variable-length header fields.
const FIXED_PREFIX: usize = 8 + 2 + 4;
/// Enough to hold any header: a reader of headers alone fetches this much.
pub(crate) const MAX_HEADER_LEN: usize = 1024;

/// What an entry's header says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Header {
    pub(crate) key: Key,
    pub(crate) fingerprint: [u8; 32],
    pub(crate) codec: String,
    pub(crate) name: String,
    pub(crate) created_ms: u64,
    pub(crate) compute_ns: u64,
    /// Whether the payload is stored apart, in the shared payload object named by its hash.
    pub(crate) apart: bool,
    pub(crate) payload_len: u64,
    pub(crate) payload_hash: [u8; 32],
}

/// Why an entry cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum EntryError {
    #[error("entry is truncated")]
    Truncated,
    #[error("not a graphchain entry (bad magic)")]
    BadMagic,
    #[error("entry format {0} is not supported (expected {FORMAT_VERSION})")]
    Version(u16),
    #[error("entry format {0} is newer than this program reads ({FORMAT_VERSION}); left alone")]
    Newer(u16),
    #[error("entry is {actual} bytes, longer than the {declared} its header declares")]
    TooLong { declared: u64, actual: u64 },
    #[error("entry header is malformed: {0}")]
    Malformed(&'static str),
    #[error("entry header checksum does not match")]
    HeaderChecksum,
    #[error("entry payload checksum does not match")]
    PayloadChecksum,
    #[error("entry is for another key")]
    KeyMismatch,
    #[error("entry was written by codec `{0}`")]
    Codec(String),
    #[error("entry was written for another type (its definition changed)")]
    Type,
    /// The shared payload object `object` that the entry points to is gone or unusable.
    #[error("its shared payload {why}")]
    Shared { object: Key, why: String },
}

/// Writes a whole entry, header and payload, into one buffer.
#[cfg(test)]
pub(crate) fn encode(
    key: Key,
    fingerprint: [u8; 32],
    codec: &str,
    name: &str,
    compute_ns: u64,
    payload: &[u8],
) -> Vec<u8> {
    let mut out = header(key, fingerprint, codec, name, compute_ns, payload);
    out.extend_from_slice(payload);
    out
}

/// Writes the header of the entry whose payload is `payload`; the entry is the header followed
/// by the payload.
pub(crate) fn header(
    key: Key,
    fingerprint: [u8; 32],
    codec: &str,
    name: &str,
    compute_ns: u64,
    payload: &[u8],
) -> Vec<u8> {
    let payload = Payload {
        len: payload.len() as u64,
        hash: payload_hash(payload),
    };
    header_of(key, fingerprint, codec, name, compute_ns, payload)
}

/// The length and blake3 hash of a payload, for a header written when the hash is known.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Payload {
    pub(crate) len: u64,
    pub(crate) hash: [u8; 32],
}

/// Writes the header of an entry whose payload, described by `payload`, follows it.
pub(crate) fn header_of(
    key: Key,
    fingerprint: [u8; 32],
    codec: &str,
    name: &str,
    compute_ns: u64,
    payload: Payload,
) -> Vec<u8> {
    write_header(key, fingerprint, codec, name, compute_ns, payload, false)
}

/// The length of a header naming `codec` and `name`.
pub(crate) fn header_len(codec: &str, name: &str) -> usize {
    let (codec, name) = (codec.len().min(255), name.len().min(512));
    FIXED_PREFIX + 32 + 32 + 1 + codec + 2 + name + 8 + 8 + 1 + 8 + 32 + 16
}

/// Writes the header of an entry whose payload is described by `payload`: the payload follows
/// it, or, when `apart`, is stored apart as a shared payload object and the header is the
/// whole entry.
pub(crate) fn write_header(
    key: Key,
    fingerprint: [u8; 32],
    codec: &str,
    name: &str,
    compute_ns: u64,
    payload: Payload,
    apart: bool,
) -> Vec<u8> {
    let header_len = header_len(codec, name);
    let codec = &codec.as_bytes()[..codec.len().min(255)];
    let name = &name.as_bytes()[..name.len().min(512)];
    let mut out = Vec::with_capacity(header_len);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&(header_len as u32).to_le_bytes());
    out.extend_from_slice(key.as_bytes());
    out.extend_from_slice(&fingerprint);
    out.push(codec.len() as u8);
    out.extend_from_slice(codec);
    out.extend_from_slice(&(name.len() as u16).to_le_bytes());
    out.extend_from_slice(name);
    out.extend_from_slice(&now_ms().to_le_bytes());
    out.extend_from_slice(&compute_ns.to_le_bytes());
    out.push(u8::from(apart));
    out.extend_from_slice(&payload.len.to_le_bytes());
    out.extend_from_slice(&payload.hash);
    let header_hash = blake3::hash(&out);
    out.extend_from_slice(&header_hash.as_bytes()[..16]);
    debug_assert_eq!(out.len(), header_len);
    out
}

/// Reads and checks an entry's header (its own checksum included); `bytes` may hold only the
/// start of the entry. Returns the header and where the payload starts.
pub(crate) fn decode_header(bytes: &[u8]) -> Result<(Header, usize), EntryError> {
    let mut r = Reader { bytes, at: 0 };
    if r.take(8)? != MAGIC {
        return Err(EntryError::BadMagic);
    }
    let version = r.u16()?;
    if version > FORMAT_VERSION {
        return Err(EntryError::Newer(version));
    }
    if version != FORMAT_VERSION {
        return Err(EntryError::Version(version));
    }
    let header_len = r.u32()? as usize;
    if !(FIXED_PREFIX..=MAX_HEADER_LEN).contains(&header_len) {
        return Err(EntryError::Malformed("header length out of range"));
    }
    if bytes.len() < header_len {
        return Err(EntryError::Truncated);
    }
    let key = Key::from_bytes(r.array()?);
    let fingerprint = r.array()?;
    let codec_len = r.take(1)?[0] as usize;
    let codec = r.text(codec_len)?;
    let name_len = r.u16()? as usize;
    let name = r.text(name_len)?;
    let created_ms = r.u64()?;
    let compute_ns = r.u64()?;
    let apart = match r.take(1)?[0] {
        0 => false,
        1 => true,
        _ => return Err(EntryError::Malformed("unknown payload place")),
    };
    let payload_len = r.u64()?;
    let payload_hash = r.array()?;
    let body_end = r.at;
    let stored_hash = r.take(16)?;
    if r.at != header_len {
        return Err(EntryError::Malformed(
            "header length does not match its fields",
        ));
    }
    if &blake3::hash(&bytes[..body_end]).as_bytes()[..16] != stored_hash {
        return Err(EntryError::HeaderChecksum);
    }
    let header = Header {
        key,
        fingerprint,
        codec,
        name,
        created_ms,
        compute_ns,
        apart,
        payload_len,
        payload_hash,
    };
    Ok((header, header_len))
}

/// Checks a whole entry, given as bytes, through [`read`]; returns its header and payload.
#[cfg(test)]
pub(crate) fn open(
    bytes: &[u8],
    key: Key,
    codec: &str,
    fingerprint: [u8; 32],
) -> Result<(Header, Vec<u8>), EntryError> {
    let checked = read_bytes(bytes, key, Some((codec, fingerprint)))?;
    let payload = checked.payload().to_vec();
    Ok((checked.header, payload))
}

/// Checks a whole entry, given as bytes, without knowing its type.
#[cfg(test)]
pub(crate) fn verify(bytes: &[u8], key: Key) -> Result<Header, EntryError> {
    Ok(read_bytes(bytes, key, None)?.header)
}

#[cfg(test)]
fn read_bytes(
    bytes: &[u8],
    key: Key,
    expect: Option<(&str, [u8; 32])>,
) -> Result<Checked, EntryError> {
    let store = crate::store::MemoryStore::new();
    store.put(key, bytes).expect("memory");
    match read(&store, key, expect) {
        Ok(checked) => Ok(checked.expect("just stored")),
        Err(ReadError::Entry(e)) => Err(e),
        Err(ReadError::Store(e)) => panic!("a memory store failed: {e}"),
    }
}

/// The blake3 hash of a payload: on the pool's threads when it is large and this thread is one
/// of them (never starting rayon's global pool from a thread outside one).
pub(crate) fn payload_hash(payload: &[u8]) -> [u8; 32] {
    parts_hash(&[payload])
}

/// The blake3 hash of the payload made of `parts`, as [`payload_hash`] of their concatenation.
pub(crate) fn parts_hash(parts: &[&[u8]]) -> [u8; 32] {
    let pool = rayon::current_thread_index().is_some();
    let mut hasher = blake3::Hasher::new();
    for part in parts {
        if part.len() >= PARALLEL_HASH && pool {
            hasher.update_rayon(part);
        } else {
            hasher.update(part);
        }
    }
    *hasher.finalize().as_bytes()
}

/// Checks a payload against its header's checksum.
pub(crate) fn check_payload(header: &Header, payload: &[u8]) -> Result<(), EntryError> {
    if payload_hash(payload) != header.payload_hash {
        return Err(EntryError::PayloadChecksum);
    }
    Ok(())
}

/// Payloads at least this large are hashed in parallel (blake3 gains from 128 KiB upward).
const PARALLEL_HASH: usize = 1 << 20;

/// An entry read whole and checked: header, checksums, size; its payload may be decoded.
#[derive(Debug)]
pub(crate) struct Checked {
    pub(crate) header: Header,
    /// The whole entry, header then payload: in memory, or mapped from its file.
    pub(crate) bytes: EntryBytes,
    /// Where the payload starts in `bytes`.
    pub(crate) payload_at: usize,
    /// When the entry (not its shared payload) was last used, when the store said.
    pub(crate) last_used: Option<SystemTime>,
}

impl Checked {
    /// The payload, checked against its checksum.
    pub(crate) fn payload(&self) -> &[u8] {
        &self.bytes[self.payload_at..]
    }
}

/// Why an entry could not be read.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ReadError {
    #[error("cannot read the entry: {0}")]
    Store(#[from] io::Error),
    #[error(transparent)]
    Entry(#[from] EntryError),
}

impl ReadError {
    /// What the store's read returned: the entry's own error when the check rejected it.
    fn from_io(e: io::Error) -> Self {
        if e.kind() == io::ErrorKind::UnexpectedEof {
            return EntryError::Truncated.into();
        }
        match e.downcast::<EntryError>() {
            Ok(entry) => entry.into(),
            Err(e) => e.into(),
        }
    }
}

/// Reads and checks the entry under `key`, or `None` when there is none. With `expect` (a codec
/// and a type fingerprint) the entry must have been written by them.
///
/// The header is checked first (see [`Store::read_entry`]), and the entry's size must be
/// exactly what it declares before anything more is read, so that a huge file, a symbolic link
/// to a device or a damaged length costs at most [`MAX_HEADER_LEN`] bytes; the whole entry is
/// then read (or mapped), and its payload checked against the checksum before it is returned.
pub(crate) fn read(
    store: &dyn Store,
    key: Key,
    expect: Option<(&str, [u8; 32])>,
) -> Result<Option<Checked>, ReadError> {
    let mut found = None;
    let mut check = |prefix: &[u8], size: u64| -> io::Result<()> {
        found = Some(check_header(prefix, size, key, expect).map_err(io::Error::other)?);
        Ok(())
    };
    let bytes = match store.read_entry(key, MAX_HEADER_LEN, &mut check) {
        Ok(Some(bytes)) => bytes,
        Ok(None) => return Ok(None),
        Err(e) => return Err(ReadError::from_io(e)),
    };
    let (header, header_len) = found.ok_or(EntryError::Truncated)?;
    if header.apart {
        let last_used = bytes.last_used();
        return read_apart(store, header).map(|object| {
            Some(Checked {
                last_used,
                ..object
            })
        });
    }
    if bytes.len() as u64 != header_len as u64 + header.payload_len {
        return Err(EntryError::Truncated.into());
    }
    check_payload(&header, &bytes[header_len..])?;
    Ok(Some(Checked {
        header,
        last_used: bytes.last_used(),
        bytes,
        payload_at: header_len,
    }))
}

/// Reads the shared payload object that the entry `header` points to, checked as any entry is
/// (its name is its payload's hash, so it holds exactly the payload the pointer describes).
fn read_apart(store: &dyn Store, header: Header) -> Result<Checked, ReadError> {
    let key = payload::key_of(&header.payload_hash);
    let shared = |why: String| EntryError::Shared { object: key, why };
    let object = match read(store, key, Some((PAYLOAD, [0; 32]))) {
        Ok(Some(object)) => object,
        Ok(None) => return Err(shared("is gone".to_owned()).into()),
        Err(ReadError::Entry(e)) => return Err(shared(format!("cannot be used: {e}")).into()),
        Err(e) => return Err(e),
    };
    if object.header.payload_len != header.payload_len
        || object.header.payload_hash != header.payload_hash
    {
        return Err(shared("does not match the entry".to_owned()).into());
    }
    Ok(Checked {
        header,
        bytes: object.bytes,
        payload_at: object.payload_at,
        last_used: None,
    })
}

/// Checks the header at the start of the entry under `key`, and the entry's `size` against
/// what the header declares; returns the header and its length.
fn check_header(
    prefix: &[u8],
    size: u64,
    key: Key,
    expect: Option<(&str, [u8; 32])>,
) -> Result<(Header, usize), EntryError> {
    let (header, header_len) = decode_header(prefix)?;
    if header.key != key {
        return Err(EntryError::KeyMismatch);
    }
    if let Some((codec, fingerprint)) = expect {
        if header.codec != codec {
            return Err(EntryError::Codec(header.codec));
        }
        if header.fingerprint != fingerprint {
            return Err(EntryError::Type);
        }
    }
    if header.codec == PAYLOAD && (header.apart || payload::key_of(&header.payload_hash) != key) {
        return Err(EntryError::Malformed("a payload object under another name"));
    }
    // An entry whose payload is apart is its header alone.
    let inline_len = if header.apart { 0 } else { header.payload_len };
    let declared = (header_len as u64).saturating_add(inline_len);
    if size < declared {
        return Err(EntryError::Truncated);
    }
    if size > declared {
        return Err(EntryError::TooLong {
            declared,
            actual: size,
        });
    }
    Ok((header, header_len))
}

/// Whether the entry under `key` is of a newer format than this program writes.
fn is_newer(store: &dyn Store, key: Key) -> bool {
    store
        .get_prefix(key, FIXED_PREFIX)
        .ok()
        .flatten()
        .is_some_and(|prefix| matches!(decode_header(&prefix), Err(EntryError::Newer(_))))
}

/// Removes an entry found unusable, unless it is of a newer format: that one belongs to a newer
/// program sharing the cache, and is only a miss here.
pub(crate) fn discard(store: &dyn Store, key: Key) {
    if !is_newer(store, key) {
        let _ = store.remove(key);
    }
}

/// Stores the entry made of `parts` under `key`, unless an entry of a newer format is there
/// (then nothing is written, and `Ok(false)` says so).
///
/// # Errors
///
/// As [`Store::put_parts`].
pub(crate) fn put(store: &dyn Store, key: Key, parts: &[&[u8]]) -> io::Result<bool> {
    if is_newer(store, key) {
        return Ok(false);
    }
    store.put_parts(key, parts)?;
    Ok(true)
}

pub(crate) fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

mod reader;

#[cfg(test)]
mod tests;
