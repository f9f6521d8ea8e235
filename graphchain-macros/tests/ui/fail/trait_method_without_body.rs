use graphchain::delayed;

trait Model {
    #[delayed]
    fn scaled(x: u8) -> u8;
}

fn main() {}
