//! Methods and associated functions in `impl` blocks, generic ones included.
#![deny(warnings)]

use graphchain::{Delayed, delayed};

#[derive(Clone, serde::Serialize, serde::Deserialize)]
struct Model {
    scale: u8,
}

impl Model {
    #[delayed]
    fn scaled(&self, x: u8) -> u8 {
        self.scale * x
    }

    #[delayed]
    pub fn into_scale(self) -> u8 {
        self.scale
    }

    #[delayed]
    fn shifted(p: &Model, by: u8) -> Self {
        Model { scale: p.scale + by }
    }

    #[delayed]
    fn from_vec(items: Vec<Self>) -> Result<Self, std::fmt::Error> {
        items.into_iter().next().ok_or(std::fmt::Error)
    }

    #[delayed]
    fn generic<T: Clone + serde::Serialize + Send + Sync + 'static>(&self, t: T) -> (u8, T) {
        (self.scale, t)
    }
}

#[derive(Clone, serde::Serialize)]
struct Holder<T>(T);

impl<T: Clone + serde::Serialize + Send + Sync + 'static> Holder<T> {
    #[delayed(cache = "never")]
    fn inner(&self) -> T {
        self.0.clone()
    }
}

fn main() {
    let m = Model { scale: 2 };
    let _: Delayed<u8> = m.scaled(3);
    let _: Delayed<u8> = m.clone().into_scale();
    let shifted: Delayed<Model> = Model::shifted(&m, 1);
    let _: Delayed<Model> = Model::from_vec(vec![shifted]);
    let _: Delayed<(u8, char)> = m.generic('x');
    let _: Delayed<i64> = Holder(5i64).inner();
}

#[delayed(retries = 3)]
fn fetch(url: &str) -> Result<usize, std::io::Error> {
    Ok(url.len())
}

#[allow(dead_code)]
fn uses_fetch() -> Delayed<usize> {
    fetch("https://example.invalid")
}
