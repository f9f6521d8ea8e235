//! Unit tests of planning and execution on hand-built nodes.

use std::sync::Arc;

use super::report::Status;
use super::*;
use crate::graph::body::{Args, Body};
use crate::graph::builder::NodeBuilder;
use crate::graph::node::{CachePolicy, FnInfo};
use crate::value::BoxError;

static ADD: FnInfo = FnInfo::builtin("add", [1; 32], CachePolicy::Auto);

static FAIL: FnInfo = FnInfo::builtin("fail", [2; 32], CachePolicy::Auto);

fn add_thunk(args: &mut Args) -> Result<Value, BoxError> {
    let sum: u64 = (0..args.len()).map(|i| *args.get::<u64>(i)).sum();
    Ok(Arc::new(sum))
}

fn fail_thunk(_: &mut Args) -> Result<Value, BoxError> {
    Err("boom".into())
}

fn leaf(v: u64) -> Arc<Node> {
    let mut b = NodeBuilder::new(&ADD, [0; 32], 1);
    b.push_literal(
        Arc::new(v),
        crate::graph::content::literal_part(&v).unwrap(),
    );
    b.finish_node(Body::Sync(add_thunk), None)
}

fn add(inputs: &[&Arc<Node>]) -> Arc<Node> {
    let mut b = NodeBuilder::new(&ADD, [0; 32], inputs.len());
    for n in inputs {
        b.push_node(Arc::clone(n));
    }
    b.finish_node(Body::Sync(add_thunk), None)
}

fn pool() -> Workers {
    Workers::new(2, true).unwrap()
}

fn exec(roots: &[&Node], scheduler: Scheduler, timed: bool) -> Result<(Vec<Value>, Report), Error> {
    let pool = pool();
    let ctx = Context {
        scheduler,
        executor: &crate::exec::Executor::Local,
        remote_run: 0,
        workers: &pool,
        cache: None,
        reporting: timed,
        fail_fast: false,
        callbacks: &[],
        cancel: None,
        #[cfg(feature = "async")]
        tokio: AsyncContext {
            runtime: &AsyncRuntime::new(1),
            caller: None,
        },
    };
    let (values, report) = execute(roots, &ctx);
    values.map(|values| (values, report))
}

fn run(roots: &[&Arc<Node>], scheduler: Scheduler) -> Result<Vec<u64>, Error> {
    let roots: Vec<&Node> = roots.iter().map(|n| &***n).collect();
    let (values, _) = exec(&roots, scheduler, false)?;
    Ok(values
        .into_iter()
        .map(|v| *v.downcast::<u64>().unwrap())
        .collect())
}

#[test]
fn plan_deduplicates_by_key_and_counts_every_slot() {
    let a1 = leaf(1);
    let a2 = leaf(1); // another Arc, same key
    let b = add(&[&a1, &a2, &a1]);
    let plan = Plan::new(&[&b, &a2], &HashMap::default(), |_| Source::Compute);
    assert_eq!(plan.len(), 2);
    assert_eq!(plan.roots, vec![0, 1]);
    assert_eq!(plan.deps_of(0), &[1, 1, 1]);
    assert_eq!(plan.consumers_of(1), &[0, 0, 0]);
}

#[test]
fn diamond_runs_shared_input_once_in_both_schedulers() {
    let a = leaf(2);
    let l = add(&[&a]);
    let r = add(&[&a, &a]);
    let top = add(&[&l, &r]);
    for s in [Scheduler::Sequential, Scheduler::Parallel] {
        assert_eq!(run(&[&top, &a], s).unwrap(), vec![6, 2]);
    }
}

#[test]
fn failure_skips_dependents_and_keeps_independent_work() {
    let bad = NodeBuilder::new(&FAIL, [0; 32], 0).finish_node(Body::Sync(fail_thunk), None);
    let after = add(&[&bad]);
    let fine = leaf(5);
    let top = add(&[&after, &fine]);
    for s in [Scheduler::Sequential, Scheduler::Parallel] {
        let plan_roots: Vec<&Node> = vec![&*top];
        let err = exec(&plan_roots, s, true).unwrap_err();
        let failures = err.failures();
        assert_eq!(failures.len(), 1);
        assert_eq!(failures[0].name(), "fail");
        assert_eq!(failures[0].key(), bad.key);
        assert!(err.to_string().contains("boom"), "{err}");
    }
}

#[test]
fn report_lists_every_node_inputs_first() {
    let a = leaf(1);
    let b = add(&[&a]);
    let (_, report) = exec(&[&*b], Scheduler::Parallel, true).unwrap();
    let names: Vec<_> = report
        .nodes()
        .iter()
        .map(|n| (n.key(), n.status()))
        .collect();
    assert_eq!(
        names,
        vec![(a.key, Status::Computed), (b.key, Status::Computed)]
    );
}

#[test]
fn plan_stops_at_nodes_in_memory_or_in_the_store() {
    let a = leaf(1);
    let b = add(&[&a]);
    let c = add(&[&b]);
    let mut memo = HashMap::default();
    memo.insert(b.key, Arc::new(1u64) as Value);
    let plan = Plan::new(&[&c], &memo, |_| Source::Compute);
    assert_eq!(plan.len(), 2, "`a` is never visited");
    assert_eq!(plan.sources, vec![Source::Compute, Source::Memory]);
    let plan = Plan::new(&[&c], &HashMap::default(), |n| {
        if n.key == b.key {
            Source::Load
        } else {
            Source::Compute
        }
    });
    assert_eq!(plan.sources, vec![Source::Compute, Source::Load]);
    assert!(plan.deps_of(1).is_empty());
}

#[test]
fn a_listing_holds_what_a_binary_search_finds_however_its_values_are_spread() {
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let even: Vec<u64> = (0..5000).map(|_| next()).collect();
    // Clustered: most values in a sliver of the range, a few far out, and runs of neighbours.
    let uneven: Vec<u64> = (0..5000u64)
        .map(|i| match i % 10 {
            0 => next(),
            1..=5 => i,
            _ => u64::MAX - i * 3,
        })
        .collect();
    for mut listing in [even, uneven, vec![], vec![7], vec![0, u64::MAX]] {
        listing.sort_unstable();
        let probes = listing
            .iter()
            .flat_map(|&v| [v, v.wrapping_add(1), v.wrapping_sub(1)])
            .chain([0, 1, u64::MAX, u64::MAX - 1])
            .chain((0..2000).map(|_| next()));
        for x in probes {
            assert_eq!(
                plan::holds(&listing, x),
                listing.binary_search(&x).is_ok(),
                "{x} in a listing of {}",
                listing.len()
            );
        }
    }
}
