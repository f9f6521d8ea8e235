use std::time::Duration;

use graphchain::Delayed;

fn main() {
    let step = Delayed::value(Duration::from_secs(1));
    let _ = step + Duration::from_secs(2);
}
