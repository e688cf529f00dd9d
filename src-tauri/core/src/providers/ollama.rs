//! Finding a local Ollama.

use std::time::Duration;

use super::{Limits, ModelInfo, Provider, ProviderConfig, ProviderKind};

/// Where Ollama listens by default.
pub const DEFAULT_URL: &str = "http://127.0.0.1:11434";

/// The models of the Ollama at `base_url`, or `None` if none answers there
/// within `within` (a local server answers in milliseconds or not at all).
pub async fn detect(base_url: &str, within: Duration) -> Option<Vec<ModelInfo>> {
    let config = ProviderConfig {
        kind: ProviderKind::Ollama,
        base_url: base_url.to_owned(),
        model: String::new(),
        context_length: None,
    };
    let limits = Limits {
        connect: within,
        response: within,
        idle: within,
        ..Limits::default()
    };
    let provider = Provider::new(config, None, limits).ok()?;
    tokio::time::timeout(within, provider.list_models())
        .await
        .ok()?
        .ok()
}
