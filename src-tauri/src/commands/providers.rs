//! Model providers: settings, keys, model lists, the connection check.

use hearth_core::AppError;
use hearth_core::connection::{ConnectionCheck, ProviderSettings};
use hearth_core::generation::StreamEvent;
use hearth_core::providers::{ModelInfo, ProviderConfig, ProviderKind};
use hearth_core::secrets::KeyStatus;
use tauri::State;
use tauri::ipc::Channel;

use crate::state::AppState;

#[tauri::command]
#[specta::specta]
pub async fn provider_settings(state: State<'_, AppState>) -> Result<ProviderSettings, AppError> {
    state.provider_settings().await
}

/// Stores the provider to use (its key is set separately).
#[tauri::command]
#[specta::specta]
pub async fn save_provider(
    state: State<'_, AppState>,
    config: ProviderConfig,
) -> Result<ProviderSettings, AppError> {
    state.save_provider(config).await
}

/// Stores or replaces the API key for a provider at one address. Only the
/// key's status comes back; the key is sent to that address only.
#[tauri::command]
#[specta::specta]
pub async fn set_api_key(
    state: State<'_, AppState>,
    provider: ProviderKind,
    base_url: String,
    key: String,
) -> Result<KeyStatus, AppError> {
    state.set_api_key(provider, base_url, key).await
}

#[tauri::command]
#[specta::specta]
pub async fn remove_api_key(
    state: State<'_, AppState>,
    provider: ProviderKind,
    base_url: String,
) -> Result<KeyStatus, AppError> {
    state.remove_api_key(provider, base_url).await
}

/// Whether a key is saved for a provider at an address (and its last four).
#[tauri::command]
#[specta::specta]
pub async fn key_status(
    state: State<'_, AppState>,
    provider: ProviderKind,
    base_url: String,
) -> Result<KeyStatus, AppError> {
    state.key_status(provider, base_url).await
}

#[tauri::command]
#[specta::specta]
pub async fn list_models(
    state: State<'_, AppState>,
    config: ProviderConfig,
) -> Result<Vec<ModelInfo>, AppError> {
    state.list_models(config).await
}

/// Tries the address, the key and the model without spending tokens.
#[tauri::command]
#[specta::specta]
pub async fn test_connection(
    state: State<'_, AppState>,
    config: ProviderConfig,
) -> Result<ConnectionCheck, AppError> {
    state.test_connection(config).await
}

/// Streams a short hello from the provider to `on_event`, and returns the
/// stream's id at once (for `stop_reply`).
#[tauri::command]
#[specta::specta]
pub async fn try_reply(
    state: State<'_, AppState>,
    config: ProviderConfig,
    on_event: Channel<StreamEvent>,
) -> Result<u32, AppError> {
    let send = move |e| drop(on_event.send(e));
    state.hearth.try_reply(config, send).await
}

/// Stops a streaming reply; the connection to the provider is dropped at once.
#[tauri::command]
#[specta::specta]
pub fn stop_reply(state: State<'_, AppState>, id: u32) -> bool {
    state.stop_stream(id)
}

/// The models of a local Ollama, if one is running.
#[tauri::command]
#[specta::specta]
pub async fn detect_ollama(state: State<'_, AppState>) -> Result<Option<Vec<ModelInfo>>, AppError> {
    Ok(state.detect_ollama().await)
}
