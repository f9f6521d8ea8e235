use graphchain::delayed;

#[delayed]
fn f(_: u8) -> u8 {
    0
}

fn main() {}
