//! Graphs defined at run time: a map of task names to registered functions, the tasks they
//! depend on and literal arguments, read from JSON or TOML (dask's dict graphs, taskmap's
//! graphs).

use std::any::{TypeId, type_name};
use std::collections::{BTreeMap, HashMap};
use std::marker::PhantomData;
use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::error::{Error, SpecError};
use crate::graph::delayed::Delayed;
use crate::graph::delayed_fn::{DelayedFn, StorePolicy};
use crate::graph::input::Input;
use crate::graph::node::Node;
use crate::surface::runtime::{Reporting, Runtime};
use crate::value::Value;

/// A graph as data: what each task runs and reads.
///
/// Each task's function is called with the results of its `deps`, in order, followed by its
/// literal `args`. `done` gives results for tasks already done elsewhere (taskmap's `results`):
/// they are not run, and their dependencies are not needed.
///
/// In TOML:
///
/// ```toml
/// [tasks.raw]
/// function = "load"
/// args = [1000]
///
/// [tasks.clean]
/// function = "clip"
/// deps = ["raw"]
/// args = [0.0, 1.0]
/// ```
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct GraphSpec {
    /// The tasks, by name.
    pub tasks: BTreeMap<String, TaskSpec>,
    /// Results of tasks already done, by task name.
    #[serde(default)]
    pub done: BTreeMap<String, serde_json::Value>,
}

/// One task of a [`GraphSpec`].
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TaskSpec {
    /// The name the function was registered under.
    pub function: String,
    /// The tasks whose results are its first arguments, in order.
    #[serde(default)]
    pub deps: Vec<String>,
    /// Literal values for its remaining arguments, in order.
    #[serde(default)]
    pub args: Vec<serde_json::Value>,
}

/// One argument of a task, before it is checked against the function's signature.
#[derive(Debug)]
enum DynInput {
    /// Another task's node.
    Node(Arc<Node>),
    /// A literal, to be read as the argument's type.
    Literal(serde_json::Value),
}

/// A registered function, with its types erased.
trait DynFunction: Send + Sync {
    /// The parameter types.
    fn params(&self) -> Vec<(TypeId, &'static str)>;
    /// The result type.
    fn output(&self) -> (TypeId, &'static str);
    /// Builds a node; on a literal that does not read as its type, the position (from 0) and why.
    fn build(&self, inputs: Vec<DynInput>) -> Result<Arc<Node>, (usize, String)>;
    /// A node holding a given result.
    fn seed(&self, value: serde_json::Value) -> Result<Arc<Node>, String>;
    /// Writes a result of this function as JSON.
    fn to_json(&self, value: &Value) -> Result<serde_json::Value, String>;
}

/// A wrapped function that can be registered: implemented for `DelayedFn`s of up to eight
/// parameters whose types and result are serializable. `M` is inferred.
pub trait Registrable<M> {
    /// Erases its types.
    #[doc(hidden)]
    fn into_dyn(self) -> Erased;
}

/// A registered function with its types erased.
#[doc(hidden)]
pub struct Erased(Arc<dyn DynFunction>);

impl std::fmt::Debug for Erased {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Erased")
    }
}

struct Typed<F, S, M> {
    f: DelayedFn<F, S>,
    _signature: PhantomData<fn() -> M>,
}

fn literal<A: DeserializeOwned + Serialize + Send + Sync + 'static>(
    input: DynInput,
    position: usize,
) -> Result<Input<A>, (usize, String)> {
    match input {
        DynInput::Node(node) => Ok(Input::node(node)),
        DynInput::Literal(json) => serde_json::from_value::<A>(json)
            .map(Input::literal)
            .map_err(|e| (position, e.to_string())),
    }
}

macro_rules! registrable {
    ($($a:ident $i:tt),*; $call:expr) => {
        impl<F, S, R, $($a),*> Registrable<fn($($a),*) -> R> for DelayedFn<F, S>
        where
            F: Fn($($a),*) -> R + Clone + Send + Sync + 'static,
            S: StorePolicy<R> + 'static,
            R: Serialize + DeserializeOwned + Clone + Send + Sync + 'static,
            $($a: Serialize + DeserializeOwned + Clone + Send + Sync + 'static,)*
        {
            fn into_dyn(self) -> Erased {
                Erased(Arc::new(Typed::<F, S, fn($($a),*) -> R> {
                    f: self,
                    _signature: PhantomData,
                }))
            }
        }

        impl<F, S, R, $($a),*> DynFunction for Typed<F, S, fn($($a),*) -> R>
        where
            F: Fn($($a),*) -> R + Clone + Send + Sync + 'static,
            S: StorePolicy<R> + 'static,
            R: Serialize + DeserializeOwned + Clone + Send + Sync + 'static,
            $($a: Serialize + DeserializeOwned + Clone + Send + Sync + 'static,)*
        {
            fn params(&self) -> Vec<(TypeId, &'static str)> {
                vec![$((TypeId::of::<$a>(), type_name::<$a>())),*]
            }

            fn output(&self) -> (TypeId, &'static str) {
                (TypeId::of::<R>(), type_name::<R>())
            }

            #[allow(non_snake_case, unused_mut, unused_variables)]
            fn build(&self, inputs: Vec<DynInput>) -> Result<Arc<Node>, (usize, String)> {
                let mut inputs = inputs.into_iter();
                $(
                    let $a = literal::<$a>(inputs.next().expect("arity checked"), $i)?;
                )*
                Ok(self.f.call($call).into_node())
            }

            fn seed(&self, value: serde_json::Value) -> Result<Arc<Node>, String> {
                let value = serde_json::from_value::<R>(value).map_err(|e| e.to_string())?;
                Ok(Delayed::value(value).into_node())
            }

            fn to_json(&self, value: &Value) -> Result<serde_json::Value, String> {
                let value = value
                    .downcast_ref::<R>()
                    .ok_or_else(|| format!("not a `{}`", type_name::<R>()))?;
                serde_json::to_value(value).map_err(|e| e.to_string())
            }
        }
    };
}

// The arguments of `call`: one as itself, several as a tuple.
registrable!(; ());
registrable!(A 0; A);
registrable!(A 0, B 1; (A, B));
registrable!(A 0, B 1, C 2; (A, B, C));
registrable!(A 0, B 1, C 2, D 3; (A, B, C, D));
registrable!(A 0, B 1, C 2, D 3, E 4; (A, B, C, D, E));
registrable!(A 0, B 1, C 2, D 3, E 4, G 5; (A, B, C, D, E, G));
registrable!(A 0, B 1, C 2, D 3, E 4, G 5, H 6; (A, B, C, D, E, G, H));
registrable!(A 0, B 1, C 2, D 3, E 4, G 5, H 6, I 7; (A, B, C, D, E, G, H, I));

/// The functions a [`GraphSpec`] may name.
///
/// # Examples
///
/// ```
/// use graphchain::{delayed_fn, GraphSpec, Registry, Runtime};
///
/// let mut registry = Registry::new();
/// registry
///     .register("range", delayed_fn!(|n: u32| (1..=n).collect::<Vec<u32>>()))
///     .register("sum", delayed_fn!(|xs: &[u32]| xs.iter().sum::<u32>()))
///     .register("scale", delayed_fn!(|x: u32, by: u32| x * by));
///
/// let spec: GraphSpec = serde_json::from_str(r#"{ "tasks": {
///     "numbers": { "function": "range", "args": [4] },
///     "total":   { "function": "sum", "deps": ["numbers"] },
///     "scaled":  { "function": "scale", "deps": ["total"], "args": [10] }
/// } }"#).unwrap();
/// let graph = registry.build(&spec)?;
/// assert_eq!(graph.get::<u32>("scaled")?.compute()?, 100);
///
/// let rt = Runtime::builder().cache(false).build()?;
/// let results = graph.compute_json(&rt, &["numbers", "scaled"])?;
/// assert_eq!(results["numbers"], serde_json::json!([1, 2, 3, 4]));
/// # Ok::<(), graphchain::Error>(())
/// ```
#[derive(Default)]
pub struct Registry {
    functions: HashMap<String, Arc<dyn DynFunction>>,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut names: Vec<_> = self.functions.keys().collect();
        names.sort();
        f.debug_struct("Registry")
            .field("functions", &names)
            .finish()
    }
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Self {
        Registry::default()
    }

    /// Registers a wrapped function (see `delayed_fn!`) under `name`, replacing any function
    /// registered under it before. Its parameters and result must be `Serialize +
    /// DeserializeOwned + Clone`: literals are read from JSON, results written to it.
    pub fn register<F, S, M>(
        &mut self,
        name: impl Into<String>,
        function: DelayedFn<F, S>,
    ) -> &mut Self
    where
        DelayedFn<F, S>: Registrable<M>,
    {
        self.functions.insert(name.into(), function.into_dyn().0);
        self
    }

    /// Builds the graph `spec` describes, checking every task: its function exists, its
    /// dependencies exist and form no cycle, and its arguments are as many, and of the types,
    /// the function takes.
    ///
    /// # Errors
    ///
    /// [`Error::Spec`] with the first problem found, naming the task (and the argument).
    pub fn build(&self, spec: &GraphSpec) -> Result<DynGraph, Error> {
        self.build_spec(spec).map_err(Error::Spec)
    }

    fn build_spec(&self, spec: &GraphSpec) -> Result<DynGraph, SpecError> {
        if let Some(name) = spec
            .done
            .keys()
            .find(|name| !spec.tasks.contains_key(*name))
        {
            return Err(SpecError::UnknownDoneTask(name.clone()));
        }
        let mut functions: HashMap<&str, &Arc<dyn DynFunction>> = HashMap::new();
        for (name, task) in &spec.tasks {
            let function =
                self.functions
                    .get(&task.function)
                    .ok_or_else(|| SpecError::UnknownFunction {
                        task: name.clone(),
                        function: task.function.clone(),
                    })?;
            functions.insert(name, function);
        }
        let mut built: HashMap<&str, Arc<Node>> = HashMap::new();
        for name in topological_order(spec)? {
            let task = &spec.tasks[name];
            let function = functions[name];
            let node = match spec.done.get(name) {
                Some(value) => {
                    function
                        .seed(value.clone())
                        .map_err(|message| SpecError::DoneValue {
                            task: name.to_owned(),
                            expected: function.output().1,
                            message,
                        })?
                }
                None => build_task(name, task, function, &functions, &built)?,
            };
            built.insert(name, node);
        }
        let tasks = built
            .into_iter()
            .map(|(name, node)| {
                let function = Arc::clone(functions[name]);
                (name.to_owned(), (node, function))
            })
            .collect();
        Ok(DynGraph { tasks })
    }
}

fn build_task(
    name: &str,
    task: &TaskSpec,
    function: &Arc<dyn DynFunction>,
    functions: &HashMap<&str, &Arc<dyn DynFunction>>,
    built: &HashMap<&str, Arc<Node>>,
) -> Result<Arc<Node>, SpecError> {
    let params = function.params();
    let given = task.deps.len() + task.args.len();
    if given != params.len() {
        return Err(SpecError::Arity {
            task: name.to_owned(),
            function: task.function.clone(),
            expected: params.len(),
            given,
            deps: task.deps.len(),
            literals: task.args.len(),
        });
    }
    let mut inputs = Vec::with_capacity(given);
    for (position, dep) in task.deps.iter().enumerate() {
        let (expected_id, expected) = params[position];
        let (found_id, found) = functions[dep.as_str()].output();
        if found_id != expected_id {
            return Err(SpecError::DependencyType {
                task: name.to_owned(),
                position: position + 1,
                dep: dep.clone(),
                expected,
                found,
            });
        }
        inputs.push(DynInput::Node(Arc::clone(&built[dep.as_str()])));
    }
    inputs.extend(task.args.iter().cloned().map(DynInput::Literal));
    function
        .build(inputs)
        .map_err(|(position, message)| SpecError::Literal {
            task: name.to_owned(),
            position: position + 1,
            expected: params[position].1,
            message,
        })
}

/// Every task after the tasks it depends on (a task that is `done` depends on nothing), without
/// recursion; a cycle is reported with its path.
fn topological_order(spec: &GraphSpec) -> Result<Vec<&str>, SpecError> {
    const NEW: u8 = 0;
    const ON_PATH: u8 = 1;
    const DONE: u8 = 2;
    let deps = |name: &str| -> &[String] {
        if spec.done.contains_key(name) {
            &[]
        } else {
            &spec.tasks[name].deps
        }
    };
    let mut state: HashMap<&str, u8> = spec.tasks.keys().map(|k| (k.as_str(), NEW)).collect();
    let mut order = Vec::with_capacity(spec.tasks.len());
    for root in spec.tasks.keys() {
        if state[root.as_str()] != NEW {
            continue;
        }
        let mut path: Vec<(&str, usize)> = vec![(root, 0)];
        state.insert(root, ON_PATH);
        while let Some((name, next)) = path.last_mut() {
            let name: &str = name;
            match deps(name).get(*next) {
                Some(dep) => {
                    *next += 1;
                    match state.get(dep.as_str()) {
                        None => {
                            return Err(SpecError::UnknownTask {
                                task: name.to_owned(),
                                missing: dep.clone(),
                            });
                        }
                        Some(&ON_PATH) => {
                            let start = path.iter().position(|(n, _)| *n == dep).unwrap_or(0);
                            let mut cycle: Vec<String> =
                                path[start..].iter().map(|(n, _)| (*n).to_owned()).collect();
                            cycle.push(dep.clone());
                            return Err(SpecError::Cycle(cycle));
                        }
                        Some(&NEW) => {
                            state.insert(dep, ON_PATH);
                            path.push((dep, 0));
                        }
                        Some(_) => {}
                    }
                }
                None => {
                    state.insert(name, DONE);
                    order.push(name);
                    path.pop();
                }
            }
        }
    }
    Ok(order)
}

/// A graph built from a [`GraphSpec`]: its tasks as lazy values.
pub struct DynGraph {
    tasks: HashMap<String, (Arc<Node>, Arc<dyn DynFunction>)>,
}

impl std::fmt::Debug for DynGraph {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut names: Vec<_> = self.tasks.keys().collect();
        names.sort();
        f.debug_struct("DynGraph").field("tasks", &names).finish()
    }
}

impl DynGraph {
    /// The task names, sorted.
    pub fn tasks(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.tasks.keys().map(String::as_str).collect();
        names.sort_unstable();
        names
    }

    /// Task `name` as a typed lazy value, to compute or to build on.
    ///
    /// # Errors
    ///
    /// [`Error::Spec`] when there is no such task or its result is not a `T`.
    pub fn get<T: Send + Sync + 'static>(&self, name: &str) -> Result<Delayed<T>, Error> {
        let (node, function) = self.task(name)?;
        let (id, actual) = function.output();
        if id != TypeId::of::<T>() {
            return Err(Error::Spec(SpecError::ResultType {
                task: name.to_owned(),
                requested: type_name::<T>(),
                actual,
            }));
        }
        Ok(Delayed::from_node(Arc::clone(node)))
    }

    /// Computes the tasks `names` in one run and returns their results as JSON, by name.
    ///
    /// # Errors
    ///
    /// [`Error::Spec`] for an unknown name or a result JSON cannot represent;
    /// [`Error::TaskFailed`] when a task fails.
    pub fn compute_json(
        &self,
        runtime: &Runtime,
        names: &[&str],
    ) -> Result<BTreeMap<String, serde_json::Value>, Error> {
        let tasks = names
            .iter()
            .map(|name| self.task(name))
            .collect::<Result<Vec<_>, _>>()?;
        let roots: Vec<&Arc<Node>> = tasks.iter().map(|(node, _)| *node).collect();
        let values = runtime.run(&roots, Reporting::Values).0?;
        names
            .iter()
            .zip(tasks)
            .zip(values)
            .map(|((name, (_, function)), value)| {
                let json = function.to_json(&value).map_err(|message| {
                    Error::Spec(SpecError::ToJson {
                        task: (*name).to_owned(),
                        message,
                    })
                })?;
                Ok(((*name).to_owned(), json))
            })
            .collect()
    }

    fn task(&self, name: &str) -> Result<(&Arc<Node>, &Arc<dyn DynFunction>), Error> {
        self.tasks
            .get(name)
            .map(|(node, function)| (node, function))
            .ok_or_else(|| Error::Spec(SpecError::NoSuchTask(name.to_owned())))
    }
}

#[cfg(test)]
mod tests;
