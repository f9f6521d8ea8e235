//! When no worker can be started (here, Slurm's `sbatch` is not on the `PATH`), the run does
//! not wait forever: the tasks meant for workers fail, saying why, and the rest of the graph
//! runs as under the failure policy.

use graphchain::{Executor, Runtime, Status, delayed};

use crate::common::{CHILD_DIR_ENV, child, child_dir, child_output, test_name};

#[delayed]
fn double(x: u64) -> u64 {
    2 * x
}

#[test]
fn workers_that_cannot_start_fail_their_tasks() {
    let Some(dir) = child_dir() else {
        let dir = tempfile::tempdir().unwrap();
        let test = test_name!(workers_that_cannot_start_fail_their_tasks);
        child_output(
            child(&test)
                .env(CHILD_DIR_ENV, dir.path())
                .env("PATH", dir.path()),
        );
        return;
    };
    let rt = Runtime::builder()
        .cache_dir(&dir)
        .executor(Executor::slurm(1))
        .build()
        .unwrap();
    let (result, report) = rt.try_compute_with_report(&double(21));
    let message = result.unwrap_err().to_string();
    assert!(message.contains("task `double`"), "{message}");
    assert!(message.contains("no worker could be started"), "{message}");
    assert!(message.contains("sbatch"), "{message}");
    assert_eq!(report.count(Status::Failed), 1);
}
