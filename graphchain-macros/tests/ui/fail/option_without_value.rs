use graphchain::delayed;

#[delayed(pure)]
fn f(x: u8) -> u8 {
    x
}

fn main() {}
