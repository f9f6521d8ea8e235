use graphchain::delayed;

#[delayed(pure = "no")]
fn f(x: u8) -> u8 {
    x
}

fn main() {}
