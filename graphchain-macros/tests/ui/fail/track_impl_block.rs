use graphchain::track;

struct Model;

#[track]
impl Model {
    fn scale(&self) -> f64 {
        2.0
    }
}

fn main() {}
