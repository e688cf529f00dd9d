//! The models loaded in this process: one chat model and one embedder, each
//! loaded on a worker thread when first needed and shared after that, and
//! released after [`KEEP_ALIVE`] unused (as Ollama's `keep_alive` does), so
//! an idle Hearth gives their memory back. The service owns one
//! [`LocalModels`]; nothing here is process-wide.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::{Duration, Instant};

use super::chat::{ChatModel, FileKey, LoadProgress, file_key};
use super::embed::Embedder;
use super::{LocalError, run_blocking};

type ChatSlot = Option<(FileKey, Arc<ChatModel>)>;
type EmbedSlot = Option<(PathBuf, Arc<Embedder>)>;

/// How long a model stays loaded after its last use.
pub const KEEP_ALIVE: Duration = Duration::from_secs(5 * 60);

/// The loaded chat model and embedder.
pub struct LocalModels {
    chat: Mutex<ChatSlot>,
    embedder: Mutex<EmbedSlot>,
    /// Held while the embedder loads, so the slot above stays free to read:
    /// a reply asking for it meanwhile goes on without it.
    embedder_loading: Mutex<()>,
    keep_alive: Duration,
    /// When each model was last asked for or seen in use.
    chat_used: Mutex<Instant>,
    embedder_used: Mutex<Instant>,
}

impl Default for LocalModels {
    fn default() -> Self {
        LocalModels {
            chat: Mutex::default(),
            embedder: Mutex::default(),
            embedder_loading: Mutex::default(),
            keep_alive: KEEP_ALIVE,
            chat_used: Mutex::new(Instant::now()),
            embedder_used: Mutex::new(Instant::now()),
        }
    }
}

impl std::fmt::Debug for LocalModels {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalModels").finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl LocalModels {
    pub fn new() -> Arc<Self> {
        Arc::default()
    }

    /// Models kept `keep_alive` after their last use instead of [`KEEP_ALIVE`].
    pub fn with_keep_alive(keep_alive: Duration) -> Arc<Self> {
        Arc::new(LocalModels {
            keep_alive,
            ..LocalModels::default()
        })
    }

    /// Releases the models unused for the keep-alive time: their memory is
    /// freed (a model a reply still holds counts as used). The next caller
    /// loads them again.
    pub fn release_idle(&self) {
        self.release_idle_at(Instant::now());
    }

    /// [`Self::release_idle`] as if it were `now` (tests move the clock).
    pub fn release_idle_at(&self, now: Instant) {
        let expired = |used: &Mutex<Instant>, in_use: bool| {
            let mut used = lock(used);
            if in_use {
                *used = (*used).max(now);
            }
            now.saturating_duration_since(*used) >= self.keep_alive
        };
        // A slot that is locked is loading: in use.
        if let Ok(mut slot) = self.chat.try_lock() {
            let in_use = slot.as_ref().is_some_and(|(_, m)| Arc::strong_count(m) > 1);
            if slot.is_some() && expired(&self.chat_used, in_use) {
                let (_, model) = slot.take().expect("checked");
                tracing::info!(model = %model.name(), "local model released after its keep-alive time");
            }
        }
        if let Ok(_loading) = self.embedder_loading.try_lock() {
            let mut slot = lock(&self.embedder);
            let in_use = slot.as_ref().is_some_and(|(_, e)| Arc::strong_count(e) > 1);
            if slot.is_some() && expired(&self.embedder_used, in_use) {
                slot.take();
                tracing::info!("embedding model released after its keep-alive time");
            }
        }
    }

    /// Calls [`Self::release_idle`] on `runtime` every tenth of the
    /// keep-alive time (at least every second), for as long as these models
    /// exist.
    pub fn release_when_idle(self: &Arc<Self>, runtime: &tokio::runtime::Handle) {
        let this: Weak<Self> = Arc::downgrade(self);
        let every = (self.keep_alive / 10).max(Duration::from_secs(1));
        runtime.spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                match this.upgrade() {
                    Some(models) => models.release_idle(),
                    None => return,
                }
            }
        });
    }

    fn used(&self, which: &Mutex<Instant>) {
        let mut used = lock(which);
        *used = (*used).max(Instant::now());
    }

    /// The chat model at `path`, loaded on a worker thread the first time and
    /// shared after that (one is kept: loading another replaces it). Callers
    /// that ask while it loads wait for the same load. `progress` hears the
    /// load's progress (not called when the model is already loaded).
    pub async fn chat(
        self: &Arc<Self>,
        path: &Path,
        mut progress: impl FnMut(LoadProgress) + Send + 'static,
    ) -> Result<Arc<ChatModel>, LocalError> {
        let path = path.to_owned();
        let this = self.clone();
        self.used(&self.chat_used);
        let model = run_blocking("hearth-model-load", move || {
            let key = file_key(&path)?;
            // Held during the load, so a second caller waits for this load.
            let mut slot = lock(&this.chat);
            if let Some((k, model)) = slot.as_ref()
                && *k == key
            {
                return Ok(model.clone());
            }
            // Free the old model before loading the new one.
            slot.take();
            let model = Arc::new(ChatModel::load(&path, &mut progress)?);
            tracing::info!(model = %model.name(), "local model loaded");
            *slot = Some((key, model.clone()));
            Ok(model)
        })
        .await;
        self.used(&self.chat_used);
        model
    }

    /// The chat model at `path` if it is loaded already.
    pub fn loaded_chat(&self, path: &Path) -> Option<Arc<ChatModel>> {
        let key = file_key(path).ok()?;
        let model = lock(&self.chat)
            .as_ref()
            .filter(|(k, _)| *k == key)
            .map(|(_, m)| m.clone())?;
        self.used(&self.chat_used);
        Some(model)
    }

    /// Forgets the chat model loaded from `path`, if it is that one; its
    /// memory is freed when the last reply using it ends.
    pub fn unload_chat(&self, path: &Path) {
        let mut slot = lock(&self.chat);
        if slot.as_ref().is_some_and(|((p, _, _), _)| p == path) {
            slot.take();
        }
    }

    /// The embedding model in `dir`, loaded on a worker thread the first time.
    pub async fn embedder(self: &Arc<Self>, dir: &Path) -> Result<Arc<Embedder>, LocalError> {
        let dir = dir.to_owned();
        let this = self.clone();
        self.used(&self.embedder_used);
        let embedder = run_blocking("hearth-embed-load", move || {
            let _loading = lock(&this.embedder_loading);
            if let Some((d, e)) = lock(&this.embedder).as_ref()
                && *d == dir
            {
                return Ok(e.clone());
            }
            let embedder = Arc::new(Embedder::load(&dir)?);
            *lock(&this.embedder) = Some((dir, embedder.clone()));
            Ok(embedder)
        })
        .await;
        self.used(&self.embedder_used);
        embedder
    }

    /// The embedder, once it is loaded (recall uses it when it is).
    pub fn loaded_embedder(&self) -> Option<Arc<Embedder>> {
        let embedder = lock(&self.embedder).as_ref().map(|(_, e)| e.clone())?;
        self.used(&self.embedder_used);
        Some(embedder)
    }
}
