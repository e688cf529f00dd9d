//! What the companion remembers: the user sees, edits and deletes memories;
//! background jobs learn them from finished exchanges and embed every text
//! for recall.

use std::sync::Arc;
use std::time::Instant;

use tokio_util::sync::CancellationToken;

use crate::companion::turn;
use crate::error::AppError;
use crate::jobs::{Job, Outcome};
use crate::local::DEFAULT_EMBEDDING_MODEL;
use crate::local::embed::{Embedder, embed_blocking};
use crate::store::memories::{self, Memory, MemoryDraft};
use crate::store::vectors::{self, OwnerKind};
use crate::store::{Store, messages, now_ms};

use super::{Hearth, blocking};

/// The most memories one call may return.
const MAX_LIST: u32 = 1_000;
/// Texts embedded per batch. A reply on the built-in model stops the job
/// between two batches, so a batch is kept short (see `examples/first_token.rs`).
const BATCH: usize = 8;
/// Messages this far before the last embedded one are checked again (the
/// last turns may be edited or finish streaming after a look).
const MESSAGE_MARGIN: i64 = 200;

impl Hearth {
    /// Current memories, newest first; with `query`, those matching every word.
    pub async fn memories(
        &self,
        query: Option<String>,
        limit: u32,
    ) -> Result<Vec<Memory>, AppError> {
        let limit = limit.clamp(1, MAX_LIST);
        self.journal(move |s| s.with(|c| memories::list(c, query.as_deref(), limit)))
            .await
    }

    /// Replaces a memory's text, kind and importance.
    pub async fn update_memory(&self, id: i64, draft: MemoryDraft) -> Result<Memory, AppError> {
        // One rule, in the core: a memory with no words or too many is
        // refused with a sentence that says which.
        let draft = memories::check(&draft)?;
        let updated = self
            .journal(move |s| {
                s.run(|c| {
                    memories::update(c, id, &draft, now_ms())?
                        .ok_or_else(|| AppError::invalid("That memory no longer exists."))
                })
            })
            .await?;
        self.queue(&Job::Embed);
        self.forget_traces().await;
        Ok(updated)
    }

    /// Forgets a memory for good: it is never recalled or sent to a model
    /// again, the message it came from is never learnt from again, and its
    /// words leave every file.
    pub async fn delete_memory(&self, id: i64) -> Result<bool, AppError> {
        let deleted = self
            .journal(move |s| s.with(|c| memories::delete(c, id)))
            .await?;
        self.forget_traces().await;
        Ok(deleted)
    }

    /// Removes forgotten words from the journal's log and the backups (see
    /// [`crate::store::forget`]). A failure is logged: what the user asked
    /// to forget is gone from the journal either way.
    pub(super) async fn forget_traces(&self) {
        let backups = self.data_dir.join(crate::store::BACKUP_DIR);
        if let Err(e) = self
            .journal(move |s| crate::store::forget::traces(s, &backups))
            .await
        {
            tracing::warn!("forgotten words may remain in a backup: {}", e.message);
        }
    }

    /// The learning job: facts from one finished exchange, asked of the
    /// model the companion uses now.
    pub(super) async fn learn_job(
        &self,
        user_id: i64,
        reply_id: i64,
        day: &str,
        cancel: &CancellationToken,
    ) -> Outcome {
        let exchange = self
            .journal(move |s| {
                s.with(|c| Ok((messages::get(c, user_id)?, messages::get(c, reply_id)?)))
            })
            .await;
        let (user, reply) = match exchange {
            Ok((Some(u), Some(r)))
                if r.status == messages::MessageStatus::Complete && !u.forgotten =>
            {
                (u, r)
            }
            // Regenerated, edited or forgotten since: nothing left to learn.
            Ok(_) => return Outcome::Done,
            Err(e) => return Outcome::Failed(e.message),
        };
        let active = match self.active_model().await {
            Ok(a) => a,
            Err(e) => return Outcome::Failed(e.message),
        };
        let Ok(store) = self.store() else {
            return Outcome::Done;
        };
        let model = active.model.for_background();
        let learnt = turn::learn(&store, &model, &user, &reply, day, cancel).await;
        match learnt {
            Ok(m) => {
                tracing::info!(
                    added = m.added.len(),
                    confirmed = m.confirmed.len(),
                    superseded = m.superseded.len(),
                    "memories learnt"
                );
                if !m.added.is_empty() {
                    self.queue(&Job::Embed);
                }
                Outcome::Done
            }
            Err(_) if cancel.is_cancelled() => Outcome::Interrupted,
            Err(e) => Outcome::Failed(e.message),
        }
    }

    /// The embedding job: loads the embedder (once) when its model is in
    /// the models folder, then embeds every memory, moment and message that
    /// has no vector yet, batch by batch, until done or cancelled.
    pub(super) async fn embed_job(self: &Arc<Self>, cancel: &CancellationToken) -> Outcome {
        let dir = self.models_dir.join(DEFAULT_EMBEDDING_MODEL);
        if !dir.is_dir() {
            tracing::debug!(dir = %dir.display(), "no embedding model: recall uses words alone");
            return Outcome::Done;
        }
        let Ok(store) = self.store() else {
            return Outcome::Done;
        };
        // Vectors are stored under the model's folder name (`Embedder::name`).
        let model = DEFAULT_EMBEDDING_MODEL.to_owned();
        let known = *self
            .embedded_until
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let after = match known {
            Some(after) => after,
            None => {
                let (s, m) = (store.clone(), model.clone());
                match blocking(move || Ok(s.with(|c| vectors::last_embedded_message(c, &m))?)).await
                {
                    Ok(last) => last.saturating_sub(MESSAGE_MARGIN),
                    Err(e) => return Outcome::Failed(e.message),
                }
            }
        };
        // Nothing to embed (a fresh start, or everything done before): the
        // embedder is not loaded, so an idle Hearth does not hold its ~90 MB
        // until a message needs it.
        let (s, m) = (store.clone(), model.clone());
        match blocking(move || Ok(s.with(|c| vectors::anything_pending(c, &m, after))?)).await {
            Ok(false) => {
                self.embedded_until_is(after);
                return Outcome::Done;
            }
            Ok(true) => {}
            Err(e) => return Outcome::Failed(e.message),
        }
        let started = Instant::now();
        let embedder = match self.models.embedder(&dir).await {
            Ok(e) => e,
            Err(e) => return Outcome::Failed(format!("could not load the embedding model: {e}")),
        };
        tracing::debug!(took = ?started.elapsed(), "embedding model ready");
        match catch_up(&store, &embedder, after, cancel).await {
            Ok(last) => {
                self.embedded_until_is(last.saturating_sub(MESSAGE_MARGIN).max(after));
                Outcome::Done
            }
            Err(_) if cancel.is_cancelled() => Outcome::Interrupted,
            Err(e) => Outcome::Failed(e.message),
        }
    }

    fn embedded_until_is(&self, until: i64) {
        *self
            .embedded_until
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = Some(until);
    }
}

/// Embeds everything pending (messages after id `after`), batch by batch;
/// returns the highest message id seen.
async fn catch_up(
    store: &Arc<Store>,
    embedder: &Arc<Embedder>,
    after: i64,
    cancel: &CancellationToken,
) -> Result<i64, AppError> {
    let model = embedder.name().to_owned();
    let mut last_message = after;
    for kind in OwnerKind::ALL {
        let started = Instant::now();
        let mut done = 0usize;
        let mut cursor = if kind == OwnerKind::Message {
            after
        } else {
            i64::MIN
        };
        loop {
            if cancel.is_cancelled() {
                return Err(AppError::invalid("stopped"));
            }
            let (s, m) = (store.clone(), model.clone());
            let batch = blocking(move || {
                Ok(s.with(|c| vectors::pending_after(c, kind, &m, cursor, BATCH))?)
            })
            .await?;
            let Some(&(last, _)) = batch.last() else {
                break;
            };
            let texts: Vec<String> = batch.iter().map(|(_, t)| t.clone()).collect();
            let vecs = embed_blocking(embedder.clone(), texts)
                .await
                .map_err(|e| AppError::invalid(format!("could not embed a batch: {e}")))?;
            let rows: Vec<(i64, String, Vec<f32>)> = batch
                .into_iter()
                .zip(vecs)
                .map(|((id, text), v)| (id, text, v))
                .collect();
            let (s, m) = (store.clone(), model.clone());
            done += blocking(move || Ok(s.with(|c| vectors::save_current(c, kind, &m, &rows))?))
                .await?;
            cursor = last;
            if kind == OwnerKind::Message {
                last_message = last_message.max(last);
            }
        }
        if done > 0 {
            tracing::info!(kind = kind.as_str(), done, took = ?started.elapsed(), "embedded in the background");
        }
    }
    Ok(last_message)
}
