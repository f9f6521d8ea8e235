use graphchain::delayed_fn;

fn main() {
    let _ = delayed_fn!(f64::sqrt, purity = false);
}
