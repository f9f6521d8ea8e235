use graphchain::delayed;

#[derive(Clone, serde::Serialize, serde::Deserialize)]
struct Point {
    x: u8,
}

impl Point {
    #[delayed]
    fn shifted(p: &Point, by: u8) -> Self {
        Point { x: p.x + by }
    }
}

fn main() {}
