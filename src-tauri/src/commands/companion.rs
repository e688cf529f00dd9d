//! The companion: first run, the persona, the conversation, moments kept.

use hearth_core::AppError;
use hearth_core::companion::prompt::Budget;
use hearth_core::companion::setup::{self, Introduction, SetupAnswers};
use hearth_core::companion::turn::{self, Start, Turn, TurnEvent};
use hearth_core::memory::semantic::QueryVector;
use hearth_core::providers::{Limits, Provider};
use hearth_core::store::messages::{self, Role};
use hearth_core::store::moments::{self, Moment};
use hearth_core::store::now_ms;
use hearth_core::store::persona::{self, Persona};
use tauri::State;
use tauri::ipc::Channel;
use tokio_util::sync::CancellationToken;

use crate::state::AppState;

/// The context window assumed when neither the user nor the model list says.
pub(crate) const DEFAULT_CONTEXT: u32 = 8_192;

#[tauri::command]
#[specta::specta]
pub async fn get_persona(state: State<'_, AppState>) -> Result<Option<Persona>, AppError> {
    state.journal(|s| s.with(|c| persona::get(c))).await
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
    if persona.companion_name.trim().is_empty() {
        return Err(AppError::invalid("Your companion needs a name."));
    }
    state
        .journal(move |s| {
            s.run(|c| {
                let tx = c.transaction()?;
                persona::save(&tx, &persona)?;
                if let Some(words) = introduction.filter(|w| !w.trim().is_empty()) {
                    messages::insert(
                        &tx,
                        messages::Role::Assistant,
                        &words,
                        messages::MessageStatus::Complete,
                        None,
                    )?;
                }
                tx.commit()?;
                Ok(persona::get(c)?.unwrap_or(persona))
            })
        })
        .await
}

/// The active provider, ready to call, and its context window: the chosen
/// one, else the built-in offline model (see [`super::local::effective_config`]).
async fn active_provider(state: &AppState) -> Result<(Provider, u32), AppError> {
    let (config, context) = super::local::effective_config(state).await?;
    let secrets = state.secrets().await;
    let models_dir = super::local::models_dir(state);
    let provider = tauri::async_runtime::spawn_blocking(move || {
        hearth_core::connection::provider(&config, &secrets, Limits::default(), &models_dir)
    })
    .await
    .map_err(|e| AppError::keyring(format!("the key store task failed: {e}")))??;
    Ok((provider, context))
}

/// Asks the companion to introduce itself and propose a name, from the
/// user's answers to the first-run questions.
#[tauri::command]
#[specta::specta]
pub async fn introduce(
    state: State<'_, AppState>,
    answers: SetupAnswers,
) -> Result<Introduction, AppError> {
    let (provider, _) = active_provider(&state).await?;
    let answer = provider
        .stream_chat(
            &setup::request(&answers),
            &CancellationToken::new(),
            &mut |_| {},
        )
        .await
        .map_err(|f| AppError::from(f.error))?;
    Ok(setup::parse(&answer.text))
}

/// Sends a message: stores it, and streams the reply to `on_event`.
#[tauri::command]
#[specta::specta]
pub async fn send_message(
    state: State<'_, AppState>,
    text: String,
    on_event: Channel<TurnEvent>,
) -> Result<StartedTurn, AppError> {
    start_turn(&state, StartKind::Send(text), on_event).await
}

/// Answers the last message again (after a stop, a failure, or to hear
/// another reply); the previous reply is replaced.
#[tauri::command]
#[specta::specta]
pub async fn regenerate_reply(
    state: State<'_, AppState>,
    on_event: Channel<TurnEvent>,
) -> Result<StartedTurn, AppError> {
    start_turn(&state, StartKind::Regenerate, on_event).await
}

/// Replaces the last message with `text` and answers it anew.
#[tauri::command]
#[specta::specta]
pub async fn edit_last_message(
    state: State<'_, AppState>,
    text: String,
    on_event: Channel<TurnEvent>,
) -> Result<StartedTurn, AppError> {
    start_turn(&state, StartKind::EditLast(text), on_event).await
}

/// A turn that has begun: the stored messages, and the id to stop it with
/// (`stop_reply`).
#[derive(Debug, Clone, serde::Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct StartedTurn {
    pub turn: Turn,
    pub stream: u32,
}

enum StartKind {
    Send(String),
    Regenerate,
    EditLast(String),
}

/// Learning from the last exchange on a model run in-process, while it runs:
/// a new turn stops it, so the user's reply never waits behind it (that
/// exchange is then not learnt from).
static LEARNING: std::sync::Mutex<Option<CancellationToken>> = std::sync::Mutex::new(None);

fn learning_starts(provider: &Provider) -> CancellationToken {
    let cancel = CancellationToken::new();
    if provider.config().kind.is_in_process() {
        *LEARNING.lock().unwrap_or_else(|e| e.into_inner()) = Some(cancel.clone());
    }
    cancel
}

fn stop_learning() {
    if let Some(cancel) = LEARNING.lock().unwrap_or_else(|e| e.into_inner()).take() {
        cancel.cancel();
    }
}

async fn start_turn(
    state: &AppState,
    kind: StartKind,
    on_event: Channel<TurnEvent>,
) -> Result<StartedTurn, AppError> {
    stop_learning();
    let (provider, context) = active_provider(state).await?;
    let model = provider.config().model.clone();
    let store = state.store()?;
    let now = chrono::Local::now().fixed_offset();
    // The embedding of the message answered (about 15 ms), when the model is
    // loaded: recall then finds what it means, not only its words.
    let query = match &kind {
        StartKind::Send(t) | StartKind::EditLast(t) => {
            crate::embedding::query_vector(Some(t)).await
        }
        StartKind::Regenerate => {
            let last = state
                .journal(|s| s.with(|c| messages::page(c, None, 2)))
                .await
                .ok()
                .and_then(|page| page.into_iter().rev().find(|m| m.role == Role::User))
                .map(|m| m.content);
            crate::embedding::query_vector(last.as_deref()).await
        }
    };
    let (turn, prompt) = state
        .journal(move |s| {
            s.run(|c| {
                let start = match &kind {
                    StartKind::Send(t) => Start::Send(t),
                    StartKind::Regenerate => Start::Regenerate,
                    StartKind::EditLast(t) => Start::EditLast(t),
                };
                let turn = turn::begin(c, start, &model)?;
                let query = query
                    .as_ref()
                    .map(|(model, vector)| QueryVector { model, vector });
                match turn::prepare_with(c, &turn, query, now, Budget::for_context(context)) {
                    Ok(prompt) => Ok((turn, prompt)),
                    Err(e) => {
                        // Nothing to stream: do not leave an empty reply behind.
                        let _ = messages::delete(c, turn.reply.id);
                        Err(e)
                    }
                }
            })
        })
        .await?;
    tracing::debug!(
        tokens = prompt.tokens,
        memories = prompt.memory_ids.len(),
        recalled = prompt.recalled_ids.len(),
        recent = prompt.recent_included,
        "prompt built"
    );
    let replies = state.replies.clone();
    let (stream, cancel) = replies.start();
    let started = StartedTurn {
        turn: turn.clone(),
        stream,
    };
    tauri::async_runtime::spawn(async move {
        let mut send = |event: TurnEvent| {
            let _ = on_event.send(event);
        };
        let end = turn::run(
            &store,
            &provider,
            &prompt.request,
            turn.reply.id,
            &cancel,
            &mut send,
        )
        .await;
        replies.finish(stream);
        // The user's words and the reply are new texts to embed.
        crate::embedding::wake();
        // Learn from the exchange in the background; the reply is already shown.
        if let TurnEvent::Ended {
            reply: Some(reply),
            error: None,
        } = end
            && reply.status == messages::MessageStatus::Complete
        {
            let today = now.format("%Y-%m-%d").to_string();
            let cancel = learning_starts(&provider);
            match turn::learn(&store, &provider, &turn.user, &reply, &today, &cancel).await {
                Ok(m) => tracing::info!(
                    added = m.added.len(),
                    confirmed = m.confirmed.len(),
                    superseded = m.superseded.len(),
                    "memories learnt"
                ),
                Err(e) => tracing::warn!(code = ?e.code, "no memories learnt: {}", e.message),
            }
            crate::embedding::wake();
        }
    });
    Ok(started)
}

/// Keeps a message as a moment of its day (the diary shows it).
#[tauri::command]
#[specta::specta]
pub async fn keep_moment(state: State<'_, AppState>, message_id: i64) -> Result<Moment, AppError> {
    let offset = chrono::Local::now().offset().local_minus_utc() / 60;
    state
        .journal(move |s| {
            s.run(|c| {
                moments::keep_message(c, message_id, offset, now_ms())?
                    .ok_or_else(|| AppError::invalid("That message no longer exists."))
            })
        })
        .await
        .inspect(|_| crate::embedding::wake())
}

/// Lets go of the moment kept from a message.
#[tauri::command]
#[specta::specta]
pub async fn release_moment(state: State<'_, AppState>, message_id: i64) -> Result<bool, AppError> {
    state
        .journal(move |s| s.with(|c| moments::release_message(c, message_id).map(|n| n > 0)))
        .await
}
