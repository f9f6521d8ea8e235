//! The runtime's worker threads: plain OS threads that take work items of runs from one queue.
//!
//! A task body runs on a worker and nothing else runs on that thread until it returns. This is
//! why the workers are not a rayon pool: a rayon worker that waits — for a job it sent to another
//! rayon pool (polars, arrow), or inside `join` — runs other jobs of its own pool meanwhile, so
//! other graphchain tasks would start on top of the blocked one, inflating its measured time and
//! holding all their memory at once. A worker here that blocks simply blocks.
//!
//! Results to store go to a queue of their own, served by one more thread, the writer
//! (`graphchain-store`), and by workers that have no task to run: storing a result (encoding it,
//! hashing it, writing it) overlaps the tasks that come next instead of delaying them, which
//! matters most when each task already keeps every core busy in its own pool (polars). A worker
//! hands a result over only when the writer is idle, and otherwise stores it itself: so at most
//! one result is kept in memory for storing alone, and a slow disk slows the run down rather
//! than piling results up.
//!
//! A run puts its ready nodes (and its results to store) on the queues as items that point back
//! to the run, which lives on the caller's stack. The caller waits until every item it queued was
//! executed, so no item outlives the run it points to. A run started from inside a task (on a
//! worker) works on its own items while it waits, and only on those.

use std::cell::Cell;
use std::collections::VecDeque;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use super::lock;
use super::run_cache::StoreJob;

/// Something to do for a run: start a node whose inputs are ready, or store a result.
pub(super) enum Work {
    Node(usize),
    Store(StoreJob),
}

/// A run as the workers see it.
pub(super) trait Items: Sync {
    /// Does `work` on worker `worker` of the pool; new items go to `crew`.
    fn execute(&self, crew: &Crew<'_>, work: Work, worker: usize);
}

/// One queued item: the work and the run it belongs to.
struct Item {
    /// The run, with its lifetime erased: see [`Crew::new`].
    crew: *const Crew<'static>,
    work: Work,
}

// SAFETY: an `Item` only carries a pointer to a `Crew`, which is `Sync` (its run is `Items: Sync`
// and its counters are atomics or behind locks), and work that is `Send` (node indices, and store
// jobs that own `Send` values).
unsafe impl Send for Item {}

struct Queue {
    /// Nodes to start.
    items: VecDeque<Item>,
    /// Results to store.
    stores: VecDeque<Item>,
    /// Workers waiting for an item.
    idle: usize,
    /// Whether the writer is not storing a result (it may not have started waiting yet: it looks
    /// at the queue before it waits).
    writer_idle: bool,
    shutdown: bool,
}

impl Queue {
    /// The next item for a worker: a node to start, or else a result to store.
    fn next_for_worker(&mut self) -> Option<Item> {
        self.items.pop_front().or_else(|| self.stores.pop_front())
    }
}

struct Shared {
    queue: Mutex<Queue>,
    /// Signalled when an item is queued or the pool shuts down.
    work: Condvar,
    /// Signalled when a result to store is queued or the pool shuts down.
    store_work: Condvar,
    /// Signalled when the writer has stored a result.
    stored: Condvar,
    threads: usize,
    /// Whether large results go to the writer too (`RuntimeBuilder::write_behind`).
    write_behind: bool,
}

thread_local! {
    /// The pool (by address) and index of the worker running on this thread.
    static WORKER: Cell<Option<(usize, usize)>> = const { Cell::new(None) };
}

/// The worker threads of a runtime.
#[derive(Debug)]
pub(crate) struct Workers {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} worker threads", self.threads)
    }
}

impl Workers {
    /// Starts `threads` workers named `graphchain-0`, `graphchain-1`…, and the writer,
    /// `graphchain-store`, which stores large results too when `write_behind`.
    pub(crate) fn new(threads: usize, write_behind: bool) -> std::io::Result<Workers> {
        let shared = Arc::new(Shared {
            queue: Mutex::new(Queue {
                items: VecDeque::new(),
                stores: VecDeque::new(),
                idle: 0,
                writer_idle: true,
                shutdown: false,
            }),
            work: Condvar::new(),
            store_work: Condvar::new(),
            stored: Condvar::new(),
            threads,
            write_behind,
        });
        for index in 0..=threads {
            let mine = Arc::clone(&shared);
            let builder = std::thread::Builder::new();
            let started = if index < threads {
                builder
                    .name(format!("graphchain-{index}"))
                    .spawn(move || work_loop(&mine, index))
            } else {
                // The writer counts as worker `threads` where an index is asked for.
                builder
                    .name("graphchain-store".to_owned())
                    .spawn(move || store_loop(&mine, index))
            };
            if let Err(e) = started {
                Workers { shared }.shut_down();
                return Err(e);
            }
        }
        Ok(Workers { shared })
    }

    pub(crate) fn threads(&self) -> usize {
        self.shared.threads
    }

    /// The index of the worker of this pool running on the current thread.
    pub(super) fn current(&self) -> Option<usize> {
        let id = Arc::as_ptr(&self.shared) as usize;
        WORKER.get().filter(|&(pool, _)| pool == id).map(|(_, i)| i)
    }

    fn shut_down(&self) {
        lock(&self.shared.queue).shutdown = true;
        self.shared.work.notify_all();
        self.shared.store_work.notify_all();
        self.shared.stored.notify_all();
    }
}

impl Drop for Workers {
    /// Tells the workers to stop once the queue is empty, without waiting for them: a runtime may
    /// be dropped on one of its own workers (by a task holding its last clone).
    fn drop(&mut self) {
        self.shut_down();
    }
}

fn work_loop(shared: &Shared, index: usize) {
    WORKER.set(Some((std::ptr::from_ref(shared) as usize, index)));
    loop {
        let item = {
            let mut queue = lock(&shared.queue);
            loop {
                if let Some(item) = queue.next_for_worker() {
                    break item;
                }
                if queue.shutdown {
                    return;
                }
                queue.idle += 1;
                queue = shared.work.wait(queue).unwrap_or_else(|e| e.into_inner());
                queue.idle -= 1;
            }
        };
        run_item(item, index);
    }
}

/// The writer: stores results, and nothing else, so that it never holds a task up.
fn store_loop(shared: &Shared, index: usize) {
    loop {
        let item = {
            let mut queue = lock(&shared.queue);
            loop {
                if let Some(item) = queue.stores.pop_front() {
                    queue.writer_idle = false;
                    break item;
                }
                if queue.shutdown {
                    return;
                }
                queue = shared
                    .store_work
                    .wait(queue)
                    .unwrap_or_else(|e| e.into_inner());
            }
        };
        run_item(item, index);
        lock(&shared.queue).writer_idle = true;
        shared.stored.notify_all();
    }
}

fn run_item(item: Item, index: usize) {
    // SAFETY: the crew outlives its items: `Crew::wait` returns only once every item it
    // counted was executed, and this item is counted until `done` below.
    let crew = unsafe { &*item.crew };
    crew.run(item.work, index);
}

/// The items of one run: how many are queued or running, and how the run waits for them.
pub(super) struct Crew<'r> {
    workers: &'r Workers,
    items: &'r dyn Items,
    /// Items queued or running, plus one per caller still adding items.
    outstanding: AtomicUsize,
    /// Signalled when `outstanding` drops to zero.
    finished: Mutex<bool>,
    done: Condvar,
    /// The first panic that escaped an item (a callback's), re-raised by the caller.
    panic: Mutex<Option<Box<dyn std::any::Any + Send>>>,
}

impl<'r> Crew<'r> {
    /// A crew for the run `items` on `workers`, with the caller counted as one outstanding
    /// producer of items until [`wait`](Crew::wait).
    pub(super) fn new(workers: &'r Workers, items: &'r dyn Items) -> Self {
        Crew {
            workers,
            items,
            outstanding: AtomicUsize::new(1),
            finished: Mutex::new(false),
            done: Condvar::new(),
            panic: Mutex::new(None),
        }
    }

    /// Queues `work` for the next free worker, ahead of what was queued before: work a task
    /// just released (its consumers, its result to store) goes first, as on rayon's local
    /// deques, so that values are consumed and stored soon after they are made.
    pub(super) fn push(&self, work: Work) {
        self.enqueue(std::iter::once(work), true);
    }

    /// Queues several items in order, behind what was queued before.
    pub(super) fn push_all(&self, works: impl IntoIterator<Item = Work>) {
        self.enqueue(works, false);
    }

    /// Hands a result to the writer when it is idle; otherwise the job comes back, for the
    /// caller to store itself — unless the result is large: then the caller waits for the
    /// writer, so that no two large results are encoded at once beside the tasks that run. A
    /// large result always comes back without write-behind.
    pub(super) fn queue_store(&self, job: StoreJob) -> Option<StoreJob> {
        let shared = &self.workers.shared;
        // Without write-behind, the worker stores a large result itself, before its next task.
        if job.large() && !shared.write_behind {
            return Some(job);
        }
        let full = {
            let mut queue = lock(&shared.queue);
            let busy = |q: &Queue| !(q.writer_idle && q.stores.is_empty());
            if job.large() {
                while busy(&queue) && !queue.shutdown {
                    queue = shared.stored.wait(queue).unwrap_or_else(|e| e.into_inner());
                }
            }
            busy(&queue)
        };
        if full {
            return Some(job);
        }
        self.push(Work::Store(job));
        None
    }

    fn enqueue(&self, works: impl IntoIterator<Item = Work>, front: bool) {
        // The lifetime is erased here: `wait` does not return before every item counted in
        // `outstanding` has been executed, so no queued pointer outlives `self`.
        let crew = std::ptr::from_ref(self).cast::<Crew<'static>>();
        let shared = &self.workers.shared;
        let mut queue = lock(&shared.queue);
        let (mut nodes, mut stores) = (0, 0);
        for work in works {
            let (queue, count) = match work {
                Work::Node(_) => (&mut queue.items, &mut nodes),
                Work::Store(_) => (&mut queue.stores, &mut stores),
            };
            let item = Item { crew, work };
            if front {
                queue.push_front(item);
            } else {
                queue.push_back(item);
            }
            *count += 1;
        }
        self.outstanding.fetch_add(nodes + stores, Ordering::AcqRel);
        let (idle, writer_idle) = (queue.idle, queue.writer_idle);
        drop(queue);
        if stores > 0 && writer_idle {
            shared.store_work.notify_one();
        }
        // Idle workers start nodes; they store results too when the writer is busy.
        let for_workers = nodes + if writer_idle { 0 } else { stores };
        match for_workers.min(idle) {
            0 => {}
            1 => shared.work.notify_one(),
            _ => shared.work.notify_all(),
        }
    }

    /// Executes one item of this crew on this thread (worker `worker`), keeping a panic for the
    /// caller.
    #[cfg(feature = "async")]
    pub(super) fn execute(&self, work: Work, worker: usize) {
        self.run(work, worker);
    }

    /// Executes one item of this crew, keeping a panic for the caller.
    fn run(&self, work: Work, worker: usize) {
        if let Err(panic) =
            catch_unwind(AssertUnwindSafe(|| self.items.execute(self, work, worker)))
        {
            lock(&self.panic).get_or_insert(panic);
        }
        self.item_done();
    }

    fn item_done(&self) {
        if self.outstanding.fetch_sub(1, Ordering::AcqRel) == 1 {
            *lock(&self.finished) = true;
            self.done.notify_all();
        }
    }

    /// Ends the caller's part and waits until every item was executed; re-raises the first
    /// panic an item raised. On a worker of the same pool (a run started inside a task), it
    /// executes this run's own queued items meanwhile, and no other run's.
    pub(super) fn wait(&self) {
        self.item_done();
        let worker = self.workers.current();
        loop {
            if let Some(worker) = worker {
                while let Some(work) = self.take_own() {
                    self.run(work, worker);
                }
            }
            let finished = lock(&self.finished);
            if *finished {
                break;
            }
            match worker {
                None => {
                    drop(self.done.wait_while(finished, |finished| !*finished));
                    break;
                }
                // Wake now and then to take own items queued while every other worker is busy.
                Some(_) => drop(self.done.wait_timeout(finished, Duration::from_micros(200))),
            }
        }
        // A wide run grew the queue; give the memory back once it is empty.
        {
            let mut queue = lock(&self.workers.shared.queue);
            let queue = &mut *queue;
            for items in [&mut queue.items, &mut queue.stores] {
                if items.is_empty() && items.capacity() > 1024 {
                    items.shrink_to(1024);
                }
            }
        }
        if let Some(panic) = lock(&self.panic).take() {
            resume_unwind(panic);
        }
    }

    /// Takes one queued item of this crew, leaving other runs' items in place.
    pub(super) fn take_own(&self) -> Option<Work> {
        let me = std::ptr::from_ref(self).cast::<Crew<'static>>();
        let mut queue = lock(&self.workers.shared.queue);
        let queue = &mut *queue;
        [&mut queue.items, &mut queue.stores]
            .into_iter()
            .find_map(|items| {
                let at = items.iter().position(|item| std::ptr::eq(item.crew, me))?;
                items.remove(at)
            })
            .map(|item| item.work)
    }

    /// The worker running the current thread, if it is one of this crew's pool.
    #[cfg(feature = "async")]
    pub(super) fn worker(&self) -> Option<usize> {
        self.workers.current()
    }
}
