use graphchain::delayed_fn;

fn main() {
    let offset = 10;
    let add = delayed_fn!(|x: u32| x + offset);
    let _ = add.call(1);
}
