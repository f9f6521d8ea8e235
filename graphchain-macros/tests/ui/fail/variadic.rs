use graphchain::delayed;

#[delayed]
fn f(x: u8, ...) -> u8 {
    x
}

fn main() {}
