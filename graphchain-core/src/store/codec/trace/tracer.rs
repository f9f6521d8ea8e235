//! The `Deserializer` handed to the traced type: it records what each call asks for and
//! answers with a sample.

use std::any::type_name;

use serde::de::{self, Visitor};

use super::access::{Elements, EnumAccess};
use super::{Desc, MAX_DEPTH, Shape, State, TraceError};

/// A site: where a value sits inside the innermost container around it. Sites only steer the
/// trace (samples, recursion cuts), so a collision can only make a trace fail, never lie.
pub(super) fn step(site: u64, tag: u64) -> u64 {
    (site ^ tag.wrapping_mul(0x9e37_79b9_7f4a_7c15))
        .rotate_left(27)
        .wrapping_mul(0xbf58_476d_1ce4_e5b9)
}

/// The site of field 0 of variant `v` of container `id`.
fn variant_site(id: usize, v: usize) -> u64 {
    step(step(0x5eed, id as u64 + 1), v as u64 + 1)
}

/// The deserializer handed to the traced type: fills in `out` with what it reads.
pub(super) struct Tracer<'a> {
    pub(super) st: &'a mut State,
    pub(super) out: &'a mut Desc,
    pub(super) site: u64,
}

impl Tracer<'_> {
    /// Records a primitive and returns the index of the sample to give it.
    fn sample(&mut self, kind: &'static str, count: usize) -> usize {
        *self.out = Desc::Prim(kind);
        self.st.last = Some((self.site, count));
        self.st
            .samples
            .get(&self.site)
            .copied()
            .unwrap_or(0)
            .min(count - 1)
    }

    fn enter(&mut self) -> Result<(), TraceError> {
        self.st.depth += 1;
        if self.st.depth > MAX_DEPTH {
            return Err(TraceError::Unsupported("values nested too deeply"));
        }
        Ok(())
    }

    /// A struct-like container of the type `V` builds.
    fn structure<V, R>(
        mut self,
        name: &'static str,
        shape: Shape,
        read: impl FnOnce(Elements<'_>) -> Result<R, TraceError>,
    ) -> Result<R, TraceError> {
        let id = self.st.container(type_name::<V>(), name, None)?;
        *self.out = Desc::Ref(id);
        self.enter()?;
        let result = read_fields(self.st, id, 0, shape, read);
        self.st.depth -= 1;
        self.st.finish(id, 0, &result);
        result
    }

    /// An `Option`, sequence or map: expanded once, empty when met again inside itself.
    fn wrapper<R>(
        mut self,
        tag: u64,
        len: usize,
        wrap: fn(Vec<Desc>) -> Desc,
        read: impl FnOnce(Elements<'_>) -> Result<R, TraceError>,
    ) -> Result<R, TraceError> {
        let site = step(self.site, tag);
        let recursion = self.st.open.contains(&site);
        let mut descs = vec![Desc::Unknown; if recursion { 0 } else { len }];
        self.enter()?;
        self.st.open.push(site);
        let result = read(Elements {
            st: self.st,
            descs: &mut descs,
            next: 0,
            base: site,
        });
        self.st.open.pop();
        self.st.depth -= 1;
        descs.resize(len, Desc::Unknown);
        *self.out = wrap(descs);
        result
    }
}

/// Reads the fields of variant `v` of container `id` with `read`, and records them.
pub(super) fn read_fields<R>(
    st: &mut State,
    id: usize,
    v: usize,
    shape: Shape,
    read: impl FnOnce(Elements<'_>) -> Result<R, TraceError>,
) -> Result<R, TraceError> {
    let mut descs = vec![Desc::Unknown; shape.len()];
    let result = read(Elements {
        st,
        descs: &mut descs,
        next: 0,
        base: variant_site(id, v),
    });
    st.record(id, v, shape, descs)?;
    result
}

/// Samples of each primitive: the first is tried first, the others after a rejection.
macro_rules! integers {
    ($($method:ident $visit:ident $ty:ident;)*) => {$(
        fn $method<V: Visitor<'de>>(mut self, visitor: V) -> Result<V::Value, TraceError> {
            const SAMPLES: &[$ty] =
                &[0, 1, 2, 42, $ty::MAX, $ty::MIN, (0 as $ty).wrapping_sub(1), 100];
            let i = self.sample(stringify!($ty), SAMPLES.len());
            visitor.$visit(SAMPLES[i])
        }
    )*};
}

const STRINGS: &[&str] = &[
    "",
    "a",
    "0",
    "A",
    "1970-01-01T00:00:00Z",
    "00000000-0000-0000-0000-000000000000",
];
const BYTES: &[&[u8]] = &[&[], &[0], &[0; 16], &[0; 32]];

impl<'de> de::Deserializer<'de> for Tracer<'_> {
    type Error = TraceError;

    integers! {
        deserialize_u8 visit_u8 u8;
        deserialize_u16 visit_u16 u16;
        deserialize_u32 visit_u32 u32;
        deserialize_u64 visit_u64 u64;
        deserialize_u128 visit_u128 u128;
        deserialize_i8 visit_i8 i8;
        deserialize_i16 visit_i16 i16;
        deserialize_i32 visit_i32 i32;
        deserialize_i64 visit_i64 i64;
        deserialize_i128 visit_i128 i128;
    }

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, TraceError> {
        Err(TraceError::Unsupported(
            "it asks the format what comes next (`deserialize_any`: `serde_json::Value`, \
             untagged or internally tagged enums, `flatten`), which postcard cannot answer",
        ))
    }

    fn deserialize_bool<V: Visitor<'de>>(mut self, visitor: V) -> Result<V::Value, TraceError> {
        let i = self.sample("bool", 2);
        visitor.visit_bool(i == 1)
    }

    fn deserialize_f32<V: Visitor<'de>>(mut self, visitor: V) -> Result<V::Value, TraceError> {
        const SAMPLES: &[f32] = &[0.0, 1.0, 0.5, -1.0, 1e6];
        let i = self.sample("f32", SAMPLES.len());
        visitor.visit_f32(SAMPLES[i])
    }

    fn deserialize_f64<V: Visitor<'de>>(mut self, visitor: V) -> Result<V::Value, TraceError> {
        const SAMPLES: &[f64] = &[0.0, 1.0, 0.5, -1.0, 1e6];
        let i = self.sample("f64", SAMPLES.len());
        visitor.visit_f64(SAMPLES[i])
    }

    fn deserialize_char<V: Visitor<'de>>(mut self, visitor: V) -> Result<V::Value, TraceError> {
        const SAMPLES: &[char] = &['a', 'A', '0', ' '];
        let i = self.sample("char", SAMPLES.len());
        visitor.visit_char(SAMPLES[i])
    }

    fn deserialize_str<V: Visitor<'de>>(mut self, visitor: V) -> Result<V::Value, TraceError> {
        let i = self.sample("str", STRINGS.len());
        visitor.visit_str(STRINGS[i])
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, TraceError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_bytes<V: Visitor<'de>>(mut self, visitor: V) -> Result<V::Value, TraceError> {
        let i = self.sample("bytes", BYTES.len());
        visitor.visit_bytes(BYTES[i])
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, TraceError> {
        self.deserialize_bytes(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, TraceError> {
        fn wrap(mut ds: Vec<Desc>) -> Desc {
            Desc::Option(Box::new(ds.pop().unwrap_or(Desc::Unknown)))
        }
        self.wrapper(u64::from(b'?'), 1, wrap, |mut elements| {
            if elements.descs.is_empty() {
                visitor.visit_none()
            } else {
                visitor.visit_some(elements.only())
            }
        })
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, TraceError> {
        *self.out = Desc::Prim("unit");
        visitor.visit_unit()
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, TraceError> {
        self.structure::<V::Value, _>(name, Shape::Unit, |_| visitor.visit_unit())
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, TraceError> {
        self.structure::<V::Value, _>(name, Shape::Newtype, |mut elements| {
            visitor.visit_newtype_struct(elements.only())
        })
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, TraceError> {
        fn wrap(mut ds: Vec<Desc>) -> Desc {
            Desc::Seq(Box::new(ds.pop().unwrap_or(Desc::Unknown)))
        }
        self.wrapper(u64::from(b'['), 1, wrap, |elements| {
            visitor.visit_seq(elements)
        })
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        mut self,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, TraceError> {
        let mut descs = vec![Desc::Unknown; len];
        self.enter()?;
        let result = visitor.visit_seq(Elements {
            st: self.st,
            descs: &mut descs,
            next: 0,
            base: step(self.site, u64::from(b'(')),
        });
        self.st.depth -= 1;
        *self.out = Desc::Tuple(descs);
        result
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, TraceError> {
        self.structure::<V::Value, _>(name, Shape::Tuple(len), |elements| {
            visitor.visit_seq(elements)
        })
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, TraceError> {
        fn wrap(mut ds: Vec<Desc>) -> Desc {
            let v = ds.pop().unwrap_or(Desc::Unknown);
            let k = ds.pop().unwrap_or(Desc::Unknown);
            Desc::Map(Box::new(k), Box::new(v))
        }
        self.wrapper(u64::from(b'{'), 2, wrap, |elements| {
            visitor.visit_map(elements)
        })
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, TraceError> {
        self.structure::<V::Value, _>(name, Shape::Struct(fields), |elements| {
            visitor.visit_seq(elements)
        })
    }

    fn deserialize_enum<V: Visitor<'de>>(
        mut self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, TraceError> {
        let id = self
            .st
            .container(type_name::<V::Value>(), name, Some(variants))?;
        *self.out = Desc::Ref(id);
        if variants.is_empty() {
            return Err(TraceError::Uninhabited);
        }
        let v = self.st.choose(id);
        self.enter()?;
        self.st.active.push((id, v));
        let result = visitor.visit_enum(EnumAccess { st: self.st, id, v });
        self.st.active.pop();
        self.st.depth -= 1;
        self.st.finish(id, v, &result);
        result
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, _: V) -> Result<V::Value, TraceError> {
        Err(TraceError::Unsupported(
            "it reads an identifier outside an enum, which postcard does not write",
        ))
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, TraceError> {
        Err(TraceError::Unsupported(
            "it skips a value of unknown type (`deserialize_ignored_any`), which postcard cannot",
        ))
    }

    fn is_human_readable(&self) -> bool {
        // As postcard: types such as `IpAddr` and `Duration`-like wrappers pick their compact
        // form, the one that is stored.
        false
    }
}
