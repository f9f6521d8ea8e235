use graphchain::delayed;

#[derive(Clone, serde::Serialize)]
struct Counter(u32);

impl<'a> Counter {
    #[delayed]
    fn get(&'a self) -> u32 {
        self.0
    }
}

fn main() {}
