//! A worker whose program builds a different graph (here, from its environment) does not have
//! the key it is sent: the task fails with an error naming the key and the function, and no
//! value is made up.

use graphchain::delayed;

use crate::common::processes::{is_worker, on_processes, shared_dir};
use crate::common::test_name;

#[delayed]
fn double(x: u64) -> u64 {
    2 * x
}

#[test]
fn a_worker_with_another_graph_fails_the_task() {
    let Some(dir) = shared_dir(&test_name!(a_worker_with_another_graph_fails_the_task)) else {
        return;
    };
    // Not deterministic across processes, which a program must never do.
    let input = if is_worker() { 2 } else { 1 };
    let value = double(input);
    let error = on_processes(&dir, 1).compute(&value).unwrap_err();
    let message = error.to_string();
    assert!(message.contains("task `double`"), "{message}");
    assert!(
        message.contains(&format!("has no node with key {}", value.key())),
        "{message}"
    );
    assert!(message.contains("(function `double`)"), "{message}");
}
