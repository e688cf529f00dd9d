//! "What I remember": the user sees, searches, edits and deletes memories.

use hearth_core::AppError;
use hearth_core::store::memories::{self, Memory, MemoryDraft};
use hearth_core::store::now_ms;
use tauri::State;

use crate::state::AppState;

const MAX_LIST: u32 = 1_000;

/// Current memories, newest first; with `query`, those matching every word.
#[tauri::command]
#[specta::specta]
pub async fn list_memories(
    state: State<'_, AppState>,
    query: Option<String>,
    limit: u32,
) -> Result<Vec<Memory>, AppError> {
    let limit = limit.clamp(1, MAX_LIST);
    state
        .journal(move |s| s.with(|c| memories::list(c, query.as_deref(), limit)))
        .await
}

/// Replaces a memory's text, kind and importance.
#[tauri::command]
#[specta::specta]
pub async fn update_memory(
    state: State<'_, AppState>,
    id: i64,
    draft: MemoryDraft,
) -> Result<Memory, AppError> {
    let draft = memories::tidy(&draft)
        .ok_or_else(|| AppError::invalid("A memory needs some words. Delete it instead?"))?;
    state
        .journal(move |s| {
            s.run(|c| {
                memories::update(c, id, &draft, now_ms())?
                    .ok_or_else(|| AppError::invalid("That memory no longer exists."))
            })
        })
        .await
        .inspect(|_| crate::embedding::wake())
}

/// Forgets a memory for good: it is never recalled or sent to a model again.
#[tauri::command]
#[specta::specta]
pub async fn delete_memory(state: State<'_, AppState>, id: i64) -> Result<bool, AppError> {
    state
        .journal(move |s| s.with(|c| memories::delete(c, id)))
        .await
}
