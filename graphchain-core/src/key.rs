//! Node keys: the hash chain of a function's identity, its literal arguments and its inputs' keys.

use std::fmt;

/// Version of the key scheme, mixed into every key.
///
/// Bump it whenever the way keys are derived changes, so that no entry written under an older
/// scheme can ever be mistaken for one written under the new scheme.
pub const KEY_SCHEME_VERSION: u32 = 3;

/// The identity of a node: a blake3 hash chained from its function and inputs.
///
/// A key depends only on the key-scheme version, the function's identity hash (a compile-time
/// hash of its tokens), the content hash of each literal argument and the key of each input node.
/// It never depends on pointers, `TypeId`, the order in which a hash map is iterated, or the
/// machine: the same program builds the same keys everywhere.
///
/// # Examples
///
/// ```
/// use graphchain::{delayed, Key};
///
/// #[delayed]
/// fn double(x: u64) -> u64 {
///     2 * x
/// }
///
/// let a: Key = double(21).key();
/// assert_eq!(a, double(21).key());
/// assert_ne!(a, double(22).key());
/// assert_eq!(a.to_string().len(), 64);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Key([u8; 32]);

impl Key {
    /// Wraps 32 raw bytes as a key.
    pub const fn from_bytes(bytes: [u8; 32]) -> Self {
        Key(bytes)
    }

    /// The key's 32 bytes.
    pub const fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// The first 12 hex digits: enough to tell nodes apart in logs and pictures.
    pub fn short(&self) -> String {
        let mut s = self.to_string();
        s.truncate(12);
        s
    }
}

impl std::hash::Hash for Key {
    /// Keys are uniform hashes already: the first eight bytes are as good as all 32.
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        let mut prefix = [0u8; 8];
        prefix.copy_from_slice(&self.0[..8]);
        state.write_u64(u64::from_le_bytes(prefix));
    }
}

/// Lower-case hex digits, by value.
const HEX: &[u8; 16] = b"0123456789abcdef";

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // One write of all 64 digits: a local store formats a key for every file it touches.
        let mut digits = [0u8; 64];
        for (pair, byte) in digits.chunks_exact_mut(2).zip(self.0) {
            pair[0] = HEX[usize::from(byte >> 4)];
            pair[1] = HEX[usize::from(byte & 0xf)];
        }
        f.write_str(std::str::from_utf8(&digits).expect("hex digits are ASCII"))
    }
}

/// The value of one hex digit, either case.
fn hex_digit(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

impl std::str::FromStr for Key {
    type Err = ParseKeyError;

    /// Parses the 64 hex digits [`Key`]'s `Display` writes.
    fn from_str(s: &str) -> Result<Self, ParseKeyError> {
        // Digit by digit: listing a store parses one key per entry.
        let digits = s.as_bytes();
        let mut bytes = [0u8; 32];
        if digits.len() != 64 {
            return Err(ParseKeyError(s.to_owned()));
        }
        for (byte, pair) in bytes.iter_mut().zip(digits.chunks_exact(2)) {
            match (hex_digit(pair[0]), hex_digit(pair[1])) {
                (Some(high), Some(low)) => *byte = high << 4 | low,
                _ => return Err(ParseKeyError(s.to_owned())),
            }
        }
        Ok(Key(bytes))
    }
}

/// A string is not a key: keys are 64 hex digits.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a key: expected 64 hex digits")]
pub struct ParseKeyError(String);

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Key({})", self.short())
    }
}

/// What one input slot contributes to a key.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Part {
    /// A plain value, by the hash of its content.
    Literal([u8; 32]),
    /// Another node: its key is chained in by [`KeyHasher::finish`].
    Node,
}

/// Derives node keys; one place, so the scheme is written down exactly once.
///
/// A key is derived in two steps. The node's *own* hash covers everything but its inputs' keys:
/// the domain, the function's identity, its type arguments (and the fingerprint of the type it
/// returns), each literal's content hash and a marker for each node input. The key then chains
/// the own hash with the inputs' keys in slot order; a node without node inputs has its own hash
/// as its key, one hash instead of two. Keeping the own hash apart lets a run find a node again
/// through the *content* of its inputs instead of their keys ([`content_key`]): early cutoff.
///
/// The own parts are gathered in a small buffer and hashed in one call at the end: a
/// `blake3::Hasher` is almost 2 KiB, too large to carry around in every node builder.
pub(crate) struct KeyHasher {
    own: Vec<u8>,
    /// Where the type arguments' hash is in `own`.
    type_args_at: usize,
}

impl KeyHasher {
    /// Starts a key for a node of the function with identity hash `identity`, whose generic type
    /// arguments hash to `type_args`, in the domain `domain` (`b"fn"` for `#[delayed]` functions,
    /// other tags for built-in nodes), with room for `inputs` input slots.
    pub(crate) fn new(
        domain: &[u8],
        identity: &[u8; 32],
        type_args: &[u8; 32],
        inputs: usize,
    ) -> Self {
        let mut own = Vec::with_capacity(18 + 4 + domain.len() + 64 + 33 * inputs);
        own.extend_from_slice(b"graphchain-own");
        own.extend_from_slice(&KEY_SCHEME_VERSION.to_le_bytes());
        own.extend_from_slice(&(domain.len() as u32).to_le_bytes());
        own.extend_from_slice(domain);
        own.extend_from_slice(identity);
        let type_args_at = own.len();
        own.extend_from_slice(type_args);
        KeyHasher { own, type_args_at }
    }

    /// Adds the next input slot.
    pub(crate) fn part(&mut self, part: Part) {
        match part {
            Part::Literal(hash) => {
                self.own.push(b'L');
                self.own.extend_from_slice(&hash);
            }
            Part::Node => self.own.push(b'N'),
        }
    }

    /// Mixes in the fingerprint of the type the node returns, folded into the type arguments'
    /// hash so that the own hash covers no more bytes (and costs no more) than without it.
    pub(crate) fn returns(&mut self, fingerprint: &[u8; 32]) {
        let at = self.type_args_at;
        for (byte, f) in self.own[at..at + 32].iter_mut().zip(fingerprint) {
            *byte ^= f;
        }
    }

    /// Mixes in extra bytes (for example the nonce of an impure call).
    pub(crate) fn extra(&mut self, bytes: &[u8]) {
        self.own.push(b'X');
        self.own
            .extend_from_slice(&(bytes.len() as u64).to_le_bytes());
        self.own.extend_from_slice(bytes);
    }

    /// The node's own hash, and its key: the own hash chained with `inputs`, the keys of the
    /// node inputs in slot order.
    pub(crate) fn finish(mut self, inputs: impl IntoIterator<Item = Key>) -> ([u8; 32], Key) {
        let own = *blake3::hash(&self.own).as_bytes();
        let mut inputs = inputs.into_iter().peekable();
        if inputs.peek().is_none() {
            return (own, Key(own));
        }
        // The buffer is reused: it is already large enough for the key's parts. No prefix: the
        // own hash carries the scheme's, and a node with one input is hashed in one block.
        let buf = &mut self.own;
        buf.clear();
        buf.extend_from_slice(&own);
        for input in inputs {
            buf.extend_from_slice(&input.0);
        }
        (own, Key(*blake3::hash(buf).as_bytes()))
    }
}

/// The key under which a node's result is found through the content of its inputs: its own
/// hash (function, type arguments, literals) and the content hash of each node input's value,
/// in slot order. Two nodes with the same content key compute the same value.
pub(crate) fn content_key(own: &[u8; 32], inputs: &[[u8; 32]]) -> Key {
    let mut key = blake3::Hasher::new();
    key.update(b"graphchain-content-key");
    key.update(&KEY_SCHEME_VERSION.to_le_bytes());
    key.update(own);
    for input in inputs {
        key.update(input);
    }
    Key(*key.finalize().as_bytes())
}

/// Hashes the names of a generic function's concrete type arguments.
///
/// Type names come from [`std::any::type_name`], which is deterministic for a given compiler, so
/// keys are the same on every machine that builds the program with the same toolchain.
pub fn type_args_hash(names: &[&str]) -> [u8; 32] {
    if names.is_empty() {
        return [0; 32];
    }
    let mut h = blake3::Hasher::new();
    h.update(b"graphchain-type-args");
    for name in names {
        h.update(&(name.len() as u64).to_le_bytes());
        h.update(name.as_bytes());
    }
    *h.finalize().as_bytes()
}

/// A `BuildHasher` for maps keyed by [`Key`]: keys are already uniform, so a prefix is enough.
#[derive(Clone, Copy, Default, Debug)]
pub(crate) struct KeyBuildHasher;

/// The hasher behind [`KeyBuildHasher`].
#[derive(Default, Debug)]
pub(crate) struct KeyPrefixHasher(u64);

impl std::hash::Hasher for KeyPrefixHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        // `Key` writes one u64; fold anything else in so the map stays correct regardless.
        for chunk in bytes.chunks(8) {
            let mut b = [0u8; 8];
            b[..chunk.len()].copy_from_slice(chunk);
            self.0 = self.0.rotate_left(5) ^ u64::from_le_bytes(b);
        }
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = self.0.rotate_left(5) ^ v;
    }
}

impl std::hash::BuildHasher for KeyBuildHasher {
    type Hasher = KeyPrefixHasher;
    fn build_hasher(&self) -> KeyPrefixHasher {
        KeyPrefixHasher(0)
    }
}

#[cfg(test)]
mod tests;
