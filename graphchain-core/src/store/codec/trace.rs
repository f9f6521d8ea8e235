//! Tracing a type's serde structure: what a non-self-describing decoder (postcard) reads for it,
//! container by container, with every variant of every enum reachable from it.
//!
//! The tracer is a `Deserializer` that makes up values: it records what each call asks for and
//! answers with a sample. One pass deserializes one value, so one variant of each enum it meets;
//! passes repeat until every variant of every enum reached is known, steering each pass towards
//! what is still unknown. Containers are told apart by the type their visitor builds, so two
//! instantiations of a generic type, or two types of the same name, are traced separately.
//!
//! Recursion is cut where a value can be small: an `Option`, sequence or map met again inside
//! itself is empty, and an enum met again inside one of its variants takes another variant.
//! A value the type's own code rejects (a `NonZeroU32`, a `try_from` newtype) was read in full
//! before it was rejected, so what it read is recorded; when the rejection keeps the rest of a
//! value from being read, the pass is retried with other samples. Anything the tracer cannot
//! follow (`deserialize_any`, a type that rejects every sample before the rest of it is read)
//! is an error, never a partial structure. Limit: a hand-written `Deserialize` whose structure
//! depends on the values it reads is traced for the samples it is given only.
//!
//! Here: the passes and what they learn (`State`); `tracer.rs`: the `Deserializer` handed to the
//! type; `access.rs`: the elements and enum variants it reads through; `render.rs`: the text.

use std::collections::HashMap;
use std::fmt;

use serde::de::{self, DeserializeOwned};

use tracer::Tracer;

mod access;
mod render;
mod tracer;

/// Passes a trace may take before it gives up: each pass that learns nothing ends it sooner.
const MAX_PASSES: usize = 10_000;
/// Containers, options, sequences and maps nested in one value.
const MAX_DEPTH: usize = 256;

/// `T`'s structure as canonical text, or why it cannot be traced.
pub(crate) fn structure<T: DeserializeOwned>() -> Result<String, String> {
    let mut st = State::default();
    let mut root = Desc::Unknown;
    for _ in 0..MAX_PASSES {
        st.start_pass();
        let mut out = Desc::Unknown;
        let result = T::deserialize(Tracer {
            st: &mut st,
            out: &mut out,
            site: 0,
        });
        st.learned |= root.merge(out).map_err(|()| INCONSISTENT.to_owned())?;
        if let Err(TraceError::Unsupported(what)) = result {
            return Err(what.to_owned());
        }
        // A rejected value was read in full before it was rejected: what was recorded is what
        // the type reads, and what the rejection kept from being read is still unknown.
        if st.complete(&root) {
            return Ok(st.render(&root));
        }
        if let Err(TraceError::Rejected(why)) = result {
            st.next_sample(&why)?;
        }
        if !st.learned {
            return Err(
                "tracing stopped making progress: the structure depends on the values \
                        read, or an enum's variants cannot all be reached"
                    .to_owned(),
            );
        }
    }
    Err(format!("tracing took more than {MAX_PASSES} passes"))
}

const INCONSISTENT: &str = "the type reads a different structure from one value to another";

/// What one value reads: a primitive, a wrapper around other values, or a container.
#[derive(Clone, Debug, PartialEq)]
enum Desc {
    /// Not seen yet (for example, the element of a sequence cut short by a recursion).
    Unknown,
    Prim(&'static str),
    Option(Box<Desc>),
    Seq(Box<Desc>),
    Tuple(Vec<Desc>),
    Map(Box<Desc>, Box<Desc>),
    /// A container, by its index in [`State::containers`].
    Ref(usize),
}

impl Desc {
    /// Adds what `other` knows to `self`: `Ok(true)` if that was anything, `Err` if they differ.
    fn merge(&mut self, other: Desc) -> Result<bool, ()> {
        match (self, other) {
            (_, Desc::Unknown) => Ok(false),
            (this @ Desc::Unknown, other) => {
                *this = other;
                Ok(true)
            }
            (Desc::Option(a), Desc::Option(b)) | (Desc::Seq(a), Desc::Seq(b)) => a.merge(*b),
            (Desc::Map(k, v), Desc::Map(k2, v2)) => Ok(k.merge(*k2)? | v.merge(*v2)?),
            (Desc::Tuple(a), Desc::Tuple(b)) if a.len() == b.len() => {
                let mut learned = false;
                for (a, b) in a.iter_mut().zip(b) {
                    learned |= a.merge(b)?;
                }
                Ok(learned)
            }
            (this, other) if *this == other => Ok(false),
            _ => Err(()),
        }
    }

    /// Calls `f` with each container this refers to; `false` if anything in it is unknown.
    fn visit(&self, f: &mut impl FnMut(usize)) -> bool {
        match self {
            Desc::Unknown => false,
            Desc::Prim(_) => true,
            Desc::Option(d) | Desc::Seq(d) => d.visit(f),
            Desc::Map(k, v) => k.visit(f) & v.visit(f),
            Desc::Tuple(ds) => ds.iter().fold(true, |known, d| d.visit(f) & known),
            Desc::Ref(id) => {
                f(*id);
                true
            }
        }
    }
}

/// The form of a struct or of an enum variant.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Shape {
    Unit,
    Newtype,
    Tuple(usize),
    Struct(&'static [&'static str]),
}

impl Shape {
    /// How many fields it has.
    fn len(self) -> usize {
        match self {
            Shape::Unit => 0,
            Shape::Newtype => 1,
            Shape::Tuple(len) => len,
            Shape::Struct(names) => names.len(),
        }
    }
}

/// A struct (one variant) or one variant of an enum.
#[derive(Debug, Default)]
struct Variant {
    shape: Option<Shape>,
    fields: Vec<Desc>,
    /// Deserialized to its end at least once (not rejected on the way).
    done: bool,
    /// Holds a value of an enum without variants: never chosen to end a recursion.
    uninhabited: bool,
}

#[derive(Debug)]
struct Container {
    name: &'static str,
    /// The variant names of an enum; `None` for a struct.
    variants_of: Option<&'static [&'static str]>,
    variants: Vec<Variant>,
}

#[derive(Default)]
struct State {
    containers: Vec<Container>,
    /// By the name of the type the visitor builds, the serde name, and whether it is an enum.
    ids: HashMap<(&'static str, &'static str, bool), usize>,
    /// Options, sequences and maps being expanded, by site: one met again is a recursion.
    open: Vec<u64>,
    /// Enum variants being deserialized.
    active: Vec<(usize, usize)>,
    depth: usize,
    /// The sample each primitive site is given, by index into its list; 0 unless rejected.
    samples: HashMap<u64, usize>,
    /// The last primitive given in this pass: its site and how many samples it has.
    last: Option<(u64, usize)>,
    /// Containers from which something unknown can be reached, as of the start of the pass.
    wanted: Vec<bool>,
    /// Whether this pass learned anything.
    learned: bool,
}

impl State {
    fn start_pass(&mut self) {
        self.open.clear();
        self.active.clear();
        self.depth = 0;
        self.last = None;
        self.learned = false;
        // A container is wanted when it is incomplete or reaches one that is (a fixpoint).
        let n = self.containers.len();
        let mut edges: Vec<Vec<usize>> = vec![Vec::new(); n];
        let mut wanted = vec![false; n];
        for (id, c) in self.containers.iter().enumerate() {
            wanted[id] = !c.complete();
            for v in &c.variants {
                for d in &v.fields {
                    d.visit(&mut |to| edges[to].push(id));
                }
            }
        }
        let mut stack: Vec<usize> = (0..n).filter(|&id| wanted[id]).collect();
        while let Some(to) = stack.pop() {
            for &from in &edges[to] {
                if !wanted[from] {
                    wanted[from] = true;
                    stack.push(from);
                }
            }
        }
        self.wanted = wanted;
    }

    /// After a sample was rejected: the next pass gives the last primitive read another one.
    fn next_sample(&mut self, why: &str) -> Result<(), String> {
        let Some((site, count)) = self.last else {
            return Err(format!(
                "its `Deserialize` rejects the tracer's values: {why}"
            ));
        };
        let sample = self.samples.entry(site).or_insert(0);
        if *sample + 1 >= count {
            return Err(format!(
                "its `Deserialize` rejects every sample value the tracer tried: {why}"
            ));
        }
        *sample += 1;
        self.learned = true;
        Ok(())
    }

    fn container(
        &mut self,
        ty: &'static str,
        name: &'static str,
        variants_of: Option<&'static [&'static str]>,
    ) -> Result<usize, TraceError> {
        let key = (ty, name, variants_of.is_some());
        if let Some(&id) = self.ids.get(&key) {
            if self.containers[id].variants_of != variants_of {
                return Err(TraceError::Unsupported(INCONSISTENT));
            }
            return Ok(id);
        }
        let id = self.containers.len();
        let count = variants_of.map_or(1, <[_]>::len);
        self.containers.push(Container {
            name,
            variants_of,
            variants: (0..count).map(|_| Variant::default()).collect(),
        });
        self.ids.insert(key, id);
        self.learned = true;
        Ok(id)
    }

    /// Records what a pass read of variant `v` of container `id`.
    fn record(
        &mut self,
        id: usize,
        v: usize,
        shape: Shape,
        fields: Vec<Desc>,
    ) -> Result<(), TraceError> {
        let variant = &mut self.containers[id].variants[v];
        match variant.shape {
            None => {
                variant.shape = Some(shape);
                variant.fields = vec![Desc::Unknown; shape.len()];
                self.learned = true;
            }
            Some(known) if known == shape => {}
            Some(_) => return Err(TraceError::Unsupported(INCONSISTENT)),
        }
        for (slot, desc) in variant.fields.iter_mut().zip(fields) {
            self.learned |= slot
                .merge(desc)
                .map_err(|()| TraceError::Unsupported(INCONSISTENT))?;
        }
        Ok(())
    }

    /// Marks variant `v` of container `id` as read to its end (or to an uninhabited value).
    fn finish<T>(&mut self, id: usize, v: usize, result: &Result<T, TraceError>) {
        let uninhabited = matches!(result, Err(TraceError::Uninhabited));
        let variant = &mut self.containers[id].variants[v];
        if (result.is_ok() || uninhabited) && !variant.done {
            variant.done = true;
            variant.uninhabited = uninhabited;
            self.learned = true;
        }
    }

    /// The variant of enum `id` to read next.
    fn choose(&self, id: usize) -> usize {
        let variants = &self.containers[id].variants;
        let free = |v: usize| !self.active.contains(&(id, v));
        let usable = |v: usize| free(v) && !variants[v].uninhabited;
        let leads_on = |v: usize| {
            let mut wanted = false;
            let known = variants[v].fields.iter().fold(true, |known, d| {
                d.visit(&mut |to| wanted |= self.wanted.get(to).copied().unwrap_or(true)) & known
            });
            wanted || !known
        };
        let n = variants.len();
        // Something new; else on to something unknown further down; else, to end a recursion,
        // a variant that was read to its end before.
        (0..n)
            .find(|&v| free(v) && !variants[v].known())
            .or_else(|| (0..n).find(|&v| usable(v) && leads_on(v)))
            .or_else(|| (0..n).find(|&v| usable(v) && variants[v].done))
            .or_else(|| (0..n).find(|&v| usable(v)))
            .unwrap_or(0)
    }

    /// Whether every container `root` reaches is known in full.
    fn complete(&self, root: &Desc) -> bool {
        let mut seen = vec![false; self.containers.len()];
        let mut stack = Vec::new();
        let mut known = root.visit(&mut |id| stack.push(id));
        while let Some(id) = stack.pop() {
            if std::mem::replace(&mut seen[id], true) {
                continue;
            }
            let c = &self.containers[id];
            known &= c.complete();
            for v in &c.variants {
                for d in &v.fields {
                    known &= d.visit(&mut |to| stack.push(to));
                }
            }
        }
        known
    }
}

impl Container {
    fn complete(&self) -> bool {
        self.variants.iter().all(Variant::known)
    }
}

impl Variant {
    /// Whether its shape and the description of each of its fields are known.
    fn known(&self) -> bool {
        self.shape.is_some() && self.fields.iter().all(|d| d.visit(&mut |_| ()))
    }
}

/// Why a pass stopped.
#[derive(Debug)]
enum TraceError {
    /// The type's own code rejected a sample (a validating `Deserialize`).
    Rejected(String),
    /// Something a non-self-describing format cannot give, or a structure that changes.
    Unsupported(&'static str),
    /// An enum without variants: no value can be made.
    Uninhabited,
}

impl fmt::Display for TraceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TraceError::Rejected(why) => f.write_str(why),
            TraceError::Unsupported(what) => f.write_str(what),
            TraceError::Uninhabited => f.write_str("an enum without variants"),
        }
    }
}

impl std::error::Error for TraceError {}

impl de::Error for TraceError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        TraceError::Rejected(msg.to_string())
    }
}

#[cfg(test)]
mod tests;
