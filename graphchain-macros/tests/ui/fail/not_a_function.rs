use graphchain::delayed;

#[delayed]
struct Settings {
    threads: usize,
}

fn main() {}
