//! Graph nodes: what a call to a `#[delayed]` function records, and how it is dropped.

use std::fmt;
use std::sync::Arc;

use crate::graph::body::{Args, Body};
use crate::key::Key;
use crate::store::codec::Storable;
use crate::value::{BoxError, Value};

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
    /// The head of the keys of this function's nodes (see `KeyHasher`), for the typed part of
    /// the first one built, which is every node's for a non-generic function.
    pub head: std::sync::OnceLock<HeadMemo>,
}

/// The key material a function's nodes share, computed once (see [`FnInfo::own_hash`]).
#[derive(Debug)]
#[doc(hidden)]
pub struct HeadMemo {
    /// The typed part (type arguments and returned type) `head` is for.
    typed: [u8; 32],
    head: [u8; 32],
    /// The own hash of a node whose slots are all node inputs, with its tail's length (how
    /// many): the first such node built. Calls of a step that only ever reads other steps, such
    /// as the sums of a fan-in, all have the same own hash.
    only_nodes: std::sync::OnceLock<(usize, [u8; 32])>,
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
            head: std::sync::OnceLock::new(),
        }
    }

    /// The own hash of a node of this function in `domain` whose type arguments and returned
    /// type hash to `typed` and whose key's tail is `tail`: from the head memoized for the first
    /// `typed` seen (computed for another one), and, for a tail of node inputs only, memoized
    /// for the first number of them seen.
    pub(crate) fn own_hash(&self, domain: &[u8], typed: &[u8; 32], tail: &[u8]) -> [u8; 32] {
        let head = || crate::key::head(domain, &self.identity, self.helpers_hash(), typed);
        let memo = self.head.get_or_init(|| HeadMemo {
            typed: *typed,
            head: head(),
            only_nodes: std::sync::OnceLock::new(),
        });
        if memo.typed != *typed {
            return crate::key::own_hash(&head(), tail);
        }
        if !crate::key::only_nodes(tail) {
            return crate::key::own_hash(&memo.head, tail);
        }
        let own = || crate::key::own_hash(&memo.head, tail);
        match *memo.only_nodes.get_or_init(|| (tail.len(), own())) {
            (slots, own) if slots == tail.len() => own,
            _ => own(),
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

/// A node's input slots. A `Vec`, not slots inside the node: keeping two inline (a `SmallVec`)
/// saved an allocation per node, but with glibc a dropped graph then coalesced into memory
/// given back to the system and faulted in again by the next graph (560 page faults per
/// build of the 19,999-task fan-in), which cost more time than the allocations.
pub(crate) type Edges = Vec<Edge>;

/// One input slot of a node.
#[derive(Clone)]
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
    pub(crate) edges: Edges,
    /// The code its task runs.
    pub(crate) body: Body,
    /// How to store and load the value; `None` for nodes that are never cached.
    pub(crate) storable: Option<&'static Storable>,
    /// What few nodes carry: an error from building, a label. Boxed, so that a node without
    /// either pays one pointer.
    pub(crate) notes: Option<Box<Notes>>,
}

/// The rarer parts of a node (see [`Node::notes`]).
#[derive(Clone, Debug, Default)]
pub(crate) struct Notes {
    /// Set when the node could not be built correctly (an argument that cannot be hashed): the
    /// task then fails with this message instead of running.
    pub(crate) invalid: Option<Box<str>>,
    /// What pictures and reports show beside the function's name, to tell its calls apart.
    pub(crate) label: Option<Arc<str>>,
    /// Whether the nodes reading this one take its label when they have none (file inputs).
    pub(crate) passes_label: bool,
}

impl Notes {
    /// `Some` notes when there is anything to note.
    pub(crate) fn boxed(self) -> Option<Box<Notes>> {
        (self.invalid.is_some() || self.label.is_some()).then(|| Box::new(self))
    }
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
            body: Body::Sync(persisted_thunk),
            storable: None,
            notes: node.notes.as_ref().and_then(|notes| {
                Notes {
                    invalid: None,
                    ..Notes::clone(notes)
                }
                .boxed()
            }),
        })
    }

    /// Why the node cannot run, when it was built with an unusable argument.
    pub(crate) fn invalid(&self) -> Option<&str> {
        self.notes.as_ref()?.invalid.as_deref()
    }

    /// The node's label, when it has one.
    pub(crate) fn label(&self) -> Option<&Arc<str>> {
        self.notes.as_ref()?.label.as_ref()
    }

    /// This node with `label`: the same key, inputs and code.
    pub(crate) fn labelled(&self, label: Arc<str>) -> Arc<Node> {
        let mut notes = self.notes.as_deref().cloned().unwrap_or_default();
        notes.label = Some(label);
        Arc::new(Node {
            key: self.key,
            own: self.own,
            info: self.info,
            edges: self.edges.clone(),
            body: self.body,
            storable: self.storable,
            notes: notes.boxed(),
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
        while let Some(mut node) = stack.pop() {
            // Emptied in place, then dropped here with no node inputs left: not moved out of
            // its allocation first.
            if let Some(inner) = Arc::get_mut(&mut node) {
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

fn move_unique_inputs(edges: &mut Edges, stack: &mut Vec<Arc<Node>>) {
    // A node without node inputs (a leaf, or one already emptied here) has nothing to move:
    // its literals go with it.
    if !edges.iter().any(|edge| matches!(edge, Edge::Node(_))) {
        return;
    }
    for edge in edges.drain(..) {
        if let Edge::Node(node) = edge {
            stack.push(node);
        }
    }
}

#[cfg(test)]
mod tests;
