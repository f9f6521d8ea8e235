//! Unit tests of the profile table, the trace-event JSON and its string escaping.

use std::time::Duration;

use super::*;
use crate::key::Key;

fn node(name: &'static str, status: Status, micros: u64, bytes: u64, stored: bool) -> NodeReport {
    NodeReport {
        status,
        duration: Duration::from_micros(micros),
        bytes,
        stored,
        start: Duration::from_micros(10),
        end: Duration::from_micros(10 + micros),
        worker: Some(micros as usize % 2),
        ran_on: None,
        ..NodeReport::named(name, Key::from_bytes([name.len() as u8; 32]))
    }
}

fn report(nodes: Vec<NodeReport>) -> Report {
    Report {
        nodes,
        ..Report::default()
    }
}

#[test]
fn profile_sums_by_function_most_expensive_first() {
    let run = report(vec![
        node("load", Status::Loaded, 5, 100, false),
        node("step", Status::Computed, 30, 40, true),
        node("step", Status::Computed, 10, 0, false),
        node("step", Status::Failed, 2, 0, false),
        node("step", Status::Skipped, 0, 0, false),
    ]);
    let profile = run.profile();
    let names: Vec<_> = profile.functions().iter().map(|f| f.name()).collect();
    assert_eq!(names, ["step", "load"]);
    let step = profile.function("step").unwrap();
    assert_eq!(
        (step.calls(), step.computed(), step.loaded(), step.failed()),
        (4, 2, 0, 1)
    );
    assert_eq!(step.total(), Duration::from_micros(42));
    assert_eq!(step.mean(), Duration::from_nanos(10_500));
    assert_eq!((step.bytes_read(), step.bytes_written()), (0, 40));
    let load = profile.function("load").unwrap();
    assert_eq!(
        (load.loaded(), load.bytes_read(), load.bytes_written()),
        (1, 100, 0)
    );

    let table = profile.to_string();
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 3, "{table}");
    assert!(lines[0].starts_with("FUNCTION"), "{table}");
    assert!(lines[1].starts_with("step "), "{table}");
    assert!(
        lines[1].contains("42.000µs") && lines[1].contains("40 B"),
        "{table}"
    );
}

#[test]
fn profiles_of_several_runs_add_up() {
    let one = report(vec![node("step", Status::Computed, 3, 0, false)]);
    let profile = Profile::new([&one, &one]);
    assert_eq!(profile.function("step").unwrap().calls(), 2);
    assert!(Profile::new([]).functions().is_empty());
}

#[test]
fn trace_has_a_track_per_thread_and_a_slice_per_node() {
    let run = report(vec![
        node("a\"b", Status::Computed, 3, 0, false),
        node("c", Status::Loaded, 4, 8, false),
        NodeReport {
            worker: None,
            ran_on: None,
            reason: None,
            ..node("d", Status::Computed, 5, 0, false)
        },
    ]);
    let trace = chrome_trace(&run);
    assert!(trace.starts_with("{\"traceEvents\":[\n"), "{trace}");
    assert!(
        trace.trim_end().ends_with("],\"displayTimeUnit\":\"ms\"}"),
        "{trace}"
    );
    for track in [
        "\"tid\":0,\"args\":{\"name\":\"calling thread\"}",
        "\"tid\":1,\"args\":{\"name\":\"worker 0\"}",
        "\"tid\":2,\"args\":{\"name\":\"worker 1\"}",
    ] {
        assert!(trace.contains(track), "{track} in {trace}");
    }
    assert_eq!(trace.matches("\"ph\":\"X\"").count(), 3);
    assert!(trace.contains("{\"name\":\"a\\\"b\",\"cat\":\"computed\",\"ph\":\"X\",\"ts\":10.000,\"dur\":3.000,\"pid\":1,\"tid\":2,"), "{trace}");
    assert!(
        trace.contains("\"status\":\"loaded\",\"time_us\":4.000,\"bytes\":8,\"stored\":false"),
        "{trace}"
    );
}

#[test]
fn json_strings_escape_quotes_backslashes_and_controls() {
    assert_eq!(json_string("plain"), "\"plain\"");
    assert_eq!(json_string("a\"b\\c"), "\"a\\\"b\\\\c\"");
    assert_eq!(json_string("x\ny\u{1}"), "\"x\\ny\\u0001\"");
    assert_eq!(json_string("µs ✓"), "\"µs ✓\"");
}
