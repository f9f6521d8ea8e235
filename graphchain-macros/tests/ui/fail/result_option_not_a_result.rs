use graphchain::delayed;

#[delayed(result)]
fn count(n: u32) -> Vec<u32> {
    (0..n).collect()
}

#[delayed(result)]
fn nothing() {}

fn main() {}
