//! The buffer content hashing writes through.

/// A blake3 hash fed through a buffer: the many small writes of a value cost a copy each, and a
/// value of up to `BUFFERED` bytes one call of blake3 in all, with no streaming hasher set up
/// (most literal arguments: numbers, short strings). The hash is that of the bytes written.
pub(super) struct Buffered {
    buf: [u8; Buffered::BUFFERED],
    len: usize,
    /// What came before the buffer, once more was written than it holds.
    hasher: Option<Box<blake3::Hasher>>,
}

impl Buffered {
    const BUFFERED: usize = 128;

    pub(super) fn new() -> Self {
        Buffered {
            buf: [0; Self::BUFFERED],
            len: 0,
            hasher: None,
        }
    }

    pub(super) fn update(&mut self, bytes: &[u8]) {
        if self.len + bytes.len() > Self::BUFFERED {
            let hasher = self.hasher.get_or_insert_with(Box::default);
            hasher.update(&self.buf[..self.len]);
            self.len = 0;
            if bytes.len() > Self::BUFFERED {
                hasher.update(bytes);
                return;
            }
        }
        self.buf[self.len..self.len + bytes.len()].copy_from_slice(bytes);
        self.len += bytes.len();
    }

    /// Everything written, when it all fits in the buffer (nothing was hashed yet).
    pub(super) fn written(&self) -> Option<&[u8]> {
        self.hasher.is_none().then(|| &self.buf[..self.len])
    }

    pub(super) fn finalize(self) -> [u8; 32] {
        let rest = &self.buf[..self.len];
        match self.hasher {
            None => *blake3::hash(rest).as_bytes(),
            Some(mut hasher) => *hasher.update(rest).finalize().as_bytes(),
        }
    }
}
