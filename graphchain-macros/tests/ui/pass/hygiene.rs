//! Parameters may take the names of the macro's own locals.

use graphchain::delayed;

#[delayed]
fn clash(__graphchain_node: u32, __graphchain_args: u32) -> u32 {
    __graphchain_node + __graphchain_args
}

fn main() {
    assert_eq!(clash(1, 2).compute().unwrap(), 3);
}
