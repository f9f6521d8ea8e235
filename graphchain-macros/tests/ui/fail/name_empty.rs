use graphchain::delayed;

#[delayed(name = "")]
fn f(x: u8) -> u8 {
    x
}

fn main() {}
