//! The S3 test server (`.ci/seaweedfs start`) and a proxy in front of it that can be made to
//! fail: refuse connections (the server stopped), answer `503 SlowDown`, or answer garbage.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, SystemTime};

/// The URL of a fresh prefix on the test S3 server, or `None` — with a visible `SKIP:` line —
/// when `GRAPHCHAIN_TEST_S3` is not set; with `GRAPHCHAIN_REQUIRE_S3=1` (as CI sets it) a
/// missing server fails the test instead.
pub(crate) fn test_s3(name: &str) -> Option<String> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let base = std::env::var("GRAPHCHAIN_TEST_S3")
        .ok()
        .filter(|v| !v.is_empty());
    let Some(base) = base else {
        assert!(
            std::env::var_os("GRAPHCHAIN_REQUIRE_S3").is_none_or(|v| v != "1"),
            "GRAPHCHAIN_REQUIRE_S3=1 but GRAPHCHAIN_TEST_S3 is not set"
        );
        eprintln!("SKIP: {name}: no S3 test server (run `.ci/seaweedfs start` and source its env)");
        return None;
    };
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    Some(format!(
        "{}/{name}-{}-{nanos}-{n}",
        base.trim_end_matches('/'),
        std::process::id()
    ))
}

/// The test server's address (`host:port`), from `AWS_ENDPOINT`.
pub(crate) fn server_addr() -> String {
    let endpoint = std::env::var("AWS_ENDPOINT").expect("AWS_ENDPOINT names the test server");
    endpoint
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned()
}

/// What the proxy does with requests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum Mode {
    /// Forwards them to the server.
    Up = 0,
    /// Closes every connection at once, open ones included: the server is gone.
    Down = 1,
    /// Answers each with `503 SlowDown`, as S3 does when it throttles.
    SlowDown = 2,
    /// Answers each with `200 OK` and bytes that are no answer to it.
    Garbage = 3,
}

/// A TCP proxy on loopback in front of the test server.
#[derive(Debug)]
pub(crate) struct FlakyProxy {
    mode: Arc<AtomicU8>,
    port: u16,
}

impl FlakyProxy {
    /// Starts a proxy to the test server, forwarding.
    pub(crate) fn start() -> FlakyProxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let mode = Arc::new(AtomicU8::new(Mode::Up as u8));
        let server = server_addr();
        let shared = Arc::clone(&mode);
        thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { continue };
                let (mode, server) = (Arc::clone(&shared), server.clone());
                thread::spawn(move || serve(client, &server, &mode));
            }
        });
        FlakyProxy { mode, port }
    }

    /// The proxy's URL, for the store's endpoint.
    pub(crate) fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub(crate) fn set(&self, mode: Mode) {
        self.mode.store(mode as u8, Ordering::SeqCst);
    }
}

fn current(mode: &AtomicU8) -> u8 {
    mode.load(Ordering::SeqCst)
}

/// One client connection, until it closes or the proxy goes down.
fn serve(mut client: TcpStream, server: &str, mode: &AtomicU8) {
    let canned = |client: &mut TcpStream, answer: &[u8]| {
        // Read what the request sent so far, so that the client sees an answer, not a reset.
        client
            .set_read_timeout(Some(Duration::from_millis(50)))
            .ok();
        let _ = client.read(&mut [0u8; 64 * 1024]);
        let _ = client.write_all(answer);
        let _ = client.shutdown(Shutdown::Both);
    };
    match current(mode) {
        m if m == Mode::Down as u8 => {
            let _ = client.shutdown(Shutdown::Both);
            return;
        }
        m if m == Mode::SlowDown as u8 => {
            let body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>SlowDown</Code>\
                        <Message>Please reduce your request rate.</Message></Error>";
            let answer = format!(
                "HTTP/1.1 503 Slow Down\r\nContent-Type: application/xml\r\nContent-Length: {}\r\n\
                 Connection: close\r\n\r\n{body}",
                body.len()
            );
            return canned(&mut client, answer.as_bytes());
        }
        m if m == Mode::Garbage as u8 => {
            let answer = b"HTTP/1.1 200 OK\r\nContent-Length: 16\r\nETag: \"x\"\r\n\
                           Connection: close\r\n\r\n\x00\xffnot an answer\x01";
            return canned(&mut client, answer);
        }
        _ => {}
    }
    let Ok(upstream) = TcpStream::connect(server) else {
        return;
    };
    let pipe = |mut from: TcpStream, mut to: TcpStream| {
        from.set_read_timeout(Some(Duration::from_millis(50))).ok();
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            if current(mode) != Mode::Up as u8 {
                break;
            }
            match from.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    if to.write_all(&buf[..n]).is_err() {
                        break;
                    }
                }
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) => {}
                Err(_) => break,
            }
        }
        let _ = from.shutdown(Shutdown::Both);
        let _ = to.shutdown(Shutdown::Both);
    };
    let (c2, u2) = (client.try_clone().unwrap(), upstream.try_clone().unwrap());
    thread::scope(|s| {
        s.spawn(|| pipe(client, upstream));
        s.spawn(|| pipe(u2, c2));
    });
}
