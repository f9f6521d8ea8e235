use graphchain::delayed;
use std::rc::Rc;

#[delayed]
fn get(x: &Rc<u8>) -> u8 {
    **x
}

fn main() {}
