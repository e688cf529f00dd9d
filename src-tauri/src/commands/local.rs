//! The models folder and the built-in model: which provider the companion
//! actually talks through (the chosen one, else the small offline default),
//! loading a local model with progress, and listing, importing and removing
//! models.

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use hearth_core::connection;
use hearth_core::local::{self, LoadProgress, LocalModel};
use hearth_core::providers::{self, ProviderConfig, ProviderError};
use hearth_core::{AppError, ErrorCode};
use tauri::State;
use tauri::ipc::Channel;

use crate::state::AppState;

/// The context window a local model is given when the user did not set one:
/// on a CPU the whole prompt is read before the first word. SmolLM2-135M
/// reads ~100 tokens/s on one core, so a full 2,048-token window (prompt
/// ≤ ~1,700 tokens after the reply's share) waits at most ~17 s, typically a
/// few seconds; a small model makes little use of more.
const LOCAL_CONTEXT: u32 = 2_048;

/// How long an answer to "is Ollama running?" is trusted.
const OLLAMA_CHECK_TTL: Duration = Duration::from_secs(30);

pub fn models_dir(state: &AppState) -> PathBuf {
    local::models_dir(&state.data_dir)
}

fn local_error(e: local::LocalError) -> AppError {
    AppError::from(ProviderError::from(e))
}

/// Whether an Ollama with at least one model answers on this computer
/// (remembered for a little while: every reply asks).
async fn ollama_usable() -> bool {
    static LAST: Mutex<Option<(Instant, bool)>> = Mutex::new(None);
    if let Some((at, usable)) = *LAST.lock().unwrap_or_else(|e| e.into_inner())
        && at.elapsed() < OLLAMA_CHECK_TTL
    {
        return usable;
    }
    let usable =
        providers::ollama::detect(providers::ollama::DEFAULT_URL, Duration::from_millis(800))
            .await
            .is_some_and(|models| !models.is_empty());
    *LAST.lock().unwrap_or_else(|e| e.into_inner()) = Some((Instant::now(), usable));
    usable
}

/// The built-in model the companion falls back to: when no provider is
/// chosen, no Ollama is running, and the default model is in the folder.
pub async fn embedded_default(
    state: &AppState,
    active: Option<&ProviderConfig>,
) -> Option<LocalModel> {
    if active.is_some() {
        return None;
    }
    let dir = models_dir(state);
    let model = tauri::async_runtime::spawn_blocking(move || connection::default_local_model(&dir))
        .await
        .ok()
        .flatten()?;
    if ollama_usable().await {
        return None;
    }
    Some(model)
}

/// The provider settings the companion uses now: the chosen ones, else the
/// built-in default; with its context window. `NoProvider` when neither.
pub async fn effective_config(state: &AppState) -> Result<(ProviderConfig, u32), AppError> {
    let chosen = state.journal(|s| s.with(|c| connection::load(c))).await?;
    let config = match chosen {
        Some(config) => config,
        None => match embedded_default(state, None).await {
            Some(model) => connection::local_config(&model.file),
            None => {
                return Err(AppError {
                    code: ErrorCode::NoProvider,
                    message: "No model is connected yet. Choose one in Settings.".into(),
                });
            }
        },
    };
    let context = match config.context_length {
        Some(n) => n,
        None if config.kind.is_in_process() => {
            let path = local::models::model_path(&models_dir(state), &config.model).ok();
            let declared = tauri::async_runtime::spawn_blocking(move || {
                path.and_then(|p| local::models::read_summary(&p).ok())
                    .and_then(|s| s.context_length)
            })
            .await
            .ok()
            .flatten();
            declared.unwrap_or(LOCAL_CONTEXT).min(LOCAL_CONTEXT)
        }
        None => providers::known_context_length(&config.model)
            .unwrap_or(super::companion::DEFAULT_CONTEXT),
    };
    Ok((config, context))
}

/// The models in the models folder (chat models first).
#[tauri::command]
#[specta::specta]
pub async fn list_local_models(state: State<'_, AppState>) -> Result<Vec<LocalModel>, AppError> {
    let dir = models_dir(&state);
    blocking(move || local::models::list(&dir).map_err(local_error)).await
}

/// Copies the GGUF file at `path` into the models folder.
#[tauri::command]
#[specta::specta]
pub async fn import_local_model(
    state: State<'_, AppState>,
    path: String,
) -> Result<LocalModel, AppError> {
    let dir = models_dir(&state);
    let path = path.trim().trim_matches(['"', '\'']).to_owned();
    if path.is_empty() {
        return Err(AppError::invalid(
            "Give the path of a .gguf file to import.",
        ));
    }
    let source = PathBuf::from(path);
    if !source.is_absolute() {
        return Err(AppError::invalid(format!(
            "“{}” is not a full path; it should start with / (or a drive letter on Windows).",
            source.display()
        )));
    }
    blocking(move || local::models::import(&dir, &source).map_err(local_error)).await
}

/// Asks the user for a .gguf file with the system's file chooser, over the
/// window. Returns its path, or `None` when the user closes the chooser. (The
/// dialog plugin's own commands stay closed to the webview: only this one,
/// which can do nothing but ask, is ours to call.)
#[tauri::command]
#[specta::specta]
pub async fn choose_model_file(window: tauri::WebviewWindow) -> Result<Option<String>, AppError> {
    use tauri_plugin_dialog::DialogExt;
    let (tx, rx) = tokio::sync::oneshot::channel();
    window
        .dialog()
        .file()
        .set_parent(&window)
        .set_title("Import a model")
        .add_filter("GGUF model", &["gguf"])
        .pick_file(move |chosen| {
            let _ = tx.send(chosen);
        });
    let chosen = rx.await.ok().flatten();
    match chosen.map(|f| f.into_path()) {
        None => Ok(None),
        Some(Ok(path)) => Ok(Some(path.to_string_lossy().into_owned())),
        Some(Err(e)) => Err(AppError::invalid(format!(
            "That file can't be opened from here ({e}); choose one on this computer."
        ))),
    }
}

/// Removes a model from the models folder.
#[tauri::command]
#[specta::specta]
pub async fn remove_local_model(state: State<'_, AppState>, file: String) -> Result<(), AppError> {
    let dir = models_dir(&state);
    blocking(move || {
        if let Ok(path) = local::models::model_path(&dir, &file)
            && local::chat::loaded(&path).is_some()
        {
            local::chat::unload();
        }
        local::models::remove(&dir, &file).map_err(local_error)
    })
    .await
}

/// Loads the local model the companion uses (the chosen one or the built-in
/// default) if it is not loaded yet, reporting progress to `on_progress`.
/// Returns the model's file name, or `None` when the companion talks through
/// a remote provider (nothing to load).
#[tauri::command]
#[specta::specta]
pub async fn warm_local_model(
    state: State<'_, AppState>,
    on_progress: Channel<LoadProgress>,
) -> Result<Option<String>, AppError> {
    let (config, _) = match effective_config(&state).await {
        Ok(found) => found,
        Err(e) if e.code == ErrorCode::NoProvider => return Ok(None),
        Err(e) => return Err(e),
    };
    if !config.kind.is_in_process() {
        return Ok(None);
    }
    let path =
        local::models::model_path(&models_dir(&state), &config.model).map_err(local_error)?;
    // One message per percent at most.
    let mut last = -1i32;
    local::chat::load_shared(&path, move |p: LoadProgress| {
        let percent = (p.fraction() * 100.0) as i32;
        if percent != last {
            last = percent;
            let _ = on_progress.send(p);
        }
    })
    .await
    .map_err(local_error)?;
    Ok(Some(config.model))
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, AppError> + Send + 'static,
) -> Result<T, AppError> {
    tauri::async_runtime::spawn_blocking(f)
        .await
        .map_err(|e| AppError {
            code: ErrorCode::Io,
            message: format!("the models folder task failed: {e}"),
        })?
}
