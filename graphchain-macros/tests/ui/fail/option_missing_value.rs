use graphchain::delayed;

#[delayed(name = "x", pure =)]
fn f(x: u8) -> u8 {
    x
}

fn main() {}
