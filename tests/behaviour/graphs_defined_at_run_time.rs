//! Graphs defined at run time from JSON or TOML: built and checked before anything runs, with
//! errors that name the task (and argument), and results seeded for tasks already done.

use std::sync::atomic::{AtomicUsize, Ordering};

use graphchain::{Error, GraphSpec, Registry, Runtime, SpecError, delayed_fn};
use serde_json::json;

fn load(n: u32) -> Vec<u32> {
    (1..=n).collect()
}

/// Counts its runs; used by one test only, since tests run in parallel.
static SLOW_LOADS: AtomicUsize = AtomicUsize::new(0);

fn slow_load(n: u32) -> Vec<u32> {
    SLOW_LOADS.fetch_add(1, Ordering::SeqCst);
    (1..=n).collect()
}

fn registry() -> Registry {
    let mut registry = Registry::new();
    registry
        .register("load", delayed_fn!(load))
        .register("slow_load", delayed_fn!(slow_load))
        .register(
            "sum",
            delayed_fn!(|xs: &[u32]| xs.iter().map(|&x| u64::from(x)).sum::<u64>()),
        )
        .register("scale", delayed_fn!(|x: u64, by: u64| x * by))
        .register(
            "label",
            delayed_fn!(|x: u64, name: &str| format!("{name}={x}")),
        );
    registry
}

fn spec(value: serde_json::Value) -> GraphSpec {
    serde_json::from_value(value).unwrap()
}

fn runtime() -> Runtime {
    Runtime::builder().cache(false).threads(2).build().unwrap()
}

fn spec_error(spec: &GraphSpec) -> SpecError {
    match registry().build(spec).unwrap_err() {
        Error::Spec(e) => e,
        other => panic!("not a spec error: {other}"),
    }
}

#[test]
fn a_toml_graph_computes_chosen_tasks() {
    let spec: GraphSpec = toml::from_str(
        r#"
        [tasks.data]
        function = "load"
        args = [10]

        [tasks.total]
        function = "sum"
        deps = ["data"]

        [tasks.big]
        function = "scale"
        deps = ["total"]
        args = [3]

        [tasks.text]
        function = "label"
        deps = ["big"]
        args = ["big"]
        "#,
    )
    .unwrap();
    let graph = registry().build(&spec).unwrap();
    assert_eq!(graph.tasks(), ["big", "data", "text", "total"]);
    let results = graph.compute_json(&runtime(), &["text", "total"]).unwrap();
    assert_eq!(results["text"], json!("big=165"));
    assert_eq!(results["total"], json!(55));
    assert_eq!(graph.get::<u64>("big").unwrap().compute().unwrap(), 165);
}

#[test]
fn the_same_spec_in_json_gives_the_same_keys() {
    let json = spec(json!({ "tasks": {
        "data": { "function": "load", "args": [4] },
        "total": { "function": "sum", "deps": ["data"] }
    }}));
    let toml: GraphSpec = toml::from_str(
        "[tasks.data]\nfunction = \"load\"\nargs = [4]\n[tasks.total]\nfunction = \"sum\"\ndeps = [\"data\"]\n",
    )
    .unwrap();
    let a = registry()
        .build(&json)
        .unwrap()
        .get::<u64>("total")
        .unwrap();
    let b = registry()
        .build(&toml)
        .unwrap()
        .get::<u64>("total")
        .unwrap();
    assert_eq!(a.key(), b.key());
}

#[test]
fn a_cycle_is_rejected_with_its_path() {
    let error = spec_error(&spec(json!({ "tasks": {
        "a": { "function": "scale", "deps": ["c"], "args": [1] },
        "b": { "function": "scale", "deps": ["a"], "args": [1] },
        "c": { "function": "scale", "deps": ["b"], "args": [1] },
        "d": { "function": "load", "args": [1] }
    }})));
    assert_eq!(
        error,
        SpecError::Cycle(vec!["a".into(), "c".into(), "b".into(), "a".into()])
    );
    assert_eq!(
        error.to_string(),
        "the tasks form a cycle: a -> c -> b -> a"
    );
}

#[test]
fn unknown_names_are_named() {
    let error = spec_error(&spec(json!({ "tasks": {
        "total": { "function": "sum", "deps": ["dta"] }
    }})));
    assert_eq!(
        error.to_string(),
        "task `total` depends on `dta`, which is not a task of the graph"
    );
    let error = spec_error(&spec(json!({ "tasks": {
        "data": { "function": "lod", "args": [3] }
    }})));
    assert!(
        matches!(error, SpecError::UnknownFunction { ref task, ref function }
        if task == "data" && function == "lod")
    );
    let error = spec_error(&spec(json!({ "tasks": {}, "done": { "ghost": 1 } })));
    assert_eq!(error, SpecError::UnknownDoneTask("ghost".into()));
    let graph = registry().build(&spec(json!({ "tasks": {} }))).unwrap();
    assert!(
        graph
            .compute_json(&runtime(), &["nothing"])
            .unwrap_err()
            .to_string()
            .contains("nothing")
    );
}

#[test]
fn wrong_inputs_are_named_by_task_and_position() {
    let error = spec_error(&spec(json!({ "tasks": {
        "big": { "function": "scale", "args": [1] }
    }})));
    assert!(
        matches!(
            error,
            SpecError::Arity {
                expected: 2,
                given: 1,
                ..
            }
        ),
        "{error}"
    );
    // A dependency of the wrong type: `load` gives a Vec<u32>, `scale` takes a u64 first.
    let error = spec_error(&spec(json!({ "tasks": {
        "data": { "function": "load", "args": [3] },
        "big": { "function": "scale", "deps": ["data"], "args": [2] }
    }})));
    assert!(
        matches!(error, SpecError::DependencyType { ref task, position: 1, ref dep, .. }
            if task == "big" && dep == "data"),
        "{error}"
    );
    // A literal of the wrong type, in second position.
    let error = spec_error(&spec(json!({ "tasks": {
        "data": { "function": "load", "args": [3] },
        "total": { "function": "sum", "deps": ["data"] },
        "big": { "function": "scale", "deps": ["total"], "args": ["three"] }
    }})));
    assert!(
        matches!(error, SpecError::Literal { ref task, position: 2, expected: "u64", .. }
            if task == "big"),
        "{error}"
    );
    // Asking for a result as the wrong type.
    let graph = registry()
        .build(&spec(
            json!({ "tasks": { "data": { "function": "load", "args": [3] } } }),
        ))
        .unwrap();
    assert!(
        graph
            .get::<String>("data")
            .unwrap_err()
            .to_string()
            .contains("Vec<u32>")
    );
}

#[test]
fn results_seeded_for_done_tasks_are_not_recomputed() {
    let spec = spec(json!({
        "tasks": {
            "data": { "function": "slow_load", "args": [1000000] },
            "total": { "function": "sum", "deps": ["data"] },
            "big": { "function": "scale", "deps": ["total"], "args": [2] }
        },
        "done": { "data": [1, 2, 3] }
    }));
    let graph = registry().build(&spec).unwrap();
    let results = graph.compute_json(&runtime(), &["big"]).unwrap();
    assert_eq!(results["big"], json!(12));
    assert_eq!(
        SLOW_LOADS.load(Ordering::SeqCst),
        0,
        "the done task did not run"
    );

    let bad = GraphSpec {
        done: [("total".to_string(), json!("many"))].into(),
        ..spec
    };
    assert!(matches!(spec_error(&bad), SpecError::DoneValue { ref task, .. } if task == "total"));
}
