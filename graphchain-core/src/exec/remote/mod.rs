//! Running nodes in other processes: the [`Executor`] a runtime is given, the role a worker
//! process finds in its environment, and the driver and worker that speak the protocol between
//! them. A worker is the same executable, started again with [`WORKER_ENV`] set: it rebuilds the
//! graph, and its runtime serves the run it was started for instead of running it (see
//! ARCHITECTURE.md, "Running a node elsewhere").

mod driver;
mod launch;
mod protocol;
mod slurm;
mod worker;

use std::fmt;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};

pub(crate) use driver::Remote;
pub use slurm::SBATCH_OPTIONS_ENV;
pub(crate) use worker::serve;

use crate::error::Error;

/// The environment variable that chooses the executor of every runtime not given one in code
/// (see [`Executor`]'s `FromStr` for the values): `local`, `processes:4`, `slurm:8`.
pub const EXECUTOR_ENV: &str = "GRAPHCHAIN_EXECUTOR";

/// Set by the engine in the workers it starts: where the driver listens, which of the
/// program's runs the worker serves, and the worker's number. Not for users to set.
pub const WORKER_ENV: &str = "GRAPHCHAIN_WORKER";

/// Where the tasks of a run execute.
///
/// Worker processes and Slurm jobs run the *same executable* again: the program stays an
/// ordinary `main`, and in a worker the runtime's `compute` serves the run the driver is making
/// (rebuilding the graph, running the nodes it is sent, storing their results) and ends the
/// process instead of returning. So the program must build the same graph in every process; a
/// worker sent a key its graph lacks fails that task, naming the key and the function. Inputs
/// and results travel through the runtime's store, which every worker must reach (a local cache
/// directory for worker processes; a shared filesystem or an object store on a cluster).
///
/// # Examples
///
/// ```
/// use graphchain::{Executor, Runtime};
///
/// let executor: Executor = "processes:4".parse()?;
/// assert_eq!(executor, Executor::processes(4));
/// let rt = Runtime::builder().executor(executor).build()?;
/// assert_eq!(rt.executor(), &Executor::processes(4));
/// assert!("threads:4".parse::<Executor>().is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Executor {
    /// Tasks run in this process, as the [`Scheduler`](crate::Scheduler) says (the default).
    #[default]
    Local,
    /// Tasks run in `workers` processes of this executable on this machine.
    Processes {
        /// How many worker processes to start.
        workers: usize,
    },
    /// Tasks run in `jobs` Slurm batch jobs, each running this executable (`sbatch` must be
    /// on the `PATH`; extra `sbatch` options come from `GRAPHCHAIN_SBATCH_OPTIONS`). The jobs
    /// connect back to this process, so the nodes must reach it (`GRAPHCHAIN_DRIVER_HOST`
    /// names the address they use, `127.0.0.1` by default), and the store must be one they
    /// share.
    Slurm {
        /// How many worker jobs to keep running.
        jobs: usize,
    },
}

impl Executor {
    /// `n` worker processes of this executable on this machine.
    pub fn processes(n: usize) -> Executor {
        Executor::Processes { workers: n }
    }

    /// `n` Slurm jobs running this executable.
    pub fn slurm(n: usize) -> Executor {
        Executor::Slurm { jobs: n }
    }

    /// How many workers it runs at once.
    pub(crate) fn workers(&self) -> usize {
        match self {
            Executor::Local => 0,
            Executor::Processes { workers } => *workers,
            Executor::Slurm { jobs } => *jobs,
        }
    }

    /// Whether tasks run in other processes.
    pub(crate) fn is_remote(&self) -> bool {
        !matches!(self, Executor::Local)
    }

    /// The executor named by [`EXECUTOR_ENV`], if it is set and not empty.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] naming the variable and its value when the value is not an executor.
    pub(crate) fn from_env() -> Result<Option<Executor>, Error> {
        match std::env::var(EXECUTOR_ENV) {
            Ok(v) if v.trim().is_empty() => Ok(None),
            Ok(v) => v
                .parse()
                .map(Some)
                .map_err(|e| Error::Config(format!("{EXECUTOR_ENV}={v:?}: {e}"))),
            Err(std::env::VarError::NotPresent) => Ok(None),
            Err(std::env::VarError::NotUnicode(v)) => Err(Error::Config(format!(
                "{EXECUTOR_ENV}={v:?} is not valid UTF-8"
            ))),
        }
    }

    /// Checks the executor's settings.
    pub(crate) fn validate(&self) -> Result<(), Error> {
        match self {
            Executor::Processes { workers: 0 } => Err(Error::Config(
                "the `processes` executor needs at least 1 worker".into(),
            )),
            Executor::Slurm { jobs: 0 } => Err(Error::Config(
                "the `slurm` executor needs at least 1 job".into(),
            )),
            _ => Ok(()),
        }
    }
}

impl fmt::Display for Executor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Executor::Local => f.write_str("local"),
            Executor::Processes { workers } => write!(f, "processes:{workers}"),
            Executor::Slurm { jobs } => write!(f, "slurm:{jobs}"),
        }
    }
}

/// Why a string is not an [`Executor`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{0}` is not an executor: expected `local`, `processes:N` (N worker processes on this \
     machine) or `slurm:N` (N Slurm jobs)"
)]
pub struct ParseExecutorError(String);

impl FromStr for Executor {
    type Err = ParseExecutorError;

    /// Parses `local`, `processes` (one worker per core), `processes:N`, `slurm` (two jobs)
    /// or `slurm:N`.
    fn from_str(s: &str) -> Result<Executor, ParseExecutorError> {
        let bad = || ParseExecutorError(s.to_owned());
        let (kind, count) = match s.trim().split_once(':') {
            Some((kind, n)) => (
                kind.trim(),
                Some(n.trim().parse::<usize>().map_err(|_| bad())?),
            ),
            None => (s.trim(), None),
        };
        let cores = || std::thread::available_parallelism().map_or(1, usize::from);
        match (kind, count) {
            ("local", None) => Ok(Executor::Local),
            ("processes", n) if n != Some(0) => Ok(Executor::processes(n.unwrap_or_else(cores))),
            ("slurm", n) if n != Some(0) => Ok(Executor::slurm(n.unwrap_or(2))),
            _ => Err(bad()),
        }
    }
}

/// What a worker process is for, from [`WORKER_ENV`]: `ADDRESS/RUN/WORKER`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Role {
    /// Where the driver listens (`host:port`).
    pub(crate) driver: String,
    /// Which run of the program (counting runs on remote executors from 0) the worker serves.
    pub(crate) run: u64,
    /// The worker's number, given by the driver.
    pub(crate) worker: usize,
}

impl Role {
    /// This process's role, when it is a worker.
    pub(crate) fn from_env() -> Option<Role> {
        let value = std::env::var(WORKER_ENV).ok()?;
        let mut parts = value.rsplitn(3, '/');
        let worker = parts.next()?.parse().ok()?;
        let run = parts.next()?.parse().ok()?;
        let driver = parts.next()?.to_owned();
        Some(Role {
            driver,
            run,
            worker,
        })
    }

    /// The value of [`WORKER_ENV`] for this role.
    pub(crate) fn to_env(&self) -> String {
        format!("{}/{}/{}", self.driver, self.run, self.worker)
    }
}

/// Numbers the runs this process makes on remote executors, in the order they start: a worker
/// counts its program's runs the same way, to find the one it serves.
pub(crate) fn next_run() -> u64 {
    static RUNS: AtomicU64 = AtomicU64::new(0);
    RUNS.fetch_add(1, Ordering::Relaxed)
}

#[cfg(test)]
mod tests;
