//! Async tasks appear in reports and callbacks like CPU tasks: computed, with the time their
//! future took, and with no worker thread (they run on the async runtime).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use graphchain::{Callback, Runtime, Scheduler, Status, TaskInfo, TaskOutcome, delayed};

#[delayed]
async fn wait(ms: u64) -> u64 {
    tokio::time::sleep(Duration::from_millis(ms)).await;
    ms
}

#[delayed]
fn double(x: u64) -> u64 {
    2 * x
}

/// Every `before_task` and `after_task`, in order: the task's name, its worker, and `after`.
#[derive(Default)]
struct Log(Mutex<Vec<(&'static str, Option<usize>, bool)>>);

impl Callback for Log {
    fn before_task(&self, task: &TaskInfo) {
        self.0
            .lock()
            .unwrap()
            .push((task.name(), task.worker(), false));
    }
    fn after_task(&self, task: &TaskInfo, outcome: &TaskOutcome) {
        assert_eq!(outcome.status(), Status::Computed);
        self.0
            .lock()
            .unwrap()
            .push((task.name(), task.worker(), true));
    }
}

#[test]
fn reports_and_callbacks_see_async_tasks() {
    for scheduler in [Scheduler::Parallel, Scheduler::Sequential] {
        let log = Arc::new(Log::default());
        let rt = Runtime::builder()
            .scheduler(scheduler)
            .threads(2)
            .cache(false)
            .callback(log.clone())
            .build()
            .unwrap();
        let (value, report) = rt.compute_with_report(&double(wait(20))).unwrap();
        assert_eq!(value, 40);

        let waited = report.by_name("wait").next().unwrap();
        assert_eq!(waited.status(), Status::Computed);
        assert!(
            waited.duration() >= Duration::from_millis(20),
            "{scheduler:?}"
        );
        assert_eq!(waited.worker(), None);
        let doubled = report.by_name("double").next().unwrap();
        assert!(doubled.start() >= waited.end(), "{scheduler:?}");

        let log = log.0.lock().unwrap();
        let order: Vec<_> = log.iter().map(|&(name, _, after)| (name, after)).collect();
        assert_eq!(
            order,
            [
                ("wait", false),
                ("wait", true),
                ("double", false),
                ("double", true)
            ]
        );
        assert!(log.iter().filter(|e| e.0 == "wait").all(|e| e.1.is_none()));
    }
}
