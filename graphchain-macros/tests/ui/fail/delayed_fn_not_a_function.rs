use graphchain::delayed_fn;

fn main() {
    let _ = delayed_fn!(1 + 2);
}
