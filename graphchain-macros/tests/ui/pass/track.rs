//! `#[track]` on every kind of item it accepts, used through `uses(…)` by paths.
#![deny(warnings)]

use graphchain::{Delayed, delayed, delayed_fn, track};

mod helpers {
    use graphchain::track;

    #[track]
    pub(crate) const SCALE: f64 = 2.0;

    #[track]
    pub(crate) static OFFSET: f64 = 1.0;

    #[track]
    pub(crate) type Value = f64;

    #[track]
    pub(crate) trait Shape {
        fn area(&self) -> f64;
    }

    #[track]
    #[derive(Clone, serde::Serialize, serde::Deserialize)]
    pub(crate) enum Unit {
        Metre,
    }

    #[track]
    #[derive(Clone, Copy)]
    pub(crate) union Bits {
        pub(crate) f: f32,
    }

    #[track(uses(SCALE, OFFSET))]
    pub(crate) fn apply(x: Value) -> Value {
        x * SCALE + OFFSET
    }
}

#[track]
#[derive(Clone, serde::Serialize, serde::Deserialize)]
struct Square(f64);

impl helpers::Shape for Square {
    fn area(&self) -> f64 {
        self.0 * self.0
    }
}

#[delayed(uses(helpers::apply, helpers::Value, helpers::Shape, helpers::Unit, helpers::Bits, Square))]
fn step(x: f64) -> f64 {
    use helpers::Shape;
    let _unit = helpers::Unit::Metre;
    let bits = helpers::Bits { f: 1.0 };
    // SAFETY: `f` is the only field.
    let one = f64::from(unsafe { bits.f });
    helpers::apply(Square(x).area()) * one
}

fn main() {
    let _: Delayed<f64> = step(3.0);
    let _ = delayed_fn!(|x: f64| helpers::apply(x), uses(helpers::apply)).call(1.0);
}
