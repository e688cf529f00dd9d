//! The app itself: what it knows about itself, preferences, history.

use hearth_core::AppError;
use hearth_core::paths::DataDirSource;
use hearth_core::preferences::{Preferences, Theme};
use hearth_core::store::messages::Message;
use serde::Serialize;
use tauri::{State, WebviewWindow};

use crate::state::{AppState, native_theme};

/// What the app knows about itself and where it keeps the user's data.
#[derive(Debug, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct AppInfo {
    pub version: String,
    pub data_dir: String,
    pub data_dir_source: DataDirSource,
    pub database_path: String,
    pub schema_version: Option<u32>,
    /// Set when the journal could not be opened: the window explains why.
    pub startup_error: Option<AppError>,
}

#[tauri::command]
#[specta::specta]
pub async fn app_info(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
) -> Result<AppInfo, AppError> {
    if !state
        .ui_ready
        .swap(true, std::sync::atomic::Ordering::Relaxed)
    {
        let ms = state.started.elapsed().as_millis() as u64;
        tracing::info!(ms, "ui ready: first command from the page");
    }
    Ok(AppInfo {
        version: app.package_info().version.to_string(),
        data_dir: state.data_dir().display().to_string(),
        data_dir_source: state.data_dir_source,
        database_path: state.database_path().display().to_string(),
        schema_version: state.schema_version().await?,
        startup_error: state.startup_error(),
    })
}

#[tauri::command]
#[specta::specta]
pub async fn get_preferences(state: State<'_, AppState>) -> Result<Preferences, AppError> {
    state.preferences().await
}

#[tauri::command]
#[specta::specta]
pub async fn set_theme(
    window: WebviewWindow,
    state: State<'_, AppState>,
    theme: Theme,
) -> Result<Preferences, AppError> {
    let prefs = state.set_theme(theme).await?;
    // The title bar follows too; failing that is cosmetic, not an error.
    if let Err(e) = window.set_theme(native_theme(theme)) {
        tracing::warn!("could not set the window theme: {e}");
    }
    Ok(prefs)
}

/// Up to `limit` messages before the message `before` (the newest when null), oldest first.
#[tauri::command]
#[specta::specta]
pub async fn list_messages(
    state: State<'_, AppState>,
    before: Option<i64>,
    limit: u32,
) -> Result<Vec<Message>, AppError> {
    state.messages(before, limit).await
}

/// Opens a web or mail address the user chose, in the system's browser or
/// mail app, after the window has shown it to them. Other kinds of address
/// (files, scripts, the app's own) are refused.
#[tauri::command]
#[specta::specta]
pub async fn open_link(app: tauri::AppHandle, address: String) -> Result<(), AppError> {
    use tauri_plugin_opener::OpenerExt;
    let url = crate::guard::openable(&address)
        .ok_or_else(|| AppError::invalid("Only web and mail addresses can be opened."))?;
    app.opener()
        .open_url(url.as_str(), None::<&str>)
        .map_err(|e| AppError::invalid(format!("The address could not be opened: {e}")))
}

/// Deletes everything Hearth keeps (the journal, backups and saved keys;
/// downloaded models stay): Hearth starts again at its first run.
#[tauri::command]
#[specta::specta]
pub async fn delete_everything(state: State<'_, AppState>) -> Result<(), AppError> {
    state.delete_everything().await
}
