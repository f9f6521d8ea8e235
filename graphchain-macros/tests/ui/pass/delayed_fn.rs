//! Every form `delayed_fn!` accepts.
#![deny(warnings)]

use graphchain::{Delayed, delayed, delayed_fn};

#[delayed]
fn words() -> Vec<String> {
    vec!["a".into(), "b".into()]
}

fn main() {
    let sqrt = delayed_fn!(f64::sqrt);
    let _: Delayed<f64> = sqrt.call(2.0);
    let _: Delayed<u8> = delayed_fn!(std::cmp::min::<u8>).call((1, 2));
    let _: Delayed<usize> = delayed_fn!(|w: &[String]| w.len()).call(words());
    let _: Delayed<String> = delayed_fn!(|a: &str, b: String, mut n: u8| -> String {
        n += 1;
        format!("{a}{b}{n}")
    })
    .call(("x", "y".to_string(), 1));
    let _: Delayed<u32> = delayed_fn!(|s: &str| s.parse::<u32>(), name = "parse").try_call("1");
    let _ = delayed_fn!(std::time::Instant::now, pure = false).call(());
    let _ = delayed_fn!(|x: u8| x, cache = "never", version = 3, crate = "::graphchain").call(1);
    let _ = delayed_fn!(|x: u8| x, retries = 2).call(1);
}
