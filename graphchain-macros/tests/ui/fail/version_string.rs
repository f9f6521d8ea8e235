use graphchain::delayed;

#[delayed(version = "2")]
fn f(x: u8) -> u8 {
    x
}

fn main() {}
