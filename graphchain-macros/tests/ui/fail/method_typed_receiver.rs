use graphchain::delayed;

#[derive(Clone, serde::Serialize)]
struct Counter(u32);

impl Counter {
    #[delayed]
    fn get(self: Box<Self>) -> u32 {
        self.0
    }
}

fn main() {}
