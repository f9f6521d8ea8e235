use graphchain::delayed;

#[delayed]
async fn f(x: u8) -> u8 {
    x
}

fn main() {}
