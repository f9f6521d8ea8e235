use graphchain::delayed;

#[delayed]
fn f(x: impl Into<u64>) -> u64 {
    x.into()
}

fn main() {}
