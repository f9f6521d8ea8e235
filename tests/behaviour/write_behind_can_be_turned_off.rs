//! By default a large result is stored behind the run: the writer thread encodes it while the
//! worker goes on with the next task. With `write_behind(false)` or
//! `GRAPHCHAIN_WRITE_BEHIND=0`, the worker that computed it stores it before its next task, so
//! that no value is held for the writer; a setting that is not a yes or a no is an error that
//! names the variable. The environment cases run in child processes with their own environment.

use std::sync::Mutex;
use std::time::Duration;

use graphchain::executor::WRITE_BEHIND_ENV;
use graphchain::{BoxError, Codec, Error, Runtime, delayed};

use crate::common;

/// What happened, in order: task bodies starting, encodings ending.
static EVENTS: Mutex<Vec<String>> = Mutex::new(Vec::new());

fn event(what: String) {
    EVENTS.lock().unwrap().push(what);
}

/// Bytes stored as they are, slowly, recording each encoding when it ends.
struct Recorded;

impl Codec<Vec<u8>> for Recorded {
    const NAME: &'static str = "recorded-bytes";

    fn encode(value: &Vec<u8>, out: &mut Vec<u8>) -> Result<(), BoxError> {
        std::thread::sleep(Duration::from_millis(200));
        out.extend_from_slice(value);
        let thread = std::thread::current()
            .name()
            .unwrap_or("unnamed")
            .to_owned();
        event(format!("encoded {} on {thread}", value[0]));
        Ok(())
    }

    fn decode(bytes: &[u8]) -> Result<Vec<u8>, BoxError> {
        Ok(bytes.to_vec())
    }

    fn size_hint(value: &Vec<u8>) -> Option<u64> {
        Some(value.len() as u64)
    }
}

/// Two megabytes: a large result, slow enough to be worth storing on any disk. (Results that
/// are always stored are leased, and so stored by their worker in any case.)
#[delayed(codec = Recorded)]
fn big(seed: u8) -> Vec<u8> {
    event(format!("big {seed}"));
    std::thread::sleep(Duration::from_millis(400));
    vec![seed; 2 << 20]
}

#[delayed(cache = "never")]
fn firsts(a: &[u8], b: &[u8]) -> u32 {
    event("firsts".to_owned());
    u32::from(a[0]) + u32::from(b[0])
}

/// Runs two large results and their reader on one worker, on a fresh cache; what happened.
fn events(write_behind: Option<bool>) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let mut builder = Runtime::builder().cache_dir(dir.path()).threads(1);
    if let Some(enabled) = write_behind {
        builder = builder.write_behind(enabled);
    }
    let rt = builder.build().unwrap();
    EVENTS.lock().unwrap().clear();
    let (value, report) = rt.compute_with_report(&firsts(big(1), big(2))).unwrap();
    assert_eq!(value, 3);
    assert_eq!(report.nodes().iter().filter(|n| n.stored()).count(), 2);
    std::mem::take(&mut *EVENTS.lock().unwrap())
}

/// Without write-behind, each result is stored on the worker before its next task.
const STORED_FIRST: [&str; 5] = [
    "big 1",
    "encoded 1 on graphchain-0",
    "big 2",
    "encoded 2 on graphchain-0",
    "firsts",
];

/// With it, the worker starts the next task while the writer encodes.
fn went_on(events: &[String]) -> bool {
    let at = |what: &str| events.iter().position(|e| e.starts_with(what));
    at("big 2").unwrap() < at("encoded 1").unwrap()
}

#[test]
fn large_results_are_stored_behind_the_run_or_before_the_next_task() {
    // One test, so that the two runs do not share the record of events.
    if common::in_child() {
        return;
    }
    let behind = events(Some(true));
    assert!(went_on(&behind), "{behind:?}");
    assert_eq!(events(Some(false)), STORED_FIRST);
}

/// Runs the child test with `GRAPHCHAIN_WRITE_BEHIND` set to `value`; its stdout.
fn child_stdout(value: &str) -> String {
    let mut command = common::child(&common::test_name!(child_reports_its_setting));
    command.env(WRITE_BEHIND_ENV, value);
    common::child_output(&mut command).0
}

#[test]
fn the_environment_sets_it_and_a_bad_value_is_named() {
    assert!(child_stdout("0").contains("STORED FIRST"));
    assert!(child_stdout("1").contains("WENT ON"));
    let bad = child_stdout("sometimes");
    assert!(bad.contains("CONFIG ERROR"), "{bad}");
    assert!(bad.contains("GRAPHCHAIN_WRITE_BEHIND"), "{bad}");
    assert!(bad.contains("`sometimes`"), "{bad}");
}

/// Runs in the children only (a no-op in the normal run of the test binary).
#[test]
fn child_reports_its_setting() {
    if !common::in_child() {
        return;
    }
    match Runtime::builder().cache(false).build() {
        Err(Error::Config(message)) => println!("\nCONFIG ERROR {message}"),
        Err(e) => println!("\nOTHER ERROR {e}"),
        Ok(_) => {
            let events = events(None);
            if events == STORED_FIRST {
                println!("\nSTORED FIRST");
            } else if went_on(&events) {
                println!("\nWENT ON");
            }
        }
    }
}
