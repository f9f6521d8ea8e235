//! Early cutoff's side of the cache of a run: looking a node up through the content of its
//! inputs, and the records an attempt leaves for later runs (traces and function records, see
//! `exec/cutoff.rs`).

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::time::Instant;

use rayon::prelude::*;

use super::{Loaded, RunCache};
use crate::exec::cutoff::{self, Seen};
use crate::exec::plan::{Plan, function_id};
use crate::graph::node::Node;
use crate::key::Key;
use crate::store::payload::{self, Described};

/// What looking a node up through the content of its inputs found.
pub(in crate::exec) enum Found {
    /// The node's result, loaded.
    Loaded(Loaded),
    /// A result for these inputs was recorded, but its entry is gone or unusable.
    Gone,
    /// Nothing recorded for these inputs.
    Missing,
}

impl RunCache<'_> {
    /// Looks node `i` up through the content of its inputs (early cutoff): when a result was
    /// stored for inputs with exactly these values, it is loaded, and stored again under the
    /// node's key so that the next run finds it directly.
    pub(in crate::exec) fn find_by_content(&self, plan: &Plan<'_>, i: usize, node: &Node) -> Found {
        // Inputs named by their keys: the content key says no more than the node's key.
        if self.content.inputs_keyed(plan, i) {
            return Found::Missing;
        }
        let Some(content) = self.content.key(plan, i, node) else {
            return Found::Missing;
        };
        let store = self.ctx.store;
        // A trace to the node's own key says nothing new: the plan looked for that entry.
        let Some(target) = cutoff::trace(store, content).filter(|&target| target != node.key)
        else {
            return Found::Missing;
        };
        let start = Instant::now();
        let read = match self.read_entry(node, target) {
            Ok(read) => read,
            Err(problem) => {
                tracing::debug!(
                    target: "graphchain",
                    function = node.info.name,
                    key = %node.key.short(),
                    "the result stored for the same inputs cannot be used: {problem}"
                );
                return Found::Gone;
            }
        };
        let storable = node.storable.expect("read_entry checked it");
        let described = Described {
            key: node.key,
            fingerprint: storable.fingerprint(),
            codec: storable.codec,
            name: node.info.name,
            compute_ns: read.header.compute_ns,
        };
        // A payload stored apart is shared: this writes a pointer to it, not a copy.
        let payload = &read.bytes[read.payload_at..];
        if let Ok(Some(_)) =
            payload::put_result(store, &described, &[payload], read.header.payload_hash)
        {
            self.ctx.wrote.store(true, Ordering::Relaxed);
        }
        let elapsed = start.elapsed();
        tracing::debug!(
            target: "graphchain",
            function = node.info.name,
            key = %node.key.short(),
            time = ?elapsed,
            reason = "its inputs were recomputed to the same values",
            "load"
        );
        Found::Loaded(self.loaded(i, node, read, elapsed))
    }

    /// Records what this attempt stored, for later runs: a trace from each stored node's
    /// content key to its key (when the content of all its inputs is known), the code of each
    /// function that stored a result, and the code of each function none of whose results is
    /// stored (cache-if-faster left them all out). A run that stores nothing writes nothing.
    pub(in crate::exec) fn record_lineage(&self, plan: &Plan<'_>) {
        let store = self.ctx.store;
        let stored = |i: usize| self.stored[i].load(Ordering::Relaxed);
        if !(0..plan.len()).any(stored) {
            return;
        }
        let mut functions = HashMap::new();
        for i in (0..plan.len()).filter(|&i| stored(i)) {
            let node = plan.nodes[i];
            functions.insert(function_id(node.info), (node.info, plan.seen(node)));
        }
        let mut left_out = HashMap::new();
        for i in (0..plan.len()).filter(|&i| self.skipped[i].load(Ordering::Relaxed)) {
            let node = plan.nodes[i];
            let id = function_id(node.info);
            if !functions.contains_key(&id) && plan.seen(node) != Some(Seen::Same) {
                left_out.insert(id, (node.info, plan.seen(node)));
            }
        }
        // The nodes of the functions left out derive their content in the next run, as they do
        // in this one's traces.
        let derive = |i: usize| {
            plan.derives(i)
                || (self.skipped[i].load(Ordering::Relaxed)
                    && left_out.contains_key(&function_id(plan.nodes[i].info)))
        };
        self.content.derive_for_lineage(plan, stored, derive);
        let traces: Vec<(Key, Key)> = (0..plan.len())
            .filter(|&i| stored(i))
            .filter_map(|i| Some((self.traced(plan, i)?, plan.nodes[i].key)))
            .collect();
        for (info, seen) in functions.into_values() {
            if seen != Some(Seen::Same) {
                cutoff::record_function(store, info);
            }
        }
        for (info, seen) in left_out.into_values() {
            if seen != Some(Seen::NotStored) {
                cutoff::record_not_stored(store, info);
            }
        }
        traces
            .par_iter()
            .for_each(|&(content, key)| cutoff::record_trace(store, content, key));
    }

    /// Node `i`'s content key, for a trace, when the content of its inputs is known: a node
    /// without node inputs has none (its key is its content key's equal).
    fn traced(&self, plan: &Plan<'_>, i: usize) -> Option<Key> {
        if plan.deps_of(i).is_empty() {
            return None;
        }
        self.content.key(plan, i, plan.nodes[i])
    }
}
