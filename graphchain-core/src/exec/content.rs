//! The content of the values of one attempt's nodes, as early cutoff names them: the hash of a
//! value's encoding (or the one its codec gives), and otherwise a hash derived from what
//! computes it, its own hash and its inputs' content. Derived are the pure nodes whose value is
//! never encoded — built-in nodes such as `collect`, operators and the projections of `split`,
//! and `cache = "never"` steps — and the nodes of functions none of whose results
//! cache-if-faster stores, whose encoding no later run could compare with. A node is found again through its inputs' content
//! (`RunCache::find_by_content`), so these nodes keep the chain unbroken.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};

use super::plan::Plan;
use crate::graph::node::Node;
use crate::key::{Key, content_key};

/// The content hash of each node's value, by plan index, when it is known: from the entry it
/// was loaded from, from storing it, or from encoding it for a consumer that looks itself up
/// by the content of its inputs; or derived from its inputs'. Set before the node's consumers
/// start, at the end of the attempt for the traces it records, or not at all.
pub(super) struct Contents {
    hashes: Vec<OnceLock<[u8; 32]>>,
    /// Whether each node's content is named by its key alone: derived, from no inputs or from
    /// inputs whose content is named by their keys. Set before the content.
    keyed: Vec<AtomicBool>,
    /// Whether each node is read by another node of the plan: only then is its content worth
    /// computing.
    read: Vec<bool>,
}

impl Contents {
    pub(super) fn new(plan: &Plan<'_>) -> Self {
        Contents {
            hashes: (0..plan.len()).map(|_| OnceLock::new()).collect(),
            keyed: (0..plan.len()).map(|_| AtomicBool::new(false)).collect(),
            read: (0..plan.len())
                .map(|i| !plan.consumers_of(i).is_empty())
                .collect(),
        }
    }

    /// Whether another node of the plan reads node `i`.
    pub(super) fn has_readers(&self, i: usize) -> bool {
        self.read[i]
    }

    /// Node `i`'s content, when it is known.
    pub(super) fn get(&self, i: usize) -> Option<[u8; 32]> {
        self.hashes[i].get().copied()
    }

    /// Records node `i`'s content, unless it is known already.
    pub(super) fn set(&self, i: usize, hash: [u8; 32]) {
        let _ = self.hashes[i].set(hash);
    }

    /// Node `i`'s content key, when the content of every one of its inputs is known.
    pub(super) fn key(&self, plan: &Plan<'_>, i: usize, node: &Node) -> Option<Key> {
        Some(content_key(&node.own, &self.inputs(plan, i)?))
    }

    /// Whether the content of every one of node `i`'s inputs is named by its key alone: then
    /// so is node `i`'s content key, and a trace under it can only lead to node `i`'s own key,
    /// which the plan looked up already (two keys with one content key would have the same own
    /// hash and inputs with the same keys).
    pub(super) fn inputs_keyed(&self, plan: &Plan<'_>, i: usize) -> bool {
        plan.deps_of(i)
            .iter()
            .all(|&j| self.keyed[j as usize].load(Ordering::Acquire))
    }

    /// Records the content derived for node `i` (see [`derived`](Contents::derived)).
    pub(super) fn set_derived(&self, plan: &Plan<'_>, i: usize, hash: [u8; 32]) {
        if self.hashes[i].get().is_none() && self.inputs_keyed(plan, i) {
            self.keyed[i].store(true, Ordering::Release);
        }
        self.set(i, hash);
    }

    /// The content of each of node `i`'s node inputs, in slot order, each followed by the
    /// fingerprint of its value's type (zeros for a value that is never stored), when all are
    /// known. A value's bytes do not say which type they are of: a struct whose field was
    /// renamed, or an enum whose variant was, encodes as before, and a step reading it must
    /// still not be found through its old content.
    fn inputs(&self, plan: &Plan<'_>, i: usize) -> Option<Vec<[u8; 32]>> {
        let deps = plan.deps_of(i);
        let mut inputs = Vec::with_capacity(2 * deps.len());
        for &j in deps {
            let j = j as usize;
            inputs.push(self.get(j)?);
            inputs.push(plan.nodes[j].storable.map_or([0; 32], |s| s.fingerprint()));
        }
        Some(inputs)
    }

    /// The content of the value of node `i`, a pure node, named by what computes it: its content
    /// key, or, without node inputs, its key, which then names everything it reads (a node
    /// persisted in memory has the own hash of the node it stands for, not its key). A key is
    /// taken as it is: the leaves of a wide fan-in cost no hashing.
    pub(super) fn derived(&self, plan: &Plan<'_>, i: usize, node: &Node) -> Option<[u8; 32]> {
        let inputs = self.inputs(plan, i)?;
        if inputs.is_empty() {
            return Some(*node.key.as_bytes());
        }
        Some(*content_key(&node.own, &inputs).as_bytes())
    }

    /// Derives the content of the nodes that `derive` it from their inputs' and feed a node
    /// `stored` in this attempt (directly or through other such nodes), where no consumer
    /// needed it during the attempt: the trace of a node that reads a `collect`, or a step
    /// cache-if-faster never stores, is then recorded in the first run already, and found in
    /// the next.
    pub(super) fn derive_for_lineage(
        &self,
        plan: &Plan<'_>,
        stored: impl Fn(usize) -> bool,
        derive: impl Fn(usize) -> bool,
    ) {
        if !(0..plan.len()).any(|i| derive(i) && self.get(i).is_none()) {
            return;
        }
        let order = plan.topological();
        let mut feeds = vec![false; plan.len()];
        for &c in order.iter().rev() {
            if stored(c) || (feeds[c] && derive(c)) {
                for &j in plan.deps_of(c) {
                    feeds[j as usize] = true;
                }
            }
        }
        for i in order {
            let node = plan.nodes[i];
            if feeds[i]
                && derive(i)
                && self.get(i).is_none()
                && let Some(hash) = self.derived(plan, i, node)
            {
                self.set_derived(plan, i, hash);
            }
        }
    }
}
