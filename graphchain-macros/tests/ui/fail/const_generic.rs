use graphchain::delayed;

#[delayed]
fn f<const N: usize>() -> usize {
    N
}

fn main() {}
