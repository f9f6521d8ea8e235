use graphchain::delayed;
use std::rc::Rc;

#[delayed]
fn shared(x: u8) -> Rc<u8> {
    Rc::new(x)
}

fn main() {}
