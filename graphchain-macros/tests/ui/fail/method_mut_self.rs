use graphchain::delayed;

#[derive(Clone, serde::Serialize)]
struct Counter(u32);

impl Counter {
    #[delayed]
    fn bump(&mut self) -> u32 {
        self.0 += 1;
        self.0
    }
}

fn main() {}
