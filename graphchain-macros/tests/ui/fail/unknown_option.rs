use graphchain::delayed;

#[delayed(foo = 1)]
fn f(x: u8) -> u8 {
    x
}

fn main() {}
