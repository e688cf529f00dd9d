//! The companion: first run, the persona, the conversation, moments kept.

use hearth_core::AppError;
use hearth_core::companion::setup::{Introduction, SetupAnswers};
use hearth_core::generation::StreamEvent;
use hearth_core::service::{StartedTurn, TurnStart};
use hearth_core::store::moments::Moment;
use hearth_core::store::persona::Persona;
use tauri::State;
use tauri::ipc::Channel;

use crate::state::AppState;

#[tauri::command]
#[specta::specta]
pub async fn get_persona(state: State<'_, AppState>) -> Result<Option<Persona>, AppError> {
    state.persona().await
}

/// Stores the persona. On first run, `introduction` (the companion's first
/// words) opens the conversation.
#[tauri::command]
#[specta::specta]
pub async fn save_persona(
    state: State<'_, AppState>,
    persona: Persona,
    introduction: Option<String>,
) -> Result<Persona, AppError> {
    state.save_persona(persona, introduction).await
}

/// Asks the companion to introduce itself and propose a name.
#[tauri::command]
#[specta::specta]
pub async fn introduce(
    state: State<'_, AppState>,
    answers: SetupAnswers,
) -> Result<Introduction, AppError> {
    state.introduce(answers).await
}

/// Sends a message: stores it, and streams the reply to `on_event`.
#[tauri::command]
#[specta::specta]
pub async fn send_message(
    state: State<'_, AppState>,
    text: String,
    on_event: Channel<StreamEvent>,
) -> Result<StartedTurn, AppError> {
    let send = move |e| drop(on_event.send(e));
    state.hearth.start_turn(TurnStart::Send(text), send).await
}

/// Answers the last message again; the previous reply is replaced once the
/// new one has words.
#[tauri::command]
#[specta::specta]
pub async fn regenerate_reply(
    state: State<'_, AppState>,
    on_event: Channel<StreamEvent>,
) -> Result<StartedTurn, AppError> {
    let send = move |e| drop(on_event.send(e));
    state.hearth.start_turn(TurnStart::Regenerate, send).await
}

/// Replaces the last message with `text` and answers it anew.
#[tauri::command]
#[specta::specta]
pub async fn edit_last_message(
    state: State<'_, AppState>,
    text: String,
    on_event: Channel<StreamEvent>,
) -> Result<StartedTurn, AppError> {
    let send = move |e| drop(on_event.send(e));
    state
        .hearth
        .start_turn(TurnStart::EditLast(text), send)
        .await
}

/// Keeps a message as a moment of its day (the diary shows it).
#[tauri::command]
#[specta::specta]
pub async fn keep_moment(state: State<'_, AppState>, message_id: i64) -> Result<Moment, AppError> {
    state.keep_moment(message_id).await
}

/// Lets go of the moment kept from a message.
#[tauri::command]
#[specta::specta]
pub async fn release_moment(state: State<'_, AppState>, message_id: i64) -> Result<bool, AppError> {
    state.release_moment(message_id).await
}
