//! File inputs: a file, or the files a glob pattern matches, as a lazy path whose key changes
//! when the files do, and re-stamped at every run so that a graph built once notices edits.
//!
//! A file input is a built-in node (never cached) whose literal argument is its *stamp*: each
//! path with its size and modification time, or with the blake3 hash of its content. A missing
//! file or a pattern matching nothing is stamped as such, and the node's task fails naming it.
//! Before each run, [`refresh`] stamps every file input of the graph again; where a stamp
//! changed, the file node and every node downstream of it are re-keyed (new nodes sharing the
//! old ones' code and literals), so a result computed from the old contents is never loaded.

use std::collections::HashMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::UNIX_EPOCH;

use crate::graph::body::{Args, Body};
use crate::graph::builder::NodeBuilder;
use crate::graph::delayed::Delayed;
use crate::graph::node::{CachePolicy, Edge, Edges, FnInfo, Node};
use crate::key;
use crate::value::{BoxError, Value};

/// How a file input notices that a file changed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FileStamp {
    /// Its size and modification time (one `stat` per file and run): a file rewritten with the
    /// same bytes, or only touched, counts as changed.
    #[default]
    SizeAndTime,
    /// The blake3 hash of its content: reads every byte of every file at each run (about
    /// 1 GB/s), and a touched file with the same bytes is unchanged. Keys then depend on the
    /// content alone, so they are the same on every machine with the same files.
    Content,
}

/// What a file input names: one path, or a glob pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Source {
    File(PathBuf),
    Glob(String),
}

/// The state of one matched file, as stamped.
#[derive(Clone, Debug, PartialEq, Eq)]
enum State {
    SizeAndTime { len: u64, modified_ns: u128 },
    Content([u8; 32]),
}

/// The literal argument of a file node: what it names, how it is stamped, and the stamp.
#[derive(Debug)]
struct FileArg {
    source: Source,
    how: FileStamp,
    /// The matched files with their states, in order, or why there are none.
    stamp: Result<Vec<(PathBuf, State)>, String>,
    _live: Live,
}

/// Counts the file nodes alive, so that a graph without one is never walked by [`refresh`].
static LIVE: AtomicUsize = AtomicUsize::new(0);

#[derive(Debug)]
struct Live;

impl Live {
    fn new() -> Live {
        LIVE.fetch_add(1, Ordering::Relaxed);
        Live
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        LIVE.fetch_sub(1, Ordering::Relaxed);
    }
}

static FILE: FnInfo = FnInfo::builtin("file", [0; 32], CachePolicy::Never);
static FILES: FnInfo = FnInfo::builtin("files", [0; 32], CachePolicy::Never);

/// A file as an input: a lazy path whose key changes when the file does (its size and
/// modification time; see [`file_with`] for its content instead).
///
/// Pass it to a `#[delayed]` function taking a `&Path`-like parameter (`&PathBuf` or
/// `PathBuf`): the function reruns when the file changes, also when the same graph is computed
/// again in the same process. Reports and pictures label the node, and the nodes reading it,
/// with the file's name.
///
/// # Examples
///
/// ```
/// use std::path::PathBuf;
///
/// use graphchain::{delayed, file, Runtime};
///
/// #[delayed]
/// fn count_lines(path: &PathBuf) -> Result<usize, std::io::Error> {
///     Ok(std::fs::read_to_string(path)?.lines().count())
/// }
///
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("trips.csv");
/// std::fs::write(&path, "a\nb\n").unwrap();
/// let rt = Runtime::builder().cache_dir(dir.path().join("cache")).build()?;
/// let lines = count_lines(file(&path));
/// assert_eq!(rt.compute(&lines)?, 2);
/// std::fs::write(&path, "a\nb\nc\n").unwrap();
/// assert_eq!(rt.compute(&lines)?, 3); // the same graph, re-stamped
/// # Ok::<(), graphchain::Error>(())
/// ```
///
/// A file that does not exist fails the node, naming the path:
///
/// ```
/// let err = graphchain::file("no/such.csv").compute().unwrap_err();
/// assert!(err.to_string().contains("no/such.csv"));
/// ```
pub fn file(path: impl AsRef<Path>) -> Delayed<PathBuf> {
    file_with(path, FileStamp::default())
}

/// A file as an input, stamped as `how` says (see [`file()`]).
///
/// # Examples
///
/// ```
/// use graphchain::{file_with, FileStamp};
///
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("zones.csv");
/// std::fs::write(&path, "id,name\n").unwrap();
/// let before = file_with(&path, FileStamp::Content).key();
/// std::fs::write(&path, "id,name\n").unwrap(); // the same bytes again
/// assert_eq!(file_with(&path, FileStamp::Content).key(), before);
/// ```
pub fn file_with(path: impl AsRef<Path>, how: FileStamp) -> Delayed<PathBuf> {
    Delayed::from_node(node(Source::File(path.as_ref().to_owned()), how))
}

/// The files a glob pattern matches (`data/*.csv`, `logs/**/*.json`), in order, as an input
/// whose key changes when any of them changes, or when a file starts or stops matching. A
/// pattern that matches no file fails the node, naming the pattern.
///
/// # Examples
///
/// ```
/// use std::path::PathBuf;
///
/// use graphchain::{delayed, files};
///
/// #[delayed]
/// fn total_size(paths: &[PathBuf]) -> Result<u64, std::io::Error> {
///     paths.iter().map(|p| Ok(std::fs::metadata(p)?.len())).sum()
/// }
///
/// let dir = tempfile::tempdir().unwrap();
/// for name in ["a.csv", "b.csv", "notes.txt"] {
///     std::fs::write(dir.path().join(name), "1234").unwrap();
/// }
/// let pattern = format!("{}/*.csv", dir.path().display());
/// assert_eq!(total_size(files(&pattern)).compute()?, 8);
/// # Ok::<(), graphchain::Error>(())
/// ```
pub fn files(pattern: &str) -> Delayed<Vec<PathBuf>> {
    files_with(pattern, FileStamp::default())
}

/// The files a glob pattern matches, stamped as `how` says (see [`files()`]).
pub fn files_with(pattern: &str, how: FileStamp) -> Delayed<Vec<PathBuf>> {
    Delayed::from_node(node(Source::Glob(pattern.to_owned()), how))
}

/// A file node for `source`, stamped now.
fn node(source: Source, how: FileStamp) -> Arc<Node> {
    let stamp = stamp(&source, how);
    stamped(source, how, stamp)
}

/// A file node for `source` with the stamp `stamp`.
fn stamped(
    source: Source,
    how: FileStamp,
    stamp: Result<Vec<(PathBuf, State)>, String>,
) -> Arc<Node> {
    let (info, domain, thunk): (_, &'static [u8], _) = match source {
        Source::File(_) => (&FILE, b"file", file_thunk as fn(&mut Args) -> _),
        Source::Glob(_) => (&FILES, b"files", files_thunk as fn(&mut Args) -> _),
    };
    let arg = FileArg {
        source,
        how,
        stamp,
        _live: Live::new(),
    };
    let hash = arg.hash();
    let mut builder = NodeBuilder::in_domain(domain, info, [0; 32], 1);
    builder.label(arg.label(), true);
    builder.push_literal(Arc::new(arg), key::LiteralPart::Hashed(hash));
    builder.finish_node(Body::Sync(thunk), None)
}

impl FileArg {
    /// The hash of everything that makes the node's key: source, stamping, stamp.
    fn hash(&self) -> [u8; 32] {
        let mut h = blake3::Hasher::new();
        h.update(b"graphchain-file-input");
        let path_bytes = |h: &mut blake3::Hasher, path: &Path| {
            let text = path.to_string_lossy();
            h.update(&(text.len() as u64).to_le_bytes());
            h.update(text.as_bytes());
        };
        match &self.source {
            Source::File(path) => {
                h.update(b"F");
                path_bytes(&mut h, path);
            }
            Source::Glob(pattern) => {
                h.update(b"G");
                path_bytes(&mut h, Path::new(pattern));
            }
        }
        match &self.stamp {
            Ok(files) => {
                h.update(&(files.len() as u64).to_le_bytes());
                for (path, state) in files {
                    path_bytes(&mut h, path);
                    match state {
                        State::SizeAndTime { len, modified_ns } => {
                            h.update(b"T");
                            h.update(&len.to_le_bytes());
                            h.update(&modified_ns.to_le_bytes());
                        }
                        State::Content(hash) => {
                            h.update(b"C");
                            h.update(hash);
                        }
                    }
                }
            }
            Err(why) => {
                h.update(b"E");
                path_bytes(&mut h, Path::new(why));
            }
        }
        *h.finalize().as_bytes()
    }

    /// What pictures and reports show for it, and for the nodes reading it: the file's name, or
    /// the pattern's last component.
    fn label(&self) -> Arc<str> {
        let path = match &self.source {
            Source::File(path) => path.as_path(),
            Source::Glob(pattern) => Path::new(pattern),
        };
        path.file_name()
            .map_or_else(|| path.to_string_lossy(), |name| name.to_string_lossy())
            .into()
    }

    /// The matched paths, or the error that fails the node.
    fn paths(&self) -> Result<impl Iterator<Item = &PathBuf>, BoxError> {
        match &self.stamp {
            Ok(files) => Ok(files.iter().map(|(path, _)| path)),
            Err(why) => Err(why.clone().into()),
        }
    }
}

fn file_thunk(args: &mut Args) -> Result<Value, BoxError> {
    let path = args.get::<FileArg>(0).paths()?.next().cloned();
    Ok(Arc::new(path.expect("a file input stamps one file")))
}

fn files_thunk(args: &mut Args) -> Result<Value, BoxError> {
    let paths: Vec<PathBuf> = args.get::<FileArg>(0).paths()?.cloned().collect();
    Ok(Arc::new(paths))
}

/// Stamps what `source` names now.
fn stamp(source: &Source, how: FileStamp) -> Result<Vec<(PathBuf, State)>, String> {
    match source {
        Source::File(path) => Ok(vec![(path.clone(), state(path, how)?)]),
        Source::Glob(pattern) => {
            let matches = glob::glob(pattern)
                .map_err(|e| format!("`{pattern}` is not a valid file pattern: {e}"))?;
            let mut files = Vec::new();
            for path in matches {
                let path = path.map_err(|e| {
                    format!(
                        "cannot read `{}` (matching `{pattern}`): {}",
                        e.path().display(),
                        e.error()
                    )
                })?;
                // Directories that match are not inputs.
                if !path.is_dir() {
                    let state = state(&path, how)?;
                    files.push((path, state));
                }
            }
            if files.is_empty() {
                return Err(format!("no file matches `{pattern}`"));
            }
            Ok(files)
        }
    }
}

/// The state of the file at `path`, or why it cannot be stamped (naming it).
fn state(path: &Path, how: FileStamp) -> Result<State, String> {
    let failed = |e: io::Error| match e.kind() {
        io::ErrorKind::NotFound => format!("file `{}` does not exist", path.display()),
        _ => format!("cannot read file `{}`: {e}", path.display()),
    };
    let meta = fs::metadata(path).map_err(failed)?;
    if !meta.is_file() {
        return Err(format!("`{}` is not a file", path.display()));
    }
    match how {
        FileStamp::SizeAndTime => Ok(State::SizeAndTime {
            len: meta.len(),
            modified_ns: meta
                .modified()
                .map_err(failed)?
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos()),
        }),
        FileStamp::Content => {
            let mut hasher = blake3::Hasher::new();
            hasher
                .update_reader(fs::File::open(path).map_err(failed)?)
                .map_err(failed)?;
            Ok(State::Content(*hasher.finalize().as_bytes()))
        }
    }
}

/// The file input of `node`, when it is one.
fn file_arg(node: &Node) -> Option<&FileArg> {
    if !std::ptr::eq(node.info, &FILE) && !std::ptr::eq(node.info, &FILES) {
        return None;
    }
    match node.edges.first() {
        Some(Edge::Literal(value)) => value.downcast_ref::<FileArg>(),
        _ => None,
    }
}

/// Stamps every file input below `roots` again; when one changed, returns the roots re-keyed
/// (`None` when nothing changed, or the graph has no file input: then nothing is walked).
///
/// The walk is iterative and visits each node once; only nodes downstream of a changed file
/// are made again, sharing their code, literals and unchanged inputs with the old ones.
pub(crate) fn refresh(roots: &[&Arc<Node>]) -> Option<Vec<Arc<Node>>> {
    if LIVE.load(Ordering::Relaxed) == 0 {
        return None;
    }
    // Per node visited: its replacement, or `None` when it is unchanged.
    let mut done: HashMap<*const Node, Option<Arc<Node>>> = HashMap::new();
    let mut stack: Vec<(&Arc<Node>, bool)> = roots.iter().map(|&root| (root, false)).collect();
    while let Some((node, inputs_done)) = stack.pop() {
        if done.contains_key(&Arc::as_ptr(node)) {
            continue;
        }
        if !inputs_done {
            stack.push((node, true));
            stack.extend(
                node.deps()
                    .filter(|dep| !done.contains_key(&Arc::as_ptr(dep)))
                    .map(|dep| (dep, false)),
            );
            continue;
        }
        let replacement = match file_arg(node) {
            Some(arg) => {
                let now = stamp(&arg.source, arg.how);
                (now != arg.stamp).then(|| stamped(arg.source.clone(), arg.how, now))
            }
            None => rebuilt(node, &done),
        };
        done.insert(Arc::as_ptr(node), replacement);
    }
    let replaced = |root: &Arc<Node>| done.get(&Arc::as_ptr(root)).cloned().flatten();
    if roots.iter().all(|root| replaced(root).is_none()) {
        return None;
    }
    Some(
        roots
            .iter()
            .map(|&root| replaced(root).unwrap_or_else(|| Arc::clone(root)))
            .collect(),
    )
}

/// `roots` as they are now: with every file input stamped again, and what depends on a changed
/// file re-keyed.
pub(crate) fn current(roots: &[&Arc<Node>]) -> Vec<Arc<Node>> {
    refresh(roots).unwrap_or_else(|| roots.iter().map(|&root| Arc::clone(root)).collect())
}

/// `node` with its inputs replaced as `done` says, re-keyed; `None` when no input changed.
fn rebuilt(node: &Node, done: &HashMap<*const Node, Option<Arc<Node>>>) -> Option<Arc<Node>> {
    let new_input = |dep: &Arc<Node>| done.get(&Arc::as_ptr(dep)).cloned().flatten();
    if !node.deps().any(|dep| new_input(dep).is_some()) {
        return None;
    }
    let edges: Edges = node
        .edges
        .iter()
        .map(|edge| match edge {
            Edge::Node(dep) => Edge::Node(new_input(dep).unwrap_or_else(|| Arc::clone(dep))),
            other => other.clone(),
        })
        .collect();
    let inputs = edges.iter().filter_map(|edge| match edge {
        Edge::Node(dep) => Some(dep.key),
        Edge::Literal(_) | Edge::Code(_) => None,
    });
    Some(Arc::new(Node {
        key: key::chain(&node.own, inputs),
        own: node.own,
        info: node.info,
        edges,
        body: node.body,
        storable: node.storable,
        notes: node.notes.clone(),
    }))
}

#[cfg(test)]
mod tests;
