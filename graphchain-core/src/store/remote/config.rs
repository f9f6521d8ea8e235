//! Configuring a remote store, and turning what goes wrong when opening one into an error that
//! names the location and what to fix.

use std::time::Duration;

use object_store::path::Path;

use crate::error::Error;

/// Settings of a [`RemoteStore`](super::RemoteStore) beyond what the environment says.
///
/// # Examples
///
/// ```no_run
/// use graphchain::store::{RemoteOptions, RemoteStore};
///
/// // An S3-compatible server on this machine (SeaweedFS, MinIO): plain HTTP is allowed to it.
/// let options = RemoteOptions::new().endpoint("http://127.0.0.1:8333");
/// let store = RemoteStore::open_with("s3://my-bucket/cache", &options)?;
/// # Ok::<(), graphchain::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct RemoteOptions {
    pub(super) endpoint: Option<String>,
    pub(super) allow_http: bool,
    pub(super) max_retries: usize,
    pub(super) request_timeout: Duration,
}

impl Default for RemoteOptions {
    fn default() -> Self {
        RemoteOptions {
            endpoint: None,
            allow_http: false,
            max_retries: 4,
            request_timeout: Duration::from_secs(300),
        }
    }
}

impl RemoteOptions {
    /// The defaults: everything from the environment, 4 retries, 300 s per request.
    pub fn new() -> Self {
        Self::default()
    }

    /// The server's URL, for S3-compatible servers (default: `AWS_ENDPOINT`, else Amazon's).
    /// Plain `http://` is allowed without [`allow_http`](RemoteOptions::allow_http) when the
    /// server is on this machine (`localhost`, `127.0.0.0/8`, `[::1]`).
    pub fn endpoint(mut self, url: impl Into<String>) -> Self {
        self.endpoint = Some(url.into());
        self
    }

    /// Allows plain HTTP to any server (default: `AWS_ALLOW_HTTP`, else only to this machine).
    pub fn allow_http(mut self, allowed: bool) -> Self {
        self.allow_http = allowed;
        self
    }

    /// How many times a failed request is tried again, with exponential backoff (default 4).
    pub fn max_retries(mut self, n: usize) -> Self {
        self.max_retries = n;
        self
    }

    /// The longest one request may take, an upload of a large entry included (default 300 s).
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }
}

/// Whether an endpoint URL points at this machine.
pub(super) fn is_loopback(endpoint: &str) -> bool {
    url::Url::parse(endpoint).is_ok_and(|u| match u.host() {
        Some(url::Host::Domain(d)) => d == "localhost",
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    })
}

/// The prefix inside the bucket or container: the URL's path.
pub(super) fn prefix_of(url: &url::Url) -> Result<Path, String> {
    let path = url.path().trim_matches('/');
    Path::from_url_path(path).map_err(|e| format!("the prefix `{path}` is not a valid path ({e})"))
}

/// A location that cannot be used as it is written.
pub(crate) fn bad_location(url: &str, what: &str) -> Error {
    Error::Config(format!("cache location `{url}`: {what}"))
}

/// What listing the store at `url` answered, said with what to do about it.
pub(super) fn explain(url: &str, e: &object_store::Error) -> Error {
    // The whole chain: the HTTP client's own reason is at its end.
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text = format!("{text}: {cause_text}");
        }
        source = cause.source();
    }
    let has = |needle: &str| text.contains(needle);
    let fix = if has("NoSuchBucket") || has("ContainerNotFound") || has("bucket does not exist") {
        "the bucket does not exist: create it, or fix the bucket's name in the URL"
    } else if has("InvalidAccessKeyId")
        || has("SignatureDoesNotMatch")
        || has("AccessDenied")
        || has_status(&text, "403")
        || has_status(&text, "401")
        || matches!(
            e,
            object_store::Error::PermissionDenied { .. }
                | object_store::Error::Unauthenticated { .. }
        )
    {
        "the credentials were refused: check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY \
         (GOOGLE_SERVICE_ACCOUNT, AZURE_STORAGE_ACCOUNT_KEY), and that they may list the bucket"
    } else if has("connect") || has("dns") || has("timed out") || has("error sending request") {
        "the server cannot be reached: check AWS_ENDPOINT (or the endpoint option) and that the \
         server is running"
    } else {
        "check the URL, the credentials and the endpoint"
    };
    Error::Config(format!(
        "cache location `{url}` cannot be used: {fix} ({text})"
    ))
}

/// Whether `text` holds the HTTP status `code` as a number of its own, not as digits of another
/// number (a duration such as `102.784039ms` holds `403`).
fn has_status(text: &str, code: &str) -> bool {
    let bytes = text.as_bytes();
    text.match_indices(code).any(|(at, _)| {
        let before = at.checked_sub(1).map(|i| bytes[i]);
        let after = bytes.get(at + code.len()).copied();
        !before.is_some_and(|b| b.is_ascii_digit() || b == b'.')
            && !after.is_some_and(|b| b.is_ascii_digit() || b == b'.')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_codes_are_numbers_of_their_own() {
        assert!(has_status(
            "Server returned non-2xx status code: 403 Forbidden",
            "403"
        ));
        assert!(has_status("status 401", "401"));
        assert!(has_status("(403)", "403"));
        assert!(!has_status(
            "GET http://127.0.0.1:9/ in 102.784039ms, refused",
            "403"
        ));
        assert!(!has_status("port 14030", "403"));
    }

    #[test]
    fn loopback_endpoints_are_recognised() {
        assert!(is_loopback("http://127.0.0.1:8333"));
        assert!(is_loopback("http://localhost:9000/"));
        assert!(is_loopback("http://[::1]:8333"));
        assert!(!is_loopback("http://10.0.0.1:8333"));
        assert!(!is_loopback("https://s3.example.com"));
        assert!(!is_loopback("not a url"));
    }

    #[test]
    fn the_prefix_is_the_path_of_the_url() {
        let url = url::Url::parse("s3://bucket/team/cache/").unwrap();
        assert_eq!(prefix_of(&url).unwrap().as_ref(), "team/cache");
        let url = url::Url::parse("s3://bucket").unwrap();
        assert_eq!(prefix_of(&url).unwrap().as_ref(), "");
    }
}
