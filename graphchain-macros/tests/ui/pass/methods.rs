use graphchain::delayed;

struct Model {
    scale: u8,
}

impl Model {
    #[delayed]
    fn scaled(&self, x: u8) -> u8 {
        self.scale * x
    }
}

fn main() {}
