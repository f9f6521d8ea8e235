use graphchain::delayed;

#[delayed]
fn f(x: u8) -> &'static str {
    if x > 0 { "positive" } else { "zero" }
}

fn main() {}
