use graphchain::delayed;

#[delayed]
fn f(x: u8) -> impl std::fmt::Display {
    x
}

fn main() {}
