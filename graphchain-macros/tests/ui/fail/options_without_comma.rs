use graphchain::delayed;

#[delayed(pure = true cache = "never")]
fn f(x: u8) -> u8 {
    x
}

fn main() {}
