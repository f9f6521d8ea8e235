//! Reading an entry header's fields, each checked against the bytes there.

use super::EntryError;

/// A cursor over the start of an entry.
pub(super) struct Reader<'a> {
    pub(super) bytes: &'a [u8],
    pub(super) at: usize,
}

impl<'a> Reader<'a> {
    pub(super) fn take(&mut self, n: usize) -> Result<&'a [u8], EntryError> {
        let end = self.at.checked_add(n).ok_or(EntryError::Truncated)?;
        let s = self.bytes.get(self.at..end).ok_or(EntryError::Truncated)?;
        self.at = end;
        Ok(s)
    }
    pub(super) fn array<const N: usize>(&mut self) -> Result<[u8; N], EntryError> {
        Ok(self.take(N)?.try_into().expect("length checked"))
    }
    pub(super) fn u16(&mut self) -> Result<u16, EntryError> {
        Ok(u16::from_le_bytes(self.array()?))
    }
    pub(super) fn u32(&mut self) -> Result<u32, EntryError> {
        Ok(u32::from_le_bytes(self.array()?))
    }
    pub(super) fn u64(&mut self) -> Result<u64, EntryError> {
        Ok(u64::from_le_bytes(self.array()?))
    }
    pub(super) fn text(&mut self, n: usize) -> Result<String, EntryError> {
        String::from_utf8(self.take(n)?.to_vec()).map_err(|_| EntryError::Malformed("not UTF-8"))
    }
}
