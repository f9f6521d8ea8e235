//! The progress bar on stderr: a [`Callback`] that counts tasks as they end, and a thread that
//! draws the counts with indicatif once a run has lasted a second.
//!
//! Tasks only touch atomics and their worker's own slot, so a run pays a few nanoseconds per task
//! for it, and nothing when it is off. `GRAPHCHAIN_PROGRESS` forces it on or off.

use std::io::{self, IsTerminal, Write as _};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle, TermLike};

use crate::exec::callback::{Callback, RunInfo, TaskInfo, TaskOutcome};
use crate::exec::report::{Report, Status};
use crate::surface::runtime::PROGRESS_ENV;
use crate::surface::switch::switch_from_env;

/// How long a run goes before its bar appears, when not forced.
const DELAY: Duration = Duration::from_secs(1);

/// How often the bar is redrawn.
const TICK: Duration = Duration::from_millis(100);

/// Whether a run shows a bar.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Off,
    /// On stderr, which is a terminal, once the run has lasted [`DELAY`].
    Auto,
    /// From the start, whatever stderr is: redrawn in place on a terminal, otherwise written as
    /// plain lines (at most one a second).
    Forced,
}

/// `GRAPHCHAIN_PROGRESS=0` turns the bar off and `=1` forces it; otherwise it is shown only when
/// stderr is a terminal.
fn mode(switch: Option<bool>, stderr_is_terminal: bool) -> Mode {
    match switch {
        Some(false) => Mode::Off,
        Some(true) => Mode::Forced,
        None if stderr_is_terminal => Mode::Auto,
        None => Mode::Off,
    }
}

/// What a thread is running: the function's name and the call's label.
type Running = (&'static str, Option<Arc<str>>);

/// The progress of one run, shared between its tasks and the drawing thread.
#[derive(Debug)]
struct Shared {
    mode: Mode,
    /// When the run started: the bar, drawn a second later, counts its time from here.
    started: Instant,
    tasks: AtomicUsize,
    computed: AtomicUsize,
    loaded: AtomicUsize,
    failed: AtomicUsize,
    /// Skipped, or discarded and planned again.
    other: AtomicUsize,
    /// What each thread is running: slot 0 for the calling thread, `w + 1` for worker `w`.
    running: Vec<Mutex<Option<Running>>>,
    finished: Mutex<bool>,
    wake: Condvar,
}

/// The progress bar of one run.
#[derive(Debug)]
pub(crate) struct Progress {
    shared: Arc<Shared>,
    drawer: Mutex<Option<JoinHandle<()>>>,
}

impl Progress {
    /// The bar for a run on `threads` workers, or `None` when it is off for this run.
    pub(crate) fn for_run(threads: usize) -> Option<Progress> {
        static WARNED: std::sync::Once = std::sync::Once::new();
        let switch = switch_from_env(PROGRESS_ENV, &WARNED);
        let mode = mode(switch, io::stderr().is_terminal());
        (mode != Mode::Off).then(|| Progress::new(mode, threads))
    }

    fn new(mode: Mode, threads: usize) -> Self {
        Progress {
            shared: Arc::new(Shared {
                mode,
                started: Instant::now(),
                tasks: AtomicUsize::new(0),
                computed: AtomicUsize::new(0),
                loaded: AtomicUsize::new(0),
                failed: AtomicUsize::new(0),
                other: AtomicUsize::new(0),
                running: (0..=threads).map(|_| Mutex::new(None)).collect(),
                finished: Mutex::new(false),
                wake: Condvar::new(),
            }),
            drawer: Mutex::new(None),
        }
    }
}

impl Callback for Progress {
    fn on_start(&self, run: &RunInfo) {
        self.shared.tasks.fetch_add(run.tasks(), Ordering::Relaxed);
        let mut drawer = lock(&self.drawer);
        if drawer.is_none() {
            let shared = Arc::clone(&self.shared);
            // Without a thread there is no bar, and the run goes on.
            *drawer = std::thread::Builder::new()
                .name("graphchain-progress".into())
                .spawn(move || draw(&shared))
                .ok();
        }
    }

    fn before_task(&self, task: &TaskInfo) {
        if let Some(slot) = self.shared.slot(task) {
            *lock(slot) = Some((task.name(), task.label.clone()));
        }
    }

    fn after_task(&self, task: &TaskInfo, outcome: &TaskOutcome) {
        if let Some(slot) = self.shared.slot(task) {
            *lock(slot) = None;
        }
        let counter = match outcome.status() {
            Status::Computed => &self.shared.computed,
            Status::Loaded => &self.shared.loaded,
            Status::Failed => &self.shared.failed,
            _ => &self.shared.other,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    fn on_finish(&self, _: &Report) {
        self.stop();
    }
}

impl Progress {
    /// Tells the drawing thread the run is over and waits for its last line.
    fn stop(&self) {
        *lock(&self.shared.finished) = true;
        self.shared.wake.notify_all();
        if let Some(drawer) = lock(&self.drawer).take() {
            // A panic while drawing loses the bar, not the run.
            let _ = drawer.join();
        }
    }
}

impl Drop for Progress {
    /// Stops the drawing thread of a run that ended without `on_finish` (a callback panicked).
    fn drop(&mut self) {
        self.stop();
    }
}

impl Shared {
    fn slot(&self, task: &TaskInfo) -> Option<&Mutex<Option<Running>>> {
        self.running.get(task.worker().map_or(0, |w| w + 1))
    }

    /// Waits up to `timeout` for the run to finish; returns whether it has.
    fn wait_finished(&self, timeout: Duration) -> bool {
        let finished = lock(&self.finished);
        let (finished, _) = self
            .wake
            .wait_timeout_while(finished, timeout, |done| !*done)
            .unwrap_or_else(|e| e.into_inner());
        *finished
    }

    /// The counts, and what is running now.
    fn message(&self) -> String {
        let count = |c: &AtomicUsize| c.load(Ordering::Relaxed);
        let mut message = format!(
            "{} computed, {} loaded",
            count(&self.computed),
            count(&self.loaded)
        );
        if count(&self.failed) > 0 {
            message.push_str(&format!(", {} failed", count(&self.failed)));
        }
        let mut running: Vec<String> = self
            .running
            .iter()
            .filter_map(|slot| match &*lock(slot) {
                None => None,
                Some((name, None)) => Some((*name).to_owned()),
                Some((name, Some(label))) => Some(format!("{name} [{label}]")),
            })
            .collect();
        if !running.is_empty() {
            running.sort_unstable();
            message.push_str(" · running ");
            let mut names = running
                .chunk_by(|a, b| a == b)
                .map(|same| match same.len() {
                    1 => same[0].to_owned(),
                    n => format!("{} ×{n}", same[0]),
                });
            message.push_str(&names.next().unwrap_or_default());
            for name in names {
                message.push_str(", ");
                message.push_str(&name);
            }
        }
        message
    }

    fn done(&self) -> u64 {
        [&self.computed, &self.loaded, &self.failed, &self.other]
            .iter()
            .map(|c| c.load(Ordering::Relaxed) as u64)
            .sum()
    }
}

/// The drawing thread: waits out the delay (unless forced), then redraws the bar every tick until
/// the run finishes, and leaves its last state on screen.
fn draw(shared: &Shared) {
    let target = match shared.mode {
        Mode::Off => return,
        Mode::Auto => {
            if shared.wait_finished(DELAY) {
                return; // a short run shows nothing
            }
            ProgressDrawTarget::stderr()
        }
        Mode::Forced if io::stderr().is_terminal() => ProgressDrawTarget::stderr(),
        Mode::Forced => ProgressDrawTarget::term_like(Box::new(Lines::default())),
    };
    let style =
        ProgressStyle::with_template("[{elapsed_precise}] [{bar:30}] {pos}/{len} {wide_msg}")
            .expect("the template is valid")
            .progress_chars("=> ");
    // Each change redraws: the counts go first, then the message made with them, so that the
    // first line drawn is already whole.
    let bar = ProgressBar::with_draw_target(None, target)
        .with_style(style)
        .with_elapsed(shared.started.elapsed())
        .with_message(shared.message());
    let update = || {
        let message = shared.message();
        bar.update(|state| {
            state.set_len(shared.tasks.load(Ordering::Relaxed) as u64);
            state.set_pos(shared.done());
        });
        bar.set_message(message);
    };
    loop {
        let finished = shared.wait_finished(Duration::ZERO);
        update();
        if finished {
            break;
        }
        shared.wait_finished(TICK);
    }
    bar.finish();
}

/// A draw target for stderr when it is not a terminal: plain lines, no cursor movements, at most
/// one a second and never the same twice, and the last state when the bar is dropped.
#[derive(Debug, Default)]
struct Lines(Mutex<LinesState>);

#[derive(Debug, Default)]
struct LinesState {
    /// What indicatif is drawing now.
    drawing: String,
    /// The latest line not written yet.
    pending: Option<String>,
    /// The last line written, and when.
    last: Option<String>,
    written: Option<Instant>,
}

/// How often [`Lines`] writes a line.
const LINE_INTERVAL: Duration = Duration::from_secs(1);

impl LinesState {
    /// Takes what was drawn as the latest line; returns it when it is time to write one.
    fn drawn(&mut self, now: Instant) -> Option<String> {
        let line = plain_line(&std::mem::take(&mut self.drawing))?;
        if self.last.as_ref() == Some(&line) {
            self.pending = None;
            return None;
        }
        if self
            .written
            .is_some_and(|at| now.duration_since(at) < LINE_INTERVAL)
        {
            self.pending = Some(line);
            return None;
        }
        self.pending = None;
        self.written = Some(now);
        self.last = Some(line.clone());
        Some(line)
    }
}

impl Drop for Lines {
    fn drop(&mut self) {
        if let Some(line) = lock(&self.0).pending.take() {
            let _ = writeln!(io::stderr().lock(), "{line}");
        }
    }
}

impl TermLike for Lines {
    fn width(&self) -> u16 {
        100
    }
    fn move_cursor_up(&self, _: usize) -> io::Result<()> {
        Ok(())
    }
    fn move_cursor_down(&self, _: usize) -> io::Result<()> {
        Ok(())
    }
    fn move_cursor_right(&self, _: usize) -> io::Result<()> {
        Ok(())
    }
    fn move_cursor_left(&self, _: usize) -> io::Result<()> {
        Ok(())
    }
    fn write_line(&self, s: &str) -> io::Result<()> {
        self.write_str(s)?;
        self.flush()
    }
    fn write_str(&self, s: &str) -> io::Result<()> {
        lock(&self.0).drawing.push_str(s);
        Ok(())
    }
    fn clear_line(&self) -> io::Result<()> {
        Ok(())
    }
    fn flush(&self) -> io::Result<()> {
        let line = lock(&self.0).drawn(Instant::now());
        match line {
            Some(line) => writeln!(io::stderr().lock(), "{line}"),
            None => Ok(()),
        }
    }
}

/// What indicatif drew, as a plain line: without the carriage return that would take the cursor
/// back, nor the padding up to the width; `None` when nothing is left.
fn plain_line(drawn: &str) -> Option<String> {
    let line = drawn.replace('\r', "");
    let line = line.trim_end();
    (!line.is_empty()).then(|| line.to_owned())
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests;
