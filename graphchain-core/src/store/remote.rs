//! A store on an object store (S3 and S3-compatible servers, Google Cloud Storage, Azure Blob
//! Storage) through the `object_store` crate, on a small tokio runtime of its own (feature
//! `remote`).

use std::fmt;
use std::future::Future;
use std::io;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant, SystemTime};

use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey};
use object_store::azure::{AzureConfigKey, MicrosoftAzureBuilder};
use object_store::gcp::{GoogleCloudStorageBuilder, GoogleConfigKey};
use object_store::path::Path;
use object_store::{
    BackoffConfig, ClientConfigKey, GetOptions, GetRange, ObjectStore, ObjectStoreExt, RetryConfig,
};

use super::{Lease, Opened, Store, StoreMeta};
use crate::key::Key;

mod config;
mod lease;
mod write;

pub use config::RemoteOptions;

/// File name extension of entries, as in a local directory.
const EXTENSION: &str = "gce";
/// Entries at least this large are uploaded in parts, several at once.
const MULTIPART_THRESHOLD: usize = 16 << 20;
/// The size of each part of a multipart upload.
const PART_SIZE: usize = 8 << 20;
/// How many parts of one entry are in flight at once.
const PART_CONCURRENCY: usize = 4;
/// How many bytes of an existing entry are compared with a new one of the same key: the
/// header, which holds the payload's length and blake3 hash (and the MAC of a signed entry).
const COMPARED_PREFIX: u64 = 4096;
/// After a request fails for want of the store (unreachable, throttled past the retries), the
/// store is not asked again for this long: one outage costs one round of retries, not one per
/// node.
const PAUSE_AFTER_FAILURE: Duration = Duration::from_secs(15);

/// Cache entries as objects under one prefix of a bucket, `<prefix>/<key>.gce`.
///
/// Every entry is written whole by one request (a single `PUT`, or a multipart upload that
/// becomes visible only when completed), so a reader never sees part of one, and a writer killed
/// in the middle leaves no object at all. Entries are immutable by key: a write is a conditional
/// create, and when the key is taken the object is compared with the new entry — the same entry
/// is a success, another (a damaged or forged one being replaced, a probe, a bookkeeping
/// record) is replaced by a conditional update on the version that was compared, so that of two
/// racing writers one wins and neither undoes the other. Multipart uploads (entries of 16 MiB and
/// more) cannot be conditional: a key holding the same entry is left as it is, and two racing
/// uploads each complete a whole entry, the later one standing.
///
/// Requests are retried with exponential backoff (`object_store`'s `RetryConfig`: up to 4
/// retries within 20 s). When they still fail, the store answers every request with an error
/// at once for 15 s rather than waiting on each: a run then computes what it cannot load, keeps
/// its results in memory, and warns once that they could not be stored.
pub struct RemoteStore {
    url: String,
    store: Arc<dyn ObjectStore>,
    prefix: Path,
    runtime: tokio::runtime::Runtime,
    /// When the store last failed, as milliseconds since `epoch`, or 0.
    failed_at: AtomicU64,
    epoch: Instant,
    /// Whether the pause after a failure has been reported.
    paused_warned: AtomicBool,
}

impl fmt::Debug for RemoteStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RemoteStore")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

impl RemoteStore {
    /// Opens the cache at `url` (`s3://bucket/prefix`, `gs://…`, `az://container/prefix`),
    /// configured from the environment as `object_store` reads it (`AWS_ACCESS_KEY_ID`,
    /// `AWS_SECRET_ACCESS_KEY`, `AWS_REGION`, `AWS_ENDPOINT`, `AWS_ALLOW_HTTP`,
    /// `GOOGLE_SERVICE_ACCOUNT`, `AZURE_STORAGE_ACCOUNT_NAME`, …), and checks that it can be
    /// listed: a missing bucket or refused credentials are found here, before any task runs.
    ///
    /// # Errors
    ///
    /// [`Error::Config`](crate::error::Error::Config) naming the location and what to fix.
    pub fn open(url: &str) -> Result<Self, crate::error::Error> {
        Self::open_with(url, &RemoteOptions::default())
    }

    /// As [`open`](RemoteStore::open), with `options` over the environment.
    ///
    /// # Errors
    ///
    /// As [`open`](RemoteStore::open).
    pub fn open_with(url: &str, options: &RemoteOptions) -> Result<Self, crate::error::Error> {
        let store = Self::connect(url, options)?;
        store.check().map_err(|e| config::explain(url, &e))?;
        Ok(store)
    }

    /// The store at `url`, without checking that it answers.
    pub(crate) fn connect(url: &str, options: &RemoteOptions) -> Result<Self, crate::error::Error> {
        let bad = |what: String| config::bad_location(url, &what);
        let parsed = url::Url::parse(url).map_err(|e| bad(format!("not a URL ({e})")))?;
        let retry = RetryConfig {
            backoff: BackoffConfig {
                init_backoff: Duration::from_millis(100),
                max_backoff: Duration::from_secs(5),
                base: 2.0,
            },
            max_retries: options.max_retries,
            retry_timeout: Duration::from_secs(20),
        };
        // Set key by key: `with_client_options` would replace what the environment set
        // (`AWS_ALLOW_HTTP`, proxies).
        let timeouts = [
            (ClientConfigKey::ConnectTimeout, "3s".to_owned()),
            (
                ClientConfigKey::Timeout,
                format!("{}ms", options.request_timeout.as_millis()),
            ),
        ];
        let (store, prefix): (Arc<dyn ObjectStore>, Path) = match parsed.scheme() {
            "s3" | "s3a" => {
                let mut builder = AmazonS3Builder::from_env().with_url(url);
                for (key, value) in &timeouts {
                    builder = builder.with_config(AmazonS3ConfigKey::Client(*key), value);
                }
                if let Some(endpoint) = &options.endpoint {
                    builder = builder.with_endpoint(endpoint);
                }
                let endpoint = options
                    .endpoint
                    .clone()
                    .or_else(|| std::env::var("AWS_ENDPOINT").ok())
                    .or_else(|| std::env::var("AWS_ENDPOINT_URL").ok());
                // Plain HTTP is allowed to a server on this machine without asking.
                if options.allow_http || endpoint.as_deref().is_some_and(config::is_loopback) {
                    builder = builder.with_allow_http(true);
                }
                let store = builder
                    .with_retry(retry)
                    .build()
                    .map_err(|e| bad(e.to_string()))?;
                (Arc::new(store), config::prefix_of(&parsed).map_err(bad)?)
            }
            "gs" => {
                let mut builder = GoogleCloudStorageBuilder::from_env().with_url(url);
                for (key, value) in &timeouts {
                    builder = builder.with_config(GoogleConfigKey::Client(*key), value);
                }
                let store = builder
                    .with_retry(retry)
                    .build()
                    .map_err(|e| bad(e.to_string()))?;
                (Arc::new(store), config::prefix_of(&parsed).map_err(bad)?)
            }
            "az" | "azure" | "abfs" | "abfss" => {
                let mut builder = MicrosoftAzureBuilder::from_env().with_url(url);
                for (key, value) in &timeouts {
                    builder = builder.with_config(AzureConfigKey::Client(*key), value);
                }
                let store = builder
                    .with_retry(retry)
                    .build()
                    .map_err(|e| bad(e.to_string()))?;
                (Arc::new(store), config::prefix_of(&parsed).map_err(bad)?)
            }
            other => {
                return Err(bad(format!(
                    "unknown scheme `{other}` (use s3://, gs://, az://, file:// or memory://)"
                )));
            }
        };
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("graphchain-remote")
            .enable_all()
            .build()
            .map_err(|e| bad(format!("cannot start its I/O threads ({e})")))?;
        Ok(RemoteStore {
            url: url.trim_end_matches('/').to_owned(),
            store,
            prefix,
            runtime,
            failed_at: AtomicU64::new(0),
            epoch: Instant::now(),
            paused_warned: AtomicBool::new(false),
        })
    }

    /// Lists the prefix once: the bucket exists and the credentials are accepted.
    fn check(&self) -> object_store::Result<()> {
        let (store, prefix) = (Arc::clone(&self.store), self.prefix.clone());
        self.block_on(async move { store.list_with_delimiter(Some(&prefix)).await.map(drop) })
    }

    fn path(&self, key: Key) -> Path {
        self.prefix.clone().join(format!("{key}.{EXTENSION}"))
    }

    /// Runs `future` on the store's runtime and waits for it, from any thread (a thread of
    /// another tokio runtime included).
    fn block_on<T: Send + 'static>(&self, future: impl Future<Output = T> + Send + 'static) -> T {
        let (tx, rx) = mpsc::sync_channel(1);
        self.runtime.spawn(async move {
            let _ = tx.send(future.await);
        });
        rx.recv()
            .expect("the store's runtime runs its tasks to the end")
    }

    /// Runs a request unless the store failed moments ago; a failure for want of the store
    /// starts a pause.
    fn request<T: Send + 'static>(
        &self,
        future: impl Future<Output = object_store::Result<T>> + Send + 'static,
    ) -> io::Result<T> {
        let failed_at = self.failed_at.load(Ordering::Relaxed);
        if failed_at != 0 && self.now_ms().saturating_sub(failed_at) < millis(PAUSE_AFTER_FAILURE) {
            return Err(io::Error::new(
                io::ErrorKind::NotConnected,
                format!("{} failed moments ago; not asking it again yet", self.url),
            ));
        }
        let result = self.block_on(future);
        if let Err(e) = &result
            && is_outage(e)
        {
            self.failed_at
                .store(self.now_ms().max(1), Ordering::Relaxed);
            if !self.paused_warned.swap(true, Ordering::Relaxed) {
                tracing::warn!(
                    target: "graphchain",
                    location = %self.url,
                    "the cache store fails ({e}); retrying later, computing what cannot be loaded"
                );
            }
        }
        result.map_err(to_io)
    }

    fn now_ms(&self) -> u64 {
        millis(self.epoch.elapsed()).max(1)
    }

    /// The entry under `key` (or the `range` of it), as the response's own buffer.
    fn fetch(&self, key: Key, range: Option<GetRange>) -> io::Result<Option<bytes::Bytes>> {
        let (store, path) = (Arc::clone(&self.store), self.path(key));
        self.request(async move {
            let options = GetOptions {
                range,
                ..GetOptions::default()
            };
            match store.get_opts(&path, options).await {
                Ok(result) => Ok(Some(result.bytes().await?)),
                Err(object_store::Error::NotFound { .. }) => Ok(None),
                Err(e) => Err(e),
            }
        })
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// Whether `e` says the store is not there (rather than that one object is missing or taken).
fn is_outage(e: &object_store::Error) -> bool {
    !matches!(
        e,
        object_store::Error::NotFound { .. }
            | object_store::Error::AlreadyExists { .. }
            | object_store::Error::Precondition { .. }
            | object_store::Error::NotModified { .. }
            | object_store::Error::InvalidPath { .. }
    )
}

fn to_io(e: object_store::Error) -> io::Error {
    let kind = match &e {
        object_store::Error::NotFound { .. } => io::ErrorKind::NotFound,
        object_store::Error::AlreadyExists { .. } => io::ErrorKind::AlreadyExists,
        object_store::Error::PermissionDenied { .. }
        | object_store::Error::Unauthenticated { .. } => io::ErrorKind::PermissionDenied,
        _ => io::ErrorKind::Other,
    };
    io::Error::new(kind, e)
}

impl Store for RemoteStore {
    fn location(&self) -> String {
        self.url.clone()
    }

    fn get(&self, key: Key) -> io::Result<Option<Vec<u8>>> {
        // Without a copy when the buffer is the response's alone.
        Ok(self.fetch(key, None)?.map(Vec::from))
    }

    fn get_prefix(&self, key: Key, len: usize) -> io::Result<Option<Vec<u8>>> {
        if len == 0 {
            return Ok(self.contains(key)?.then(Vec::new));
        }
        let range = Some(GetRange::Bounded(0..len as u64));
        Ok(self.fetch(key, range)?.map(|got| {
            let mut bytes = got.to_vec();
            bytes.truncate(len);
            bytes
        }))
    }

    fn open(&self, key: Key) -> io::Result<Option<Opened>> {
        // The response's own buffer, without a copy; its size is what was received, so that a
        // short read is a truncated entry, as it is on disk.
        Ok(self.fetch(key, None)?.map(|bytes| Opened {
            size: bytes.len() as u64,
            reader: Box::new(io::Cursor::new(bytes)),
        }))
    }

    fn put(&self, key: Key, entry: &[u8]) -> io::Result<()> {
        self.put_parts(key, &[entry])
    }

    fn put_parts(&self, key: Key, parts: &[&[u8]]) -> io::Result<()> {
        write::put(self, key, parts)
    }

    fn contains(&self, key: Key) -> io::Result<bool> {
        let (store, path) = (Arc::clone(&self.store), self.path(key));
        self.request(async move {
            match store.head(&path).await {
                Ok(_) => Ok(true),
                Err(object_store::Error::NotFound { .. }) => Ok(false),
                Err(e) => Err(e),
            }
        })
    }

    fn remove(&self, key: Key) -> io::Result<bool> {
        let (store, path) = (Arc::clone(&self.store), self.path(key));
        self.request(async move {
            // S3 deletes succeed whether or not there was an object: ask first.
            match store.head(&path).await {
                Ok(_) => {}
                Err(object_store::Error::NotFound { .. }) => return Ok(false),
                Err(e) => return Err(e),
            }
            match store.delete(&path).await {
                Ok(()) => Ok(true),
                Err(object_store::Error::NotFound { .. }) => Ok(false),
                Err(e) => Err(e),
            }
        })
    }

    fn list(&self) -> io::Result<Vec<Key>> {
        Ok(self.list_meta()?.into_iter().map(|(key, _)| key).collect())
    }

    fn metadata(&self, key: Key) -> io::Result<Option<StoreMeta>> {
        let (store, path) = (Arc::clone(&self.store), self.path(key));
        self.request(async move {
            match store.head(&path).await {
                Ok(meta) => Ok(Some(store_meta(&meta))),
                Err(object_store::Error::NotFound { .. }) => Ok(None),
                Err(e) => Err(e),
            }
        })
    }

    fn try_lease(&self, key: Key) -> io::Result<Option<Lease>> {
        lease::try_lease(self, key)
    }

    fn remove_leftovers(&self, age: Duration) -> io::Result<usize> {
        lease::remove_stale(self, age)
    }
}

impl RemoteStore {
    /// Every entry with its size and time of writing, from one listing of the prefix (a request
    /// per thousand entries), never one request per entry.
    pub(crate) fn list_meta(&self) -> io::Result<Vec<(Key, StoreMeta)>> {
        let (store, prefix) = (Arc::clone(&self.store), self.prefix.clone());
        let listed = self.request(async move { store.list_with_delimiter(Some(&prefix)).await })?;
        Ok(listed
            .objects
            .iter()
            .filter_map(|meta| {
                let name = meta.location.filename()?;
                let hex = name.strip_suffix(EXTENSION)?.strip_suffix('.')?;
                if hex.bytes().any(|b| b.is_ascii_uppercase()) {
                    return None;
                }
                Some((hex.parse().ok()?, store_meta(meta)))
            })
            .collect())
    }
}

fn store_meta(meta: &object_store::ObjectMeta) -> StoreMeta {
    let since_epoch = meta.last_modified.timestamp_millis().max(0) as u64;
    StoreMeta {
        size: meta.size,
        // Objects cannot be touched: their last use is when they were written.
        last_used: SystemTime::UNIX_EPOCH + Duration::from_millis(since_epoch),
    }
}
