use graphchain::delayed;

#[delayed]
fn f(x: &'a str) -> usize {
    x.len()
}

fn main() {}
