//! Property: on random DAGs, worker processes return what evaluating the graph by hand gives.
//! The DAGs come from a fixed seed, so every process of the run (the driver and the workers it
//! starts for each case) builds the same ones.

use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::TestRunner;

use crate::common::processes::{on_processes, shared_dir};
use crate::common::test_name;
use crate::parallel_equals_sequential::{build, by_hand, dag};

#[test]
fn worker_processes_equal_sequential() {
    let Some(dir) = shared_dir(&test_name!(worker_processes_equal_sequential)) else {
        return;
    };
    let rt = on_processes(&dir, 2);
    let mut runner = TestRunner::deterministic();
    for case in 0..6 {
        let dag = dag().new_tree(&mut runner).unwrap().current();
        let nodes = build(&dag);
        let values = rt.compute_many(&nodes).unwrap();
        assert_eq!(values, by_hand(&dag), "case {case}: {dag:?}");
    }
}
