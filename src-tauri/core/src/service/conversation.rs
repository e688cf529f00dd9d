//! The conversation: first run, the persona, a turn, moments kept, history.

use std::sync::Arc;

use serde::Serialize;

use crate::companion::prompt::Budget;
use crate::companion::setup::{self, Introduction, SetupAnswers};
use crate::companion::turn::{self, Start, Turn};
use crate::error::AppError;
use crate::generation::StreamEvent;
use crate::jobs::Job;
use crate::memory::semantic::QueryVector;
use crate::store::messages::{self, Message, MessageStatus, Role};
use crate::store::moments::{self, Moment};
use crate::store::now_ms;
use crate::store::persona::{self, Persona};

use super::Hearth;

/// The most history one call may return.
const MAX_PAGE: u32 = 500;

/// How a turn starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TurnStart {
    /// A new message from the user.
    Send(String),
    /// Another reply to the last message (also how a failed reply is retried).
    Regenerate,
    /// The last message, edited, answered anew.
    EditLast(String),
}

/// A turn that has begun: the stored messages, and the id to stop it with.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct StartedTurn {
    pub turn: Turn,
    pub stream: u32,
}

/// Makes sure a reply task that ends in any way (even a panic) leaves no
/// reply `streaming` and no stream registered.
struct ReplyEnds {
    hearth: Arc<Hearth>,
    stream: u32,
    reply: i64,
}

impl Drop for ReplyEnds {
    fn drop(&mut self) {
        self.hearth.streams.finish(self.stream);
        if let Ok(store) = self.hearth.store() {
            let reply = self.reply;
            match store.with(|c| messages::interrupt(c, reply)) {
                Ok(false) => {}
                Ok(true) => tracing::warn!(reply, "a reply that ended abruptly is kept as partial"),
                Err(e) => tracing::warn!("could not mark an interrupted reply: {e}"),
            }
        }
    }
}

impl Hearth {
    pub async fn persona(&self) -> Result<Option<Persona>, AppError> {
        self.journal(|s| s.with(|c| persona::get(c))).await
    }

    /// Stores the persona. On first run, `introduction` (the companion's
    /// first words) opens the conversation.
    pub async fn save_persona(
        &self,
        persona: Persona,
        introduction: Option<String>,
    ) -> Result<Persona, AppError> {
        if persona.companion_name.trim().is_empty() {
            return Err(AppError::invalid("Your companion needs a name."));
        }
        self.journal(move |s| {
            s.run(|c| {
                let tx = c.transaction()?;
                persona::save(&tx, &persona)?;
                if let Some(words) = introduction.filter(|w| !w.trim().is_empty()) {
                    messages::insert(&tx, Role::Assistant, &words, MessageStatus::Complete, None)?;
                }
                tx.commit()?;
                Ok(persona::get(c)?.unwrap_or(persona))
            })
        })
        .await
    }

    /// Asks the companion to introduce itself and propose a name, from the
    /// user's answers to the first-run questions (a structured answer).
    pub async fn introduce(&self, answers: SetupAnswers) -> Result<Introduction, AppError> {
        let active = self.active_model().await?;
        let _first = self
            .jobs
            .as_ref()
            .map(|j| j.reply_starts(active.model.is_in_process()));
        let answer = active
            .model
            .answer(
                &setup::request_for(&answers, active.model.is_in_process()),
                &Default::default(),
            )
            .await?;
        Ok(setup::parse(&answer, &answers))
    }

    /// Up to `limit` messages before the message `before` (the newest when
    /// `None`), oldest first.
    pub async fn messages(
        &self,
        before: Option<i64>,
        limit: u32,
    ) -> Result<Vec<Message>, AppError> {
        let limit = limit.clamp(1, MAX_PAGE);
        self.journal(move |s| s.with(|c| messages::page(c, before, limit)))
            .await
    }

    /// The embedding of `text` and the model's name, for recall, when the
    /// embedder is loaded (about 15 ms); `None` otherwise, and then it is
    /// loaded in the background for the next message (it is released after
    /// some idle minutes).
    async fn query_vector(&self, text: Option<String>) -> Option<(String, Vec<f32>)> {
        let Some(embedder) = self.models.loaded_embedder() else {
            let dir = self.models_dir.join(crate::local::DEFAULT_EMBEDDING_MODEL);
            if dir.is_dir() {
                let models = self.models.clone();
                tokio::spawn(async move {
                    if let Err(e) = models.embedder(&dir).await {
                        tracing::debug!("could not load the embedding model: {e}");
                    }
                });
            }
            return None;
        };
        let text = text?;
        let name = embedder.name().to_owned();
        match crate::local::embed::embed_blocking(embedder, vec![text]).await {
            Ok(mut v) if !v.is_empty() => Some((name, v.swap_remove(0))),
            Ok(_) => None,
            Err(e) => {
                tracing::warn!("could not embed the message for recall: {e}");
                None
            }
        }
    }

    /// Starts a turn: stores the user's words (and an empty reply) at once,
    /// streams the reply to `on_event` in the background, then queues
    /// learning and embedding. Returns when the reply has begun.
    pub async fn start_turn(
        self: &Arc<Self>,
        start: TurnStart,
        on_event: impl Fn(StreamEvent) + Send + Sync + 'static,
    ) -> Result<StartedTurn, AppError> {
        let jobs = self.jobs.clone().ok_or_else(|| self.store().unwrap_err())?;
        // One turn begins at a time: the check that no reply streams and the
        // registration of this one go together.
        let starting = self.turn_start.lock().await;
        let config = self.active_config().await?;
        // Background work yields to the reply (on this computer's CPU it
        // stops at once), before anything else is prepared.
        let first = jobs.reply_starts(config.kind.is_in_process());
        let active = self.ready(config).await?;
        let model_name = active.model.config().model.clone();
        let text = match &start {
            TurnStart::Send(t) | TurnStart::EditLast(t) => Some(t.clone()),
            TurnStart::Regenerate => self
                .messages(None, 2)
                .await
                .ok()
                .and_then(|page| page.into_iter().rev().find(|m| m.role == Role::User))
                .map(|m| m.content),
        };
        // Editing or regenerating replaces words: the old ones are forgotten.
        let replaces_words = !matches!(start, TurnStart::Send(_));
        let query = self.query_vector(text).await;
        let now = chrono::Local::now().fixed_offset();
        let context = active.context;
        let name = model_name.clone();
        let (turn, prompt) = self
            .journal(move |s| {
                s.run(|c| {
                    let begin = match &start {
                        TurnStart::Send(t) => Start::Send(t),
                        TurnStart::Regenerate => Start::Regenerate,
                        TurnStart::EditLast(t) => Start::EditLast(t),
                    };
                    let turn = turn::begin(c, begin, &name)?;
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
        // Learning is queued before the reply streams, so no exit between
        // its end and a later write can lose it; no job starts while a reply
        // streams, and one that did not end complete leaves nothing to learn.
        self.queue(&Job::Learn {
            user_id: turn.user.id,
            reply_id: turn.reply.id,
            day: now.format("%Y-%m-%d").to_string(),
        });
        let (stream, cancel) = self.streams.start();
        drop(starting);
        let started = StartedTurn {
            turn: turn.clone(),
            stream,
        };
        let this = self.clone();
        let store = self.store()?;
        tokio::spawn(async move {
            let _ends = ReplyEnds {
                hearth: this.clone(),
                stream,
                reply: turn.reply.id,
            };
            on_event(StreamEvent::Started { model: model_name });
            let mut send = |text: &str| {
                on_event(StreamEvent::Delta {
                    text: text.to_owned(),
                })
            };
            let ended = turn::run(
                &store,
                &active.model,
                &prompt.request,
                &turn,
                &cancel,
                &mut send,
            )
            .await;
            drop(first);
            if replaces_words {
                this.forget_traces().await;
            }
            this.queue(&Job::Embed);
            if let Some(reply) = &ended.reply
                && reply.status == MessageStatus::Complete
                && let Some(date) = prompt.occasion.clone()
            {
                // Mentioned once: the next turns do not bring it up again.
                let _ = this
                    .journal(move |s| {
                        s.with(|c| {
                            crate::store::letters::mark_date_mentioned(
                                c,
                                date.person_id,
                                &date.label,
                                &date.date,
                            )
                        })
                    })
                    .await;
            }
            on_event(ended.event());
        });
        Ok(started)
    }

    /// Keeps a message as a moment of its day (the diary shows it).
    pub async fn keep_moment(&self, message_id: i64) -> Result<Moment, AppError> {
        let offset = chrono::Local::now().offset().local_minus_utc() / 60;
        let kept = self
            .journal(move |s| {
                s.run(|c| {
                    moments::keep_message(c, message_id, offset, now_ms())?
                        .ok_or_else(|| AppError::invalid("That message no longer exists."))
                })
            })
            .await?;
        self.queue(&Job::Embed);
        if kept.writing {
            self.queue(&Job::Reflect { moment_id: kept.id });
        }
        Ok(kept)
    }

    /// Lets go of the moment kept from a message.
    pub async fn release_moment(&self, message_id: i64) -> Result<bool, AppError> {
        self.journal(move |s| s.with(|c| moments::release_message(c, message_id).map(|n| n > 0)))
            .await
    }
}
