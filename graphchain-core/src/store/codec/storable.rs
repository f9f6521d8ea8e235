//! `Storable`: what the cache needs to store and load a node's value, erased over its type and
//! codec, with each type's fingerprint memoized per process.

use std::any::TypeId;
use std::collections::HashMap;
use std::sync::{Arc, OnceLock, RwLock};

use super::{Codec, Parts, UntraceableType, borrowed_parts, untraceable_fingerprint};
use crate::value::{BoxError, Value};

/// What the cache needs to store and load a node's value, erased over its type and codec.
#[doc(hidden)]
pub struct Storable {
    pub(crate) codec: &'static str,
    type_name: fn() -> &'static str,
    type_id: fn() -> TypeId,
    fingerprint: fn() -> Result<[u8; 32], UntraceableType>,
    pub(crate) encode: fn(&Value, &mut Vec<u8>) -> Result<(), BoxError>,
    pub(crate) decode: fn(&[u8]) -> Result<Value, BoxError>,
    /// What `encode` writes, as parts borrowed from the value, when the codec can give them.
    pub(crate) encode_parts: fn(&Value) -> Option<Parts<'_>>,
    /// [`Codec::content_hash`] of a value and its encoding: `None` for the hash of the encoding.
    pub(crate) content_hash: fn(&Value, &[u8]) -> Option<[u8; 32]>,
    /// [`Codec::value_hash`]: the content hash without the encoding, when the codec gives it.
    pub(crate) value_hash: fn(&Value) -> Option<[u8; 32]>,
    /// [`Codec::size_hint`]: about how many bytes the value takes in memory.
    pub(crate) size_hint: fn(&Value) -> Option<u64>,
}

impl std::fmt::Debug for Storable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Storable")
            .field("codec", &self.codec)
            .field("type", &(self.type_name)())
            .finish()
    }
}

/// The fingerprint of a stored type, and whether it can be trusted to change with the type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Fingerprint {
    pub(crate) bytes: [u8; 32],
    /// `false` for a type whose structure cannot be traced: its results are not cached.
    pub(crate) cacheable: bool,
}

impl Storable {
    /// The vtable for values of type `T` stored with codec `C`.
    pub const fn of<T: Send + Sync + 'static, C: Codec<T>>() -> Self {
        Storable {
            codec: C::NAME,
            type_name: std::any::type_name::<T>,
            type_id: TypeId::of::<(T, C)>,
            fingerprint: C::checked_fingerprint,
            encode: encode_erased::<T, C>,
            decode: decode_erased::<T, C>,
            encode_parts: encode_parts_erased::<T, C>,
            content_hash: content_hash_erased::<T, C>,
            value_hash: value_hash_erased::<T, C>,
            size_hint: size_hint_erased::<T, C>,
        }
    }

    /// The stored type and codec, as one id (which never leaves this process).
    pub(crate) fn kind(&self) -> TypeId {
        (self.type_id)()
    }

    /// The fingerprint of the stored type, computed once per type and codec in a process.
    pub(crate) fn fingerprint(&self) -> [u8; 32] {
        self.checked().bytes
    }

    /// The fingerprint and whether results may be cached, computed once per type and codec in a
    /// process; the first time, a type that cannot be cached is named in a warning.
    pub(crate) fn checked(&self) -> Fingerprint {
        // `TypeId` only memoizes within this process; it never reaches a key or an entry.
        static MEMO: OnceLock<RwLock<HashMap<TypeId, Fingerprint>>> = OnceLock::new();
        thread_local! {
            // Graphs are built node after node of the same few types: the last one asked for
            // is answered without the lock.
            static LAST: std::cell::Cell<Option<(TypeId, Fingerprint)>> =
                const { std::cell::Cell::new(None) };
        }
        let id = (self.type_id)();
        if let Some((last, f)) = LAST.get()
            && last == id
        {
            return f;
        }
        let f = self.fingerprint_locked(&MEMO, id);
        LAST.set(Some((id, f)));
        f
    }

    fn fingerprint_locked(
        &self,
        memo: &OnceLock<RwLock<HashMap<TypeId, Fingerprint>>>,
        id: TypeId,
    ) -> Fingerprint {
        let memo = memo.get_or_init(Default::default);
        if let Some(f) = memo.read().unwrap_or_else(|e| e.into_inner()).get(&id) {
            return *f;
        }
        let checked = (self.fingerprint)();
        let mut h = blake3::Hasher::new();
        match &checked {
            Ok(fingerprint) => h.update(fingerprint),
            Err(e) => h.update(&untraceable_fingerprint(e.type_name())),
        };
        h.update(self.codec.as_bytes());
        let f = Fingerprint {
            bytes: *h.finalize().as_bytes(),
            cacheable: checked.is_ok(),
        };
        let first = memo
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id, f)
            .is_none();
        if let (Err(e), true) = (&checked, first) {
            warn_not_cached(e);
        }
        f
    }
}

/// Says once per type that its results are not cached, why, and how to cache them.
fn warn_not_cached(e: &UntraceableType) {
    tracing::warn!(
        r#type = e.type_name(),
        "results of type `{ty}` are not cached: its structure cannot be traced ({reason}), so a \
         change to it could decode an old entry into a wrong value. To cache them, make the type \
         traceable (derived `Deserialize` without `untagged`, `tag` or `flatten`), store it with \
         a codec of your own, or vouch for it with \
         `#[delayed(codec = graphchain::codec::Vouched<1>)]` and bump the 1 whenever `{ty}` \
         changes",
        ty = e.type_name(),
        reason = e.reason(),
    );
}

fn encode_erased<T: Send + Sync + 'static, C: Codec<T>>(
    value: &Value,
    out: &mut Vec<u8>,
) -> Result<(), BoxError> {
    let value = (**value)
        .downcast_ref::<T>()
        .ok_or("value has an unexpected type")?;
    C::encode(value, out)
}

fn encode_parts_erased<T: Send + Sync + 'static, C: Codec<T>>(value: &Value) -> Option<Parts<'_>> {
    borrowed_parts::<T, C>((**value).downcast_ref::<T>()?)
}

fn decode_erased<T: Send + Sync + 'static, C: Codec<T>>(bytes: &[u8]) -> Result<Value, BoxError> {
    Ok(Arc::new(C::decode(bytes)?))
}

/// The content hash `C` gives a value of type `T` (`None`: the hash of its encoding, as for a
/// value of another type, which the cache never hands it).
fn content_hash_erased<T: Send + Sync + 'static, C: Codec<T>>(
    value: &Value,
    encoded: &[u8],
) -> Option<[u8; 32]> {
    C::content_hash((**value).downcast_ref::<T>()?, encoded)
}

fn value_hash_erased<T: Send + Sync + 'static, C: Codec<T>>(value: &Value) -> Option<[u8; 32]> {
    C::value_hash((**value).downcast_ref::<T>()?)
}

fn size_hint_erased<T: Send + Sync + 'static, C: Codec<T>>(value: &Value) -> Option<u64> {
    C::size_hint((**value).downcast_ref::<T>()?)
}
