//! On-device embeddings in the background: when the data folder holds the
//! MiniLM model (`models/all-MiniLM-L6-v2`), it is loaded once, a few seconds
//! after the window is up, on a low-priority thread; then every memory,
//! moment and message without a vector is embedded in batches (progress in
//! the log), and new ones are picked up when a turn, a kept moment or an
//! edited memory wakes the embedder ([`wake`]; and once a minute in case
//! something changed without saying). Recall
//! uses the vectors when the embedder is loaded ([`query_vector`]); without
//! the model, recall is BM25 alone and nothing here runs.
//!
//! Each look stays cheap however long the journal: messages are looked for only
//! after the last one embedded (less a margin, for the last turns that are
//! edited or finish streaming); memories and moments, a few thousand at most,
//! are looked for in full.

use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use tokio::sync::Notify;

use hearth_core::local::embed::{embed_blocking, load_shared};
use hearth_core::local::vectors::{self, OwnerKind};
use hearth_core::local::{DEFAULT_EMBEDDING_MODEL, Embedder, models_dir};
use hearth_core::store::Store;

/// Delay after start-up before the model is loaded: the window comes first.
const START_DELAY: Duration = Duration::from_secs(3);
/// How often new texts are looked for when nothing wakes the embedder.
const POLL: Duration = Duration::from_secs(60);
/// Texts embedded per batch (about half a second on one core).
const BATCH: usize = 32;
/// Messages this far before the last embedded one are checked again.
const MESSAGE_MARGIN: i64 = 200;

static EMBEDDER: OnceLock<Arc<Embedder>> = OnceLock::new();

/// Rings when there is something new to embed.
static WAKE: Notify = Notify::const_new();

/// Tells the background embedder that texts were stored or changed. A wake
/// while it is busy is kept, so nothing waits for the next minute.
pub fn wake() {
    WAKE.notify_one();
}

/// The loaded embedding model, once it is.
pub fn embedder() -> Option<Arc<Embedder>> {
    EMBEDDER.get().cloned()
}

/// The embedding of a new message and the model's name, for recall; `None`
/// when the model is not loaded (or fails), when recall is BM25 alone.
pub async fn query_vector(text: Option<&str>) -> Option<(String, Vec<f32>)> {
    let (embedder, text) = (embedder()?, text?);
    let name = embedder.name().to_owned();
    let started = Instant::now();
    match embed_blocking(embedder, vec![text.to_owned()]).await {
        Ok(mut v) if !v.is_empty() => {
            tracing::debug!(took = ?started.elapsed(), "message embedded for recall");
            Some((name, v.swap_remove(0)))
        }
        Ok(_) => None,
        Err(e) => {
            tracing::warn!("could not embed the message for recall: {e}");
            None
        }
    }
}

/// Starts the background embedding if the model is in the data folder.
pub fn start(data_dir: std::path::PathBuf, store: Arc<Store>) {
    let dir = models_dir(&data_dir).join(DEFAULT_EMBEDDING_MODEL);
    tauri::async_runtime::spawn(async move {
        tokio::time::sleep(START_DELAY).await;
        if !dir.is_dir() {
            tracing::info!(
                dir = %dir.display(),
                "no embedding model: recall uses words alone"
            );
            return;
        }
        let started = Instant::now();
        let embedder = match load_shared(&dir).await {
            Ok(e) => e,
            Err(e) => {
                tracing::warn!("could not load the embedding model: {e}");
                return;
            }
        };
        tracing::info!(took = ?started.elapsed(), "embedding model loaded");
        let _ = EMBEDDER.set(embedder.clone());
        let model = embedder.name().to_owned();
        let mut after = match db(&store, move |s| last_embedded_message(s, &model)).await {
            Some(last) => last.saturating_sub(MESSAGE_MARGIN),
            None => return,
        };
        loop {
            match catch_up(&store, &embedder, after).await {
                Some(last) => after = last.saturating_sub(MESSAGE_MARGIN).max(after),
                None => tracing::warn!("background embedding paused after an error"),
            }
            let _ = tokio::time::timeout(POLL, WAKE.notified()).await;
        }
    });
}

/// The highest message id with a vector from `model` (0 when none).
fn last_embedded_message(store: &Store, model: &str) -> Result<i64, String> {
    store
        .with(|c| {
            c.query_row(
                "SELECT coalesce(max(owner_id), 0) FROM embeddings
                 WHERE owner_kind = 'message' AND model = ?1",
                [model],
                |r| r.get(0),
            )
        })
        .map_err(|e| e.to_string())
}

/// Runs a short journal call off the async threads.
async fn db<T: Send + 'static>(
    store: &Arc<Store>,
    f: impl FnOnce(&Store) -> Result<T, String> + Send + 'static,
) -> Option<T> {
    let store = store.clone();
    match tokio::task::spawn_blocking(move || f(&store)).await {
        Ok(Ok(v)) => Some(v),
        Ok(Err(e)) => {
            tracing::warn!("background embedding: {e}");
            None
        }
        Err(e) => {
            tracing::warn!("background embedding: {e}");
            None
        }
    }
}

/// Embeds everything pending (messages after id `after`), batch by batch;
/// returns the highest message id seen.
async fn catch_up(store: &Arc<Store>, embedder: &Arc<Embedder>, after: i64) -> Option<i64> {
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
            let m = model.clone();
            let batch = db(store, move |s| {
                s.with(|c| vectors::pending_after(c, kind, &m, cursor, BATCH))
                    .map_err(|e| e.to_string())
            })
            .await?;
            let Some(&(last, _)) = batch.last() else {
                break;
            };
            let (ids, texts): (Vec<i64>, Vec<String>) = batch.into_iter().unzip();
            let vecs = match embed_blocking(embedder.clone(), texts).await {
                Ok(v) => v,
                Err(e) => {
                    tracing::warn!("could not embed a batch: {e}");
                    return None;
                }
            };
            let rows: Vec<(i64, Vec<f32>)> = ids.into_iter().zip(vecs).collect();
            let n = rows.len();
            let m = model.clone();
            db(store, move |s| {
                s.with(|c| vectors::save_many(c, kind, &m, &rows))
                    .map_err(|e| e.to_string())
            })
            .await?;
            done += n;
            cursor = last;
            if kind == OwnerKind::Message {
                last_message = last_message.max(last);
            }
            if done.is_multiple_of(BATCH * 20) {
                tracing::info!(kind = kind.as_str(), done, "embedding in the background");
            }
        }
        if done > 0 {
            tracing::info!(
                kind = kind.as_str(),
                done,
                took = ?started.elapsed(),
                "embedded in the background"
            );
        }
    }
    Some(last_message)
}
