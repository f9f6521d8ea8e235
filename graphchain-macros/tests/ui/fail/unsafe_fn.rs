use graphchain::delayed;

#[delayed]
unsafe fn f(x: u8) -> u8 {
    x
}

fn main() {}
