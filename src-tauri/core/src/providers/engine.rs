//! The one streaming loop shared by every format: connect, send, read the
//! stream piece by piece, and handle timeouts, retries and cancellation.

use std::borrow::Cow;
use std::pin::Pin;
use std::time::Duration;

use futures_util::{Stream, StreamExt};
use tokio_util::sync::CancellationToken;

use super::error::{ProviderErrorKind, redact};
use super::formats::{self, Piece};
use super::frames::{Deframer, Frame};
use super::{
    ChatRequest, Completion, Limits, ModelInfo, ProviderConfig, ProviderError, ProviderKind, Usage,
};

/// A reply that did not finish: the words that did arrive are kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamFailure {
    pub error: ProviderError,
    pub partial: String,
    pub usage: Usage,
}

/// A configured provider, ready to stream replies.
#[derive(Clone)]
pub struct Provider {
    http: reqwest::Client,
    config: ProviderConfig,
    key: Option<String>,
    limits: Limits,
}

// Never print the key.
impl std::fmt::Debug for Provider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Provider")
            .field("config", &self.config)
            .field("key", &self.key.as_ref().map(|_| "[set]"))
            .finish()
    }
}

/// A failed attempt, with the HTTP status when the server answered with one.
struct Failed {
    error: ProviderError,
    status: Option<u16>,
}

impl From<ProviderError> for Failed {
    fn from(error: ProviderError) -> Self {
        Failed {
            error,
            status: None,
        }
    }
}

type Frames = Pin<Box<dyn Stream<Item = Result<Frame, ProviderError>> + Send>>;

impl Provider {
    /// A provider for `config`. `key` is required for providers that need one.
    pub fn new(
        config: ProviderConfig,
        key: Option<String>,
        limits: Limits,
    ) -> Result<Provider, ProviderError> {
        if config.kind.is_in_process() {
            return Err(ProviderError::new(
                ProviderErrorKind::Misconfigured,
                "A local model runs in this process, not over HTTP.",
            ));
        }
        let url = formats::base(&config);
        let parsed = reqwest::Url::parse(url).map_err(|_| {
            ProviderError::new(
                ProviderErrorKind::Misconfigured,
                format!(
                    "“{url}” is not a web address. It should look like {}.",
                    config.kind.default_base_url()
                ),
            )
        })?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(ProviderError::new(
                ProviderErrorKind::Misconfigured,
                "The base URL must start with http:// or https://.",
            ));
        }
        let key = key.filter(|k| !k.trim().is_empty());
        if config.kind.requires_key() && key.is_none() {
            return Err(ProviderError::new(
                ProviderErrorKind::NoKey,
                "No API key is set for this provider. Add one in Settings.",
            ));
        }
        // A redirect would carry the key to another address (reqwest drops
        // Authorization across hosts, but not x-api-key): with a key, follow none.
        let redirects = match key {
            Some(_) => reqwest::redirect::Policy::none(),
            None => reqwest::redirect::Policy::default(),
        };
        let http = reqwest::Client::builder()
            .connect_timeout(limits.connect)
            .redirect(redirects)
            .user_agent(concat!("Hearth/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| {
                ProviderError::new(
                    ProviderErrorKind::Misconfigured,
                    format!("HTTP client: {e}"),
                )
            })?;
        Ok(Provider {
            http,
            config,
            key,
            limits,
        })
    }

    pub fn config(&self) -> &ProviderConfig {
        &self.config
    }

    fn host(&self) -> String {
        reqwest::Url::parse(formats::base(&self.config))
            .ok()
            .and_then(|u| {
                u.host_str().map(|h| match u.port() {
                    Some(p) => format!("{h}:{p}"),
                    None => h.to_owned(),
                })
            })
            .unwrap_or_else(|| self.config.base_url.clone())
    }

    fn transport_error(&self, e: &reqwest::Error) -> ProviderError {
        if e.is_connect() {
            let timed_out = e.is_timeout()
                || std::error::Error::source(e)
                    .is_some_and(|s| s.to_string().contains("timed out"));
            if timed_out {
                return ProviderError::new(
                    ProviderErrorKind::ConnectTimeout,
                    format!(
                        "{} didn't answer in time. Check the address and your connection.",
                        self.host()
                    ),
                );
            }
            return ProviderError::new(
                ProviderErrorKind::Unreachable,
                format!(
                    "Couldn't reach {}. Check the address, your connection, or that the server is running.",
                    self.host()
                ),
            );
        }
        if e.is_timeout() {
            return self.response_timeout();
        }
        ProviderError::new(
            ProviderErrorKind::Dropped,
            "The connection to the provider was cut in the middle of the reply.",
        )
    }

    fn response_timeout(&self) -> ProviderError {
        ProviderError::new(
            ProviderErrorKind::ResponseTimeout,
            format!(
                "{} accepted the request but didn't start answering within {} s.",
                self.host(),
                self.limits.response.as_secs()
            ),
        )
    }

    /// Sends a request; non-success statuses become errors. The key only ever
    /// goes into the request's headers.
    async fn send(&self, request: reqwest::RequestBuilder) -> Result<reqwest::Response, Failed> {
        let request = formats::authorise(self.config.kind, request, self.key.as_deref());
        let response = tokio::time::timeout(self.limits.response, request.send())
            .await
            .map_err(|_| self.response_timeout())?
            .map_err(|e| self.transport_error(&e))?;
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        if status.is_redirection() {
            return Err(self.redirected(&response).into());
        }
        let retry_after = retry_after(response.headers());
        let body = tokio::time::timeout(self.limits.idle, response.bytes())
            .await
            .ok()
            .and_then(Result::ok);
        let text = body
            .as_deref()
            .and_then(provider_message)
            .map(|t| redact(&t, self.key.as_deref()));
        let mut error = ProviderError::for_status(status.as_u16(), retry_after, text.as_deref());
        if error.kind == ProviderErrorKind::BadKey && self.key.is_none() {
            error = ProviderError::new(
                ProviderErrorKind::NoKey,
                format!("{} asks for an API key. Add one in Settings.", self.host()),
            );
        }
        Err(Failed {
            error,
            status: Some(status.as_u16()),
        })
    }

    /// A 3xx answer, which Hearth does not follow (see [`Provider::new`]).
    fn redirected(&self, response: &reqwest::Response) -> ProviderError {
        let to = response
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|l| response.url().join(l).ok())
            .map(|u| redact(u.as_str(), self.key.as_deref()));
        let to = match to {
            Some(url) => format!("another address ({url})"),
            None => "another address".to_owned(),
        };
        let why = match self.key {
            Some(_) => "; Hearth does not follow redirects with your key",
            None => "",
        };
        ProviderError::new(
            ProviderErrorKind::Misconfigured,
            format!(
                "{} answered with a redirect to {to}{why}. Use the final address in Settings.",
                self.host()
            ),
        )
    }

    /// The models this provider offers.
    pub async fn list_models(&self) -> Result<Vec<ModelInfo>, ProviderError> {
        let response = self
            .send(self.http.get(formats::models_url(&self.config)))
            .await
            .map_err(|f| f.error)?;
        let body = tokio::time::timeout(self.limits.idle, response.json::<serde_json::Value>())
            .await
            .map_err(|_| self.idle_timeout())?
            .map_err(|_| ProviderError::malformed("a model list that is not JSON"))?;
        formats::parse_models(self.config.kind, &body)
    }

    fn overtime(&self) -> ProviderError {
        let limit = self.limits.total;
        let limit = if limit >= Duration::from_secs(120) {
            format!("{} minutes", limit.as_secs() / 60)
        } else {
            format!("{:.1} s", limit.as_secs_f64())
        };
        ProviderError::new(
            ProviderErrorKind::TooLong,
            format!(
                "The reply went on for more than {limit}, longer than Hearth waits, so it was stopped. What arrived is kept."
            ),
        )
    }

    fn idle_timeout(&self) -> ProviderError {
        ProviderError::new(
            ProviderErrorKind::IdleTimeout,
            format!(
                "The reply stalled: nothing arrived for {} s.",
                self.limits.idle.as_secs()
            ),
        )
    }

    /// Streams a reply, calling `on_delta` with each piece of text as it
    /// arrives. Failures before the first piece of text are retried with
    /// backoff (honouring Retry-After); after it, a failure returns what
    /// arrived, so no text is ever duplicated. Cancelling `cancel` drops the
    /// connection at once. An OpenAI-compatible server that refuses the
    /// request's `response_format` (400 or 422) is asked again with
    /// json_object, then with none.
    pub async fn stream_chat(
        &self,
        request: &ChatRequest,
        cancel: &CancellationToken,
        on_delta: &mut (dyn FnMut(&str) + Send),
    ) -> Result<Completion, StreamFailure> {
        let mut body = formats::chat_body(&self.config, request);
        let mut text = String::new();
        let mut usage = Usage::default();
        let mut stop = None;
        let mut attempt = 1;
        let deadline = tokio::time::Instant::now() + self.limits.total;
        loop {
            let run = self.attempt(&body, on_delta, &mut text, &mut usage, &mut stop);
            let outcome = tokio::select! {
                biased;
                _ = cancel.cancelled() => Err(ProviderError::cancelled().into()),
                _ = tokio::time::sleep_until(deadline) => Err(self.overtime().into()),
                outcome = run => outcome,
            };
            let Failed { mut error, status } = match outcome {
                Ok(()) => {
                    return Ok(Completion {
                        text,
                        usage,
                        stop_reason: stop,
                    });
                }
                Err(e) => e,
            };
            // A provider (or a proxy) may echo the key in an error it sends
            // mid-stream: it is masked before the message is kept or shown.
            error.message = redact(&error.message, self.key.as_deref());
            if text.is_empty()
                && matches!(status, Some(400 | 422))
                && let Some(simpler) = formats::fallback(self.config.kind, &body)
            {
                tracing::info!(
                    status,
                    "the server refused the response_format; asking with less"
                );
                body = simpler;
                continue;
            }
            let wait = self.retry_wait(&error, attempt, text.is_empty());
            let Some(wait) = wait else {
                return Err(StreamFailure {
                    error,
                    partial: text,
                    usage,
                });
            };
            tracing::info!(attempt, kind = ?error.kind, wait_ms = wait.as_millis() as u64, "retrying before the first token");
            tokio::select! {
                _ = cancel.cancelled() => {
                    return Err(StreamFailure { error: ProviderError::cancelled(), partial: text, usage });
                }
                _ = tokio::time::sleep(wait) => {}
            }
            attempt += 1;
        }
    }

    /// How long to wait before trying again, or `None` to give up.
    fn retry_wait(
        &self,
        error: &ProviderError,
        attempt: u32,
        nothing_yet: bool,
    ) -> Option<Duration> {
        let retryable = nothing_yet
            && attempt < self.limits.attempts
            && error.is_transient()
            // A server that accepts and never answers would only keep us waiting.
            && error.kind != ProviderErrorKind::ResponseTimeout;
        if !retryable {
            return None;
        }
        match error.retry_after {
            Some(asked) if asked > self.limits.max_wait => None,
            Some(asked) => Some(asked),
            None => Some(self.limits.backoff * 2u32.saturating_pow(attempt - 1)),
        }
    }

    async fn attempt(
        &self,
        body: &serde_json::Value,
        on_delta: &mut (dyn FnMut(&str) + Send),
        text: &mut String,
        usage: &mut Usage,
        stop: &mut Option<String>,
    ) -> Result<(), Failed> {
        let response = self
            .send(self.http.post(formats::chat_url(&self.config)).json(body))
            .await?;
        let mut frames = frames(
            self.config.kind,
            response.bytes_stream(),
            self.limits.max_frame_bytes,
        );
        let max = self.limits.max_reply_bytes;
        loop {
            let next = tokio::time::timeout(self.limits.idle, frames.next())
                .await
                .map_err(|_| self.idle_timeout())?;
            let Some(frame) = next else {
                // The stream ended without the format's end marker.
                return if stop.is_some() {
                    Ok(())
                } else {
                    Err(ProviderError::new(
                        ProviderErrorKind::Dropped,
                        "The connection to the provider was cut in the middle of the reply.",
                    )
                    .into())
                };
            };
            let (event, data) = frame?;
            let mut pieces = Vec::new();
            formats::decode(self.config.kind, &event, &data, usage, &mut pieces)?;
            for piece in pieces {
                match piece {
                    Piece::Text(t) => {
                        // A NUL is no part of any text: it is dropped, not stored.
                        let t = match t.contains('\0') {
                            true => Cow::Owned(t.replace('\0', "")),
                            false => t,
                        };
                        let (kept, over) = within(&t, max.saturating_sub(text.len()));
                        text.push_str(kept);
                        if !kept.is_empty() {
                            on_delta(kept);
                        }
                        if over {
                            return Err(too_long(format!(
                                "The reply grew past {} KB, longer than Hearth keeps, so it was stopped. What arrived is kept.",
                                max / 1_000
                            ))
                            .into());
                        }
                    }
                    Piece::Stop(reason) => *stop = Some(reason),
                    Piece::End => return Ok(()),
                }
            }
        }
    }
}

/// `text` cut to at most `room` bytes (at a character boundary), and
/// whether it had to be cut.
fn within(text: &str, room: usize) -> (&str, bool) {
    if text.len() <= room {
        return (text, false);
    }
    let mut cut = room;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    (&text[..cut], true)
}

fn too_long(message: String) -> ProviderError {
    ProviderError::new(ProviderErrorKind::TooLong, message)
}

/// Splits a response body into frames according to the format; a frame
/// longer than `max_frame` bytes ends it with an error.
fn frames<S, E>(kind: ProviderKind, body: S, max_frame: usize) -> Frames
where
    S: Stream<Item = Result<bytes::Bytes, E>> + Send + 'static,
    E: std::error::Error + Send + Sync + 'static,
{
    let deframer = Deframer::new(formats::framing(kind), max_frame);
    let state = (Box::pin(body), deframer, false);
    Box::pin(futures_util::stream::unfold(
        state,
        |(mut body, mut deframer, mut ended)| async move {
            loop {
                if let Some(frame) = deframer.next(ended) {
                    return Some((frame, (body, deframer, ended)));
                }
                if ended {
                    return None;
                }
                match body.next().await {
                    Some(Ok(bytes)) => deframer.feed(&bytes),
                    Some(Err(_)) => {
                        let dropped = ProviderError::new(
                            ProviderErrorKind::Dropped,
                            "The connection to the provider was cut in the middle of the reply.",
                        );
                        deframer.stop();
                        return Some((Err(dropped), (body, deframer, true)));
                    }
                    None => ended = true,
                }
            }
        },
    ))
}

/// Reads a whole streamed body in the given format: the text and the usage.
/// The same framing and decoding the live stream uses, over bytes already in
/// hand (for tests, benchmarks and replaying a saved stream).
pub async fn read_stream<S, E>(
    kind: ProviderKind,
    body: S,
) -> Result<(String, Usage), ProviderError>
where
    S: Stream<Item = Result<bytes::Bytes, E>> + Send + 'static,
    E: std::error::Error + Send + Sync + 'static,
{
    let mut frames = frames(kind, body, Limits::default().max_frame_bytes);
    let (mut text, mut usage) = (String::new(), Usage::default());
    while let Some(frame) = frames.next().await {
        let (event, data) = frame?;
        let mut pieces = Vec::new();
        formats::decode(kind, &event, &data, &mut usage, &mut pieces)?;
        for piece in pieces {
            match piece {
                Piece::Text(t) => text.push_str(&t),
                Piece::End => return Ok((text, usage)),
                Piece::Stop(_) => {}
            }
        }
    }
    Ok((text, usage))
}

/// The longest wait a provider can ask for. Anything longer, negative or not
/// a number reads as this: far longer than Hearth waits on its own, so it is
/// reported to the user instead.
const LONGEST_RETRY_AFTER: Duration = Duration::from_secs(24 * 60 * 60);

fn seconds(secs: f64) -> Duration {
    // NaN fails both comparisons.
    if secs >= 0.0 && secs <= LONGEST_RETRY_AFTER.as_secs_f64() {
        Duration::from_secs_f64(secs)
    } else {
        LONGEST_RETRY_AFTER
    }
}

/// Retry-After in seconds or as an HTTP date; also `retry-after-ms`.
fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let value = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    if let Some(ms) = value("retry-after-ms").and_then(|v| v.parse::<f64>().ok()) {
        return Some(seconds(ms / 1000.0));
    }
    let v = value("retry-after")?;
    if let Ok(secs) = v.parse::<f64>() {
        return Some(seconds(secs));
    }
    let at = chrono::DateTime::parse_from_rfc2822(v).ok()?;
    let ms = (at.with_timezone(&chrono::Utc) - chrono::Utc::now())
        .num_milliseconds()
        .max(0);
    Some(seconds(ms as f64 / 1000.0))
}

/// The human part of a provider's error body, in any of the three shapes.
fn provider_message(body: &[u8]) -> Option<String> {
    let v: serde_json::Value = serde_json::from_slice(body).ok()?;
    let m = v["error"]["message"]
        .as_str()
        .or_else(|| v["error"].as_str())?;
    Some(m.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_in_seconds_milliseconds_and_dates() {
        let mut h = reqwest::header::HeaderMap::new();
        h.insert("retry-after", "7".parse().unwrap());
        assert_eq!(retry_after(&h), Some(Duration::from_secs(7)));
        h.insert("retry-after-ms", "1500".parse().unwrap());
        assert_eq!(retry_after(&h), Some(Duration::from_millis(1500)));
        let mut h = reqwest::header::HeaderMap::new();
        h.insert(
            "retry-after",
            "Wed, 21 Oct 2015 07:28:00 GMT".parse().unwrap(),
        );
        assert_eq!(
            retry_after(&h),
            Some(Duration::ZERO),
            "a date in the past means now"
        );
    }

    #[test]
    fn absurd_retry_after_values_are_a_long_wait_not_a_panic() {
        for value in ["1e20", "inf", "-inf", "NaN", "-5", "1e308"] {
            for name in ["retry-after", "retry-after-ms"] {
                let mut h = reqwest::header::HeaderMap::new();
                h.insert(name, value.parse().unwrap());
                let wait = retry_after(&h).unwrap();
                assert_eq!(wait, LONGEST_RETRY_AFTER, "{name}: {value}");
                assert!(wait > Limits::default().max_wait, "{name}: {value}");
            }
        }
        let mut h = reqwest::header::HeaderMap::new();
        h.insert(
            "retry-after",
            "Fri, 31 Dec 9999 23:59:59 GMT".parse().unwrap(),
        );
        assert_eq!(retry_after(&h), Some(LONGEST_RETRY_AFTER));
    }
}
