//! The identity of a type whose values are never stored: what a never-cached node's key holds in
//! place of its codec's fingerprint, so that a step reading its result reruns when the type
//! changes (a field renamed keeps a value's bytes, not its meaning).
//!
//! `#[delayed]` picks the identity with the concrete return type in hand (autoref dispatch):
//! the traced serde structure for a `Deserialize` type, its full name for any other.

use std::marker::PhantomData;

use serde::de::DeserializeOwned;

use super::{Codec, Storable, UntraceableType, structural_fingerprint, type_name_fingerprint};
use crate::value::BoxError;

/// Stands for `T` while `#[delayed]` asks which identity it has: `(&&TypeProbe::<T>::new())
/// .__graphchain_type_identity()` (a name no trait of the user's has) is [`ByStructure`]'s for a `Deserialize` type and [`ByName`]'s otherwise.
#[doc(hidden)]
#[derive(Debug)]
pub struct TypeProbe<T: ?Sized>(PhantomData<fn() -> T>);

impl<T: ?Sized> TypeProbe<T> {
    /// The probe.
    pub const fn new() -> Self {
        TypeProbe(PhantomData)
    }
}

impl<T: ?Sized> Default for TypeProbe<T> {
    fn default() -> Self {
        Self::new()
    }
}

/// A type known by its serde structure: field names, field types, variants.
#[doc(hidden)]
pub trait ByStructure {
    /// The identity.
    fn __graphchain_type_identity(&self) -> &'static Storable;
}

impl<T: DeserializeOwned + Send + Sync + 'static> ByStructure for &TypeProbe<T> {
    fn __graphchain_type_identity(&self) -> &'static Storable {
        const { &Storable::of::<T, Structure>() }
    }
}

/// A type known by its full name only.
#[doc(hidden)]
pub trait ByName {
    /// The identity.
    fn __graphchain_type_identity(&self) -> &'static Storable;
}

impl<T: Send + Sync + 'static> ByName for TypeProbe<T> {
    fn __graphchain_type_identity(&self) -> &'static Storable {
        name_identity::<T>()
    }
}

/// The identity of `T` by its full name (a lazy query plan, a generic parameter).
#[doc(hidden)]
pub fn name_identity<T: Send + Sync + 'static>() -> &'static Storable {
    const { &Storable::of::<T, Name>() }
}

/// Fingerprints a type by its serde structure; stores nothing.
#[derive(Debug)]
pub(super) struct Structure;

impl<T: DeserializeOwned + 'static> Codec<T> for Structure {
    const NAME: &'static str = "type-identity-structure";

    fn encode(_: &T, _: &mut Vec<u8>) -> Result<(), BoxError> {
        Err(NOT_STORED.into())
    }

    fn decode(_: &[u8]) -> Result<T, BoxError> {
        Err(NOT_STORED.into())
    }

    fn fingerprint() -> [u8; 32] {
        // Tracing runs the type's own `Deserialize` (its `from`/`try_from` conversions, its
        // `deserialize_with`) on made-up values while the graph is built: a panic there keys
        // the type by its name rather than failing the call.
        std::panic::catch_unwind(structural_fingerprint::<T>)
            .unwrap_or_else(|_| type_name_fingerprint::<T>())
    }

    /// Never an error: nothing is stored, so an untraceable type is known by its name without
    /// the warning that its results are not cached.
    fn checked_fingerprint() -> Result<[u8; 32], UntraceableType> {
        Ok(<Self as Codec<T>>::fingerprint())
    }
}

/// Fingerprints a type by its full name; stores nothing.
#[derive(Debug)]
pub(super) struct Name;

impl<T: 'static> Codec<T> for Name {
    const NAME: &'static str = "type-identity-name";

    fn encode(_: &T, _: &mut Vec<u8>) -> Result<(), BoxError> {
        Err(NOT_STORED.into())
    }

    fn decode(_: &[u8]) -> Result<T, BoxError> {
        Err(NOT_STORED.into())
    }

    fn fingerprint() -> [u8; 32] {
        type_name_fingerprint::<T>()
    }
}

const NOT_STORED: &str = "a type identity stores nothing";

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize)]
    struct Traced {
        _count: u32,
    }

    struct Opaque;

    #[test]
    // The two borrows are the dispatch the macro writes, not a needless one.
    #[allow(clippy::needless_borrow)]
    fn a_deserialize_type_is_known_by_its_structure_and_any_other_by_its_name() {
        let traced = (&&TypeProbe::<Traced>::new()).__graphchain_type_identity();
        let opaque = (&&TypeProbe::<Opaque>::new()).__graphchain_type_identity();
        assert_eq!(
            traced.fingerprint(),
            Storable::of::<Traced, Structure>().fingerprint()
        );
        assert_eq!(
            opaque.fingerprint(),
            name_identity::<Opaque>().fingerprint()
        );
        assert_ne!(
            traced.fingerprint(),
            name_identity::<Traced>().fingerprint(),
            "the structure, not the name"
        );
    }
}
