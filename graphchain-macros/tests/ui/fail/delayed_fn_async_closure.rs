use graphchain::delayed_fn;

fn main() {
    let _ = delayed_fn!(async |x: u8| x);
}
