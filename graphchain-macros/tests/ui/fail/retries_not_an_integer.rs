use graphchain::delayed;

#[delayed(retries = "3")]
fn fetch(url: &str) -> usize {
    url.len()
}

#[delayed(retries = -1)]
fn fetch_again(url: &str) -> usize {
    url.len()
}

fn main() {}
