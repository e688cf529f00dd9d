//! The diary: its timeline, calendar and days, changes with undo, search
//! over everything, export and import.

use hearth_core::AppError;
use hearth_core::diary::export::{ExportFormat, Imported};
use hearth_core::service::{DiaryDay, ItemRef};
use hearth_core::store::diary::{
    CalendarDay, Entry, EntryDraft, Facets, Filter, Item, MomentDraft,
};
use hearth_core::store::forget::ForgottenDay;
use hearth_core::store::moments::Moment;
use hearth_core::store::search::FoundGroup;
use tauri::State;
use tauri::ipc::Channel;

use crate::state::AppState;

/// Entries and moments, newest first, `limit` after skipping `offset`.
/// Tells `on_change` each time the diary changes in the background (an
/// entry written, a moment reflected on), until the window stops listening.
#[tauri::command]
#[specta::specta]
pub fn watch_diary(state: State<'_, AppState>, on_change: Channel<u32>) {
    let mut changes = state.watch_diary();
    tauri::async_runtime::spawn(async move {
        while changes.changed().await.is_ok() {
            let n = *changes.borrow_and_update();
            if on_change.send(n as u32).is_err() {
                break;
            }
        }
    });
}

#[tauri::command]
#[specta::specta]
pub async fn diary_timeline(
    state: State<'_, AppState>,
    filter: Filter,
    offset: u32,
    limit: u32,
) -> Result<Vec<Item>, AppError> {
    state.diary_timeline(filter, offset, limit).await
}

/// The days of `month` (`YYYY-MM`) holding moments or entries.
#[tauri::command]
#[specta::specta]
pub async fn diary_calendar(
    state: State<'_, AppState>,
    month: String,
) -> Result<Vec<CalendarDay>, AppError> {
    state.diary_calendar(month).await
}

/// Moments and entries of this date in earlier months and years.
#[tauri::command]
#[specta::specta]
pub async fn on_this_day(state: State<'_, AppState>) -> Result<Vec<Item>, AppError> {
    state.on_this_day().await
}

/// The tags and people the diary names.
#[tauri::command]
#[specta::specta]
pub async fn diary_facets(state: State<'_, AppState>) -> Result<Facets, AppError> {
    state.diary_facets().await
}

/// One day: its entry, moments and conversation.
#[tauri::command]
#[specta::specta]
pub async fn diary_day(state: State<'_, AppState>, day: String) -> Result<DiaryDay, AppError> {
    state.diary_day(day).await
}

#[tauri::command]
#[specta::specta]
pub async fn update_diary_entry(
    state: State<'_, AppState>,
    id: i64,
    draft: EntryDraft,
) -> Result<Entry, AppError> {
    state.update_entry(id, draft).await
}

#[tauri::command]
#[specta::specta]
pub async fn update_moment(
    state: State<'_, AppState>,
    id: i64,
    draft: MomentDraft,
) -> Result<Moment, AppError> {
    state.update_moment(id, draft).await
}

#[tauri::command]
#[specta::specta]
pub async fn set_favourite(
    state: State<'_, AppState>,
    item: ItemRef,
    favourite: bool,
) -> Result<bool, AppError> {
    state.set_favourite(item, favourite).await
}

/// Deletes an entry or a moment; returns it, for undo.
#[tauri::command]
#[specta::specta]
pub async fn delete_diary_item(
    state: State<'_, AppState>,
    item: ItemRef,
) -> Result<Option<Item>, AppError> {
    state.delete_diary_item(item).await
}

/// Puts back an item just deleted.
#[tauri::command]
#[specta::specta]
pub async fn restore_diary_item(state: State<'_, AppState>, item: Item) -> Result<(), AppError> {
    state.restore_diary_item(item).await
}

/// Asks the companion to write (again) about a day that is over.
#[tauri::command]
#[specta::specta]
pub async fn rewrite_diary_day(state: State<'_, AppState>, day: String) -> Result<(), AppError> {
    state.rewrite_day(day).await
}

/// Forgets a whole day for good: its messages, the memories learnt from
/// them, its moments and diary entry.
#[tauri::command]
#[specta::specta]
pub async fn forget_day(state: State<'_, AppState>, day: String) -> Result<ForgottenDay, AppError> {
    state.forget_day(day).await
}

/// Asks the companion to write about a moment again.
#[tauri::command]
#[specta::specta]
pub async fn rewrite_moment(state: State<'_, AppState>, id: i64) -> Result<(), AppError> {
    state.rewrite_moment(id).await
}

/// Entries, moments and messages holding every word, grouped by kind.
#[tauri::command]
#[specta::specta]
pub async fn search_everything(
    state: State<'_, AppState>,
    text: String,
) -> Result<Vec<FoundGroup>, AppError> {
    state.search_everything(text).await
}

/// Asks the system for a folder to export into (`None` if the user cancels).
#[tauri::command]
#[specta::specta]
pub async fn choose_export_folder(
    window: tauri::WebviewWindow,
) -> Result<Option<String>, AppError> {
    use tauri_plugin_dialog::DialogExt;
    let (tx, rx) = tokio::sync::oneshot::channel();
    window
        .dialog()
        .file()
        .set_parent(&window)
        .set_title("Export the diary into…")
        .pick_folder(move |chosen| {
            let _ = tx.send(chosen);
        });
    local_path(rx.await.ok().flatten())
}

/// Asks the system for a diary export (JSON) to import.
#[tauri::command]
#[specta::specta]
pub async fn choose_diary_file(window: tauri::WebviewWindow) -> Result<Option<String>, AppError> {
    use tauri_plugin_dialog::DialogExt;
    let (tx, rx) = tokio::sync::oneshot::channel();
    window
        .dialog()
        .file()
        .set_parent(&window)
        .set_title("Import a diary")
        .add_filter("Hearth diary (JSON)", &["json"])
        .pick_file(move |chosen| {
            let _ = tx.send(chosen);
        });
    local_path(rx.await.ok().flatten())
}

fn local_path(chosen: Option<tauri_plugin_dialog::FilePath>) -> Result<Option<String>, AppError> {
    match chosen.map(|f| f.into_path()) {
        None => Ok(None),
        Some(Ok(path)) => Ok(Some(path.to_string_lossy().into_owned())),
        Some(Err(e)) => Err(AppError::invalid(format!(
            "That place can't be used from here ({e}); choose one on this computer."
        ))),
    }
}

/// Writes the diary into `folder`; returns the files written.
#[tauri::command]
#[specta::specta]
pub async fn export_diary(
    state: State<'_, AppState>,
    folder: String,
    format: ExportFormat,
) -> Result<Vec<String>, AppError> {
    state.export_diary(folder.into(), format).await
}

/// Imports a JSON export into a journal whose diary is empty.
#[tauri::command]
#[specta::specta]
pub async fn import_diary(state: State<'_, AppState>, path: String) -> Result<Imported, AppError> {
    state.import_diary(path.into()).await
}
