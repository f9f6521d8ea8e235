//! Early cutoff, and the records that explain why a node ran.
//!
//! Two kinds of small bookkeeping entries live in the store beside the results, written in the
//! ordinary entry format (so `graphchain cache verify` and remote stores treat them like any
//! other entry, and pruning removes them with the results they describe):
//!
//! - A **trace** maps a node's *content key* — its own hash (function, type arguments,
//!   literals) and the content hash of each input's value — to the key of the entry that holds
//!   its result. When an input is recomputed and comes out byte-for-byte as before, the node is
//!   found again through its trace and loaded instead of computed: its dependents are spared.
//! - A **function record** holds the identity hash (and the hash of the helpers) of a function
//!   the last time one of its results was stored. A node that must run is explained by comparing
//!   its function against the record, and only nodes whose function is unchanged are worth a
//!   trace lookup. A second record, under another key, holds the code that last ran without
//!   storing any result, so that its nodes are explained as not stored rather than new.

use crate::graph::node::FnInfo;
use crate::key::{KEY_SCHEME_VERSION, Key};
use crate::store::entry::{self, Payload};
use crate::store::{FUNCTION_RECORD, Store, TRACE};

/// What the store knows of a function, compared with the running program.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Seen {
    /// No result of the function was ever stored.
    New,
    /// Results were stored by other code of the function.
    CodeChanged,
    /// Results were stored with the same code but other helpers.
    HelperChanged,
    /// Results were stored by this very code.
    Same,
    /// This very code ran and none of its results was stored: cache-if-faster judged
    /// recomputing them cheaper than loading them.
    NotStored,
}

/// A function's identity and the hash of its helpers, as recorded.
fn record_of(info: &FnInfo) -> [u8; 64] {
    let mut record = [0u8; 64];
    record[..32].copy_from_slice(&info.identity);
    if let Some(helpers) = info.helpers_hash() {
        record[32..].copy_from_slice(helpers);
    }
    record
}

/// Where the record of `info`'s stored results is kept: by module path and name, which survive
/// edits.
fn function_key(info: &FnInfo) -> Key {
    record_key(b"graphchain-function-record", info)
}

/// Where the record of `info`'s code that stored none of its results is kept.
fn not_stored_key(info: &FnInfo) -> Key {
    record_key(b"graphchain-function-not-stored", info)
}

fn record_key(kind: &[u8], info: &FnInfo) -> Key {
    let mut h = blake3::Hasher::new();
    h.update(kind);
    h.update(&KEY_SCHEME_VERSION.to_le_bytes());
    h.update(info.module_path.as_bytes());
    h.update(b"::");
    h.update(info.name.as_bytes());
    Key::from_bytes(*h.finalize().as_bytes())
}

/// Reads the small payload of a bookkeeping entry of kind `kind` under `key`.
fn read_small<const N: usize>(store: &dyn Store, key: Key, kind: &str) -> Option<[u8; N]> {
    let checked = entry::read(store, key, Some((kind, [0; 32]))).ok()??;
    checked.payload().try_into().ok()
}

fn write_small(store: &dyn Store, key: Key, kind: &str, name: &str, payload: &[u8]) {
    let described = Payload {
        len: payload.len() as u64,
        hash: *blake3::hash(payload).as_bytes(),
    };
    let header = entry::header_of(key, [0; 32], kind, name, 0, described);
    // Bookkeeping only: a store that cannot be written loses early cutoff, nothing else.
    let _ = entry::put(store, key, &[&header, payload]);
}

/// How `info` compares with its records in `store`.
pub(crate) fn seen(store: &dyn Store, info: &FnInfo) -> Seen {
    let now = record_of(info);
    let stored = read_small::<64>(store, function_key(info), FUNCTION_RECORD);
    if stored == Some(now) {
        return Seen::Same;
    }
    let not_stored = read_small::<64>(store, not_stored_key(info), FUNCTION_RECORD);
    if not_stored == Some(now) {
        return Seen::NotStored;
    }
    match stored.or(not_stored) {
        None => Seen::New,
        Some(record) if record[..32] != now[..32] => Seen::CodeChanged,
        Some(_) => Seen::HelperChanged,
    }
}

/// Records the running code of `info` as the code of its stored results.
pub(crate) fn record_function(store: &dyn Store, info: &FnInfo) {
    write_small(
        store,
        function_key(info),
        FUNCTION_RECORD,
        info.name,
        &record_of(info),
    );
}

/// Records that the running code of `info` stored none of its results (cache-if-faster).
pub(crate) fn record_not_stored(store: &dyn Store, info: &FnInfo) {
    write_small(
        store,
        not_stored_key(info),
        FUNCTION_RECORD,
        info.name,
        &record_of(info),
    );
}

/// The key of the entry recorded for content key `content`, if any.
pub(crate) fn trace(store: &dyn Store, content: Key) -> Option<Key> {
    // Most lookups find nothing: asking first costs one question where reading a missing
    // entry costs more (a local store also looks for a dangling link under its name).
    if !store.contains(content).unwrap_or(false) {
        return None;
    }
    read_small::<32>(store, content, TRACE).map(Key::from_bytes)
}

/// Records that the result for content key `content` is stored under `target`.
pub(crate) fn record_trace(store: &dyn Store, content: Key, target: Key) {
    write_small(store, content, TRACE, TRACE, target.as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::node::CachePolicy;
    use crate::store::MemoryStore;

    static F: FnInfo = FnInfo::builtin("f", [1; 32], CachePolicy::Auto);
    static F_EDITED: FnInfo = FnInfo::builtin("f", [2; 32], CachePolicy::Auto);

    #[test]
    fn function_records_tell_new_changed_and_same_code() {
        let store = MemoryStore::new();
        assert_eq!(seen(&store, &F), Seen::New);
        record_function(&store, &F);
        assert_eq!(seen(&store, &F), Seen::Same);
        assert_eq!(seen(&store, &F_EDITED), Seen::CodeChanged);
    }

    #[test]
    fn code_that_stored_nothing_is_told_apart() {
        let store = MemoryStore::new();
        record_not_stored(&store, &F);
        assert_eq!(seen(&store, &F), Seen::NotStored);
        assert_eq!(seen(&store, &F_EDITED), Seen::CodeChanged);
        // Results stored since: the record of stored results wins.
        record_function(&store, &F);
        assert_eq!(seen(&store, &F), Seen::Same);
        record_not_stored(&store, &F_EDITED);
        assert_eq!(seen(&store, &F_EDITED), Seen::NotStored);
        assert_eq!(seen(&store, &F), Seen::Same);
    }

    #[test]
    fn traces_round_trip_and_reject_other_entries() {
        let store = MemoryStore::new();
        let content = Key::from_bytes([7; 32]);
        assert_eq!(trace(&store, content), None);
        record_trace(&store, content, Key::from_bytes([9; 32]));
        assert_eq!(trace(&store, content), Some(Key::from_bytes([9; 32])));
        // A function record is not a trace, even under the same key.
        record_function(&store, &F);
        assert_eq!(trace(&store, function_key(&F)), None);
    }
}
