use graphchain::delayed;

#[delayed]
fn f<'a>(x: &'a str) -> usize {
    x.len()
}

fn main() {}
