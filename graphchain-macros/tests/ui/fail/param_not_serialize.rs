use graphchain::delayed;

#[derive(Clone)]
struct Samples {
    values: Vec<f64>,
}

#[delayed]
fn mean(samples: &Samples) -> f64 {
    samples.values.iter().sum::<f64>() / samples.values.len() as f64
}

fn main() {
    let samples = Samples { values: vec![1.0] };
    let _ = mean(samples);
}
