use super::*;

fn spec(tasks: &[(&str, &[&str])]) -> GraphSpec {
    GraphSpec {
        tasks: tasks
            .iter()
            .map(|(name, deps)| {
                let task = TaskSpec {
                    function: "f".into(),
                    deps: deps.iter().map(|d| (*d).to_owned()).collect(),
                    args: Vec::new(),
                };
                ((*name).to_owned(), task)
            })
            .collect(),
        done: BTreeMap::new(),
    }
}

#[test]
fn dependencies_come_first() {
    let spec = spec(&[("d", &["b", "c"]), ("b", &["a"]), ("c", &["a"]), ("a", &[])]);
    let order = topological_order(&spec).unwrap();
    let pos = |n: &str| order.iter().position(|&o| o == n).unwrap();
    assert_eq!(order.len(), 4);
    assert!(pos("a") < pos("b") && pos("a") < pos("c"));
    assert!(pos("b") < pos("d") && pos("c") < pos("d"));
}

#[test]
fn a_task_that_reads_itself_is_a_cycle() {
    let spec = spec(&[("loop", &["loop"])]);
    assert_eq!(
        topological_order(&spec).unwrap_err(),
        SpecError::Cycle(vec!["loop".into(), "loop".into()])
    );
}

#[test]
fn done_tasks_need_no_dependencies() {
    let mut spec = spec(&[("b", &["a"]), ("a", &["b"])]);
    spec.done.insert("a".into(), serde_json::Value::Null);
    assert_eq!(topological_order(&spec).unwrap(), ["a", "b"]);
}
