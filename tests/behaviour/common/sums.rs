//! A two-step graph whose results are always stored: a vector, and its sum.

use graphchain::delayed;

#[delayed(cache = "always")]
pub(crate) fn leaf(n: u64) -> Vec<u64> {
    (0..n).collect()
}

#[delayed(cache = "always")]
pub(crate) fn total(xs: &[u64]) -> u64 {
    xs.iter().sum()
}
