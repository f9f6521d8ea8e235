use graphchain::delayed;

#[delayed]
const fn f(x: u8) -> u8 {
    x
}

fn main() {}
