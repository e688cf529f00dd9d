//! A fake model provider for tests and for trying Hearth by hand.
//!
//! One loopback server speaks the three wire formats Hearth uses, as their
//! public API references describe them:
//! - OpenAI-compatible chat completions: `POST /v1/chat/completions` (SSE with
//!   `data: [DONE]`), `GET /v1/models`;
//! - Anthropic Messages: `POST /v1/messages` (SSE events `message_start`,
//!   `content_block_*`, `ping`, `message_delta`, `message_stop`, `error`),
//!   `GET /v1/models` when the `anthropic-version` header is present;
//! - Ollama: `POST /api/chat` (NDJSON), `GET /api/tags`, `POST /api/show`,
//!   `GET /api/version`.
//!
//! Structured answers are taken as each API documents them: OpenAI's
//! `response_format` (json_schema checked as strict mode does, json_object
//! only when the messages mention JSON), Ollama's `format`, and Anthropic's
//! forced tool (`tool_choice` of type tool), whose answer streams as a
//! `tool_use` block of `input_json_delta` events.
//!
//! Each chat request takes the next [`Step`] of the script (a plain reply when
//! the script is empty); every request is recorded for assertions. A request
//! the API would refuse (a bad key, a malformed structured-answer field) is
//! answered 400/401 without taking a step.

mod checks;
mod wire;

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::routing::{get, post};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

pub use wire::{Format, render};

/// What the server does with one chat request.
#[derive(Debug, Clone)]
pub enum Step {
    /// Streams `chunks` as text deltas, `delay` apart, then ends normally.
    Reply {
        chunks: Vec<String>,
        delay: Duration,
    },
    /// Streams `chunks` as text deltas at a steady `per_second` (chunk `i`
    /// leaves `i / per_second` seconds after the first, however long each
    /// write took), then ends normally: a live model's pace, for measuring.
    Paced {
        chunks: Vec<String>,
        per_second: u32,
    },
    /// Answers with an HTTP error status (and `Retry-After` seconds, if set).
    Status {
        code: u16,
        retry_after: Option<u32>,
        message: String,
    },
    /// Streams `chunks`, then cuts the connection without ending the stream:
    /// at once when there are no chunks, else when the test calls
    /// [`FakeProvider::drop_connection`] (so it can first see them arrive).
    DropAfter { chunks: Vec<String> },
    /// Streams `chunks`, then a chunk that is not valid JSON.
    MalformedAfter { chunks: Vec<String> },
    /// Streams `chunks`, then sends nothing more while keeping the connection open.
    StallAfter { chunks: Vec<String> },
    /// Accepts the request and never answers, not even with headers.
    Hang,
    /// Streams `chunks` then the format's own in-stream error event.
    ErrorEventAfter {
        chunks: Vec<String>,
        message: String,
    },
    /// Streams `chunk` as a text delta again and again, `delay` apart, and
    /// never ends, until the client hangs up.
    Endless { chunk: String, delay: Duration },
    /// Streams `chunks`, then opens one more text delta and sends its text
    /// for ever without ending the line, until the client hangs up.
    EndlessLine { chunks: Vec<String> },
}

impl Step {
    /// A reply split into the given chunks, sent without delay.
    pub fn reply<S: Into<String>>(chunks: impl IntoIterator<Item = S>) -> Step {
        Step::Reply {
            chunks: chunks.into_iter().map(Into::into).collect(),
            delay: Duration::ZERO,
        }
    }
}

/// A request the server received.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: serde_json::Value,
    pub at: Instant,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Debug, Default)]
pub(crate) struct State {
    pub script: VecDeque<Step>,
    pub requests: Vec<Recorded>,
    /// When set, requests must carry this key (Bearer or x-api-key).
    pub key: Option<String>,
    pub models: Vec<String>,
    /// Streams the client hung up on before they ended.
    pub hangups: usize,
    /// When each text delta was handed to the connection, in order.
    pub sent: Vec<Instant>,
    /// Fired by the test to cut a `DropAfter` stream.
    pub drop_now: Arc<tokio::sync::Notify>,
    /// `response_format` types answered with 400, as a server that lacks them does.
    pub refused_formats: Vec<&'static str>,
    /// When set, every request is answered 307 to the same path under this origin.
    pub redirect_to: Option<String>,
    /// Answers requests for a structured answer, every time, outside the script.
    pub structured: Option<Step>,
    /// Answers plain requests when the script is empty.
    pub default: Option<Step>,
}

/// A running fake provider; stops when dropped.
pub struct FakeProvider {
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
    task: JoinHandle<()>,
}

impl FakeProvider {
    /// Starts on a free loopback port.
    pub async fn start() -> FakeProvider {
        FakeProvider::start_on(SocketAddr::from(([127, 0, 0, 1], 0))).await
    }

    pub async fn start_on(addr: SocketAddr) -> FakeProvider {
        let state = Arc::new(Mutex::new(State {
            models: vec!["fake-small".into(), "fake-large".into()],
            ..State::default()
        }));
        let app = Router::new()
            .route("/v1/chat/completions", post(wire::openai_chat))
            .route("/v1/messages", post(wire::anthropic_messages))
            .route("/v1/models", get(wire::models))
            .route("/api/chat", post(wire::ollama_chat))
            .route("/api/tags", get(wire::ollama_tags))
            .route("/api/show", post(wire::ollama_show))
            .route("/api/version", get(wire::ollama_version))
            .with_state(state.clone());
        let listener = TcpListener::bind(addr)
            .await
            .expect("bind the fake provider");
        let addr = listener.local_addr().unwrap();
        let task = tokio::spawn(async move {
            axum::serve(listener, app)
                .await
                .expect("fake provider server");
        });
        FakeProvider { addr, state, task }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The base URL for a format: OpenAI-compatible clients expect the `/v1`
    /// prefix in it; Anthropic and Ollama clients add their own paths.
    pub fn base_url(&self, format: Format) -> String {
        match format {
            Format::OpenAi => format!("http://{}/v1", self.addr),
            Format::Anthropic | Format::Ollama => format!("http://{}", self.addr),
        }
    }

    /// Requires every request to carry `key`.
    pub fn require_key(&self, key: &str) {
        self.lock().key = Some(key.to_owned());
    }

    /// Refuses `response_format` of type json_schema with a 400 and an
    /// OpenAI-shaped error, as older llama.cpp servers and other
    /// OpenAI-compatible servers without structured outputs do.
    pub fn refuse_json_schema(&self) {
        self.lock().refused_formats = vec!["json_schema"];
    }

    /// Refuses every `response_format` (json_schema and json_object) with a 400.
    pub fn refuse_response_format(&self) {
        self.lock().refused_formats = vec!["json_schema", "json_object"];
    }

    /// Answers every request (after recording it) with `307 Temporary
    /// Redirect` to the same path and query under `origin`
    /// (e.g. `http://127.0.0.1:1234`).
    pub fn redirect_to(&self, origin: &str) {
        self.lock().redirect_to = Some(origin.trim_end_matches('/').to_owned());
    }

    pub fn set_models(&self, models: &[&str]) {
        self.lock().models = models.iter().map(|m| (*m).to_owned()).collect();
    }

    /// Queues steps for the next chat requests.
    pub fn script(&self, steps: impl IntoIterator<Item = Step>) {
        self.lock().script.extend(steps);
    }

    /// Answers every request for a structured answer (OpenAI `response_format`,
    /// Ollama `format`, Anthropic's forced tool) with `step`, leaving the
    /// script to plain requests: for tests where background work asks at
    /// moments they do not control.
    pub fn answer_structured(&self, step: Step) {
        self.lock().structured = Some(step);
    }

    /// Answers plain requests with `step` once the script is empty.
    pub fn answer_by_default(&self, step: Step) {
        self.lock().default = Some(step);
    }

    /// Cuts the connection of a `DropAfter` stream that has sent its chunks
    /// (or will, once it has).
    pub fn drop_connection(&self) {
        self.lock().drop_now.notify_one();
    }

    /// How many streams the client closed before the server finished them.
    pub fn hangups(&self) -> usize {
        self.lock().hangups
    }

    /// When each text delta was handed to the connection, in order.
    pub fn sent_times(&self) -> Vec<Instant> {
        self.lock().sent.clone()
    }

    /// Every request received so far.
    pub fn requests(&self) -> Vec<Recorded> {
        self.lock().requests.clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Drop for FakeProvider {
    fn drop(&mut self) {
        self.task.abort();
    }
}
