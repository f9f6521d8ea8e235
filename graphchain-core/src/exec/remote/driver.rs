//! The driver of a run on workers elsewhere: it starts nodes through the run state as every
//! driver does, runs on this thread those that cannot go elsewhere (loads, values in memory,
//! results that may not be stored), and hands the others, in batches, to workers that connect
//! to it; a task whose worker is lost is given to another, up to a limit.

use std::collections::{HashMap, VecDeque};
use std::io::BufReader;
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::time::Duration;

use super::launch::{Launcher, Processes};
use super::protocol::{Assigned, FromWorker, Outcome, ToWorker, receive, send};
use super::slurm::Slurm;
use super::{Executor, Role};
use crate::exec::Context;
use crate::exec::drive::{Driver, run_here};
use crate::exec::plan::Source;
use crate::exec::state::RunState;
use crate::exec::task::Task;

/// How many times a task is handed out again after its worker was lost.
const MAX_LOST: u32 = 3;

/// The most tasks sent to a worker at once: cheap siblings share a message and a run in the
/// worker, while a long queue still spreads over every worker.
const MAX_BATCH: usize = 32;

/// Runs the tasks of an attempt on the workers of a remote executor.
pub(crate) struct Remote<'c> {
    pub(crate) ctx: &'c Context<'c>,
    /// Which run of the program this is (see [`super::next_run`]).
    pub(crate) run: u64,
}

/// What the connection threads tell the driver.
enum Event {
    /// A worker connected; the stream is for writing to it.
    Hello(usize, String, TcpStream),
    Done(usize, Vec<Outcome>),
    /// A worker's connection ended.
    Closed(usize),
}

/// A connected worker, and the tasks it is running.
struct Worker<'g> {
    writer: TcpStream,
    place: String,
    batch: Vec<Task<'g>>,
}

impl Driver for Remote<'_> {
    fn drive(&self, run: &RunState<'_, '_, '_>) {
        let mut launcher: Box<dyn Launcher> = match self.ctx.executor {
            Executor::Processes { .. } => Box::new(Processes::default()),
            Executor::Slurm { .. } => Box::new(Slurm::new(self.run)),
            Executor::Local => unreachable!("a local executor has no remote driver"),
        };
        let wanted = self.ctx.executor.workers();
        let session = Session::listen();
        let mut state = DriveState {
            run,
            ctx: self.ctx,
            local: run.initially_ready().collect(),
            queue: VecDeque::new(),
            retry: VecDeque::new(),
            workers: HashMap::new(),
            starting: HashMap::new(),
            lost: HashMap::new(),
            next_worker: 0,
            failed_launches: 0,
            last_problem: String::new(),
        };
        state.local.reverse();
        match session {
            Ok(session) => {
                state.drive(&session, &mut *launcher, wanted, self.run);
                session.stop.store(true, Ordering::Relaxed);
            }
            Err(e) => {
                state.last_problem = format!("cannot listen for workers: {e}");
                loop {
                    state.drain_local();
                    if state.queue.is_empty() {
                        break;
                    }
                    state.fail_waiting();
                }
            }
        }
        for worker in state.workers.values_mut() {
            let _ = send(&mut worker.writer, &ToWorker::Exit);
        }
        launcher.stop();
    }
}

/// The listener workers connect to, and the events of their connections.
struct Session {
    address: String,
    events: Receiver<Event>,
    stop: Arc<AtomicBool>,
}

impl Session {
    /// Listens on a free port of `127.0.0.1` (or of `GRAPHCHAIN_DRIVER_HOST`, for workers on
    /// other machines) and accepts workers on a thread of its own until stopped.
    fn listen() -> std::io::Result<Session> {
        let host = std::env::var("GRAPHCHAIN_DRIVER_HOST").unwrap_or_else(|_| "127.0.0.1".into());
        let listener = TcpListener::bind((host.as_str(), 0))?;
        let address = format!("{host}:{}", listener.local_addr()?.port());
        listener.set_nonblocking(true)?;
        let (sender, events) = channel();
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = Arc::clone(&stop);
        std::thread::Builder::new()
            .name("graphchain-accept".into())
            .spawn(move || accept(&listener, &sender, &stopped))?;
        Ok(Session {
            address,
            events,
            stop,
        })
    }
}

/// Accepts workers until `stop`, each read by a thread of its own.
fn accept(listener: &TcpListener, events: &Sender<Event>, stop: &AtomicBool) {
    while !stop.load(Ordering::Relaxed) {
        match listener.accept() {
            Ok((stream, _)) => {
                let events = events.clone();
                let _ = std::thread::Builder::new()
                    .name("graphchain-connection".into())
                    .spawn(move || read_worker(stream, &events));
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_millis(2));
            }
            Err(_) => std::thread::sleep(Duration::from_millis(20)),
        }
    }
}

/// Reads one worker's messages into events, until its connection ends.
fn read_worker(stream: TcpStream, events: &Sender<Event>) {
    let setup = stream
        .set_nonblocking(false)
        .and_then(|()| stream.set_nodelay(true))
        .and_then(|()| stream.try_clone());
    let Ok(writer) = setup else { return };
    let mut reader = BufReader::new(stream);
    let Ok(Some(FromWorker::Hello { worker, place })) = receive(&mut reader) else {
        return;
    };
    if events.send(Event::Hello(worker, place, writer)).is_err() {
        return;
    }
    while let Ok(Some(FromWorker::Done(outcomes))) = receive(&mut reader) {
        if events.send(Event::Done(worker, outcomes)).is_err() {
            return;
        }
    }
    let _ = events.send(Event::Closed(worker));
}

/// The driver's side of one attempt.
struct DriveState<'e, 'p, 'g, 'c> {
    run: &'e RunState<'p, 'g, 'c>,
    ctx: &'e Context<'e>,
    /// Ready nodes not looked at yet.
    local: Vec<usize>,
    /// Ready nodes for workers, not started yet.
    queue: VecDeque<usize>,
    /// Started tasks whose worker was lost, to hand out again.
    retry: VecDeque<Task<'g>>,
    workers: HashMap<usize, Worker<'g>>,
    /// Workers launched that have not connected yet.
    starting: HashMap<usize, ()>,
    /// How many times each node's worker was lost.
    lost: HashMap<usize, u32>,
    next_worker: usize,
    failed_launches: usize,
    last_problem: String,
}

impl<'g> DriveState<'_, '_, 'g, '_> {
    fn drive(&mut self, session: &Session, launcher: &mut dyn Launcher, wanted: usize, run: u64) {
        loop {
            self.drain_local();
            if self.ctx.cancelled() {
                return;
            }
            self.dispatch();
            let in_flight = self.workers.values().any(|w| !w.batch.is_empty());
            let waiting = !self.queue.is_empty() || !self.retry.is_empty();
            if !waiting && !in_flight && self.local.is_empty() {
                return;
            }
            if waiting && self.failed_launches > 3 * wanted.max(1) && self.workers.is_empty() {
                self.fail_waiting();
                continue;
            }
            if waiting {
                // One attempt per missing worker and pass: a launch that fails is counted, and
                // tried again on the next pass.
                let running = self.workers.len() + self.starting.len();
                for _ in running..wanted {
                    self.launch(launcher, &session.address, run);
                }
            }
            match session.events.recv_timeout(Duration::from_millis(50)) {
                Ok(event) => self.handle(event),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => {
                    self.last_problem = "the listener stopped".into();
                    self.failed_launches = usize::MAX / 2;
                }
            }
            for (worker, how) in launcher.ended() {
                self.last_problem = format!("worker {worker} ended ({how})");
                if self.starting.remove(&worker).is_some() {
                    self.failed_launches += 1;
                }
                self.lose(worker);
            }
        }
    }

    /// Starts one more worker.
    fn launch(&mut self, launcher: &mut dyn Launcher, driver: &str, run: u64) {
        let role = Role {
            driver: driver.to_owned(),
            run,
            worker: self.next_worker,
        };
        self.next_worker += 1;
        match launcher.launch(&role) {
            Ok(()) => {
                self.starting.insert(role.worker, ());
            }
            Err(e) => {
                self.last_problem = format!("cannot start a worker: {e}");
                self.failed_launches += 1;
            }
        }
    }

    /// Looks at every ready node: queues those for workers, runs the others here.
    fn drain_local(&mut self) {
        while let Some(i) = self.local.pop() {
            if self.goes_remote(i) {
                self.queue.push_back(i);
                continue;
            }
            let local = &mut self.local;
            if let Some(job) = run_here(self.run, self.ctx, i, None, &mut |c| local.push(c)) {
                self.run.store(job);
            }
        }
    }

    /// Whether node `i` runs on a worker: a node to compute whose result may be stored (so a
    /// worker can hand it back) and was not found unusable earlier in this run.
    fn goes_remote(&self, i: usize) -> bool {
        let run = self.run;
        run.plan.sources[i] == Source::Compute
            && run
                .cache
                .as_ref()
                .is_some_and(|c| c.eligible(run.plan.nodes[i]))
            && !run.was_bad(i)
    }

    /// Whether this process needs node `i`'s value: an output, or an input of a node run here.
    fn needed_here(&self, i: usize) -> bool {
        let plan = self.run.plan;
        plan.is_root(i)
            || plan
                .consumers_of(i)
                .iter()
                .any(|&c| !self.goes_remote(c as usize))
    }

    /// Hands waiting tasks to idle workers, spread evenly over them.
    fn dispatch(&mut self) {
        let idle: Vec<usize> = self
            .workers
            .iter()
            .filter(|(_, w)| w.batch.is_empty())
            .map(|(&id, _)| id)
            .collect();
        for (n, &worker) in idle.iter().enumerate() {
            let waiting = self.queue.len() + self.retry.len();
            if waiting == 0 {
                return;
            }
            // Workers still starting get their share too.
            let takers = idle.len() - n + self.starting.len();
            let size = waiting.div_ceil(takers).clamp(1, MAX_BATCH);
            let mut batch = Vec::with_capacity(size);
            while batch.len() < size {
                if let Some(task) = self.retry.pop_front() {
                    batch.push(task);
                } else if let Some(i) = self.queue.pop_front() {
                    let local = &mut self.local;
                    if let Some(mut task) = self.run.start(i, Some(worker), &mut |c| local.push(c))
                    {
                        // Inputs travel through the store; another process computes the result,
                        // so this one neither holds its inputs nor its lease.
                        drop(std::mem::take(&mut task.args));
                        task.lease = None;
                        batch.push(task);
                    }
                } else {
                    break;
                }
            }
            if batch.is_empty() {
                continue;
            }
            let message = ToWorker::Run(
                batch
                    .iter()
                    .map(|t| Assigned {
                        key: t.node.key.to_string(),
                        function: t.node.info.name.to_owned(),
                    })
                    .collect(),
            );
            let entry = self.workers.get_mut(&worker).expect("idle workers exist");
            entry.batch = batch;
            if send(&mut entry.writer, &message).is_err() {
                self.last_problem = format!("cannot reach worker {worker}");
                self.lose(worker);
            }
        }
    }

    fn handle(&mut self, event: Event) {
        match event {
            Event::Hello(worker, place, writer) => {
                self.starting.remove(&worker);
                let batch = Vec::new();
                self.workers.insert(
                    worker,
                    Worker {
                        writer,
                        place,
                        batch,
                    },
                );
            }
            Event::Done(worker, outcomes) => self.done(worker, outcomes),
            Event::Closed(worker) => {
                self.last_problem = format!("worker {worker} closed its connection");
                self.lose(worker);
            }
        }
    }

    /// Ends the tasks of `worker`'s batch as it says they ended.
    fn done(&mut self, worker: usize, outcomes: Vec<Outcome>) {
        let Some(entry) = self.workers.get_mut(&worker) else {
            return;
        };
        if outcomes.len() != entry.batch.len() {
            self.last_problem =
                format!("worker {worker} answered for other tasks than it was sent");
            return self.lose(worker);
        }
        let batch = std::mem::take(&mut entry.batch);
        let place = entry.place.clone();
        for (task, outcome) in batch.into_iter().zip(outcomes) {
            let i = task.index;
            self.run.ran_on(i, &place);
            let load = self.needed_here(i);
            let local = &mut self.local;
            let ready = &mut |c| local.push(c);
            let nanos = |n: u64| Duration::from_nanos(n);
            match outcome {
                Outcome::Stored(n) => self.run.finish_stored(task, nanos(n), load, ready),
                Outcome::Err(message, n) => {
                    let _ = self
                        .run
                        .finish(task, Ok(Err(message.into())), nanos(n), ready);
                }
                Outcome::Refused(message) => {
                    let _ = self
                        .run
                        .finish(task, Ok(Err(message.into())), Duration::ZERO, ready);
                }
                Outcome::Panic(message, n) => {
                    let _ = self
                        .run
                        .finish(task, Err(Box::new(message)), nanos(n), ready);
                }
            }
        }
    }

    /// Forgets `worker`: its tasks go to other workers, or fail once lost too often.
    fn lose(&mut self, worker: usize) {
        let Some(entry) = self.workers.remove(&worker) else {
            return;
        };
        let _ = entry.writer.shutdown(std::net::Shutdown::Both);
        for task in entry.batch {
            let lost = self.lost.entry(task.index).or_insert(0);
            *lost += 1;
            if *lost <= MAX_LOST {
                self.retry.push_back(task);
            } else {
                let message = format!(
                    "its worker was lost {lost} times, the last on {} ({})",
                    entry.place, self.last_problem
                );
                let local = &mut self.local;
                let _ = self
                    .run
                    .finish(task, Ok(Err(message.into())), Duration::ZERO, &mut |c| {
                        local.push(c)
                    });
            }
        }
    }

    /// Fails every task waiting for a worker, when no worker can be started.
    fn fail_waiting(&mut self) {
        let message = format!("no worker could be started ({})", self.last_problem);
        let local = &mut self.local;
        for task in self.retry.drain(..) {
            let error = Ok(Err(message.clone().into()));
            let _ = self
                .run
                .finish(task, error, Duration::ZERO, &mut |c| local.push(c));
        }
        while let Some(i) = self.queue.pop_front() {
            let local = &mut self.local;
            if let Some(task) = self.run.start(i, None, &mut |c| local.push(c)) {
                let error = Ok(Err(message.clone().into()));
                let _ = self
                    .run
                    .finish(task, error, Duration::ZERO, &mut |c| local.push(c));
            }
        }
    }
}
