use graphchain::delayed;

#[delayed(pure = true, pure = false)]
fn f(x: u8) -> u8 {
    x
}

fn main() {}
