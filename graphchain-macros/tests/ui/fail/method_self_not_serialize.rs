use graphchain::delayed;

#[derive(Clone)]
struct Counter(u32);

impl Counter {
    #[delayed]
    fn get(&self) -> u32 {
        self.0
    }
}

fn main() {}
