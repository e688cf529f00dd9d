//! Model providers: one streaming chat interface over three wire formats
//! (OpenAI-compatible chat completions, Anthropic Messages, Ollama), with
//! model listing, token usage, timeouts, retries before the first token, and
//! cancellation that drops the connection at once.

mod engine;
mod error;
pub(crate) mod formats;
pub(crate) mod frames;
pub mod ollama;

use std::time::Duration;

use serde::{Deserialize, Serialize};

pub use engine::{Provider, StreamFailure, read_stream};
pub use error::{ProviderError, ProviderErrorKind};
pub use formats::known_context_length;

/// Which wire format a provider speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "kebab-case")]
pub enum ProviderKind {
    /// OpenAI, OpenRouter, Groq, LM Studio, llama.cpp's server, vLLM, …
    OpenaiCompatible,
    Anthropic,
    Ollama,
    /// A GGUF model in the models folder, run in-process ([`crate::local`]):
    /// no key, no server; `base_url` is the models folder, `model` the file.
    Local,
}

impl ProviderKind {
    pub const ALL: [ProviderKind; 4] = [
        ProviderKind::OpenaiCompatible,
        ProviderKind::Anthropic,
        ProviderKind::Ollama,
        ProviderKind::Local,
    ];

    /// The kinds reached over HTTP, each with its wire format.
    pub const REMOTE: [ProviderKind; 3] = [
        ProviderKind::OpenaiCompatible,
        ProviderKind::Anthropic,
        ProviderKind::Ollama,
    ];

    /// A stable name, used for the keyring entry and settings.
    pub fn id(self) -> &'static str {
        match self {
            ProviderKind::OpenaiCompatible => "openai-compatible",
            ProviderKind::Anthropic => "anthropic",
            ProviderKind::Ollama => "ollama",
            ProviderKind::Local => "local",
        }
    }

    pub fn default_base_url(self) -> &'static str {
        match self {
            ProviderKind::OpenaiCompatible => "https://api.openai.com/v1",
            ProviderKind::Anthropic => "https://api.anthropic.com",
            ProviderKind::Ollama => ollama::DEFAULT_URL,
            // The models folder, which only the shell knows (inside the data folder).
            ProviderKind::Local => "",
        }
    }

    /// Whether this kind takes an API key: Settings offers a key field and
    /// calls send the key saved for their address (a local Ollama or local
    /// model takes none).
    pub fn takes_key(self) -> bool {
        !matches!(self, ProviderKind::Ollama | ProviderKind::Local)
    }

    /// Whether calls are refused before any request when no key is set.
    /// Only Anthropic: an OpenAI-compatible server on this computer
    /// (llama.cpp's server, LM Studio, vLLM) often takes no key, so one is
    /// sent only when set.
    pub fn requires_key(self) -> bool {
        matches!(self, ProviderKind::Anthropic)
    }

    /// Whether replies are computed in this process rather than requested
    /// over HTTP.
    pub fn is_in_process(self) -> bool {
        matches!(self, ProviderKind::Local)
    }
}

/// What the UI needs to know about a kind of provider.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ProviderInfo {
    pub kind: ProviderKind,
    pub default_base_url: &'static str,
    /// A key may be saved for it.
    pub takes_key: bool,
    /// Calls are refused without one (otherwise it is optional).
    pub requires_key: bool,
}

/// Every kind of provider, in the order Settings offers them.
pub fn catalogue() -> Vec<ProviderInfo> {
    [
        ProviderKind::Ollama,
        ProviderKind::OpenaiCompatible,
        ProviderKind::Anthropic,
        ProviderKind::Local,
    ]
    .into_iter()
    .map(|kind| ProviderInfo {
        kind,
        default_base_url: kind.default_base_url(),
        takes_key: kind.takes_key(),
        requires_key: kind.requires_key(),
    })
    .collect()
}

/// The non-secret settings of the provider in use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ProviderConfig {
    pub kind: ProviderKind,
    pub base_url: String,
    pub model: String,
    /// The model's context window in tokens, when the user set it.
    pub context_length: Option<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "lowercase")]
pub enum ChatRole {
    User,
    Assistant,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatMessage {
    pub role: ChatRole,
    pub content: String,
}

/// One request for a reply.
#[derive(Debug, Clone, PartialEq)]
pub struct ChatRequest {
    pub system: Option<String>,
    pub messages: Vec<ChatMessage>,
    /// The reply's budget. Always sent: a server given none (llama.cpp's)
    /// writes until its window is full.
    pub max_tokens: u32,
    pub temperature: Option<f32>,
    /// When set, the answer must be JSON following this schema; each
    /// provider is asked for it the way it documents (OpenAI-compatible:
    /// `response_format` json_schema, falling back to json_object then to
    /// none when the server refuses it; Ollama: `format`; Anthropic: one
    /// forced tool). The reply's text is then the JSON itself. The prompt
    /// should still ask for JSON, for servers that ignore or refuse it.
    pub schema: Option<JsonSchema>,
}

/// A JSON schema an answer must follow, with a short name (providers that
/// take a name want `[a-zA-Z0-9_-]`). The schema should be an object type
/// with `additionalProperties: false` and every property required: OpenAI's
/// strict mode refuses anything else (Hearth then falls back to json_object)
/// and Anthropic's tool input must be an object.
#[derive(Debug, Clone, PartialEq)]
pub struct JsonSchema {
    pub name: &'static str,
    pub schema: serde_json::Value,
}

/// Tokens the provider counted, where it reports them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Usage {
    pub input_tokens: Option<u32>,
    pub output_tokens: Option<u32>,
}

/// A finished reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    pub text: String,
    pub usage: Usage,
    pub stop_reason: Option<String>,
}

/// A model a provider offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ModelInfo {
    pub id: String,
    pub context_length: Option<u32>,
}

/// How long to wait, and how often to try again.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// To open the connection.
    pub connect: Duration,
    /// From sending the request to the start of the answer.
    pub response: Duration,
    /// Between two pieces of a streamed answer.
    pub idle: Duration,
    /// Attempts in all, counting the first; retries happen only before the
    /// first token.
    pub attempts: u32,
    /// The first pause between attempts; it doubles each time.
    pub backoff: Duration,
    /// The longest pause Hearth waits on its own (a longer Retry-After is
    /// reported to the user instead).
    pub max_wait: Duration,
    /// The whole reply, from the request to its end, retries included: a
    /// server that trickles words for ever is stopped here.
    pub total: Duration,
    /// The reply's text, in bytes.
    pub max_reply_bytes: usize,
    /// One piece of the stream as framed (an SSE event or an NDJSON line),
    /// in bytes: a server that never ends a line is stopped here.
    pub max_frame_bytes: usize,
}

/// The longest reply kept, in bytes: as long as the longest message the
/// user may send (`companion::turn::MAX_MESSAGE_BYTES`), about 250,000
/// tokens, far beyond any reply budget Hearth asks for.
pub const MAX_REPLY_BYTES: usize = 1_000_000;

impl Default for Limits {
    fn default() -> Self {
        Limits {
            connect: Duration::from_secs(10),
            response: Duration::from_secs(120),
            idle: Duration::from_secs(60),
            attempts: 3,
            backoff: Duration::from_millis(500),
            max_wait: Duration::from_secs(20),
            // A 2,048-token reply from a slow CPU server (5 tokens a second)
            // after minutes of reading a long prompt still fits.
            total: Duration::from_secs(20 * 60),
            max_reply_bytes: MAX_REPLY_BYTES,
            // Room for a whole reply in one piece, escaped.
            max_frame_bytes: 4 * MAX_REPLY_BYTES,
        }
    }
}
