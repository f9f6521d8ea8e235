use graphchain::delayed;

#[delayed]
async unsafe fn f<'a, const N: usize>(_: u8, _x: &mut u8, _y: impl Clone) -> &'a str {
    ""
}

fn main() {}
