#[graphchain::pipeline]
mod steps;

fn main() {}
