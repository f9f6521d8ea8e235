use graphchain::delayed;

#[delayed(cache = "sometimes")]
fn f(x: u8) -> u8 {
    x
}

fn main() {}
