use graphchain::delayed;

#[delayed(cache = never)]
fn f(x: u8) -> u8 {
    x
}

fn main() {}
