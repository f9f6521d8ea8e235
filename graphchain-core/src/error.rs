//! The one error type of graphchain, and the failure of a single task.

use std::any::Any;
use std::fmt;
use std::sync::Mutex;

use crate::key::Key;
use crate::value::BoxError;

/// Everything that can go wrong when configuring a runtime or computing a graph.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// One or more tasks failed; every task that did not depend on a failed one still ran.
    #[error("{}", describe_failures(.0))]
    TaskFailed(Vec<TaskFailure>),
    /// The runtime was configured with a value it cannot use.
    #[error("invalid runtime configuration: {0}")]
    Config(String),
    /// The worker threads could not be started.
    #[error("cannot start the worker threads")]
    ThreadPool(#[source] std::io::Error),
    /// The tokio runtime that runs `async fn` tasks could not be started (feature `async`).
    #[error("cannot start the async runtime")]
    AsyncRuntime(#[source] std::io::Error),
    /// A program graphchain runs (Graphviz's `dot`, to render pictures) is not installed or not
    /// on the `PATH`.
    #[error("cannot run `{program}`: it is not installed or not on the PATH ({purpose})")]
    MissingProgram {
        /// The program's name.
        program: String,
        /// What it is needed for, and what to do instead.
        purpose: &'static str,
    },
    /// A file could not be written (a picture, say).
    #[error("cannot write {}: {reason}", path.display())]
    Write {
        /// The file.
        path: std::path::PathBuf,
        /// What went wrong.
        reason: String,
        /// The underlying error, if any.
        #[source]
        source: Option<std::io::Error>,
    },
    /// A cache housekeeping operation could not read or write the store.
    #[error("cannot {op} the cache at {location}")]
    Store {
        /// What was being done.
        op: &'static str,
        /// The store's location.
        location: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A graph defined at run time could not be built, or was asked for something it lacks.
    #[error(transparent)]
    Spec(#[from] SpecError),
    /// The run was cancelled (a [`RunHandle::cancel`](crate::RunHandle::cancel)) before it
    /// ended: tasks already running finished, and no other task started.
    #[error("the run was cancelled")]
    Cancelled,
    /// The executor that runs tasks elsewhere (worker processes, cluster jobs) could not start
    /// or reach its workers.
    #[error("the {executor} executor failed: {reason}")]
    Executor {
        /// Which executor.
        executor: &'static str,
        /// What went wrong.
        reason: String,
    },
}

impl Error {
    /// The failed tasks, when this error is [`Error::TaskFailed`]; empty otherwise.
    pub fn failures(&self) -> &[TaskFailure] {
        match self {
            Error::TaskFailed(failures) => failures,
            _ => &[],
        }
    }

    /// The failed tasks, by value; empty unless this error is [`Error::TaskFailed`].
    pub fn into_failures(self) -> Vec<TaskFailure> {
        match self {
            Error::TaskFailed(failures) => failures,
            _ => Vec::new(),
        }
    }
}

impl Error {
    pub(crate) fn write(path: &std::path::Path, reason: &str, source: std::io::Error) -> Self {
        Error::Write {
            path: path.to_owned(),
            reason: reason.to_owned(),
            source: Some(source),
        }
    }
}

fn describe_failures(failures: &[TaskFailure]) -> String {
    match failures {
        [] => "no task failed".to_owned(),
        [one] => one.to_string(),
        [first, rest @ ..] => format!("{first} (and {} more failed tasks)", rest.len()),
    }
}

/// Why one task failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum FailureCause {
    /// The function returned `Err`.
    Err(BoxError),
    /// The function panicked; the payload is kept so the caller can re-raise it.
    Panic(PanicPayload),
    /// An argument could not be turned into an input (for example, it failed to serialize).
    InvalidInput(String),
}

/// The payload of a panic inside a task, kept so that it can be re-raised on the caller.
pub struct PanicPayload {
    message: String,
    payload: Mutex<Option<Box<dyn Any + Send>>>,
}

impl PanicPayload {
    pub(crate) fn new(payload: Box<dyn Any + Send>) -> Self {
        let message = if let Some(s) = payload.downcast_ref::<&'static str>() {
            (*s).to_owned()
        } else if let Some(s) = payload.downcast_ref::<String>() {
            s.clone()
        } else {
            "a panic with a non-string payload".to_owned()
        };
        PanicPayload {
            message,
            payload: Mutex::new(Some(payload)),
        }
    }

    /// The panic message, when the payload was a string.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Takes the original payload (once), e.g. to pass to [`std::panic::resume_unwind`].
    pub fn take(&self) -> Option<Box<dyn Any + Send>> {
        self.payload
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
    }
}

impl fmt::Debug for PanicPayload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("PanicPayload").field(&self.message).finish()
    }
}

/// A task that failed: which function, which node, and why.
#[derive(Debug)]
pub struct TaskFailure {
    name: &'static str,
    key: Key,
    cause: FailureCause,
}

impl TaskFailure {
    pub(crate) fn new(name: &'static str, key: Key, cause: FailureCause) -> Self {
        TaskFailure { name, key, cause }
    }

    /// The name of the function that failed.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The key of the node that failed.
    pub fn key(&self) -> Key {
        self.key
    }

    /// Why it failed.
    pub fn cause(&self) -> &FailureCause {
        &self.cause
    }

    /// Whether the task panicked.
    pub fn is_panic(&self) -> bool {
        matches!(self.cause, FailureCause::Panic(_))
    }

    /// Re-raises the task's panic on the current thread; returns the failure unchanged when the
    /// task did not panic (or the payload was already taken).
    pub fn resume_unwind(self) -> Self {
        if let FailureCause::Panic(payload) = &self.cause
            && let Some(payload) = payload.take()
        {
            std::panic::resume_unwind(payload);
        }
        self
    }
}

impl fmt::Display for TaskFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "task `{}` (key {}) ", self.name, self.key.short())?;
        match &self.cause {
            FailureCause::Err(e) => write!(f, "failed: {e}"),
            FailureCause::Panic(p) => write!(f, "panicked: {}", p.message()),
            FailureCause::InvalidInput(m) => write!(f, "has an invalid input: {m}"),
        }
    }
}

impl std::error::Error for TaskFailure {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.cause {
            FailureCause::Err(e) => Some(&**e),
            _ => None,
        }
    }
}

/// Why a [`GraphSpec`](crate::GraphSpec) cannot be built into a graph. Each names the task, and where it applies
/// the position of the argument (counted from 1, dependencies first).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum SpecError {
    /// A task depends on a task that is not in the graph.
    #[error("task `{task}` depends on `{missing}`, which is not a task of the graph")]
    UnknownTask {
        /// The task that names it.
        task: String,
        /// The name that is not a task.
        missing: String,
    },
    /// `done` gives a result for a task that is not in the graph.
    #[error("`done` gives a result for `{0}`, which is not a task of the graph")]
    UnknownDoneTask(String),
    /// A task names a function that was not registered.
    #[error("task `{task}` runs `{function}`, which is not a registered function")]
    UnknownFunction {
        /// The task.
        task: String,
        /// The unknown function name.
        function: String,
    },
    /// The tasks depend on each other in a cycle; the path starts and ends at the same task.
    #[error("the tasks form a cycle: {}", .0.join(" -> "))]
    Cycle(Vec<String>),
    /// A task gives its function the wrong number of arguments.
    #[error(
        "task `{task}` gives `{function}` {given} arguments ({deps} dependencies and {literals} literals), but it takes {expected}"
    )]
    Arity {
        /// The task.
        task: String,
        /// Its function.
        function: String,
        /// How many arguments the function takes.
        expected: usize,
        /// How many the task gives.
        given: usize,
        /// Of which dependencies.
        deps: usize,
        /// And literals.
        literals: usize,
    },
    /// A dependency's result is not of the type the argument takes.
    #[error(
        "task `{task}`, argument {position}: `{dep}` gives a `{found}`, but the argument is a `{expected}`"
    )]
    DependencyType {
        /// The task.
        task: String,
        /// The argument's position, from 1.
        position: usize,
        /// The dependency.
        dep: String,
        /// The argument's type.
        expected: &'static str,
        /// The type the dependency gives.
        found: &'static str,
    },
    /// A literal argument cannot be read as the argument's type.
    #[error("task `{task}`, argument {position}: expected a `{expected}`: {message}")]
    Literal {
        /// The task.
        task: String,
        /// The argument's position, from 1.
        position: usize,
        /// The argument's type.
        expected: &'static str,
        /// What was wrong with the value.
        message: String,
    },
    /// A `done` result cannot be read as the task's result type.
    #[error("`done` result of task `{task}`: expected a `{expected}`: {message}")]
    DoneValue {
        /// The task.
        task: String,
        /// The task's result type.
        expected: &'static str,
        /// What was wrong with the value.
        message: String,
    },
    /// A task was asked for by a name the graph does not have.
    #[error("the graph has no task `{0}`")]
    NoSuchTask(String),
    /// A task's result was asked for as another type.
    #[error("task `{task}` gives a `{actual}`, not a `{requested}`")]
    ResultType {
        /// The task.
        task: String,
        /// The type asked for.
        requested: &'static str,
        /// The type it gives.
        actual: &'static str,
    },
    /// A result could not be written as JSON.
    #[error("the result of task `{task}` cannot be written as JSON: {message}")]
    ToJson {
        /// The task.
        task: String,
        /// Why.
        message: String,
    },
}
