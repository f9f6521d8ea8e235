use graphchain::delayed_fn;

fn main() {
    let hypot = delayed_fn!(f64::hypot);
    let _ = hypot.call(("three", 4.0));
}
