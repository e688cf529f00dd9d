//! The three wire formats, as the providers' API references document them.

use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::State as Extract;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde_json::{Value, json};
use tokio::sync::mpsc;

use crate::checks::{check_key, check_request, redirected};
use crate::{Recorded, State, Step};

type Shared = Extract<Arc<Mutex<State>>>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    OpenAi,
    Anthropic,
    Ollama,
}

pub(crate) fn lock(state: &Arc<Mutex<State>>) -> std::sync::MutexGuard<'_, State> {
    state.lock().unwrap_or_else(|p| p.into_inner())
}

fn record(state: &Arc<Mutex<State>>, method: &Method, uri: &Uri, headers: &HeaderMap, body: &[u8]) {
    let recorded = Recorded {
        method: method.to_string(),
        path: uri.path().to_owned(),
        headers: headers
            .iter()
            .map(|(n, v)| {
                (
                    n.to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect(),
        body: serde_json::from_slice(body).unwrap_or(Value::Null),
        at: Instant::now(),
    };
    lock(state).requests.push(recorded);
}

fn error_type(format: Format, code: u16) -> &'static str {
    match (format, code) {
        (Format::Anthropic, 401) => "authentication_error",
        (Format::Anthropic, 403) => "permission_error",
        (Format::Anthropic, 404) => "not_found_error",
        (Format::Anthropic, 429) => "rate_limit_error",
        (Format::Anthropic, 529) => "overloaded_error",
        (Format::Anthropic, 400) => "invalid_request_error",
        (Format::Anthropic, _) => "api_error",
        (_, 401) => "invalid_request_error",
        (_, 429) => "rate_limit_exceeded",
        (_, 400..=499) => "invalid_request_error",
        _ => "server_error",
    }
}

fn error_body(format: Format, code: u16, message: &str) -> Value {
    match format {
        Format::OpenAi => {
            json!({"error": {"message": message, "type": error_type(format, code), "param": null, "code": null}})
        }
        Format::Anthropic => {
            json!({"type": "error", "error": {"type": error_type(format, code), "message": message}})
        }
        Format::Ollama => json!({"error": message}),
    }
}

pub(crate) fn error_response(
    format: Format,
    code: u16,
    message: &str,
    retry_after: Option<u32>,
) -> Response {
    let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        error_body(format, code, message).to_string(),
    )
        .into_response();
    if let Some(secs) = retry_after {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, secs.to_string().parse().unwrap());
    }
    response
}

fn next_step(state: &Arc<Mutex<State>>, request: &Value) -> Step {
    let mut state = lock(state);
    let structured = !request["response_format"].is_null()
        || !request["format"].is_null()
        || request["tool_choice"]["type"] == "tool";
    if let Some(step) = state.structured.as_ref().filter(|_| structured) {
        return step.clone();
    }
    state
        .script
        .pop_front()
        .or_else(|| state.default.clone())
        .unwrap_or_else(|| Step::reply(["Hello", " from the", " fake provider."]))
}

fn model_of(body: &Value) -> String {
    body["model"].as_str().unwrap_or("fake-small").to_owned()
}

/// A rough, deterministic count of the prompt's words, reported as its tokens.
fn prompt_tokens(body: &Value) -> usize {
    let words = |v: &Value| v.as_str().map_or(0, |s| s.split_whitespace().count());
    let messages = body["messages"]
        .as_array()
        .map_or(0, |m| m.iter().map(|m| words(&m["content"])).sum());
    messages + words(&body["system"])
}

/// How one format frames its stream.
trait Framer: Send + 'static {
    fn content_type(&self) -> &'static str;
    fn start(&self) -> Vec<String>;
    fn delta(&self, text: &str) -> String;
    fn finish(&self, completion_tokens: usize) -> Vec<String>;
    fn error(&self, message: &str) -> String;
    fn malformed(&self) -> String;
    /// A text delta's frame up to where its text begins (what a server
    /// that never ends the text has sent).
    fn open_delta(&self) -> String {
        let frame = self.delta("\u{1}");
        let at = frame
            .find("\\u0001")
            .expect("a control character is escaped");
        frame[..at].to_owned()
    }
}

struct OpenAiFramer {
    model: String,
    prompt_tokens: usize,
    include_usage: bool,
}

impl OpenAiFramer {
    fn chunk(&self, delta: Value, finish: Value) -> String {
        let chunk = json!({
            "id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": 1_764_000_000,
            "model": self.model, "system_fingerprint": null,
            "choices": [{"index": 0, "delta": delta, "logprobs": null, "finish_reason": finish}]
        });
        format!("data: {chunk}\n\n")
    }
}

impl Framer for OpenAiFramer {
    fn content_type(&self) -> &'static str {
        "text/event-stream"
    }
    fn start(&self) -> Vec<String> {
        vec![self.chunk(json!({"role": "assistant", "content": ""}), Value::Null)]
    }
    fn delta(&self, text: &str) -> String {
        self.chunk(json!({"content": text}), Value::Null)
    }
    fn finish(&self, completion_tokens: usize) -> Vec<String> {
        let mut out = vec![self.chunk(json!({}), json!("stop"))];
        if self.include_usage {
            let usage = json!({
                "id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": 1_764_000_000,
                "model": self.model, "choices": [],
                "usage": {"prompt_tokens": self.prompt_tokens, "completion_tokens": completion_tokens,
                          "total_tokens": self.prompt_tokens + completion_tokens}
            });
            out.push(format!("data: {usage}\n\n"));
        }
        out.push("data: [DONE]\n\n".into());
        out
    }
    fn error(&self, message: &str) -> String {
        format!(
            "data: {}\n\n",
            json!({"error": {"message": message, "type": "server_error", "param": null, "code": null}})
        )
    }
    fn malformed(&self) -> String {
        "data: {\"id\":\"chatcmpl-fake\",\"choices\":[{\"delta\":{\"content\":\"unterminated\n\n"
            .into()
    }
}

struct AnthropicFramer {
    model: String,
    prompt_tokens: usize,
    /// The tool the request forced (`tool_choice` of type tool): the answer
    /// then streams as that tool's input, in `input_json_delta` events.
    tool: Option<String>,
}

fn sse(event: &str, data: Value) -> String {
    format!("event: {event}\ndata: {data}\n\n")
}

impl Framer for AnthropicFramer {
    fn content_type(&self) -> &'static str {
        "text/event-stream"
    }
    fn start(&self) -> Vec<String> {
        let block = match &self.tool {
            Some(name) => {
                json!({"type": "tool_use", "id": "toolu_fake", "name": name, "input": {}})
            }
            None => json!({"type": "text", "text": ""}),
        };
        let mut out = vec![
            sse(
                "message_start",
                json!({"type": "message_start", "message": {
                "id": "msg_fake", "type": "message", "role": "assistant", "content": [],
                "model": self.model, "stop_reason": null, "stop_sequence": null,
                "usage": {"input_tokens": self.prompt_tokens, "output_tokens": 1}}}),
            ),
            sse(
                "content_block_start",
                json!({"type": "content_block_start", "index": 0, "content_block": block}),
            ),
            sse("ping", json!({"type": "ping"})),
        ];
        if self.tool.is_some() {
            // A tool's input begins with an empty fragment.
            out.push(self.delta(""));
        }
        out
    }
    fn delta(&self, text: &str) -> String {
        let delta = match self.tool {
            Some(_) => json!({"type": "input_json_delta", "partial_json": text}),
            None => json!({"type": "text_delta", "text": text}),
        };
        sse(
            "content_block_delta",
            json!({"type": "content_block_delta", "index": 0, "delta": delta}),
        )
    }
    fn finish(&self, completion_tokens: usize) -> Vec<String> {
        let stop_reason = match self.tool {
            Some(_) => "tool_use",
            None => "end_turn",
        };
        vec![
            sse(
                "content_block_stop",
                json!({"type": "content_block_stop", "index": 0}),
            ),
            sse(
                "message_delta",
                json!({"type": "message_delta",
                "delta": {"stop_reason": stop_reason, "stop_sequence": null},
                "usage": {"output_tokens": completion_tokens}}),
            ),
            sse("message_stop", json!({"type": "message_stop"})),
        ]
    }
    fn error(&self, message: &str) -> String {
        sse(
            "error",
            json!({"type": "error", "error": {"type": "overloaded_error", "message": message}}),
        )
    }
    fn malformed(&self) -> String {
        "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"delta\":{\n\n".into()
    }
}

struct OllamaFramer {
    model: String,
    prompt_tokens: usize,
}

impl Framer for OllamaFramer {
    fn content_type(&self) -> &'static str {
        "application/x-ndjson"
    }
    fn start(&self) -> Vec<String> {
        Vec::new()
    }
    fn delta(&self, text: &str) -> String {
        format!(
            "{}\n",
            json!({"model": self.model, "created_at": "2026-11-25T12:00:00.000000Z",
            "message": {"role": "assistant", "content": text}, "done": false})
        )
    }
    fn finish(&self, completion_tokens: usize) -> Vec<String> {
        vec![format!(
            "{}\n",
            json!({"model": self.model, "created_at": "2026-11-25T12:00:01.000000Z",
            "message": {"role": "assistant", "content": ""}, "done": true, "done_reason": "stop",
            "total_duration": 1_000_000_u64, "load_duration": 1000, "prompt_eval_count": self.prompt_tokens,
            "prompt_eval_duration": 1000, "eval_count": completion_tokens, "eval_duration": 1000})
        )]
    }
    fn error(&self, message: &str) -> String {
        format!("{}\n", json!({"error": message}))
    }
    fn malformed(&self) -> String {
        "{\"model\":\"fake\",\"message\":{\"content\":\n".into()
    }
}

type Frame = Result<Bytes, std::io::Error>;

/// The frames of a complete, successful stream of `chunks` in `format`, as
/// the server would send them (for benchmarks and replay tests).
pub fn render(format: Format, chunks: &[String]) -> Vec<String> {
    fn all(framer: &dyn Framer, chunks: &[String]) -> Vec<String> {
        let mut out = framer.start();
        out.extend(chunks.iter().map(|c| framer.delta(c)));
        out.extend(framer.finish(chunks.len()));
        out
    }
    let model = "fake-small".to_owned();
    match format {
        Format::OpenAi => all(
            &OpenAiFramer {
                model,
                prompt_tokens: 42,
                include_usage: true,
            },
            chunks,
        ),
        Format::Anthropic => all(
            &AnthropicFramer {
                model,
                prompt_tokens: 42,
                tool: None,
            },
            chunks,
        ),
        Format::Ollama => all(
            &OllamaFramer {
                model,
                prompt_tokens: 42,
            },
            chunks,
        ),
    }
}

/// Plays one scripted step as a streamed response.
fn stream_response(
    state: Arc<Mutex<State>>,
    format: Format,
    framer: impl Framer,
    step: Step,
) -> Response {
    let mut rate = None;
    let (chunks, delay, ending) = match step {
        Step::Status {
            code,
            retry_after,
            message,
        } => return error_response(format, code, &message, retry_after),
        Step::Reply { chunks, delay } => (chunks, delay, Ending::Finish),
        Step::Paced { chunks, per_second } => {
            rate = Some(Duration::from_secs(1) / per_second.max(1));
            (chunks, Duration::ZERO, Ending::Finish)
        }
        Step::DropAfter { chunks } => (chunks, Duration::ZERO, Ending::Drop),
        Step::MalformedAfter { chunks } => (chunks, Duration::ZERO, Ending::Malformed),
        Step::StallAfter { chunks } => (chunks, Duration::ZERO, Ending::Stall),
        Step::ErrorEventAfter { chunks, message } => {
            (chunks, Duration::ZERO, Ending::Error(message))
        }
        Step::Endless { chunk, delay } => {
            (Vec::new(), Duration::ZERO, Ending::Endless(chunk, delay))
        }
        Step::EndlessLine { chunks } => (chunks, Duration::ZERO, Ending::EndlessLine),
        Step::Hang => unreachable!("handled before the response starts"),
    };
    let content_type = framer.content_type();
    let (tx, rx) = mpsc::channel::<Frame>(16);
    tokio::spawn(async move {
        let send = |s: String| tx.send(Ok(Bytes::from(s)));
        let hung_up = || lock(&state).hangups += 1;
        for frame in framer.start() {
            if send(frame).await.is_err() {
                return hung_up();
            }
        }
        let first = tokio::time::Instant::now();
        for (i, chunk) in chunks.iter().enumerate() {
            if let Some(every) = rate {
                tokio::time::sleep_until(first + every * i as u32).await;
            } else if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            let frame = framer.delta(chunk);
            lock(&state).sent.push(Instant::now());
            if send(frame).await.is_err() {
                return hung_up();
            }
        }
        match ending {
            Ending::Finish => {
                for frame in framer.finish(chunks.len()) {
                    if send(frame).await.is_err() {
                        return hung_up();
                    }
                }
            }
            Ending::Malformed => {
                let _ = send(framer.malformed()).await;
            }
            Ending::Error(message) => {
                let _ = send(framer.error(&message)).await;
            }
            Ending::Drop => {
                if !chunks.is_empty() {
                    let drop_now = lock(&state).drop_now.clone();
                    drop_now.notified().await;
                }
                // An error ends the body without its terminating chunk: the
                // client sees the connection cut mid-stream.
                let _ = tx
                    .send(Err(std::io::Error::other("dropped by script")))
                    .await;
            }
            Ending::Endless(chunk, delay) => loop {
                if !delay.is_zero() {
                    tokio::time::sleep(delay).await;
                }
                if send(framer.delta(&chunk)).await.is_err() {
                    return hung_up();
                }
            },
            Ending::EndlessLine => {
                if send(framer.open_delta()).await.is_err() {
                    return hung_up();
                }
                let text = "x".repeat(64 * 1024);
                while send(text.clone()).await.is_ok() {}
                hung_up();
            }
            Ending::Stall => {
                // Keep the connection open and say nothing more until the
                // client gives up and goes away.
                tx.closed().await;
                hung_up();
            }
        }
    });
    let body = Body::from_stream(futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|frame| (frame, rx))
    }));
    Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, content_type)
        .header(header::CACHE_CONTROL, "no-cache")
        .body(body)
        .unwrap()
}

enum Ending {
    Finish,
    Drop,
    Malformed,
    Stall,
    Error(String),
    Endless(String, Duration),
    EndlessLine,
}

async fn chat(
    state: Arc<Mutex<State>>,
    format: Format,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    record(&state, &method, &uri, &headers, &body);
    if let Some(redirect) = redirected(&state, &uri) {
        return redirect;
    }
    if let Some(refused) = check_key(&state, format, &headers) {
        return refused;
    }
    if format == Format::Anthropic && headers.get("anthropic-version").is_none() {
        return error_response(format, 400, "anthropic-version: header is required", None);
    }
    let Ok(request) = serde_json::from_slice::<Value>(&body) else {
        return error_response(format, 400, "the request body is not valid JSON", None);
    };
    if let Some(refused) = check_request(&state, format, &request) {
        return refused;
    }
    let step = next_step(&state, &request);
    if matches!(step, Step::Hang) {
        std::future::pending::<Infallible>().await;
    }
    let model = model_of(&request);
    let prompt_tokens = prompt_tokens(&request);
    match format {
        Format::OpenAi => {
            let include_usage = request["stream_options"]["include_usage"]
                .as_bool()
                .unwrap_or(false);
            stream_response(
                state,
                format,
                OpenAiFramer {
                    model,
                    prompt_tokens,
                    include_usage,
                },
                step,
            )
        }
        Format::Anthropic => {
            let tool = (request["tool_choice"]["type"] == "tool")
                .then(|| request["tool_choice"]["name"].as_str().map(str::to_owned))
                .flatten();
            stream_response(
                state,
                format,
                AnthropicFramer {
                    model,
                    prompt_tokens,
                    tool,
                },
                step,
            )
        }
        Format::Ollama => stream_response(
            state,
            format,
            OllamaFramer {
                model,
                prompt_tokens,
            },
            step,
        ),
    }
}

pub async fn openai_chat(
    Extract(s): Shared,
    m: Method,
    u: Uri,
    h: HeaderMap,
    b: Bytes,
) -> Response {
    chat(s, Format::OpenAi, m, u, h, b).await
}

pub async fn anthropic_messages(
    Extract(s): Shared,
    m: Method,
    u: Uri,
    h: HeaderMap,
    b: Bytes,
) -> Response {
    chat(s, Format::Anthropic, m, u, h, b).await
}

pub async fn ollama_chat(
    Extract(s): Shared,
    m: Method,
    u: Uri,
    h: HeaderMap,
    b: Bytes,
) -> Response {
    chat(s, Format::Ollama, m, u, h, b).await
}

/// `GET /v1/models`: Anthropic's shape when `anthropic-version` is sent, else OpenAI's.
pub async fn models(
    Extract(state): Shared,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    record(&state, &method, &uri, &headers, b"");
    if let Some(redirect) = redirected(&state, &uri) {
        return redirect;
    }
    let format = if headers.contains_key("anthropic-version") {
        Format::Anthropic
    } else {
        Format::OpenAi
    };
    if let Some(refused) = check_key(&state, format, &headers) {
        return refused;
    }
    let models = lock(&state).models.clone();
    let body = match format {
        Format::Anthropic => json!({
            "data": models.iter().map(|m| json!({"type": "model", "id": m, "display_name": m,
                "created_at": "2026-01-01T00:00:00Z"})).collect::<Vec<_>>(),
            "has_more": false, "first_id": models.first(), "last_id": models.last()
        }),
        _ => {
            json!({"object": "list", "data": models.iter().map(|m| json!({"id": m, "object": "model",
            "created": 1_764_000_000, "owned_by": "hearth-fake"})).collect::<Vec<_>>()})
        }
    };
    axum::Json(body).into_response()
}

pub async fn ollama_tags(
    Extract(state): Shared,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    record(&state, &method, &uri, &headers, b"");
    if let Some(redirect) = redirected(&state, &uri) {
        return redirect;
    }
    let models = lock(&state).models.clone();
    axum::Json(json!({"models": models.iter().map(|m| json!({
        "name": m, "model": m, "modified_at": "2026-11-01T00:00:00Z", "size": 98_000_000_u64,
        "digest": "0000", "details": {"format": "gguf", "family": "llama", "parameter_size": "135M",
        "quantization_level": "Q4_1"}})).collect::<Vec<_>>()}))
    .into_response()
}

pub async fn ollama_show(
    Extract(state): Shared,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    record(&state, &method, &uri, &headers, &body);
    if let Some(redirect) = redirected(&state, &uri) {
        return redirect;
    }
    axum::Json(json!({"details": {"family": "llama"}, "model_info": {
        "general.architecture": "llama", "llama.context_length": 8192}}))
    .into_response()
}

pub async fn ollama_version() -> Response {
    axum::Json(json!({"version": "0.12.0"})).into_response()
}
