//! The worker side: a process started with a role connects to its driver, and its runtime, at
//! the run it was started for, runs the nodes it is sent (as roots of a run against the shared
//! store, which stores each of them) and answers with how each ended.

use std::collections::HashMap;
use std::io::{self, BufReader};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use super::Role;
use super::protocol::{Assigned, FromWorker, Outcome, ToWorker, receive, send};
use crate::error::{Error, FailureCause};
use crate::exec::report::{Report, Status};
use crate::exec::{Context, execute};
use crate::graph::node::{Edge, Node};
use crate::key::Key;

/// Serves the driver of `role` with the graph below `roots`, then ends the process: with
/// status 0 when the driver says the run is over, 1 when the driver cannot be reached.
///
/// `ctx` must run locally, store every root it computes, and keep a report.
pub(crate) fn serve(roots: &[&Node], ctx: &Context<'_>, role: &Role) -> ! {
    match serve_connection(roots, ctx, role) {
        Ok(()) => std::process::exit(0),
        Err(e) => {
            eprintln!(
                "graphchain worker {}: lost its driver at {}: {e}",
                role.worker, role.driver
            );
            std::process::exit(1)
        }
    }
}

fn serve_connection(roots: &[&Node], ctx: &Context<'_>, role: &Role) -> io::Result<()> {
    let stream = connect(&role.driver)?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut writer = stream;
    let hello = FromWorker::Hello {
        worker: role.worker,
        place: place(),
    };
    send(&mut writer, &hello)?;
    let nodes = by_key(roots);
    while let Some(message) = receive(&mut reader)? {
        match message {
            ToWorker::Exit => break,
            ToWorker::Run(batch) => {
                let outcomes = run_batch(&batch, &nodes, ctx);
                send(&mut writer, &FromWorker::Done(outcomes))?;
            }
        }
    }
    Ok(())
}

/// Connects to the driver, trying for a while: a cluster job may start before the driver's
/// listener is reachable from its node.
fn connect(driver: &str) -> io::Result<TcpStream> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match TcpStream::connect(driver) {
            Ok(stream) => {
                stream.set_nodelay(true)?;
                return Ok(stream);
            }
            Err(e) if Instant::now() > deadline => return Err(e),
            Err(_) => std::thread::sleep(Duration::from_millis(50)),
        }
    }
}

/// Where this worker runs, for reports: its pid and host, and its Slurm job when it is one.
fn place() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_owned())
        .or_else(|_| std::env::var("HOSTNAME"))
        .unwrap_or_else(|_| "localhost".to_owned());
    let mut place = format!("pid {} on {host}", std::process::id());
    if let (Ok(job), Ok(node)) = (
        std::env::var("SLURM_JOB_ID"),
        std::env::var("SLURMD_NODENAME"),
    ) {
        place = format!("slurm job {job} on {node}, {place}");
    }
    place
}

/// Every node of the graph below `roots`, by key; iterative, so that any depth works.
fn by_key<'g>(roots: &[&'g Node]) -> HashMap<Key, &'g Node> {
    let mut nodes = HashMap::new();
    let mut stack: Vec<&Node> = roots.to_vec();
    while let Some(node) = stack.pop() {
        if nodes.insert(node.key, node).is_none() {
            stack.extend(node.edges.iter().filter_map(|edge| match edge {
                Edge::Node(input) => Some(&**input),
                Edge::Literal(_) | Edge::Code(_) => None,
            }));
        }
    }
    nodes
}

/// Runs the nodes of `batch` found in this process's graph, as the roots of one run, and says
/// how each ended; a key the graph lacks is refused, naming the key and the function.
fn run_batch(batch: &[Assigned], nodes: &HashMap<Key, &Node>, ctx: &Context<'_>) -> Vec<Outcome> {
    let found: Vec<Result<&Node, Outcome>> = batch
        .iter()
        .map(|assigned| {
            assigned
                .key
                .parse::<Key>()
                .ok()
                .and_then(|key| nodes.get(&key).copied())
                .ok_or_else(|| Outcome::Refused(missing(assigned)))
        })
        .collect();
    let roots: Vec<&Node> = found
        .iter()
        .filter_map(|f| f.as_ref().ok().copied())
        .collect();
    let (result, report) = if roots.is_empty() {
        (Ok(Vec::new()), Report::default())
    } else {
        execute(&roots, ctx)
    };
    let error = result.err();
    found
        .into_iter()
        .map(|found| found.map_or_else(|refused| refused, |node| outcome(node, &report, &error)))
        .collect()
}

/// The error of a worker whose graph lacks a key it was sent.
fn missing(assigned: &Assigned) -> String {
    format!(
        "this worker's graph has no node with key {} (function `{}`): every process running the \
         program must build the same graph, with the same inputs",
        assigned.key, assigned.function
    )
}

/// How `node`, a root of the run that gave `report` and `error`, ended.
fn outcome(node: &Node, report: &Report, error: &Option<Error>) -> Outcome {
    let record = report.nodes().iter().rev().find(|n| n.key() == node.key);
    let nanos = record.map_or(0, |r| r.duration().as_nanos() as u64);
    match record.map(|r| r.status()) {
        Some(Status::Computed | Status::Loaded) => return Outcome::Stored(nanos),
        // A root the run never had to touch was in memory, which a worker's runs never are.
        None if error.is_none() => return Outcome::Stored(0),
        _ => {}
    }
    let failure = match error {
        Some(Error::TaskFailed(failures)) => failures.iter().find(|f| f.key() == node.key),
        _ => None,
    };
    match failure.map(|f| f.cause()) {
        Some(FailureCause::Err(e)) => Outcome::Err(e.to_string(), nanos),
        Some(FailureCause::Panic(p)) => Outcome::Panic(p.message().to_owned(), nanos),
        Some(FailureCause::InvalidInput(m)) => Outcome::Refused(format!("invalid input: {m}")),
        None => Outcome::Refused(match error {
            Some(e) => format!("the worker could not run it: {e}"),
            None => "the worker could not run it".to_owned(),
        }),
    }
}
