use graphchain::delayed;

#[delayed]
async fn f(x: u8) -> u8 {
    let shared = std::rc::Rc::new(x);
    std::future::ready(()).await;
    *shared
}

fn main() {}
