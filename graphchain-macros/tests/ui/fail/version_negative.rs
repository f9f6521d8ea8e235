use graphchain::delayed;

#[delayed(version = -1)]
fn f(x: u8) -> u8 {
    x
}

fn main() {}
