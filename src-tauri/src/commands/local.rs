//! The models folder and the built-in model: listing, importing, removing,
//! and loading the one the companion uses, with progress.

use hearth_core::AppError;
use hearth_core::local::download::DownloadProgress;
use hearth_core::local::{LoadProgress, LocalModel};
use hearth_core::service::ModelCatalogue;
use tauri::State;
use tauri::ipc::Channel;

use crate::state::AppState;

/// The models in the models folder (chat models first).
#[tauri::command]
#[specta::specta]
pub async fn list_local_models(state: State<'_, AppState>) -> Result<Vec<LocalModel>, AppError> {
    state.local_models_list().await
}

/// Copies the GGUF file at `path` into the models folder.
#[tauri::command]
#[specta::specta]
pub async fn import_local_model(
    state: State<'_, AppState>,
    path: String,
) -> Result<LocalModel, AppError> {
    state.import_local_model(path).await
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
    state.remove_local_model(file).await
}

/// Loads the local model the companion uses, if not loaded yet, reporting
/// progress to `on_progress`. Returns the model's file name, or `None` when
/// the companion talks through a remote provider.
#[tauri::command]
#[specta::specta]
pub async fn warm_local_model(
    state: State<'_, AppState>,
    on_progress: Channel<LoadProgress>,
) -> Result<Option<String>, AppError> {
    let report = move |p| drop(on_progress.send(p));
    state.warm_local_model(report).await
}

/// The catalogue of recommended models, this computer and the model that
/// suits it, and where each model stands (installed, downloading, paused).
#[tauri::command]
#[specta::specta]
pub async fn model_catalogue(state: State<'_, AppState>) -> Result<ModelCatalogue, AppError> {
    state.model_catalogue().await
}

/// Starts or resumes downloading a catalogue model in the background,
/// reporting progress to `on_progress` (the last report is a final state).
#[tauri::command]
#[specta::specta]
pub async fn download_model(
    state: State<'_, AppState>,
    id: String,
    on_progress: Channel<DownloadProgress>,
) -> Result<(), AppError> {
    state.download_model(&id, move |p| drop(on_progress.send(p)))
}

/// Pauses a download, keeping its bytes; false if it was not running.
#[tauri::command]
#[specta::specta]
pub async fn pause_model_download(
    state: State<'_, AppState>,
    id: String,
) -> Result<bool, AppError> {
    Ok(state.pause_model_download(&id))
}

/// Cancels a download and deletes what it had downloaded.
#[tauri::command]
#[specta::specta]
pub async fn cancel_model_download(state: State<'_, AppState>, id: String) -> Result<(), AppError> {
    state.cancel_model_download(id).await
}
