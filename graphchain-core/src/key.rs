//! Node keys: the hash chain of a function's identity, its literal arguments and its inputs' keys.

use std::fmt;

/// Version of the key scheme, mixed into every key.
///
/// Bump it whenever the way keys are derived changes, so that no entry written under an older
/// scheme can ever be mistaken for one written under the new scheme.
pub const KEY_SCHEME_VERSION: u32 = 4;

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

    /// The 64 bits after the first byte (which picks a store's subdirectory), as a number: what
    /// tells keys of one subdirectory apart in a store's listings.
    pub(crate) fn prefix(&self) -> u64 {
        u64::from_be_bytes(self.0[1..9].try_into().expect("8 bytes"))
    }

    /// The 64 lower-case hex digits [`Display`](fmt::Display) writes, without formatting.
    pub(crate) fn hex(&self) -> [u8; 64] {
        let mut digits = [0u8; 64];
        for (pair, byte) in digits.chunks_exact_mut(2).zip(self.0) {
            pair[0] = HEX[usize::from(byte >> 4)];
            pair[1] = HEX[usize::from(byte & 0xf)];
        }
        digits
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
        // One write of all 64 digits.
        f.write_str(std::str::from_utf8(&self.hex()).expect("hex digits are ASCII"))
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
    /// A plain value, by its content.
    Literal(LiteralPart),
    /// Another node: its key is chained in by [`KeyHasher::finish_with`].
    Node,
}

/// The most content bytes a literal argument brings to a key as they are, rather than by their
/// hash: enough for any number, a short string or a small tuple, and few enough that a node with
/// one such argument has a tail of one blake3 block.
pub(crate) const INLINE_MAX: usize = 30;

/// A literal argument's part of a key: the bytes of its content (see
/// [`content_hash`](crate::content_hash)) when they are short, which spares a hash per literal,
/// or their content hash. Either names the value exactly, and the two never meet: a value is
/// inlined exactly when its content is short.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LiteralPart {
    /// `len` content bytes, the rest of `bytes` zero.
    Inline { len: u8, bytes: [u8; INLINE_MAX] },
    /// The content hash of a value whose content is longer.
    Hashed([u8; 32]),
}

/// Derives a node's keys from its *head* — the hash of everything its function and type bring
/// (scheme version, domain, identity, helpers, type arguments and the returned type's
/// fingerprint), the same for every call of a non-generic function and memoized per function
/// (`FnInfo::head`) — and its *tail*, which the node's arguments add: a marker per input slot
/// (with a short literal's content, or a longer one's content hash) and extras (an impure call's
/// nonce, an invalid argument).
///
/// The own hash is blake3 of the tail keyed by the head, and the key blake3 of the node inputs'
/// keys keyed by the own hash, or the own hash itself for a node without node inputs. A leaf
/// with a short literal argument costs one compression in all; a node whose slots are all node
/// inputs one per two inputs, as its own hash is the same for every call of its function
/// (memoized beside the head).
/// Keeping the own hash apart from the inputs' keys lets a run find a node again through the
/// *content* of its inputs (early cutoff: [`content_key`]).
///
/// The buffer is taken from the thread's spare one and handed back by `finish_with`, so that
/// building a node allocates nothing for its key (a builder started while another is open, as a
/// list argument's `collect` node is, makes a buffer of its own).
pub(crate) struct KeyHasher {
    /// The tail.
    tail: Vec<u8>,
}

/// Spare key buffers larger than this are dropped rather than kept for the thread's next node.
const SPARE_MAX: usize = 4 << 10;

thread_local! {
    /// The thread's spare key buffer: empty, or the last one a finished `KeyHasher` handed back.
    static SPARE: std::cell::Cell<Vec<u8>> = const { std::cell::Cell::new(Vec::new()) };
}

impl KeyHasher {
    /// A hasher for a node with `inputs` slots.
    pub(crate) fn new(inputs: usize) -> Self {
        KeyHasher {
            tail: crate::spare::take(&SPARE, 32 * inputs.max(1)),
        }
    }

    /// Adds input slot `part`.
    pub(crate) fn part(&mut self, part: Part) {
        match part {
            Part::Literal(LiteralPart::Inline { len, bytes }) => {
                self.tail.push(b'I');
                self.tail.push(len);
                self.tail.extend_from_slice(&bytes[..usize::from(len)]);
            }
            Part::Literal(LiteralPart::Hashed(hash)) => {
                self.tail.push(b'L');
                self.tail.extend_from_slice(&hash);
            }
            Part::Node => self.tail.push(b'N'),
        }
    }

    /// Adds bytes that are not an input slot, length-prefixed.
    pub(crate) fn extra(&mut self, bytes: &[u8]) {
        self.tail.push(b'X');
        self.tail
            .extend_from_slice(&(bytes.len() as u64).to_le_bytes());
        self.tail.extend_from_slice(bytes);
    }

    /// [`finish_with`](KeyHasher::finish_with) the own hash of `head` and the tail, for tests.
    #[cfg(test)]
    pub(crate) fn finish(
        self,
        head: &[u8; 32],
        inputs: impl IntoIterator<Item = Key>,
    ) -> ([u8; 32], Key) {
        self.finish_with(|tail| own_hash(head, tail), inputs)
    }

    /// The node's own hash, which `own` gives for the tail (from the function's memoized head:
    /// `FnInfo::own_hash`), and its key, from the keys of its node inputs in slot order.
    pub(crate) fn finish_with(
        mut self,
        own: impl FnOnce(&[u8]) -> [u8; 32],
        inputs: impl IntoIterator<Item = Key>,
    ) -> ([u8; 32], Key) {
        let own = own(&self.tail);
        // The buffer is reused: it is already about large enough for the inputs' keys.
        let key = chain_in(&mut self.tail, &own, inputs);
        crate::spare::give(&SPARE, self.tail, SPARE_MAX);
        (own, key)
    }
}

/// The own hash of a node whose key's head is `head` and whose tail is `tail`.
pub(crate) fn own_hash(head: &[u8; 32], tail: &[u8]) -> [u8; 32] {
    *blake3::keyed_hash(head, tail).as_bytes()
}

/// Whether `tail` is the tail of a node whose slots are all node inputs: the tail then names
/// only how many there are. (A literal's or an extra's part starts with another marker.)
pub(crate) fn only_nodes(tail: &[u8]) -> bool {
    tail.iter().all(|&b| b == b'N')
}

/// The key of a node whose own hash is `own` and whose node inputs have the keys `inputs`, in
/// slot order: what [`KeyHasher::finish_with`] derives, for a node whose inputs were re-keyed.
pub(crate) fn chain(own: &[u8; 32], inputs: impl IntoIterator<Item = Key>) -> Key {
    chain_in(&mut Vec::new(), own, inputs)
}

/// [`chain`], in the buffer `buf`.
fn chain_in(buf: &mut Vec<u8>, own: &[u8; 32], inputs: impl IntoIterator<Item = Key>) -> Key {
    let mut inputs = inputs.into_iter().peekable();
    if inputs.peek().is_none() {
        return Key(*own);
    }
    // Keyed by the own hash, which carries the scheme's prefix: two inputs' keys make one block.
    buf.clear();
    for input in inputs {
        buf.extend_from_slice(&input.0);
    }
    Key(*blake3::keyed_hash(own, buf).as_bytes())
}

/// The head of a node's key (see [`KeyHasher`]): the key scheme, the node's domain (`fn`, `op`,
/// `collect`), its function's identity and helpers, and `typed`: the hash of its generic type
/// arguments XOR the fingerprint of the type it returns (zero for neither).
pub(crate) fn head(
    domain: &[u8],
    identity: &[u8; 32],
    helpers: Option<&[u8; 32]>,
    typed: &[u8; 32],
) -> [u8; 32] {
    let mut h = blake3::Hasher::new();
    h.update(b"graphchain-own");
    h.update(&KEY_SCHEME_VERSION.to_le_bytes());
    h.update(&(domain.len() as u32).to_le_bytes());
    h.update(domain);
    h.update(identity);
    h.update(typed);
    if let Some(helpers) = helpers {
        h.update(b"helpers");
        h.update(helpers);
    }
    *h.finalize().as_bytes()
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
