//! Callbacks: `on_start` first, `before_task` and `after_task` around every task that loads or
//! computes (a skipped task gets `after_task` alone), a task's `after_task` before its readers'
//! `before_task`, and `on_finish` last with the report, also when a task fails.

use std::sync::{Arc, Mutex};

use graphchain::{
    Callback, Key, MemoryStore, Report, RunInfo, Runtime, Scheduler, Status, TaskAction, TaskInfo,
    TaskOutcome, delayed,
};

#[derive(Debug, Clone, PartialEq)]
enum Event {
    Start {
        attempt: u32,
        to_compute: usize,
        to_load: usize,
    },
    Before(Key, TaskAction, Option<usize>),
    After(Key, Status),
    Finish(usize),
}

#[derive(Default)]
struct Recorder(Mutex<Vec<Event>>);

impl Recorder {
    fn take(&self) -> Vec<Event> {
        std::mem::take(&mut self.0.lock().unwrap())
    }
    fn push(&self, event: Event) {
        self.0.lock().unwrap().push(event);
    }
}

impl Callback for Recorder {
    fn on_start(&self, run: &RunInfo) {
        assert_eq!(run.tasks(), run.to_compute() + run.to_load());
        self.push(Event::Start {
            attempt: run.attempt(),
            to_compute: run.to_compute(),
            to_load: run.to_load(),
        });
    }
    fn before_task(&self, task: &TaskInfo) {
        self.push(Event::Before(task.key(), task.action(), task.worker()));
    }
    fn after_task(&self, task: &TaskInfo, outcome: &TaskOutcome) {
        self.push(Event::After(task.key(), outcome.status()));
    }
    fn on_finish(&self, report: &Report) {
        self.push(Event::Finish(report.nodes().len()));
    }
}

#[delayed(cache = "always")]
fn base(n: u64) -> u64 {
    n
}

#[delayed(cache = "never")]
fn double(x: u64) -> u64 {
    2 * x
}

#[delayed(cache = "never")]
fn add(a: u64, b: u64) -> u64 {
    a + b
}

#[delayed(cache = "never")]
fn fail(x: u64) -> Result<u64, String> {
    Err(format!("no {x}"))
}

fn position(events: &[Event], wanted: impl Fn(&Event) -> bool) -> usize {
    let found: Vec<usize> = (0..events.len()).filter(|&i| wanted(&events[i])).collect();
    assert_eq!(found.len(), 1, "exactly one such event in {events:?}");
    found[0]
}

#[test]
fn every_task_is_seen_once_in_order() {
    for scheduler in [Scheduler::Parallel, Scheduler::Sequential] {
        let recorder = Arc::new(Recorder::default());
        let rt = Runtime::builder()
            .store(Arc::new(MemoryStore::new()))
            .scheduler(scheduler)
            .threads(2)
            .callback(recorder.clone())
            .build()
            .unwrap();
        let (b, d) = (base(3), double(base(3)));
        let top = add(&d, double(&d));
        assert_eq!(rt.compute(&b).unwrap(), 3, "stores `base(3)`");
        recorder.take();

        // Now `base(3)` loads; the three other tasks compute, in dependency order.
        assert_eq!(rt.compute(&top).unwrap(), 18);
        let events = recorder.take();
        assert_eq!(events.len(), 1 + 4 * 2 + 1, "{events:?}");
        assert_eq!(
            events[0],
            Event::Start {
                attempt: 0,
                to_compute: 3,
                to_load: 1
            }
        );
        assert_eq!(events[events.len() - 1], Event::Finish(4));
        let graph = top.graph();
        for node in graph.nodes() {
            let before = position(
                &events,
                |e| matches!(e, Event::Before(k, ..) if *k == node.key),
            );
            let after = position(
                &events,
                |e| matches!(e, Event::After(k, _) if *k == node.key),
            );
            assert!(before < after, "{events:?}");
            let (Event::Before(_, action, worker), Event::After(_, status)) =
                (&events[before], &events[after])
            else {
                unreachable!()
            };
            let expected = if node.key == b.key() {
                (TaskAction::Load, Status::Loaded)
            } else {
                (TaskAction::Compute, Status::Computed)
            };
            assert_eq!((*action, *status), expected, "{}", node.name);
            assert_eq!(worker.is_some(), scheduler == Scheduler::Parallel);
            for dep in node.dependencies() {
                let dep_after = position(&events, |e| matches!(e, Event::After(k, _) if *k == dep));
                assert!(dep_after < before, "an input ends before its reader starts");
            }
        }
    }
}

#[test]
fn failures_and_skips_are_seen_and_the_run_still_finishes() {
    let recorder = Arc::new(Recorder::default());
    let rt = Runtime::builder()
        .cache(false)
        .threads(2)
        .callback(recorder.clone())
        .build()
        .unwrap();
    let bad = fail(1);
    let after = double(&bad);
    let fine = double(5);
    let top = add(&after, &fine);
    assert!(rt.compute(&top).is_err());
    let events = recorder.take();
    assert!(events.contains(&Event::After(bad.key(), Status::Failed)));
    assert!(events.contains(&Event::After(after.key(), Status::Skipped)));
    assert!(events.contains(&Event::After(top.key(), Status::Skipped)));
    assert!(events.contains(&Event::After(fine.key(), Status::Computed)));
    for skipped in [after.key(), top.key()] {
        assert!(
            !events
                .iter()
                .any(|e| matches!(e, Event::Before(k, ..) if *k == skipped)),
            "a skipped task never starts"
        );
    }
    assert_eq!(events.last(), Some(&Event::Finish(4)));
}

#[test]
fn callbacks_run_in_the_order_they_were_added() {
    let first = Arc::new(Recorder::default());
    let second = Arc::new(Recorder::default());
    let order = Arc::new(Mutex::new(Vec::new()));
    struct Named(&'static str, Arc<Mutex<Vec<&'static str>>>);
    impl Callback for Named {
        fn on_finish(&self, _: &Report) {
            self.1.lock().unwrap().push(self.0);
        }
    }
    let rt = Runtime::builder()
        .cache(false)
        .callback(Arc::new(Named("a", order.clone())))
        .callback(first.clone())
        .callback(Arc::new(Named("b", order.clone())))
        .callback(second.clone())
        .build()
        .unwrap();
    rt.compute(&double(1)).unwrap();
    assert_eq!(*order.lock().unwrap(), ["a", "b"]);
    assert_eq!(first.take(), second.take());
}

#[test]
fn an_unusable_entry_ends_its_task_as_discarded_and_starts_another_attempt() {
    use graphchain::Store;
    let store = Arc::new(MemoryStore::new());
    let recorder = Arc::new(Recorder::default());
    let rt = Runtime::builder()
        .store(store.clone())
        .callback(recorder.clone())
        .build()
        .unwrap();
    let top = double(base(7));
    store.put(base(7).key(), b"not an entry").unwrap();
    assert_eq!(rt.compute(&top).unwrap(), 14);
    let events = recorder.take();
    let b = base(7).key();
    assert_eq!(
        events,
        [
            Event::Start {
                attempt: 0,
                to_compute: 1,
                to_load: 1
            },
            Event::Before(b, TaskAction::Load, events_worker(&events, 1)),
            Event::After(b, Status::Discarded),
            Event::After(top.key(), Status::Skipped),
            Event::Start {
                attempt: 1,
                to_compute: 2,
                to_load: 0
            },
            Event::Before(b, TaskAction::Compute, events_worker(&events, 5)),
            Event::After(b, Status::Computed),
            Event::Before(top.key(), TaskAction::Compute, events_worker(&events, 7)),
            Event::After(top.key(), Status::Computed),
            Event::Finish(3),
        ]
    );
}

/// The worker of the `before_task` event at `i`, whichever thread ran it.
fn events_worker(events: &[Event], i: usize) -> Option<usize> {
    match events.get(i) {
        Some(Event::Before(_, _, worker)) => *worker,
        _ => None,
    }
}
