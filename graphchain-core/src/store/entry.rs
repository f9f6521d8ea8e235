//! The cache entry format: a small versioned header, then the encoded payload.
//!
//! ```text
//! magic "GCHAINE\0" · format u16 · header length u32 · key [32] · type fingerprint [32]
//! · codec (u8 length, bytes) · function name (u16 length, bytes) · created (unix ms, u64)
//! · compute time (ns, u64) · payload length u64 · payload blake3 [32] · header blake3 [16]
//! · payload
//! ```
//!
//! Every field is checked on read, and no length read from an entry is trusted for an
//! allocation: each is checked against the bytes actually there. Any bit flip or truncation is
//! caught by the two checksums or the length checks.

use std::time::{SystemTime, UNIX_EPOCH};

use crate::key::Key;

const MAGIC: &[u8; 8] = b"GCHAINE\0";
/// Version of this layout; entries of another version are misses.
pub(crate) const FORMAT_VERSION: u16 = 1;
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
        hash: *blake3::hash(payload).as_bytes(),
    };
    header_of(key, fingerprint, codec, name, compute_ns, payload)
}

/// The length and blake3 hash of a payload, for a header written when the hash is known.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Payload {
    pub(crate) len: u64,
    pub(crate) hash: [u8; 32],
}

/// Writes the header of an entry whose payload is described by `payload`.
pub(crate) fn header_of(
    key: Key,
    fingerprint: [u8; 32],
    codec: &str,
    name: &str,
    compute_ns: u64,
    payload: Payload,
) -> Vec<u8> {
    let codec = &codec.as_bytes()[..codec.len().min(255)];
    let name = &name.as_bytes()[..name.len().min(512)];
    let header_len =
        FIXED_PREFIX + 32 + 32 + 1 + codec.len() + 2 + name.len() + 8 + 8 + 8 + 32 + 16;
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
        payload_len,
        payload_hash,
    };
    Ok((header, header_len))
}

/// Checks a whole entry against what the reader expects and returns its payload.
#[cfg(test)]
pub(crate) fn open<'a>(
    bytes: &'a [u8],
    key: Key,
    codec: &str,
    fingerprint: [u8; 32],
) -> Result<(Header, &'a [u8]), EntryError> {
    let (header, payload) = open_header(bytes, key, codec, fingerprint)?;
    check_payload(&header, payload)?;
    Ok((header, payload))
}

/// Checks everything about an entry but its payload's checksum, and returns the payload: the
/// caller must also call [`check_payload`] before trusting what it decodes (it may decode at the
/// same time, and discard the result if the check fails).
pub(crate) fn open_header<'a>(
    bytes: &'a [u8],
    key: Key,
    codec: &str,
    fingerprint: [u8; 32],
) -> Result<(Header, &'a [u8]), EntryError> {
    let (header, payload) = split(bytes, key)?;
    if header.codec != codec {
        return Err(EntryError::Codec(header.codec));
    }
    if header.fingerprint != fingerprint {
        return Err(EntryError::Type);
    }
    Ok((header, payload))
}

/// Checks a payload against its header's checksum.
pub(crate) fn check_payload(header: &Header, payload: &[u8]) -> Result<(), EntryError> {
    if blake3::hash(payload).as_bytes() != &header.payload_hash {
        return Err(EntryError::PayloadChecksum);
    }
    Ok(())
}

/// Checks a whole entry's integrity without knowing its type.
pub(crate) fn verify(bytes: &[u8], key: Key) -> Result<Header, EntryError> {
    let (header, payload) = split(bytes, key)?;
    check_payload(&header, payload)?;
    Ok(header)
}

/// Reads the header, checks it is for `key` and that the payload has the length it says.
fn split(bytes: &[u8], key: Key) -> Result<(Header, &[u8]), EntryError> {
    let (header, start) = decode_header(bytes)?;
    if header.key != key {
        return Err(EntryError::KeyMismatch);
    }
    let payload = &bytes[start..];
    if payload.len() as u64 != header.payload_len {
        return Err(EntryError::Truncated);
    }
    Ok((header, payload))
}

pub(crate) fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], EntryError> {
        let end = self.at.checked_add(n).ok_or(EntryError::Truncated)?;
        let s = self.bytes.get(self.at..end).ok_or(EntryError::Truncated)?;
        self.at = end;
        Ok(s)
    }
    fn array<const N: usize>(&mut self) -> Result<[u8; N], EntryError> {
        Ok(self.take(N)?.try_into().expect("length checked"))
    }
    fn u16(&mut self) -> Result<u16, EntryError> {
        Ok(u16::from_le_bytes(self.array()?))
    }
    fn u32(&mut self) -> Result<u32, EntryError> {
        Ok(u32::from_le_bytes(self.array()?))
    }
    fn u64(&mut self) -> Result<u64, EntryError> {
        Ok(u64::from_le_bytes(self.array()?))
    }
    fn text(&mut self, n: usize) -> Result<String, EntryError> {
        String::from_utf8(self.take(n)?.to_vec()).map_err(|_| EntryError::Malformed("not UTF-8"))
    }
}

#[cfg(test)]
mod tests;
