use graphchain::delayed;

#[derive(Debug)]
pub struct PlanError;

pub type PlanResult<T> = Result<T, PlanError>;

#[delayed]
fn plan(n: u32) -> PlanResult<u32> {
    Ok(n)
}

fn main() {}
