//! One turn of the conversation.
//!
//! [`begin`] stores the user's words and an empty reply marked `streaming`
//! before any model is called, so nothing the user wrote can be lost.
//! [`run`] streams the reply, writing what has arrived to the journal a few
//! times a second; if the app dies mid-reply, the next start marks the reply
//! `partial` with the words it had. A reply that is stopped keeps its words
//! as `partial`; one that fails keeps them with status `error` and the reason.
//! A reply written again (regenerate, edit) replaces the old one only once it
//! has words: stopped or failed before them, the old reply stays.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use chrono::{DateTime, FixedOffset};
use rusqlite::Connection;
use serde::Serialize;
use tokio_util::sync::CancellationToken;

use super::prompt::{self, Budget, Prompt, PromptInput};
use crate::error::{AppError, ErrorCode};
use crate::generation::{Model, StreamEvent};
use crate::memory::choose::Choices;
use crate::memory::semantic::QueryVector;
use crate::memory::{extract, remember};
use crate::providers::{ChatRequest, ProviderErrorKind, Usage};
use crate::store::messages::{self, Ending, Message, MessageStatus, Role};
use crate::store::{Store, memories, persona};

/// The user's message and the reply being written to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Turn {
    pub user: Message,
    pub reply: Message,
    /// The reply this one replaces once it has words (regenerate, edit).
    pub replaced: Option<i64>,
}

/// How a turn starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start<'a> {
    /// A new message from the user.
    Send(&'a str),
    /// Another reply to the last message (also how a failed reply is retried).
    Regenerate,
    /// The last message, edited, answered anew.
    EditLast(&'a str),
}

/// The longest message accepted, in bytes. Longer text is refused with a
/// sentence (and stays in the composer); anything accepted is stored whole
/// and shortened only in what is sent to the model.
pub const MAX_MESSAGE_BYTES: usize = 1_000_000;

/// How often the growing reply is written to the journal.
const SAVE_EVERY: Duration = Duration::from_millis(250);

fn check_text(text: &str) -> Result<(), AppError> {
    if text.trim().is_empty() {
        return Err(AppError::invalid("There is nothing to send yet."));
    }
    if text.len() > MAX_MESSAGE_BYTES {
        return Err(AppError::invalid(format!(
            "That message is {} KB; the longest Hearth takes is {} KB. Nothing was sent, and your text is still here.",
            text.len() / 1_000,
            MAX_MESSAGE_BYTES / 1_000
        )));
    }
    if text.contains('\0') {
        return Err(AppError::invalid(
            "That message holds a NUL character, which Hearth cannot store. Nothing was sent.",
        ));
    }
    Ok(())
}

fn no_reply_in_progress(conn: &Connection) -> Result<(), AppError> {
    if let Some(last) = messages::page(conn, None, 1)?.pop()
        && last.status == MessageStatus::Streaming
    {
        return Err(AppError::invalid(
            "A reply is still being written. Stop it or wait for it to finish.",
        ));
    }
    Ok(())
}

/// Stores the user's words (or finds the message to answer again) and an
/// empty `streaming` reply, in one transaction.
pub fn begin(conn: &mut Connection, start: Start<'_>, model: &str) -> Result<Turn, AppError> {
    if let Start::Send(text) | Start::EditLast(text) = start {
        check_text(text)?;
    }
    let tx = conn.transaction()?;
    no_reply_in_progress(&tx)?;
    let last_two = messages::page(&tx, None, 2)?;
    let mut replaced = None;
    let user = match start {
        Start::Send(text) => {
            messages::insert(&tx, Role::User, text, MessageStatus::Complete, None)?
        }
        Start::Regenerate | Start::EditLast(_) => {
            let (user, reply) = match last_two.as_slice() {
                [.., u, r] if u.role == Role::User && r.role == Role::Assistant => (u, Some(r)),
                [.., u] if u.role == Role::User => (u, None),
                _ => {
                    return Err(AppError::invalid(
                        "There is no message of yours to answer again.",
                    ));
                }
            };
            replaced = reply.map(|r| r.id);
            let mut user = user.clone();
            if let Start::EditLast(text) = start {
                messages::update(&tx, user.id, text, MessageStatus::Complete)?;
                user.content = text.to_owned();
            }
            user
        }
    };
    let reply = messages::insert(
        &tx,
        Role::Assistant,
        "",
        MessageStatus::Streaming,
        Some(model),
    )?;
    // The old reply stays until the new one has words (see `run`).
    tx.commit()?;
    Ok(Turn {
        user,
        reply,
        replaced,
    })
}

/// Gathers what the companion knows and builds the prompt for `turn`.
pub fn prepare(
    conn: &Connection,
    turn: &Turn,
    now: DateTime<FixedOffset>,
    budget: Budget,
) -> Result<Prompt, AppError> {
    prepare_with(conn, turn, None, now, budget)
}

/// [`prepare`], with the embedding of the user's message when the embedding
/// model is loaded: recall then uses stored vectors too.
pub fn prepare_with(
    conn: &Connection,
    turn: &Turn,
    query: Option<QueryVector<'_>>,
    now: DateTime<FixedOffset>,
    budget: Budget,
) -> Result<Prompt, AppError> {
    let persona = persona::get(conn)?.unwrap_or_else(|| persona::Persona {
        companion_name: super::setup::FALLBACK_NAME.to_owned(),
        voice: String::new(),
        user_name: String::new(),
        address_style: String::new(),
        hopes: String::new(),
    });
    // Recent turns: enough to fill any context; the builder trims to budget.
    let mut recent: Vec<Message> = messages::page(conn, Some(turn.reply.id), 80)?;
    // The reply being replaced is not part of what the model answers.
    recent.retain(|m| Some(m.id) != turn.replaced);
    let counts = token_counts(conn, &recent)?;
    let oldest_recent = recent.first().map_or(turn.user.id, |m| m.id);
    let recollection = remember::recollect_with(
        conn,
        &turn.user.content,
        query,
        now.timestamp_millis(),
        Some(oldest_recent),
        remember::Amounts::default(),
    )?;
    let occasion = occasion(conn, now.date_naive())?;
    let prompt = prompt::build(&PromptInput {
        persona: &persona,
        now,
        memories: &recollection.memories,
        recalled: &recollection.messages,
        recent: &recent,
        occasion: occasion.as_ref(),
        counts: &counts,
        budget,
    });
    memories::mark_recalled(conn, &prompt.memory_ids, now.timestamp_millis())?;
    Ok(prompt)
}

/// A date coming up within this many days is mentioned in conversation.
const OCCASION_DAYS: u32 = 7;

/// The soonest date of someone in the user's life coming up within a week
/// that the companion has not mentioned yet.
fn occasion(
    conn: &Connection,
    today: chrono::NaiveDate,
) -> rusqlite::Result<Option<crate::letters::UpcomingDate>> {
    let people = crate::store::letters::people(conn)?;
    for date in crate::letters::upcoming_dates(&people, today, OCCASION_DAYS) {
        if !crate::store::letters::date_mentioned(conn, date.person_id, &date.label, &date.date)? {
            return Ok(Some(date));
        }
    }
    Ok(None)
}

/// The token counts of `recent`'s words: those the journal holds, and the
/// others counted now and stored, so that each message is counted once
/// however many prompts include it.
fn token_counts(conn: &Connection, recent: &[Message]) -> Result<HashMap<i64, u32>, AppError> {
    let ids: Vec<i64> = recent.iter().map(|m| m.id).collect();
    let mut counts = messages::token_counts(conn, &ids)?;
    for m in recent {
        // A reply still being written grows: it is counted once it ends.
        if m.status == MessageStatus::Streaming || counts.contains_key(&m.id) {
            continue;
        }
        let n = super::tokens::count(&m.content);
        messages::set_token_count(conn, m.id, n)?;
        counts.insert(m.id, n);
    }
    Ok(counts)
}

/// How a reply ended, as the journal now holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ended {
    /// The reply kept (complete, partial or error), or `None` when nothing
    /// came before a stop or a failure (the old reply, if any, stays).
    pub reply: Option<Message>,
    pub usage: Usage,
    pub error: Option<AppError>,
    /// The words that arrived (also when they could not be saved).
    pub text: String,
}

impl Ended {
    /// The event the window hears.
    pub fn event(&self) -> StreamEvent {
        match &self.error {
            None => StreamEvent::Done {
                message: self.reply.clone(),
                usage: self.usage,
            },
            Some(error) => StreamEvent::Failed {
                error: error.clone(),
                partial: self.text.clone(),
                message: self.reply.clone(),
            },
        }
    }
}

/// Streams the reply for `turn` into the journal and its words to
/// `on_delta`. The reply it replaces is removed with the first save of new
/// words.
pub async fn run(
    store: &Store,
    model: &Model,
    request: &ChatRequest,
    turn: &Turn,
    cancel: &CancellationToken,
    on_delta: &mut (dyn FnMut(&str) + Send),
) -> Ended {
    let reply_id = turn.reply.id;
    let mut text = String::new();
    let mut saved_at: Option<Instant> = None;
    let mut replaced = turn.replaced;
    let mut on_piece = |piece: &str| {
        text.push_str(piece);
        let due = saved_at.is_none_or(|at| at.elapsed() >= SAVE_EVERY);
        if due && !text.trim().is_empty() {
            saved_at = Some(Instant::now());
            match save_so_far(store, reply_id, &text, replaced) {
                Ok(()) => replaced = None,
                Err(e) => tracing::warn!("could not save the reply so far: {e}"),
            }
        }
        on_delta(piece);
    };
    let outcome = model.stream_chat(request, cancel, &mut on_piece).await;
    let (status, ending_text, usage, error) = match outcome {
        // A model that ends its turn at once (small local ones sometimes do)
        // said nothing: offer to try again rather than show an empty reply.
        Ok(done) if done.text.trim().is_empty() => (
            MessageStatus::Error,
            done.text,
            done.usage,
            Some(AppError {
                code: ErrorCode::Malformed,
                message: "The model answered with nothing. Try again?".into(),
            }),
        ),
        Ok(done) => (MessageStatus::Complete, done.text, done.usage, None),
        Err(f) if f.error.kind == ProviderErrorKind::Cancelled => {
            (MessageStatus::Partial, f.partial, f.usage, None)
        }
        Err(f) => (
            MessageStatus::Error,
            f.partial,
            f.usage,
            Some(AppError::from(f.error)),
        ),
    };
    let wordless = ending_text.trim().is_empty();
    let saved = store.run(|c| {
        let tx = c.transaction()?;
        // Nothing came: a stop leaves no reply, and a reply written again
        // leaves the old one in place.
        if wordless && (status == MessageStatus::Partial || turn.replaced.is_some()) {
            messages::delete(&tx, reply_id)?;
            tx.commit()?;
            return Ok(None);
        }
        if let Some(old) = turn.replaced {
            messages::delete(&tx, old)?;
        }
        messages::finish(
            &tx,
            reply_id,
            status,
            &Ending {
                content: &ending_text,
                error: error.as_ref().map(|e| e.message.as_str()),
                prompt_tokens: usage.input_tokens,
                completion_tokens: usage.output_tokens,
            },
        )?;
        let reply = messages::get(&tx, reply_id)?;
        tx.commit()?;
        Ok(reply)
    });
    match saved {
        Ok(reply) => Ended {
            reply,
            usage,
            error,
            text: ending_text,
        },
        Err(e) => {
            // Never leave the reply `streaming`: that would refuse every
            // later message. Keep the words as partial if the journal lets us.
            let kept = store.with(|c| messages::interrupt(c, reply_id));
            tracing::warn!(kept = kept.is_ok(), "the reply could not be saved: {e}");
            Ended {
                reply: None,
                usage,
                error: Some(AppError {
                    // A full disk or a read-only folder keeps its own code.
                    code: e.code,
                    message: format!("The reply could not be saved: {}", e.message),
                }),
                text: ending_text,
            }
        }
    }
}

/// Writes the words so far; the first time, also removes the reply they replace.
fn save_so_far(
    store: &Store,
    reply_id: i64,
    text: &str,
    replaced: Option<i64>,
) -> Result<(), AppError> {
    store.run(|c| {
        let tx = c.transaction()?;
        messages::update(&tx, reply_id, text, MessageStatus::Streaming)?;
        if let Some(old) = replaced {
            messages::delete(&tx, old)?;
        }
        tx.commit()?;
        Ok(())
    })
}

/// Learns durable facts from a finished exchange (run in the background,
/// after the reply), asking `model` for a structured answer. Returns what
/// was stored; nothing when `cancel` fires first.
pub async fn learn(
    store: &Store,
    model: &Model,
    user: &Message,
    reply: &Message,
    today: &str,
    cancel: &CancellationToken,
) -> Result<extract::Merged, AppError> {
    let (user_name, known) = store.run(|c| {
        let name = persona::get(c)?.map(|p| p.user_name).unwrap_or_default();
        let words = crate::memory::recall::content_words(&user.content);
        let known = memories::matching(c, &words, 12)?
            .into_iter()
            .map(|(m, _)| m)
            .collect::<Vec<_>>();
        Ok((name, known))
    })?;
    let unreadable = |e: extract::Unreadable| AppError {
        code: ErrorCode::Malformed,
        message: e.to_string(),
    };
    let learnt = if model.is_in_process() {
        // A small model chooses among the user's own statements.
        let Some(choices) = Choices::new(&user_name, &user.content, today) else {
            return Ok(extract::Merged::default());
        };
        let answer = model.answer(&choices.request(), cancel).await?;
        choices.read(&answer).map_err(unreadable)?
    } else {
        let request = extract::request(&user_name, &user.content, &reply.content, today, &known);
        let answer = model.answer(&request, cancel).await?;
        extract::parse(&answer).map_err(unreadable)?
    };
    let now = crate::store::now_ms();
    Ok(store.with(|c| extract::merge(c, &learnt, &known, Some(user.id), now))?)
}
