//! The cache's size budget: read from `GRAPHCHAIN_CACHE_MAX_SIZE` or the builder, and kept after
//! each run that wrote to the cache by pruning least-recently-used entries.

use std::time::{Instant, SystemTime};

use crate::error::Error;
use crate::store::housekeeping::Cache;
use crate::store::units::parse_size;
use crate::store::{Store, USE_GRANULARITY};

/// The environment variable that sets the cache's size budget (`500MB`, `2GiB`; see
/// [`parse_size`](crate::parse_size) for the units), unless
/// [`RuntimeBuilder::cache_max_size`](crate::RuntimeBuilder::cache_max_size) sets it.
///
/// After each run that wrote to the cache, a runtime with a budget prunes least-recently-used
/// entries (and the shared payloads only they point to) until the results and payloads fit;
/// what the run used or wrote goes last. An empty variable is no budget; a malformed one makes
/// [`RuntimeBuilder::build`](crate::RuntimeBuilder::build) fail with an error naming it.
pub const CACHE_MAX_SIZE_ENV: &str = "GRAPHCHAIN_CACHE_MAX_SIZE";

/// The budget `GRAPHCHAIN_CACHE_MAX_SIZE` sets, if any.
pub(super) fn from_env() -> Result<Option<u64>, Error> {
    let Some(value) = std::env::var_os(CACHE_MAX_SIZE_ENV).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    let text = value
        .to_str()
        .ok_or_else(|| Error::Config(format!("`{CACHE_MAX_SIZE_ENV}` is not valid UTF-8")))?;
    parse_size(text).map(Some).map_err(|why| {
        Error::Config(format!(
            "`{CACHE_MAX_SIZE_ENV}={text}` is not a size ({why}); write it as `500MB` or `2GiB`"
        ))
    })
}

/// Prunes `store` down to `max_bytes` after a run that started at `started`: entries used since
/// then are kept before any other. Failures are logged; the run's values are not affected.
pub(super) fn keep_within(store: &std::sync::Arc<dyn Store>, max_bytes: u64, started: SystemTime) {
    let clock = Instant::now();
    // A load leaves a use recorded less than `USE_GRANULARITY` ago as it is: so recent an entry
    // may have been used by this run.
    let started = started.checked_sub(USE_GRANULARITY).unwrap_or(started);
    let cache = Cache::with_store(store.clone());
    let pruned = cache
        .plan_keeping_recent(Some(max_bytes), None, Some(started))
        .and_then(|plan| {
            let recent = plan
                .remove
                .iter()
                .filter(|e| e.last_used >= started)
                .count();
            Ok((cache.prune(&plan)?, recent))
        });
    match pruned {
        Ok((report, _)) if report.removed == 0 && report.payloads_removed == 0 => {}
        Ok((report, recent)) => {
            tracing::info!(
                target: "graphchain",
                location = %store.location(),
                removed = report.removed,
                payloads = report.payloads_removed,
                bytes = report.bytes,
                time = ?clock.elapsed(),
                "pruned the cache to its size budget of {max_bytes} bytes"
            );
            if recent > 0 {
                tracing::warn!(
                    target: "graphchain",
                    location = %store.location(),
                    "the cache's size budget ({max_bytes} bytes) is smaller than what this run \
                     uses: {recent} of its results were pruned"
                );
            }
        }
        Err(e) => tracing::warn!(
            target: "graphchain",
            "cannot prune the cache to its size budget: {e}"
        ),
    }
}
