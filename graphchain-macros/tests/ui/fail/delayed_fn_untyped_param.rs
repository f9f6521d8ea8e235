use graphchain::delayed_fn;

fn main() {
    let _ = delayed_fn!(|x, y: u32| y);
}
