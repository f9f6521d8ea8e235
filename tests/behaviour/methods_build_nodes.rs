//! `#[delayed]` in `impl` blocks: `&self` and `self` are inputs hashed by content, associated
//! functions may name `Self`, and the type is part of the key.

use graphchain::{Delayed, compute, delayed};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Scaler {
    factor: f64,
}

impl Scaler {
    #[delayed]
    fn new(factor: f64) -> Self {
        Scaler { factor }
    }

    /// Scales every value.
    #[delayed]
    fn apply(&self, xs: &[f64]) -> Vec<f64> {
        xs.iter().map(|x| x * self.factor).collect()
    }

    #[delayed]
    fn doubled(mut self) -> Scaler {
        self.factor *= 2.0;
        self
    }

    #[delayed]
    fn combine(a: &Self, b: &Self) -> Self {
        Scaler {
            factor: a.factor * b.factor,
        }
    }
}

#[derive(Clone, Serialize, Deserialize)]
struct Offset {
    factor: f64,
}

impl Offset {
    // The same tokens as `Scaler::apply`, on another type.
    #[delayed]
    fn apply(&self, xs: &[f64]) -> Vec<f64> {
        xs.iter().map(|x| x * self.factor).collect()
    }
}

#[derive(Clone, Serialize, Deserialize)]
struct Wrapper<T> {
    inner: T,
}

impl<T: Clone + Serialize + Send + Sync + 'static> Wrapper<T> {
    #[delayed(cache = "never")]
    fn get(&self) -> T {
        self.inner.clone()
    }
}

#[test]
fn methods_and_associated_functions_compute() {
    let s = Scaler { factor: 3.0 };
    let scaled = s.apply(vec![1.0, 2.0]);
    let built: Delayed<Scaler> = Scaler::new(0.5);
    let both = Scaler::combine(&built, Scaler::new(4.0));
    let (v, b, d) = compute!(scaled, both, s.clone().doubled()).unwrap();
    assert_eq!(v, vec![3.0, 6.0]);
    assert_eq!(b, Scaler { factor: 2.0 });
    assert_eq!(d, Scaler { factor: 6.0 });
    assert_eq!(s.apply(Vec::<f64>::new()).name(), "apply");
    assert_eq!(Wrapper { inner: 'x' }.get().compute().unwrap(), 'x');
}

#[test]
fn self_is_an_input_hashed_by_content() {
    let a = Scaler { factor: 3.0 };
    let b = Scaler { factor: 3.0 };
    let c = Scaler { factor: 4.0 };
    assert_eq!(a.apply(vec![1.0]).key(), b.apply(vec![1.0]).key());
    assert_ne!(a.apply(vec![1.0]).key(), c.apply(vec![1.0]).key());
}

#[test]
fn the_type_is_part_of_the_key() {
    let s = Scaler { factor: 3.0 };
    let o = Offset { factor: 3.0 };
    // Same tokens, same content of `self`: only the type tells the nodes apart.
    assert_ne!(s.apply(vec![1.0]).key(), o.apply(vec![1.0]).key());
    assert_ne!(
        Wrapper { inner: 1u8 }.get().key(),
        Wrapper { inner: 1u16 }.get().key()
    );
}
