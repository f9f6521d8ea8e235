use graphchain::delayed;

#[delayed]
extern "C" fn f(x: u8) -> u8 {
    x
}

fn main() {}
