use graphchain::delayed_fn;

#[derive(Clone)]
struct Opaque(u8);

fn main() {
    let make = delayed_fn!(|x: u8| Opaque(x));
    let _ = make.call(1);
}
