//! The messages between a driver and its workers: one JSON object per line over a TCP
//! connection the worker opens to the driver. Values never travel here, only keys: inputs and
//! results pass through the shared store.

use std::io::{self, BufRead, Write};

use serde::{Deserialize, Serialize};

/// What a worker tells the driver.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(super) enum FromWorker {
    /// The first message on a connection: who the worker is.
    Hello {
        /// The number the driver gave it.
        worker: usize,
        /// Where it runs, for reports: `pid P on HOST`, plus the job for a cluster job.
        place: String,
    },
    /// The results of the last batch, in the order its tasks were sent.
    Done(Vec<Outcome>),
}

/// How one task of a batch ended in the worker.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(super) enum Outcome {
    /// Computed (or found stored) and in the store; its compute time in nanoseconds.
    Stored(u64),
    /// The task's body returned an error, with its message and compute time.
    Err(String, u64),
    /// The task's body panicked, with the panic's message and compute time.
    Panic(String, u64),
    /// The worker cannot run it (its graph lacks the key, an input failed there): why.
    Refused(String),
}

/// What the driver tells a worker.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(super) enum ToWorker {
    /// Run these nodes, named by key and function, and store their results.
    Run(Vec<Assigned>),
    /// The run is over: end the process.
    Exit,
}

/// A node sent to a worker.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct Assigned {
    /// Its key, in hex.
    pub(super) key: String,
    /// Its function's name, for the error when the worker's graph lacks the key.
    pub(super) function: String,
}

/// Writes `message` as one line and flushes it.
pub(super) fn send<T: Serialize>(to: &mut impl Write, message: &T) -> io::Result<()> {
    let mut line = serde_json::to_vec(message).map_err(io::Error::other)?;
    line.push(b'\n');
    to.write_all(&line)?;
    to.flush()
}

/// Reads the next message; `None` at the end of the stream.
pub(super) fn receive<T: for<'de> Deserialize<'de>>(
    from: &mut impl BufRead,
) -> io::Result<Option<T>> {
    let mut line = String::new();
    if from.read_line(&mut line)? == 0 {
        return Ok(None);
    }
    serde_json::from_str(&line)
        .map(Some)
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}
