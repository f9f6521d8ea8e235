//! Lazy values in expressions: operators, comparisons, indexing, plain values lifted into the
//! graph, and tuples split into their parts.
//!
//! Each of these builds a small node (never stored: recomputing it is as cheap as loading it)
//! whose key is derived, like any other, from a fixed identity for the operation, the names of
//! the operand types and the operands' keys or content hashes.

use std::any::type_name;
use std::ops;

use serde::Serialize;

use crate::graph::body::{Args, Thunk};
use crate::graph::builder::NodeBuilder;
use crate::graph::delayed::Delayed;
use crate::graph::input::Input;
use crate::graph::node::{CachePolicy, FnInfo};
use crate::key::type_args_hash;
use crate::value::{BoxError, Value};

/// A value that can stand on either side of an operator on lazy values, or be compared with
/// one: a [`Delayed<T>`], a reference to one, or a plain value of a [`PlainOperand`] type.
///
/// For a plain value of another type, lift it with [`Delayed::value`] first.
///
/// # Examples
///
/// ```
/// use graphchain::{delayed, Delayed};
///
/// #[delayed]
/// fn mean(xs: &[f64]) -> f64 {
///     xs.iter().sum::<f64>() / xs.len() as f64
/// }
///
/// let m = mean(vec![1.0, 2.0, 6.0]);
/// let scaled: Delayed<f64> = (&m + 1.0) * 2.0;   // nodes `add` then `mul`
/// let above = scaled.gt(&m);                     // Delayed<bool>
/// assert_eq!(scaled.compute()?, 8.0);
/// assert!(above.compute()?);
/// # Ok::<(), graphchain::Error>(())
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be used as a lazy operand of type `{T}`",
    note = "operands are `Delayed<T>`, `&Delayed<T>`, or plain numbers, `bool`, `char` and `String`; \
            lift other values with `Delayed::value(x)`"
)]
pub trait Operand<T> {
    /// Makes the input slot.
    #[doc(hidden)]
    fn into_operand(self) -> Input<T>;
}

impl<T: Send + Sync + 'static> Operand<T> for Delayed<T> {
    fn into_operand(self) -> Input<T> {
        Input::node(self.into_node())
    }
}

impl<T: Send + Sync + 'static> Operand<T> for &Delayed<T> {
    fn into_operand(self) -> Input<T> {
        Input::node(self.node().clone())
    }
}

impl<T: PlainOperand> Operand<T> for T {
    fn into_operand(self) -> Input<T> {
        Input::literal(self)
    }
}

/// The plain types that are operands as they are: numbers, `bool`, `char` and `String`. Their
/// values enter a node's key by their content.
///
/// Sealed; for a plain value of another type, lift it with [`Delayed::value`].
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a plain operand of lazy values",
    label = "lift it into the graph with `Delayed::value(…)`",
    note = "plain operands are numbers, `bool`, `char` and `String`"
)]
pub trait PlainOperand: Serialize + Clone + Send + Sync + 'static + sealed::Sealed {}

mod sealed {
    pub trait Sealed {}
}

macro_rules! plain_operands {
    ($($t:ty),*) => {$(
        impl sealed::Sealed for $t {}
        impl PlainOperand for $t {}
    )*};
}

plain_operands!(
    i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize, f32, f64, bool, char, String
);

/// An identity for a built-in operation: its name, zero-padded. Fixed forever, so keys of
/// operator nodes are stable across builds and machines.
const fn tag(name: &str) -> [u8; 32] {
    let bytes = name.as_bytes();
    assert!(bytes.len() <= 32);
    let mut out = [0u8; 32];
    let mut i = 0;
    while i < bytes.len() {
        out[i] = bytes[i];
        i += 1;
    }
    out
}

const fn op_info(name: &'static str) -> FnInfo {
    FnInfo::builtin(name, tag(name), CachePolicy::Never)
}

/// Builds an operation node over `inputs`, whose types are named in `types` for the key.
fn op_node<R: Send + Sync + 'static>(
    info: &'static FnInfo,
    types: &[&str],
    thunk: Thunk,
    push: impl FnOnce(&mut NodeBuilder),
    inputs: usize,
) -> Delayed<R> {
    let mut builder = NodeBuilder::in_domain(b"op", info, type_args_hash(types), inputs);
    push(&mut builder);
    builder.finish::<R>(thunk)
}

fn binary<A, B, R>(info: &'static FnInfo, thunk: Thunk, a: Input<A>, b: Input<B>) -> Delayed<R>
where
    R: Send + Sync + 'static,
{
    let types = [type_name::<A>(), type_name::<B>()];
    op_node(
        info,
        &types,
        thunk,
        |builder| {
            builder.push(a);
            builder.push(b);
        },
        2,
    )
}

/// Binary operators: `Delayed op Delayed`, `Delayed op plain`, `plain op Delayed`, each side
/// also by reference.
macro_rules! binary_operators {
    ($($trait:ident $method:ident $thunk:ident $info:ident;)*) => {$(
        static $info: FnInfo = op_info(stringify!($method));

        fn $thunk<A, B>(args: &mut Args) -> Result<Value, BoxError>
        where
            A: ops::$trait<B> + Clone + Send + Sync + 'static,
            B: Clone + Send + Sync + 'static,
            A::Output: Send + Sync + 'static,
        {
            let a = args.take::<A>(0);
            let b = args.take::<B>(1);
            Ok(std::sync::Arc::new(ops::$trait::$method(a, b)))
        }

        binary_operators!(@impl $trait $method $thunk $info [A] Delayed<A>, [B] Delayed<B>);
        binary_operators!(@impl $trait $method $thunk $info [A] Delayed<A>, [B] &Delayed<B>);
        binary_operators!(@impl $trait $method $thunk $info [A] &Delayed<A>, [B] Delayed<B>);
        binary_operators!(@impl $trait $method $thunk $info [A] &Delayed<A>, [B] &Delayed<B>);
        binary_operators!(@impl $trait $method $thunk $info [A] Delayed<A>, [B: PlainOperand] B);
        binary_operators!(@impl $trait $method $thunk $info [A] &Delayed<A>, [B: PlainOperand] B);
        binary_operators!(@plain $trait $method $thunk $info;
            i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize, f32, f64, bool,
            char, String);
    )*};
    (@impl $trait:ident $method:ident $thunk:ident $info:ident
        [A] $lhs:ty, [B $(: $bound:ident)?] $rhs:ty) => {
        impl<A, B $(: $bound)?> ops::$trait<$rhs> for $lhs
        where
            A: ops::$trait<B> + Clone + Send + Sync + 'static,
            B: Clone + Send + Sync + 'static,
            A::Output: Send + Sync + 'static,
        {
            type Output = Delayed<A::Output>;
            fn $method(self, rhs: $rhs) -> Self::Output {
                binary(
                    &$info,
                    $thunk::<A, B>,
                    Operand::<A>::into_operand(self),
                    Operand::<B>::into_operand(rhs),
                )
            }
        }
    };
    (@plain $trait:ident $method:ident $thunk:ident $info:ident; $($t:ty),*) => {$(
        binary_operators!(@impl_plain $trait $method $thunk $info $t, Delayed<B>);
        binary_operators!(@impl_plain $trait $method $thunk $info $t, &Delayed<B>);
    )*};
    (@impl_plain $trait:ident $method:ident $thunk:ident $info:ident $t:ty, $rhs:ty) => {
        impl<B> ops::$trait<$rhs> for $t
        where
            $t: ops::$trait<B>,
            B: Clone + Send + Sync + 'static,
            <$t as ops::$trait<B>>::Output: Send + Sync + 'static,
        {
            type Output = Delayed<<$t as ops::$trait<B>>::Output>;
            fn $method(self, rhs: $rhs) -> Self::Output {
                binary(
                    &$info,
                    $thunk::<$t, B>,
                    Input::literal(self),
                    Operand::<B>::into_operand(rhs),
                )
            }
        }
    };
}

binary_operators! {
    Add add add_thunk ADD;
    Sub sub sub_thunk SUB;
    Mul mul mul_thunk MUL;
    Div div div_thunk DIV;
    Rem rem rem_thunk REM;
    BitAnd bitand bitand_thunk BITAND;
    BitOr bitor bitor_thunk BITOR;
    BitXor bitxor bitxor_thunk BITXOR;
    Shl shl shl_thunk SHL;
    Shr shr shr_thunk SHR;
}

/// Unary operators on `Delayed` and `&Delayed`.
macro_rules! unary_operators {
    ($($trait:ident $method:ident $thunk:ident $info:ident;)*) => {$(
        static $info: FnInfo = op_info(stringify!($method));

        fn $thunk<A>(args: &mut Args) -> Result<Value, BoxError>
        where
            A: ops::$trait + Clone + Send + Sync + 'static,
            A::Output: Send + Sync + 'static,
        {
            Ok(std::sync::Arc::new(ops::$trait::$method(args.take::<A>(0))))
        }

        impl<A> ops::$trait for Delayed<A>
        where
            A: ops::$trait + Clone + Send + Sync + 'static,
            A::Output: Send + Sync + 'static,
        {
            type Output = Delayed<A::Output>;
            fn $method(self) -> Self::Output {
                (&self).$method()
            }
        }

        impl<A> ops::$trait for &Delayed<A>
        where
            A: ops::$trait + Clone + Send + Sync + 'static,
            A::Output: Send + Sync + 'static,
        {
            type Output = Delayed<A::Output>;
            fn $method(self) -> Self::Output {
                let input = Operand::<A>::into_operand(self);
                op_node(&$info, &[type_name::<A>()], $thunk::<A>, |b| b.push(input), 1)
            }
        }
    )*};
}

unary_operators! {
    Neg neg neg_thunk NEG;
    Not not not_thunk NOT;
}

/// Comparisons, as methods returning `Delayed<bool>` (Rust's comparison traits must return a
/// plain `bool`).
macro_rules! comparisons {
    ($($method:ident $trait:ident $thunk:ident $info:ident $doc:literal;)*) => {
        $(
            static $info: FnInfo = op_info(stringify!($method));

            fn $thunk<A, B>(args: &mut Args) -> Result<Value, BoxError>
            where
                A: $trait<B> + Send + Sync + 'static,
                B: Send + Sync + 'static,
            {
                Ok(std::sync::Arc::new(args.get::<A>(0).$method(args.get::<B>(1))))
            }
        )*

        impl<A: Send + Sync + 'static> Delayed<A> {
            $(
                #[doc = $doc]
                ///
                /// A new node of the graph; `other` is a `Delayed`, a reference to one, or a
                /// plain [`Operand`].
                #[allow(clippy::should_implement_trait)]
                pub fn $method<B>(&self, other: impl Operand<B>) -> Delayed<bool>
                where
                    A: $trait<B>,
                    B: Send + Sync + 'static,
                {
                    binary(
                        &$info,
                        $thunk::<A, B>,
                        Operand::<A>::into_operand(self),
                        other.into_operand(),
                    )
                }
            )*
        }
    };
}

use std::cmp::{PartialEq, PartialOrd};

comparisons! {
    eq PartialEq eq_thunk EQ "Whether this value equals `other` (`==`).";
    ne PartialEq ne_thunk NE "Whether this value differs from `other` (`!=`).";
    lt PartialOrd lt_thunk LT "Whether this value is less than `other` (`<`).";
    le PartialOrd le_thunk LE "Whether this value is at most `other` (`<=`).";
    gt PartialOrd gt_thunk GT "Whether this value is greater than `other` (`>`).";
    ge PartialOrd ge_thunk GE "Whether this value is at least `other` (`>=`).";
}

static INDEX: FnInfo = op_info("index");

fn index_thunk<A, I>(args: &mut Args) -> Result<Value, BoxError>
where
    A: ops::Index<I> + Send + Sync + 'static,
    A::Output: ToOwned,
    <A::Output as ToOwned>::Owned: Send + Sync + 'static,
    I: Clone + Send + Sync + 'static,
{
    let index = args.get::<I>(1).clone();
    Ok(std::sync::Arc::new(args.get::<A>(0)[index].to_owned()))
}

static VALUE: FnInfo = op_info("value");

fn value_thunk<T: Clone + Send + Sync + 'static>(args: &mut Args) -> Result<Value, BoxError> {
    Ok(std::sync::Arc::new(args.take::<T>(0)))
}

impl<A: Send + Sync + 'static> Delayed<A> {
    /// The element at `index` (`value[index]`), cloned out of the value, as a new node; a
    /// slice of a vector becomes a `Vec`, of a string a `String`.
    ///
    /// `index` is a plain value (a `usize` for vectors and slices, a range, a key of a map);
    /// it enters the key by its content.
    ///
    /// # Examples
    ///
    /// ```
    /// use graphchain::delayed;
    ///
    /// #[delayed]
    /// fn squares(n: u32) -> Vec<u32> {
    ///     (0..n).map(|i| i * i).collect()
    /// }
    ///
    /// let all = squares(5);
    /// assert_eq!(all.index(3).compute()?, 9);
    /// assert_eq!(all.index(1..3).compute()?, vec![1, 4]);
    /// # Ok::<(), graphchain::Error>(())
    /// ```
    #[allow(clippy::should_implement_trait)]
    pub fn index<I>(&self, index: I) -> Delayed<<A::Output as ToOwned>::Owned>
    where
        A: ops::Index<I>,
        A::Output: ToOwned,
        <A::Output as ToOwned>::Owned: Send + Sync + 'static,
        I: Serialize + Clone + Send + Sync + 'static,
    {
        binary(
            &INDEX,
            index_thunk::<A, I>,
            Operand::<A>::into_operand(self),
            Input::literal(index),
        )
    }
}

impl<T: Serialize + Clone + Send + Sync + 'static> Delayed<T> {
    /// Lifts a plain value into the graph (dask's `delayed(value)`): a node whose key is the
    /// hash of the value's content and whose result is the value.
    ///
    /// Useful to share one large input between many tasks, or to use a value of any type in an
    /// operator.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use graphchain::Delayed;
    ///
    /// let step = Delayed::value(Duration::from_millis(250));
    /// let total = &step + Delayed::value(Duration::from_millis(750));
    /// assert_eq!(total.compute()?, Duration::from_secs(1));
    /// assert_eq!(step.key(), Delayed::value(Duration::from_millis(250)).key());
    /// # Ok::<(), graphchain::Error>(())
    /// ```
    pub fn value(value: T) -> Delayed<T> {
        let input = Input::literal(value);
        op_node(
            &VALUE,
            &[type_name::<T>()],
            value_thunk::<T>,
            |b| b.push(input),
            1,
        )
    }
}

/// The projection nodes of [`Delayed::split`], one identity per position.
static ITEMS: [FnInfo; 6] = [
    op_info("item 0"),
    op_info("item 1"),
    op_info("item 2"),
    op_info("item 3"),
    op_info("item 4"),
    op_info("item 5"),
];

/// Element `I` of a tuple.
trait Item<const I: usize> {
    type Out: Clone + Send + Sync + 'static;
    fn item(&self) -> &Self::Out;
}

fn item_thunk<T, const I: usize>(args: &mut Args) -> Result<Value, BoxError>
where
    T: Item<I> + Send + Sync + 'static,
{
    Ok(std::sync::Arc::new(args.get::<T>(0).item().clone()))
}

/// Splitting a lazy tuple into lazy parts (dask's `nout`).
macro_rules! split_tuples {
    ($( $gens:tt $tup:ty; $($i:tt $t:ident),+; )*) => {$(
        $( split_tuples!(@item $gens $tup; $i $t); )+

        impl<$($t: Clone + Send + Sync + 'static),+> Delayed<$tup> {
            /// One lazy value per element of the tuple (dask's `nout`): cheap projection nodes,
            /// never stored, that share this node, so it is computed once.
            ///
            /// # Examples
            ///
            /// ```
            /// use graphchain::delayed;
            ///
            /// #[delayed]
            /// fn min_max(xs: &[i32]) -> (i32, i32) {
            ///     (*xs.iter().min().unwrap(), *xs.iter().max().unwrap())
            /// }
            ///
            /// let (lo, hi) = min_max(vec![3, 1, 4]).split();
            /// assert_eq!(graphchain::compute!(lo, hi)?, (1, 4));
            /// # Ok::<(), graphchain::Error>(())
            /// ```
            pub fn split(&self) -> ($(Delayed<$t>,)+) {
                let tuple = [type_name::<$tup>()];
                ($(
                    op_node(
                        &ITEMS[$i],
                        &tuple,
                        item_thunk::<$tup, $i>,
                        |b| b.push(Operand::<$tup>::into_operand(self)),
                        1,
                    ),
                )+)
            }
        }
    )*};
    (@item [$($g:ident),+] $tup:ty; $i:tt $t:ident) => {
        impl<$($g: Clone + Send + Sync + 'static),+> Item<$i> for $tup {
            type Out = $t;
            fn item(&self) -> &$t {
                &self.$i
            }
        }
    };
}

split_tuples! {
    [A, B] (A, B); 0 A, 1 B;
    [A, B, C] (A, B, C); 0 A, 1 B, 2 C;
    [A, B, C, D] (A, B, C, D); 0 A, 1 B, 2 C, 3 D;
    [A, B, C, D, E] (A, B, C, D, E); 0 A, 1 B, 2 C, 3 D, 4 E;
    [A, B, C, D, E, F] (A, B, C, D, E, F); 0 A, 1 B, 2 C, 3 D, 4 E, 5 F;
}

#[cfg(test)]
mod tests;
