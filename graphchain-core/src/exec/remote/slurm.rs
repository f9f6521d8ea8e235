//! Workers as Slurm jobs: each worker is a batch job running this executable with its role in
//! the job's environment (Slurm passes the submitter's environment on). The jobs are pilots:
//! each takes batch after batch from the driver until the run ends, so a run pays the
//! scheduler's dispatch once per job, not per node. Job states come from `squeue` (clusters
//! without accounting have no `sacct`); a job that ends before the run does is lost, and its
//! tasks go to a job submitted in its place.

use std::collections::HashMap;
use std::io;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::launch::{Launcher, worker_command};
use super::{Role, WORKER_ENV};

/// Extra `sbatch` options for every worker job (a partition, a time limit, memory), split on
/// whitespace: `GRAPHCHAIN_SBATCH_OPTIONS="--partition=batch --time=30 --mem=4G"`.
pub const SBATCH_OPTIONS_ENV: &str = "GRAPHCHAIN_SBATCH_OPTIONS";

/// How often `squeue` is asked about the jobs.
const POLL: Duration = Duration::from_millis(500);

/// The worker jobs of one run.
#[derive(Debug)]
pub(super) struct Slurm {
    /// The job name shared by the run's jobs, which `squeue` and `scancel` select by.
    name: String,
    /// Job id → worker.
    jobs: HashMap<String, usize>,
    polled: Option<Instant>,
}

impl Slurm {
    pub(super) fn new(run: u64) -> Slurm {
        Slurm {
            name: format!("graphchain-{}-{run}", std::process::id()),
            jobs: HashMap::new(),
            polled: None,
        }
    }
}

/// `arg` quoted for the shell that runs a batch script.
fn quote(arg: &str) -> String {
    format!("'{}'", arg.replace('\'', r"'\''"))
}

/// Runs `command` and returns its standard output, or an error with its standard error.
fn output(command: &mut Command) -> io::Result<String> {
    let program = command.get_program().to_string_lossy().into_owned();
    let out = command.stdin(Stdio::null()).output().map_err(|e| {
        io::Error::new(
            e.kind(),
            format!("cannot run `{program}` (is Slurm installed, and on the PATH?): {e}"),
        )
    })?;
    if !out.status.success() {
        return Err(io::Error::other(format!(
            "`{program}` failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

impl Launcher for Slurm {
    fn launch(&mut self, role: &Role) -> io::Result<()> {
        let worker = worker_command(role)?;
        let script = std::iter::once(worker.get_program())
            .chain(worker.get_args())
            .map(|a| quote(&a.to_string_lossy()))
            .collect::<Vec<_>>()
            .join(" ");
        let mut sbatch = Command::new("sbatch");
        sbatch
            .args(["--parsable", "--job-name", &self.name, "--output=/dev/null"])
            .arg(format!(
                "--error={}",
                std::env::temp_dir()
                    .join("graphchain-worker-%j.err")
                    .display()
            ))
            .arg(format!("--chdir={}", std::env::current_dir()?.display()))
            .args(
                std::env::var(SBATCH_OPTIONS_ENV)
                    .unwrap_or_default()
                    .split_whitespace(),
            )
            .arg(format!("--wrap=exec {script}"))
            .env(WORKER_ENV, role.to_env());
        let id = output(&mut sbatch)?;
        let id = id.trim().split(';').next().unwrap_or_default().to_owned();
        if id.is_empty() {
            return Err(io::Error::other("sbatch printed no job id"));
        }
        self.jobs.insert(id, role.worker);
        Ok(())
    }

    fn ended(&mut self) -> Vec<(usize, String)> {
        if self.jobs.is_empty() || self.polled.is_some_and(|p| p.elapsed() < POLL) {
            return Vec::new();
        }
        self.polled = Some(Instant::now());
        let listed = output(Command::new("squeue").args([
            "--noheader",
            "--name",
            &self.name,
            "--states=all",
            "--format=%i %T",
        ]));
        // When `squeue` cannot answer, nothing is known to have ended.
        let Ok(listed) = listed else {
            return Vec::new();
        };
        let states: HashMap<&str, &str> = listed
            .lines()
            .filter_map(|l| l.trim().split_once(' '))
            .collect();
        let mut ended = Vec::new();
        self.jobs.retain(|id, worker| {
            let state = states.get(id.as_str()).copied();
            match state {
                Some("PENDING" | "CONFIGURING" | "RUNNING" | "COMPLETING" | "SUSPENDED") => true,
                Some(state) => {
                    ended.push((*worker, format!("slurm job {id} {state}")));
                    false
                }
                None => {
                    ended.push((*worker, format!("slurm job {id} is gone")));
                    false
                }
            }
        });
        ended
    }

    fn stop(&mut self) {
        if self.jobs.is_empty() {
            return;
        }
        let ids: Vec<&str> = self.jobs.keys().map(String::as_str).collect();
        // Jobs that already ended cannot be cancelled; the others are.
        let _ = output(Command::new("scancel").args(&ids));
        self.jobs.clear();
    }
}

impl Drop for Slurm {
    fn drop(&mut self) {
        self.stop();
    }
}
