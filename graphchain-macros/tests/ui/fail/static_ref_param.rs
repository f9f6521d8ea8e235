use graphchain::delayed;

#[delayed]
fn f(x: &'static str) -> usize {
    x.len()
}

fn main() {}
