//! `async fn` tasks: free functions and methods, borrowed and owned inputs, generics, `Result`
//! returns and options, with no warning in the generated code.
#![deny(warnings)]

use graphchain::{Delayed, Runtime, delayed};

#[delayed]
async fn fetch(id: u32, host: &str, tags: &[String]) -> String {
    format!("{host}/{id}?{}", tags.join(","))
}

#[delayed(cache = "never", retries = 2, name = "maybe")]
async fn maybe(text: String) -> Result<u32, std::num::ParseIntError> {
    text.parse()
}

#[delayed]
async fn generic<T: Clone + serde::Serialize + serde::de::DeserializeOwned + Send + Sync + 'static>(
    value: &T,
    copies: usize,
) -> Vec<T> {
    vec![value.clone(); copies]
}

#[delayed(pure = false)]
async fn nothing() {}

#[derive(Clone, serde::Serialize, serde::Deserialize)]
struct Client {
    base: String,
}

impl Client {
    #[delayed]
    async fn get(&self, path: &str) -> String {
        format!("{}/{path}", self.base)
    }

    #[delayed]
    async fn into_base(self) -> String {
        self.base
    }

    #[delayed]
    async fn new(base: &str) -> Self {
        Client { base: base.to_owned() }
    }
}

fn main() -> Result<(), graphchain::Error> {
    let rt = Runtime::builder().cache(false).build()?;
    let page: Delayed<String> = fetch(1, "host", vec!["a".to_owned()]);
    assert_eq!(rt.compute(&page)?, "host/1?a");
    assert_eq!(rt.compute(&maybe("7".to_owned()))?, 7);
    assert_eq!(rt.compute(&generic::<u8>(3, 2))?, [3, 3]);
    rt.compute(&nothing())?;
    let client = rt.compute(&Client::new("https://example.invalid"))?;
    assert_eq!(rt.compute(&client.get("x"))?, "https://example.invalid/x");
    assert_eq!(rt.compute(&client.into_base())?, "https://example.invalid");
    Ok(())
}
