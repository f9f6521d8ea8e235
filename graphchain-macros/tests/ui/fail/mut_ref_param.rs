use graphchain::delayed;

#[delayed]
fn f(x: &mut Vec<u8>) -> usize {
    x.push(1);
    x.len()
}

fn main() {}
