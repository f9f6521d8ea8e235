use graphchain::delayed;

#[derive(Debug)]
struct MyError;

#[delayed]
fn f(x: u8) -> Result<u8, MyError> {
    Ok(x)
}

fn main() {}
