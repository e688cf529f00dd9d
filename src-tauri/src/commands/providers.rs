//! Model providers: settings, keys, model lists, the connection check.

use hearth_core::AppError;
use hearth_core::connection::{self, ConnectionCheck, ProviderSettings, ReplyEvent};
use hearth_core::providers::{self, Limits, ModelInfo, ProviderConfig, ProviderKind};
use hearth_core::secrets::KeyStatus;
use hearth_core::store::persona;
use tauri::State;
use tauri::ipc::Channel;

use super::local;
use crate::state::AppState;

#[tauri::command]
#[specta::specta]
pub async fn provider_settings(state: State<'_, AppState>) -> Result<ProviderSettings, AppError> {
    let secrets = state.secrets().await;
    let mut settings = state
        .journal(move |s| s.run(|c| connection::provider_settings(c, &secrets)))
        .await?;
    settings.embedded = local::embedded_default(&state, settings.active.as_ref()).await;
    Ok(settings)
}

/// Stores the provider to use (its key is set separately).
#[tauri::command]
#[specta::specta]
pub async fn save_provider(
    state: State<'_, AppState>,
    config: ProviderConfig,
) -> Result<ProviderSettings, AppError> {
    let secrets = state.secrets().await;
    let models_dir = local::models_dir(&state);
    state
        .journal(move |s| {
            s.run(|c| {
                connection::save_checked(c, &config, &models_dir)?;
                connection::provider_settings(c, &secrets)
            })
        })
        .await
}

/// Stores or replaces a provider's API key in the key store. Only the key's
/// status comes back.
#[tauri::command]
#[specta::specta]
pub async fn set_api_key(
    state: State<'_, AppState>,
    provider: ProviderKind,
    key: String,
) -> Result<KeyStatus, AppError> {
    let secrets = state.secrets().await;
    blocking(move || {
        secrets
            .set(provider, &key)
            .map_err(|e| AppError::keyring(e.to_string()))
    })
    .await
}

#[tauri::command]
#[specta::specta]
pub async fn remove_api_key(
    state: State<'_, AppState>,
    provider: ProviderKind,
) -> Result<KeyStatus, AppError> {
    let secrets = state.secrets().await;
    blocking(move || {
        secrets
            .remove(provider)
            .map_err(|e| AppError::keyring(e.to_string()))
    })
    .await
}

#[tauri::command]
#[specta::specta]
pub async fn list_models(
    state: State<'_, AppState>,
    config: ProviderConfig,
) -> Result<Vec<ModelInfo>, AppError> {
    let secrets = state.secrets().await;
    let models_dir = local::models_dir(&state);
    let provider =
        blocking(move || connection::provider(&config, &secrets, Limits::default(), &models_dir))
            .await?;
    Ok(provider.list_models().await?)
}

/// Tries the address, the key and the model without spending tokens.
#[tauri::command]
#[specta::specta]
pub async fn test_connection(
    state: State<'_, AppState>,
    config: ProviderConfig,
) -> Result<ConnectionCheck, AppError> {
    let secrets = state.secrets().await;
    let models_dir = local::models_dir(&state);
    let provider =
        blocking(move || connection::provider(&config, &secrets, Limits::default(), &models_dir))
            .await?;
    Ok(connection::check(&provider).await?)
}

/// Streams a short hello from the provider to `on_event`, and returns the
/// reply's id at once (for `stop_reply`). The reply ends with `done` or `failed`.
#[tauri::command]
#[specta::specta]
pub async fn try_reply(
    state: State<'_, AppState>,
    config: ProviderConfig,
    on_event: Channel<ReplyEvent>,
) -> Result<u32, AppError> {
    let secrets = state.secrets().await;
    let models_dir = local::models_dir(&state);
    let provider =
        blocking(move || connection::provider(&config, &secrets, Limits::default(), &models_dir))
            .await?;
    let user = state
        .journal(|s| s.with(|c| persona::get(c)))
        .await
        .ok()
        .flatten()
        .map(|p| p.user_name);
    let request = connection::hello_request(user.as_deref());
    let replies = state.replies.clone();
    let (id, cancel) = replies.start();
    tauri::async_runtime::spawn(async move {
        let mut send_delta = |text: &str| {
            let _ = on_event.send(ReplyEvent::Delta {
                text: text.to_owned(),
            });
        };
        let end = match provider
            .stream_chat(&request, &cancel, &mut send_delta)
            .await
        {
            Ok(done) => ReplyEvent::Done { usage: done.usage },
            Err(failure) => failure.into(),
        };
        replies.finish(id);
        let _ = on_event.send(end);
    });
    Ok(id)
}

/// Stops a streaming reply; the connection to the provider is dropped at once.
#[tauri::command]
#[specta::specta]
pub fn stop_reply(state: State<'_, AppState>, id: u32) -> bool {
    state.replies.stop(id)
}

/// The models of a local Ollama, if one is running.
#[tauri::command]
#[specta::specta]
pub async fn detect_ollama() -> Result<Option<Vec<ModelInfo>>, AppError> {
    Ok(providers::ollama::detect(
        providers::ollama::DEFAULT_URL,
        std::time::Duration::from_millis(800),
    )
    .await)
}

/// Keyring calls talk to D-Bus or the OS synchronously: keep them off the
/// async workers.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, AppError> + Send + 'static,
) -> Result<T, AppError> {
    tauri::async_runtime::spawn_blocking(f)
        .await
        .map_err(|e| AppError::keyring(format!("the key store task failed: {e}")))?
}
