//! `tracing` events under the target `graphchain`, at debug level: `compute`, `store`, `load`,
//! `skip` and `fail`, each naming the function and the node's short key, with the time and size
//! where there is one (the lines Python graphchain logs as LOAD, COMPUTE and STORE). The test
//! installs a global subscriber, so it runs alone in a child process: the events of other tests
//! would land in its capture.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex};

use graphchain::{MemoryStore, Runtime, delayed};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Level, Metadata, Subscriber};

use crate::common;

/// One captured event: its level, target and fields (the message as `message`).
#[derive(Debug, Clone)]
struct Event {
    level: Level,
    target: String,
    fields: BTreeMap<String, String>,
}

#[derive(Default)]
struct Capture(Mutex<Vec<Event>>);

struct Fields<'a>(&'a mut BTreeMap<String, String>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
}

impl Subscriber for &'static Capture {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }
    fn record(&self, _: &Id, _: &Record<'_>) {}
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        let mut fields = BTreeMap::new();
        event.record(&mut Fields(&mut fields));
        self.0.lock().unwrap().push(Event {
            level: *event.metadata().level(),
            target: event.metadata().target().to_owned(),
            fields,
        });
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

#[delayed(cache = "always")]
fn make(n: u64) -> Vec<u64> {
    (0..n).collect()
}

#[delayed(cache = "never")]
fn total(xs: &[u64]) -> Result<u64, String> {
    if xs.is_empty() {
        Err("nothing to add".into())
    } else {
        Ok(xs.iter().sum())
    }
}

#[delayed(cache = "never")]
fn double(x: u64) -> u64 {
    2 * x
}

/// The captured `graphchain` events with this message for this function's node.
fn find<'a>(events: &'a [Event], message: &str, function: &str) -> Vec<&'a Event> {
    events
        .iter()
        .filter(|e| {
            e.fields
                .get("message")
                .is_some_and(|m| m.starts_with(message))
                && e.fields.get("function").map(String::as_str) == Some(function)
        })
        .collect()
}

#[test]
fn runs_log_load_compute_store_skip_and_fail() {
    if !common::in_child() {
        let test = common::test_name!(runs_log_load_compute_store_skip_and_fail);
        common::child_output(&mut common::child(&test));
        return;
    }
    let capture: &'static Capture = Box::leak(Box::default());
    tracing::subscriber::set_global_default(capture).unwrap();
    let take = || std::mem::take(&mut *capture.0.lock().unwrap());

    let rt = Runtime::builder()
        .store(Arc::new(MemoryStore::new()))
        .threads(2)
        .build()
        .unwrap();
    let data = make(100);
    let key = data.key().short();
    assert_eq!(rt.compute(&double(total(&data))).unwrap(), 9900);
    let first = take();
    for event in &first {
        assert_eq!(event.target, "graphchain", "{event:?}");
    }
    let compute = find(&first, "compute", "make");
    assert_eq!(compute.len(), 1, "{first:?}");
    assert_eq!(compute[0].level, Level::DEBUG);
    assert_eq!(compute[0].fields["key"], key);
    assert!(compute[0].fields.contains_key("time"));
    let store = find(&first, "store", "make");
    assert_eq!(store.len(), 1, "{first:?}");
    assert!(store[0].fields["bytes"].parse::<u64>().unwrap() > 0);
    assert!(store[0].fields.contains_key("time"));
    assert_eq!(find(&first, "compute", "total").len(), 1);
    assert!(
        find(&first, "store", "total").is_empty(),
        "`cache = \"never\"`"
    );
    assert!(find(&first, "load", "make").is_empty());

    // The second run loads `make` and says how large the entry was.
    rt.compute(&double(total(&data))).unwrap();
    let second = take();
    let load = find(&second, "load", "make");
    assert_eq!(load.len(), 1, "{second:?}");
    assert_eq!(load[0].fields["key"], key);
    assert!(load[0].fields["bytes"].parse::<u64>().unwrap() > 0);
    assert!(load[0].fields.contains_key("time"));
    assert!(find(&second, "compute", "make").is_empty());

    // A failure is logged, and so is every task skipped because of it.
    assert!(rt.compute(&double(total(make(0)))).is_err());
    let third = take();
    let fail = find(&third, "fail", "total");
    assert_eq!(fail.len(), 1, "{third:?}");
    assert!(fail[0].fields["message"].contains("nothing to add"));
    let skip = find(&third, "skip", "double");
    assert_eq!(skip.len(), 1, "{third:?}");
    assert_eq!(skip[0].fields["reason"], "an input failed");
}
