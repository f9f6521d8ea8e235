//! Functions wrapped by `delayed_fn!`: a callable that builds nodes of a function you did not
//! write (dask's `delayed(f)`), or of a closure.

use std::any::type_name;
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

use crate::graph::body::{Args, Body, Thunk};
use crate::graph::builder::NodeBuilder;
use crate::graph::delayed::Delayed;
use crate::graph::input::IntoInput;
use crate::graph::node::FnInfo;
use crate::key::type_args_hash;
use crate::store::codec::{Codec, Storable, name_identity};
use crate::value::{BoxError, Value};

/// A function wrapped by [`delayed_fn!`](https://docs.rs/graphchain/latest/graphchain/macro.delayed_fn.html):
/// [`call`](DelayedFn::call) builds a node that runs it.
///
/// `S` says how results are stored: [`Stored<C>`] with a codec, or [`NotStored`].
pub struct DelayedFn<F, S = Stored> {
    f: F,
    info: &'static FnInfo,
    type_args: [u8; 32],
    _store: PhantomData<fn() -> S>,
}

/// Results of a wrapped function are stored with the codec `C` (`PostcardLz4` by default).
#[derive(Debug)]
pub struct Stored<C = crate::store::codec::PostcardLz4>(PhantomData<fn() -> C>);

/// Results of a wrapped function are never stored (`cache = "never"` or `pure = false`).
#[derive(Debug)]
pub struct NotStored;

/// How a wrapped function's results of type `R` are stored.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "results of type `{R}` cannot be stored in the cache",
    label = "the wrapped function returns `{R}`",
    note = "derive `Serialize` and `Deserialize` for it, give a codec with `delayed_fn!(f, codec = C)`, \
            or never store it with `delayed_fn!(f, cache = \"never\")`"
)]
pub trait StorePolicy<R> {
    /// The erased codec, or `None` when results are never stored.
    fn storable() -> Option<&'static Storable>;
}

impl<R> StorePolicy<R> for NotStored {
    fn storable() -> Option<&'static Storable> {
        None
    }
}

impl<R: Send + Sync + 'static, C: Codec<R>> StorePolicy<R> for Stored<C> {
    fn storable() -> Option<&'static Storable> {
        Some(const { &Storable::of::<R, C>() })
    }
}

/// How a wrapped function's return value becomes a task result.
#[doc(hidden)]
pub trait Finish<R> {
    /// The node's value type.
    type Value: Send + Sync + 'static;
    /// Wraps the return value.
    fn finish(ret: R) -> Result<Value, BoxError>;
}

/// [`DelayedFn::call`]: the return value is the node's value.
#[doc(hidden)]
#[derive(Debug)]
pub struct Plain;

/// [`DelayedFn::try_call`]: `Ok` is the node's value, `Err` a task failure.
#[doc(hidden)]
#[derive(Debug)]
pub struct Fallible;

impl<R: Send + Sync + 'static> Finish<R> for Plain {
    type Value = R;
    fn finish(ret: R) -> Result<Value, BoxError> {
        Ok(Arc::new(ret))
    }
}

impl<T: Send + Sync + 'static, E: Into<BoxError>> Finish<Result<T, E>> for Fallible {
    type Value = T;
    fn finish(ret: Result<T, E>) -> Result<Value, BoxError> {
        ret.map(|v| Arc::new(v) as Value).map_err(Into::into)
    }
}

/// The arguments of one call of a wrapped function `F`: a single argument for a one-parameter
/// function, a tuple otherwise (`()` for none). Each argument is anything a `#[delayed]`
/// parameter accepts ([`IntoInput`]). `M` is inferred; it names the function's signature.
#[diagnostic::on_unimplemented(
    message = "`{Self}` are not arguments the wrapped function accepts",
    label = "wrong number or types of arguments",
    note = "pass one argument as itself and several as a tuple: `f.call(x)`, `f.call((x, y))`; \
            each is a `Delayed<T>`, a `&Delayed<T>` or a plain `T` for a parameter of type `T`",
    note = "functions taking references cannot be wrapped by path: wrap a closure such as \
            `delayed_fn!(|s: &str| s.len())`"
)]
pub trait CallArgs<F, M> {
    /// What the function returns.
    type Output;

    /// Pushes the arguments as input slots.
    #[doc(hidden)]
    fn push(self, builder: &mut NodeBuilder);

    /// How many arguments there are.
    #[doc(hidden)]
    const ARITY: usize;

    /// The task body: calls the function (held in the slot after the arguments).
    #[doc(hidden)]
    fn thunk<W: Finish<Self::Output>>() -> Thunk;
}

macro_rules! call_args {
    // One parameter: the argument itself.
    (@one $a:ident $x:ident) => {
        impl<F, $a, R, $x> CallArgs<F, fn($a) -> R> for $x
        where
            F: Fn($a) -> R + Send + Sync + 'static,
            $a: Clone + Send + Sync + 'static,
            $x: IntoInput<$a>,
        {
            type Output = R;
            const ARITY: usize = 1;
            fn push(self, builder: &mut NodeBuilder) {
                builder.push(self.into_input());
            }
            fn thunk<W: Finish<R>>() -> Thunk {
                fn thunk<F, $a, R, W>(args: &mut Args) -> Result<Value, BoxError>
                where
                    F: Fn($a) -> R + Send + Sync + 'static,
                    $a: Clone + Send + Sync + 'static,
                    W: Finish<R>,
                {
                    let a = args.take::<$a>(0);
                    W::finish((args.get::<F>(1))(a))
                }
                thunk::<F, $a, R, W>
            }
        }
    };
    // Zero or several parameters: a tuple.
    ($n:literal; $($a:ident $x:ident $i:tt),*) => {
        impl<F, $($a,)* R, $($x),*> CallArgs<F, fn($($a),*) -> R> for ($($x,)*)
        where
            F: Fn($($a),*) -> R + Send + Sync + 'static,
            $($a: Clone + Send + Sync + 'static, $x: IntoInput<$a>,)*
        {
            type Output = R;
            const ARITY: usize = $n;
            #[allow(unused_variables)]
            fn push(self, builder: &mut NodeBuilder) {
                $( builder.push(self.$i.into_input()); )*
            }
            fn thunk<W: Finish<R>>() -> Thunk {
                #[allow(non_snake_case)]
                fn thunk<F, $($a,)* R, W>(args: &mut Args) -> Result<Value, BoxError>
                where
                    F: Fn($($a),*) -> R + Send + Sync + 'static,
                    $($a: Clone + Send + Sync + 'static,)*
                    W: Finish<R>,
                {
                    $( let $a = args.take::<$a>($i); )*
                    W::finish((args.get::<F>($n))($($a),*))
                }
                thunk::<F, $($a,)* R, W>
            }
        }
    };
}

call_args!(@one A XA);
call_args!(0;);
call_args!(2; A XA 0, B XB 1);
call_args!(3; A XA 0, B XB 1, C XC 2);
call_args!(4; A XA 0, B XB 1, C XC 2, D XD 3);
call_args!(5; A XA 0, B XB 1, C XC 2, D XD 3, E XE 4);
call_args!(6; A XA 0, B XB 1, C XC 2, D XD 3, E XE 4, G XG 5);
call_args!(7; A XA 0, B XB 1, C XC 2, D XD 3, E XE 4, G XG 5, H XH 6);
call_args!(8; A XA 0, B XB 1, C XC 2, D XD 3, E XE 4, G XG 5, H XH 6, I XI 7);

impl<F: Send + Sync + 'static, S> DelayedFn<F, S> {
    /// Wraps `f`, described by `info`; used by the `delayed_fn!` macro.
    #[doc(hidden)]
    pub fn new(f: F, info: &'static FnInfo) -> Self {
        DelayedFn {
            f,
            info,
            type_args: type_args_hash(&[type_name::<F>()]),
            _store: PhantomData,
        }
    }

    /// Builds a node that calls the function on `args`: the argument itself for a function of
    /// one parameter, a tuple of them otherwise. Each argument is a `Delayed`, a reference to
    /// one, or a plain value, as for a `#[delayed]` function.
    ///
    /// # Examples
    ///
    /// ```
    /// use graphchain::{delayed_fn, Delayed};
    ///
    /// let sqrt = delayed_fn!(f64::sqrt);
    /// let hypot = delayed_fn!(f64::hypot);
    /// let side = sqrt.call(16.0);                    // one argument
    /// let long: Delayed<f64> = hypot.call((&side, 3.0)); // several: a tuple
    /// assert_eq!(long.compute()?, 5.0);
    /// # Ok::<(), graphchain::Error>(())
    /// ```
    pub fn call<X, M>(&self, args: X) -> Delayed<X::Output>
    where
        X: CallArgs<F, M>,
        X::Output: Send + Sync + 'static,
        F: Clone,
        S: StorePolicy<X::Output>,
    {
        self.node::<X, M, Plain>(args)
    }

    /// Like [`call`](DelayedFn::call) for a function returning `Result<T, E>`: the node's value
    /// is `T`, and an `Err` fails the task.
    ///
    /// # Examples
    ///
    /// ```
    /// use graphchain::delayed_fn;
    ///
    /// let parse = delayed_fn!(|s: &str| s.trim().parse::<u32>());
    /// assert_eq!(parse.try_call(" 42 ").compute()?, 42);
    /// assert!(parse.try_call("x").compute().is_err());
    /// # Ok::<(), graphchain::Error>(())
    /// ```
    pub fn try_call<X, M, T, E>(&self, args: X) -> Delayed<T>
    where
        X: CallArgs<F, M, Output = Result<T, E>>,
        T: Send + Sync + 'static,
        E: Into<BoxError>,
        F: Clone,
        S: StorePolicy<T>,
    {
        self.node::<X, M, Fallible>(args)
    }

    fn node<X, M, W>(&self, args: X) -> Delayed<W::Value>
    where
        X: CallArgs<F, M>,
        W: Finish<X::Output>,
        F: Clone,
        S: StorePolicy<W::Value>,
    {
        let mut builder = NodeBuilder::new(self.info, self.type_args, X::ARITY + 1);
        args.push(&mut builder);
        builder.push_hidden(Arc::new(self.f.clone()));
        let body = Body::Sync(X::thunk::<W>());
        Delayed::from_node(match S::storable() {
            Some(storable) => builder.finish_node(body, Some(storable)),
            // The wrapped function's return type is generic here: known by its name.
            None => builder.finish_unstored(body, name_identity::<W::Value>()),
        })
    }

    /// The name shown in reports and pictures.
    pub fn name(&self) -> &'static str {
        self.info.name
    }
}

impl<F: Clone, S> Clone for DelayedFn<F, S> {
    fn clone(&self) -> Self {
        DelayedFn {
            f: self.f.clone(),
            info: self.info,
            type_args: self.type_args,
            _store: PhantomData,
        }
    }
}

impl<F, S> fmt::Debug for DelayedFn<F, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DelayedFn")
            .field("name", &self.info.name)
            .finish_non_exhaustive()
    }
}
