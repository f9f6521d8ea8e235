//! On a store where reading an entry costs what asking about it does (`Store::reads_unasked`,
//! as for a local store), the planner does not ask about nodes without node inputs: their load
//! finds out. Those found load; those missing compute in the same attempt, and the callbacks
//! hear of each as what it turned out to do.

use std::sync::{Arc, Mutex};

use graphchain::{Callback, Delayed, Key, RunInfo, Runtime, Status, TaskAction, TaskInfo, delayed};

use crate::common::asked::Asked;

#[delayed(cache = "always")]
fn item(i: u64) -> u64 {
    i * 3
}

#[delayed(cache = "never")]
fn sum(items: &[u64]) -> u64 {
    items.iter().sum()
}

/// The attempts a run made and the action each task was announced with.
#[derive(Default)]
struct Seen {
    attempts: Mutex<Vec<(usize, usize)>>,
    actions: Mutex<Vec<(Key, TaskAction)>>,
}

impl Callback for Seen {
    fn on_start(&self, run: &RunInfo) {
        let planned = (run.to_compute(), run.to_load());
        self.attempts.lock().unwrap().push(planned);
    }
    fn before_task(&self, task: &TaskInfo) {
        self.actions
            .lock()
            .unwrap()
            .push((task.key(), task.action()));
    }
}

fn items(range: std::ops::Range<u64>) -> Vec<Delayed<u64>> {
    range.map(item).collect()
}

fn runtime(store: &Arc<Asked>, seen: &Arc<Seen>) -> Runtime {
    Runtime::builder()
        .store(store.clone())
        .callback(seen.clone())
        .threads(2)
        .build()
        .unwrap()
}

#[test]
fn stored_leaves_load_and_missing_ones_compute_unasked() {
    let store = Arc::new(Asked::read_unasked());
    let seen = Arc::new(Seen::default());
    let rt = runtime(&store, &seen);
    rt.compute_many(&items(0..8)).unwrap();

    // Eight stored, four new, read by a sum that is never stored.
    std::mem::take(&mut *seen.actions.lock().unwrap());
    seen.attempts.lock().unwrap().clear();
    store.take_asked();
    let leaves = items(0..12);
    let (total, report) = rt.compute_with_report(&sum(leaves.clone())).unwrap();
    assert_eq!(total, (0..12).map(|i| i * 3).sum::<u64>());
    // Only the lease taken on a result about to be computed asks whether another process
    // stored it meanwhile.
    let asked = store.take_asked();
    assert!(
        leaves[..8].iter().all(|leaf| !asked.contains(&leaf.key())),
        "no stored leaf was asked about"
    );
    assert_eq!(
        *seen.attempts.lock().unwrap(),
        [(2, 12)],
        "one attempt: the sum and its `collect` to compute, the leaves left to their loads"
    );
    let actions: Vec<(Key, TaskAction)> = seen.actions.lock().unwrap().clone();
    assert!(report.discarded().is_empty());
    for (i, leaf) in leaves.iter().enumerate() {
        let (status, action) = if i < 8 {
            (Status::Loaded, TaskAction::Load)
        } else {
            (Status::Computed, TaskAction::Compute)
        };
        let node = report.nodes().iter().find(|n| n.key() == leaf.key());
        let node = node.expect("every leaf is in the report");
        assert_eq!(node.status(), status, "item({i})");
        assert_eq!(node.stored(), i >= 8, "item({i})");
        assert!(
            actions.contains(&(leaf.key(), action)),
            "item({i}): {action:?}"
        );
    }
}

#[test]
fn leaves_are_asked_about_on_other_stores() {
    let store = Arc::new(Asked::default());
    let seen = Arc::new(Seen::default());
    let rt = runtime(&store, &seen);
    rt.compute_many(&items(0..4)).unwrap();
    store.take_asked();
    seen.attempts.lock().unwrap().clear();
    let leaves = items(0..6);
    rt.compute(&sum(leaves.clone())).unwrap();
    let asked = store.take_asked();
    assert!(leaves.iter().all(|leaf| asked.contains(&leaf.key())));
    assert_eq!(*seen.attempts.lock().unwrap(), [(4, 4)]);
}
