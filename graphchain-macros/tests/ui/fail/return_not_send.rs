use graphchain::delayed;
use std::rc::Rc;

// Never cached, so only `Send + Sync` is asked of the result.
#[delayed(cache = "never")]
fn shared(x: u8) -> Rc<u8> {
    Rc::new(x)
}

fn main() {}
