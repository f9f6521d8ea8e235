//! `NodeBuilder`: how generated code (and the built-in nodes) make a node, one input slot at a
//! time, deriving its key as it goes.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::graph::body::{AsyncTasks, AsyncThunk, Body, Thunk};
use crate::graph::delayed::Delayed;
use crate::graph::input::{Input, InputKind};
use crate::graph::node::{Edge, Edges, FnInfo, Node, Notes};
use crate::graph::result::{Cacheable, FrameCacheable};
use crate::key::{KeyHasher, LiteralPart, Part};
use crate::store::codec::{Codec, Storable};
use crate::value::Value;

/// Builds one node: collects its input slots and derives its key as it goes.
#[doc(hidden)]
pub struct NodeBuilder {
    info: &'static FnInfo,
    /// `fn`, `op` or `collect`: each function builds nodes in one domain only.
    domain: &'static [u8],
    /// The hash of the generic type arguments, XOR the returned type's fingerprint once known.
    typed: [u8; 32],
    hasher: KeyHasher,
    edges: Edges,
    notes: Notes,
}

impl fmt::Debug for NodeBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NodeBuilder")
            .field("name", &self.info.name)
            .field("inputs", &self.edges.len())
            .finish()
    }
}

impl NodeBuilder {
    /// Starts a node of the `#[delayed]` function described by `info`, instantiated with the
    /// generic type arguments whose hash is `type_args`.
    pub fn new(info: &'static FnInfo, type_args: [u8; 32], inputs: usize) -> Self {
        Self::in_domain(b"fn", info, type_args, inputs)
    }

    pub(crate) fn in_domain(
        domain: &'static [u8],
        info: &'static FnInfo,
        type_args: [u8; 32],
        inputs: usize,
    ) -> Self {
        let mut hasher = KeyHasher::new(inputs);
        if !info.pure {
            hasher.extra(&impure_nonce());
        }
        NodeBuilder {
            info,
            domain,
            typed: type_args,
            hasher,
            edges: Edges::with_capacity(inputs),
            notes: Notes::default(),
        }
    }

    pub(crate) fn push_node(&mut self, node: Arc<Node>) {
        // A node reading a file input is labelled by it (its first one), unless labelled.
        if self.notes.label.is_none()
            && let Some(notes) = node.notes.as_ref().filter(|n| n.passes_label)
        {
            self.notes.label.clone_from(&notes.label);
        }
        self.hasher.part(Part::Node);
        self.edges.push(Edge::Node(node));
    }

    pub(crate) fn push_literal(&mut self, value: Value, part: LiteralPart) {
        self.hasher.part(Part::Literal(part));
        self.edges.push(Edge::Literal(value));
    }

    /// Adds the function a wrapped node calls, after its inputs; it does not enter the key.
    pub(crate) fn push_hidden(&mut self, code: Value) {
        self.edges.push(Edge::Code(code));
    }

    /// Records that input slot `slot` is unusable; the task will fail with `message`.
    pub(crate) fn push_invalid(&mut self, slot: usize, message: String) {
        self.hasher.extra(message.as_bytes());
        if self.notes.invalid.is_none() {
            self.notes.invalid = Some(format!("argument {slot}: {message}").into_boxed_str());
        }
        self.edges.push(Edge::Literal(Arc::new(())));
    }

    /// Labels the node `label`; with `passes`, the nodes reading it take it too.
    pub(crate) fn label(&mut self, label: Arc<str>, passes: bool) {
        self.notes.label = Some(label);
        self.notes.passes_label = passes;
    }

    /// How many input slots have been pushed.
    pub(crate) fn slots(&self) -> usize {
        self.edges.len()
    }

    /// Finishes the node: derives its key from everything pushed, with the fingerprint of the
    /// type it returns when it can be stored.
    pub(crate) fn finish_node(
        mut self,
        body: Body,
        storable: Option<&'static Storable>,
    ) -> Arc<Node> {
        // Impure nodes are never cached, whatever the generated code asks.
        let storable = storable.filter(|_| self.info.pure);
        // The definition of the type a node returns is part of its key: a field added to it
        // reruns the node, even when the function's own tokens did not change. A type whose
        // definition cannot be traced keys by its name, and its results are not cached.
        let storable = storable.filter(|storable| self.mix_fingerprint(storable));
        let inputs = self.edges.iter().filter_map(|edge| match edge {
            Edge::Node(node) => Some(node.key),
            Edge::Literal(_) | Edge::Code(_) => None,
        });
        let (info, domain, typed) = (self.info, self.domain, self.typed);
        let (own, key) = self
            .hasher
            .finish_with(|tail| info.own_hash(domain, &typed, tail), inputs);
        Arc::new(Node {
            key,
            own,
            info: self.info,
            edges: self.edges,
            body,
            storable,
            notes: self.notes.boxed(),
        })
    }

    /// Mixes the fingerprint of the type `typed_by` describes into the node's key; returns
    /// whether results of that type may be cached.
    fn mix_fingerprint(&mut self, typed_by: &Storable) -> bool {
        let fingerprint = typed_by.checked();
        for (byte, f) in self.typed.iter_mut().zip(&fingerprint.bytes) {
            *byte ^= f;
        }
        fingerprint.cacheable
    }

    /// Finishes a node whose result is never stored, with the identity of the type it returns
    /// in its key (see [`TypeProbe`](crate::store::codec::TypeProbe)): a step reading the result
    /// reruns when that type changes, although the node itself is rerun anyway.
    pub(crate) fn finish_unstored(mut self, body: Body, identity: &'static Storable) -> Arc<Node> {
        if self.info.pure {
            self.mix_fingerprint(identity);
        }
        self.finish_node(body, None)
    }

    /// Adds the next input slot.
    pub fn push<T>(&mut self, input: Input<T>) {
        match input.kind {
            InputKind::Node(node) => self.push_node(node),
            InputKind::Literal(value, part) => self.push_literal(value, part),
            InputKind::Invalid(message) => self.push_invalid(self.slots(), message),
        }
    }

    /// Finishes a built-in node that is never cached (an operator); `thunk` runs its body. A
    /// `#[delayed]` function's node goes through [`finish_never`](Self::finish_never), with the
    /// identity of the type it returns.
    pub(crate) fn finish<R: Send + Sync + 'static>(self, thunk: Thunk) -> Delayed<R> {
        Delayed::from_node(self.finish_node(Body::Sync(thunk), None))
    }

    /// Finishes a node that is never cached, returning a type of identity `identity`.
    pub fn finish_never<R: Send + Sync + 'static>(
        self,
        thunk: Thunk,
        identity: &'static Storable,
    ) -> Delayed<R> {
        Delayed::from_node(self.finish_unstored(Body::Sync(thunk), identity))
    }

    /// Finishes a node whose result may be cached, encoded with codec `C`.
    pub fn finish_cached<R: Send + Sync + 'static, C: Codec<R>>(self, thunk: Thunk) -> Delayed<R> {
        let storable: &'static Storable = const { &Storable::of::<R, C>() };
        Delayed::from_node(self.finish_node(Body::Sync(thunk), Some(storable)))
    }

    /// Finishes a node whose result may be cached, encoded with the default codec.
    pub fn finish_default<R: Send + Sync + Cacheable + 'static>(self, thunk: Thunk) -> Delayed<R> {
        Delayed::from_node(self.finish_node(Body::Sync(thunk), Some(R::storable())))
    }

    /// Finishes a node whose result is a `DataFrame`, stored with the frame codec.
    pub fn finish_frame<R: Send + Sync + FrameCacheable + 'static>(
        self,
        thunk: Thunk,
    ) -> Delayed<R> {
        Delayed::from_node(self.finish_node(Body::Sync(thunk), Some(R::storable())))
    }

    /// Finishes an async task's node that is never cached, returning a type of identity
    /// `identity`.
    pub fn finish_async_never<R: Send + Sync + AsyncTasks + 'static>(
        self,
        body: AsyncThunk,
        identity: &'static Storable,
    ) -> Delayed<R> {
        Delayed::from_node(self.finish_unstored(Body::Async(body), identity))
    }

    /// Finishes an async task's node whose result may be cached, encoded with codec `C`.
    pub fn finish_async_cached<R: Send + Sync + AsyncTasks + 'static, C: Codec<R>>(
        self,
        body: AsyncThunk,
    ) -> Delayed<R> {
        let storable: &'static Storable = const { &Storable::of::<R, C>() };
        Delayed::from_node(self.finish_async_node(body, Some(storable)))
    }

    /// Finishes an async task's node whose result may be cached, encoded with the default codec.
    pub fn finish_async_default<R: Send + Sync + AsyncTasks + Cacheable + 'static>(
        self,
        body: AsyncThunk,
    ) -> Delayed<R> {
        Delayed::from_node(self.finish_async_node(body, Some(R::storable())))
    }

    /// Finishes an async task's node whose result is a `DataFrame`, stored with the frame codec.
    pub fn finish_async_frame<R: Send + Sync + AsyncTasks + FrameCacheable + 'static>(
        self,
        body: AsyncThunk,
    ) -> Delayed<R> {
        Delayed::from_node(self.finish_async_node(body, Some(R::storable())))
    }

    fn finish_async_node(self, body: AsyncThunk, storable: Option<&'static Storable>) -> Arc<Node> {
        self.finish_node(Body::Async(body), storable)
    }
}

/// A value that differs for every impure call in this process and across processes.
fn impure_nonce() -> [u8; 24] {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    static START: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    let start = *START.get_or_init(|| {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        nanos ^ (u64::from(std::process::id()) << 32)
    });
    let mut nonce = [0u8; 24];
    nonce[..8].copy_from_slice(&start.to_le_bytes());
    nonce[8..16].copy_from_slice(&COUNTER.fetch_add(1, Ordering::Relaxed).to_le_bytes());
    nonce[16..].copy_from_slice(&u64::from(std::process::id()).to_le_bytes());
    nonce
}
