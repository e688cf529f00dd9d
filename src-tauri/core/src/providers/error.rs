//! What can go wrong with a model call, in terms a person can act on.

use std::time::Duration;

use serde::Serialize;

/// The kinds of failure, each with a stable code for the UI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ProviderErrorKind {
    /// No key is set for a provider that needs one.
    NoKey,
    /// The key was refused (401/403).
    BadKey,
    /// Too many requests (429).
    RateLimited,
    /// The provider is overloaded or unavailable (503/529).
    Overloaded,
    /// The provider failed on its side (other 5xx).
    ServerError,
    /// The model does not exist there (404).
    ModelNotFound,
    /// The provider refused the request itself (other 4xx).
    Rejected,
    /// Nothing answers at that address.
    Unreachable,
    /// The connection could not be made in time.
    ConnectTimeout,
    /// Connected, but the answer did not begin in time.
    ResponseTimeout,
    /// The reply stopped arriving part-way.
    IdleTimeout,
    /// The connection was cut in the middle of the reply.
    Dropped,
    /// The provider sent something that is not its documented format.
    Malformed,
    /// The reply went on past Hearth's limits (its time, its size, or the
    /// size of one piece of the stream); what arrived is kept.
    TooLong,
    /// The user stopped it.
    Cancelled,
    /// The settings cannot work (an invalid base URL, no model chosen).
    Misconfigured,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ProviderError {
    pub kind: ProviderErrorKind,
    /// One short sentence for the user. Never holds a key.
    pub message: String,
    /// How long the provider asked us to wait, when it said.
    pub retry_after: Option<Duration>,
}

impl ProviderError {
    pub fn new(kind: ProviderErrorKind, message: impl Into<String>) -> Self {
        ProviderError {
            kind,
            message: message.into(),
            retry_after: None,
        }
    }

    /// Worth trying the same request again (by the user, or automatically
    /// before the first token).
    pub fn is_transient(&self) -> bool {
        use ProviderErrorKind::*;
        matches!(
            self.kind,
            RateLimited
                | Overloaded
                | ServerError
                | Unreachable
                | ConnectTimeout
                | ResponseTimeout
                | Dropped
                | IdleTimeout
        )
    }

    pub(crate) fn for_status(
        status: u16,
        retry_after: Option<Duration>,
        provider_text: Option<&str>,
    ) -> Self {
        use ProviderErrorKind::*;
        let detail = provider_text
            .map(|t| t.trim())
            .filter(|t| !t.is_empty())
            .map(|t| format!(" It said: “{}”", truncate(t, 200)))
            .unwrap_or_default();
        let (kind, message) = match status {
            401 | 403 => (
                BadKey,
                "The provider refused the API key. Check it in Settings, or paste a new one."
                    .to_owned(),
            ),
            404 => (
                ModelNotFound,
                format!(
                    "The provider doesn't know this model. Choose another in Settings.{detail}"
                ),
            ),
            429 => (
                RateLimited,
                match retry_after {
                    Some(d) if d < Duration::from_secs(60 * 60) => format!(
                        "The provider is receiving too many requests. Try again in {} s.",
                        d.as_secs().max(1)
                    ),
                    Some(_) => {
                        "The provider is receiving too many requests. Try again later.".to_owned()
                    }
                    None => "The provider is receiving too many requests. Try again in a moment."
                        .to_owned(),
                },
            ),
            503 | 529 => (
                Overloaded,
                "The provider is overloaded right now. Try again in a moment.".to_owned(),
            ),
            500..=599 => (
                ServerError,
                format!("The provider had a problem on its side (HTTP {status}). Try again."),
            ),
            _ => (
                Rejected,
                format!("The provider refused the request (HTTP {status}).{detail}"),
            ),
        };
        ProviderError {
            kind,
            message,
            retry_after,
        }
    }

    pub(crate) fn cancelled() -> Self {
        ProviderError::new(ProviderErrorKind::Cancelled, "Stopped.")
    }

    pub(crate) fn malformed(what: &str) -> Self {
        ProviderError::new(
            ProviderErrorKind::Malformed,
            format!("The provider sent something Hearth couldn't read ({what})."),
        )
    }
}

fn truncate(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.to_owned(),
    }
}

/// Removes every trace of `key` from text that came from elsewhere.
pub(crate) fn redact(text: &str, key: Option<&str>) -> String {
    match key {
        Some(key) if key.len() >= 4 => text.replace(key, "[key]"),
        _ => text.to_owned(),
    }
}
