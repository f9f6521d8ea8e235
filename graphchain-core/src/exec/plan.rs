//! Planning a run: which nodes to visit, where each value comes from, and the edges between them
//! as flat index arrays.

use std::collections::{HashMap, HashSet};

use super::Context;
use super::cutoff::{self, Seen};
use crate::exec::report::Status;
use crate::graph::body::Body;
use crate::graph::node::{FnInfo, Node};
use crate::key::{Key, KeyBuildHasher};
use crate::store::Store;
use crate::value::Value;

/// Where a planned node's value comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Source {
    Compute,
    Load,
    /// Loaded if the store has it, else computed: a node without node inputs whose entry was
    /// not asked about, on a store where reading costs what asking does
    /// ([`Store::reads_unasked`]). Only runs plan it.
    Try,
    /// Already in memory from an earlier attempt of this run.
    Memory,
}

/// Answers "is this node's result in the store?" for the planner in proportion to the graph, not
/// to the store: the first few questions are asked one by one (a warm run asks one); after that,
/// a node of a function whose record says none of its results is stored (cache-if-faster left
/// them all out) is not asked about, and the other keys are grouped by their first byte: a
/// group asked about several times is listed when the store says that is cheap (a small or
/// absent subdirectory of a local store), else asked about key by key (a large one, where each
/// question costs a search of a big directory).
struct Lookup<'a> {
    store: &'a dyn Store,
    bad: &'a HashMap<Key, String>,
    /// Whether the run loads what is found (not a picture or a dry run): a store may then keep
    /// what it learns of an entry for its load (`Store::contains_to_load`).
    loading: bool,
    /// Whether a node without node inputs is left unasked, for its load to find out
    /// ([`Source::Try`]).
    trying: bool,
    probes_left: usize,
    shards: Vec<Shard>,
    /// How the cache's records compare with each function asked about, by `function_id`.
    seen: HashMap<usize, Seen>,
}

/// What the planner knows of the keys starting with one byte.
enum Shard {
    /// Asked about one key at a time: this many were not there, this many were or were left
    /// to their load.
    Asked { missed: u8, tried: u8 },
    /// Listed: the prefixes ([`Key::prefix`]) of all the stored keys of the group, sorted. A
    /// prefix found plans a load: one that was another key's (one chance in 2^64 per key of
    /// the group) is a load that finds nothing and is planned again.
    Listed(Vec<u64>),
    /// Too many to list: asked about key by key.
    PerKey,
}

/// Keys of one group found missing one at a time before the group is listed (if it can be).
const MISSED_BEFORE_LISTING: u8 = 4;

impl Lookup<'_> {
    fn new<'a>(store: &'a dyn Store, bad: &'a HashMap<Key, String>, loading: bool) -> Lookup<'a> {
        Lookup {
            store,
            bad,
            loading,
            trying: loading && store.reads_unasked(),
            probes_left: 64,
            shards: (0..=u8::MAX)
                .map(|_| Shard::Asked {
                    missed: 0,
                    tried: 0,
                })
                .collect(),
            seen: HashMap::new(),
        }
    }

    /// How the cache's records compare with `info`, read once per function.
    fn seen(&mut self, info: &'static FnInfo) -> Seen {
        let store = self.store;
        *self
            .seen
            .entry(function_id(info))
            .or_insert_with(|| cutoff::seen(store, info))
    }

    /// Where `node`'s value comes from, for a node eligible for the cache: [`Source::Load`] when
    /// the store has it, [`Source::Compute`] when not, [`Source::Try`] when the question is
    /// left to the load.
    fn source(&mut self, node: &Node) -> Source {
        let key = node.key;
        if self.bad.contains_key(&key) {
            return Source::Compute;
        }
        let (loading, trying) = (self.loading, self.trying && unasked(node));
        let ask = |store: &dyn Store| {
            if trying {
                return Source::Try;
            }
            let found = if loading {
                store.contains_to_load(key)
            } else {
                store.contains(key)
            };
            if found.unwrap_or(false) {
                Source::Load
            } else {
                Source::Compute
            }
        };
        if self.probes_left > 0 {
            self.probes_left -= 1;
            return ask(self.store);
        }
        // No result of this code was stored: an entry could only be a concurrent writer's,
        // and missing it costs a recomputation, never a wrong value.
        if self.seen(node.info) == Seen::NotStored {
            return Source::Compute;
        }
        let first = key.as_bytes()[0];
        let shard = &mut self.shards[usize::from(first)];
        match shard {
            // A key listed is asked about all the same: a listing tells what is missing, and a
            // wrong one (a change it missed) then costs a question, not a load that fails.
            Shard::Listed(prefixes) if holds(prefixes, key.prefix()) => ask(self.store),
            Shard::Listed(_) => Source::Compute,
            Shard::PerKey => ask(self.store),
            Shard::Asked { missed, tried } => {
                let source = ask(self.store);
                // Listed once a few keys were missing: a listing saves only questions about
                // keys that are not there, so a graph whose results are all stored never reads
                // the listing of a large group. A small group is listed after a few questions
                // of any answer (nodes left to their load included): that costs less than them.
                let listed = match source {
                    Source::Compute => {
                        *missed += 1;
                        (*missed >= MISSED_BEFORE_LISTING).then(|| self.store.shard_prefixes(first))
                    }
                    Source::Try | Source::Load => {
                        *tried = tried.saturating_add(1);
                        (*tried == MISSED_BEFORE_LISTING).then(|| {
                            self.store.list_shard(first).map(|keys| {
                                keys.map(|keys| {
                                    let mut prefixes: Vec<u64> =
                                        keys.iter().map(Key::prefix).collect();
                                    prefixes.sort_unstable();
                                    prefixes
                                })
                            })
                        })
                    }
                    Source::Memory => None,
                };
                match (listed, source) {
                    (Some(Ok(Some(prefixes))), _) => *shard = Shard::Listed(prefixes),
                    // No listing to be had where keys are missing: one key at a time.
                    (Some(_), Source::Compute) => *shard = Shard::PerKey,
                    // A large group after questions it answered: its listing waits for misses.
                    _ => {}
                }
                source
            }
        }
    }
}

/// Whether `sorted` holds `x`. Prefixes of hashes are spread evenly, so the place of `x` is
/// estimated from its value rather than halved towards (interpolation search): two or three
/// reads of a listing of thousands instead of a dozen, each a cache miss when a large store's
/// listings do not fit in the cache. After a few estimates it halves, as a binary search does,
/// so that uneven values cost no more than one.
pub(super) fn holds(sorted: &[u64], x: u64) -> bool {
    let (mut lo, mut hi) = (0, sorted.len());
    // The values of `sorted[lo..hi]` lie in `low..=high`.
    let (mut low, mut high) = (0u64, u64::MAX);
    for step in 0.. {
        if hi - lo <= 8 {
            return sorted[lo..hi].contains(&x);
        }
        let mid = if step < 4 {
            let span = u128::from(high - low) + 1;
            let offset = u128::from(x - low) * (hi - lo) as u128 / span;
            lo + (offset as usize).min(hi - lo - 1)
        } else {
            lo + (hi - lo) / 2
        };
        match sorted[mid].cmp(&x) {
            std::cmp::Ordering::Equal => return true,
            std::cmp::Ordering::Less => (lo, low) = (mid + 1, sorted[mid]),
            std::cmp::Ordering::Greater => (hi, high) = (mid, sorted[mid]),
        }
    }
    unreachable!("the range shrinks at every step")
}

/// Whether `node` may be left unasked ([`Source::Try`]): it has no node inputs, so nothing
/// below it is planned whether it loads or computes, and its body is synchronous, so that the
/// thread that finds it missing can run it.
fn unasked(node: &Node) -> bool {
    node.deps().next().is_none() && matches!(node.body, Body::Sync(_))
}

/// The nodes a run must visit, deduplicated by key, with their edges as indices.
///
/// Built on demand and without recursion: nodes are numbered in the order they are first reached,
/// and the numbering is the work list. A node whose value is in memory or in the store is a leaf:
/// its inputs are never visited.
pub(crate) struct Plan<'g> {
    pub(super) nodes: Vec<&'g Node>,
    pub(super) sources: Vec<Source>,
    /// `deps[dep_start[i]..dep_start[i + 1]]`: the plan indices of node `i`'s node inputs, in
    /// slot order (a node read twice appears twice); empty for leaves.
    dep_start: Vec<u32>,
    deps: Vec<u32>,
    /// `consumers[cons_start[i]..cons_start[i + 1]]`: the nodes reading node `i`, once per slot.
    cons_start: Vec<u32>,
    consumers: Vec<u32>,
    /// The plan index of each requested output.
    pub(super) roots: Vec<u32>,
    /// How many distinct nodes were requested: they have the plan indices `0..outputs`.
    outputs: usize,
    /// How the cache's records compare with each function of a node to compute and cache, by
    /// the address of its `FnInfo`.
    pub(super) seen: HashMap<usize, Seen>,
    /// Nodes to compute whose function is unchanged since its results were stored: worth
    /// looking up through the content of their inputs (early cutoff).
    pub(super) candidates: Vec<bool>,
    /// Nodes whose value's content a consumer needs: a candidate's inputs, and the inputs of a
    /// node that derives its content from them for such a consumer.
    wanted: Vec<bool>,
}

impl<'g> Plan<'g> {
    pub(super) fn new(
        roots: &[&'g Node],
        memo: &HashMap<Key, Value, KeyBuildHasher>,
        mut cached: impl FnMut(&Node) -> Source,
    ) -> Self {
        let mut index: HashMap<Key, u32, KeyBuildHasher> = HashMap::default();
        let mut nodes: Vec<&'g Node> = Vec::new();
        let mut intern = |node: &'g Node, nodes: &mut Vec<&'g Node>| -> u32 {
            *index.entry(node.key).or_insert_with(|| {
                nodes.push(node);
                (nodes.len() - 1) as u32
            })
        };
        let roots: Vec<u32> = roots.iter().map(|n| intern(n, &mut nodes)).collect();
        let outputs = nodes.len();
        let mut dep_start = Vec::with_capacity(nodes.len() + 1);
        let mut deps = Vec::new();
        let mut sources = Vec::new();
        let mut next = 0;
        while next < nodes.len() {
            dep_start.push(deps.len() as u32);
            let node = nodes[next];
            let source = if memo.contains_key(&node.key) {
                Source::Memory
            } else {
                cached(node)
            };
            sources.push(source);
            if source == Source::Compute {
                for dep in node.deps() {
                    deps.push(intern(dep, &mut nodes));
                }
            }
            next += 1;
        }
        dep_start.push(deps.len() as u32);

        let mut cons_start = vec![0u32; nodes.len() + 1];
        for &d in &deps {
            cons_start[d as usize + 1] += 1;
        }
        for i in 0..nodes.len() {
            cons_start[i + 1] += cons_start[i];
        }
        let mut fill = cons_start.clone();
        let mut consumers = vec![0u32; deps.len()];
        for i in 0..nodes.len() {
            for &d in &deps[dep_start[i] as usize..dep_start[i + 1] as usize] {
                consumers[fill[d as usize] as usize] = i as u32;
                fill[d as usize] += 1;
            }
        }
        Plan {
            nodes,
            sources,
            dep_start,
            deps,
            cons_start,
            consumers,
            roots,
            outputs,
            seen: HashMap::new(),
            candidates: Vec::new(),
            wanted: Vec::new(),
        }
    }

    /// How the cache's records compare with the function of `node`; `None` for a node that is
    /// not computed and cached in this run.
    pub(super) fn seen(&self, node: &Node) -> Option<Seen> {
        self.seen.get(&function_id(node.info)).copied()
    }

    /// Whether node `i` may be found through the content of its inputs.
    pub(super) fn candidate(&self, i: usize) -> bool {
        self.candidates.get(i).copied().unwrap_or(false)
    }

    /// Whether a consumer of node `i` needs the content hash of its value.
    pub(super) fn content_wanted(&self, i: usize) -> bool {
        self.wanted.get(i).copied().unwrap_or(false)
    }

    /// Whether node `i`'s content is derived from its inputs' rather than hashed from an
    /// encoding of its value: a node that passes its inputs' content through, or one of a
    /// function whose results are not stored (cache-if-faster), whose content is not recorded
    /// anywhere else. A value whose codec hashes it without an encoding
    /// ([`Codec::value_hash`](crate::Codec::value_hash)) is still known by that hash, in every
    /// run alike (see [`passes_through`](Plan::passes_through)).
    pub(super) fn derives(&self, i: usize) -> bool {
        self.passes_through(i) || self.seen(self.nodes[i]) == Some(Seen::NotStored)
    }

    /// Whether node `i` passes its inputs' content through (a built-in node such as `collect`):
    /// its content is always derived, never hashed from its value.
    pub(super) fn passes_through(&self, i: usize) -> bool {
        passes_content_through(self.nodes[i])
    }

    /// Marks the nodes whose content a consumer needs: each input of a candidate, and each
    /// input of a node that derives its content from its inputs' for a consumer that needs it,
    /// readers settled before their inputs.
    fn mark_wanted(&mut self) {
        // A cold run has no candidates: nothing to walk.
        if !self.candidates.contains(&true) {
            return;
        }
        let mut wanted = vec![false; self.len()];
        for &c in self.topological().iter().rev() {
            let needs = self.candidate(c) || (wanted[c] && self.derives(c));
            if needs {
                for &j in self.deps_of(c) {
                    wanted[j as usize] = true;
                }
            }
        }
        self.wanted = wanted;
    }

    /// The plan's nodes, each after its inputs.
    pub(super) fn topological(&self) -> Vec<usize> {
        let mut pending: Vec<usize> = (0..self.len()).map(|i| self.deps_of(i).len()).collect();
        let mut order: Vec<usize> = (0..self.len()).filter(|&i| pending[i] == 0).collect();
        let mut next = 0;
        while next < order.len() {
            for &c in self.consumers_of(order[next]) {
                pending[c as usize] -= 1;
                if pending[c as usize] == 0 {
                    order.push(c as usize);
                }
            }
            next += 1;
        }
        order
    }

    /// Whether node `i` is one of the requested outputs: they are numbered first.
    pub(super) fn is_root(&self, i: usize) -> bool {
        i < self.outputs
    }

    pub(crate) fn len(&self) -> usize {
        self.nodes.len()
    }

    pub(super) fn deps_of(&self, i: usize) -> &[u32] {
        &self.deps[self.dep_start[i] as usize..self.dep_start[i + 1] as usize]
    }

    pub(super) fn consumers_of(&self, i: usize) -> &[u32] {
        &self.consumers[self.cons_start[i] as usize..self.cons_start[i + 1] as usize]
    }

    /// What a run of this plan would do to each node: [`Status::Loaded`] for a node it loads
    /// (or has in memory), [`Status::Computed`] for one it computes. Nodes not in the plan are
    /// not needed.
    pub(crate) fn statuses(&self) -> HashMap<Key, Status, KeyBuildHasher> {
        self.nodes
            .iter()
            .zip(&self.sources)
            .map(|(node, source)| {
                let status = match source {
                    // Pictures and dry runs ask about every node: none is left to its load.
                    Source::Compute | Source::Try => Status::Computed,
                    Source::Load | Source::Memory => Status::Loaded,
                };
                (node.key, status)
            })
            .collect()
    }
}

/// Whether the content of `node`'s value is named by what computes it — its own hash and its
/// inputs' content — rather than by its encoding: a pure node whose value cannot be encoded,
/// such as a built-in node (`collect`, operators, `split`) or a function with
/// `cache = "never"`. Being pure, it computes the same value from the same inputs, so its
/// consumers may still be found through the content of their inputs (early cutoff).
fn passes_content_through(node: &Node) -> bool {
    node.info.pure && node.storable.is_none()
}

/// A function's `FnInfo` by its address: one per `#[delayed]` function in a process.
pub(super) fn function_id(info: &'static FnInfo) -> usize {
    std::ptr::from_ref(info) as usize
}

/// Plans a run of the graph below `roots` with the cache of `ctx`: a node eligible for the cache
/// and found in the store (and not among the `bad` keys) is loaded, one in `memo` is reused, and
/// every other node is computed. With `loading` (a run, not a picture or a dry run) the store may
/// read what it finds for the loads that follow.
///
/// Runs and pictures ([`Runtime::visualize`](crate::Runtime::visualize)) plan through here, so a
/// picture shows exactly what a run would do.
pub(crate) fn plan<'g>(
    roots: &[&'g Node],
    ctx: &Context<'_>,
    memo: &HashMap<Key, Value, KeyBuildHasher>,
    bad: &HashMap<Key, String>,
    loading: bool,
) -> Plan<'g> {
    match &ctx.cache {
        None => Plan::new(roots, memo, |_| Source::Compute),
        Some(cache) => {
            let mut lookup = Lookup::new(cache.store, bad, loading);
            // A cluster's driver hands tasks to its workers, not to the thread that finds an
            // entry missing.
            lookup.trying &= !ctx.executor.is_remote();
            let mut plan = Plan::new(roots, memo, |node| {
                if cache.eligible(node) {
                    lookup.source(node)
                } else {
                    Source::Compute
                }
            });
            // One record read per function to compute, however many nodes it has.
            plan.candidates = plan
                .nodes
                .iter()
                .zip(&plan.sources)
                .map(|(node, source)| {
                    if !matches!(source, Source::Compute | Source::Try) || !cache.eligible(node) {
                        return false;
                    }
                    lookup.seen(node.info) == Seen::Same && node.deps().next().is_some()
                })
                .collect();
            // Only the functions computed and cached in this run: a function whose nodes are
            // all loaded was asked about for planning alone.
            let computed: HashSet<usize> = plan
                .nodes
                .iter()
                .zip(&plan.sources)
                .filter(|(node, source)| {
                    matches!(source, Source::Compute | Source::Try) && cache.eligible(node)
                })
                .map(|(node, _)| function_id(node.info))
                .collect();
            lookup.seen.retain(|id, _| computed.contains(id));
            plan.seen = lookup.seen;
            plan.mark_wanted();
            plan
        }
    }
}
