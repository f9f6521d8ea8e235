//! What a `#[delayed]` function accepts for a parameter: a `Delayed`, a reference to one, a plain
//! value, or (for `Vec<T>` and `&[T]` parameters) a list of `Delayed<T>`.

use std::marker::PhantomData;
use std::sync::Arc;

use serde::Serialize;

use crate::graph::body::{Args, Body};
use crate::graph::builder::NodeBuilder;
use crate::graph::content::literal_part;
use crate::graph::delayed::Delayed;
use crate::graph::node::{CachePolicy, FnInfo, Node};
use crate::key::LiteralPart;

use crate::value::{BoxError, Value};

/// One argument of a `#[delayed]` call, ready to become an input slot of a node.
#[doc(hidden)]
#[derive(Debug)]
pub struct Input<T> {
    pub(crate) kind: InputKind,
    _type: PhantomData<fn() -> T>,
}

#[derive(Debug)]
pub(crate) enum InputKind {
    Node(Arc<Node>),
    Literal(Value, LiteralPart),
    Invalid(String),
}

impl<T> Input<T> {
    pub(crate) fn node(node: Arc<Node>) -> Self {
        Input {
            kind: InputKind::Node(node),
            _type: PhantomData,
        }
    }
}

impl<T: Serialize + Send + Sync + 'static> Input<T> {
    pub(crate) fn literal(value: T) -> Self {
        let kind = match literal_part(&value) {
            Ok(part) => InputKind::Literal(Arc::new(value), part),
            Err(e) => InputKind::Invalid(e.to_string()),
        };
        Input {
            kind,
            _type: PhantomData,
        }
    }
}

/// Converts an argument of a `#[delayed]` call into an input of type `T`.
///
/// Implemented for plain values (`T` itself, `&T`, `&str` for `String`, `&[T]` for `Vec<T>`),
/// which enter the key by the hash of their content, and for lazy values (`Delayed<T>`,
/// `&Delayed<T>`, and lists of `Delayed<T>` for a `Vec<T>`), which enter it by their key.
///
/// # Examples
///
/// ```
/// use graphchain::{compute, delayed};
///
/// #[delayed]
/// fn add(a: u64, b: &u64) -> u64 {
///     a + b
/// }
///
/// #[delayed]
/// fn total(parts: &[u64]) -> u64 {
///     parts.iter().sum()
/// }
///
/// let one = add(1, 0);                    // plain values
/// let two = add(&one, &one);              // references to lazy values
/// let three = add(one.clone(), two);      // lazy values by value
/// let sum = total(vec![one, three]);      // a list of lazy values for a slice parameter
/// assert_eq!(sum.compute()?, 4);
/// assert_eq!(total(vec![5, 6]).compute()?, 11);
/// # Ok::<(), graphchain::Error>(())
/// ```
pub trait IntoInput<T> {
    /// Makes the input.
    #[doc(hidden)]
    fn into_input(self) -> Input<T>;
}

impl<T: Serialize + Send + Sync + 'static> IntoInput<T> for T {
    fn into_input(self) -> Input<T> {
        Input::literal(self)
    }
}

impl<T: Serialize + Clone + Send + Sync + 'static> IntoInput<T> for &T {
    fn into_input(self) -> Input<T> {
        Input::literal(self.clone())
    }
}

/// An input already made (graphs defined at run time build them from JSON).
impl<T> IntoInput<T> for Input<T> {
    fn into_input(self) -> Input<T> {
        self
    }
}

impl IntoInput<String> for &str {
    fn into_input(self) -> Input<String> {
        Input::literal(self.to_owned())
    }
}

impl<T: Serialize + Clone + Send + Sync + 'static> IntoInput<Vec<T>> for &[T] {
    fn into_input(self) -> Input<Vec<T>> {
        Input::literal(self.to_vec())
    }
}

impl<T> IntoInput<T> for Delayed<T> {
    fn into_input(self) -> Input<T> {
        Input::node(self.into_node())
    }
}

impl<T> IntoInput<T> for &Delayed<T> {
    fn into_input(self) -> Input<T> {
        Input::node(self.node().clone())
    }
}

impl<T: Clone + Send + Sync + 'static> IntoInput<Vec<T>> for Vec<Delayed<T>> {
    fn into_input(self) -> Input<Vec<T>> {
        Input::node(collect_nodes::<T>(self.into_iter().map(Delayed::into_node)))
    }
}

impl<T: Clone + Send + Sync + 'static> IntoInput<Vec<T>> for Vec<&Delayed<T>> {
    fn into_input(self) -> Input<Vec<T>> {
        Input::node(collect_nodes::<T>(
            self.into_iter().map(|d| d.node().clone()),
        ))
    }
}

impl<T: Clone + Send + Sync + 'static> IntoInput<Vec<T>> for &[Delayed<T>] {
    fn into_input(self) -> Input<Vec<T>> {
        Input::node(collect_nodes::<T>(self.iter().map(|d| d.node().clone())))
    }
}

impl<T: Clone + Send + Sync + 'static, const N: usize> IntoInput<Vec<T>> for [Delayed<T>; N] {
    fn into_input(self) -> Input<Vec<T>> {
        Input::node(collect_nodes::<T>(self.into_iter().map(Delayed::into_node)))
    }
}

static COLLECT: FnInfo = FnInfo::builtin("collect", [0; 32], CachePolicy::Never);

/// A node that gathers the results of `nodes` into a `Vec<T>`, in order.
fn collect_nodes<T: Clone + Send + Sync + 'static>(
    nodes: impl ExactSizeIterator<Item = Arc<Node>>,
) -> Arc<Node> {
    let mut builder = NodeBuilder::in_domain(b"collect", &COLLECT, [0; 32], nodes.len());
    for node in nodes {
        builder.push_node(node);
    }
    builder.finish_node(Body::Sync(collect_thunk::<T>), None)
}

fn collect_thunk<T: Clone + Send + Sync + 'static>(args: &mut Args) -> Result<Value, BoxError> {
    let items: Vec<T> = (0..args.len()).map(|slot| args.take::<T>(slot)).collect();
    Ok(Arc::new(items))
}

/// Gathers a list of lazy values into one lazy list, keeping their order.
///
/// # Examples
///
/// ```
/// use graphchain::{collect, delayed};
///
/// #[delayed]
/// fn square(x: u32) -> u32 {
///     x * x
/// }
///
/// let squares = collect((1..=3).map(square).collect());
/// assert_eq!(squares.compute()?, vec![1, 4, 9]);
/// # Ok::<(), graphchain::Error>(())
/// ```
pub fn collect<T: Clone + Send + Sync + 'static>(items: Vec<Delayed<T>>) -> Delayed<Vec<T>> {
    Delayed::from_node(collect_nodes::<T>(
        items.into_iter().map(Delayed::into_node),
    ))
}
