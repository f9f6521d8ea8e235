use graphchain::delayed;

#[delayed(foo = 1)]
const LIMIT: u8 = 3;

fn main() {}
