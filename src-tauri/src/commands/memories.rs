//! "What I remember": the user sees, searches, edits and deletes memories.

use hearth_core::AppError;
use hearth_core::store::memories::{Memory, MemoryDraft};
use tauri::State;

use crate::state::AppState;

/// Current memories, newest first; with `query`, those matching every word.
#[tauri::command]
#[specta::specta]
pub async fn list_memories(
    state: State<'_, AppState>,
    query: Option<String>,
    limit: u32,
) -> Result<Vec<Memory>, AppError> {
    state.memories(query, limit).await
}

/// Replaces a memory's text, kind and importance.
#[tauri::command]
#[specta::specta]
pub async fn update_memory(
    state: State<'_, AppState>,
    id: i64,
    draft: MemoryDraft,
) -> Result<Memory, AppError> {
    state.update_memory(id, draft).await
}

/// Forgets a memory for good: it is never recalled or sent to a model again.
#[tauri::command]
#[specta::specta]
pub async fn delete_memory(state: State<'_, AppState>, id: i64) -> Result<bool, AppError> {
    state.delete_memory(id).await
}
