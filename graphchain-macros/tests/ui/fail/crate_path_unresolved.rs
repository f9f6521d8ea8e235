use graphchain::delayed;

mod reexport {}

#[delayed(crate = "crate::reexport")]
fn f(x: u8) -> u8 {
    x
}

fn main() {}
