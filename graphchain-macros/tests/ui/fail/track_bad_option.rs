use graphchain::track;

#[track(version = 2)]
fn helper(x: u32) -> u32 {
    x + 1
}

fn main() {}
