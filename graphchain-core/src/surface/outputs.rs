//! What a run can be asked for: one value, or several outputs at once ([`Outputs`], sealed), and
//! turning the type-erased results back into their types.

use crate::error::Error;
use crate::graph::delayed::Delayed;
use crate::graph::node::NodeRef;
use crate::surface::runtime::Runtime;
use crate::value::Value;

/// Keeps [`Outputs`] implemented for the shapes listed here only, as rayon seals its traits: the
/// trait is public, its supertrait cannot be named outside the crate.
mod sealed {
    pub trait Sealed {}
}

/// The one value of a run with one output.
pub(crate) fn only(values: Vec<Value>) -> Value {
    let mut values = values.into_iter();
    values.next().expect("one output")
}

/// Turns an output of a run back into its type: moved out when unique, cloned otherwise.
pub(crate) fn take_value<T: Send + Sync + 'static>(value: Value) -> T {
    let typed = value
        .downcast::<T>()
        .unwrap_or_else(|_| panic!("output is not a `{}`", std::any::type_name::<T>()));
    std::sync::Arc::try_unwrap(typed)
        .unwrap_or_else(|_| unreachable!("a single output is held only by its run"))
}

fn take_cloned<T: Clone + Send + Sync + 'static>(value: Value) -> T {
    let typed = value
        .downcast::<T>()
        .unwrap_or_else(|_| panic!("output is not a `{}`", std::any::type_name::<T>()));
    std::sync::Arc::try_unwrap(typed).unwrap_or_else(|shared| T::clone(&shared))
}

/// Several outputs requested in one run: tuples of `&Delayed`, arrays, slices and `Vec`s of them,
/// and `Vec`s of `Delayed` handed over.
///
/// The same node may be requested more than once, so the values must be `Clone`. The trait is
/// sealed: these are all the shapes a run can return.
pub trait Outputs: sealed::Sealed {
    /// What the run returns.
    type Values;
    #[doc(hidden)]
    fn nodes(&self) -> Vec<NodeRef<'_>>;
    #[doc(hidden)]
    fn values(values: Vec<Value>) -> Self::Values;
}

macro_rules! tuple_outputs {
    ($($name:ident)+) => {
        impl<'a, $($name: Clone + Send + Sync + 'static),+> sealed::Sealed for ($(&'a Delayed<$name>,)+) {}

        impl<'a, $($name: Clone + Send + Sync + 'static),+> Outputs for ($(&'a Delayed<$name>,)+) {
            type Values = ($($name,)+);
            #[allow(non_snake_case)]
            fn nodes(&self) -> Vec<NodeRef<'_>> {
                let ($($name,)+) = self;
                vec![$(NodeRef($name.node())),+]
            }
            fn values(values: Vec<Value>) -> Self::Values {
                let mut values = values.into_iter();
                ($(take_cloned::<$name>(values.next().expect("one value per output")),)+)
            }
        }
    };
}

tuple_outputs!(A);
tuple_outputs!(A B);
tuple_outputs!(A B C);
tuple_outputs!(A B C D);
tuple_outputs!(A B C D E);
tuple_outputs!(A B C D E F);
tuple_outputs!(A B C D E F G);
tuple_outputs!(A B C D E F G H);
tuple_outputs!(A B C D E F G H I);
tuple_outputs!(A B C D E F G H I J);
tuple_outputs!(A B C D E F G H I J K);
tuple_outputs!(A B C D E F G H I J K L);

impl<T: Clone + Send + Sync + 'static> sealed::Sealed for &[Delayed<T>] {}

impl<T: Clone + Send + Sync + 'static> Outputs for &[Delayed<T>] {
    type Values = Vec<T>;
    fn nodes(&self) -> Vec<NodeRef<'_>> {
        self.iter().map(|d| NodeRef(d.node())).collect()
    }
    fn values(values: Vec<Value>) -> Vec<T> {
        values.into_iter().map(take_cloned::<T>).collect()
    }
}

impl<T: Clone + Send + Sync + 'static> sealed::Sealed for &Vec<Delayed<T>> {}

impl<T: Clone + Send + Sync + 'static> Outputs for &Vec<Delayed<T>> {
    type Values = Vec<T>;
    fn nodes(&self) -> Vec<NodeRef<'_>> {
        self.iter().map(|d| NodeRef(d.node())).collect()
    }
    fn values(values: Vec<Value>) -> Vec<T> {
        values.into_iter().map(take_cloned::<T>).collect()
    }
}

/// A list gathered at run time, handed over: `compute(vec![a, b])`.
impl<T: Clone + Send + Sync + 'static> sealed::Sealed for Vec<Delayed<T>> {}

impl<T: Clone + Send + Sync + 'static> Outputs for Vec<Delayed<T>> {
    type Values = Vec<T>;
    fn nodes(&self) -> Vec<NodeRef<'_>> {
        self.iter().map(|d| NodeRef(d.node())).collect()
    }
    fn values(values: Vec<Value>) -> Vec<T> {
        <&[Delayed<T>]>::values(values)
    }
}

impl<T: Clone + Send + Sync + 'static, const N: usize> sealed::Sealed for &[Delayed<T>; N] {}

impl<T: Clone + Send + Sync + 'static, const N: usize> Outputs for &[Delayed<T>; N] {
    type Values = [T; N];
    fn nodes(&self) -> Vec<NodeRef<'_>> {
        self.iter().map(|d| NodeRef(d.node())).collect()
    }
    fn values(values: Vec<Value>) -> [T; N] {
        let mut values = values.into_iter();
        std::array::from_fn(|_| take_cloned::<T>(values.next().expect("one value per output")))
    }
}

/// Computes several outputs on the global runtime; see [`Runtime::compute_many`].
///
/// `compute!(a, b)` is the same call with the references taken for you; call the function for
/// outputs gathered at run time, such as a `Vec<Delayed<T>>`, which the macro cannot take.
///
/// # Errors
///
/// As [`Runtime::compute`], and [`Error::Config`] when the global runtime cannot start (see
/// [`Runtime::try_global`]).
pub fn compute<O: Outputs>(outputs: O) -> Result<O::Values, Error> {
    Runtime::try_global()?.compute_many(outputs)
}

impl<T: Send + Sync + 'static> Delayed<T> {
    /// Computes the value on the global runtime (all cores, default cache directory).
    ///
    /// # Errors
    ///
    /// [`Error::TaskFailed`] when a task it depends on fails; see [`Runtime::compute`].
    /// [`Error::Config`] when the global runtime cannot start: a malformed environment variable
    /// such as `GRAPHCHAIN_THREADS` (see [`Runtime::try_global`]).
    pub fn compute(&self) -> Result<T, Error> {
        Runtime::try_global()?.compute(self)
    }

    /// Computes the value on the global runtime and returns a lazy value holding it in memory;
    /// see [`Runtime::persist`].
    ///
    /// # Errors
    ///
    /// [`Error::TaskFailed`] when a task it depends on fails, and [`Error::Config`] when the
    /// global runtime cannot start.
    pub fn persist(&self) -> Result<Delayed<T>, Error> {
        Runtime::try_global()?.persist(self)
    }
}
