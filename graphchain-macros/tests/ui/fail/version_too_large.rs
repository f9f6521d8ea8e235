use graphchain::delayed;

#[delayed(version = 18446744073709551616)]
fn f(x: u8) -> u8 {
    x
}

fn main() {}
