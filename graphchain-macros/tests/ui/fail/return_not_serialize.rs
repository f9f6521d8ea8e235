use graphchain::delayed;

struct Opaque(u8);

#[delayed]
fn make(x: u8) -> Opaque {
    Opaque(x)
}

fn main() {}
