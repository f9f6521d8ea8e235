//! Reading a node's entry and making it the node's value.

use std::time::{Duration, Instant, SystemTime};

use super::{Loaded, Read, RunCache, lock};
use crate::graph::node::Node;
use crate::key::Key;
use crate::store::USE_GRANULARITY;
use crate::store::entry::{self, EntryError, ReadError};

impl RunCache<'_> {
    /// Reads, checks and decodes the entry under `key` as `node`'s value: the payload is
    /// decoded only once its checksum matched.
    pub(super) fn read_entry(&self, node: &Node, key: Key) -> Result<Read, String> {
        self.read_if_there(node, key, false)?
            .ok_or_else(|| "the entry disappeared".to_owned())
    }

    /// [`read_entry`](Self::read_entry), with `None` when there is no entry under `key`, and
    /// also, with `unread_is_none`, when the store cannot be read there (what the planner's
    /// question would have said: a cache directory that is a file, say).
    fn read_if_there(
        &self,
        node: &Node,
        key: Key,
        unread_is_none: bool,
    ) -> Result<Option<Read>, String> {
        let storable = node
            .storable
            .expect("entries are read only for storable nodes");
        let checked = match entry::read(
            self.ctx.store,
            key,
            Some((storable.codec, storable.fingerprint())),
        ) {
            Ok(Some(checked)) => checked,
            Ok(None) => return Ok(None),
            Err(ReadError::Store(e)) if unread_is_none => {
                tracing::debug!(target: "graphchain", key = %key.short(), "entry not read: {e}");
                return Ok(None);
            }
            Err(e) => {
                // Every entry pointing to an unusable payload object is unusable: it goes, so
                // that the result is written whole again rather than pointed to.
                if let ReadError::Entry(EntryError::Shared { object, .. }) = e {
                    entry::discard(self.ctx.store, object);
                }
                return Err(e.to_string());
            }
        };
        let value = (storable.decode)(checked.payload())
            .map_err(|e| format!("the payload does not decode: {e}"))?;
        Ok(Some(Read {
            value,
            header: checked.header,
            bytes: checked.bytes,
            payload_at: checked.payload_at,
            last_used: checked.last_used,
        }))
    }

    /// Loads node `i` from its entry. An entry that cannot be used is removed and recorded as
    /// bad; the error is the time that took.
    pub(in crate::exec) fn load(&self, i: usize, node: &Node) -> Result<Loaded, Duration> {
        self.load_found(i, node, true)
            .map(|loaded| loaded.expect("a missing entry is unusable"))
    }

    /// Loads node `i` from its entry when there is one ([`Source::Try`](crate::exec::plan::Source)):
    /// `None` when there is none, and an unusable entry as [`load`](Self::load) has it.
    pub(in crate::exec) fn try_load(
        &self,
        i: usize,
        node: &Node,
    ) -> Result<Option<Loaded>, Duration> {
        self.load_found(i, node, false)
    }

    /// [`load`](Self::load), where a missing entry is unusable only when `expected`.
    fn load_found(
        &self,
        i: usize,
        node: &Node,
        expected: bool,
    ) -> Result<Option<Loaded>, Duration> {
        let start = Instant::now();
        let read = match self.read_if_there(node, node.key, !expected) {
            Ok(None) if expected => Err("the entry disappeared".to_owned()),
            read => read,
        };
        match read {
            Ok(None) => Ok(None),
            Ok(Some(read)) => {
                let elapsed = start.elapsed();
                self.ctx
                    .speed
                    .observe(read.bytes.len() as u64, elapsed.as_secs_f64());
                // Its use is recorded only when the last one recorded is not recent.
                let recent = read.last_used.is_some_and(|t| {
                    SystemTime::now()
                        .duration_since(t)
                        .is_ok_and(|age| age < USE_GRANULARITY)
                });
                if !recent {
                    let _ = self.ctx.store.touch(node.key);
                }
                Ok(Some(self.loaded(i, node, read, elapsed)))
            }
            Err(problem) => {
                tracing::warn!(
                    target: "graphchain",
                    function = node.info.name,
                    key = %node.key,
                    location = %self.ctx.store.location(),
                    "discarding a cache entry that cannot be used ({problem}); it will be recomputed"
                );
                entry::discard(self.ctx.store, node.key);
                lock(&self.bad_entries).push((node.key, problem));
                Err(start.elapsed())
            }
        }
    }

    /// Makes an entry read for node `i` its value, recording its content when the plan has
    /// readers of it: the payload's checksum, or the content hash its codec gives.
    pub(super) fn loaded(&self, i: usize, node: &Node, read: Read, elapsed: Duration) -> Loaded {
        if self.content.has_readers(i) {
            let storable = node
                .storable
                .expect("entries are read only for storable nodes");
            let payload = &read.bytes[read.payload_at..];
            let own = (storable.content_hash)(&read.value, payload);
            self.content.set(i, own.unwrap_or(read.header.payload_hash));
        }
        Loaded {
            value: read.value,
            bytes: read.bytes.len() as u64,
            elapsed,
        }
    }
}
