use graphchain::delayed;

#[delayed]
fn f(ref x: u8) -> u8 {
    *x
}

fn main() {}
