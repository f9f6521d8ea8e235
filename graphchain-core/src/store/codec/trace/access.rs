//! What the traced type reads inside a value: the elements of a tuple, struct, sequence or
//! map, and the variant of an enum the tracer chose.

use serde::de::{self, DeserializeSeed, Visitor};

use super::tracer::{Tracer, read_fields, step};
use super::{Desc, Shape, State, TraceError};

/// The elements of a tuple, struct, sequence or map, each traced into its own slot.
pub(super) struct Elements<'a> {
    pub(super) st: &'a mut State,
    pub(super) descs: &'a mut Vec<Desc>,
    pub(super) next: usize,
    pub(super) base: u64,
}

impl Elements<'_> {
    /// The deserializer of the only element: the value in a `Some`, a newtype struct or a
    /// newtype variant.
    pub(super) fn only(&mut self) -> Tracer<'_> {
        Tracer {
            st: self.st,
            out: &mut self.descs[0],
            site: step(self.base, 0),
        }
    }

    fn element<'de, S: DeserializeSeed<'de>>(
        &mut self,
        seed: S,
    ) -> Result<Option<S::Value>, TraceError> {
        let i = self.next;
        let Some(out) = self.descs.get_mut(i) else {
            return Ok(None);
        };
        self.next += 1;
        seed.deserialize(Tracer {
            st: self.st,
            out,
            site: step(self.base, i as u64),
        })
        .map(Some)
    }
}

impl<'de> de::SeqAccess<'de> for Elements<'_> {
    type Error = TraceError;

    fn next_element_seed<S: DeserializeSeed<'de>>(
        &mut self,
        seed: S,
    ) -> Result<Option<S::Value>, TraceError> {
        self.element(seed)
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.descs.len() - self.next)
    }
}

impl<'de> de::MapAccess<'de> for Elements<'_> {
    type Error = TraceError;

    fn next_key_seed<S: DeserializeSeed<'de>>(
        &mut self,
        seed: S,
    ) -> Result<Option<S::Value>, TraceError> {
        self.element(seed)
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(
        &mut self,
        seed: S,
    ) -> Result<S::Value, TraceError> {
        self.element(seed)?
            .ok_or(TraceError::Unsupported("a map value without a key"))
    }

    fn size_hint(&self) -> Option<usize> {
        Some((self.descs.len() - self.next) / 2)
    }
}

/// Variant `v` of enum `id`, as the tracer chose it.
pub(super) struct EnumAccess<'a> {
    pub(super) st: &'a mut State,
    pub(super) id: usize,
    pub(super) v: usize,
}

impl<'de> de::EnumAccess<'de> for EnumAccess<'_> {
    type Error = TraceError;
    type Variant = Self;

    fn variant_seed<S: DeserializeSeed<'de>>(
        self,
        seed: S,
    ) -> Result<(S::Value, Self), TraceError> {
        // The index postcard writes: what the type does with it is what is traced.
        let index =
            u32::try_from(self.v).map_err(|_| TraceError::Unsupported("too many variants"))?;
        let value = seed.deserialize(de::value::U32Deserializer::<TraceError>::new(index))?;
        Ok((value, self))
    }
}

impl<'de> de::VariantAccess<'de> for EnumAccess<'_> {
    type Error = TraceError;

    fn unit_variant(self) -> Result<(), TraceError> {
        read_fields(self.st, self.id, self.v, Shape::Unit, |_| Ok(()))
    }

    fn newtype_variant_seed<S: DeserializeSeed<'de>>(
        self,
        seed: S,
    ) -> Result<S::Value, TraceError> {
        read_fields(self.st, self.id, self.v, Shape::Newtype, |mut elements| {
            seed.deserialize(elements.only())
        })
    }

    fn tuple_variant<V: Visitor<'de>>(
        self,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, TraceError> {
        read_fields(self.st, self.id, self.v, Shape::Tuple(len), |elements| {
            visitor.visit_seq(elements)
        })
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, TraceError> {
        read_fields(
            self.st,
            self.id,
            self.v,
            Shape::Struct(fields),
            |elements| visitor.visit_seq(elements),
        )
    }
}
