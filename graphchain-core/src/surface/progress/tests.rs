//! Unit tests of when the bar is on, and of what it says.

use super::*;
use crate::exec::callback::TaskAction;
use crate::key::Key;

#[test]
fn the_environment_forces_the_bar_and_a_terminal_allows_it() {
    assert_eq!(mode(Some(false), true), Mode::Off);
    assert_eq!(mode(Some(true), false), Mode::Forced);
    assert_eq!(mode(Some(true), true), Mode::Forced);
    assert_eq!(mode(None, true), Mode::Auto);
    assert_eq!(mode(None, false), Mode::Off);
}

fn task(name: &'static str, worker: Option<usize>) -> TaskInfo {
    TaskInfo {
        name,
        label: None,
        key: Key::from_bytes([1; 32]),
        action: TaskAction::Compute,
        worker,
    }
}

fn outcome(status: Status) -> TaskOutcome {
    TaskOutcome {
        status,
        duration: Duration::ZERO,
        bytes: 0,
    }
}

fn progress() -> Progress {
    Progress::new(Mode::Off, 3)
}

#[test]
fn the_message_counts_tasks_and_names_what_runs() {
    let p = progress();
    let shared = &p.shared;
    assert_eq!(shared.message(), "0 computed, 0 loaded");
    p.before_task(&task("sort", Some(0)));
    p.before_task(&task("sort", Some(2)));
    p.before_task(&task("load", None));
    assert_eq!(
        shared.message(),
        "0 computed, 0 loaded · running load, sort ×2"
    );
    p.after_task(&task("sort", Some(0)), &outcome(Status::Computed));
    p.after_task(&task("load", None), &outcome(Status::Loaded));
    p.after_task(&task("sort", Some(2)), &outcome(Status::Failed));
    p.after_task(&task("next", Some(1)), &outcome(Status::Skipped));
    assert_eq!(shared.message(), "1 computed, 1 loaded, 1 failed");
    assert_eq!(shared.done(), 4);
}

#[test]
fn labelled_tasks_are_named_with_their_labels() {
    let p = progress();
    for (worker, label) in [(0, "trips_01.csv"), (1, "trips_02.csv")] {
        p.before_task(&TaskInfo {
            label: Some(label.into()),
            ..task("read_trips", Some(worker))
        });
    }
    assert_eq!(
        p.shared.message(),
        "0 computed, 0 loaded · running read_trips [trips_01.csv], read_trips [trips_02.csv]"
    );
}

#[test]
fn plain_lines_drop_carriage_returns_and_padding() {
    assert_eq!(
        plain_line("\r[=> ] 1/2 step      ").as_deref(),
        Some("[=> ] 1/2 step")
    );
    assert_eq!(plain_line("\r    "), None);
}

#[test]
fn plain_lines_come_at_most_once_a_second_and_the_last_one_is_kept() {
    let mut state = LinesState::default();
    let start = Instant::now();
    let mut draw = |text: &str, after_ms: u64| {
        state.drawing.push_str(text);
        let line = state.drawn(start + Duration::from_millis(after_ms));
        (line, state.pending.clone())
    };
    assert_eq!(draw("\r0/3  ", 0), (Some("0/3".into()), None));
    assert_eq!(draw("\r1/3  ", 300), (None, Some("1/3".into())));
    assert_eq!(draw("\r2/3  ", 600), (None, Some("2/3".into())));
    assert_eq!(
        draw("\r   ", 700),
        (None, Some("2/3".into())),
        "a blank draw changes nothing"
    );
    assert_eq!(draw("\r3/3  ", 1_000), (Some("3/3".into()), None));
    assert_eq!(
        draw("\r3/3  ", 1_100),
        (None, None),
        "never the same line twice"
    );
    assert_eq!(draw("\r3/3  ", 2_500), (None, None));
}

#[test]
fn dropping_a_bar_stops_its_thread() {
    let p = Progress::new(Mode::Auto, 1); // stopped within the delay: draws nothing
    p.on_start(&RunInfo {
        attempt: 0,
        to_compute: 1,
        to_load: 0,
        threads: 1,
        scheduler: crate::exec::Scheduler::Sequential,
    });
    let shared = Arc::clone(&p.shared);
    assert!(lock(&p.drawer).is_some(), "a drawing thread");
    drop(p); // no `on_finish`, as when a callback panics
    assert!(*lock(&shared.finished));
    assert_eq!(Arc::strong_count(&shared), 1, "the thread has ended");
}
