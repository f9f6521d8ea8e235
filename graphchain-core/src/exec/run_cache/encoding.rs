//! What a result costs to know before it is stored: its content hash for the steps found through
//! it (taken from the value when its codec can, without encoding it), and the size its encoding
//! will have, predicted from the function's last result, so that cache-if-faster can leave a
//! large result it would not store unencoded.

use super::RunCache;
use crate::exec::plan::Plan;
use crate::graph::node::Node;
use crate::store::entry;
use crate::store::speed::Predicted;
use crate::value::Value;

impl RunCache<'_> {
    /// Records the content hash of node `i`'s new value when a consumer needs it: the one its
    /// codec gives, or the hash of its encoding, returned with the encoding for the store to
    /// reuse; for a node that derives its content (or whose value does not encode), the content
    /// derived from its inputs.
    pub(super) fn hash_for_consumers(
        &self,
        plan: &Plan<'_>,
        i: usize,
        node: &Node,
        value: &Value,
    ) -> Option<(Vec<u8>, Option<[u8; 32]>)> {
        if !plan.content_wanted(i) {
            return None;
        }
        // A codec that hashes the value itself spares an encoding the store may not want, and
        // names the value alike whether its function's results are stored or not.
        if let Some(hash) = node
            .storable
            .filter(|_| !plan.passes_through(i))
            .and_then(|s| (s.value_hash)(value))
        {
            self.content.set(i, hash);
            return None;
        }
        let mut payload = Vec::new();
        let encoded = node
            .storable
            .filter(|s| !plan.derives(i) && (s.encode)(value, &mut payload).is_ok());
        let Some(storable) = encoded else {
            // Pure, its value is named by what computes it.
            if let Some(hash) = self
                .content
                .derived(plan, i, node)
                .filter(|_| node.info.pure)
            {
                self.content.set_derived(plan, i, hash);
            }
            return None;
        };
        let (hash, checksum) = match (storable.content_hash)(value, &payload) {
            Some(own) => (own, None),
            None => {
                let checksum = entry::payload_hash(&payload);
                (checksum, Some(checksum))
            }
        };
        self.content.set(i, hash);
        Some((payload, checksum))
    }

    /// The encoding node `i`'s `value` is predicted to have (its size and the time it takes),
    /// from its size in memory, `in_memory`, and how the function's last result encoded (or the
    /// last result of its type and codec); `None` when it cannot be predicted, or when the
    /// value's readers need its content and only an encoding would give it. Otherwise the
    /// content is recorded now ([`know_unencoded`]).
    ///
    /// [`know_unencoded`]: RunCache::know_unencoded
    pub(super) fn predicted(
        &self,
        plan: &Plan<'_>,
        i: usize,
        node: &Node,
        value: &Value,
        in_memory: u64,
    ) -> Option<Predicted> {
        let kind = node.storable?.kind();
        let predicted = self
            .ctx
            .speed
            .predict(&node.info.identity, kind, in_memory)?;
        self.know_unencoded(plan, i, node, value)
            .then_some(predicted)
    }

    /// Records the content of node `i`'s `value`, which is not encoded (yet, or at all), when
    /// its readers may need it and its codec takes it from the value: a result left out of the
    /// cache is then known to its readers' traces by what it is, as a stored one is by its
    /// entry, and a later run that recomputes it finds its readers again. False when the
    /// content is still unknown and only an encoding would give it.
    pub(super) fn know_unencoded(
        &self,
        plan: &Plan<'_>,
        i: usize,
        node: &Node,
        value: &Value,
    ) -> bool {
        if !self.content.has_readers(i) || self.content.get(i).is_some() || plan.passes_through(i) {
            return true;
        }
        match node.storable.and_then(|s| (s.value_hash)(value)) {
            Some(hash) => {
                self.content.set(i, hash);
                true
            }
            // Derived from its inputs' content once the attempt ends (`lineage`).
            None => plan.derives(i),
        }
    }
}
