use graphchain::delayed;

#[derive(serde::Serialize)]
struct Samples {
    values: Vec<f64>,
}

#[delayed]
fn mean(samples: Samples) -> f64 {
    samples.values.iter().sum::<f64>() / samples.values.len() as f64
}

fn main() {}
