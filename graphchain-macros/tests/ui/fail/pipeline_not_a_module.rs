#[graphchain::pipeline]
fn steps() {}

fn main() {}
