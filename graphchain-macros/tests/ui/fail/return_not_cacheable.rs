use graphchain::delayed;

/// Stands for a lazy query plan (polars' `LazyFrame`): it can be shown, not read back.
#[derive(Clone, serde::Serialize)]
pub struct LazyPlan(Vec<String>);

pub type PolarsResult<T> = Result<T, std::io::Error>;

#[delayed]
fn plan(table: &str) -> PolarsResult<LazyPlan> {
    Ok(LazyPlan(vec![table.to_owned()]))
}

fn main() {}
