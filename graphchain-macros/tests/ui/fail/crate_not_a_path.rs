use graphchain::delayed;

#[delayed(crate = "not a path")]
fn f(x: u8) -> u8 {
    x
}

fn main() {}
