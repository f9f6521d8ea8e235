//! Profiles of runs: a table per function, a Chrome trace-event timeline, and the [`Profiler`]
//! callback that keeps the reports of a runtime's runs.

use std::collections::BTreeMap;
use std::fmt::{self, Write as _};
use std::sync::Mutex;
use std::time::Duration;

use crate::exec::callback::Callback;
use crate::exec::report::{NodeReport, Report, Status};

/// Where the time of one or more runs went, function by function.
///
/// Returned by [`Report::profile`] and [`Profiler::profile`]; its `Display` is a table, the most
/// expensive function first.
///
/// # Examples
///
/// ```
/// use graphchain::{delayed, Runtime};
///
/// #[delayed]
/// fn inc(x: u32) -> u32 {
///     x + 1
/// }
///
/// let rt = Runtime::builder().cache(false).build()?;
/// let (_, report) = rt.compute_with_report(&inc(inc(inc(0))))?;
/// let profile = report.profile();
/// let inc = &profile.functions()[0];
/// assert_eq!((inc.name(), inc.calls(), inc.computed()), ("inc", 3, 3));
/// println!("{profile}");
/// # Ok::<(), graphchain::Error>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct Profile {
    functions: Vec<FunctionProfile>,
}

/// One function's line in a [`Profile`].
#[derive(Clone, Debug, Default)]
pub struct FunctionProfile {
    name: &'static str,
    calls: usize,
    computed: usize,
    loaded: usize,
    failed: usize,
    total: Duration,
    bytes_read: u64,
    bytes_written: u64,
}

impl FunctionProfile {
    /// The function's name.
    pub fn name(&self) -> &'static str {
        self.name
    }
    /// How many of its nodes the runs had, whatever became of them.
    pub fn calls(&self) -> usize {
        self.calls
    }
    /// How many were computed.
    pub fn computed(&self) -> usize {
        self.computed
    }
    /// How many were loaded from the cache.
    pub fn loaded(&self) -> usize {
        self.loaded
    }
    /// How many failed.
    pub fn failed(&self) -> usize {
        self.failed
    }
    /// Time spent computing and loading them.
    pub fn total(&self) -> Duration {
        self.total
    }
    /// [`total`](FunctionProfile::total) divided by [`calls`](FunctionProfile::calls).
    pub fn mean(&self) -> Duration {
        match u32::try_from(self.calls) {
            Ok(0) => Duration::ZERO,
            Ok(calls) => self.total / calls,
            Err(_) => Duration::from_secs_f64(self.total.as_secs_f64() / self.calls as f64),
        }
    }
    /// Bytes loaded from the cache for them.
    pub fn bytes_read(&self) -> u64 {
        self.bytes_read
    }
    /// Bytes written to the cache for them.
    pub fn bytes_written(&self) -> u64 {
        self.bytes_written
    }

    fn add(&mut self, node: &NodeReport) {
        self.calls += 1;
        self.total += node.duration;
        match node.status {
            Status::Computed => self.computed += 1,
            Status::Loaded => {
                self.loaded += 1;
                self.bytes_read += node.bytes;
            }
            Status::Failed => self.failed += 1,
            _ => {}
        }
        if node.stored {
            self.bytes_written += node.bytes;
        }
    }
}

impl Profile {
    /// Sums the nodes of `reports` by function name.
    pub(crate) fn new<'a>(reports: impl IntoIterator<Item = &'a Report>) -> Self {
        let mut by_name: BTreeMap<&'static str, FunctionProfile> = BTreeMap::new();
        for node in reports.into_iter().flat_map(Report::nodes) {
            by_name
                .entry(node.name)
                .or_insert_with(|| FunctionProfile {
                    name: node.name,
                    ..FunctionProfile::default()
                })
                .add(node);
        }
        let mut functions: Vec<FunctionProfile> = by_name.into_values().collect();
        // Most expensive first; the map already ordered equal totals by name.
        functions.sort_by_key(|f| std::cmp::Reverse(f.total));
        Profile { functions }
    }

    /// One line per function, the most expensive first.
    pub fn functions(&self) -> &[FunctionProfile] {
        &self.functions
    }

    /// The line of the function named `name`.
    pub fn function(&self, name: &str) -> Option<&FunctionProfile> {
        self.functions.iter().find(|f| f.name == name)
    }
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let width = self
            .functions
            .iter()
            .map(|p| p.name.chars().count())
            .chain([8])
            .max()
            .unwrap_or(8);
        writeln!(
            f,
            "{:<width$}  {:>6}  {:>8}  {:>6}  {:>6}  {:>10}  {:>10}  {:>12}  {:>12}",
            "FUNCTION", "CALLS", "COMPUTED", "LOADED", "FAILED", "TOTAL", "MEAN", "READ", "WRITTEN"
        )?;
        for p in &self.functions {
            writeln!(
                f,
                "{:<width$}  {:>6}  {:>8}  {:>6}  {:>6}  {:>10}  {:>10}  {:>12}  {:>12}",
                p.name,
                p.calls,
                p.computed,
                p.loaded,
                p.failed,
                format!("{:.3?}", p.total),
                format!("{:.3?}", p.mean()),
                format!("{} B", p.bytes_read),
                format!("{} B", p.bytes_written),
            )?;
        }
        Ok(())
    }
}

/// The run as Chrome trace-event JSON: a complete event per node on the track of the thread (or
/// the worker process, or cluster job) that ran it, timed in microseconds from the start of the
/// run.
pub(crate) fn chrome_trace(report: &Report) -> String {
    let mut nodes: Vec<&NodeReport> = report.nodes().iter().collect();
    nodes.sort_by_key(|n| (n.start, n.end));
    let mut threads: Vec<Option<usize>> = nodes.iter().map(|n| n.worker).collect();
    threads.sort_unstable();
    threads.dedup();
    let tid = |worker: Option<usize>| worker.map_or(0, |w| w + 1);
    let micros = |d: Duration| d.as_nanos() as f64 / 1e3;

    let mut out = String::from("{\"traceEvents\":[\n");
    out.push_str(
        "{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":1,\"tid\":0,\"args\":{\"name\":\"graphchain run\"}}",
    );
    for &worker in &threads {
        // A worker process or cluster job is named by where it ran (one track per worker).
        let place = nodes
            .iter()
            .find(|n| n.worker == worker && n.ran_on.is_some())
            .and_then(|n| n.ran_on.as_deref());
        let name = match (worker, place) {
            (Some(w), Some(place)) => format!("worker {w}: {place}"),
            (Some(w), None) => format!("worker {w}"),
            (None, _) => "calling thread".to_owned(),
        };
        let _ = write!(
            out,
            ",\n{{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":1,\"tid\":{},\"args\":{{\"name\":{}}}}}",
            tid(worker),
            json_string(&name),
        );
    }
    for n in nodes {
        let status = n.status.to_string();
        let _ = write!(
            out,
            ",\n{{\"name\":{},\"cat\":{},\"ph\":\"X\",\"ts\":{:.3},\"dur\":{:.3},\"pid\":1,\"tid\":{},\
             \"args\":{{\"key\":\"{}\",\"status\":{},\"time_us\":{:.3},\"bytes\":{},\"stored\":{}}}}}",
            json_string(n.name),
            json_string(&status),
            micros(n.start),
            micros(n.end.saturating_sub(n.start)),
            tid(n.worker),
            n.key,
            json_string(&status),
            micros(n.duration),
            n.bytes,
            n.stored,
        );
    }
    out.push_str("\n],\"displayTimeUnit\":\"ms\"}\n");
    out
}

/// `s` as a JSON string literal.
fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A [`Callback`] that keeps the [`Report`] of every run, failed runs included.
///
/// Register it with [`RuntimeBuilder::callback`](crate::RuntimeBuilder::callback) to profile
/// runs started with [`Runtime::compute`](crate::Runtime::compute) or
/// [`Runtime::compute_many`](crate::Runtime::compute_many), or to see what happened in a run that
/// failed (its report colours the failed nodes in [`Report::visualize`]).
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
///
/// use graphchain::{delayed, Profiler, Runtime, Status};
///
/// #[delayed]
/// fn check(x: i32) -> Result<i32, String> {
///     if x < 0 { Err("negative".into()) } else { Ok(x) }
/// }
///
/// let profiler = Arc::new(Profiler::new());
/// let rt = Runtime::builder().cache(false).callback(profiler.clone()).build()?;
/// assert!(rt.compute(&check(-1)).is_err());
/// let report = profiler.last().expect("one run");
/// assert_eq!(report.count(Status::Failed), 1);
/// assert_eq!(profiler.profile().function("check").unwrap().failed(), 1);
/// # Ok::<(), graphchain::Error>(())
/// ```
#[derive(Debug, Default)]
pub struct Profiler {
    reports: Mutex<Vec<Report>>,
}

impl Profiler {
    /// A profiler with no runs yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// The reports of the runs so far, oldest first.
    pub fn reports(&self) -> Vec<Report> {
        self.lock().clone()
    }

    /// The report of the latest run.
    pub fn last(&self) -> Option<Report> {
        self.lock().last().cloned()
    }

    /// The runs so far summed by function.
    pub fn profile(&self) -> Profile {
        Profile::new(self.lock().iter())
    }

    /// Forgets the runs so far.
    pub fn clear(&self) {
        self.lock().clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Report>> {
        self.reports.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Callback for Profiler {
    fn on_finish(&self, report: &Report) {
        self.lock().push(report.clone());
    }
}

impl Report {
    /// Where the time went, function by function: calls, computed, loaded, total and mean time,
    /// bytes read and written. Its `Display` is a table.
    ///
    /// # Examples
    ///
    /// See [`Profile`].
    pub fn profile(&self) -> Profile {
        Profile::new([self])
    }

    /// The run as Chrome trace-event JSON, for Perfetto (<https://ui.perfetto.dev>) or
    /// `chrome://tracing`: one track per worker thread, one slice per node, from its start to its
    /// end, with its key, status, time and bytes as arguments.
    ///
    /// # Examples
    ///
    /// ```
    /// use graphchain::{delayed, Runtime};
    ///
    /// #[delayed]
    /// fn inc(x: u32) -> u32 {
    ///     x + 1
    /// }
    ///
    /// let rt = Runtime::builder().cache(false).build()?;
    /// let (_, report) = rt.compute_with_report(&inc(1))?;
    /// let trace = report.chrome_trace(); // write it to `run.json`, then open that in Perfetto
    /// assert!(trace.starts_with("{\"traceEvents\":["));
    /// assert!(trace.contains("\"name\":\"inc\""));
    /// # Ok::<(), graphchain::Error>(())
    /// ```
    pub fn chrome_trace(&self) -> String {
        chrome_trace(self)
    }
}

#[cfg(test)]
mod tests;
