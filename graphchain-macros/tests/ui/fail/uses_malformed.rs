use graphchain::delayed;

#[delayed(uses = helper)]
fn a(x: u32) -> u32 {
    x
}

#[delayed(uses())]
fn b(x: u32) -> u32 {
    x
}

fn main() {}
