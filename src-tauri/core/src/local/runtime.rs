//! The models loaded in this process: one chat model and one embedder, each
//! loaded once on a worker thread and shared after that. The service owns one
//! [`LocalModels`]; nothing here is process-wide.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use super::chat::{ChatModel, FileKey, LoadProgress, file_key};
use super::embed::Embedder;
use super::{LocalError, run_blocking};

type ChatSlot = Option<(FileKey, Arc<ChatModel>)>;
type EmbedSlot = Option<(PathBuf, Arc<Embedder>)>;

/// The loaded chat model and embedder.
#[derive(Default)]
pub struct LocalModels {
    chat: Mutex<ChatSlot>,
    embedder: Mutex<EmbedSlot>,
    /// Held while the embedder loads, so the slot above stays free to read:
    /// a reply asking for it meanwhile goes on without it.
    embedder_loading: Mutex<()>,
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
        run_blocking("hearth-model-load", move || {
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
        .await
    }

    /// The chat model at `path` if it is loaded already.
    pub fn loaded_chat(&self, path: &Path) -> Option<Arc<ChatModel>> {
        let key = file_key(path).ok()?;
        lock(&self.chat)
            .as_ref()
            .filter(|(k, _)| *k == key)
            .map(|(_, m)| m.clone())
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
        run_blocking("hearth-embed-load", move || {
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
        .await
    }

    /// The embedder, once it is loaded (recall uses it when it is).
    pub fn loaded_embedder(&self) -> Option<Arc<Embedder>> {
        lock(&self.embedder).as_ref().map(|(_, e)| e.clone())
    }
}
