//! Why a node runs: what the plan, the cache's records and the inputs computed so far say. A run
//! asks as each node starts; a dry run asks of the plan alone.

use std::collections::HashMap;

use super::Context;
use super::cutoff::Seen;
use super::plan::Plan;
use super::report::Reason;
use crate::graph::node::{CachePolicy, Edge, Node};
use crate::key::Key;

/// Why a node that ran for `reason` ran, once cache-if-faster left its result out of the store:
/// whatever its inputs were, no result of it was there to load.
pub(super) fn left_out(reason: Reason) -> Reason {
    match reason {
        Reason::InputChanged { .. } | Reason::InputNotStored { .. } | Reason::NoEntry => {
            Reason::NotStored
        }
        other => other,
    }
}

/// Why node `i` of `plan` runs, from what the plan and the cache's records say; `computed`
/// tells whether an input (by plan index) is, or was, computed in this run, and `not_stored`
/// whether cache-if-faster left it out of the store in this run with nothing recorded to
/// compare its value with. Asked before any lookup through the content of its inputs.
pub(super) fn why(
    plan: &Plan<'_>,
    ctx: &Context<'_>,
    bad: &HashMap<Key, String>,
    i: usize,
    node: &Node,
    computed: impl Fn(usize) -> bool,
    not_stored: impl Fn(usize) -> bool,
) -> Reason {
    if !node.info.pure {
        return Reason::Impure;
    }
    let Some(cache) = &ctx.cache else {
        return Reason::NotCached;
    };
    if node.storable.is_none() || node.info.cache == CachePolicy::Never {
        return Reason::NotCached;
    }
    if !cache.eligible(node) {
        return Reason::SkippedByRequest;
    }
    if let Some(why) = bad.get(&node.key) {
        return Reason::EntryUnusable(why.clone());
    }
    match plan.seen(node) {
        None | Some(Seen::New) => Reason::NewFunction,
        Some(Seen::CodeChanged) => Reason::CodeChanged,
        Some(Seen::HelperChanged) => Reason::HelperChanged,
        Some(Seen::NotStored) => Reason::NotStored,
        Some(Seen::Same) => {
            let slots = node
                .edges
                .iter()
                .enumerate()
                .filter(|(_, edge)| matches!(edge, Edge::Node(_)))
                .map(|(slot, _)| slot);
            slots
                .zip(plan.deps_of(i))
                .find(|&(_, &j)| computed(j as usize))
                .map_or(Reason::NoEntry, |(slot, &j)| {
                    let j = j as usize;
                    let input = plan.nodes[j].info.name;
                    if not_stored(j) {
                        Reason::InputNotStored { input, slot }
                    } else {
                        Reason::InputChanged { input, slot }
                    }
                })
        }
    }
}
