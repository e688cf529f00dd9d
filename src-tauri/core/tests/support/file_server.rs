//! A real HTTP server on loopback that serves one file the way a model host
//! does (`Accept-Ranges`, `206 Partial Content` for `Range: bytes=N-`), and
//! misbehaves on request: it can drop the first connection part-way, pause
//! the first response until the test lets it go on, ignore Range, flip a
//! byte, or answer every request with an error status.

#![allow(dead_code)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tokio::sync::Semaphore;

/// How the server behaves.
#[derive(Clone, Default)]
pub struct Behaviour {
    /// Answer `Range` requests with 206 (else always 200 and the whole file).
    pub ignore_range: bool,
    /// The first response stops after this many bytes (the connection drops).
    pub drop_first_after: Option<usize>,
    /// The first response holds after this many bytes until [`FileServer::go_on`].
    pub hold_first_after: Option<usize>,
    /// The byte at this offset is served flipped.
    pub corrupt_at: Option<usize>,
    /// Every request gets this status and no body.
    pub status: Option<u16>,
}

pub struct FileServer {
    /// `http://127.0.0.1:PORT`
    pub base: String,
    state: Arc<Shared>,
}

struct Shared {
    bytes: Bytes,
    behaviour: Behaviour,
    requests: AtomicUsize,
    ranges: Mutex<Vec<Option<String>>>,
    paths: Mutex<Vec<String>>,
    gate: Semaphore,
}

impl FileServer {
    pub async fn start(bytes: Bytes, behaviour: Behaviour) -> FileServer {
        let state = Arc::new(Shared {
            bytes,
            behaviour,
            requests: AtomicUsize::new(0),
            ranges: Mutex::new(Vec::new()),
            paths: Mutex::new(Vec::new()),
            gate: Semaphore::new(0),
        });
        let app = axum::Router::new()
            .fallback(serve)
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        FileServer { base, state }
    }

    /// The `Range` header of every request so far, in order.
    pub fn ranges(&self) -> Vec<Option<String>> {
        self.state.ranges.lock().unwrap().clone()
    }

    /// The path of every request so far.
    pub fn paths(&self) -> Vec<String> {
        self.state.paths.lock().unwrap().clone()
    }

    /// Lets a held response go on.
    pub fn go_on(&self) {
        self.state.gate.add_permits(1);
    }
}

const CHUNK: usize = 256 * 1024;

async fn serve(State(s): State<Arc<Shared>>, uri: axum::http::Uri, headers: HeaderMap) -> Response {
    let n = s.requests.fetch_add(1, Ordering::SeqCst);
    let range = headers
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    s.ranges.lock().unwrap().push(range.clone());
    s.paths.lock().unwrap().push(uri.path().to_owned());
    if let Some(status) = s.behaviour.status {
        return StatusCode::from_u16(status).unwrap().into_response();
    }
    let len = s.bytes.len();
    let start = match (&range, s.behaviour.ignore_range) {
        (Some(r), false) => r
            .strip_prefix("bytes=")
            .and_then(|r| r.strip_suffix('-'))
            .and_then(|r| r.parse::<usize>().ok())
            .unwrap_or(0),
        _ => 0,
    };
    if start >= len && start > 0 {
        return StatusCode::RANGE_NOT_SATISFIABLE.into_response();
    }
    let first = n == 0;
    let stop_at = if first {
        s.behaviour.drop_first_after
    } else {
        None
    };
    let hold_at = if first {
        s.behaviour.hold_first_after
    } else {
        None
    };
    let corrupt_at = s.behaviour.corrupt_at;
    let shared = s.clone();
    let body = async_stream(shared, start, len, stop_at, hold_at, corrupt_at);
    let mut response = Response::new(Body::from_stream(body));
    let h = response.headers_mut();
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(len - start));
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    if !s.behaviour.ignore_range {
        h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    }
    if start > 0 {
        *response.status_mut() = StatusCode::PARTIAL_CONTENT;
        response.headers_mut().insert(
            header::CONTENT_RANGE,
            HeaderValue::from_str(&format!("bytes {start}-{}/{len}", len - 1)).unwrap(),
        );
    }
    response
}

/// The body from `start`, in chunks, dropping or holding where asked.
fn async_stream(
    s: Arc<Shared>,
    start: usize,
    len: usize,
    stop_at: Option<usize>,
    hold_at: Option<usize>,
    corrupt_at: Option<usize>,
) -> impl futures_util::Stream<Item = Result<Bytes, std::io::Error>> + Send {
    futures_util::stream::unfold((start, false), move |(at, held)| {
        let s = s.clone();
        async move {
            if at >= len {
                return None;
            }
            if let Some(stop) = stop_at
                && at >= stop
            {
                // An error mid-body: hyper aborts the connection.
                return Some((
                    Err(std::io::Error::other("dropped on purpose")),
                    (len, held),
                ));
            }
            let mut held = held;
            if let Some(hold) = hold_at
                && at >= hold
                && !held
            {
                s.gate.acquire().await.unwrap().forget();
                held = true;
            }
            let mut end = (at + CHUNK).min(len);
            for limit in [stop_at, hold_at].into_iter().flatten() {
                if at < limit {
                    end = end.min(limit);
                }
            }
            let mut chunk = s.bytes.slice(at..end);
            if let Some(c) = corrupt_at
                && (at..end).contains(&c)
            {
                let mut owned = chunk.to_vec();
                owned[c - at] ^= 0x01;
                chunk = Bytes::from(owned);
            }
            Some((Ok(chunk), (end, held)))
        }
    })
}
