use graphchain::delayed;

#[delayed("never")]
fn f(x: u8) -> u8 {
    x
}

fn main() {}
