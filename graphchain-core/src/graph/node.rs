//! Graph nodes: what a call to a `#[delayed]` function records, and how it is dropped.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::key::{Key, KeyHasher, Part};
use crate::store::codec::Storable;
use crate::value::{BoxError, Value};

/// The type-erased body of a task: takes its inputs in order, returns its result.
///
/// A plain function pointer (a generic function instantiated by the macro), so building a node
/// allocates no closure.
pub type Thunk = fn(&mut Args) -> Result<Value, BoxError>;

/// When a result is worth storing in the persistent cache.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum CachePolicy {
    /// Store the result when loading it back is estimated to be faster than recomputing it.
    #[default]
    Auto,
    /// Always store the result.
    Always,
    /// Never store the result.
    Never,
}

/// What the macro knows about a `#[delayed]` function at compile time.
#[derive(Debug)]
#[doc(hidden)]
pub struct FnInfo {
    /// The name shown in reports, logs and pictures.
    pub name: &'static str,
    /// `module_path!()` where the function is defined.
    pub module_path: &'static str,
    /// The compile-time hash of the function's tokens (and its `version`).
    pub identity: [u8; 32],
    /// `false` for `#[delayed(pure = false)]`: a new node on every call, never cached.
    pub pure: bool,
    /// The `cache` option.
    pub cache: CachePolicy,
    /// The `retries` option: how many more times a failing task is run before it fails.
    pub retries: u32,
    /// The helpers named in `uses(…)`, whose code is part of the function's identity.
    pub uses: &'static [&'static Tracked],
    /// The hash of every helper reachable through `uses`, computed on first use.
    pub helpers: std::sync::OnceLock<[u8; 32]>,
}

impl FnInfo {
    /// A pure function with no `retries` and no helpers: built-in nodes, and tests.
    pub(crate) const fn builtin(
        name: &'static str,
        identity: [u8; 32],
        cache: CachePolicy,
    ) -> FnInfo {
        FnInfo {
            name,
            module_path: module_path!(),
            identity,
            pure: true,
            cache,
            retries: 0,
            uses: &[],
            helpers: std::sync::OnceLock::new(),
        }
    }

    /// The hash of every helper reachable through `uses`, transitively, each once (helpers may
    /// use each other in a cycle), in a fixed order; `None` when there are none.
    pub(crate) fn helpers_hash(&self) -> Option<&[u8; 32]> {
        if self.uses.is_empty() {
            return None;
        }
        Some(self.helpers.get_or_init(|| {
            let mut seen: Vec<*const Tracked> = Vec::new();
            let mut stack: Vec<&'static Tracked> = self.uses.to_vec();
            let mut hashes: Vec<[u8; 32]> = Vec::new();
            while let Some(helper) = stack.pop() {
                let ptr: *const Tracked = helper;
                if seen.contains(&ptr) {
                    continue;
                }
                seen.push(ptr);
                hashes.push(helper.hash);
                stack.extend(helper.uses.iter().copied());
            }
            hashes.sort_unstable();
            hashes.dedup();
            let mut hasher = blake3::Hasher::new();
            hasher.update(b"graphchain-helpers");
            for hash in &hashes {
                hasher.update(hash);
            }
            *hasher.finalize().as_bytes()
        }))
    }
}

/// A helper (function or type) whose code is part of the identity of the `#[delayed]`
/// functions that name it in `uses(…)`: what `#[graphchain::track]` emits next to it.
#[derive(Debug)]
#[doc(hidden)]
pub struct Tracked {
    /// The helper's name.
    pub name: &'static str,
    /// The hash of its tokens.
    pub hash: [u8; 32],
    /// The helpers it uses in turn.
    pub uses: &'static [&'static Tracked],
}

/// A node handed across the public API without exposing it.
#[doc(hidden)]
#[derive(Debug, Clone, Copy)]
pub struct NodeRef<'a>(pub(crate) &'a Arc<Node>);

/// One input slot of a node.
pub(crate) enum Edge {
    /// The result of another node.
    Node(Arc<Node>),
    /// A plain value given at build time.
    Literal(Value),
    /// The function a wrapped node calls (`delayed_fn!`): handed to the task like a literal,
    /// but not an input, and not part of the key (the function's identity is).
    Code(Value),
}

/// A task in the graph: immutable once built, shared by every `Delayed` that refers to it.
pub(crate) struct Node {
    pub(crate) key: Key,
    /// The hash of everything in the key but the inputs' keys (see [`KeyHasher`]).
    pub(crate) own: [u8; 32],
    pub(crate) info: &'static FnInfo,
    pub(crate) edges: Vec<Edge>,
    pub(crate) thunk: Thunk,
    /// The body of an `async fn` task, run on the IO runtime instead of `thunk`.
    #[cfg(feature = "async")]
    pub(crate) io: Option<crate::graph::body::AsyncThunk>,
    /// How to store and load the value; `None` for nodes that are never cached.
    pub(crate) storable: Option<&'static Storable>,
    /// Set when the node could not be built correctly (an argument that cannot be hashed): the
    /// task then fails with this message instead of running.
    pub(crate) invalid: Option<Box<str>>,
}

impl Node {
    /// A node with `node`'s key and name whose value is `value`, already computed: what
    /// [`Runtime::persist`](crate::Runtime::persist) returns. It has no inputs, so the graph
    /// below it is released, and graphs built on it get the same keys as on `node`.
    pub(crate) fn persisted(node: &Node, value: Value) -> Arc<Node> {
        Arc::new(Node {
            key: node.key,
            own: node.own,
            info: node.info,
            edges: vec![Edge::Code(value)],
            thunk: persisted_thunk,
            #[cfg(feature = "async")]
            io: None,
            storable: None,
            invalid: None,
        })
    }

    /// The nodes this node reads, in slot order (literal slots left out).
    pub(crate) fn deps(&self) -> impl Iterator<Item = &Arc<Node>> {
        self.edges.iter().filter_map(|edge| match edge {
            Edge::Node(node) => Some(node),
            Edge::Literal(_) | Edge::Code(_) => None,
        })
    }
}

impl fmt::Debug for Node {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Node")
            .field("name", &self.info.name)
            .field("key", &self.key)
            .field("inputs", &self.edges.len())
            .finish()
    }
}

impl Drop for Node {
    /// Drops the graph below this node without recursion.
    ///
    /// The default drop of a chain of `Arc<Node>` recurses once per link and overflows the stack
    /// on long chains. Instead, inputs whose last reference is ours are moved onto a work list and
    /// emptied there, so every node is dropped with no inputs left to recurse into.
    fn drop(&mut self) {
        let mut stack: Vec<Arc<Node>> = Vec::new();
        move_unique_inputs(&mut self.edges, &mut stack);
        while let Some(node) = stack.pop() {
            if let Some(mut inner) = Arc::into_inner(node) {
                move_unique_inputs(&mut inner.edges, &mut stack);
            }
        }
    }
}

fn persisted_thunk(args: &mut Args) -> Result<Value, BoxError> {
    Ok(args.values[0]
        .clone()
        .expect("a persisted node holds its value"))
}

fn move_unique_inputs(edges: &mut Vec<Edge>, stack: &mut Vec<Arc<Node>>) {
    for edge in edges.drain(..) {
        if let Edge::Node(node) = edge {
            stack.push(node);
        }
    }
}

/// The inputs of a running task, in slot order.
///
/// Generated code takes the by-value inputs first ([`Args::take`]) and then borrows the others
/// ([`Args::get`]).
#[derive(Debug)]
#[doc(hidden)]
pub struct Args {
    values: Vec<Option<Value>>,
    /// Set while a task may be retried: inputs are then cloned, not moved, so that another
    /// attempt still has them.
    keep: bool,
}

impl Args {
    pub(crate) fn new(values: Vec<Option<Value>>) -> Self {
        Args {
            values,
            keep: false,
        }
    }

    /// Whether [`take`](Args::take) must leave the inputs in place for another attempt.
    pub(crate) fn keep_inputs(&mut self, keep: bool) {
        self.keep = keep;
    }

    /// Borrows input `slot` as a `T`.
    ///
    /// # Panics
    ///
    /// If the slot holds no `T`, which the typed API rules out; the panic becomes a task failure.
    pub fn get<T: 'static>(&self, slot: usize) -> &T {
        self.values[slot]
            .as_deref()
            .and_then(|v| v.downcast_ref::<T>())
            .unwrap_or_else(|| wrong_type::<T>(slot))
    }

    /// Takes input `slot` as an owned `T`: moved when this task holds its last reference,
    /// cloned otherwise.
    ///
    /// # Panics
    ///
    /// If the slot holds no `T` or was already taken; the panic becomes a task failure.
    pub fn take<T: Clone + Send + Sync + 'static>(&mut self, slot: usize) -> T {
        if self.keep {
            return self.get::<T>(slot).clone();
        }
        let value = self.values[slot]
            .take()
            .unwrap_or_else(|| wrong_type::<T>(slot));
        match value.downcast::<T>() {
            Ok(arc) => Arc::try_unwrap(arc).unwrap_or_else(|shared| T::clone(&shared)),
            Err(_) => wrong_type::<T>(slot),
        }
    }

    /// Takes input `slot` as a shared `T`, for a task that must own its inputs (the future of an
    /// `async fn`, which borrows from it): the value itself, not a copy.
    ///
    /// # Panics
    ///
    /// As [`take`](Args::take).
    pub fn shared<T: Send + Sync + 'static>(&mut self, slot: usize) -> Arc<T> {
        let value = if self.keep {
            self.values[slot].clone()
        } else {
            self.values[slot].take()
        };
        value
            .and_then(|v| v.downcast::<T>().ok())
            .unwrap_or_else(|| wrong_type::<T>(slot))
    }

    /// How many inputs there are.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether there are no inputs.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
}

fn wrong_type<T>(slot: usize) -> ! {
    panic!(
        "input {slot} does not hold a value of type `{}`",
        std::any::type_name::<T>()
    )
}

/// Builds one node: collects its input slots and derives its key as it goes.
#[doc(hidden)]
pub struct NodeBuilder {
    info: &'static FnInfo,
    hasher: KeyHasher,
    edges: Vec<Edge>,
    invalid: Option<Box<str>>,
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
        domain: &[u8],
        info: &'static FnInfo,
        type_args: [u8; 32],
        inputs: usize,
    ) -> Self {
        let mut hasher = KeyHasher::new(domain, &info.identity, &type_args, inputs);
        if let Some(helpers) = info.helpers_hash() {
            hasher.extra(helpers);
        }
        if !info.pure {
            hasher.extra(&impure_nonce());
        }
        NodeBuilder {
            info,
            hasher,
            edges: Vec::with_capacity(inputs),
            invalid: None,
        }
    }

    pub(crate) fn push_node(&mut self, node: Arc<Node>) {
        self.hasher.part(Part::Node);
        self.edges.push(Edge::Node(node));
    }

    pub(crate) fn push_literal(&mut self, value: Value, hash: [u8; 32]) {
        self.hasher.part(Part::Literal(hash));
        self.edges.push(Edge::Literal(value));
    }

    /// Adds the function a wrapped node calls, after its inputs; it does not enter the key.
    pub(crate) fn push_hidden(&mut self, code: Value) {
        self.edges.push(Edge::Code(code));
    }

    /// Records that input slot `slot` is unusable; the task will fail with `message`.
    pub(crate) fn push_invalid(&mut self, slot: usize, message: String) {
        self.hasher.extra(message.as_bytes());
        if self.invalid.is_none() {
            self.invalid = Some(format!("argument {slot}: {message}").into_boxed_str());
        }
        self.edges.push(Edge::Literal(Arc::new(())));
    }

    /// How many input slots have been pushed.
    pub(crate) fn slots(&self) -> usize {
        self.edges.len()
    }

    pub(crate) fn finish_node(
        mut self,
        thunk: Thunk,
        storable: Option<&'static Storable>,
    ) -> Arc<Node> {
        // Impure nodes are never cached, whatever the generated code asks.
        let storable = storable.filter(|_| self.info.pure);
        // The definition of the type a node returns is part of its key: a field added to it
        // reruns the node, even when the function's own tokens did not change.
        if let Some(storable) = storable {
            self.hasher.returns(&storable.fingerprint());
        }
        let inputs = self.edges.iter().filter_map(|edge| match edge {
            Edge::Node(node) => Some(node.key),
            Edge::Literal(_) | Edge::Code(_) => None,
        });
        let (own, key) = self.hasher.finish(inputs);
        Arc::new(Node {
            key,
            own,
            info: self.info,
            edges: self.edges,
            thunk,
            #[cfg(feature = "async")]
            io: None,
            storable,
            invalid: self.invalid,
        })
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
