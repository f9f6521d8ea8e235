use graphchain::delayed;

fn helper(x: u32) -> u32 {
    x + 1
}

#[delayed(uses(helper))]
fn step(x: u32) -> u32 {
    helper(x)
}

fn main() {}
