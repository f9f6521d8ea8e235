//! The bookkeeping entries early cutoff writes (a trace per stored result with inputs, a
//! record per function) are counted by `stats` and pruned with the results they describe.

use std::time::{Duration, SystemTime};

use graphchain::Cache;

use crate::common::cached;
use crate::common::sums::{leaf, total};

#[test]
fn a_pruned_result_takes_its_trace_and_function_record_along() {
    let dir = tempfile::tempdir().unwrap();
    let rt = cached(dir.path());
    assert_eq!(rt.compute(&total(leaf(10))).unwrap(), 45);
    let cache = Cache::open(dir.path());
    let stats = cache.stats().unwrap();
    assert_eq!(stats.entries, 2);
    // A trace for `total` (it has an input), and a record for each function.
    assert_eq!(stats.bookkeeping, 3, "{stats:?}");
    assert!(stats.bookkeeping_bytes > 0);

    // `total` last used long ago: pruned, with its trace and its function's record.
    let path = crate::common::entry_path(dir.path(), total(leaf(10)).key());
    let file = std::fs::File::options().append(true).open(&path).unwrap();
    file.set_modified(SystemTime::now() - Duration::from_secs(7200))
        .unwrap();
    let plan = cache
        .plan_prune(None, Some(Duration::from_secs(3600)))
        .unwrap();
    assert_eq!(plan.remove.len(), 1);
    assert_eq!(plan.bookkeeping.len(), 2, "{:#?}", plan.bookkeeping);
    let report = cache.prune(&plan).unwrap();
    assert_eq!((report.removed, report.bookkeeping_removed), (1, 2));
    let stats = cache.stats().unwrap();
    assert_eq!((stats.entries, stats.bookkeeping), (1, 1), "{stats:?}");

    // The rest goes with the last result.
    let report = cache.prune_to_size(0).unwrap();
    assert_eq!((report.removed, report.bookkeeping_removed), (1, 1));
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}
