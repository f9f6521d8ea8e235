use graphchain::delayed_fn;

fn main() {
    let _ = delayed_fn!(|v: &mut Vec<u8>| v.len());
}
