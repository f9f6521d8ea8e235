use graphchain::delayed;

#[delayed]
fn f((a, b): (u8, u8)) -> u8 {
    a + b
}

fn main() {}
