use graphchain::delayed;

/// Named like a `Result`, but a plain struct.
#[derive(Clone, serde::Serialize, serde::Deserialize)]
pub struct SearchResult {
    hits: u32,
}

#[delayed]
fn search(hits: u32) -> SearchResult {
    SearchResult { hits }
}

fn main() {}
