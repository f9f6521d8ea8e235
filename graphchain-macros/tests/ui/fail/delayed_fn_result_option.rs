use graphchain::delayed_fn;

fn main() {
    let _ = delayed_fn!(|s: &str| s.parse::<u32>(), result);
}
