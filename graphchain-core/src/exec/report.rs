//! The run report: what happened to every node of a run, and how long it took.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::graph::node::Node;
use crate::key::Key;

/// What happened to one node during a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Status {
    /// The task ran.
    Computed,
    /// The result was loaded from the cache.
    Loaded,
    /// The node was part of the graph but its result was not needed.
    NotNeeded,
    /// The task failed.
    Failed,
    /// The task did not run because one of its inputs failed.
    Skipped,
    /// The task did not start: the run stopped at the first failure
    /// ([`RuntimeBuilder::fail_fast`](crate::RuntimeBuilder::fail_fast)).
    Cancelled,
    /// The cache entry could not be used, so it was removed and the node is computed in a
    /// further attempt of the run. Only [callbacks](crate::Callback) see this status: a
    /// [`Report`] lists such entries in [`Report::discarded`].
    Discarded,
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Status::Computed => "computed",
            Status::Loaded => "loaded",
            Status::NotNeeded => "not needed",
            Status::Failed => "failed",
            Status::Skipped => "skipped (an input failed)",
            Status::Cancelled => "cancelled (fail-fast)",
            Status::Discarded => "discarded (an unusable cache entry)",
        })
    }
}

/// Why a node ran (or, for [`Reason::InputsUnchanged`], why it was loaded although its key was
/// new): what [`NodeReport::reason`] returns and `GRAPHCHAIN_EXPLAIN=1` prints.
///
/// A function "changed" when its identity — the hash of its tokens and its `version` — differs
/// from the one recorded the last time one of its results was stored in this cache.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Reason {
    /// `#[delayed(pure = false)]`: it runs on every call and is never cached.
    Impure,
    /// The runtime's skip lists ([`RuntimeBuilder::skip_keys`](crate::RuntimeBuilder::skip_keys),
    /// [`skip_functions`](crate::RuntimeBuilder::skip_functions)) leave it out of the cache.
    SkippedByRequest,
    /// It is never cached: `cache = "never"`, a built-in node (operators, projections), or a
    /// runtime without a cache.
    NotCached,
    /// Its cache entry could not be used (the message says why), so it was removed.
    EntryUnusable(String),
    /// No result of its function was ever stored in this cache.
    NewFunction,
    /// Its function's code changed since its results were stored.
    CodeChanged,
    /// A helper its function uses (through `uses(…)` or its pipeline module) changed.
    HelperChanged,
    /// The node `input` (input slot `slot`) was recomputed in this run, and no result is stored
    /// for the new value.
    InputChanged {
        /// The function of the recomputed input.
        input: &'static str,
        /// Its input slot.
        slot: usize,
    },
    /// Same code and inputs, but no result is stored for this call: a literal argument changed,
    /// the call is new, or the result was never stored (cache-if-faster judged it cheaper to
    /// recompute) or was pruned.
    NoEntry,
    /// A result for the same inputs was stored, but its entry is gone (pruned or removed).
    Evicted,
    /// Loaded although its key was new: an input was recomputed and came out byte-for-byte as
    /// before, so the result stored for those inputs was used (early cutoff).
    InputsUnchanged,
    /// Its result is not stored: cache-if-faster judged recomputing it cheaper than loading it
    /// (in this run, or for every call when its function's code last ran), so there was no
    /// result to load, whatever its inputs.
    NotStored,
    /// The node `input` (input slot `slot`) was recomputed in this run, and its results are not
    /// stored (cache-if-faster): no result of this node could be recorded for its value, so
    /// whether that value changed is unknown.
    InputNotStored {
        /// The function of the recomputed input.
        input: &'static str,
        /// Its input slot.
        slot: usize,
    },
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::Impure => f.write_str("impure (pure = false): runs on every call"),
            Reason::SkippedByRequest => f.write_str("left out of the cache by a skip list"),
            Reason::NotCached => f.write_str("never cached"),
            Reason::EntryUnusable(why) => write!(f, "its cache entry was unusable: {why}"),
            Reason::NewFunction => f.write_str("no result of this function is stored yet"),
            Reason::CodeChanged => f.write_str("the function's code changed"),
            Reason::HelperChanged => f.write_str("a helper the function uses changed"),
            Reason::InputChanged { input, slot } => {
                write!(
                    f,
                    "input {slot} (`{input}`) was recomputed with a new value"
                )
            }
            Reason::NoEntry => f.write_str(
                "no result stored for these arguments (new or changed literal, \
                 not worth storing, or pruned)",
            ),
            Reason::Evicted => f.write_str("its stored result was pruned"),
            Reason::InputsUnchanged => {
                f.write_str("loaded: its inputs were recomputed to the same values (early cutoff)")
            }
            Reason::NotStored => f.write_str(
                "never stored: cache-if-faster judged recomputing it cheaper than loading it",
            ),
            Reason::InputNotStored { input, slot } => write!(
                f,
                "input {slot} (`{input}`) was recomputed and is never stored (cache-if-faster), \
                 so no result was recorded for its value"
            ),
        }
    }
}

/// One node's line in a [`Report`] or a [`RunPlan`](crate::RunPlan).
///
/// Runs, dry runs and [`Profile`](crate::Profile)s share this record. Callbacks get the smaller
/// [`TaskInfo`](crate::TaskInfo) and [`TaskOutcome`](crate::TaskOutcome) instead: those are built
/// on the worker for every task without allocating, even when no report is kept.
#[derive(Clone, Debug)]
pub struct NodeReport {
    pub(crate) name: &'static str,
    pub(crate) label: Option<Arc<str>>,
    pub(crate) key: Key,
    pub(crate) status: Status,
    pub(crate) duration: Duration,
    pub(crate) bytes: u64,
    pub(crate) stored: bool,
    pub(crate) start: Duration,
    pub(crate) end: Duration,
    pub(crate) worker: Option<usize>,
    pub(crate) ran_on: Option<std::sync::Arc<str>>,
    pub(crate) reason: Option<Reason>,
    pub(crate) may_cut_off: bool,
}

impl NodeReport {
    /// `node`, computed in no time, to be filled in.
    pub(crate) fn new(node: &Node) -> Self {
        NodeReport {
            label: node.label().cloned(),
            ..NodeReport::named(node.info.name, node.key)
        }
    }

    /// A computed node without a label that took no time, to be filled in.
    pub(crate) fn named(name: &'static str, key: Key) -> Self {
        NodeReport {
            name,
            label: None,
            key,
            status: Status::Computed,
            duration: Duration::ZERO,
            bytes: 0,
            stored: false,
            start: Duration::ZERO,
            end: Duration::ZERO,
            worker: None,
            ran_on: None,
            reason: None,
            may_cut_off: false,
        }
    }

    /// The function's name.
    pub fn name(&self) -> &'static str {
        self.name
    }
    /// The label of this call ([`Delayed::label`](crate::Delayed::label), or the name of the
    /// file it reads), if it has one.
    pub fn label(&self) -> Option<&str> {
        self.label.as_deref()
    }
    /// The function's name, and the label in brackets when there is one: how reports name it.
    pub fn title(&self) -> std::borrow::Cow<'static, str> {
        match &self.label {
            None => self.name.into(),
            Some(label) => format!("{} [{label}]", self.name).into(),
        }
    }
    /// The node's key.
    pub fn key(&self) -> Key {
        self.key
    }
    /// What happened to it.
    pub fn status(&self) -> Status {
        self.status
    }
    /// How long it took to compute or load.
    pub fn duration(&self) -> Duration {
        self.duration
    }
    /// Bytes read from or written to the cache for it.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }
    /// Whether its result was written to the cache.
    pub fn stored(&self) -> bool {
        self.stored
    }
    /// When its task started, counted from the start of the run. The task's span, from
    /// `start` to [`end`](NodeReport::end), includes handing it its inputs and is at least its
    /// [`duration`](NodeReport::duration).
    pub fn start(&self) -> Duration {
        self.start
    }
    /// When its task ended, counted from the start of the run.
    pub fn end(&self) -> Duration {
        self.end
    }
    /// The worker thread that ran it, numbered from 0 in the runtime's pool; `None` for a task
    /// run on the calling thread ([`Scheduler::Sequential`](crate::Scheduler::Sequential)), and
    /// for an async task (`#[delayed] async fn`), which runs on tokio.
    pub fn worker(&self) -> Option<usize> {
        self.worker
    }
    /// The process that ran it, when not this one: a worker process (`pid P on HOST`) or a
    /// cluster job (`slurm job J on NODE, pid P on HOST`); [`worker`](NodeReport::worker) is
    /// then the number of that worker in its run.
    pub fn ran_on(&self) -> Option<&str> {
        self.ran_on.as_deref()
    }
    /// Why it ran, for a computed node; [`Reason::InputsUnchanged`] for a node found again through
    /// the content of its inputs; `None` for a node whose key was in the cache.
    pub fn reason(&self) -> Option<&Reason> {
        self.reason.as_ref()
    }
    /// In a [`RunPlan`](crate::RunPlan), whether a node planned for computing may be loaded after
    /// all, if its recomputed inputs come out as before (early cutoff); `false` in a report of a
    /// run, which says what did happen ([`Reason::InputsUnchanged`]).
    pub fn may_cut_off(&self) -> bool {
        self.may_cut_off
    }
}

/// What a run did, node by node.
///
/// # Examples
///
/// ```
/// use graphchain::{delayed, Runtime, Status};
///
/// #[delayed]
/// fn inc(x: u32) -> u32 {
///     x + 1
/// }
///
/// let rt = Runtime::builder().threads(2).cache(false).build()?;
/// let (value, report) = rt.compute_with_report(&inc(inc(1)))?;
/// assert_eq!(value, 3);
/// assert_eq!(report.count(Status::Computed), 2);
/// println!("{report}");
/// # Ok::<(), graphchain::Error>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct Report {
    pub(crate) nodes: Vec<NodeReport>,
    pub(crate) wall: Duration,
    pub(crate) discarded: Vec<(Key, String)>,
}

impl Report {
    /// Every node of the run, inputs before the nodes that read them.
    pub fn nodes(&self) -> &[NodeReport] {
        &self.nodes
    }

    /// How many nodes ended with `status`.
    pub fn count(&self, status: Status) -> usize {
        self.nodes.iter().filter(|n| n.status == status).count()
    }

    /// The nodes of the function named `name`.
    pub fn by_name<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a NodeReport> + 'a {
        self.nodes.iter().filter(move |n| n.name == name)
    }

    /// Cache entries found unusable during the run (corrupt, truncated, written for another
    /// type…), with the reason: each was removed and its node computed instead.
    pub fn discarded(&self) -> &[(Key, String)] {
        &self.discarded
    }

    /// Bytes written to the cache.
    pub fn bytes_written(&self) -> u64 {
        self.nodes
            .iter()
            .filter(|n| n.stored)
            .map(|n| n.bytes)
            .sum()
    }

    /// Bytes read from the cache.
    pub fn bytes_read(&self) -> u64 {
        self.nodes
            .iter()
            .filter(|n| n.status == Status::Loaded)
            .map(|n| n.bytes)
            .sum()
    }

    /// Wall-clock time of the whole run.
    pub fn wall_time(&self) -> Duration {
        self.wall
    }

    /// Why each node ran: one line per computed node (and per node found again through early
    /// cutoff) with its function, key and [`Reason`]. What `GRAPHCHAIN_EXPLAIN=1` prints.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// use graphchain::{delayed, MemoryStore, Reason, Runtime};
    ///
    /// #[delayed(cache = "always")]
    /// fn inc(x: u32) -> u32 {
    ///     x + 1
    /// }
    ///
    /// let rt = Runtime::builder().store(Arc::new(MemoryStore::new())).build()?;
    /// let (_, report) = rt.compute_with_report(&inc(1))?;
    /// assert_eq!(report.nodes()[0].reason(), Some(&Reason::NewFunction));
    /// let (_, report) = rt.compute_with_report(&inc(2))?;
    /// assert_eq!(report.nodes()[0].reason(), Some(&Reason::NoEntry));
    /// assert!(report.explain().to_string().contains("no result stored for these arguments"));
    /// # Ok::<(), graphchain::Error>(())
    /// ```
    pub fn explain(&self) -> Explain<'_> {
        Explain(self)
    }
}

/// Why each node of a run ran: see [`Report::explain`].
#[derive(Clone, Copy, Debug)]
pub struct Explain<'r>(&'r Report);

impl fmt::Display for Explain<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let explained: Vec<&NodeReport> =
            self.0.nodes.iter().filter(|n| n.reason.is_some()).collect();
        writeln!(f, "why {} nodes ran:", explained.len())?;
        for n in explained {
            let reason = n.reason.as_ref().expect("filtered on reasons");
            writeln!(f, "  {:<24} {}  {reason}", n.title(), n.key.short())?;
        }
        Ok(())
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} nodes in {:.3?}: {} computed ({} stored), {} loaded, {} failed, {} skipped",
            self.nodes.len(),
            self.wall,
            self.count(Status::Computed),
            self.nodes.iter().filter(|n| n.stored).count(),
            self.count(Status::Loaded),
            self.count(Status::Failed),
            self.count(Status::Skipped),
        )?;
        for n in &self.nodes {
            writeln!(
                f,
                "  {:<24} {}  {:<10} {:>10.3?} {:>10}{}",
                n.title(),
                n.key.short(),
                n.status.to_string(),
                n.duration,
                if n.bytes > 0 {
                    format!("{} B", n.bytes)
                } else {
                    String::new()
                },
                if n.stored { "  stored" } else { "" }
            )?;
        }
        for (key, why) in &self.discarded {
            writeln!(f, "  discarded entry {}: {why}", key.short())?;
        }
        Ok(())
    }
}
